"""Capture through the fake Bot API: adding prospects, the card and its fields, notes and
files, history, search, the pipeline, follow-ups, and keeping one RM's data from another.

Expected texts are computed with the catalogs (``tr``), never written in a translation, so the
tests hold whatever wording the translators choose; ``assert_translated`` checks separately
that a Vietnamese or Chinese reply is not simply the English source text.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core import buttons
from core.fake_api import ApiCall
from core.fake_updates import Person
from core.i18n import _, active, format_date, format_datetime, ngettext
from core.messages import LIMIT, esc
from domain.customers import INTERACTION_KINDS, MAX_NAME, SEGMENTS, SOURCES, STAGES
from domain.phones import region_for_timezone
from handlers.cards import HISTORY_ENTRY_LIMIT, HISTORY_PAGE, card_text
from handlers.followups import examples
from handlers.search import PAGE_SIZE
from storage.customers import PERSONAL, Customer
from storage.interactions import Interaction
from tests.conftest import NOW
from tests.harness import Harness, answer_of, of, only_message, shown

LANGUAGES = ["vi", "zh_Hans", "zh_Hant_TW", "zh_Hant_HK", "en"]
TELEGRAM_CODES = {"vi": "vi", "zh_Hans": "zh-hans", "zh_Hant_TW": "zh-tw", "zh_Hant_HK": "zh-hk",
                  "en": "en"}
HCM = "Asia/Ho_Chi_Minh"
SHANGHAI = "Asia/Shanghai"

EXPIRED = "This button has expired. Please start again."
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


# -- helpers ---------------------------------------------------------------------------------


def tr(language: str, text: str, zone: str = "UTC") -> str:
    """The text as a user of this language reads it."""
    with active(language, zone):
        return _(text)


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


async def make_rm(bot: Harness, language: str, person_id: int = 2001, zone: str | None = None,
                  first_name: str = "Lan") -> Person:
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


# -- quick add -------------------------------------------------------------------------------


async def test_quick_add_vietnamese_line(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    calls = await bot.send(lan, "/add Nguyễn Văn An 0901 234 567 vay mua nhà 2 tỷ")
    customer = await only_customer(bot, lan)
    assert (customer.name, customer.phone) == ("Nguyễn Văn An", "+84901234567")
    assert (customer.stage, customer.segment, customer.owner_id) == ("find", "individual", lan.id)
    notes = await history(bot, lan, customer)
    assert [(n.kind, n.text) for n in notes] == [("note", "vay mua nhà 2 tỷ")]
    card = only_message(calls)
    assert card.text == expected_card(customer, "vi", HCM, prefix=NEW_PROSPECT)
    assert "📞 0901 234 567" in card.text
    assert "<b>Nguyễn Văn An</b>" in card.text
    assert actions(card) == CARD_ACTIONS
    assert await bot.storage.audit.actions_for("customer", customer.id) == ["customer.created"]


async def test_quick_add_chinese_rm_reads_chinese_mobiles(bot: Harness) -> None:
    wei = await make_rm(bot, "zh_Hans")
    timezone_calls = await bot.send(wei, f"/timezone {SHANGHAI}")
    assert shown(timezone_calls)
    staff = await bot.storage.staff.get(wei.id)
    assert staff is not None and staff.region == "CN"
    calls = await bot.send(wei, "/add 王伟 13800138000 想办信用卡")
    customer = await only_customer(bot, wei)
    assert (customer.name, customer.phone) == ("王伟", "+8613800138000")
    assert [n.text for n in await history(bot, wei, customer)] == ["想办信用卡"]
    card = only_message(calls)
    assert card.text == expected_card(customer, "zh_Hans", SHANGHAI, "CN", prefix=NEW_PROSPECT)
    assert "138 0013 8000" in card.text


async def test_quick_add_phone_first(bot: Harness) -> None:
    mei = await make_rm(bot, "zh_Hant_TW")
    calls = await bot.send(mei, "/add 0901234567 Trần Thị Bích")
    customer = await only_customer(bot, mei)
    assert (customer.name, customer.phone) == ("Trần Thị Bích", "+84901234567")
    assert await history(bot, mei, customer) == []
    assert only_message(calls).text.startswith(tr("zh_Hant_TW", NEW_PROSPECT))


async def test_quick_add_without_phone(bot: Harness) -> None:
    ann = await make_rm(bot, "en")
    calls = await bot.send(ann, "/add Lê Văn Tám, quen qua anh Hùng")
    customer = await only_customer(bot, ann)
    assert (customer.name, customer.phone) == ("Lê Văn Tám", None)
    assert [n.text for n in await history(bot, ann, customer)] == ["quen qua anh Hùng"]
    card = only_message(calls)
    assert card.text == expected_card(customer, "en", HCM, prefix=NEW_PROSPECT)
    assert "📞" not in card.text


@pytest.mark.parametrize("text", ["/add ,", "/add ,,, ", "/add : chỉ có ghi chú", "/add ;"])
async def test_quick_add_without_name_or_phone_shows_the_example(bot: Harness,
                                                                text: str) -> None:
    lan = await make_rm(bot, "vi")
    calls = await bot.send(lan, text)
    with active("vi", HCM):
        expected = _("I could not find a name or a phone number. {example}").format(
            example=_("For example: /add Nguyễn Văn An 0901 234 567 vay mua nhà 2 tỷ"))
    assert only_message(calls).text == expected
    assert await customers_of(bot, lan) == []


async def test_quick_add_name_length_limit(bot: Harness) -> None:
    wei = await make_rm(bot, "zh_Hans")
    too_long = "王" * (MAX_NAME + 1)
    calls = await bot.send(wei, f"/add {too_long}")
    with active("zh_Hans", SHANGHAI):
        expected = _(
            "That name is {length} characters long; a name can have at most {limit}. Put the "
            "details after the phone number or on a new line, so they become a note."
        ).format(length=MAX_NAME + 1, limit=MAX_NAME)
    assert only_message(calls).text == expected
    assert await customers_of(bot, wei) == []
    # Exactly at the limit is fine.
    await bot.send(wei, f"/add {'王' * MAX_NAME}")
    assert (await only_customer(bot, wei)).name == "王" * MAX_NAME


async def test_quick_add_html_is_shown_escaped(bot: Harness) -> None:
    ann = await make_rm(bot, "en")
    calls = await bot.send(ann, "/add <b>Bad</b> & Co 0901234567")
    customer = await only_customer(bot, ann)
    assert customer.name == "<b>Bad</b> & Co"
    card = only_message(calls)
    assert "&lt;b&gt;Bad&lt;/b&gt; &amp; Co" in card.text
    assert "<b>Bad</b>" not in card.text
    assert card.params["parse_mode"] == "HTML"


async def test_sql_looking_names_are_stored_literally(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    evil = "Robert'); DROP TABLE customers;--"
    # The guided add keeps the name exactly as typed.
    await bot.send(lan, "/add")
    await bot.send(lan, evil)
    await bot.press(lan, tr("vi", "Skip"))
    await bot.press(lan, tr("vi", "Skip"))
    stored = await customer_named(bot, lan, evil)
    assert "Robert&#x27;" not in last_card(bot, lan).text
    assert "Robert'); DROP TABLE customers;--" in last_card(bot, lan).text
    # The quick add reads the same text (a phone after it) and the table still works.
    await bot.send(lan, f"/add {evil} 0901234567 muốn mở thẻ")
    assert len(await customers_of(bot, lan)) == 2
    assert await bot.storage.db.fetch_value("SELECT COUNT(*) FROM customers") == 2
    calls = await bot.send(lan, "/find robert")
    with active("vi", HCM):
        assert only_message(calls).text == _(MATCHING).format(query="robert", count=2)
    assert (await bot.storage.customers.get(lan.id, stored.id)) == stored


async def test_emoji_names(bot: Harness) -> None:
    mei = await make_rm(bot, "zh_Hant_TW")
    calls = await bot.send(mei, "/add 🌸 Hoa 💐 0901234567 thích hoa 🌷")
    customer = await only_customer(bot, mei)
    assert customer.name == "🌸 Hoa 💐"
    assert [n.text for n in await history(bot, mei, customer)] == ["thích hoa 🌷"]
    assert "<b>🌸 Hoa 💐</b>" in only_message(calls).text
    found = await bot.send(mei, "/find hoa")
    assert labels(only_message(found))[0].startswith("🌸 Hoa 💐")


# -- guided add ------------------------------------------------------------------------------


async def test_guided_add_step_by_step(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    first = await bot.send(lan, "/add")
    assert only_message(first).text == tr(
        "vi", "What is the new prospect's name? (/cancel to stop)")
    named = await bot.send(lan, "Phạm Minh Châu")
    # Saved at once: nothing is lost if the RM walks away now.
    customer = await only_customer(bot, lan)
    assert (customer.name, customer.phone) == ("Phạm Minh Châu", None)
    ask_phone = only_message(named)
    assert ask_phone.text == tr("vi", "Saved. Their phone number?")
    assert labels(ask_phone) == [tr("vi", "Skip")]
    phoned = await bot.send(lan, "0901 234 567")
    assert only_message(phoned).text == tr("vi", "What do they need? (a first note, or skip)")
    assert (await only_customer(bot, lan)).phone == "+84901234567"
    done = await bot.send(lan, "cần vay kinh doanh 500 triệu")
    customer = await only_customer(bot, lan)
    assert only_message(done).text == expected_card(customer, "vi", HCM, prefix=NEW_PROSPECT)
    assert [n.text for n in await history(bot, lan, customer)] == ["cần vay kinh doanh 500 triệu"]
    assert await bot.storage.states.get(lan.id, lan.id) is None
    # The next text is a search again, not another answer.
    again = await bot.send(lan, "châu")
    with active("vi", HCM):
        assert only_message(again).text == _(MATCHING).format(query="châu", count=1)


async def test_guided_add_with_skip_buttons(bot: Harness) -> None:
    ann = await make_rm(bot, "en")
    await bot.send(ann, "/add")
    await bot.send(ann, "Walk-in lady from the market")
    skip_phone = await bot.press(ann, tr("en", "Skip"))
    assert answer_of(skip_phone)
    assert only_message(skip_phone).text == tr("en", "What do they need? (a first note, or skip)")
    skip_note = await bot.press(ann, tr("en", "Skip"))
    customer = await only_customer(bot, ann)
    assert (customer.name, customer.phone) == ("Walk-in lady from the market", None)
    assert only_message(skip_note).text == expected_card(customer, "en", HCM, prefix=NEW_PROSPECT)
    assert await history(bot, ann, customer) == []
    # The Skip button of a finished add does nothing any more.
    stale = await bot.press_data(ann, buttons.pack("skip", owner=ann.id))
    assert answer_of(stale).params["text"] == tr("en", EXPIRED)
    assert shown(stale) == []
    assert len(await customers_of(bot, ann)) == 1


async def test_guided_add_refuses_an_impossible_phone(bot: Harness) -> None:
    wei = await make_rm(bot, "zh_Hans", zone=SHANGHAI)
    await bot.send(wei, "/add")
    await bot.send(wei, "李娜")
    calls = await bot.send(wei, "12345")
    with active("zh_Hans", SHANGHAI):
        expected = _(NOT_A_PHONE).format(text="12345")
    refusal = only_message(calls)
    assert refusal.text == expected
    assert labels(refusal) == [tr("zh_Hans", "Skip")]
    assert (await only_customer(bot, wei)).phone is None
    # Still at the phone step: a good number is taken.
    await bot.send(wei, "139 1234 5678")
    assert (await only_customer(bot, wei)).phone == "+8613912345678"


async def test_guided_add_name_too_long(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    await bot.send(lan, "/add")
    calls = await bot.send(lan, "A" * (MAX_NAME + 1))
    assert str(MAX_NAME) in only_message(calls).text
    assert await customers_of(bot, lan) == []
    await bot.send(lan, "Ngô Bảo Châu")
    assert (await only_customer(bot, lan)).name == "Ngô Bảo Châu"


async def test_guided_add_cancelled_midway_keeps_the_prospect(bot: Harness) -> None:
    mei = await make_rm(bot, "zh_Hant_TW")
    await bot.send(mei, "/add")
    await bot.send(mei, "陳大文")
    calls = await bot.send(mei, "/cancel")
    assert only_message(calls).text == tr("zh_Hant_TW", "Cancelled. Nothing was changed.")
    customer = await only_customer(bot, mei)
    assert customer.name == "陳大文"
    # A number typed now is a search, not the answer to the phone question.
    searched = await bot.send(mei, "0901234567")
    with active("zh_Hant_TW", HCM):
        assert only_message(searched).text == _(NO_MATCH).format(query="0901234567")
    assert (await only_customer(bot, mei)).phone is None


# -- shared contacts and duplicates ----------------------------------------------------------


async def test_shared_contact_creates_a_prospect(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    calls = await bot.send_update(bot.make.contact(lan, "84901234567", "Nguyễn Văn An"))
    customer = await only_customer(bot, lan)
    assert (customer.name, customer.phone) == ("Nguyễn Văn An", "+84901234567")
    assert only_message(calls).text == expected_card(customer, "vi", HCM, prefix=NEW_PROSPECT)
    await bot.send_update(bot.make.contact(lan, "+84 912 345 678", "Bình", "Trần"))
    assert (await customer_named(bot, lan, "Bình Trần")).phone == "+84912345678"


async def test_shared_chinese_contact_is_family_name_first(bot: Harness) -> None:
    wei = await make_rm(bot, "zh_Hans", zone=SHANGHAI)
    await bot.send(wei, "/add 王伟 13800138000")
    # The same person shared from the phone book: family name first, no space, and a
    # duplicate of the customer on file.
    calls = await bot.send_update(bot.make.contact(wei, "8613900001111", "伟", "王"))
    question = only_message(calls)
    assert "dupo" in actions(question)
    await press_action(bot, wei, "dupn")
    names = sorted(c.name for c in await customers_of(bot, wei))
    assert names == ["王伟", "王伟"]


async def test_duplicate_by_phone_opens_the_existing_file(bot: Harness) -> None:
    wei = await make_rm(bot, "zh_Hans", zone=SHANGHAI)
    existing = await add(bot, wei, "王伟 13800138000")
    calls = await bot.send(wei, "/add 王先生 138 0013 8000 想办卡")
    question = only_message(calls)
    with active("zh_Hans", SHANGHAI):
        assert question.text == _(
            "You already have a customer with this name or phone: {names}. Open the existing "
            "file (your note will be added there) or create a new prospect?"
        ).format(names="<b>王伟</b>")
        open_label = _("Open {name}").format(name="王伟")
        anyway = _("Create a new prospect anyway")
    assert labels(question) == [open_label, anyway]
    opened = await bot.press(wei, open_label)
    assert len(await customers_of(bot, wei)) == 1
    assert [n.text for n in await history(bot, wei, existing)] == ["想办卡"]
    card = only_message(opened)
    assert card.method == "editMessageText"
    assert card.text.startswith(tr("zh_Hans", "📝 Note added to the existing file."))
    # Pressing again does nothing more.
    again = await bot.press(wei, open_label, call=question)
    assert answer_of(again).params["text"] == tr("zh_Hans", EXPIRED)
    assert shown(again) == []
    assert len(await history(bot, wei, existing)) == 1


async def test_duplicate_by_folded_name_can_be_created_anyway(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    await add(bot, lan, "Nguyễn Văn An 0901234567")
    calls = await bot.send(lan, "/add nguyen van an 0912345678 hỏi thẻ tín dụng")
    question = only_message(calls)
    assert actions(question) == ["dupo", "dupn"]
    created = await bot.press(lan, tr("vi", "Create a new prospect anyway"))
    both = await customers_of(bot, lan)
    assert [(c.name, c.phone) for c in both] == [("Nguyễn Văn An", "+84901234567"),
                                                 ("nguyen van an", "+84912345678")]
    assert [n.text for n in await history(bot, lan, both[1])] == ["hỏi thẻ tín dụng"]
    assert await history(bot, lan, both[0]) == []
    assert only_message(created).text == expected_card(both[1], "vi", HCM, prefix=NEW_PROSPECT)
    # Both buttons are spent now.
    for action in ("dupn", "dupo"):
        again = await press_action(bot, lan, action, call=question)
        assert answer_of(again).params["text"] == tr("vi", EXPIRED)
        assert shown(again) == []
    assert len(await customers_of(bot, lan)) == 2


async def test_duplicate_from_a_shared_contact(bot: Harness) -> None:
    ann = await make_rm(bot, "en")
    existing = await add(bot, ann, "Đặng Thu Hà 0987654321")
    calls = await bot.send_update(bot.make.contact(ann, "84987654321", "Hà", "Đặng"))
    assert actions(only_message(calls)) == ["dupo", "dupn"]
    await press_action(bot, ann, "dupo", existing.id)
    assert len(await customers_of(bot, ann)) == 1
    # A shared contact carries no note: nothing is added.
    assert await history(bot, ann, existing) == []


# -- the card --------------------------------------------------------------------------------


async def test_card_shows_the_essentials(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    customer = await add(bot, lan, "Nguyễn Văn An 0901 234 567")
    card = await open_card(bot, lan, customer)
    with active("vi", HCM):
        assert f"{_(SEGMENTS['individual'])} · {_(STAGES['find'])}" in card.text
        assert _("Last contact: {when}").format(when=_("never")) in card.text
        assert _("Next follow-up: {when}").format(when=_("none set")) in card.text
        expected_labels = [_("📝 Note"), _("📞 Call"), _("🚶 Visit"), _("🤝 Meeting"),
                           _("⏰ Follow-up"), _("➡️ Stage"), _("⚠️ Complaint"),
                           _("💼 Deals"), _("💰 Products"), _("👨‍👩‍👧 Household"),
                           _("✏️ Edit"), _("🕘 History"), _("🗄 Archive")]
    assert "📞 0901 234 567" in card.text
    assert labels(card) == expected_labels
    assert [payload(data)[1:] for _l, data in card.buttons] == [
        [str(customer.id)], [str(customer.id), "call"], [str(customer.id), "visit"],
        [str(customer.id), "meeting"], [str(customer.id)], [str(customer.id)],
        [str(customer.id), "complaint"], [str(customer.id)], [str(customer.id)],
        [str(customer.id)], [str(customer.id)], [str(customer.id), "0"],
        [str(customer.id)]]
    # A grade, a call an hour later and a follow-up all show on the card.
    await press_action(bot, lan, "ce", customer.id, call=card)
    await press_action(bot, lan, "cef", customer.id, "grade")
    await press_action(bot, lan, "cev", customer.id, "grade", "VIP")
    bot.clock.advance(hours=1)
    await press_action(bot, lan, "cl", customer.id, "call", call=card)
    await bot.send(lan, "đã gọi, hẹn tuần sau")
    await press_action(bot, lan, "fu", customer.id, "1d")
    card = await open_card(bot, lan, customer)
    fresh = await bot.storage.customers.get(lan.id, customer.id)
    assert fresh is not None and fresh.grade == "VIP"
    assert fresh.last_contact_at == NOW + timedelta(hours=1)
    follow_up = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 09:00 in Ho Chi Minh City
    assert card.text == expected_card(fresh, "vi", HCM, follow_up=follow_up)
    with active("vi", HCM):
        assert _("Last contact: {when}").format(
            when=format_datetime(NOW + timedelta(hours=1))) in card.text
        assert _("Next follow-up: {when}").format(when=format_datetime(follow_up)) in card.text
    assert " · VIP · " in card.text


EDIT_CHOICES = [("segment", "sme"), ("segment", "household"), ("grade", "A"),
                ("source", "referral"), ("source", "merchant_group"), ("language", "zh_Hans")]


@pytest.mark.parametrize(("field", "value"), EDIT_CHOICES)
async def test_choice_fields_are_picked_with_buttons(bot: Harness, field: str,
                                                     value: str) -> None:
    mei = await make_rm(bot, "zh_Hant_TW")
    customer = await add(bot, mei, "Trần Thị Bích 0901234567")
    card = await open_card(bot, mei, customer)
    menu = only_message(await press_action(bot, mei, "ce", customer.id, call=card))
    assert menu.method == "editMessageText"
    assert [payload(d)[2] for _l, d in menu.buttons if payload(d)[0] == "cef"] == [
        "name", "phone", "segment", "grade", "source", "referrer", "birthday", "company",
        "client_ref", "family", "income", "products_held", "products_wanted", "tags", "about",
        "language", "zalo", "wechat", "line", "whatsapp", "id_expiry", "risk_expiry", "kyc_due"]
    choices = only_message(await press_action(bot, mei, "cef", customer.id, field))
    picked = await press_action(bot, mei, "cev", customer.id, field, value, call=choices)
    assert answer_of(picked).params["text"] == tr("zh_Hant_TW", "Saved.")
    updated = await bot.storage.customers.get(mei.id, customer.id)
    assert updated is not None and getattr(updated, field) == value
    assert only_message(picked).text == expected_card(updated, "zh_Hant_TW", HCM)
    if field == "segment":
        assert tr("zh_Hant_TW", SEGMENTS[value]) in only_message(picked).text
        assert tr("zh_Hant_TW", SEGMENTS[value]) in labels(choices)
    if field == "source":
        assert tr("zh_Hant_TW", SOURCES[value]) in labels(choices)
    rows = await bot.storage.db.fetch_all(
        "SELECT detail FROM audit_log WHERE action = 'customer.updated' AND entity_id = ?",
        (str(customer.id),))
    assert [json.loads(row["detail"]) for row in rows] == [{"fields": [field]}]
    # A value that is not one of the choices is refused.
    bad = await bot.press_data(mei, buttons.pack("cev", customer.id, field, "bogus",
                                                 owner=mei.id))
    assert answer_of(bad).params["text"] == tr("zh_Hant_TW", EXPIRED)
    assert getattr(await bot.storage.customers.get(mei.id, customer.id), field) == value


TEXT_FIELDS = [
    ("company", "Công ty TNHH Minh Phát"),
    ("family", "vợ và 2 con"),
    ("income", "50 triệu/tháng"),
    ("products_held", "thẻ tín dụng, tiết kiệm"),
    ("products_wanted", "vay mua nhà"),
    ("tags", "vip, kinh doanh vàng"),
    ("about", "thích gặp buổi sáng, cẩn thận"),
    ("referrer", "anh Hùng ở chợ"),
    ("name", "Nguyễn Văn An (chú)"),
]


async def edit_text_field(bot: Harness, person: Person, customer: Customer, field: str,
                          value: str) -> list[ApiCall]:
    card = await open_card(bot, person, customer)
    await press_action(bot, person, "ce", customer.id, call=card)
    await press_action(bot, person, "cef", customer.id, field)
    return await bot.send(person, value)


@pytest.mark.parametrize(("field", "value"), TEXT_FIELDS)
async def test_text_fields_are_typed(bot: Harness, field: str, value: str) -> None:
    ann = await make_rm(bot, "en")
    customer = await add(bot, ann, "Nguyễn Văn An 0901234567")
    card = await open_card(bot, ann, customer)
    await press_action(bot, ann, "ce", customer.id, call=card)
    prompt = only_message(await press_action(bot, ann, "cef", customer.id, field))
    assert prompt.method == "sendMessage"
    assert "“" in prompt.text and "/cancel" in prompt.text
    assert labels(prompt) == [tr("en", "Clear this field")]
    calls = await bot.send(ann, value)
    updated = await bot.storage.customers.get(ann.id, customer.id)
    assert updated is not None and getattr(updated, field) == value
    assert only_message(calls).text == expected_card(updated, "en", HCM, prefix="Saved.")
    assert await bot.storage.states.get(ann.id, ann.id) is None


async def test_search_follows_edits(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    customer = await add(bot, lan, "Nguyễn Văn An 0901234567")
    with active("vi", HCM):
        none_found = _(NO_MATCH).format(query="minh phat")
    assert only_message(await bot.send(lan, "/find minh phat")).text == none_found
    await edit_text_field(bot, lan, customer, "company", "Công ty TNHH Minh Phát")
    await edit_text_field(bot, lan, customer, "tags", "vip, kinh doanh vàng")
    for query in ("minh phat", "Minh Phát", "kinh doanh vang", "vàng"):
        found = only_message(await bot.send(lan, f"/find {query}"))
        assert [payload(d)[1] for _l, d in found.buttons] == [str(customer.id)], query
    # Renaming moves the name key too: the old name no longer finds them.
    await edit_text_field(bot, lan, customer, "name", "Lý Thường Kiệt")
    assert only_message(await bot.send(lan, "/find nguyen van")).text == tr(
        "vi", NO_MATCH).format(query="nguyen van")
    assert payload(only_message(await bot.send(lan, "/find thuong kiet")).buttons[0][1])[1] == \
        str(customer.id)
    # Still found by company after the rename.
    assert only_message(await bot.send(lan, "/find minh phat")).buttons


@pytest.mark.parametrize(("language", "typed", "stored", "lunar"), [
    ("vi", "15/03/1985", "1985-03-15", False),
    ("vi", "âm 15/8", "--08-15", True),
    ("zh_Hans", "农历8月15日", "--08-15", True),
    ("en", "1990-12-31", "1990-12-31", False),
])
async def test_birthday_solar_and_lunar(bot: Harness, language: str, typed: str, stored: str,
                                        lunar: bool) -> None:
    rm = await make_rm(bot, language)
    customer = await add(bot, rm, "Lê Thị Hồng 0901234567")
    await edit_text_field(bot, rm, customer, "birthday", typed)
    updated = await bot.storage.customers.get(rm.id, customer.id)
    assert updated is not None
    assert (updated.birthday, updated.birthday_lunar) == (stored, lunar)


async def test_impossible_birthday_is_refused(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    customer = await add(bot, lan, "Lê Thị Hồng 0901234567")
    calls = await edit_text_field(bot, lan, customer, "birthday", "31/02/1990")
    with active("vi", HCM):
        expected = _("“{text}” does not exist: that month has only {days} days.").format(
            text="31/02/1990", days=28)
    assert only_message(calls).text == expected
    unchanged = await bot.storage.customers.get(lan.id, customer.id)
    assert unchanged is not None and unchanged.birthday is None
    # Still asking: the corrected date is taken.
    await bot.send(lan, "28/02/1990")
    updated = await bot.storage.customers.get(lan.id, customer.id)
    assert updated is not None and updated.birthday == "1990-02-28"


async def test_phone_edit_is_validated(bot: Harness) -> None:
    wei = await make_rm(bot, "zh_Hans", zone=SHANGHAI)
    customer = await add(bot, wei, "王伟 13800138000")
    calls = await edit_text_field(bot, wei, customer, "phone", "12345")
    with active("zh_Hans", SHANGHAI):
        assert only_message(calls).text == _(NOT_A_PHONE).format(text="12345")
    assert (await only_customer(bot, wei)).phone == "+8613800138000"
    done = await bot.send(wei, "139 1234 5678")
    updated = await only_customer(bot, wei)
    assert updated.phone == "+8613912345678"
    assert "139 1234 5678" in only_message(done).text
    # The search key moved with the number.
    assert only_message(await bot.send(wei, "/find 13912345678")).buttons
    old = only_message(await bot.send(wei, "/find 13800138000"))
    assert old.text == tr("zh_Hans", NO_MATCH).format(query="13800138000")


async def test_clear_a_field(bot: Harness) -> None:
    ann = await make_rm(bot, "en")
    customer = await add(bot, ann, "Nguyễn Văn An 0901234567")
    await edit_text_field(bot, ann, customer, "company", "Minh Phat Gold")
    await edit_text_field(bot, ann, customer, "birthday", "âm 15/8")
    for field in ("company", "birthday", "phone"):
        card = await open_card(bot, ann, customer)
        await press_action(bot, ann, "ce", customer.id, call=card)
        prompt = only_message(await press_action(bot, ann, "cef", customer.id, field))
        cleared = await bot.press(ann, tr("en", "Clear this field"), call=prompt)
        assert answer_of(cleared).params["text"] == tr("en", "Saved.")
    updated = await bot.storage.customers.get(ann.id, customer.id)
    assert updated is not None
    assert (updated.company, updated.birthday, updated.birthday_lunar, updated.phone) == (
        None, None, False, None)
    assert await bot.storage.states.get(ann.id, ann.id) is None
    assert only_message(await bot.send(ann, "/find minh phat")).text == tr(
        "en", NO_MATCH).format(query="minh phat")
    assert only_message(await bot.send(ann, "/find 0901234567")).text == tr(
        "en", NO_MATCH).format(query="0901234567")


async def test_too_long_field_is_refused(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    customer = await add(bot, lan, "Nguyễn Văn An 0901234567")
    calls = await edit_text_field(bot, lan, customer, "name", "A" * (MAX_NAME + 1))
    with active("vi", HCM):
        assert only_message(calls).text == _(
            "That is too long: at most {limit} characters. Please try again.").format(
            limit=MAX_NAME)
    assert (await only_customer(bot, lan)).name == "Nguyễn Văn An"


async def test_referrer_is_linked_to_the_customer_with_that_name(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    referrer = await add(bot, lan, "An 0901111111")
    await add(bot, lan, "Trần An Khang 0902222222")
    await add(bot, lan, "Lan Anh 0903333333")
    customer = await add(bot, lan, "Phạm Thị Mai 0904444444")
    await edit_text_field(bot, lan, customer, "referrer", "an")
    updated = await bot.storage.customers.get(lan.id, customer.id)
    assert updated is not None and (updated.referrer, updated.referred_by) == ("an", referrer.id)
    # A name matching nobody exactly is kept as text only.
    await edit_text_field(bot, lan, customer, "referrer", "chị Hoa bán vải")
    updated = await bot.storage.customers.get(lan.id, customer.id)
    assert updated is not None and updated.referred_by is None


# -- notes and interactions ------------------------------------------------------------------


async def test_note_button_then_text(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    customer = await add(bot, lan, "Nguyễn Văn An 0901234567")
    card = await open_card(bot, lan, customer)
    prompt = only_message(await bot.press(lan, tr("vi", "📝 Note"), call=card))
    with active("vi", HCM):
        assert prompt.text == _("Type the note for {name}. (/cancel to stop)").format(
            name="Nguyễn Văn An")
    bot.clock.advance(minutes=5)
    saved = only_message(await bot.send(lan, "Khách muốn vay 2 tỷ, lãi dưới 8%"))
    with active("vi", HCM):
        assert saved.text == _(SAVED_AND_FOLLOW_UP).format(
            kind=_("Note"), name="<b>Nguyễn Văn An</b>")
    assert actions(saved) == ["fu", "fu", "fu", "cf", "c"]
    notes = await history(bot, lan, customer)
    assert [(n.kind, n.text, n.happened_at) for n in notes] == [
        ("note", "Khách muốn vay 2 tỷ, lãi dưới 8%", NOW + timedelta(minutes=5))]
    updated = await bot.storage.customers.get(lan.id, customer.id)
    assert updated is not None and updated.last_contact_at == NOW + timedelta(minutes=5)
    assert "interaction.note" in await bot.storage.audit.actions_for("customer", customer.id)


@pytest.mark.parametrize(("kind", "label"), [("call", "📞 Call"), ("visit", "🚶 Visit"),
                                             ("meeting", "🤝 Meeting")])
async def test_logging_a_contact_with_text(bot: Harness, kind: str, label: str) -> None:
    wei = await make_rm(bot, "zh_Hans", zone=SHANGHAI)
    customer = await add(bot, wei, "王伟 13800138000")
    card = await open_card(bot, wei, customer)
    prompt = only_message(await bot.press(wei, tr("zh_Hans", label), call=card))
    with active("zh_Hans", SHANGHAI):
        question = _("{kind} with {name}: what came out of it? (/cancel to stop)").format(
            kind=_(INTERACTION_KINDS[kind]), name="王伟")
        # A call shows the number first, which Telegram's apps make tappable to dial.
        dial = "📞 +86 138 0013 8000\n\n" if kind == "call" else ""
        assert prompt.text == dial + question
        assert labels(prompt) == [_("Log it without a note")]
    saved = only_message(await bot.send(wei, "客户下周来行里签约"))
    with active("zh_Hans", SHANGHAI):
        assert saved.text == _(SAVED_AND_FOLLOW_UP).format(
            kind=_(INTERACTION_KINDS[kind]), name="<b>王伟</b>")
    assert [(n.kind, n.text) for n in await history(bot, wei, customer)] == [
        (kind, "客户下周来行里签约")]


async def test_logging_a_contact_without_a_note(bot: Harness) -> None:
    ann = await make_rm(bot, "en")
    customer = await add(bot, ann, "Nguyễn Văn An 0901234567")
    card = await open_card(bot, ann, customer)
    await bot.press(ann, tr("en", "🚶 Visit"), call=card)
    calls = await bot.press(ann, tr("en", "Log it without a note"))
    assert answer_of(calls)
    with active("en", HCM):
        assert only_message(calls).text == _(SAVED_AND_FOLLOW_UP).format(
            kind=_("Visit"), name="<b>Nguyễn Văn An</b>")
    assert [(n.kind, n.text) for n in await history(bot, ann, customer)] == [("visit", "")]
    assert await bot.storage.states.get(ann.id, ann.id) is None
    # The next text is a search, not the note of that visit.
    searched = only_message(await bot.send(ann, "nguyen"))
    assert searched.text == tr("en", MATCHING).format(query="nguyen", count=1)
    assert len(await history(bot, ann, customer)) == 1


async def test_reply_to_a_card_adds_a_note(bot: Harness) -> None:
    mei = await make_rm(bot, "zh_Hant_TW")
    customer = await add(bot, mei, "陳大文 +852 9123 4567")
    card = last_card(bot, mei)
    assert isinstance(card.result, dict)
    calls = await bot.send(mei, "想了解定期存款利率", reply_to=card.result)
    with active("zh_Hant_TW", HCM):
        assert only_message(calls).text == _(SAVED_AND_FOLLOW_UP).format(
            kind=_("Note"), name="<b>陳大文</b>")
    assert [(n.kind, n.text) for n in await history(bot, mei, customer)] == [
        ("note", "想了解定期存款利率")]
    # A card opened later (an edit of a button's message, too) works the same way.
    opened = await open_card(bot, mei, customer)
    assert isinstance(opened.result, dict)
    await bot.send(mei, "已寄送资料", reply_to=opened.result)
    assert len(await history(bot, mei, customer)) == 2
    # A reply to a message that is not a card is an ordinary text (a search).
    plain = await bot.send(mei, "陳", reply_to=calls[0].result)
    assert only_message(plain).text == tr("zh_Hant_TW", MATCHING).format(query="陳", count=1)


async def test_note_command_in_one_line(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    customer = await add(bot, lan, "Nguyễn Văn An 0901234567")
    await add(bot, lan, "Trần Thị Bích 0912345678")
    calls = await bot.send(lan, "/note Nguyễn Văn An gửi hồ sơ")
    with active("vi", HCM):
        assert only_message(calls).text == _(SAVED_AND_FOLLOW_UP).format(
            kind=_("Note"), name="<b>Nguyễn Văn An</b>")
    assert [n.text for n in await history(bot, lan, customer)] == ["gửi hồ sơ"]
    # By phone number as well.
    await bot.send(lan, "/note 0901234567 đã ký hợp đồng")
    assert [n.text for n in await history(bot, lan, customer)] == ["đã ký hợp đồng",
                                                                   "gửi hồ sơ"]
    empty = only_message(await bot.send(lan, "/note"))
    with active("vi", HCM):
        assert empty.text == _("Write the customer and the note, for example: {example}").format(
            example=_("/note Nguyễn Văn An đã gửi hồ sơ vay"))


async def test_ambiguous_note_is_filed_once(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    first = await add(bot, lan, "Nguyễn Văn An 0901234567")
    second = await add(bot, lan, "Trần Văn An 0912345678")
    calls = await bot.send(lan, "/note An gửi hồ sơ")
    pick = only_message(calls)
    assert pick.text == tr("vi", WHICH_CUSTOMER)
    assert sorted(labels(pick)[:2]) == ["Nguyễn Văn An", "Trần Văn An"]
    assert actions(pick) == ["pick", "pick", "picks", "pickx"]
    filed = await bot.press(lan, "Nguyễn Văn An", call=pick)
    assert answer_of(filed).params["text"] == tr("vi", "Saved.")
    with active("vi", HCM):
        prefix = _("✅ Added to {name}.").format(name="Nguyễn Văn An")
    assert only_message(filed).text.startswith(prefix)
    for label in ("Nguyễn Văn An", "Trần Văn An"):
        again = await bot.press(lan, label, call=pick)
        assert answer_of(again).params["text"] == tr("vi", ALREADY_FILED)
        assert answer_of(again).params["show_alert"] is True
        assert shown(again) == []
    assert [n.text for n in await history(bot, lan, first)] == ["An gửi hồ sơ"]
    assert await history(bot, lan, second) == []
    assert only_message(await bot.send(lan, "/inbox")).text == tr(
        "vi", "Your inbox is empty: everything is filed.")


async def test_long_note_is_stored_whole_and_shown_cut(bot: Harness) -> None:
    ann = await make_rm(bot, "en")
    customer = await add(bot, ann, "Nguyễn Văn An 0901234567")
    long_note = ("Khách <b>VIP</b> & gia đình; " * 400)[:10_000]
    assert len(long_note) == 10_000
    for _index in range(5):
        card = await open_card(bot, ann, customer)
        await bot.press(ann, tr("en", "📝 Note"), call=card)
        await bot.send(ann, long_note)
        bot.clock.advance(minutes=1)
    stored = await history(bot, ann, customer)
    assert [len(n.text) for n in stored] == [10_000] * 5
    assert all(n.text == long_note for n in stored)
    card = await open_card(bot, ann, customer)
    calls = await press_action(bot, ann, "ch", customer.id, 0, call=card)
    messages = shown(calls)
    assert len(messages) > 1
    assert all(len(m.text) <= LIMIT for m in messages)
    joined = "".join(m.text for m in messages)
    assert "<b>VIP</b>" not in joined and "&lt;b&gt;VIP&lt;/b&gt; &amp;" in joined
    for message in messages:
        assert re.search(r"&(?![#\w]+;)", message.text) is None, "an entity was cut"
    assert joined.count("…") == 5
    assert all(not m.buttons for m in messages[:-1]) and messages[-1].buttons


# -- files and forwarded messages ------------------------------------------------------------


PHOTO = [{"file_id": "ph-small", "file_unique_id": "ph-s", "width": 90, "height": 90},
         {"file_id": "ph-big", "file_unique_id": "ph-b", "width": 1280, "height": 960}]


async def test_photo_is_filed_and_sent_again(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    customer = await add(bot, lan, "Nguyễn Văn An 0901234567")
    other = await add(bot, lan, "Trần Thị Bích 0912345678")
    calls = await bot.send_update(bot.make.message(lan, caption="hợp đồng tín dụng",
                                                   photo=PHOTO))
    pick = only_message(calls)
    assert pick.text == tr("vi", WHICH_CUSTOMER)
    # The most recent customers are offered first.
    assert labels(pick)[:2] == ["Trần Thị Bích", "Nguyễn Văn An"]
    with active("vi", HCM):
        assert labels(pick)[2:] == [_("🔎 Another customer…"), _("Discard")]
    await bot.press(lan, "Nguyễn Văn An", call=pick)
    items = await history(bot, lan, customer)
    assert [(i.kind, i.text, i.file_id, i.file_type) for i in items] == [
        ("file", "hợp đồng tín dụng", "ph-big", "photo")]
    assert await history(bot, lan, other) == []
    card = await open_card(bot, lan, customer)
    page = only_message(await press_action(bot, lan, "ch", customer.id, 0, call=card))
    with active("vi", HCM):
        send_again = _("📎 Send again: {what}").format(what=_("Attachment")[:30])
    assert send_again in labels(page)
    resent = await bot.press(lan, send_again, call=page)
    photos = of(resent, "sendPhoto")
    assert len(photos) == 1 and photos[0].params["photo"] == "ph-big"
    assert photos[0].chat_id == lan.id


async def test_document_found_through_search(bot: Harness) -> None:
    wei = await make_rm(bot, "zh_Hans", zone=SHANGHAI)
    customer = await add(bot, wei, "王伟 13800138000")
    for index in range(7):
        await add(bot, wei, f"客户{index} 1390000000{index}")
    calls = await bot.send_update(bot.make.document(wei, "hop_dong.pdf", file_id="doc-7",
                                                    caption="签约合同"))
    pick = only_message(calls)
    assert "王伟" not in labels(pick)  # only the six most recent are offered
    asked = only_message(await press_action(bot, wei, "picks", call=pick))
    assert asked.text == tr("zh_Hans", "Type a name, phone number or company to find the "
                            "customer.")
    nobody = await bot.send(wei, "不存在的人")
    assert shown(nobody)[0].text == tr("zh_Hans", NO_MATCH).format(query="不存在的人")
    await press_action(bot, wei, "picks")
    found = only_message(await bot.send(wei, "wangwei"))
    assert labels(found)[0] == "王伟"
    await bot.press(wei, "王伟", call=found)
    items = await history(bot, wei, customer)
    assert [(i.kind, i.file_id, i.file_type, i.file_name, i.text) for i in items] == [
        ("file", "doc-7", "document", "hop_dong.pdf", "签约合同")]
    card = await open_card(bot, wei, customer)
    page = only_message(await press_action(bot, wei, "ch", customer.id, 0, call=card))
    assert "hop_dong.pdf" in page.text
    resent = await press_action(bot, wei, "cfile", items[0].id, call=page)
    documents = of(resent, "sendDocument")
    assert len(documents) == 1 and documents[0].params["document"] == "doc-7"


async def test_voice_note_discarded(bot: Harness) -> None:
    mei = await make_rm(bot, "zh_Hant_TW")
    await add(bot, mei, "陳大文 0901234567")
    calls = await bot.send_update(bot.make.message(
        mei, voice={"file_id": "vo-1", "file_unique_id": "vo-1", "duration": 4}))
    pick = only_message(calls)
    discarded = await bot.press(mei, tr("zh_Hant_TW", "Discard"), call=pick)
    assert only_message(discarded).text == tr("zh_Hant_TW", "Discarded.")
    assert only_message(await bot.send(mei, "/inbox")).text == tr(
        "zh_Hant_TW", "Your inbox is empty: everything is filed.")
    late = await bot.press(mei, "陳大文", call=pick)
    assert answer_of(late).params["text"] == tr("zh_Hant_TW", ALREADY_FILED)
    assert await bot.storage.db.fetch_value("SELECT COUNT(*) FROM interactions") == 0
    # Nothing of the discarded voice note is kept.
    assert await bot.storage.db.fetch_value(
        "SELECT COUNT(*) FROM inbox WHERE file_id IS NOT NULL OR text != ''") == 0


async def test_forwarded_text_waits_in_the_inbox(bot: Harness) -> None:
    ann = await make_rm(bot, "en")
    customer = await add(bot, ann, "Nguyễn Văn An 0901234567")
    forwarded = bot.make.message(ann, "Em gửi anh bảng lãi suất tháng 12 nhé", forward_origin={
        "type": "user", "date": 1_700_000_000,
        "sender_user": {"id": 555, "is_bot": False, "first_name": "An"}})
    calls = await bot.send_update(forwarded)
    assert only_message(calls).text == tr("en", WHICH_CUSTOMER)
    assert await bot.storage.db.fetch_value("SELECT COUNT(*) FROM searches") == 0
    inbox = shown(await bot.send(ann, "/inbox"))
    assert [m.text for m in inbox[:2]] == [
        tr("en", "<b>Waiting to be filed</b> ({count})").format(count=1),
        "📥 Em gửi anh bảng lãi suất tháng 12 nhé"]
    assert inbox[2].text == tr("en", WHICH_CUSTOMER)
    await bot.press(ann, "Nguyễn Văn An", call=inbox[2])
    assert [(i.kind, i.text) for i in await history(bot, ann, customer)] == [
        ("note", "Em gửi anh bảng lãi suất tháng 12 nhé")]
    assert only_message(await bot.send(ann, "/inbox")).text == tr(
        "en", "Your inbox is empty: everything is filed.")


# -- history ---------------------------------------------------------------------------------


async def test_history_pages_newest_first(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    customer = await add(bot, lan, "Nguyễn Văn An 0901234567")
    for index in range(1, 13):
        await bot.storage.interactions.add(
            customer_id=customer.id, staff_id=lan.id, kind="call" if index % 2 else "note",
            happened_at=NOW + timedelta(hours=index), now=NOW, text=f"lần {index:02d}")
    card = await open_card(bot, lan, customer)

    def numbers(call: ApiCall) -> list[int]:
        return [int(n) for n in re.findall(r"lần (\d\d)", call.text)]

    first = only_message(await press_action(bot, lan, "ch", customer.id, 0, call=card))
    with active("vi", HCM):
        assert first.text.startswith(_("<b>History of {name}</b> ({count})").format(
            name="Nguyễn Văn An", count=12))
        assert format_datetime(NOW + timedelta(hours=12)) in first.text
        newer, older = _("◀ Newer"), _("Older ▶")
        back = _("Back to the card")
    assert numbers(first) == [12, 11, 10, 9, 8]
    assert labels(first) == [older, back]
    second = only_message(await bot.press(lan, older, call=first))
    assert numbers(second) == [7, 6, 5, 4, 3]
    assert labels(second) == [newer, older, back]
    third = only_message(await bot.press(lan, older, call=second))
    assert numbers(third) == [2, 1]
    assert labels(third) == [newer, back]
    assert HISTORY_PAGE == 5
    again = only_message(await bot.press(lan, newer, call=third))
    assert numbers(again) == [7, 6, 5, 4, 3]
    back_to_card = only_message(await bot.press(lan, back, call=again))
    assert actions(back_to_card) == CARD_ACTIONS


async def test_empty_history(bot: Harness) -> None:
    ann = await make_rm(bot, "en")
    customer = await add(bot, ann, "Nguyễn Văn An 0901234567")
    card = await open_card(bot, ann, customer)
    page = only_message(await press_action(bot, ann, "ch", customer.id, 0, call=card))
    assert page.text.endswith(tr("en", "Nothing recorded yet."))
    assert HISTORY_ENTRY_LIMIT < 4096


# -- search ----------------------------------------------------------------------------------


def result_ids(call: ApiCall) -> list[int]:
    return [int(payload(data)[1]) for _label, data in call.buttons if payload(data)[0] == "c"]


async def test_find_ignores_accents_and_case(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    an = await seed(bot, lan, "Nguyễn Văn An", "+84901234567")
    ha = await seed(bot, lan, "Đặng Thu Hà", "+84912345678")
    await seed(bot, lan, "Trần Thị Bích", "+84987654321")
    for query, expected in [("nguyen van an", [an.id]), ("NGUYỄN", [an.id]),
                            ("dang", [ha.id]), ("đặng thu hà", [ha.id]), ("thu ha", [ha.id]),
                            ("vanan", [an.id])]:
        found = only_message(await bot.send(lan, f"/find {query}"))
        with active("vi", HCM):
            assert found.text == _(MATCHING).format(query=query, count=len(expected)), query
        assert result_ids(found) == expected, query
    found = only_message(await bot.send(lan, "/find dang"))
    with active("vi", HCM):
        assert labels(found)[0] == f"Đặng Thu Hà · {_(STAGES['find'])} · 0912 345 678"


async def test_find_across_chinese_scripts_and_pinyin(bot: Harness) -> None:
    mei = await make_rm(bot, "zh_Hant_TW", zone=SHANGHAI)
    big = await seed(bot, mei, "陳大文", region="CN")
    small = await seed(bot, mei, "陈小明", region="CN")
    wang = await seed(bot, mei, "王伟", "+8613800138000", region="CN")
    for query, expected in [("陈", {big.id, small.id}), ("陳", {big.id, small.id}),
                            ("陈大文", {big.id}), ("陳小明", {small.id}),
                            ("wangwei", {wang.id}), ("wang wei", {wang.id}), ("ww", {wang.id}),
                            ("王偉", {wang.id}), ("chendawen", {big.id})]:
        found = only_message(await bot.send(mei, f"/find {query}"))
        assert set(result_ids(found)) == expected, query


@pytest.mark.parametrize("query", ["0901.234.567", "+84 901 234 567", "901234567",
                                   "234 567", "0901234567", "84901234567", "0901-234-567"])
async def test_find_by_phone_in_any_format(bot: Harness, query: str) -> None:
    ann = await make_rm(bot, "en")
    an = await seed(bot, ann, "Nguyễn Văn An", "+84901234567")
    await seed(bot, ann, "Trần Thị Bích", "+84987654321")
    found = only_message(await bot.send(ann, f"/find {query}"))
    assert result_ids(found) == [an.id]


async def test_find_by_company_and_tag(bot: Harness) -> None:
    ann = await make_rm(bot, "en")
    shop = await seed(bot, ann, "Lâm Quốc Thịnh", "+84901234567",
                      company="Tiệm vàng Kim Thành", tags="vip, chợ Bến Thành")
    await seed(bot, ann, "Nguyễn Văn An", "+84912345678")
    for query in ("kim thanh", "tiem vang", "Bến Thành", "vip"):
        assert result_ids(only_message(await bot.send(ann, f"/find {query}"))) == [shop.id]


async def test_find_pages_through_many_results(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    created = [await seed(bot, lan, f"Khách Chợ Lớn {n:02d}", f"+8490{n:07d}")
               for n in range(1, 21)]
    newest_first = [c.id for c in reversed(created)]
    first = only_message(await bot.send(lan, "/find khach cho lon"))
    with active("vi", HCM):
        assert first.text == _(MATCHING).format(query="khach cho lon", count=20)
        previous, following = _("◀ Previous"), _("Next ▶")
    assert result_ids(first) == newest_first[:PAGE_SIZE]
    assert labels(first)[-1] == following
    second = only_message(await bot.press(lan, following, call=first))
    assert second.method == "editMessageText"
    assert result_ids(second) == newest_first[PAGE_SIZE:2 * PAGE_SIZE]
    assert labels(second)[-2:] == [previous, following]
    third = only_message(await bot.press(lan, following, call=second))
    assert result_ids(third) == newest_first[2 * PAGE_SIZE:]
    assert labels(third)[-1] == previous
    back = only_message(await bot.press(lan, previous, call=third))
    assert result_ids(back) == newest_first[PAGE_SIZE:2 * PAGE_SIZE]


async def test_find_without_result_or_query(bot: Harness) -> None:
    wei = await make_rm(bot, "zh_Hans", zone=SHANGHAI)
    await seed(bot, wei, "王伟", "+8613800138000", region="CN")
    nothing = only_message(await bot.send(wei, "/find 李娜"))
    assert nothing.text == tr("zh_Hans", NO_MATCH).format(query="李娜")
    assert nothing.buttons == []
    prompt = only_message(await bot.send(wei, "/find"))
    assert prompt.text == tr("zh_Hans", "What should I look for? For example: /find nguyen van "
                             "an, /find tran, /find 0901 234")
    # Search text is escaped when echoed.
    escaped = only_message(await bot.send(wei, "/find <i>x</i>"))
    assert "&lt;i&gt;x&lt;/i&gt;" in escaped.text


async def test_plain_text_searches_and_offers_to_add(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    found = only_message(await bot.send(lan, "Lê Văn Tám 0909 123 456 cần mở thẻ"))
    assert found.text == tr("vi", NO_MATCH).format(query="Lê Văn Tám 0909 123 456 cần mở thẻ")
    with active("vi", HCM):
        add_label, note_label = _("➕ Add as a new prospect"), _("📝 Save as a note…")
    assert labels(found) == [add_label, note_label]
    created = await bot.press(lan, add_label, call=found)
    customer = await only_customer(bot, lan)
    assert (customer.name, customer.phone) == ("Lê Văn Tám", "+84909123456")
    assert [n.text for n in await history(bot, lan, customer)] == ["cần mở thẻ"]
    assert only_message(created).text.startswith(tr("vi", NEW_PROSPECT))
    # A text that finds someone can still be kept as a note.
    hit = only_message(await bot.send(lan, "tám"))
    assert result_ids(hit) == [customer.id]
    assert labels(hit)[-1] == note_label
    # One that finds nobody, saved as a note and filed under a recent customer.
    missed = only_message(await bot.send(lan, "gửi bảng lãi suất"))
    pick = only_message(await bot.press(lan, note_label, call=missed))
    assert pick.text == tr("vi", WHICH_CUSTOMER)
    await bot.press(lan, "Lê Văn Tám", call=pick)
    assert [n.text for n in await history(bot, lan, customer)] == ["gửi bảng lãi suất",
                                                                   "cần mở thẻ"]


async def test_note_mode_turns_plain_text_into_a_note(bot: Harness) -> None:
    ann = await make_rm(bot, "en")
    customer = await seed(bot, ann, "Nguyễn Văn An", "+84901234567")
    settings = only_message(await bot.send(ann, "/settings"))
    switched = await press_action(bot, ann, "mode", "note", call=settings)
    assert answer_of(switched).params["text"] == tr("en", "Saved.")
    staff = await bot.storage.staff.get(ann.id)
    assert staff is not None and staff.text_mode == "note"
    pick = only_message(await bot.send(ann, "nguyen van an wants a card"))
    assert pick.text == tr("en", WHICH_CUSTOMER)
    await bot.press(ann, "Nguyễn Văn An", call=pick)
    assert [n.text for n in await history(bot, ann, customer)] == ["nguyen van an wants a card"]
    # /find still searches.
    assert result_ids(only_message(await bot.send(ann, "/find nguyen"))) == [customer.id]


async def test_long_plain_text_is_a_note_never_a_search(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    await seed(bot, lan, "Nguyễn Văn An", "+84901234567")
    text = "Nguyễn Văn An " + "gọi lại hỏi về khoản vay mua nhà, muốn lãi suất ưu đãi. " * 3
    assert len(text) > 100
    pick = only_message(await bot.send(lan, text))
    assert pick.text == tr("vi", WHICH_CUSTOMER)
    items = await bot.storage.inbox.list_open(lan.id)
    assert [item.text for item in items] == [text.strip()]
    assert await bot.storage.db.fetch_value("SELECT COUNT(*) FROM searches") == 0


# -- pipeline --------------------------------------------------------------------------------


async def test_pipeline_counts_per_stage(bot: Harness) -> None:
    wei = await make_rm(bot, "zh_Hans", zone=SHANGHAI)
    empty = only_message(await bot.send(wei, "/pipeline"))
    assert tr("zh_Hans", "No customers yet. Add the first one with /add.") in empty.text
    stages = ["find", "find", "find", "consult", "consult", "won"]
    for index, stage in enumerate(stages):
        customer = await seed(bot, wei, f"客户{index}", region="CN")
        await bot.storage.customers.set_stage(wei.id, customer.id, stage, None, NOW)
    archived = await seed(bot, wei, "已归档客户", region="CN")
    await bot.storage.customers.set_archived(wei.id, archived.id, True, NOW)
    shown_pipeline = only_message(await bot.send(wei, "/pipeline"))
    counts = {"find": 3, "consult": 2, "won": 1}
    with active("zh_Hans", SHANGHAI):
        expected = [_("<b>Your pipeline</b>")] + [
            f"{_(label)}：<b>"
            + ngettext("{count} customer", "{count} customers", counts.get(stage, 0)).format(
                count=counts.get(stage, 0)) + "</b>" for stage, label in STAGES.items()]
        assert shown_pipeline.text == "\n".join(expected)
        assert labels(shown_pipeline) == [f"{_(STAGES[s])}（{n}）" for s, n in counts.items()]


async def test_stage_change_is_recorded(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    customer = await add(bot, lan, "Nguyễn Văn An 0901234567")
    card = await open_card(bot, lan, customer)
    menu = only_message(await bot.press(lan, tr("vi", "➡️ Stage"), call=card))
    with active("vi", HCM):
        assert labels(menu)[:len(STAGES)] == [
            ("• " if stage == "find" else "") + _(label) for stage, label in STAGES.items()]
    bot.clock.advance(days=2)
    moved = await press_action(bot, lan, "css", customer.id, "consult", call=menu)
    updated = await bot.storage.customers.get(lan.id, customer.id)
    assert updated is not None and updated.stage == "consult"
    assert only_message(moved).text == expected_card(updated, "vi", HCM)
    items = await history(bot, lan, customer)
    assert [(i.kind, i.detail, i.happened_at) for i in items] == [
        ("stage", {"from": "find", "to": "consult"}, NOW + timedelta(days=2))]
    rows = await bot.storage.db.fetch_all(
        "SELECT at, detail FROM audit_log WHERE action = 'customer.stage' AND entity_id = ?",
        (str(customer.id),))
    assert [(row["at"], json.loads(row["detail"])) for row in rows] == [
        ("2026-11-25T03:00:00+00:00", {"from": "find", "to": "consult"})]
    # A stage change is not a contact with the customer.
    assert updated.last_contact_at is None
    page = only_message(await press_action(bot, lan, "ch", customer.id, 0, call=card))
    with active("vi", HCM):
        assert esc(f"{_(STAGES['find'])} → {_(STAGES['consult'])}") in page.text
        assert _("Stage change") in page.text
    # Picking the current stage changes nothing.
    await press_action(bot, lan, "css", customer.id, "consult", call=menu)
    assert len(await history(bot, lan, customer)) == 1


async def test_lost_asks_for_the_reason(bot: Harness) -> None:
    ann = await make_rm(bot, "en")
    customer = await add(bot, ann, "Nguyễn Văn An 0901234567")
    card = await open_card(bot, ann, customer)
    await press_action(bot, ann, "cs", customer.id, call=card)
    asked = only_message(await press_action(bot, ann, "css", customer.id, "lost"))
    with active("en", HCM):
        assert asked.text == _(
            "Why was {name} lost? Type the reason (price, chose another bank, no longer "
            "needs it…). /cancel to stop.").format(name="Nguyễn Văn An")
    unchanged = await bot.storage.customers.get(ann.id, customer.id)
    assert unchanged is not None and unchanged.stage == "find"
    done = only_message(await bot.send(ann, "chose <another> bank"))
    updated = await bot.storage.customers.get(ann.id, customer.id)
    assert updated is not None
    assert (updated.stage, updated.lost_reason) == ("lost", "chose <another> bank")
    assert "Lost because: chose &lt;another&gt; bank" in done.text
    items = await history(bot, ann, customer)
    assert [(i.kind, i.text, i.detail) for i in items] == [
        ("stage", "chose <another> bank", {"from": "find", "to": "lost"})]
    # Back in the pipeline, the reason is cleared.
    await bot.press_data(ann, buttons.pack("css", customer.id, "contact", owner=ann.id))
    updated = await bot.storage.customers.get(ann.id, customer.id)
    assert updated is not None and (updated.stage, updated.lost_reason) == ("contact", None)


async def test_stage_list_pages(bot: Harness) -> None:
    mei = await make_rm(bot, "zh_Hant_TW")
    for index in range(10):
        customer = await seed(bot, mei, f"跟進客戶{index}", f"+8490000000{index}")
        await bot.storage.customers.set_stage(mei.id, customer.id, "follow", None, NOW)
    pipeline = only_message(await bot.send(mei, "/pipeline"))
    first = only_message(await press_action(bot, mei, "pl", "follow", 0, call=pipeline))
    with active("zh_Hant_TW", HCM):
        assert first.text == _("<b>{stage}</b>: {count}").format(stage=_(STAGES["follow"]),
                                                                 count=10)
        previous, following = _("◀ Previous"), _("Next ▶")
    assert len(result_ids(first)) == 8 and labels(first)[-1] == following
    second = only_message(await bot.press(mei, following, call=first))
    assert len(result_ids(second)) == 2 and labels(second)[-1] == previous
    assert set(result_ids(first)).isdisjoint(result_ids(second))
    opened = only_message(await bot.press_data(mei, second.buttons[0][1], second))
    assert actions(opened) == CARD_ACTIONS


# -- data safety -----------------------------------------------------------------------------


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


async def test_another_rms_customer_cannot_be_reached_with_forged_buttons(
    bot: Harness,
) -> None:
    a, b, secret = await two_rms(bot)
    # B's file: a photo, a follow-up, a saved search, an inbox item.
    await bot.send_update(bot.make.message(b, caption="B's contract", photo=PHOTO))
    await bot.press(b, "Hoàng Bí Mật")
    b_file = (await history(bot, b, secret))[0]
    card = await open_card(bot, b, secret)
    await press_action(bot, b, "cf", secret.id, call=card)
    await bot.send(b, "明天上午10点 回电")
    b_reminder = (await reminders_of(bot, secret))[0]["id"]
    await bot.send(b, "/find hoang")
    b_search = int(await bot.storage.db.fetch_value("SELECT MAX(id) FROM searches"))
    await bot.send_update(bot.make.document(b, "b.pdf", file_id="doc-b"))
    b_item = (await bot.storage.inbox.list_open(b.id))[0].id
    # A's own inbox item, to try filing it into B's customer.
    mine = await add(bot, a, "Trần Thị Bích 0912345678")
    await bot.send_update(bot.make.document(a, "a.pdf", file_id="doc-a"))
    a_item = (await bot.storage.inbox.list_open(a.id))[0].id
    before = await snapshot(bot, secret)
    cid = secret.id
    forged: list[tuple[str, tuple[str | int, ...], str]] = [
        ("c", (cid,), EXPIRED), ("ch", (cid, 0), EXPIRED), ("cn", (cid,), EXPIRED),
        ("cl", (cid, "call"), EXPIRED), ("cls", (cid, "visit"), EXPIRED),
        ("cf", (cid,), EXPIRED), ("fu", (cid, "1d"), EXPIRED), ("cs", (cid,), EXPIRED),
        ("css", (cid, "won"), EXPIRED), ("css", (cid, "lost"), EXPIRED),
        ("ce", (cid,), EXPIRED), ("cef", (cid, "phone"), EXPIRED),
        ("cev", (cid, "grade", "VIP"), EXPIRED), ("cec", (cid, "company"), EXPIRED),
        ("ca", (cid,), EXPIRED), ("cr", (cid,), EXPIRED), ("cd", (cid,), EXPIRED),
        ("cdx", (cid,), EXPIRED), ("dupo", (cid,), EXPIRED),
        ("cfile", (b_file.id,), EXPIRED), ("fux", (b_reminder, cid), EXPIRED),
        ("fp", (b_search, 0), EXPIRED), ("fadd", (b_search,), EXPIRED),
        ("fnote", (b_search,), EXPIRED), ("pick", (a_item, cid), EXPIRED),
        ("pick", (b_item, cid), ALREADY_FILED), ("picks", (b_item,), ALREADY_FILED),
        ("pickx", (b_item,), ALREADY_FILED),
    ]
    for action, args, answer in forged:
        data = buttons.pack(action, *args, owner=a.id)
        calls = await bot.press_data(a, data)
        reply = answer_of(calls)
        assert reply.params["text"] == tr("vi", answer), data
        assert reply.params.get("show_alert") is True, data
        assert shown(calls) == [], data
        text = dumped(calls)
        for leak in ("Hoàng Bí Mật", "0977", "977 111 222", "977111222", "khách riêng",
                     "B's contract", "ph-big", "doc-b", "回电"):
            assert leak not in text, (data, leak)
    assert await snapshot(bot, secret) == before
    assert await bot.storage.inbox.get_open(a.id, a_item) is not None
    assert await bot.storage.inbox.get_open(b.id, b_item) is not None
    assert await history(bot, a, mine) == []
    # The same buttons signed for B do work: the refusals were about ownership.
    assert only_message(await bot.press_data(b, buttons.pack("c", cid, owner=b.id)))


async def test_search_and_one_liners_stay_within_the_rms_own_customers(bot: Harness) -> None:
    a, _b, secret = await two_rms(bot)
    before = await snapshot(bot, secret)
    # B's data as B typed or the bot shows it; A only ever types other spellings.
    leaks = ("Hoàng Bí Mật", "977 111 222", "+84977111222", "khách riêng")
    for text in ("/find hoang bi mat", "/find 0977111222", "/find 111 222", "hoang bi mat",
                 "/note hoang bi mat đã gọi", "/note 0977111222 đã gọi",
                 "/remind hoang bi mat mai 9h gọi lại", "/pipeline", "/archived", "/inbox"):
        calls = await bot.send(a, text)
        assert shown(calls), text
        for leak in leaks:
            assert leak not in dumped(calls), (text, leak)
    assert await snapshot(bot, secret) == before
    # A's recent customers (offered for filing) never include B's.
    for item in await bot.storage.inbox.list_open(a.id):
        assert await bot.storage.file_inbox_item(a.id, item.id, secret.id, NOW) is False
    assert await snapshot(bot, secret) == before


async def test_archive_hides_and_restore_brings_back(bot: Harness) -> None:
    wei = await make_rm(bot, "zh_Hans", zone=SHANGHAI)
    customer = await add(bot, wei, "王伟 13800138000")
    card = await open_card(bot, wei, customer)
    archived = await bot.press(wei, tr("zh_Hans", "🗄 Archive"), call=card)
    assert answer_of(archived).params["text"] == tr("zh_Hans", "Archived.")
    archived_card = only_message(archived)
    assert actions(archived_card) == ["cr", "ch", "cd"]
    with active("zh_Hans", SHANGHAI):
        assert _("🗄 Archived on {date}").format(date=format_date(NOW)) in archived_card.text
    assert only_message(await bot.send(wei, "/find 王伟")).text == tr(
        "zh_Hans", NO_MATCH).format(query="王伟")
    assert "<b>0" in only_message(await bot.send(wei, "/pipeline")).text
    listed = only_message(await bot.send(wei, "/archived"))
    assert listed.text == tr("zh_Hans", "<b>Archived</b>: {count}").format(count=1)
    assert result_ids(listed) == [customer.id]
    reopened = only_message(await press_action(bot, wei, "c", customer.id, call=listed))
    restored = await bot.press(wei, tr("zh_Hans", "Restore"), call=reopened)
    assert answer_of(restored).params["text"] == tr("zh_Hans", "Restored.")
    assert actions(only_message(restored)) == CARD_ACTIONS
    assert result_ids(only_message(await bot.send(wei, "/find 王伟"))) == [customer.id]
    assert only_message(await bot.send(wei, "/archived")).text == tr(
        "zh_Hans", "No archived customers.")
    assert (await bot.storage.audit.actions_for("customer", customer.id))[-2:] == [
        "customer.archived", "customer.restored"]


async def test_delete_asks_then_erases_everything_personal(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    customer = await add(bot, lan, "Nguyễn Văn An 0901 234 567 vay mua nhà 2 tỷ")
    friend = await add(bot, lan, "Trần Thị Bích 0912345678")
    await edit_text_field(bot, lan, friend, "referrer", "Nguyễn Văn An")
    linked = await bot.storage.customers.get(lan.id, friend.id)
    assert linked is not None and linked.referred_by == customer.id
    for field, value in [("company", "Tiệm vàng An Phát"), ("birthday", "âm 15/8"),
                         ("family", "vợ, 2 con"), ("about", "kỹ tính")]:
        await edit_text_field(bot, lan, customer, field, value)
    await bot.send_update(bot.make.message(lan, caption="CMND mặt trước", photo=PHOTO))
    await bot.press(lan, "Nguyễn Văn An")
    card = await open_card(bot, lan, customer)
    await press_action(bot, lan, "cf", customer.id, call=card)
    await bot.send(lan, "mai 9h gọi lại báo lãi suất")
    card = await open_card(bot, lan, customer)
    await press_action(bot, lan, "cs", customer.id, call=card)
    await press_action(bot, lan, "css", customer.id, "consult")
    await press_action(bot, lan, "ca", customer.id, call=card)
    archived_card = last_card(bot, lan)
    asked = only_message(await bot.press(lan, tr("vi", "Delete for good"), call=archived_card))
    with active("vi", HCM):
        assert asked.text == _(
            "Erase {name} for good? Their name, phone, notes and files are deleted and cannot "
            "be recovered; only anonymous counts stay in the statistics."
        ).format(name="<b>Nguyễn Văn An</b>")
        assert labels(asked) == [_("Yes, erase for good"), _("No, keep it")]
    kept = only_message(await bot.press(lan, tr("vi", "No, keep it"), call=asked))
    assert actions(kept) == ["cr", "ch", "cd"]
    assert await bot.storage.customers.get(lan.id, customer.id) is not None
    erased = await bot.press(lan, tr("vi", "Yes, erase for good"), call=asked)
    assert only_message(erased).text == tr("vi", "The customer's personal data was erased.")
    # Straight from the tables: nothing personal is left, the row stays for the counts.
    row = await bot.storage.db.fetch_one("SELECT * FROM customers WHERE id = ?", (customer.id,))
    assert row is not None
    assert row["name"] == "" and row["erased_at"] is not None
    for column in PERSONAL:
        assert row[column] is None, column
    assert (row["search_key"], row["phone_key"], row["birthday_lunar"]) == ("", "", 0)
    assert row["stage"] == "consult"
    assert await bot.storage.db.fetch_value(
        "SELECT COUNT(*) FROM customers WHERE owner_id = ? AND stage = 'consult'",
        (lan.id,)) == 1
    rows = await bot.storage.db.fetch_all(
        "SELECT text, file_id, file_name, detail FROM interactions WHERE customer_id = ?",
        (customer.id,))
    assert len(rows) == 3  # the first note, the photo and the stage change: counted, blank
    assert all((r["text"], r["file_id"], r["file_name"], r["detail"]) == ("", None, None, "{}")
               for r in rows)
    assert await bot.storage.db.fetch_value(
        "SELECT COUNT(*) FROM card_messages WHERE customer_id = ?", (customer.id,)) == 0
    unlinked = await bot.storage.customers.get(lan.id, friend.id)
    assert unlinked is not None and unlinked.referred_by is None
    reminders = await reminders_of(bot, customer)
    assert [(r["text"], r["status"]) for r in reminders] == [("", "cancelled")]
    # No copy anywhere else in the database either.
    for table in ("customers", "interactions", "inbox", "reminders", "card_messages",
                  "audit_log", "chat_states"):
        dump = json.dumps([tuple(r) for r in await bot.storage.db.fetch_all(
            f"SELECT * FROM {table}")], ensure_ascii=False)
        for value in ("Nguyễn Văn An", "901234567", "vay mua nhà", "An Phát", "CMND",
                      "ph-big", "kỹ tính", "lãi suất"):
            assert value not in dump, (table, value)
    # Gone from every list, and the old buttons are dead.
    assert await bot.storage.customers.get(lan.id, customer.id) is None
    assert only_message(await bot.send(lan, "/find nguyen van an")).text == tr(
        "vi", NO_MATCH).format(query="nguyen van an")
    assert only_message(await bot.send(lan, "/archived")).text == tr(
        "vi", "No archived customers.")
    for data in (buttons.pack("c", customer.id, owner=lan.id), data_for(card, "ch"),
                 data_for(card, "cn"), data_for(asked, "cdx")):
        again = await bot.press_data(lan, data, card)
        assert answer_of(again).params["text"] == tr("vi", EXPIRED)
        assert shown(again) == []
    assert "customer.erased" in await bot.storage.audit.actions_for("customer", customer.id)


async def test_audit_log_keeps_actions_and_field_names_never_values(bot: Harness) -> None:
    ann = await make_rm(bot, "en")
    customer = await add(bot, ann, "Nguyễn Văn An 0901234567 wants a mortgage")
    await edit_text_field(bot, ann, customer, "phone", "0912 345 678")
    await edit_text_field(bot, ann, customer, "company", "Secret Gold Shop")
    card = await open_card(bot, ann, customer)
    await press_action(bot, ann, "cs", customer.id, call=card)
    await press_action(bot, ann, "css", customer.id, "won")
    await press_action(bot, ann, "ca", customer.id, call=card)
    await press_action(bot, ann, "cd", customer.id, call=last_card(bot, ann))
    await press_action(bot, ann, "cdx", customer.id)
    rows = await bot.storage.db.fetch_all(
        "SELECT action, actor_id, detail FROM audit_log WHERE entity = 'customer'"
        " AND entity_id = ? ORDER BY id", (str(customer.id),))
    assert [row["action"] for row in rows] == [
        "customer.created", "customer.updated", "customer.updated", "customer.stage",
        "customer.archived", "customer.erased"]
    assert all(row["actor_id"] == ann.id for row in rows)
    assert [json.loads(row["detail"]) for row in rows[1:4]] == [
        {"fields": ["phone"]}, {"fields": ["company"]}, {"from": "find", "to": "won"}]
    everything = json.dumps([tuple(r) for r in await bot.storage.db.fetch_all(
        "SELECT * FROM audit_log")], ensure_ascii=False)
    for value in ("0901234567", "+84901234567", "901234567", "0912345678", "912345678",
                  "0912 345 678", "Nguyễn", "Secret Gold", "mortgage"):
        assert value not in everything, value


# -- follow-ups ------------------------------------------------------------------------------


async def test_follow_up_from_the_card(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    customer = await add(bot, lan, "Nguyễn Văn An 0901234567")
    card = await open_card(bot, lan, customer)
    asked = only_message(await bot.press(lan, tr("vi", "⏰ Follow-up"), call=card))
    with active("vi", HCM):
        assert asked.text == _(
            "When should I remind you about {name}? Write the time, then what to do if you "
            "like. {examples} (/cancel to stop)").format(name="Nguyễn Văn An",
                                                         examples=examples())
    echo = only_message(await bot.send(lan, "mai 9h gọi lại"))
    due = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    reminders = await reminders_of(bot, customer)
    assert [(r["due_at"], r["text"], r["kind"], r["status"], r["staff_id"])
            for r in reminders] == [("2026-11-24T02:00:00+00:00", "gọi lại", "followup",
                                     "pending", lan.id)]
    with active("vi", HCM):
        assert echo.text == _(REMIND_ECHO).format(
            name="<b>Nguyễn Văn An</b>", when=f"<b>{format_datetime(due)}</b>") + "\ngọi lại"
        assert labels(echo) == [_("Change the time"), _("Open the card")]
    assert "09:00" in echo.text
    assert await bot.storage.states.get(lan.id, lan.id) is None
    reopened = await open_card(bot, lan, customer)
    with active("vi", HCM):
        assert _("Next follow-up: {when}").format(when=format_datetime(due)) in reopened.text


async def test_unreadable_time_gets_the_examples(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    customer = await add(bot, lan, "Nguyễn Văn An 0901234567")
    card = await open_card(bot, lan, customer)
    await press_action(bot, lan, "cf", customer.id, call=card)
    refused = only_message(await bot.send(lan, "khi nào rảnh"))
    with active("vi", HCM):
        assert refused.text == _("I could not understand the time in “{text}”. {examples}"
                                 ).format(text="khi nào rảnh", examples=examples())
    assert await reminders_of(bot, customer) == []
    # Still waiting for the time.
    await bot.send(lan, "thứ 6 14h gặp ký hợp đồng")
    assert [(r["due_at"], r["text"]) for r in await reminders_of(bot, customer)] == [
        ("2026-11-27T07:00:00+00:00", "gặp ký hợp đồng")]


async def test_change_the_time(bot: Harness) -> None:
    ann = await make_rm(bot, "en")
    customer = await add(bot, ann, "Nguyễn Văn An 0901234567")
    card = await open_card(bot, ann, customer)
    await press_action(bot, ann, "cf", customer.id, call=card)
    echo = only_message(await bot.send(ann, "tomorrow 9am call back"))
    asked = only_message(await bot.press(ann, tr("en", "Change the time"), call=echo))
    with active("en", HCM):
        assert asked.text == _("Which time is right? {examples}").format(examples=examples())
    assert [r["status"] for r in await reminders_of(bot, customer)] == ["cancelled"]
    await bot.send(ann, "in 2 hours")
    reminders = await reminders_of(bot, customer)
    assert [(r["status"], r["due_at"]) for r in reminders] == [
        ("cancelled", "2026-11-24T02:00:00+00:00"), ("pending", "2026-11-23T05:00:00+00:00")]
    stale = await bot.press(ann, tr("en", "Change the time"), call=echo)
    assert answer_of(stale).params["text"] == tr("en", EXPIRED)
    assert [r["status"] for r in await reminders_of(bot, customer)] == ["cancelled", "pending"]


@pytest.mark.parametrize(("label", "day"), [("Tomorrow", 24), ("In 3 days", 26),
                                            ("Next week", 30)])
async def test_follow_up_presets_after_a_call(bot: Harness, label: str, day: int) -> None:
    mei = await make_rm(bot, "zh_Hant_TW")
    customer = await add(bot, mei, "陳大文 0901234567")
    card = await open_card(bot, mei, customer)
    await press_action(bot, mei, "cl", customer.id, "call", call=card)
    saved = only_message(await bot.send(mei, "客戶說下週再談"))
    echo = only_message(await bot.press(mei, tr("zh_Hant_TW", label), call=saved))
    due = datetime(2026, 11, day, 2, 0, tzinfo=UTC)  # 09:00 in Ho Chi Minh City
    assert [(r["due_at"], r["text"]) for r in await reminders_of(bot, customer)] == [
        (due.isoformat(), "")]
    with active("zh_Hant_TW", HCM):
        assert echo.text == _(REMIND_ECHO).format(name="<b>陳大文</b>",
                                                  when=f"<b>{format_datetime(due)}</b>")


async def test_remind_in_one_line_for_a_chinese_rm(bot: Harness) -> None:
    wei = await make_rm(bot, "zh_Hans", zone=SHANGHAI)
    customer = await add(bot, wei, "王伟 13800138000")
    echo = only_message(await bot.send(wei, "/remind 王伟 明天上午10点 回电"))
    due = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    assert [(r["due_at"], r["text"]) for r in await reminders_of(bot, customer)] == [
        (due.isoformat(), "回电")]
    with active("zh_Hans", SHANGHAI):
        assert echo.text == _(REMIND_ECHO).format(
            name="<b>王伟</b>", when=f"<b>{format_datetime(due)}</b>") + "\n回电"
    assert "10:00" in echo.text
    # By phone number, and with the words around it kept.
    await bot.send(wei, "/remind 13800138000 下周三 下午3点 面谈")
    texts = [r["text"] for r in await reminders_of(bot, customer)]
    assert texts[-1] == "面谈"
    unknown = only_message(await bot.send(wei, "/remind 李娜 明天 回电"))
    assert unknown.text == tr("zh_Hans", "I could not find that customer among yours. Check the "
                              "name or use the phone number.")
    await add(bot, wei, "王伟明 13900001111")
    several = only_message(await bot.send(wei, "/remind 王 明天 回电"))
    with active("zh_Hans", SHANGHAI):
        assert several.text == _("Several customers match: {names}. Please write more of the "
                                 "name, or the phone number.").format(names="王伟明或王伟")


async def test_remind_and_note_by_phone_keep_every_word(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    customer = await add(bot, lan, "Nguyễn Văn An 0901234567")
    await bot.send(lan, "/remind 0901234567 thứ 6 14h gọi lại")
    assert [(r["due_at"], r["text"]) for r in await reminders_of(bot, customer)] == [
        ("2026-11-27T07:00:00+00:00", "gọi lại")]
    await bot.send(lan, "/note 0901 234 567 đã gửi 2 bộ hồ sơ")
    await bot.send(lan, "/note An 0901234567 hẹn tuần sau")
    assert [n.text for n in await history(bot, lan, customer)] == [
        "hẹn tuần sau", "đã gửi 2 bộ hồ sơ"]


async def test_skip_pressed_twice_skips_one_question(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    await bot.send(lan, "/add")
    await bot.send(lan, "Phạm Minh Châu")
    ask_phone = bot.last_for(lan)
    await bot.press(lan, tr("vi", "Skip"), call=ask_phone)
    again = await bot.press(lan, tr("vi", "Skip"), call=ask_phone)
    assert answer_of(again).params["text"] == tr("vi", EXPIRED)
    assert shown(again) == []
    state = await bot.storage.states.get(lan.id, lan.id)
    assert state is not None and state.data["step"] == "note"
    await bot.send(lan, "cần mở tài khoản")
    customer = await only_customer(bot, lan)
    assert [n.text for n in await history(bot, lan, customer)] == ["cần mở tài khoản"]
    # A Skip left from that add, pressed while a new add asks for a name, creates nothing.
    await bot.send(lan, "/add")
    stale = await bot.press(lan, tr("vi", "Skip"), call=ask_phone)
    assert answer_of(stale).params["text"] == tr("vi", EXPIRED)
    assert len(await customers_of(bot, lan)) == 1


# -- the main flow in every language -----------------------------------------------------------


async def main_flow(bot: Harness, language: str, person_id: int) -> list[ApiCall]:
    """Add, note, follow up, find and open: what every RM does first. Returns the replies."""
    rm = await make_rm(bot, language, person_id=person_id)
    replies: list[ApiCall] = []
    replies.append(only_message(await bot.send(
        rm, "/add Nguyễn Văn An 0901 234 567 vay mua nhà 2 tỷ")))
    customer = await only_customer(bot, rm)
    replies.append(only_message(await bot.press(rm, tr(language, "📝 Note"),
                                                call=replies[-1])))
    replies.append(only_message(await bot.send(rm, "đã gửi hồ sơ")))
    replies.append(only_message(await bot.press(rm, tr(language, "Tomorrow"),
                                                call=replies[-1])))
    replies.append(only_message(await bot.send(rm, "/find nguyen van an")))
    replies.append(only_message(await press_action(bot, rm, "c", customer.id,
                                                   call=replies[-1])))
    replies.append(only_message(await bot.send(rm, "/find không có ai")))
    return replies


@pytest.mark.parametrize("language", LANGUAGES)
async def test_main_flow_in_every_language(bot: Harness, language: str) -> None:
    replies = await main_flow(bot, language, 2001)
    rm = Person(2001)
    customer = await only_customer(bot, rm)
    due = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    first_card = await bot.storage.customers.get(rm.id, customer.id)
    assert first_card is not None
    with active(language, HCM):
        expected = [
            None,  # the first card: checked below against the stored customer
            _("Type the note for {name}. (/cancel to stop)").format(name="Nguyễn Văn An"),
            _(SAVED_AND_FOLLOW_UP).format(kind=_("Note"), name="<b>Nguyễn Văn An</b>"),
            _(REMIND_ECHO).format(name="<b>Nguyễn Văn An</b>",
                                  when=f"<b>{format_datetime(due)}</b>"),
            _(MATCHING).format(query="nguyen van an", count=1),
            card_text(first_card, format_datetime(due), "VN"),
            _(NO_MATCH).format(query="không có ai"),
        ]
        assert replies[0].text.startswith(_(NEW_PROSPECT) + "\n\n<b>Nguyễn Văn An</b>\n")
        assert labels(replies[0])[0] == _("📝 Note")
    for reply, text in zip(replies[1:], expected[1:], strict=True):
        assert reply.text == text
    assert [n.text for n in await history(bot, rm, customer)] == ["đã gửi hồ sơ",
                                                                  "vay mua nhà 2 tỷ"]
    assert [r["due_at"] for r in await reminders_of(bot, customer)] == [due.isoformat()]


CAPTURE_TEXTS = [
    NEW_PROSPECT, EXPIRED, ALREADY_FILED, WHICH_CUSTOMER, NO_MATCH, MATCHING, NOT_A_PHONE,
    SAVED_AND_FOLLOW_UP, REMIND_ECHO,
    "What is the new prospect's name? (/cancel to stop)", "Saved. Their phone number?",
    "What do they need? (a first note, or skip)", "Skip",
    "I could not find a name or a phone number. {example}",
    "For example: /add Nguyễn Văn An 0901 234 567 vay mua nhà 2 tỷ",
    "Open {name}", "Create a new prospect anyway", "📝 Note added to the existing file.",
    "Last contact: {when}", "Next follow-up: {when}", "never", "none set",
    "📝 Note", "📞 Call", "🚶 Visit", "🤝 Meeting", "⏰ Follow-up", "➡️ Stage", "✏️ Edit",
    "🕘 History", "🗄 Archive", "Restore", "Delete for good", "Clear this field", "Saved.",
    "Type the note for {name}. (/cancel to stop)", "Log it without a note",
    "{kind} with {name}: what came out of it? (/cancel to stop)",
    "🔎 Another customer…", "Discard", "Discarded.", "✅ Added to {name}.",
    "📎 Send again: {what}", "◀ Newer", "Older ▶", "Back to the card",
    "<b>History of {name}</b> ({count})", "◀ Previous", "Next ▶",
    "➕ Add as a new prospect", "📝 Save as a note…", "<b>Your pipeline</b>",
    "Why was {name} lost? Type the reason (price, chose another bank, no longer needs it…). "
    "/cancel to stop.",
    "Yes, erase for good", "No, keep it", "The customer's personal data was erased.",
    "Change the time", "Open the card", "Tomorrow", "In 3 days", "Next week",
    "I could not understand the time in “{text}”. {examples}",
    *STAGES.values(), *SEGMENTS.values(), *SOURCES.values(),
    *(label for kind, label in INTERACTION_KINDS.items()),
]


@pytest.mark.parametrize("language", ["vi", "zh_Hans", "zh_Hant_TW", "zh_Hant_HK"])
def test_capture_texts_are_translated(language: str) -> None:
    """Fails only while the catalogs are still being filled."""
    assert_translated(language, *CAPTURE_TEXTS)


@pytest.mark.parametrize("language", ["vi", "zh_Hans", "zh_Hant_TW", "zh_Hant_HK"])
async def test_main_flow_replies_are_not_english(bot: Harness, language: str) -> None:
    """A Vietnamese or Chinese RM reads every reply of the main flow in their language."""
    english = await main_flow(bot, "en", 2001)
    translated = await main_flow(bot, language, 2002)
    for ours, theirs in zip(translated, english, strict=True):
        assert ours.text != theirs.text, ours.text
        assert labels(ours) == [] or labels(ours) != labels(theirs) or all(
            label.startswith("Nguyễn") for label in labels(ours)), labels(ours)


async def test_a_new_command_closes_an_unanswered_question(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    await bot.send(lan, "/add")
    await bot.send(lan, "/today")
    # The name question is closed: this text is a search now, not a new prospect's name.
    calls = await bot.send(lan, "Phạm Minh Châu")
    assert await bot.storage.customers.recent(lan.id) == []
    assert only_message(calls).text == tr("vi", "No customer matches “{query}”.").format(
        query="Phạm Minh Châu")
    # /cancel still reports what it cancelled.
    await bot.send(lan, "/add")
    calls = await bot.send(lan, "/cancel")
    assert only_message(calls).text == tr("vi", "Cancelled. Nothing was changed.")
