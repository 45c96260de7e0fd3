"""Telegram Business: an RM's own chats with customers logged on their files, a newcomer
offered once, the bot silent in those chats, care messages sent as the RM on one tap."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core import buttons
from core.i18n import _, active
from core.pushes import render as render_push
from playground.fake_api import ApiCall
from playground.fake_updates import Person
from scheduler.dispatcher import Dispatcher
from storage import open_storage
from storage.customers import Customer
from storage.db import to_db_time
from storage.interactions import Interaction
from testkit.emulator import BotApiEmulator, first_button, to_chat
from testkit.postgres import run_sync
from testkit.process import TOKEN
from testkit.store import Store
from tests.harness import Harness, shown

RM = Person(2001, "Lan", "Nguyễn", username="lan_rm", language_code="vi")
MINH = Person(5001, "Minh", "Trần", username="minh_tran", language_code="vi")
STRANGER = Person(5002, "Hoa", "Lê", language_code="vi")
CONNECTION = "bc-lan"


@pytest.fixture
async def rm(bot: Harness) -> Person:
    await bot.register(RM, language="vi")
    return RM


async def connect(bot: Harness, person: Person = RM, *, can_reply: bool = True,
                  enabled: bool = True) -> list[ApiCall]:
    update = bot.make.business_connection(person, CONNECTION, can_reply=can_reply,
                                          enabled=enabled, date=_stamp(bot))
    bot.api.business_connections[CONNECTION] = update.business_connection.to_dict()  # type: ignore[union-attr]
    return await bot.send_update(update)


def _stamp(bot: Harness, minutes: int = 0) -> int:
    return int((bot.clock.now() + timedelta(minutes=minutes)).timestamp())


async def chat(bot: Harness, sender: Person, text: str | None = "Chào em", *, other: Person = MINH,
               minutes: int = 0, message_id: int | None = None, **extra: Any) -> list[ApiCall]:
    return await bot.send_update(bot.make.business_message(
        CONNECTION, sender, other, text, date=_stamp(bot, minutes), message_id=message_id,
        **extra))


async def customer_on_telegram(bot: Harness, name: str = "Trần Văn Minh",
                               person: Person = MINH, **extra: Any) -> Customer:
    return await bot.storage.customers.create(owner_id=RM.id, name=name, phone=None, region="VN",
                                              now=bot.clock.now(), telegram_id=person.id,
                                              **extra)


async def contacts(bot: Harness, customer: Customer) -> list[Interaction]:
    found, _total = await bot.storage.interactions.history(RM.id, customer.id, offset=0,
                                                           limit=50)
    return [item for item in found if item.kind == "message"]


def vi(text: str) -> str:
    with active("vi", "Asia/Ho_Chi_Minh"):
        return _(text)


def to_customer_chats(bot: Harness) -> list[ApiCall]:
    """Anything the bot sent anywhere but the RM's own chat with it."""
    return [call for call in bot.api.calls if call.method.startswith(("send", "edit", "copy",
                                                                      "forward"))
            and (call.chat_id != RM.id or call.params.get("business_connection_id"))]


# -- connections ------------------------------------------------------------------------------

async def test_a_connection_from_someone_who_is_not_staff_is_ignored(bot: Harness) -> None:
    calls = await connect(bot, STRANGER)
    assert shown(calls) == []
    assert await bot.storage.business.connection(CONNECTION) is None
    # Their business messages are ignored too, and nobody is answered.
    calls = await chat(bot, MINH, "Xin chào", other=MINH)
    assert bot.api.calls == [] or shown(calls) == []


async def test_connecting_changing_rights_and_disconnecting_are_told_and_shown(
        bot: Harness, rm: Person) -> None:
    [told] = shown(await connect(bot, can_reply=False))
    assert told.chat_id == RM.id and "Rapport" in told.text
    settings = shown(await bot.send(RM, "/settings"))[-1]
    assert vi("Telegram Business: connected since {date}; I only log, replies are not "
              "allowed.").split(";")[1] in settings.text
    [told] = shown(await connect(bot, can_reply=True))
    assert told.chat_id == RM.id
    connection = await bot.storage.business.connection_of(RM.id)
    assert connection is not None and connection.can_reply and connection.enabled
    assert shown(await connect(bot, can_reply=True)) == []  # nothing changed: nothing said
    [told] = shown(await connect(bot, enabled=False))
    settings = shown(await bot.send(RM, "/settings"))[-1]
    assert "@rapport_bot" in settings.text  # how to connect again
    actions = await bot.storage.audit.actions_for("staff", RM.id)
    assert {"business.connected", "business.rights", "business.disconnected"} <= set(actions)


# -- logging ------------------------------------------------------------------------------------

async def test_a_day_of_messages_is_one_contact_with_no_text_by_default(
        bot: Harness, rm: Person) -> None:
    await connect(bot)
    minh = await customer_on_telegram(bot)
    for minutes, sender in ((0, MINH), (3, RM), (9, MINH)):
        calls = await chat(bot, sender, "mai anh qua gửi 2 tỷ", minutes=minutes)
        assert shown(calls) == []  # nothing said anywhere: logging is silent
    [contact] = await contacts(bot, minh)
    assert contact.text == "" and contact.detail == {"via": "telegram_business", "messages": 3}
    assert contact.happened_at == bot.clock.now()
    updated = await bot.storage.customers.get(RM.id, minh.id)
    assert updated is not None and updated.last_contact_at == bot.clock.now() + timedelta(
        minutes=9)
    # The next day is another contact.
    await chat(bot, MINH, "Em ơi", minutes=24 * 60)
    assert len(await contacts(bot, minh)) == 2
    assert to_customer_chats(bot) == []


async def test_kept_texts_follow_edits_and_deletions(bot: Harness, rm: Person) -> None:
    await connect(bot)
    minh = await customer_on_telegram(bot)
    settings = shown(await bot.send(RM, "/settings"))[-1]
    await bot.press(RM, vi("Keep chat texts as notes"), settings)
    await chat(bot, MINH, "Lãi suất 12 tháng bao nhiêu em?", message_id=71)
    await chat(bot, RM, "Dạ 5,2%/năm anh ạ", minutes=1, message_id=72)
    [contact] = await contacts(bot, minh)
    assert contact.text.splitlines() == ["10:00 Minh: Lãi suất 12 tháng bao nhiêu em?",
                                         "10:01 Lan: Dạ 5,2%/năm anh ạ"]
    await bot.send_update(bot.make.edited_business_message(
        CONNECTION, RM, MINH, 72, "Dạ 5,3%/năm anh ạ", date=_stamp(bot, 1)))
    await bot.send_update(bot.make.deleted_business_messages(CONNECTION, MINH, [71]))
    [contact] = await contacts(bot, minh)
    assert contact.text == "10:01 Lan: Dạ 5,3%/năm anh ạ"
    assert contact.detail["messages"] == 2  # the contact stays; only the text went
    # Delivered again (Telegram retries): counted once.
    update = bot.make.business_message(CONNECTION, MINH, MINH, "Ok em", date=_stamp(bot, 2),
                                       message_id=73)
    await bot.send_update(update)
    await bot.process(update)
    [contact] = await contacts(bot, minh)
    assert contact.detail["messages"] == 3


async def test_business_messages_never_reach_the_features(bot: Harness, rm: Person) -> None:
    """The RM typing a command or a name in a customer chat must not make the bot answer
    there (as the RM) or anywhere."""
    await connect(bot)
    await customer_on_telegram(bot)
    for text in ("/help", "/add Nguyễn Văn An 0901234567", "Trần Văn Minh"):
        update = bot.make.business_message(CONNECTION, RM, MINH, text, date=_stamp(bot),
                                           entities=[{"type": "bot_command", "offset": 0,
                                                      "length": len(text.split()[0])}]
                                           if text.startswith("/") else [])
        assert shown(await bot.send_update(update)) == []
    assert await bot.storage.states.get(RM.id, MINH.id) is None


# -- newcomers ----------------------------------------------------------------------------------

async def test_a_newcomer_who_writes_first_is_offered_once(bot: Harness, rm: Person) -> None:
    await connect(bot)
    [offer] = shown(await chat(bot, STRANGER, "Chào chị, em muốn hỏi vay mua nhà",
                               other=STRANGER))
    assert offer.chat_id == RM.id and "Hoa Lê" in offer.text
    assert shown(await chat(bot, STRANGER, "Chị ơi?", other=STRANGER, minutes=5)) == []
    calls = await bot.press(RM, vi("➕ Add as a prospect"), offer)
    assert vi("Saved.") in [c.params.get("text") for c in calls]
    again = await bot.press(RM, vi("➕ Add as a prospect"), offer)
    assert [c.params.get("show_alert") for c in again if c.method == "answerCallbackQuery"] \
        == [True]
    hoa = await bot.storage.customers.by_telegram(RM.id, STRANGER.id)
    assert hoa is not None and hoa.name == "Hoa Lê"
    [first] = await contacts(bot, hoa)  # what was said before the tap is the first contact
    assert first.happened_at == bot.clock.now()
    await chat(bot, STRANGER, "Dạ em cảm ơn", other=STRANGER, minutes=10)
    [first] = await contacts(bot, hoa)
    assert first.detail["messages"] == 1


async def test_someone_the_rm_writes_to_first_is_not_offered(bot: Harness, rm: Person) -> None:
    await connect(bot)
    await chat(bot, RM, "Chào anh, em là Lan ở ngân hàng", other=STRANGER)
    assert shown(await chat(bot, STRANGER, "Chào em", other=STRANGER, minutes=1)) == []


async def test_declined_offer_forgets_the_name(bot: Harness, rm: Person) -> None:
    await connect(bot)
    [offer] = shown(await chat(bot, STRANGER, "Alo", other=STRANGER))
    await bot.press(RM, vi("Not a customer"), offer)
    row = await bot.storage.db.fetch_one(
        "SELECT offer_name, offered_at FROM business_chats WHERE user_id = ?", (STRANGER.id,))
    assert row is not None and row["offer_name"] is None and row["offered_at"] is not None
    assert shown(await chat(bot, STRANGER, "Alo?", other=STRANGER, minutes=60)) == []


async def test_a_customer_known_by_name_is_linked_with_one_tap(bot: Harness, rm: Person) -> None:
    await connect(bot)
    hoa = await bot.storage.customers.create(owner_id=RM.id, name="Lê Hoa", phone=None,
                                             region="VN", now=bot.clock.now())
    [offer] = shown(await chat(bot, STRANGER, "Chị ơi", other=STRANGER))
    await bot.press(RM, "Lê Hoa", offer)
    linked = await bot.storage.customers.get(RM.id, hoa.id)
    assert linked is not None and linked.telegram_id == STRANGER.id
    assert len(await contacts(bot, linked)) == 1


async def test_a_customer_sharing_their_number_is_linked_to_their_file(
        bot: Harness, rm: Person) -> None:
    await connect(bot)
    hoa = await bot.storage.customers.create(owner_id=RM.id, name="Lê Thị Hoa",
                                             phone="+84903456789", region="VN",
                                             now=bot.clock.now())
    contact = {"phone_number": "+84903456789", "first_name": "Hoa", "user_id": STRANGER.id}
    [told] = shown(await chat(bot, STRANGER, None, other=STRANGER, contact=contact))
    assert "Lê Thị Hoa" in told.text and told.chat_id == RM.id
    linked = await bot.storage.customers.get(RM.id, hoa.id)
    assert linked is not None and linked.telegram_id == STRANGER.id
    assert len(await contacts(bot, linked)) == 1


# -- care messages sent as the RM ---------------------------------------------------------------

async def render(bot: Harness, reminder_id: int) -> tuple[str, list[tuple[str, str]]]:
    staff = await bot.storage.staff.get(RM.id)
    reminder = await bot.storage.reminders.get(RM.id, reminder_id)
    assert staff is not None and reminder is not None
    with active("vi", staff.timezone):
        buttons.set_owner(staff.id)
        push = await render_push(bot.storage, staff, reminder, bot.clock.now())
    await bot.app.bot.send_message(RM.id, push.text, reply_markup=push.markup)
    call = bot.last_for(RM)
    return call.text, call.buttons


async def birthday_reminder(bot: Harness, customer: Customer) -> int:
    reminder_id = await bot.storage.reminders.create(
        staff_id=RM.id, customer_id=customer.id, kind="birthday", text="2026-11-24",
        due_at=bot.clock.now(), now=bot.clock.now())
    assert reminder_id is not None
    return reminder_id


async def test_a_birthday_greeting_is_sent_as_the_rm_once(bot: Harness, rm: Person) -> None:
    await connect(bot)
    minh = await customer_on_telegram(bot, language="zh_Hans")
    reminder_id = await birthday_reminder(bot, minh)
    text, labels = await render(bot, reminder_id)
    assert vi("📨 Send it as you on Telegram") not in [label for label, _ in labels]
    assert "24" in text  # not open: Telegram allows it only after the customer wrote
    await chat(bot, MINH, "Em ơi mai chị qua", minutes=-60)
    text, labels = await render(bot, reminder_id)
    call = bot.last_for(RM)
    calls = await bot.press(RM, vi("📨 Send it as you on Telegram"), call)
    [sent] = [c for c in calls if c.params.get("business_connection_id") == CONNECTION]
    assert sent.chat_id == MINH.id
    with active("zh_Hans", "Asia/Ho_Chi_Minh"):
        assert sent.params["text"] == _("Happy birthday! Wishing you good health, happiness "
                                        "and success.")
    again = await bot.press(RM, vi("📨 Send it as you on Telegram"), call)
    assert [c for c in again if c.params.get("business_connection_id")] == []
    assert [c.params.get("text") for c in again if c.method == "answerCallbackQuery"] \
        == [vi("Already handled.")]  # the same button on the same message: claimed once
    assert "business.care_sent" in await bot.storage.audit.actions_for("customer", minh.id)


async def test_no_send_button_without_the_right_to_reply(bot: Harness, rm: Person) -> None:
    await connect(bot, can_reply=False)
    minh = await customer_on_telegram(bot)
    await chat(bot, MINH, "Chào em", minutes=-5)
    _text, labels = await render(bot, await birthday_reminder(bot, minh))
    assert not any("📨" in label for label, _data in labels)


async def test_holiday_greetings_offer_each_open_chat(bot: Harness, rm: Person) -> None:
    await connect(bot)
    await customer_on_telegram(bot)
    await chat(bot, MINH, "Chúc em năm mới", minutes=-30)
    reminder_id = await bot.storage.reminders.create(
        staff_id=RM.id, customer_id=None, kind="holiday", text="lunar_new_year|2027-02-06",
        due_at=bot.clock.now(), now=bot.clock.now())
    assert reminder_id is not None
    _text, labels = await render(bot, reminder_id)
    assert "📨 Trần Văn Minh" in [label for label, _data in labels]
    calls = await bot.press(RM, "📨 Trần Văn Minh")
    [sent] = [c for c in calls if c.params.get("business_connection_id")]
    assert "Tết" in sent.params["text"] or "năm mới" in sent.params["text"].lower()


async def test_the_dispatcher_renders_care_reminders_with_the_button(
        bot: Harness, rm: Person) -> None:
    await connect(bot)
    minh = await customer_on_telegram(bot)
    await chat(bot, MINH, "Chào em", minutes=-5)
    await birthday_reminder(bot, minh)
    dispatcher = Dispatcher(bot.app.bot, bot.storage, bot.clock, "vi", per_chat_interval=0)
    assert await dispatcher.drain() == 1
    assert vi("📨 Send it as you on Telegram") in [label for label, _ in bot.last_for(RM).buttons]


# -- erasure --------------------------------------------------------------------------------------

async def test_erasing_a_customer_forgets_their_chat_and_texts(bot: Harness, rm: Person) -> None:
    await connect(bot)
    await bot.storage.staff.set_keep_business_texts(RM.id, True)
    minh = await customer_on_telegram(bot)
    await chat(bot, MINH, "Số tài khoản của anh là 0123456789")
    assert await bot.storage.customers.erase(RM.id, minh.id, bot.clock.now())
    # The messages' ids name the chat: gone with the kept line.
    assert await bot.storage.db.fetch_all("SELECT line FROM business_messages") == []
    assert await bot.storage.business.chat(RM.id, MINH.id) is None
    details = [json.loads(row["detail"]) for row in await bot.storage.db.fetch_all(
        "SELECT detail FROM interactions")]
    assert details == [{}]


# -- the real process ---------------------------------------------------------------------------

@pytest.mark.process
def test_business_updates_through_the_real_bot_process(tmp_path: Path) -> None:
    """Business updates as Telegram sends them, to the real ``python bot.py``: a connection
    told to the RM, a customer's chat logged without a word in it, a command the RM types to
    a customer ignored, a number shared that links a file, a newcomer offered and added, and
    a birthday greeting sent as the RM from its reminder (sendMessage with
    business_connection_id), once."""
    rm, minh, hoa, newcomer = 100, 5001, 5003, 5002
    store = Store(tmp_path / "rapport.db", tmp_path)
    run_sync(lambda: _seed(store, rm, minh))
    with BotApiEmulator(token=TOKEN) as emu:
        bot = store.start(emu, "bot.log")
        try:
            connection = emu.push_business_connection(rm, can_reply=True, first_name="Lan")
            emu.wait_for(to_chat(rm, "Rapport is connected"), timeout=30)
            emu.push_business_message(connection, minh, minh, "Chào em, lãi suất bao nhiêu?",
                                      first_name="Minh")
            emu.push_business_message(connection, rm, minh, "/help", first_name="Lan")
            emu.push_business_message(
                connection, hoa, hoa, None, first_name="Hoa",
                contact={"phone_number": "+84903456789", "first_name": "Hoa", "user_id": hoa})
            emu.wait_for(to_chat(rm, "shared their number"))
            emu.push_business_message(connection, newcomer, newcomer, "Chào chị",
                                      first_name="Tuấn")
            offer = emu.wait_for(to_chat(rm, "is not in your customers"))
            emu.push_callback(rm, first_button(offer, "Add as a prospect"),
                              emu.last_sent_message(rm))
            emu.wait_for(to_chat(rm, "is now a prospect"))
            store.execute_many(
                "INSERT INTO reminders (staff_id, customer_id, kind, text, due_at, urgent,"
                " created_at) VALUES (?, (SELECT id FROM customers WHERE telegram_id = ?),"
                " 'birthday', '2026-12-24', ?, 1, ?)",
                [(rm, minh, to_db_time(datetime.now(UTC)), to_db_time(datetime.now(UTC)))])
            reminder = emu.wait_for(to_chat(rm, "Birthday"), timeout=30)
            for _press in range(2):
                emu.push_callback(rm, first_button(reminder, "Send it as you"),
                                  emu.last_sent_message(rm))
            sent = emu.wait_for(lambda c: c.method == "sendMessage" and c.status == 200
                                and c.params.get("business_connection_id") == connection)
            emu.wait_for(to_chat(rm, "Sent to"))
            time.sleep(2)  # the second press is answered too, with nothing sent
        finally:
            status = bot.stop()
    output = bot.output()
    assert status == 0, output
    assert "Traceback" not in output, output
    assert str(sent.params["chat_id"]) == str(minh)
    sends = [c for c in emu.calls("sendMessage") if str(c.params.get("chat_id")) != str(rm)]
    assert sends == [sent]  # nothing else was ever written anywhere but the RM's own chat
    contacts = store.rows(
        "SELECT c.telegram_id, COUNT(*) FROM interactions i JOIN customers c"
        " ON c.id = i.customer_id WHERE i.kind = 'message' GROUP BY c.telegram_id"
        " ORDER BY c.telegram_id")
    assert contacts == [(minh, 1), (newcomer, 1), (hoa, 1)]
    assert store.rows("SELECT text FROM interactions WHERE kind = 'message'") == [("",)] * 3
    assert store.rows("SELECT status FROM business_sends") == [("sent",)]


async def _seed(store: Store, rm: int, minh: int) -> None:
    storage = await open_storage(store.location)
    try:
        now = datetime.now(UTC)
        # UTC, a market with no holidays, no quiet hours, the agenda far off: only what the
        # test does is pushed.
        await storage.db.execute(
            "INSERT INTO staff (id, name, role, language, timezone, region, created_at,"
            " agenda_time, quiet_start, quiet_end) VALUES (?, 'Lan', 'rm', 'en', 'UTC', 'XX',"
            " ?, ?, '00:00', '00:00')",
            (rm, to_db_time(now), (now + timedelta(hours=8)).strftime("%H:%M")))
        await storage.customers.create(owner_id=rm, name="Trần Văn Minh", phone=None,
                                       region="VN", now=now, telegram_id=minh, language="vi")
        await storage.customers.create(owner_id=rm, name="Lê Thị Hoa", phone="+84903456789",
                                       region="VN", now=now)
    finally:
        await storage.close()
