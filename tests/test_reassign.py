"""/reassign: a team lead hands one customer, or all customers of an RM who leaves, to another
RM of the team; history stays true, open follow-ups move, old buttons stop working."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core import buttons
from core.i18n import _, active, ngettext
from core.pushes import RENDERERS
from domain.pushes import Kind
from domain.review import week_bounds
from playground.fake_api import ApiCall
from playground.fake_updates import Person
from storage.customers import Customer
from storage.reminders import Reminder
from tests.harness import Harness

HCM = "Asia/Ho_Chi_Minh"
SHANGHAI = "Asia/Shanghai"
EXPIRED = "This button has expired. Please start again."

LEAD = Person(3001, "Hoa", "Phạm", language_code="vi")
LAN = Person(2001, "Lan", "Nguyễn", language_code="vi")
WEI = Person(2002, "伟", "王", language_code="zh-hans")
MINH = Person(2003, "Minh", "Lê", language_code="vi")
# The clock stands at Monday 23 November 2026, 10:00 in Ho Chi Minh City; last week ran from
# 16 to 22 November.
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


@pytest.fixture
async def team_id(bot: Harness) -> int:
    """A team with a lead (Hoa), two Vietnamese-speaking RMs and one Chinese-speaking RM in
    Shanghai."""
    made = await bot.storage.teams.create("Nhóm Bến Thành", bot.clock.now())
    assert made is not None
    await bot.register(LEAD, "lead", made.id, "vi")
    await bot.register(LAN, "rm", made.id, "vi")
    await bot.register(WEI, "rm", made.id, "zh_Hans")
    await bot.register(MINH, "rm", made.id, "vi")
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


async def reminder_of(bot: Harness, staff_id: int, kind: str) -> Reminder:
    reminder_id = await bot.storage.db.fetch_value(
        "SELECT id FROM reminders WHERE staff_id = ? AND kind = ? ORDER BY id DESC",
        (staff_id, kind))
    reminder = await bot.storage.reminders.get(staff_id, int(reminder_id))
    assert reminder is not None
    return reminder



async def test_one_customer_is_handed_over(bot: Harness, team_id: int) -> None:
    made = await fill_last_week(bot)
    an = made["an"]
    open_id = await bot.storage.reminders.create(
        staff_id=LAN.id, customer_id=an.id, kind="followup", text="gọi lại",
        due_at=bot.clock.now() + timedelta(days=1), now=bot.clock.now())
    done_id = await bot.storage.reminders.create(
        staff_id=LAN.id, customer_id=an.id, kind="followup", text="đã gọi",
        due_at=bot.clock.now() - timedelta(days=1), now=bot.clock.now())
    assert open_id is not None and done_id is not None
    await bot.storage.reminders.complete(LAN.id, done_id, 0, bot.clock.now())
    # The lead: /reassign → Lan → pick one → Nguyễn Văn An → Minh → yes.
    menu = shown(await bot.send(LEAD, "/reassign"))[0]
    assert any("Lan Nguyễn (4)" in label for label, _d in menu.buttons)
    assert not any("Minh" in label for label, _d in menu.buttons)  # nothing to hand over
    await bot.press(LEAD, "Lan Nguyễn", menu)
    await bot.press(LEAD, tr("vi", "Pick one customer"))
    picker = bot.last_for(LEAD)
    assert [label.split(" · ")[0] for label, _d in picker.buttons[:4]] == [
        "Lê Quốc Cường", "Nguyễn Văn An", "Phạm Thị Dung", "Trần Thị Bích"]
    await bot.press(LEAD, "Nguyễn Văn An")
    receivers = bot.last_for(LEAD)
    assert [label for label, _d in receivers.buttons] == ["Minh Lê", "伟 王", tr("vi", "Cancel")]
    await bot.press(LEAD, "Minh Lê")
    await bot.press(LEAD, tr("vi", "Yes, hand over"))
    with active("vi", HCM):
        assert bot.last_for(LEAD).text == ngettext(
            "Done: {count} customer of {name} is now {receiver}'s. Their history was kept.",
            "Done: {count} customers of {name} are now {receiver}'s. Their history was kept.",
            1).format(count=1, name="Lan Nguyễn", receiver="Minh Lê")
    assert await bot.storage.customers.get(MINH.id, an.id) is not None
    assert await bot.storage.customers.get(LAN.id, an.id) is None
    assert await bot.storage.customers.get(LAN.id, made["bich"].id) is not None
    # The history is kept as it was: Lan's stage changes are still Lan's.
    history, total = await bot.storage.interactions.history(MINH.id, an.id, offset=0, limit=20)
    assert total == 5 and {item.staff_id for item in history} == {LAN.id}
    assert (await week_of(bot, LAN, LAST_MONDAY))["contacts"] == 2
    # The open follow-up moved; the one done stays Lan's.
    moved = await bot.storage.reminders.get(MINH.id, open_id)
    assert moved is not None and moved.status == "pending" and moved.version == 1
    assert await bot.storage.reminders.get(LAN.id, done_id) is not None
    assert await bot.storage.audit.actions_for("customer", an.id) == ["customer.reassigned"]
    handover = await reminder_of(bot, MINH.id, "handover")
    assert handover.customer_id == an.id
    minh = await bot.storage.staff.get(MINH.id)
    assert minh is not None
    with active("vi", HCM):
        push = await RENDERERS[Kind.HANDOVER](bot.storage, minh, handover, bot.clock.now())
        assert "Nguyễn Văn An" in push.text and "Lan Nguyễn" in push.text
    # Lan's old card button (genuinely hers) and a forged one now say "expired".
    for data in (buttons.pack("c", an.id, owner=LAN.id), f"c:{an.id}|forged00"):
        calls = await bot.press_data(LAN, data)
        answers = of(calls, "answerCallbackQuery")
        assert [a.params.get("text") for a in answers] == [tr("vi", EXPIRED)]
        assert not shown(calls)
    # The confirm button pressed again changes nothing.
    again = await bot.press_data(LEAD, buttons.pack("tmx", LAN.id, an.id, MINH.id,
                                                    owner=LEAD.id))
    assert shown(again)[0].text == tr("vi", "Nothing left to hand over: this was done already.")


async def test_all_customers_of_an_rm_who_leaves(bot: Harness, team_id: int,
                                                 admin: Person) -> None:
    made = await fill_last_week(bot)
    for key in ("an", "cuong"):
        await bot.storage.reminders.create(
            staff_id=LAN.id, customer_id=made[key].id, kind="followup", text="gọi lại",
            due_at=bot.clock.now() - timedelta(hours=1), now=bot.clock.now())
    await bot.storage.customers.set_archived(LAN.id, made["dung"].id, True, bot.clock.now())
    # Lan leaves: her access is turned off; her customers still have to go somewhere.
    await bot.storage.staff.set_active(LAN.id, False)
    await bot.send(LEAD, "/reassign")
    await bot.press(LEAD, "🚫 Lan Nguyễn (4)")
    with active("vi", HCM):
        everyone = ngettext("All {count} customer", "All {count} customers", 4).format(count=4)
    await bot.press(LEAD, everyone)
    receivers = bot.last_for(LEAD)
    assert "Lan Nguyễn" not in " ".join(label for label, _d in receivers.buttons)
    await bot.press(LEAD, "伟 王")
    await bot.press(LEAD, tr("vi", "Yes, hand over"))
    assert await bot.storage.reassign.count_owned(LAN.id) == 0
    assert await bot.storage.reassign.count_owned(WEI.id) == 6
    overdue = await bot.storage.review.overdue_follow_ups([LAN.id, WEI.id], bot.clock.now())
    assert overdue == {LAN.id: 0, WEI.id: 2}
    for key in ("an", "bich", "cuong", "dung"):
        assert await bot.storage.audit.actions_for("customer", made[key].id) == [
            "customer.reassigned"]
    assert "staff.customers_reassigned" in await bot.storage.audit.actions_for("staff", LAN.id)
    # Wei sees the archived customer among his archived ones, with Lan's history.
    archived = await bot.storage.customers.archived(WEI.id, offset=0, limit=10)
    assert [c.name for c in archived.customers] == ["Phạm Thị Dung"]
    # An RM cannot use the lead's buttons, even ones signed for them.
    calls = await bot.press_data(MINH, buttons.pack("tmx", WEI.id, 0, MINH.id, owner=MINH.id))
    assert [a.params.get("text") for a in of(calls, "answerCallbackQuery")] == [
        tr("vi", EXPIRED)]
    assert await bot.storage.reassign.count_owned(WEI.id) == 6


async def test_receiver_must_be_in_the_same_team(bot: Harness, team_id: int) -> None:
    made = await fill_last_week(bot)
    other = await bot.storage.teams.create("滨城团队", bot.clock.now())
    assert other is not None
    outsider = Person(2999, "Tú", "Võ", language_code="vi")
    await bot.register(outsider, "rm", other.id, "vi")
    calls = await bot.press_data(LEAD, buttons.pack("tmx", LAN.id, made["an"].id, outsider.id,
                                                    owner=LEAD.id))
    assert [a.params.get("text") for a in of(calls, "answerCallbackQuery")] == [
        tr("vi", EXPIRED)]
    assert await bot.storage.customers.get(LAN.id, made["an"].id) is not None


async def test_everything_the_customer_has_moves_with_them(bot: Harness, team_id: int) -> None:
    """Complaints, deals, open offers and household links follow the customer; the old RM's
    service figures no longer count a complaint that is not theirs to resolve."""
    made = await fill_last_week(bot)
    an, bich = made["an"], made["bich"]
    now = bot.clock.now()
    complaint_id = await bot.storage.open_complaint(LAN.id, an.id, "thẻ bị khoá", now,
                                                    now + timedelta(days=2))
    deal = await bot.storage.deals.create(owner_id=LAN.id, customer_id=an.id, actor_id=LAN.id,
                                          now=now, amount_minor=500_000_000, currency="VND")
    assert deal is not None
    await bot.storage.household.link(LAN.id, an.id, bich.id, "spouse", LAN.id, now)
    await bot.send(LEAD, "/reassign")
    await bot.press(LEAD, "Lan Nguyễn")
    with active("vi", HCM):
        everyone = ngettext("All {count} customer", "All {count} customers", 4).format(count=4)
    await bot.press(LEAD, everyone)
    await bot.press(LEAD, "Minh Lê")
    await bot.press(LEAD, tr("vi", "Yes, hand over"))
    # The complaint is Minh's: he can resolve it, /service counts it, the reminders go to him.
    calls = await bot.press_data(MINH, buttons.pack("svr", complaint_id, owner=MINH.id))
    assert [a.params.get("text") for a in of(calls, "answerCallbackQuery")] == [None]
    assert (await bot.storage.complaints.rows(MINH.id, now, now - timedelta(days=30))).open == 1
    assert (await bot.storage.complaints.rows(LAN.id, now, now - timedelta(days=30))).open == 0
    assert [c.owner_id for c in await bot.storage.complaints.open_complaints()] == [MINH.id]
    # The deal is on Minh's card and opens for him.
    assert [d.id for d in await bot.storage.deals.for_customer(MINH.id, an.id)] == [deal.id]
    calls = await bot.press_data(MINH, buttons.pack("dv", deal.id, owner=MINH.id))
    assert [a.params.get("text") for a in of(calls, "answerCallbackQuery")] == [None]
    assert await bot.storage.deals.for_customer(LAN.id, an.id) == []
    # Both spouses are Minh's now, and so is the link between them.
    members = await bot.storage.household.members(MINH.id, an.id)
    assert [m.customer_id for m in members] == [bich.id]
    assert await bot.storage.household.unlink(MINH.id, members[0].link_id, MINH.id, now)


async def test_a_client_number_the_receiver_holds_is_answered_not_crashed(
        bot: Harness, team_id: int) -> None:
    """A number is unique within a book: handing over a customer whose number the receiver's
    book already holds moves nothing and says why."""
    an = await customer(bot, LAN, "Nguyễn Văn An", bot.clock.now(), client_ref="VCB-0001")
    await customer(bot, LAN, "Trần Thị Bích", bot.clock.now())
    await customer(bot, MINH, "Nguyễn Văn An (2)", bot.clock.now(), client_ref="vcb-0001")
    await bot.send(LEAD, "/reassign")
    await bot.press(LEAD, "Lan Nguyễn")
    with active("vi", HCM):
        everyone = ngettext("All {count} customer", "All {count} customers", 2).format(count=2)
    await bot.press(LEAD, everyone)
    await bot.press(LEAD, "Minh Lê")
    await bot.press(LEAD, tr("vi", "Yes, hand over"))
    with active("vi", HCM):
        assert bot.last_for(LEAD).text == ngettext(
            "Nothing was handed over: {receiver} already has a customer with the client "
            "reference {refs}. A client reference names one customer in a book: change or "
            "clear it on one of the two cards first.",
            "Nothing was handed over: {receiver} already has customers with the client "
            "references {refs}. A client reference names one customer in a book: change or "
            "clear them on one of the two cards first.", 1).format(
            receiver="<b>Minh Lê</b>", refs="VCB-0001")
    assert await bot.storage.customers.get(LAN.id, an.id) is not None
    assert await bot.storage.reassign.count_owned(LAN.id) == 2
    # Handed to Wei, whose book does not hold it, it moves.
    await bot.send(LEAD, "/reassign")
    await bot.press(LEAD, "Lan Nguyễn")
    await bot.press(LEAD, everyone)
    await bot.press(LEAD, "伟 王")
    await bot.press(LEAD, tr("vi", "Yes, hand over"))
    assert await bot.storage.customers.get(WEI.id, an.id) is not None
