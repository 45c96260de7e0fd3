"""What the customer-file suites share (capture, cards, customer_edit, notes, search, pipeline,
followups): relationship managers in each language, customers written straight into storage, the
card and its buttons, the expected texts in English as written in the code. Expected texts are
computed with the catalogs (``tr``), never written in a translation, so the tests hold whatever
wording the translators choose; ``assert_translated`` checks separately that a Vietnamese or
Chinese reply is not simply the English source text."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from core import buttons
from core.i18n import _, active, format_datetime
from domain.phones import region_for_timezone
from handlers.cards import card_text
from playground.fake_api import ApiCall
from playground.fake_updates import Person
from storage.customers import Customer
from storage.interactions import Interaction
from tests.harness import Harness, only_message, tr

LANGUAGES = ["vi", "zh_Hans", "zh_Hant_TW", "zh_Hant_HK", "en"]
TELEGRAM_CODES = {"vi": "vi", "zh_Hans": "zh-hans", "zh_Hant": "zh-hant", "zh_Hant_TW": "zh-tw",
                  "zh_Hant_HK": "zh-hk", "en": "en"}
HCM = "Asia/Ho_Chi_Minh"
SHANGHAI = "Asia/Shanghai"
NEW_PROSPECT = "✅ New prospect saved."
ALREADY_FILED = "This was already filed."
WHICH_CUSTOMER = ("Which customer is this for? It is kept in your /inbox until you "
                  "choose.")
NO_MATCH = "No customer matches “{query}”."
MATCHING = "Customers matching “{query}”: {count}"
NOT_A_PHONE = ("“{text}” is not a phone number I can use. Type it like 0901 234 567 or "
               "+84 901 234 567, or skip.")
SAVED_AND_FOLLOW_UP = "✅ {kind} saved for {name}. Set a follow-up?"
REMIND_ECHO = "⏰ I will remind you about {name} on {when}."

# -- helpers -----------------------------------------------------------------------------------


def assert_translated(language: str, *texts: str) -> None:
    """A Vietnamese or Chinese user must not be answered in the English source text."""
    if language == "en":
        return
    missing = [text for text in texts if tr(language, text) == text]
    assert not missing, f"not translated into {language}: {missing}"


def payload(data: str) -> list[str]:
    return data.rsplit("|", 1)[0].split(":")


def data_for(call: ApiCall, action: str, *args: str | int) -> str:
    """The callback data of the button with this action (and leading arguments)."""
    wanted = [str(arg) for arg in args]
    for _label, data in call.buttons:
        parts = payload(data)
        if parts[0] == action and parts[1:1 + len(wanted)] == wanted:
            return data
    raise AssertionError(f"no button {action}:{wanted} in {call.buttons}")


def actions(call: ApiCall) -> list[str]:
    return [payload(data)[0] for _label, data in call.buttons]


def labels(call: ApiCall) -> list[str]:
    return [label for label, _data in call.buttons]


async def press_action(bot: Harness, person: Person, action: str, *args: str | int,
                       call: ApiCall | None = None) -> list[ApiCall]:
    call = call or bot.last_for(person)
    return await bot.press_data(person, data_for(call, action, *args), call)


def dumped(calls: list[ApiCall]) -> str:
    return json.dumps([call.params for call in calls], ensure_ascii=False, default=str)


async def make_rm(bot: Harness, language: str, zone: str | None = None, *,
                  person_id: int = 2001, first_name: str = "Lan") -> Person:
    """A registered relationship manager speaking `language`, optionally in another zone."""
    person = Person(person_id, first_name, "Nguyễn", username=f"rm{person_id}",
                    language_code=TELEGRAM_CODES[language])
    await bot.register(person, language=language)
    if zone is not None:
        await bot.storage.staff.set_timezone(person.id, zone, region_for_timezone(zone, "VN"))
    return person


async def customers_of(bot: Harness, owner: Person) -> list[Customer]:
    rows = await bot.storage.db.fetch_all(
        "SELECT id FROM customers WHERE owner_id = ? AND erased_at IS NULL ORDER BY id",
        (owner.id,))
    found = [await bot.storage.customers.get(owner.id, row["id"]) for row in rows]
    return [customer for customer in found if customer is not None]


async def only_customer(bot: Harness, owner: Person) -> Customer:
    found = await customers_of(bot, owner)
    assert len(found) == 1, found
    return found[0]


async def customer_named(bot: Harness, owner: Person, name: str) -> Customer:
    found = [c for c in await customers_of(bot, owner) if c.name == name]
    assert len(found) == 1, [c.name for c in await customers_of(bot, owner)]
    return found[0]


async def history(bot: Harness, owner: Person, customer: Customer) -> list[Interaction]:
    items, _total = await bot.storage.interactions.history(owner.id, customer.id, offset=0,
                                                           limit=1000)
    return items


async def add(bot: Harness, person: Person, text: str) -> Customer:
    """Quick-add a prospect and return it (the newest of the RM's customers)."""
    await bot.send(person, f"/add {text}")
    found = await customers_of(bot, person)
    assert found, bot.api.texts(person.id)[-1:]
    return found[-1]


async def seed(bot: Harness, owner: Person, name: str, phone: str | None = None,
               region: str = "VN", **extra: Any) -> Customer:
    """A customer written straight into storage (for lists that need many)."""
    return await bot.storage.customers.create(owner_id=owner.id, name=name, phone=phone,
                                              region=region, now=bot.clock.now(), **extra)


def expected_card(customer: Customer, language: str, zone: str, region: str = "VN", *,
                  prefix: str = "", follow_up: datetime | None = None) -> str:
    with active(language, zone):
        text = card_text(customer, format_datetime(follow_up) if follow_up else None, region)
        return f"{_(prefix)}\n\n{text}" if prefix else text


def last_card(bot: Harness, person: Person) -> ApiCall:
    """The last message shown to the person that carries a customer card's buttons."""
    for call in reversed(bot.api.messages(person.id)):
        if {"cn", "cr"} & set(actions(call)):
            return call
    raise AssertionError("no card was shown")


async def open_card(bot: Harness, person: Person, customer: Customer) -> ApiCall:
    calls = await bot.press_data(person, buttons.pack("c", customer.id, owner=person.id))
    return only_message(calls)


async def reminders_of(bot: Harness, customer: Customer) -> list[dict[str, Any]]:
    rows = await bot.storage.db.fetch_all(
        "SELECT * FROM reminders WHERE customer_id = ? ORDER BY id", (customer.id,))
    return [dict(row) for row in rows]


CARD_ACTIONS = ["cn", "cl", "cl", "cl", "cf", "cs", "cl", "cdl", "chl", "hh", "ce", "ch", "ca"]
# -- files and forwarded messages --------------------------------------------------------------
PHOTO = [{"file_id": "ph-small", "file_unique_id": "ph-s", "width": 90, "height": 90},
         {"file_id": "ph-big", "file_unique_id": "ph-b", "width": 1280, "height": 960}]

# -- search ------------------------------------------------------------------------------------


def card_id(call: ApiCall) -> int | None:
    """The customer whose card this message is (its 📝 Note button names them), or None."""
    ids = [int(payload(data)[1]) for _label, data in call.buttons if payload(data)[0] == "cn"]
    return ids[0] if ids else None


def result_ids(call: ApiCall) -> list[int]:
    """The customers a search answer offers; a card (one customer found) is that one."""
    card = card_id(call)
    if card is not None:
        return [card]
    return [int(payload(data)[1]) for _label, data in call.buttons if payload(data)[0] == "c"]

# -- data safety -------------------------------------------------------------------------------


async def two_rms(bot: Harness) -> tuple[Person, Person, Customer]:
    """RM A (Vietnamese) with nothing yet, and RM B (Chinese) with a customer and history."""
    a = await make_rm(bot, "vi", person_id=2001, first_name="Lan")
    b = await make_rm(bot, "zh_Hans", person_id=2002, first_name="Mei")
    await bot.send(b, "/add Hoàng Bí Mật 0977 111 222 khách riêng của B")
    secret = await only_customer(bot, b)
    return a, b, secret


async def snapshot(bot: Harness, customer: Customer) -> tuple[Any, ...]:
    row = await bot.storage.db.fetch_one("SELECT * FROM customers WHERE id = ?", (customer.id,))
    assert row is not None
    interactions = await bot.storage.db.fetch_all(
        "SELECT * FROM interactions WHERE customer_id = ? ORDER BY id", (customer.id,))
    reminders = await bot.storage.db.fetch_all(
        "SELECT * FROM reminders WHERE customer_id = ? ORDER BY id", (customer.id,))
    return (tuple(row), [tuple(r) for r in interactions], [tuple(r) for r in reminders])
