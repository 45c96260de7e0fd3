"""Reminders: dispatch through the fake Bot API, done and snooze, agenda, care rules."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core import buttons
from core.i18n import _, active
from playground.fake_updates import Person
from scheduler.agenda import queue_agendas
from scheduler.care import apply_care_rules
from scheduler.dispatcher import Dispatcher
from storage.customers import Customer
from storage.db import to_db_time
from tests.harness import Harness, only_message, shown, tr

RM = Person(2001, "Lan", "Nguyễn", language_code="vi")


def dispatcher(bot: Harness) -> Dispatcher:
    return Dispatcher(bot.app.bot, bot.storage, bot.clock, "vi", per_chat_interval=0)


async def new_customer(bot: Harness, name: str = "Nguyễn Văn An", **extra: Any) -> Customer:
    return await bot.storage.customers.create(owner_id=RM.id, name=name, phone=None,
                                              region="VN", now=bot.clock.now(), **extra)


async def due_reminder(bot: Harness, customer: Customer | None, *, minutes: int = 0,
                       kind: str = "followup", text: str = "gọi lại", urgent: bool = True) -> int:
    reminder_id = await bot.storage.reminders.create(
        staff_id=RM.id, customer_id=customer.id if customer else None, kind=kind, text=text,
        due_at=bot.clock.now() + timedelta(minutes=minutes), now=bot.clock.now(), urgent=urgent)
    assert reminder_id is not None
    return reminder_id


async def status(bot: Harness, reminder_id: int) -> str:
    reminder = await bot.storage.reminders.get(RM.id, reminder_id)
    assert reminder is not None
    return reminder.status


@pytest.fixture
async def rm(bot: Harness) -> Person:
    await bot.register(RM, language="vi")
    return RM


async def test_due_reminder_is_sent_once_with_buttons(bot: Harness, rm: Person) -> None:
    customer = await new_customer(bot)
    reminder_id = await due_reminder(bot, customer)
    assert await dispatcher(bot).drain() == 1
    message = bot.last_for(rm)
    assert "Nguyễn Văn An" in message.text and "gọi lại" in message.text
    with active("vi", "Asia/Ho_Chi_Minh"):
        assert _("✅ Done") in [label for label, _data in message.buttons]
    assert await status(bot, reminder_id) == "sent"
    assert await dispatcher(bot).drain() == 0
    assert len(bot.api.of("sendMessage")) == 1


async def test_future_reminder_waits(bot: Harness, rm: Person) -> None:
    reminder_id = await due_reminder(bot, await new_customer(bot), minutes=30)
    assert await dispatcher(bot).drain() == 0
    bot.clock.advance(minutes=30)
    assert await dispatcher(bot).drain() == 1
    assert await status(bot, reminder_id) == "sent"


async def test_429_is_retried_after_retry_after(bot: Harness, rm: Person) -> None:
    reminder_id = await due_reminder(bot, await new_customer(bot))
    bot.api.fail_next("sendMessage", 429, retry_after=5)
    worker = dispatcher(bot)
    assert await worker.drain() == 0
    assert await status(bot, reminder_id) == "sending"
    assert await worker.drain() == 0  # the claim holds until retry_after has passed
    bot.clock.advance(seconds=6)
    assert await worker.drain() == 1
    assert await status(bot, reminder_id) == "sent"


@pytest.mark.parametrize("failure", ["500", "timeout"])
async def test_server_errors_back_off_and_deliver(bot: Harness, rm: Person, failure: str) -> None:
    reminder_id = await due_reminder(bot, await new_customer(bot))
    if failure == "500":
        bot.api.fail_next("sendMessage", 500, count=2)
    else:
        bot.api.time_out_next("sendMessage", count=2)
    worker = dispatcher(bot)
    assert await worker.drain() == 0
    bot.clock.advance(seconds=3)
    assert await worker.drain() == 0
    bot.clock.advance(seconds=10)
    assert await worker.drain() == 1
    assert await status(bot, reminder_id) == "sent"


async def test_blocked_rm_is_paused_not_retried_in_a_loop(bot: Harness, rm: Person) -> None:
    reminder_id = await due_reminder(bot, await new_customer(bot))
    bot.api.fail_next("sendMessage", 403)
    worker = dispatcher(bot)
    await worker.drain()
    staff = await bot.storage.staff.get(rm.id)
    assert staff is not None and not staff.reachable
    for _step in range(5):
        bot.clock.advance(minutes=10)
        assert await worker.drain() == 0
    assert len(bot.api.of("sendMessage")) == 1
    # They unblock the bot and write to it: the reminder arrives (late).
    await bot.send(rm, "/help")
    assert await worker.drain() == 1
    assert await status(bot, reminder_id) == "sent"


async def test_late_reminders_are_folded_into_one_message(bot: Harness, rm: Person) -> None:
    ids = [await due_reminder(bot, await new_customer(bot, f"Khách {n}"), minutes=-60 - n)
           for n in range(3)]
    assert await dispatcher(bot).drain() == 1
    digest = bot.last_for(rm)
    assert all(f"Khách {n}" in digest.text for n in range(3))
    for reminder_id in ids:
        assert await status(bot, reminder_id) == "sent"
    rows = await bot.storage.db.fetch_all("SELECT late FROM reminders")
    assert all(row["late"] == 1 for row in rows)


async def test_one_rms_storm_does_not_delay_another_rm(bot: Harness, rm: Person) -> None:
    """1,000 reminders fall due for one RM, then one for another: RMs are served in turn
    (each one's oldest ten first: a late digest's worth), so the other RM's reminder is among
    the first messages sent, not #1001 (measured before: 8 minutes late, message #279 under
    Telegram's limits)."""
    other = Person(2002, "Minh", "Trần", language_code="vi")
    await bot.register(other, language="vi")
    now = bot.clock.now()
    await bot.storage.db.execute_many(
        "INSERT INTO reminders (staff_id, kind, text, due_at, urgent, created_at)"
        " VALUES (?, 'followup', ?, ?, 1, ?)",
        [(rm.id, f"storm {n}", to_db_time(now - timedelta(seconds=60)), to_db_time(now))
         for n in range(1000)])
    await bot.storage.reminders.create(staff_id=other.id, customer_id=None, kind="followup",
                                       text="the only one", due_at=now, now=now)
    first = await bot.storage.reminders.claim_due(now, "w", now + timedelta(seconds=30), 11)
    assert other.id in [reminder.staff_id for reminder in first]
    assert [r.text for r in first if r.staff_id == rm.id] == [f"storm {n}" for n in range(10)]
    bot.clock.advance(seconds=31)  # those leases run out; the dispatcher takes them over
    unpaced = Dispatcher(bot.app.bot, bot.storage, bot.clock, "vi", per_chat_interval=0,
                         max_rate=0)
    assert await unpaced.drain() == 1001
    order = [int(call.params["chat_id"]) for call in bot.api.of("sendMessage")]
    assert len(order) == 1001 and order.index(other.id) < 5, order.index(other.id)


async def test_expired_lease_of_a_dead_process_is_taken_over(bot: Harness, rm: Person) -> None:
    reminder_id = await due_reminder(bot, await new_customer(bot))
    now = bot.clock.now()
    claimed = await bot.storage.reminders.claim_due(now, "dead:1", now + timedelta(seconds=90),
                                                    10)
    assert [r.id for r in claimed] == [reminder_id]
    worker = dispatcher(bot)
    assert await worker.drain() == 0  # still leased to the dead process
    bot.clock.advance(seconds=91)
    assert await worker.drain() == 1
    assert len(bot.api.of("sendMessage")) == 1


async def test_a_send_telegram_accepted_is_written_down_once_the_database_is_back(
        bot: Harness, rm: Person, monkeypatch: pytest.MonkeyPatch) -> None:
    """The database drops the connection just as Telegram accepts a reminder (what the
    PostgreSQL restart drill catches now and then): the dispatcher keeps trying to record
    it, instead of leaving the row to be sent again when its lease runs out."""
    reminder_id = await due_reminder(bot, None)
    record = bot.storage.reminders.mark_sent
    failures = [ConnectionResetError("connection reset by peer")] * 2

    async def flaky(*args: Any, **kwargs: Any) -> None:
        if failures:
            raise failures.pop()
        await record(*args, **kwargs)

    monkeypatch.setattr(bot.storage.reminders, "mark_sent", flaky)
    assert await dispatcher(bot).drain() == 1
    assert not failures
    assert len(bot.api.of("sendMessage")) == 1
    assert await status(bot, reminder_id) == "sent"


async def test_quiet_hours_defer_care_but_not_what_the_rm_set(bot: Harness, rm: Person) -> None:
    bot.clock.set(datetime(2026, 11, 23, 15, 30, tzinfo=UTC))  # 22:30 in Ho Chi Minh City
    customer = await new_customer(bot)
    care = await due_reminder(bot, customer, kind="touch", text="", urgent=False)
    mine = await due_reminder(bot, customer)
    assert await dispatcher(bot).drain() == 1
    assert await status(bot, mine) == "sent"
    assert await status(bot, care) == "pending"
    reminder = await bot.storage.reminders.get(rm.id, care)
    assert reminder is not None
    assert reminder.due_at == datetime(2026, 11, 24, 0, 30, tzinfo=UTC)  # 07:30 local
    bot.clock.set(datetime(2026, 11, 24, 0, 31, tzinfo=UTC))
    assert await dispatcher(bot).drain() == 1
    assert await status(bot, care) == "sent"


async def test_done_works_once_from_a_stale_message(bot: Harness, rm: Person) -> None:
    customer = await new_customer(bot)
    reminder_id = await due_reminder(bot, customer)
    await dispatcher(bot).drain()
    message = bot.last_for(rm)
    with active("vi", "Asia/Ho_Chi_Minh"):
        done, already = _("✅ Done"), _("Already handled.")
        outcome_prompt = _("✅ Done. How did it go? Tap the outcome or type a short note for "
                           "{name}'s file; or set the next follow-up.").format(
            name="Nguyễn Văn An")
    calls = await bot.press(rm, done, message)
    assert await status(bot, reminder_id) == "done"
    assert any(c.method == "sendMessage" and c.text == outcome_prompt for c in calls)
    await bot.send(rm, "Khách đồng ý gặp tuần sau")
    history, _total = await bot.storage.interactions.history(rm.id, customer.id, offset=0,
                                                            limit=5)
    assert history[0].text == "Khách đồng ý gặp tuần sau"
    calls = await bot.press(rm, done, message)
    answers = [c for c in calls if c.method == "answerCallbackQuery"]
    assert answers and answers[-1].params.get("text") == already


async def test_snooze_works_once_and_comes_back(bot: Harness, rm: Person) -> None:
    reminder_id = await due_reminder(bot, await new_customer(bot))
    worker = dispatcher(bot)
    await worker.drain()
    message = bot.last_for(rm)
    with active("vi", "Asia/Ho_Chi_Minh"):
        in_an_hour, already = _("In 1 hour"), _("Already handled.")
    await bot.press(rm, in_an_hour, message)
    assert await status(bot, reminder_id) == "pending"
    calls = await bot.press(rm, in_an_hour, message)
    assert [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"] == [already]
    bot.clock.advance(minutes=61)
    assert await worker.drain() == 1
    assert await status(bot, reminder_id) == "sent"


async def test_snooze_to_a_typed_time(bot: Harness, rm: Person) -> None:
    reminder_id = await due_reminder(bot, await new_customer(bot))
    await dispatcher(bot).drain()
    with active("vi", "Asia/Ho_Chi_Minh"):
        other = _("Another time…")
    await bot.press(rm, other)
    await bot.send(rm, "thứ 6 tuần sau 14h30")
    reminder = await bot.storage.reminders.get(rm.id, reminder_id)
    assert reminder is not None and reminder.status == "pending"
    assert reminder.due_at == datetime(2026, 12, 4, 7, 30, tzinfo=UTC)
    assert "04" in bot.last_for(rm).text or "4" in bot.last_for(rm).text


async def test_agenda_is_queued_once_at_the_rms_time_and_lists_the_day(
    bot: Harness, rm: Person
) -> None:
    customer = await new_customer(bot)
    await due_reminder(bot, customer, minutes=4 * 60, text="ký hợp đồng")
    bot.clock.set(datetime(2026, 11, 23, 1, 0, tzinfo=UTC))  # 08:00 local
    assert await queue_agendas(bot.storage, bot.clock.now()) == 1
    assert await queue_agendas(bot.storage, bot.clock.now()) == 0
    assert await dispatcher(bot).drain() == 1
    agenda = bot.last_for(rm)
    with active("vi", "Asia/Ho_Chi_Minh"):
        assert _("Your day") in agenda.text
    assert "ký hợp đồng" in agenda.text and "Nguyễn Văn An" in agenda.text


@pytest.mark.parametrize(("code", "language"), [
    ("en", "en"), ("zh-hk", "zh_Hant_HK"), ("zh-tw", "zh_Hant_TW"), ("zh-hans", "zh_Hans")])
async def test_pushes_speak_what_replies_speak(bot: Harness, code: str, language: str) -> None:
    """Someone who never chose a language gets pushes in their Telegram app's language (the
    installation's default is Vietnamese), and follows it when they change it."""
    person = Person(2009, "Mei", language_code=code)
    await bot.register(person)
    staff = await bot.storage.staff.get(person.id)
    assert staff is not None and staff.language is None and staff.telegram_language == code
    await bot.storage.reminders.create(
        staff_id=person.id, customer_id=None, kind="followup", text="x",
        due_at=bot.clock.now(), now=bot.clock.now(), urgent=True)
    assert await dispatcher(bot).drain() == 1
    with active(language, "Asia/Ho_Chi_Minh"):
        assert _("Follow-up") in bot.last_for(person).text
        reply = (await bot.send(person, "/today"))[-1].text
        assert _("Your day") in reply
    moved = Person(2009, "Mei", language_code="vi")
    await bot.send(moved, "/today")
    staff = await bot.storage.staff.get(person.id)
    assert staff is not None and staff.telegram_language == "vi"


async def test_today_week_and_overdue_commands(bot: Harness, rm: Person) -> None:
    customer = await new_customer(bot)
    await due_reminder(bot, customer, minutes=-120, text="quá hạn")
    await due_reminder(bot, customer, minutes=180, text="hôm nay")
    await due_reminder(bot, customer, minutes=3 * 24 * 60, text="tuần này")
    today = (await bot.send(rm, "/today"))[-1].text
    assert "hôm nay" in today and "quá hạn" in today and "tuần này" not in today
    week = (await bot.send(rm, "/week"))[-1].text
    assert "tuần này" in week and "hôm nay" in week
    overdue = (await bot.send(rm, "/overdue"))[-1].text
    assert "quá hạn" in overdue and "hôm nay" not in overdue


async def test_agenda_and_quiet_settings(bot: Harness, rm: Person) -> None:
    await bot.send(rm, "/agenda 7h30")
    await bot.send(rm, "/quiet 22:00 06:00")
    staff = await bot.storage.staff.get(rm.id)
    assert staff is not None
    assert (staff.agenda_time, staff.quiet_start, staff.quiet_end) == ("07:30", "22:00", "06:00")
    calls = await bot.send(rm, "/agenda")
    with active("vi", "Asia/Ho_Chi_Minh"):
        expected = _("Your daily agenda arrives at {time}. To change it, write for example "
                     "/agenda 07:30.").format(time="07:30")
    assert calls[-1].text == expected


SETTING_RMS = {  # language: Telegram's code, zone, region; each market's way of writing times
    "vi": ("vi", "Asia/Ho_Chi_Minh", "VN", "7h15", "22h đến 6h30"),
    "zh_Hans": ("zh-hans", "Asia/Shanghai", "CN", "早上7点15分", "晚上10点到早上6点半"),
    "zh_Hant_TW": ("zh-tw", "Asia/Taipei", "TW", "早上7點15分", "晚上10點 早上6點半"),
    "zh_Hant_HK": ("zh-hk", "Asia/Hong_Kong", "HK", "朝早7點15分", "22:00-06:30"),
    "en": ("en", "Asia/Singapore", "VN", "7:15am", "10pm 6:30am"),
}
AGENDA_NOT_UNDERSTOOD = ("I did not understand “{text}” as a time of day, so your agenda still "
                         "arrives at {time}. Write for example /agenda 07:30.")
QUIET_NOT_UNDERSTOOD = ("I did not understand “{text}” as quiet hours, so they stay "
                        "{start}–{end}. Write when they start and when they end, for example "
                        "/quiet 21:00 07:30.")


async def setting_rm(bot: Harness, language: str) -> Person:
    code, zone, region, *_forms = SETTING_RMS[language]
    person = Person(2401, "Lan", "Nguyễn", username="rm2401", language_code=code)
    await bot.register(person, language=language)
    await bot.storage.staff.set_timezone(person.id, zone, region)
    return person


async def schedule_of(bot: Harness, person: Person) -> tuple[str, str, str]:
    staff = await bot.storage.staff.get(person.id)
    assert staff is not None
    return staff.agenda_time, staff.quiet_start, staff.quiet_end


@pytest.mark.parametrize("language", list(SETTING_RMS))
async def test_settings_take_each_markets_way_of_writing_times(bot: Harness,
                                                               language: str) -> None:
    person = await setting_rm(bot, language)
    _code, zone, _region, agenda, quiet = SETTING_RMS[language]
    agenda_answer = shown(await bot.send(person, f"/agenda {agenda}"))[-1].text
    quiet_answer = shown(await bot.send(person, f"/quiet {quiet}"))[-1].text
    assert await schedule_of(bot, person) == ("07:15", "22:00", "06:30")
    with active(language, zone):
        assert agenda_answer == _("Done: your daily agenda will arrive at {time}.").format(
            time="07:15")
        assert quiet_answer == _("Done: quiet hours are now {start}–{end}.").format(
            start="22:00", end="06:30")


@pytest.mark.parametrize("language", list(SETTING_RMS))
@pytest.mark.parametrize("typed", ["/quiet 25:00 7", "/quiet 22h", "/agenda 25h",
                                   "/agenda mai 9h", "/quiet 22:00 06:00 08:00", "/agenda 晚上"])
async def test_settings_input_not_understood_is_said_with_an_example_that_works(
        bot: Harness, language: str, typed: str) -> None:
    person = await setting_rm(bot, language)
    zone = SETTING_RMS[language][1]
    await bot.storage.set_schedule(person.id, bot.clock.now(), agenda_time="06:00",
                                   quiet_start="23:00", quiet_end="05:00")
    before = await schedule_of(bot, person)
    command, _space, argument = typed.partition(" ")
    answer = only_message(await bot.send(person, typed)).text
    assert await schedule_of(bot, person) == before
    with active(language, zone):
        if command == "/agenda":
            expected = _(AGENDA_NOT_UNDERSTOOD).format(text=argument, time=before[0])
        else:
            expected = _(QUIET_NOT_UNDERSTOOD).format(text=argument, start=before[1],
                                                      end=before[2])
    assert answer == expected
    if language != "en":
        assert tr(language, AGENDA_NOT_UNDERSTOOD) != AGENDA_NOT_UNDERSTOOD
        assert tr(language, QUIET_NOT_UNDERSTOOD) != QUIET_NOT_UNDERSTOOD
    # The example the answer gives, in that language, is understood.
    example = answer[answer.rindex(command):].rstrip("。.")
    done = only_message(await bot.send(person, example)).text
    assert await schedule_of(bot, person) != before, (example, done)


async def test_stay_in_touch_restarts_after_a_contact(bot: Harness, rm: Person) -> None:
    customer = await new_customer(bot, grade="A")
    await apply_care_rules(bot.storage, bot.clock.now())
    first = await bot.storage.db.fetch_one(
        "SELECT id, due_at, status FROM reminders WHERE kind = 'touch'")
    assert first is not None and first["due_at"].startswith("2026-12-07T02:00")
    bot.clock.advance(days=5)
    await bot.storage.interactions.add(customer_id=customer.id, staff_id=rm.id, kind="call",
                                       happened_at=bot.clock.now(), now=bot.clock.now())
    await apply_care_rules(bot.storage, bot.clock.now())
    rows = await bot.storage.db.fetch_all(
        "SELECT due_at, status FROM reminders WHERE kind = 'touch' ORDER BY id")
    assert [row["status"] for row in rows] == ["cancelled", "pending"]
    assert rows[1]["due_at"].startswith("2026-12-12T02:00")
    await apply_care_rules(bot.storage, bot.clock.now())
    assert await bot.storage.db.fetch_value(
        "SELECT COUNT(*) FROM reminders WHERE kind = 'touch'") == 2


async def test_won_deal_gets_three_care_reminders(bot: Harness, rm: Person) -> None:
    customer = await new_customer(bot)
    now = bot.clock.now()
    await bot.storage.interactions.add(customer_id=customer.id, staff_id=rm.id, kind="stage",
                                       happened_at=now, now=now,
                                       detail={"from": "follow", "to": "won"})
    await apply_care_rules(bot.storage, now)
    await apply_care_rules(bot.storage, now)
    rows = await bot.storage.db.fetch_all(
        "SELECT due_at FROM reminders WHERE kind = 'care' ORDER BY due_at")
    assert [row["due_at"][:10] for row in rows] == ["2026-11-26", "2026-12-23", "2027-02-21"]


async def test_lunar_birthday_in_vietnam_and_china(bot: Harness, rm: Person) -> None:
    # Lunar 1/1 2027 is Tết: 6 February 2027 in both calendars; a week before, it is queued.
    bot.clock.set(datetime(2027, 2, 1, 3, 0, tzinfo=UTC))
    vi = await new_customer(bot, "Bà Tư", birthday="--01-01", birthday_lunar=1, language="vi")
    zh = await new_customer(bot, "陈太", birthday="--01-01", birthday_lunar=1, language="zh_Hans")
    await apply_care_rules(bot.storage, bot.clock.now())
    rows = await bot.storage.db.fetch_all(
        "SELECT customer_id, due_at, text FROM reminders WHERE kind = 'birthday'")
    found = {row["customer_id"]: row["text"] for row in rows}
    assert found == {vi.id: "2027-02-06", zh.id: "2027-02-06"}
    bot.clock.set(datetime(2027, 2, 6, 2, 0, tzinfo=UTC))
    await dispatcher(bot).drain()
    texts = " ".join(bot.api.texts(rm.id))
    with active("zh_Hans", "Asia/Shanghai"):
        assert _("Happy birthday! Wishing you good health, happiness and success.") in texts


async def test_holiday_greeting_before_tet(bot: Harness, rm: Person) -> None:
    bot.clock.set(datetime(2027, 2, 4, 3, 0, tzinfo=UTC))
    await new_customer(bot, "Bà Tư", language="vi")
    await apply_care_rules(bot.storage, bot.clock.now())
    row = await bot.storage.db.fetch_one("SELECT text FROM reminders WHERE kind = 'holiday'")
    assert row is not None and row["text"] == "lunar_new_year|2027-02-06"
    await dispatcher(bot).drain()
    with active("vi", "Asia/Ho_Chi_Minh"):
        greeting = _("Happy Lunar New Year! Wishing you and your family health, peace and "
                     "prosperity in the new year.")
    assert greeting in bot.last_for(rm).text


async def test_maturity_reminders_seven_and_one_day_before(bot: Harness, rm: Person) -> None:
    customer = await new_customer(bot)
    await bot.storage.holdings.add(customer_id=customer.id, kind="deposit",
                                   product="Tiền gửi 12 tháng", maturity_date="2026-12-01",
                                   now=bot.clock.now())
    await apply_care_rules(bot.storage, bot.clock.now())
    rows = await bot.storage.db.fetch_all(
        "SELECT due_at FROM reminders WHERE kind = 'maturity' ORDER BY due_at")
    assert [row["due_at"][:10] for row in rows] == ["2026-11-24", "2026-11-30"]


async def test_complaint_is_followed_up_until_resolved(bot: Harness, rm: Person) -> None:
    customer = await new_customer(bot)
    now = bot.clock.now()
    note = await bot.storage.interactions.add(customer_id=customer.id, staff_id=rm.id,
                                              kind="complaint", happened_at=now, now=now,
                                              text="Phí chuyển tiền bị trừ 2 lần")
    complaint = await bot.storage.complaints.open(
        customer_id=customer.id, owner_id=rm.id, interaction_id=note, opened_at=now,
        due_at=datetime(2026, 11, 26, 3, 0, tzinfo=UTC))
    await apply_care_rules(bot.storage, bot.clock.now())
    await apply_care_rules(bot.storage, bot.clock.now())
    rows = await bot.storage.db.fetch_all("SELECT id, due_at FROM reminders WHERE kind = "
                                          "'complaint'")
    # The next working day: Tuesday 24 November is a holiday in Vietnam.
    assert [row["due_at"][:16] for row in rows] == ["2026-11-25T02:00"]
    # Delivered but not resolved: again on the due day, and every working day after it.
    bot.clock.set(datetime(2026, 11, 25, 2, 1, tzinfo=UTC))
    await dispatcher(bot).drain()
    bot.clock.set(datetime(2026, 11, 25, 17, 30, tzinfo=UTC))  # Thursday 00:30 local
    await apply_care_rules(bot.storage, bot.clock.now())
    due = await bot.storage.db.fetch_all(
        "SELECT due_at FROM reminders WHERE kind = 'complaint' AND status = 'pending'")
    assert [row["due_at"][:10] for row in due] == ["2026-11-26"]
    # Resolved: no more follow-ups.
    assert await bot.storage.complaints.resolve(rm.id, complaint, bot.clock.now(), "Đã hoàn phí",
                                             first_contact=False)
    bot.clock.advance(days=10)
    await apply_care_rules(bot.storage, bot.clock.now())
    assert await bot.storage.db.fetch_value(
        "SELECT COUNT(*) FROM reminders WHERE kind = 'complaint' AND status = 'pending'") == 0


async def test_stopping_cancels_a_long_sweep_and_its_rows_are_taken_over(
        bot: Harness, rm: Person) -> None:
    for number in range(40):
        await due_reminder(bot, None, text=f"gọi lại #{number:02d}#")
    # One message a second to the RM: the sweep would take 40 s.
    slow = Dispatcher(bot.app.bot, bot.storage, bot.clock, "vi", per_chat_interval=1.0)
    slow.kick()
    await asyncio.sleep(0.3)
    await asyncio.wait_for(slow.stop(grace=0.2), 5)
    slow.kick()  # a stopped dispatcher claims nothing more
    sent_before = len(shown(bot.api.calls))
    assert 1 <= sent_before < 40
    await asyncio.sleep(0.1)
    assert len(shown(bot.api.calls)) == sent_before
    # Once the leases run out, another process sends the rest, each once.
    bot.clock.advance(seconds=31)
    assert await dispatcher(bot).drain() >= 1
    texts = [call.text for call in shown(bot.api.calls)]
    for number in range(40):
        assert sum(f"#{number:02d}#" in (text or "") for text in texts) == 1, number


# -- a birthday today: reminded at once, not at the next care tick -------------------------------

BIRTHDAY_RMS = {  # language: (Telegram's code, zone, region, today's date as typed, 1985)
    "vi": ("vi", "Asia/Ho_Chi_Minh", "VN", "23/11/1985"),
    "zh_Hans": ("zh-hans", "Asia/Shanghai", "CN", "1985年11月23日"),
    "zh_Hant_TW": ("zh-tw", "Asia/Taipei", "TW", "民國74年11月23日"),
}


async def birthday_rm(bot: Harness, language: str) -> Person:
    code, zone, region, _typed = BIRTHDAY_RMS[language]
    person = Person(2301, "Lan", "Nguyễn", username="rm2301", language_code=code)
    await bot.register(person, language=language)
    await bot.storage.staff.set_timezone(person.id, zone, region)
    return person


def button(call: Any, action: str, *args: object) -> str:
    wanted = [action, *(str(arg) for arg in args)]
    for _label, data in call.buttons:
        if data.rsplit("|", 1)[0].split(":")[: len(wanted)] == wanted:
            return str(data)
    raise AssertionError(f"no button {wanted} in {call.buttons}")


async def type_birthday(bot: Harness, person: Person, customer: Customer, typed: str) -> None:
    calls = await bot.press_data(person, buttons.pack("c", customer.id, owner=person.id))
    card = shown(calls)[-1]
    menu = shown(await bot.press_data(person, button(card, "ce", customer.id), card))[-1]
    await bot.press_data(person, button(menu, "cef", customer.id, "birthday"), menu)
    await bot.send(person, typed)


async def birthday_rows(bot: Harness) -> list[tuple[int, str, str]]:
    rows = await bot.storage.db.fetch_all(
        "SELECT customer_id, text, status FROM reminders WHERE kind = 'birthday' ORDER BY id")
    return [(row["customer_id"], row["text"], row["status"]) for row in rows]


@pytest.mark.parametrize("language", list(BIRTHDAY_RMS))
async def test_a_birthday_set_on_its_day_is_in_today_at_once(bot: Harness,
                                                             language: str) -> None:
    person = await birthday_rm(bot, language)
    customer = await bot.storage.customers.create(owner_id=person.id, name="Lê Thị Hồng",
                                                  phone=None, region="VN", now=bot.clock.now())
    await type_birthday(bot, person, customer, BIRTHDAY_RMS[language][3])
    # No care tick has run: the reminder is there already, in today's agenda.
    assert await birthday_rows(bot) == [(customer.id, "2026-11-23", "pending")]
    today = shown(await bot.send(person, "/today"))[-1].text
    zone = BIRTHDAY_RMS[language][1]
    with active(language, zone):
        assert "🎂" in today and "Lê Thị Hồng" in today
        assert _("Nothing planned today. A good day to call a prospect!") not in today
    # The care tick and the dispatcher: the same reminder, delivered once.
    assert await apply_care_rules(bot.storage, bot.clock.now()) >= 0
    assert len(await birthday_rows(bot)) == 1
    await Dispatcher(bot.app.bot, bot.storage, bot.clock, "vi", per_chat_interval=0).drain()
    with active(language, zone):
        greeting = _("Happy birthday! Wishing you good health, happiness and success.")
    assert sum(greeting in text for text in bot.api.texts(person.id)) == 1


async def test_a_customer_imported_on_their_birthday_is_reminded_today(bot: Harness) -> None:
    person = await birthday_rm(bot, "zh_Hans")
    bot.api.files["doc-bd"] = "name,phone,birthday\n王伟,13800138000,1985/11/23\n".encode()
    await bot.send(person, "/import")
    await bot.send_update(bot.make.message(person, document={
        "file_id": "doc-bd", "file_unique_id": "doc-bd", "file_name": "customers.csv"}))
    await bot.press_data(person, button(bot.last_for(person), "ima"))
    rows = await birthday_rows(bot)
    assert [(text, status) for _id, text, status in rows] == [("2026-11-23", "pending")]
    today = shown(await bot.send(person, "/today"))[-1].text
    assert "🎂" in today and "王伟" in today


async def test_a_changed_birthday_replaces_the_reminder_of_the_old_day(bot: Harness) -> None:
    person = await birthday_rm(bot, "vi")
    customer = await bot.storage.customers.create(owner_id=person.id, name="Lê Thị Hồng",
                                                  phone=None, region="VN", now=bot.clock.now())
    await type_birthday(bot, person, customer, "25/11/1985")
    await type_birthday(bot, person, customer, "26/11/1985")
    assert await birthday_rows(bot) == [(customer.id, "2026-11-25", "cancelled"),
                                        (customer.id, "2026-11-26", "pending")]
    await apply_care_rules(bot.storage, bot.clock.now())
    assert len(await birthday_rows(bot)) == 2
