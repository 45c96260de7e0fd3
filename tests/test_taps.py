"""Tap budgets of the daily loop, end to end through the production wiring: every press is
counted and nothing is typed. A call or visit logged from the card with its outcome and the
next follow-up: 3 taps. A due reminder done, its outcome and the next follow-up: 3 taps. A
customer's open follow-ups done early, moved or cancelled from the card, from a follow-up's
confirmation, and from /today and /week."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core.i18n import _, active, current_timezone, local
from domain.customers import OUTCOME_ICONS, OUTCOMES
from playground.fake_api import ApiCall
from playground.fake_updates import Person
from scheduler.dispatcher import Dispatcher
from storage.customers import Customer
from tests.customers import HCM, LANGUAGES, SHANGHAI, make_rm, open_card, reminders_of, seed
from tests.harness import Harness, shown

ZONES = {"vi": HCM, "zh_Hans": SHANGHAI, "zh_Hant_TW": "Asia/Taipei",
         "zh_Hant_HK": "Asia/Hong_Kong", "en": HCM}


class Taps:
    """Presses buttons by their label in the user's language, counting them."""

    def __init__(self, bot: Harness, person: Person, language: str) -> None:
        self.bot, self.person, self.language, self.count = bot, person, language, 0

    def label(self, text: str) -> str:
        with active(self.language, ZONES[self.language]):
            return _(text)

    async def tap(self, label: str, call: ApiCall) -> list[ApiCall]:
        self.count += 1
        return await self.bot.press(self.person, label, call)


def outcome(language: str, key: str) -> str:
    with active(language, ZONES[language]):
        return f"{OUTCOME_ICONS[key]} {_(OUTCOMES[key])}"


async def interactions(bot: Harness, customer: Customer) -> list[tuple[str, str, str]]:
    rows = await bot.storage.db.fetch_all(
        "SELECT kind, text, detail FROM interactions WHERE customer_id = ? ORDER BY id",
        (customer.id,))
    return [(row["kind"], row["text"], row["detail"]) for row in rows]


async def customer_of(bot: Harness, rm: Person, language: str) -> Customer:
    name = {"vi": "Nguyễn Văn An", "en": "Nguyễn Văn An", "zh_Hans": "王伟"}.get(
        language, "陳志明")
    return await seed(bot, rm, name, "+84901234567")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("kind", "label", "key"), [("call", "📞 Call", "na"),
                                                    ("visit", "🚶 Visit", "in")])
async def test_a_contact_with_its_outcome_and_the_next_follow_up_takes_three_taps(
        bot: Harness, language: str, kind: str, label: str, key: str) -> None:
    rm = await make_rm(bot, language, ZONES[language])
    customer = await customer_of(bot, rm, language)
    card = await open_card(bot, rm, customer)
    taps = Taps(bot, rm, language)
    asked = shown(await taps.tap(taps.label(label), card))[-1]
    saved = shown(await taps.tap(outcome(language, key), asked))[-1]
    # The outcome replaced its question: its buttons cannot log a second contact.
    assert saved.method == "editMessageText"
    await taps.tap(taps.label("Tomorrow"), saved)
    assert taps.count == 3
    with active(language, ZONES[language]):
        label_text = _(OUTCOMES[key])
    logged = await interactions(bot, customer)
    assert [(k, t) for k, t, _detail in logged] == [(kind, label_text)]
    assert f'"outcome": "{key}"' in logged[0][2]
    with active(language, ZONES[language]):
        day = local(bot.clock.now()).date() + timedelta(days=1)
        expected = datetime(day.year, day.month, day.day, 9, tzinfo=current_timezone())
    reminders = await reminders_of(bot, customer)
    assert [(r["status"], datetime.fromisoformat(str(r["due_at"]))) for r in reminders] == [
        ("pending", expected)]


@pytest.mark.parametrize("language", ["vi", "zh_Hans", "zh_Hant_TW", "zh_Hant_HK"])
async def test_a_due_reminder_done_with_its_outcome_and_the_next_follow_up_takes_three_taps(
        bot: Harness, language: str) -> None:
    rm = await make_rm(bot, language, ZONES[language])
    customer = await customer_of(bot, rm, language)
    first = await bot.storage.reminders.create(
        staff_id=rm.id, customer_id=customer.id, kind="followup", text="gọi lại",
        due_at=bot.clock.now(), now=bot.clock.now())
    dispatcher = Dispatcher(bot.app.bot, bot.storage, bot.clock, "vi", per_chat_interval=0)
    assert await dispatcher.drain() == 1
    pushed = bot.last_for(rm)
    taps = Taps(bot, rm, language)
    offered = shown(await taps.tap(taps.label("✅ Done"), pushed))[-1]
    # ✅ offers the next follow-up at once, beside the outcomes.
    labels = [text for text, _data in offered.buttons]
    assert taps.label("Tomorrow") in labels and outcome(language, "cb") in labels
    saved = shown(await taps.tap(outcome(language, "cb"), offered))[-1]
    await taps.tap(taps.label("In 3 days"), saved)
    assert taps.count == 3
    reminders = await reminders_of(bot, customer)
    with active(language, ZONES[language]):
        said = _(OUTCOMES["cb"])
        day = local(bot.clock.now()).date() + timedelta(days=3)
        expected = datetime(day.year, day.month, day.day, 9, tzinfo=current_timezone())
    done = reminders[0]
    assert (done["id"], done["status"], done["outcome"]) == (first, "done", said)
    assert [(r["status"], datetime.fromisoformat(str(r["due_at"])))
            for r in reminders[1:]] == [("pending", expected)]
    assert [(k, t) for k, t, _detail in await interactions(bot, customer)] == [("note", said)]
    assert await bot.storage.states.get(rm.id, rm.id) is None  # nothing typed is filed


async def test_open_follow_ups_are_managed_from_the_card_confirmation_and_agenda(
        bot: Harness) -> None:
    rm = await make_rm(bot, "vi", HCM)
    customer = await customer_of(bot, rm, "vi")
    taps = Taps(bot, rm, "vi")
    # Three follow-ups, set from the card's contact confirmations.
    for days in ("Tomorrow", "In 3 days", "Next week"):
        card = await open_card(bot, rm, customer)
        asked = shown(await taps.tap(taps.label("📞 Call"), card))[-1]
        saved = shown(await taps.tap(outcome("vi", "cb"), asked))[-1]
        confirmation = shown(await taps.tap(taps.label(days), saved))[-1]
    ids = [r["id"] for r in await reminders_of(bot, customer)]
    assert len(ids) == 3

    # From its confirmation: the last one (next week) is cancelled.
    await taps.tap(taps.label("✖ Cancel"), confirmation)
    assert [r["status"] for r in await reminders_of(bot, customer)] == [
        "pending", "pending", "cancelled"]

    # The card lists the open ones, each with done, move and cancel: the second is done early.
    card = await open_card(bot, rm, customer)
    dones = [text for text, _data in card.buttons if text.startswith("✅ ")]
    assert len(dones) == 2
    await taps.tap(dones[1], card)
    assert [r["status"] for r in await reminders_of(bot, customer)] == [
        "pending", "done", "cancelled"]
    # Only that follow-up's buttons left the card; the rest stay.
    edited = bot.api.of("editMessageReplyMarkup")[-1]
    assert len([b for row in edited.params["reply_markup"]["inline_keyboard"] for b in row
                if b["text"].startswith("✅ ")]) == 1

    # From /week: the first is moved to tomorrow morning... then from /today it is gone.
    week = shown(await bot.send(rm, "/week"))[-1]
    offer = shown(await taps.tap(taps.label("🕘 Move"), week))[-1]
    await taps.tap(taps.label("Next week"), offer)
    moved = (await reminders_of(bot, customer))[0]
    assert moved["status"] == "pending" and moved["version"] == 1
    with active("vi", HCM):
        day = local(bot.clock.now()).date() + timedelta(days=7)
        expected = datetime(day.year, day.month, day.day, 9, tzinfo=current_timezone())
    assert datetime.fromisoformat(str(moved["due_at"])) == expected
    # From /today (the agenda): cancelled.
    bot.clock.set(expected - timedelta(hours=1))
    today = shown(await bot.send(rm, "/today"))[-1]
    await taps.tap(taps.label("✖ Cancel"), today)
    assert [r["status"] for r in await reminders_of(bot, customer)] == [
        "cancelled", "done", "cancelled"]
