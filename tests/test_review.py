"""The weekly review: counts per step in an RM's own week, targets, /review with its chart,
/team, the weekly queueing and its renderers, and the team group's summary (counts only)."""

from __future__ import annotations

import struct
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core import buttons
from core.i18n import _, active, format_date, format_list, label_value
from core.pushes import RENDERERS
from core.pushes.review import (
    CHART_HEIGHT,
    CHART_WIDTH,
    report_chart,
    rm_report,
    team_chart,
    team_report,
)
from domain.pushes import Kind
from domain.review import (
    DEFAULT_TARGETS,
    last_review_moment,
    parse_targets,
    reviewed_week,
    week_bounds,
    week_ref,
)
from playground.fake_api import ApiCall
from playground.fake_updates import Person
from scheduler.dispatcher import Dispatcher
from scheduler.group_posts import GroupPoster
from scheduler.review import queue_reviews
from storage.customers import Customer
from storage.reminders import Reminder
from tests.harness import Harness

HCM = "Asia/Ho_Chi_Minh"
SHANGHAI = "Asia/Shanghai"
EXPIRED = "This button has expired. Please start again."
GROUP_ID = -100_777

LEAD = Person(3001, "Hoa", "Phạm", language_code="vi")
LAN = Person(2001, "Lan", "Nguyễn", language_code="vi")
WEI = Person(2002, "伟", "王", language_code="zh-hans")
MINH = Person(2003, "Minh", "Lê", language_code="vi")
# This week (in Ho Chi Minh City) runs from Monday 23 to Sunday 29 November 2026; the clock
# stands at Monday 23, 10:00 there. Last week: 16–22 November.
THIS_MONDAY = date(2026, 11, 23)
LAST_MONDAY = date(2026, 11, 16)


def local(zone: str, year: int, month: int, day: int, hour: int = 0,
          minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone))


def tr(language: str, text: str, zone: str = HCM) -> str:
    with active(language, zone):
        return _(text)


def shown(calls: list[ApiCall]) -> list[ApiCall]:
    return [c for c in calls if c.method in ("sendMessage", "editMessageText", "sendPhoto")]


def of(calls: list[ApiCall], method: str) -> list[ApiCall]:
    return [c for c in calls if c.method == method]


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


@pytest.fixture
async def team_id(bot: Harness) -> int:
    """A team with a lead (Hoa), two Vietnamese-speaking RMs and one Chinese-speaking RM in
    Shanghai."""
    made = await bot.storage.teams.create("Nhóm Bến Thành", bot.clock.now())
    assert made is not None
    # They joined in October: every week reviewed here is one they worked in.
    now = bot.clock.now()
    bot.clock.set(now - timedelta(days=50))
    await bot.register(LEAD, "lead", made.id, "vi")
    await bot.register(LAN, "rm", made.id, "vi")
    await bot.register(WEI, "rm", made.id, "zh_Hans")
    await bot.register(MINH, "rm", made.id, "vi")
    bot.clock.set(now)
    await bot.storage.staff.set_timezone(WEI.id, SHANGHAI, "CN")
    return made.id


async def customer(bot: Harness, owner: Person, name: str, created: datetime,
                   **extra: Any) -> Customer:
    return await bot.storage.customers.create(owner_id=owner.id, name=name, phone=None,
                                              region="VN", now=created, **extra)


async def stage(bot: Harness, who: Person, target: Customer, to: str, at: datetime,
                previous: str = "find") -> None:
    await bot.storage.interactions.add(customer_id=target.id, staff_id=who.id, kind="stage",
                                       happened_at=at, now=at,
                                       detail={"from": previous, "to": to})


async def week_of(bot: Harness, who: Person, monday: date) -> dict[str, int]:
    staff = await bot.storage.staff.get(who.id)
    assert staff is not None
    start, end = week_bounds(monday, staff.timezone)
    return await bot.storage.review.week_counts(who.id, start, end)


async def fill_last_week(bot: Harness) -> dict[str, Customer]:
    """Realistic activity around last week's edges, in Vietnam (UTC+7) and Shanghai (UTC+8)."""
    made: dict[str, Customer] = {}
    # Lan, in Ho Chi Minh City.
    made["an"] = await customer(bot, LAN, "Nguyễn Văn An", local(HCM, 2026, 11, 16, 0, 30))
    made["bich"] = await customer(bot, LAN, "Trần Thị Bích", local(HCM, 2026, 11, 22, 23, 50))
    made["cuong"] = await customer(bot, LAN, "Lê Quốc Cường", local(HCM, 2026, 11, 15, 23, 59))
    made["dung"] = await customer(bot, LAN, "Phạm Thị Dung", local(HCM, 2026, 11, 23, 0, 10))
    await stage(bot, LAN, made["an"], "contact", local(HCM, 2026, 11, 17, 9))
    await stage(bot, LAN, made["an"], "find", local(HCM, 2026, 11, 17, 10), "contact")
    await stage(bot, LAN, made["an"], "contact", local(HCM, 2026, 11, 17, 11))  # counted once
    await stage(bot, LAN, made["bich"], "contact", local(HCM, 2026, 11, 22, 23, 55))
    await stage(bot, LAN, made["an"], "consult", local(HCM, 2026, 11, 19, 14), "contact")
    await stage(bot, LAN, made["cuong"], "follow", local(HCM, 2026, 11, 20, 16), "consult")
    await stage(bot, LAN, made["cuong"], "won", local(HCM, 2026, 11, 21, 10), "follow")
    await stage(bot, LAN, made["cuong"], "care", local(HCM, 2026, 11, 22, 12), "won")
    # Outside the week: Sunday before, and Monday after (00:05 in Vietnam).
    await stage(bot, LAN, made["cuong"], "consult", local(HCM, 2026, 11, 15, 23, 0), "contact")
    await stage(bot, LAN, made["dung"], "contact", local(HCM, 2026, 11, 23, 0, 5))
    # A note is not a step.
    await bot.storage.interactions.add(customer_id=made["an"].id, staff_id=LAN.id, kind="note",
                                       happened_at=local(HCM, 2026, 11, 18, 9),
                                       now=local(HCM, 2026, 11, 18, 9), text="gửi hồ sơ vay")
    # Wei, in Shanghai: 23:30 on Sunday there is last week; 00:30 on Monday is this week
    # (though it is still Sunday 23:30 in Vietnam).
    made["wang"] = await customer(bot, WEI, "王伟", local(SHANGHAI, 2026, 11, 22, 23, 30),
                                  language="zh_Hans")
    made["chen"] = await customer(bot, WEI, "陈大文", local(SHANGHAI, 2026, 11, 23, 0, 30),
                                  language="zh_Hans")
    await stage(bot, WEI, made["wang"], "contact", local(SHANGHAI, 2026, 11, 22, 23, 40))
    await stage(bot, WEI, made["wang"], "consult", local(SHANGHAI, 2026, 11, 23, 0, 30),
                "contact")
    await stage(bot, WEI, made["chen"], "won", local(SHANGHAI, 2026, 11, 16, 0, 1), "follow")
    return made


# -- counting ----------------------------------------------------------------------------------


async def test_counts_per_step_in_the_rms_own_week(bot: Harness, team_id: int) -> None:
    await fill_last_week(bot)
    assert await week_of(bot, LAN, LAST_MONDAY) == {
        "prospects": 2, "contacts": 2, "consults": 1, "followups": 1, "closes": 1,
        "crosssells": 1}
    assert await week_of(bot, LAN, THIS_MONDAY) == {
        "prospects": 1, "contacts": 1, "consults": 0, "followups": 0, "closes": 0,
        "crosssells": 0}
    assert await week_of(bot, WEI, LAST_MONDAY) == {
        "prospects": 1, "contacts": 1, "consults": 0, "followups": 0, "closes": 1,
        "crosssells": 0}
    assert (await week_of(bot, WEI, THIS_MONDAY))["consults"] == 1
    assert (await week_of(bot, WEI, THIS_MONDAY))["prospects"] == 1
    # Lan's stage changes are hers alone.
    assert await week_of(bot, MINH, LAST_MONDAY) == dict.fromkeys(DEFAULT_TARGETS, 0)


def test_week_and_review_moments() -> None:
    # Monday 08:00 in Vietnam: the review covers the week that just ended.
    now = local(HCM, 2026, 11, 23, 10).astimezone(UTC)
    moment = last_review_moment(now, HCM, 0, datetime.min.time().replace(hour=8))
    assert moment == local(HCM, 2026, 11, 23, 8)
    assert reviewed_week(moment) == LAST_MONDAY
    # Before 08:00 on Monday, the latest review moment was a week ago.
    early = local(HCM, 2026, 11, 23, 7, 59).astimezone(UTC)
    assert last_review_moment(early, HCM, 0, moment.time()) == local(HCM, 2026, 11, 16, 8)
    # A Friday 17:00 review also covers the last full week.
    friday = last_review_moment(now, HCM, 4, datetime.min.time().replace(hour=17))
    assert friday == local(HCM, 2026, 11, 20, 17) and reviewed_week(friday) == date(2026, 11, 9)
    start, end = week_bounds(LAST_MONDAY, SHANGHAI)
    assert start == datetime(2026, 11, 15, 16, tzinfo=UTC)
    assert end - start == timedelta(days=7)


def test_target_words_in_three_languages() -> None:
    assert parse_targets("prospects 12 contacts 10") == ({"prospects": 12, "contacts": 10}, [])
    assert parse_targets("tiềm năng 15, tư vấn 6 chốt 3 bán chéo 2")[0] == {
        "prospects": 15, "consults": 6, "closes": 3, "crosssells": 2}
    assert parse_targets("潛在客戶 12 跟進 9 成交 4")[0] == {
        "prospects": 12, "followups": 9, "closes": 4}
    assert parse_targets("lunch 2")[1] == ["lunch 2"]


# -- targets -----------------------------------------------------------------------------------


async def test_lead_sets_targets_and_everyone_sees_them(bot: Harness, team_id: int) -> None:
    shown_before = shown(await bot.send(LEAD, "/targets"))[0].text
    with active("vi", HCM):
        assert _("New prospects") in shown_before and "<b>10</b>" in shown_before
    saved = shown(await bot.send(LEAD, "/targets prospects 12 contacts 10"))[0].text
    assert saved.startswith(tr("vi", "Saved."))
    assert await bot.storage.review.targets(team_id) == {
        **DEFAULT_TARGETS, "prospects": 12, "contacts": 10}
    await bot.send(LEAD, "/targets chốt 3 bán chéo 2")
    targets = await bot.storage.review.targets(team_id)
    assert targets["closes"] == 3 and targets["crosssells"] == 2 and targets["prospects"] == 12
    assert "team.targets" in await bot.storage.audit.actions_for("team", team_id)
    # An RM sees them, and cannot change them.
    seen = shown(await bot.send(LAN, "/targets"))[0].text
    assert "<b>12</b>" in seen and "<b>3</b>" in seen
    refused = shown(await bot.send(LAN, "/targets closes 9"))[0].text
    assert refused == tr("vi", "Only a team lead can do this.")
    assert (await bot.storage.review.targets(team_id))["closes"] == 3
    # Nonsense is explained, nothing is saved; reset goes back to the defaults.
    wrong = shown(await bot.send(LEAD, "/targets lunch 2"))[0].text
    # The steps are named in the RM's language (those names are accepted), not as codes.
    assert "lunch 2" in wrong and tr("vi", "New prospects") in wrong and "prospects" not in wrong
    await bot.send(LEAD, "/targets mặc định")
    assert await bot.storage.review.targets(team_id) == DEFAULT_TARGETS
    await bot.send(LEAD, "/targets KH tiềm năng mới 7 Tư vấn 4")
    assert (await bot.storage.review.targets(team_id))["consults"] == 4


async def test_review_time_is_set_by_the_lead(bot: Harness, team_id: int) -> None:
    calls = await bot.send(LEAD, "/reviewtime thứ 6 17h")
    with active("vi", HCM):
        expected = _("Done: the weekly review will arrive on {day} at {time}.").format(
            day=_("Friday"), time="17:00")
    assert shown(calls)[0].text == expected
    schedule = await bot.storage.review.schedule(team_id)
    assert schedule is not None and (schedule.review_day, schedule.review_time) == (4, "17:00")
    refused = shown(await bot.send(LAN, "/reviewtime mon 08:00"))[0].text
    assert refused == tr("vi", "Only a team lead can do this.")
    await bot.send(LEAD, "/reviewtime Chủ nhật 8 giờ sáng")
    schedule = await bot.storage.review.schedule(team_id)
    assert schedule is not None and (schedule.review_day, schedule.review_time) == (6, "08:00")
    unclear = shown(await bot.send(LEAD, "/reviewtime thứ 2"))[0].text
    with active("vi", HCM):
        assert unclear == _("Please give a day and a time, for example {example} "
                            "(days: {days}).").format(
            example=f"<code>{_('/reviewtime mon 08:00')}</code>",
            days="thứ Hai, thứ Ba, thứ Tư, thứ Năm, thứ Sáu, thứ Bảy hoặc Chủ nhật")


# -- /review and /team ------------------------------------------------------------------------


async def test_review_sends_a_chart(bot: Harness, team_id: int) -> None:
    await fill_last_week(bot)
    calls = await bot.send(LAN, "/review last")
    photos = of(calls, "sendPhoto")
    assert len(photos) == 1 and photos[0].chat_id == LAN.id
    with active("vi", HCM):
        header = _("📊 <b>Weekly activity review</b>")
        prospects = f"▫️ 🆕 {_('New prospects')}: <b>2</b> / 10"
        cross_sells = f"✅ ➕ {_('Cross-sells')}: <b>1</b> / 1"
        contacts = f"▫️ 👋 {_('First contacts')}: <b>2</b> / 8"
        reached = _("Minimums reached: {met} of {total}.").format(met=1, total=6)
    caption = photos[0].text
    assert header in caption and prospects in caption and contacts in caption
    assert reached in caption and cross_sells in caption
    # The button goes back a week; the chart itself is 800×450.
    assert [label for label, _data in photos[0].buttons] == [tr("vi", "◀ Week before"),
                                                             tr("vi", "This week")]
    staff = await bot.storage.staff.get(LAN.id)
    assert staff is not None
    with active("vi", HCM):
        report = await rm_report(bot.storage, staff, LAST_MONDAY, bot.clock.now())
        png = await report_chart(report)
    assert png_size(png) == (CHART_WIDTH, CHART_HEIGHT) == (800, 450)
    assert report.trend[-1] == (LAST_MONDAY, 8) and len(report.trend) == 8
    # This week so far, in Chinese for Wei.
    calls = await bot.send(WEI, "/review")
    caption = of(calls, "sendPhoto")[0].text
    with active("zh_Hans", SHANGHAI):
        assert _("📊 <b>Weekly activity review</b>") in caption
        assert f"▫️ 💬 {_('Consultations')}：<b>1</b> / 5" in caption  # a Chinese colon


async def test_team_view_for_the_lead_only(bot: Harness, team_id: int) -> None:
    made = await fill_last_week(bot)
    await bot.storage.reminders.create(
        staff_id=LAN.id, customer_id=made["an"].id, kind="followup", text="gọi lại",
        due_at=bot.clock.now() - timedelta(days=2), now=bot.clock.now())
    await bot.storage.reminders.create(
        staff_id=LAN.id, customer_id=made["bich"].id, kind="followup", text="gửi báo giá",
        due_at=bot.clock.now() + timedelta(days=2), now=bot.clock.now())
    calls = await bot.send(LEAD, "/team last")
    assert len(of(calls, "sendPhoto")) == 1
    # The team's name and the week are said once: in the chart's caption, or after it.
    header = "👥 <b>Nhóm Bến Thành</b>"
    assert sum(c.text.count(header) for c in shown(calls)) == 1
    text = "\n".join(c.text for c in shown(calls) if c.text)
    with active("vi", HCM):
        assert _("<b>{name}</b>: minimums reached {met} of {total}").format(
            name="Lan Nguyễn", met=1, total=6) in text
        assert _("⏰ Overdue follow-ups: <b>{count}</b>").format(count=1) in text
        assert "王 伟" not in text and "伟 王" in text
        assert _("Pipeline: {stages}").format(stages=_("empty")) in text  # Minh
    # The customers' names are not listed in the team view, only counts.
    assert "Nguyễn Văn An" not in text
    refused = shown(await bot.send(LAN, "/team"))
    assert [c.text for c in refused] == [tr("vi", "Only a team lead can do this.")]
    lead = await bot.storage.staff.get(LEAD.id)
    assert lead is not None
    with active("vi", HCM):
        report = await team_report(bot.storage, team_id, LAST_MONDAY, bot.clock.now())
        assert report is not None
        assert report.totals["contacts"] == 3 and report.totals["closes"] == 2
        assert png_size(await team_chart(report)) == (800, 450)


# -- the weekly push ---------------------------------------------------------------------------


async def test_weekly_reviews_are_queued_once_per_week(bot: Harness, team_id: int) -> None:
    storage = bot.storage
    # Monday 10:00 in Vietnam, two hours after the default review time.
    first = await queue_reviews(storage, bot.clock.now())
    assert first == 4  # three RMs and the lead
    assert await queue_reviews(storage, bot.clock.now()) == 0
    bot.clock.advance(hours=3)
    assert await queue_reviews(storage, bot.clock.now()) == 0
    rows = await storage.db.fetch_all(
        "SELECT staff_id, kind, due_at, ref_id FROM reminders ORDER BY staff_id")
    assert sorted((row["staff_id"], row["kind"]) for row in rows) == [
        (LAN.id, "review"), (WEI.id, "review"), (MINH.id, "review"), (LEAD.id, "team_review")]
    assert {row["due_at"] for row in rows} == {"2026-11-23T01:00:00+00:00"}
    assert {row["ref_id"] for row in rows} == {week_ref(LAST_MONDAY)}
    # Nothing during the week; the next Monday brings the next one.
    bot.clock.advance(days=3)
    assert await queue_reviews(storage, bot.clock.now()) == 0
    bot.clock.set(local(HCM, 2026, 11, 30, 8, 0))
    assert await queue_reviews(storage, bot.clock.now()) == 4
    assert await queue_reviews(storage, bot.clock.now()) == 0


async def test_renderers_write_the_review(bot: Harness, team_id: int) -> None:
    await fill_last_week(bot)
    await queue_reviews(bot.storage, bot.clock.now())
    lan = await bot.storage.staff.get(LAN.id)
    lead = await bot.storage.staff.get(LEAD.id)
    assert lan is not None and lead is not None
    review = await reminder_of(bot, LAN.id, "review")
    with active("vi", HCM):
        push = await RENDERERS[Kind.REVIEW](bot.storage, lan, review, bot.clock.now())
        expected_week = _("Week {dates}").format(dates="16/11–22/11/2026")
        assert push.text.splitlines()[:2] == [_("📊 <b>Weekly activity review</b>"),
                                              expected_week]
        assert f"✅ 🤝 {_('Closes')}: <b>1</b> / 2" not in push.text
        assert f"▫️ 🤝 {_('Closes')}: <b>1</b> / 2" in push.text
        assert _("Below the minimum: {steps}.").format(steps=format_list(
            [_("New prospects"), _("First contacts"), _("Consultations"), _("Follow-ups"),
             _("Closes")])) in push.text
    assert push.photo is not None and png_size(push.photo) == (800, 450)
    assert push.markup is None
    team_review = await reminder_of(bot, LEAD.id, "team_review")
    with active("vi", HCM):
        push = await RENDERERS[Kind.TEAM_REVIEW](bot.storage, lead, team_review, bot.clock.now())
        assert push.text.startswith("👥 <b>Nhóm Bến Thành</b>")  # the name once, not "team …"
        assert "Lan Nguyễn" in push.text and "Minh Lê" in push.text
    assert push.photo is not None and png_size(push.photo) == (800, 450)
    # A lead who was moved out of the team gets a short note instead.
    await bot.storage.staff.set_team(LEAD.id, None)
    moved = await bot.storage.staff.get(LEAD.id)
    assert moved is not None
    with active("zh_Hans", SHANGHAI):
        push = await RENDERERS[Kind.TEAM_REVIEW](bot.storage, moved, team_review, bot.clock.now())
        assert push.text == _("You no longer lead a team, so there is no team review for you.")


async def reminder_of(bot: Harness, staff_id: int, kind: str) -> Reminder:
    reminder_id = await bot.storage.db.fetch_value(
        "SELECT id FROM reminders WHERE staff_id = ? AND kind = ? ORDER BY id DESC",
        (staff_id, kind))
    reminder = await bot.storage.reminders.get(staff_id, int(reminder_id))
    assert reminder is not None
    return reminder


# -- the team's group --------------------------------------------------------------------------


async def test_team_group_gets_counts_without_customers(bot: Harness, team_id: int) -> None:
    made = await fill_last_week(bot)
    group = bot.make.group_chat(GROUP_ID, "Nhóm Bến Thành — nội bộ")
    refused = shown(await bot.send(LAN, "/teamgroup", group=group))
    assert [c.text for c in refused] == [
        tr("vi", "Only a team lead can make this the team's group.")]
    linked = shown(await bot.send(LEAD, "/teamgroup", group=group))
    assert linked[0].chat_id == GROUP_ID
    schedule = await bot.storage.review.schedule(team_id)
    assert schedule is not None and schedule.group_chat_id == GROUP_ID
    assert "team.group_linked" in await bot.storage.audit.actions_for("team", team_id)
    await queue_reviews(bot.storage, bot.clock.now())
    await queue_reviews(bot.storage, bot.clock.now())
    posts = await bot.storage.db.fetch_all("SELECT id, text FROM posts WHERE chat_id = ?",
                                           (GROUP_ID,))
    assert len(posts) == 1
    text = posts[0]["text"]
    with active("vi", HCM):
        assert text.startswith(_("📊 <b>{team}: weekly activity</b>").format(
            team="Nhóm Bến Thành"))
        assert f"▫️ 👋 {_('First contacts')}: <b>3</b> / 24" in text
    for item in made.values():
        assert item.name not in text
    assert "Lan Nguyễn" in text  # the RMs' own counts, not their customers
    # The dispatcher's group side posts it, without an "I'm interested" button.
    bot.api.clear()
    assert await GroupPoster(bot.app.bot, bot.storage, bot.clock, "test").drain() == 1
    sent = of(bot.api.calls, "sendMessage")
    assert len(sent) == 1 and sent[0].chat_id == GROUP_ID and sent[0].text == text
    assert sent[0].buttons == []
    # The group becomes a supergroup: the team's group follows it.
    await bot.send_update(bot.make.migration(LEAD, GROUP_ID, GROUP_ID - 1))
    schedule = await bot.storage.review.schedule(team_id)
    assert schedule is not None and schedule.group_chat_id == GROUP_ID - 1
    group = bot.make.group_chat(GROUP_ID - 1, "Nhóm Bến Thành — nội bộ")
    # /teamgroup off stops it.
    await bot.send(LEAD, "/teamgroup off", group=group)
    schedule = await bot.storage.review.schedule(team_id)
    assert schedule is not None and schedule.group_chat_id is None


# -- logged work counts; no review of a week before someone joined -------------------------------

async def log_from_card(bot: Harness, who: Person, target: Customer, kind: str,
                        note: str) -> None:
    """Log a call, visit or meeting from the card, with a note, as an RM does."""
    card = shown(await bot.press_data(who, buttons.pack("c", target.id, owner=who.id)))[-1]
    wanted = ["cl", str(target.id), kind]
    data = next(data for _label, data in card.buttons
                if data.rsplit("|", 1)[0].split(":") == wanted)
    await bot.press_data(who, data, card)
    await bot.send(who, note)


@pytest.mark.parametrize(("who", "language", "zone", "names", "note"), [
    (LAN, "vi", HCM, ("Nguyễn Văn An", "Trần Thị Bình", "Lê Quốc Cường"), "khách quan tâm"),
    (WEI, "zh_Hans", SHANGHAI, ("王伟", "陈大文", "李娜"), "客户有兴趣"),
])
async def test_logged_calls_visits_meetings_and_done_follow_ups_count(
        bot: Harness, team_id: int, who: Person, language: str, zone: str,
        names: tuple[str, str, str], note: str) -> None:
    earlier = bot.clock.now() - timedelta(days=20)
    an, binh, cuong = [await customer(bot, who, name, earlier) for name in names]
    await log_from_card(bot, who, an, "call", note)      # a first contact
    await log_from_card(bot, who, an, "call", note)      # a follow-up; still one customer
    bot.clock.advance(hours=1)
    await log_from_card(bot, who, an, "visit", note)     # a consultation, and a follow-up
    await log_from_card(bot, who, binh, "meeting", note)  # a first contact and a consultation
    # A follow-up about Cường, delivered and marked done (✅).
    await bot.storage.reminders.create(staff_id=who.id, customer_id=cuong.id, kind="followup",
                                       text="", due_at=bot.clock.now(), now=bot.clock.now())
    await Dispatcher(bot.app.bot, bot.storage, bot.clock, "vi", per_chat_interval=0).drain()
    await bot.press(who, tr(language, "✅ Done", zone))
    counts = await week_of(bot, who, THIS_MONDAY)
    assert (counts["contacts"], counts["consults"], counts["followups"]) == (2, 2, 2)
    caption = of(await bot.send(who, "/review"), "sendPhoto")[0].text
    with active(language, zone):
        assert label_value(f"👋 {_('First contacts')}", "<b>2</b> / 8") in caption
        assert label_value(f"💬 {_('Consultations')}", "<b>2</b> / 5") in caption
        assert label_value(f"🔁 {_('Follow-ups')}", "<b>2</b> / 8") in caption
    # Nothing of it was last week.
    last = await week_of(bot, who, LAST_MONDAY)
    assert (last["contacts"], last["consults"], last["followups"]) == (0, 0, 0)


NEWCOMER = Person(2009, "Tuấn", "Võ", language_code="vi")
NEWCOMER_ZH = Person(2010, "娜", "李", language_code="zh-hans")


@pytest.mark.parametrize(("person", "language", "zone"), [
    (NEWCOMER, "vi", HCM), (NEWCOMER_ZH, "zh_Hans", SHANGHAI)])
async def test_no_review_of_the_week_before_someone_joined(
        bot: Harness, team_id: int, person: Person, language: str, zone: str) -> None:
    await bot.register(person, "rm", team_id, language)  # Monday of this week
    await bot.storage.staff.set_timezone(person.id, zone, "VN" if zone == HCM else "CN")
    await fill_last_week(bot)
    # The weekly review of last week goes to the three who were there, not to them.
    assert await queue_reviews(bot.storage, bot.clock.now()) == 4
    assert await bot.storage.db.fetch_value(
        "SELECT COUNT(*) FROM reminders WHERE staff_id = ?", (person.id,)) == 0
    # /review last says why there is none, in their language; this week's has no way back.
    answer = shown(await bot.send(person, "/review last"))
    assert len(answer) == 1 and answer[0].method == "sendMessage"
    with active(language, zone):
        assert answer[0].text == _(
            "You joined in the week of {date}: there is no review of a week before it. "
            "/review shows this week so far.").format(date=format_date(THIS_MONDAY))
    this_week = of(await bot.send(person, "/review"), "sendPhoto")[0]
    assert tr(language, "◀ Week before", zone) not in [label for label, _d in this_week.buttons]
    # The lead's view of last week leaves them out (they were not in the team then).
    team = " ".join(call.text for call in shown(await bot.send(LEAD, "/team last")))
    assert person.first_name not in team and "Lan Nguyễn" in team
