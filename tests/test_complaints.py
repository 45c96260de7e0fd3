"""Complaints: working days, complaints until resolved, escalation to the team lead, CSAT and
NPS, and the /service figures.

Expected texts are computed with the catalogs (``_`` inside ``active``), so they hold whatever
wording the translators choose.
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from telegram.ext import filters

import storage.db
from core import buttons
from core.buttons import pack
from core.i18n import _, active, format_datetime, ngettext
from core.pushes import render
from domain.complaints import (
    add_working_days,
    complaint_reminder_day,
    csat_average,
    is_working_day,
    next_working_day,
    nps,
    rate,
    working_days_between,
)
from playground.fake_api import ApiCall
from playground.fake_updates import Person
from scheduler.care import apply_care_rules
from storage.customers import Customer
from storage.sqlite import SqliteDatabase
from tests.harness import Harness

HCM = "Asia/Ho_Chi_Minh"
SHANGHAI = "Asia/Shanghai"
LAN = Person(2001, "Lan", "Nguyễn", language_code="vi")
MINH = Person(2002, "Minh", "Trần", language_code="vi")
WEI = Person(2003, "伟", "王", language_code="zh-hans")
HUNG = Person(3001, "Hùng", "Phạm", language_code="vi")  # the team lead
PRIVATE = filters.ChatType.PRIVATE


# -- wiring and helpers -----------------------------------------------------------------------


@pytest.fixture
async def team(bot: Harness) -> int:
    """Lan and Minh (RMs, Vietnamese) in a team led by Hùng."""
    created = await bot.storage.teams.create("Bến Thành", bot.clock.now())
    assert created is not None
    await bot.register(LAN, "rm", created.id, "vi")
    await bot.register(MINH, "rm", created.id, "vi")
    await bot.register(HUNG, "lead", created.id, "vi")
    return created.id


def tr(language: str, text: str, zone: str = HCM, **values: Any) -> str:
    with active(language, zone):
        return _(text).format(**values) if values else _(text)


async def customer(bot: Harness, owner: Person, name: str, *, stage: str | None = None,
                   phone: str | None = None, **extra: Any) -> Customer:
    made = await bot.storage.customers.create(owner_id=owner.id, name=name, phone=phone,
                                              region="VN", now=bot.clock.now(), **extra)
    if stage is None:
        return made
    await bot.storage.customers.set_stage(owner.id, made.id, stage, None, bot.clock.now())
    found = await bot.storage.customers.get(owner.id, made.id)
    assert found is not None
    return found


async def press(bot: Harness, person: Person, action: str, *args: str | int,
                call: ApiCall | None = None) -> list[ApiCall]:
    """Press a button with this action and arguments (signed for the person)."""
    return await bot.press_data(person, pack(action, *args, owner=person.id), call)


def button_data(call: ApiCall, action: str, *args: str | int) -> str:
    wanted = [action, *(str(arg) for arg in args)]
    for _label, data in call.buttons:
        parts = data.rsplit("|", 1)[0].split(":")
        if parts[:len(wanted)] == wanted:
            return data
    raise AssertionError(f"no button {wanted} in {call.buttons}")


def shown(calls: list[ApiCall]) -> list[ApiCall]:
    return [c for c in calls if c.method in ("sendMessage", "editMessageText")]


async def rows(bot: Harness, sql: str, *params: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in await bot.storage.db.fetch_all(sql, params)]


async def reminders(bot: Harness, kind: str) -> list[dict[str, Any]]:
    return await rows(bot, "SELECT id, staff_id, customer_id, due_at, status, urgent, ref_id"
                           " FROM reminders WHERE kind = ? ORDER BY id", kind)


async def deliver(bot: Harness, person: Person, reminder_id: int, language: str) -> ApiCall:
    """Render a reminder as the dispatcher does (recipient's language) and send it."""
    staff = await bot.storage.staff.get(person.id)
    reminder = await bot.storage.reminders.get(person.id, reminder_id)
    assert staff is not None and reminder is not None
    with active(language, staff.timezone):
        buttons.set_owner(staff.id)
        push = await render(bot.storage, staff, reminder, bot.clock.now())
    await bot.app.bot.send_message(person.id, push.text, reply_markup=push.markup)
    return bot.last_for(person)


def at(day: str, hhmm: str, zone: str = HCM) -> datetime:
    """A local time as an aware UTC moment."""
    local = datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC)


# -- working days -----------------------------------------------------------------------------


@pytest.mark.parametrize(("region", "opened", "due"), [
    # A Thursday complaint in Vietnam is due on the Monday.
    ("VN", "2026-11-26", "2026-11-30"),
    # 24 November is Vietnam Cultural Day: a Monday complaint is due on the Thursday.
    ("VN", "2026-11-23", "2026-11-26"),
    # Tết 2027 in Vietnam: 4–10 February off.
    ("VN", "2027-02-03", "2027-02-12"),
    # Spring Festival 2027 in China: 5–10 February off.
    ("CN", "2027-02-04", "2027-02-12"),
    # National Day 2026 in China: 1–7 October off...
    ("CN", "2026-09-30", "2026-10-09"),
    # ...worked for on Sunday 20 September and Saturday 10 October.
    ("CN", "2026-09-18", "2026-09-21"),
    ("CN", "2026-10-08", "2026-10-10"),
])
def test_due_in_two_working_days(region: str, opened: str, due: str) -> None:
    start = datetime.fromisoformat(f"{opened}T10:30").replace(tzinfo=ZoneInfo(HCM))
    result = add_working_days(start, 2, region)
    assert result.date() == date.fromisoformat(due)
    assert (result.hour, result.minute, result.tzinfo) == (10, 30, start.tzinfo)


def test_working_day_arithmetic() -> None:
    assert not is_working_day(date(2026, 10, 3), "CN")          # a Saturday holiday
    assert is_working_day(date(2026, 9, 20), "CN")              # a Sunday worked
    assert not is_working_day(date(2026, 9, 20), "VN")
    assert next_working_day(date(2027, 2, 3), "VN") == date(2027, 2, 11)
    assert working_days_between(date(2026, 11, 23), date(2026, 11, 23), "VN") == 0
    assert working_days_between(date(2026, 11, 23), date(2026, 11, 26), "VN") == 2
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 9), "CN") == 2
    # Reminders: the working day after opening, then the due day and every working day on.
    opened, due = date(2026, 11, 23), date(2026, 11, 26)
    days = {complaint_reminder_day(opened, due, date(2026, 11, d), "VN") for d in range(23, 31)}
    assert days == {date(2026, 11, d) for d in (25, 26, 27, 30)}
    # A market the holidays package does not know still skips weekends.
    assert next_working_day(date(2026, 11, 27), "ZZ") == date(2026, 11, 30)


def test_scores() -> None:
    assert nps([10, 9, 8, 7, 6, 0]) == 0
    assert nps([10, 10, 9, 5]) == 50
    assert nps([3, 6]) == -100
    assert nps([]) is None
    assert csat_average([5, 3, 4]) == 4
    assert csat_average([]) is None
    assert rate(1, 3) == 33 and rate(0, 0) is None


# -- opening a complaint ----------------------------------------------------------------------


def opened_text(language: str, zone: str, name: str, due: datetime) -> str:
    with active(language, zone):
        return _("⚠️ Complaint recorded for {name}. To resolve by {due}: I will remind you "
                 "until it is resolved, and tell your team lead if it is late.").format(
            name=f"<b>{name}</b>", due=f"<b>{format_datetime(due)}</b>")


async def test_complaint_command_in_vietnamese(bot: Harness, team: int) -> None:
    an = await customer(bot, LAN, "Nguyễn Văn An")
    calls = await bot.send(LAN, "/complaint Nguyễn Văn An phí chuyển tiền bị trừ 2 lần")
    # Monday 10:00; Tuesday 24 November is a holiday in Vietnam: due Thursday 10:00.
    due = at("2026-11-26", "10:00")
    assert [c.text for c in shown(calls)] == [opened_text("vi", HCM, "Nguyễn Văn An", due)]
    with active("vi", HCM):
        assert [label for label, _data in calls[-1].buttons] == [
            _("✅ Resolved on the spot"), _("Open the card"), _("↩️ Undo")]
    complaint = (await rows(bot, "SELECT * FROM complaints"))[0]
    note = (await rows(bot, "SELECT id, kind, text FROM interactions"))[0]
    assert note == {"id": complaint["interaction_id"], "kind": "complaint",
                    "text": "phí chuyển tiền bị trừ 2 lần"}
    assert (complaint["customer_id"], complaint["owner_id"]) == (an.id, LAN.id)
    assert complaint["due_at"] == "2026-11-26T03:00:00+00:00"
    assert complaint["resolved_at"] is None and complaint["escalated_at"] is None


async def test_complaint_command_in_chinese(bot: Harness) -> None:
    await bot.register(WEI, "rm", None, "zh_Hans")
    await bot.storage.staff.set_timezone(WEI.id, SHANGHAI, "CN")
    await customer(bot, WEI, "王伟", language="zh_Hans")
    bot.clock.set(at("2026-09-30", "15:00", SHANGHAI))
    calls = await bot.send(WEI, "/complaint 王伟 信用卡年费被多扣")
    # National Day: the first working days after Wednesday 30 September are 8 and 9 October.
    due = at("2026-10-09", "15:00", SHANGHAI)
    assert [c.text for c in shown(calls)] == [opened_text("zh_Hans", SHANGHAI, "王伟", due)]
    complaint = (await rows(bot, "SELECT due_at FROM complaints"))[0]
    assert complaint["due_at"] == "2026-10-09T07:00:00+00:00"
    usage = await bot.send(WEI, "/complaint")
    assert usage[-1].text == tr("zh_Hans", "Write the customer and the complaint, for "
                                "example: {example}", SHANGHAI, example=tr(
                                    "zh_Hans", "/complaint Nguyễn Văn An phí chuyển tiền bị "
                                    "trừ 2 lần"))


async def test_complaint_with_several_matches_or_no_text(bot: Harness, team: int) -> None:
    tran = await customer(bot, LAN, "Trần An")
    await customer(bot, LAN, "Lê An")
    calls = await bot.send(LAN, "/complaint An thẻ bị khóa")
    assert calls[-1].text == tr("vi", "Which customer is the complaint from?")
    await bot.press_data(LAN, button_data(calls[-1], "svo", tran.id), calls[-1])
    texts = await rows(bot, "SELECT customer_id, text FROM interactions")
    assert texts == [{"customer_id": tran.id, "text": "thẻ bị khóa"}]
    # Only the customer: the bot asks for the complaint.
    calls = await bot.send(LAN, "/complaint Trần An")
    assert calls[-1].text == tr("vi", "What is {name}'s complaint? Type it in a few words. "
                                      "(/cancel to stop)", name="Trần An")
    await bot.send(LAN, "nhân viên quầy thái độ không tốt")
    assert await bot.storage.db.fetch_value("SELECT COUNT(*) FROM complaints") == 2


async def test_card_complaint_button_opens_a_complaint(bot: Harness, team: int) -> None:
    an = await customer(bot, LAN, "Nguyễn Văn An")
    await press(bot, LAN, "cl", an.id, "complaint")
    calls = await bot.send(LAN, "Phí chuyển tiền bị trừ 2 lần")
    assert shown(calls)[-1].text == opened_text("vi", HCM, "Nguyễn Văn An",
                                                at("2026-11-26", "10:00"))
    # A complaint is never saved without its content (tests/test_flows.py).
    await press(bot, LAN, "cls", an.id, "complaint")
    found = await rows(bot, "SELECT k.customer_id, i.kind, i.text FROM complaints k"
                            " JOIN interactions i ON i.id = k.interaction_id ORDER BY k.id")
    assert found == [{"customer_id": an.id, "kind": "complaint",
                      "text": "Phí chuyển tiền bị trừ 2 lần"}]


# -- reminders, escalation, resolution --------------------------------------------------------


async def test_reminded_until_resolved_and_escalated_once(bot: Harness, team: int) -> None:
    an = await customer(bot, LAN, "Nguyễn Văn An")
    await bot.send(LAN, "/complaint Nguyễn Văn An phí chuyển tiền bị trừ 2 lần")
    complaint_id = await bot.storage.db.fetch_value("SELECT id FROM complaints")

    async def tick(day: str, hhmm: str) -> None:
        bot.clock.set(at(day, hhmm))
        await apply_care_rules(bot.storage, bot.clock.now())

    await tick("2026-11-23", "10:05")
    await tick("2026-11-23", "18:00")
    # The next working day (Tuesday is a holiday) at 09:00, once.
    found = await reminders(bot, "complaint")
    assert [(r["due_at"], r["status"], r["ref_id"]) for r in found] == [
        ("2026-11-25T02:00:00+00:00", "pending", complaint_id)]
    await tick("2026-11-25", "09:01")
    message = await deliver(bot, LAN, found[0]["id"], "vi")
    with active("vi", HCM):
        assert _("⚠️ <b>Complaint to resolve</b>") in message.text
        assert [label for label, _data in message.buttons] == [_("✅ Resolved"),
                                                               _("Open the card")]
    assert "phí chuyển tiền bị trừ 2 lần" in message.text
    # The due day (Thursday) at 09:00; overdue from 10:00: the team lead is told once.
    await tick("2026-11-26", "00:30")
    assert [r["due_at"][:10] for r in await reminders(bot, "complaint")] == [
        "2026-11-25", "2026-11-26"]
    assert await reminders(bot, "escalation") == []
    await tick("2026-11-26", "10:01")
    await tick("2026-11-26", "12:00")
    escalations = await reminders(bot, "escalation")
    assert [(r["staff_id"], r["urgent"], r["customer_id"], r["ref_id"]) for r in escalations] == [
        (HUNG.id, 1, None, complaint_id)]
    # Then every working day: Friday, Monday (not the weekend).
    for day in ("2026-11-27", "2026-11-28", "2026-11-29", "2026-11-30"):
        await tick(day, "00:30")
    found = await reminders(bot, "complaint")
    assert [r["due_at"][:10] for r in found] == ["2026-11-25", "2026-11-26", "2026-11-27",
                                                 "2026-11-30"]
    assert [r["status"] for r in found] == ["cancelled"] * 3 + ["pending"]
    assert len(await reminders(bot, "escalation")) == 1
    lead_message = await deliver(bot, HUNG, escalations[0]["id"], "vi")
    with active("vi", HCM):
        assert _("🚨 <b>Overdue complaint</b>") in lead_message.text
        assert _("{rm} has not resolved the complaint of {name} in time.").format(
            rm="<b>Lan Nguyễn</b>", name="<b>Nguyễn Văn An</b>") in lead_message.text
    # Resolved from Monday's reminder: no more reminders, no more escalations.
    await tick("2026-11-30", "09:05")
    message = await deliver(bot, LAN, found[-1]["id"], "vi")
    await bot.press_data(LAN, button_data(message, "svr", complaint_id), message)
    await bot.send(LAN, "Đã hoàn phí, khách đồng ý")
    complaint = (await rows(bot, "SELECT * FROM complaints"))[0]
    assert complaint["resolved_at"] == "2026-11-30T02:05:00+00:00"
    assert complaint["resolution"] == "Đã hoàn phí, khách đồng ý"
    assert complaint["first_contact"] == 0
    for day in ("2026-12-01", "2026-12-02", "2026-12-07"):
        await tick(day, "10:00")
    found = await reminders(bot, "complaint")
    assert [r["status"] for r in found] == ["cancelled"] * 3 + ["done"]
    assert len(await reminders(bot, "escalation")) == 1
    history, _total = await bot.storage.interactions.history(LAN.id, an.id, offset=0, limit=1)
    assert history[0].text == "Đã hoàn phí, khách đồng ý"


async def test_resolution_scores_and_service_figures(bot: Harness, team: int) -> None:
    a = await customer(bot, LAN, "Khách A")
    b = await customer(bot, LAN, "Khách B")
    await customer(bot, LAN, "Khách C")
    d = await customer(bot, LAN, "Khách D", stage="follow")
    await customer(bot, MINH, "Khách E")
    for name in ("Khách A", "Khách B", "Khách C"):
        await bot.send(LAN, f"/complaint {name} phí thẻ")
    await bot.send(MINH, "/complaint Khách E chờ lâu")
    ids = {row["customer_id"]: row["id"]
           for row in await rows(bot, "SELECT id, customer_id FROM complaints")}

    async def resolve(complaint_id: int, spot: int, note: str, csat: str, nps_score: str
                      ) -> list[ApiCall]:
        await press(bot, LAN, "svr", complaint_id, spot)
        calls = await bot.send(LAN, note)
        question = calls[-1]
        nps_question = shown(await bot.press_data(
            LAN, button_data(question, "svc", "c", complaint_id, csat), question))[-1]
        return await bot.press_data(LAN, button_data(nps_question, "svn", "c", complaint_id,
                                                     nps_score), nps_question)

    # A: resolved on the spot (first contact, 0 working days): CSAT 5, NPS 10.
    await press(bot, LAN, "svr", ids[a.id], 1)
    calls = await bot.send(LAN, "Đã giải thích biểu phí")
    with active("vi", HCM):
        assert calls[-1].text == _("✅ Complaint resolved for {name}; the note is in the "
                                   "file.").format(name="<b>Khách A</b>") + "\n\n" + \
            _("Ask {name}: how satisfied are you with our service? Tap their answer (1 = very "
              "dissatisfied, 5 = very satisfied).").format(name="<b>Khách A</b>")
        assert [label for label, _data in calls[-1].buttons] == [
            "1", "2", "3", "4", "5", _("Skip")]
    question = calls[-1]
    csat_calls = await bot.press_data(LAN, button_data(question, "svc", "c", ids[a.id], 5),
                                      question)
    assert shown(csat_calls)[-1].text == tr(
        "vi", "Ask {name}: how likely are you to recommend us to a friend or colleague? Tap "
        "their answer (0 = not at all, 10 = extremely likely).", name="<b>Khách A</b>")
    nps_question = shown(csat_calls)[-1]
    await bot.press_data(LAN, button_data(nps_question, "svn", "c", ids[a.id], 10),
                         nps_question)
    again = await bot.press_data(LAN, button_data(question, "svc", "c", ids[a.id], 1),
                                 question)
    assert [c.params.get("text") for c in again if c.method == "answerCallbackQuery"] == [
        tr("vi", "Already recorded.")]
    # B: resolved on Thursday, two working days later (Tuesday was a holiday): CSAT 3, NPS 6.
    bot.clock.set(at("2026-11-26", "09:00"))
    await resolve(ids[b.id], 0, "Đã hoàn phí", "3", "6")
    # D: a won deal; the customer scores 4 and 9.
    bot.clock.set(at("2026-11-27", "11:00"))
    calls = await press(bot, LAN, "css", d.id, "won")
    ask = next(c for c in shown(calls) if "svc" in str(c.buttons))
    sale_id = await bot.storage.db.fetch_value("SELECT MAX(id) FROM interactions WHERE "
                                               "kind = 'stage'")
    nps_question = shown(await bot.press_data(LAN, button_data(ask, "svc", "s", sale_id, 4),
                                              ask))[-1]
    await bot.press_data(LAN, button_data(nps_question, "svn", "s", sale_id, 9), nps_question)
    scores = await rows(bot, "SELECT customer_id, kind, score, context FROM satisfaction"
                             " ORDER BY id")
    assert scores == [
        {"customer_id": a.id, "kind": "csat", "score": 5, "context": "complaint"},
        {"customer_id": a.id, "kind": "nps", "score": 10, "context": "complaint"},
        {"customer_id": b.id, "kind": "csat", "score": 3, "context": "complaint"},
        {"customer_id": b.id, "kind": "nps", "score": 6, "context": "complaint"},
        {"customer_id": d.id, "kind": "csat", "score": 4, "context": "sale"},
        {"customer_id": d.id, "kind": "nps", "score": 9, "context": "sale"}]

    # Friday 11:00: C is open and overdue (due Thursday 10:00); E (Minh's) too.
    def block(language: str, *, open_: int, overdue: int, recent: int, window: int, days: str,
              fcr: str, csat: str, csat_n: int, nps_: str, nps_n: int) -> list[str]:
        with active(language, HCM):
            return [
                _("⚠️ Open complaints: {open} (overdue: {overdue})").format(
                    open=open_, overdue=overdue),
                _("✅ Resolved: {recent} in the last 30 days, {window} in the last 90 days")
                .format(recent=recent, window=window),
                ngettext("⏱ Average resolution time: {days} working day",
                         "⏱ Average resolution time: {days} working days",
                         1 if days == "1" else 2).format(days=days),
                _("🎯 Resolved at first contact: {rate}").format(rate=fcr),
                ngettext("😊 CSAT: {score} / 5 ({count} answer)",
                         "😊 CSAT: {score} / 5 ({count} answers)", csat_n).format(
                    score=csat, count=csat_n),
                ngettext("📣 NPS: {score} ({count} answer)", "📣 NPS: {score} ({count} answers)",
                         nps_n).format(score=nps_, count=nps_n)]

    # CSAT (5 + 3 + 4) / 3 = 4; NPS: promoters 10 and 9, detractor 6, of 3: 33.
    lan = await bot.send(LAN, "/service")
    assert lan[-1].text.split("\n") == [
        tr("vi", "<b>Service quality</b>"),
        *block("vi", open_=1, overdue=1, recent=2, window=2, days="1", fcr="50%", csat="4",
               csat_n=3, nps_="33", nps_n=3),
        "", tr("vi", "Averages and scores over the last 90 days.")]
    # The lead: the team's totals (Minh has one open complaint, no scores), then each RM.
    lead = await bot.send(HUNG, "/service")
    lines = lead[-1].text.split("\n")
    assert lines[:7] == [
        tr("vi", "<b>Service quality: {team}</b>", team="Bến Thành"),
        *block("vi", open_=2, overdue=2, recent=2, window=2, days="1", fcr="50%", csat="4",
               csat_n=3, nps_="33", nps_n=3)]
    member = ("<b>{name}</b>: {open} open, {overdue} overdue · {resolved} resolved in 30 days "
              "· CSAT {csat} · NPS {nps}")
    assert tr("vi", member, name="Lan Nguyễn", open=1, overdue=1, resolved=2, csat="4",
              nps="33") in lines
    assert tr("vi", member, name="Minh Trần", open=1, overdue=1, resolved=0, csat="—",
              nps="—") in lines
    assert tr("vi", member, name="Hùng Phạm", open=0, overdue=0, resolved=0, csat="—",
              nps="—") in lines
    # Ninety-one days on, none of this counts any more but what is still open.
    bot.clock.set(at("2027-02-27", "11:00"))
    lan = await bot.send(LAN, "/service")
    assert lan[-1].text.split("\n")[1:7] == block(
        "vi", open_=1, overdue=1, recent=0, window=0, days="—", fcr="—", csat="—", csat_n=0,
        nps_="—", nps_n=0)


async def test_scores_after_a_won_deal_skipped_or_given(bot: Harness, team: int) -> None:
    d = await customer(bot, LAN, "Khách D", stage="follow")
    calls = await press(bot, LAN, "css", d.id, "won")
    with active("vi", HCM):
        ask = next(c for c in shown(calls) if c.text.startswith(
            _("🎉 {name} is now a customer. While it is fresh, ask for their feedback.").format(
                name="<b>Khách D</b>")))
    sale_id = await bot.storage.db.fetch_value("SELECT MAX(id) FROM interactions")
    skip = next(data for _label, data in ask.buttons if data.startswith(f"svc:s:{sale_id}|"))
    skipped = await bot.press_data(LAN, skip, ask)
    nps_question = shown(skipped)[-1]
    done = await bot.press_data(LAN, button_data(nps_question, "svn", "s", sale_id, 8),
                                nps_question)
    assert shown(done)[-1].text == tr("vi", "Thank you: {name}'s feedback is recorded. "
                                            "/service shows your figures.", name="Khách D")
    assert await rows(bot, "SELECT kind, score, context, ref_id FROM satisfaction") == [
        {"kind": "nps", "score": 8, "context": "sale", "ref_id": sale_id}]
    # Another RM cannot score Lan's customer, even with a genuine-looking button.
    forged = await press(bot, MINH, "svc", "s", sale_id, 1)
    assert [c.params.get("text") for c in forged if c.method == "answerCallbackQuery"] == [
        tr("vi", "This button has expired. Please start again.")]


# -- the migration ----------------------------------------------------------------------------


async def test_complaints_logged_before_are_carried_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = storage.db.MIGRATIONS_DIR
    old_dir = tmp_path / "before_service"
    old_dir.mkdir()
    for script in sorted(real.glob("*.sql")):
        if script.name < "0009":
            shutil.copy(script, old_dir / script.name)
    monkeypatch.setattr(storage.db, "MIGRATIONS_DIR", old_dir)
    db = SqliteDatabase(tmp_path / "rapport.db")
    await db.open()
    await db.migrate()
    at_ = "2026-11-20T03:00:00+00:00"
    await db.execute("INSERT INTO staff (id, name, role, timezone, region, created_at)"
                     " VALUES (2001, 'Lan', 'rm', 'Asia/Ho_Chi_Minh', 'VN', ?)", (at_,))
    await db.execute("INSERT INTO customers (id, owner_id, name, created_at, updated_at)"
                     " VALUES (7, 2001, 'An', ?, ?)", (at_, at_))
    for interaction_id in (11, 12):
        await db.execute("INSERT INTO interactions (id, customer_id, staff_id, kind,"
                         " happened_at, text, created_at) VALUES (?, 7, 2001, 'complaint', ?,"
                         " 'phí', ?)", (interaction_id, at_, at_))
    # The old rule: 11 was resolved (a follow-up marked done), 12 still waits for one.
    await db.execute("INSERT INTO reminders (staff_id, customer_id, kind, due_at, status,"
                     " rule_key, done_at, created_at) VALUES (2001, 7, 'complaint', ?, 'done',"
                     " 'complaint:11:1', '2026-11-21T04:00:00+00:00', ?)", (at_, at_))
    await db.execute("INSERT INTO reminders (staff_id, customer_id, kind, due_at, status,"
                     " rule_key, created_at) VALUES (2001, 7, 'complaint', ?, 'pending',"
                     " 'complaint:12:1', ?)", (at_, at_))
    await db.close()
    monkeypatch.setattr(storage.db, "MIGRATIONS_DIR", real)
    db = SqliteDatabase(tmp_path / "rapport.db")
    await db.open()
    try:
        assert "0009_service" in await db.migrate()
        found = [dict(row) for row in await db.fetch_all(
            "SELECT interaction_id, owner_id, opened_at, due_at, resolved_at FROM complaints"
            " ORDER BY interaction_id")]
        assert found == [
            {"interaction_id": 11, "owner_id": 2001, "opened_at": at_,
             "due_at": "2026-11-22T03:00:00+00:00", "resolved_at": "2026-11-21T04:00:00+00:00"},
            {"interaction_id": 12, "owner_id": 2001, "opened_at": at_,
             "due_at": "2026-11-22T03:00:00+00:00", "resolved_at": None}]
        statuses = [row[0] for row in await db.fetch_all(
            "SELECT status FROM reminders ORDER BY id")]
        assert statuses == ["done", "cancelled"]
    finally:
        await db.close()
