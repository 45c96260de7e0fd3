"""Referrals: who referred whom, the RM's best referrers, and the thank-you reminder when a
referred customer is won.

Expected texts are computed with the catalogs (``_`` inside ``active``), so they hold whatever
wording the translators choose.
"""

from __future__ import annotations

from typing import Any

import pytest

from core import buttons
from core.buttons import pack
from core.i18n import _, active, ngettext
from core.pushes import render
from core.pushes.referrals import THANKS
from domain.customers import STAGES
from playground.fake_api import ApiCall
from playground.fake_updates import Person
from scheduler.care import apply_care_rules
from storage.customers import Customer
from tests.harness import Harness

HCM = "Asia/Ho_Chi_Minh"
SHANGHAI = "Asia/Shanghai"
LAN = Person(2001, "Lan", "Nguyễn", language_code="vi")
MINH = Person(2002, "Minh", "Trần", language_code="vi")


@pytest.fixture
async def team(bot: Harness) -> int:
    """Lan and Minh, RMs of one team, both in Vietnamese."""
    created = await bot.storage.teams.create("Bến Thành", bot.clock.now())
    assert created is not None
    await bot.register(LAN, "rm", created.id, "vi")
    await bot.register(MINH, "rm", created.id, "vi")
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


async def press(bot: Harness, person: Person, action: str, *args: str | int) -> list[ApiCall]:
    """Press a button with this action and arguments (signed for the person)."""
    return await bot.press_data(person, pack(action, *args, owner=person.id))


def button_data(call: ApiCall, action: str, *args: str | int) -> str:
    wanted = [action, *(str(arg) for arg in args)]
    for _label, data in call.buttons:
        parts = data.rsplit("|", 1)[0].split(":")
        if parts[:len(wanted)] == wanted:
            return data
    raise AssertionError(f"no button {wanted} in {call.buttons}")


def shown(calls: list[ApiCall]) -> list[ApiCall]:
    return [c for c in calls if c.method in ("sendMessage", "editMessageText")]


async def thanks_reminders(bot: Harness) -> list[dict[str, Any]]:
    return [dict(row) for row in await bot.storage.db.fetch_all(
        "SELECT id, staff_id, customer_id, ref_id FROM reminders WHERE kind = 'thanks'"
        " ORDER BY id")]


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


async def test_thank_you_reminder_when_a_referral_is_won(bot: Harness, team: int) -> None:
    binh = await customer(bot, LAN, "Trần Thị Bình", language="zh_Hans")
    cuong = await customer(bot, LAN, "Lê Văn Cường", stage="follow", referred_by=binh.id,
                           referrer="Trần Thị Bình")
    await apply_care_rules(bot.storage, bot.clock.now())
    assert await thanks_reminders(bot) == []
    await press(bot, LAN, "css", cuong.id, "won")
    await apply_care_rules(bot.storage, bot.clock.now())
    # Won again after a detour: still thanked once.
    await press(bot, LAN, "css", cuong.id, "care")
    await press(bot, LAN, "css", cuong.id, "won")
    bot.clock.advance(hours=1)
    await apply_care_rules(bot.storage, bot.clock.now())
    found = await thanks_reminders(bot)
    assert [(r["staff_id"], r["customer_id"], r["ref_id"]) for r in found] == [
        (LAN.id, binh.id, cuong.id)]
    message = await deliver(bot, LAN, found[0]["id"], "vi")
    with active("vi", HCM):
        assert _("{referred}, whom {referrer} referred, is now a customer: a good moment to "
                 "thank {referrer}.").format(referred="<b>Lê Văn Cường</b>",
                                             referrer="<b>Trần Thị Bình</b>") in message.text
    # The suggested message is in the referrer's language.
    assert tr("zh_Hans", THANKS, SHANGHAI, name="Lê Văn Cường") in message.text
    assert button_data(message, "c", binh.id)


async def test_referrals_ranking_and_whom_they_brought(bot: Harness, team: int) -> None:
    an = await customer(bot, LAN, "Nguyễn Văn An")
    binh = await customer(bot, LAN, "Trần Thị Bình")
    chi = await customer(bot, LAN, "Lê Chi")
    for name, stage, by in [("K1", "won", an), ("K2", "care", an), ("K3", "contact", an),
                            ("K4", "won", binh), ("K5", "find", chi), ("K6", "lost", chi)]:
        await customer(bot, LAN, name, stage=stage, referred_by=by.id, referrer=by.name)
    await customer(bot, MINH, "K7", referred_by=an.id)  # not Lan's: not counted
    calls = await bot.send(LAN, "/referrals")
    forms = ("{rank}. <b>{name}</b>: referred {referred}, of whom {became} became a customer",
             "{rank}. <b>{name}</b>: referred {referred}, of whom {became} became customers")

    def line(**values: Any) -> str:
        with active("vi", HCM):
            return ngettext(*forms, values["became"]).format(**values)

    assert calls[-1].text.split("\n") == [
        tr("vi", "<b>Your best referrers</b>"),
        line(rank=1, name="Nguyễn Văn An", referred=3, became=2),
        line(rank=2, name="Lê Chi", referred=2, became=0),
        line(rank=3, name="Trần Thị Bình", referred=1, became=1)]
    assert button_data(calls[-1], "c", an.id) and button_data(calls[-1], "rfl", chi.id)
    listed = await bot.press_data(LAN, button_data(calls[-1], "rfl", an.id), calls[-1])
    lines = shown(listed)[-1].text.split("\n")
    assert lines[0] == tr("vi", "<b>Referred by {name}</b> ({count})", name="Nguyễn Văn An",
                          count=3)
    with active("vi", HCM):
        assert sorted(lines[1:]) == sorted(f"• {name} · {_(STAGES[stage])}" for name, stage in
                                           [("K1", "won"), ("K2", "care"), ("K3", "contact")])
    empty = await bot.send(MINH, "/referrals")
    assert empty[-1].text == tr("vi", "No referrals recorded yet. On a customer's card, ✏️ "
                                      "Edit → “Referred by” records who brought them.")


async def test_referrer_picked_among_several_matches(bot: Harness, team: int) -> None:
    await customer(bot, LAN, "Nguyễn Văn An", phone="+84901234567")
    second = await customer(bot, LAN, "Nguyễn Văn An", phone="+84912345678")
    ha = await customer(bot, LAN, "Đỗ Hà")
    await press(bot, LAN, "cef", ha.id, "referrer")
    calls = await bot.send(LAN, "Nguyễn Văn An")
    picker = calls[-1]
    assert picker.text == tr("vi", "Is “{typed}” one of your customers? Pick them to link the "
                                   "referral (it then counts in /referrals).",
                             typed="Nguyễn Văn An")
    assert len([data for _label, data in picker.buttons if data.startswith("rfp:")]) == 2
    await bot.press_data(LAN, button_data(picker, "rfp", ha.id, second.id), picker)
    updated = await bot.storage.customers.get(LAN.id, ha.id)
    assert updated is not None and updated.referred_by == second.id
    # A single exact match is linked at once, with no question.
    await customer(bot, LAN, "Phạm Thu")
    calls = await bot.send(LAN, "/help")
    await press(bot, LAN, "cef", ha.id, "referrer")
    calls = await bot.send(LAN, "Phạm Thu")
    assert "rfp" not in str(calls[-1].buttons)
    updated = await bot.storage.customers.get(LAN.id, ha.id)
    assert updated is not None and updated.referrer == "Phạm Thu" and updated.referred_by
