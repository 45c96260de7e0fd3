"""Questions the bot asks (handlers/flows.py, domain/flows.py): "skip" in every language at
every skippable step, records that cannot be empty (a complaint's content, a note's text),
names that need letters."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from core import buttons
from core.i18n import _, active, ngettext
from domain.flows import SKIP_WORDS, is_skip
from domain.spreadsheets import _RowReader
from handlers import flows
from playground.fake_api import ApiCall
from playground.fake_updates import Person
from storage.customers import Customer
from tests.customers import (
    HCM,
    NEW_PROSPECT,
    SHANGHAI,
    actions,
    expected_card,
    history,
    labels,
    make_rm,
    only_customer,
    open_card,
    press_action,
    reminders_of,
    result_ids,
    seed,
)
from tests.harness import Harness, answer_of, only_message, shown, tr

SKIPPED = "Skipped: nothing was saved."
NEEDS_CONTENT = "A complaint needs its content: what is it about?"
ASK_COMPLAINT = "What is {name}'s complaint? Type it in a few words. (/cancel to stop)"
ASK_NOTE = "Type the note for {name}. (/cancel to stop)"

# -- skip -------------------------------------------------------------------------------------

SKIPS = [("vi", "bỏ qua"), ("vi", "Bỏ qua."), ("zh_Hans", "跳过"), ("zh_Hant_TW", "跳過"),
         ("zh_Hant_HK", "略過"), ("en", "skip"), ("en", "Skip!")]


@pytest.mark.parametrize("word", ["bỏ qua", "bo qua", "跳过", "跳過", "略過", "SKIP", "不用了",
                                  "không cần"])
def test_skip_words(word: str) -> None:
    assert is_skip(word)


@pytest.mark.parametrize("text", ["không", "không nghe máy", "gọi lại sau", "没接", "Bảo", ""])
def test_answers_are_not_skips(text: str) -> None:
    assert not is_skip(text) and "khong" not in SKIP_WORDS


@pytest.mark.parametrize(("language", "word"), SKIPS)
async def test_skip_typed_at_each_guided_add_step(bot: Harness, language: str,
                                                  word: str) -> None:
    rm = await make_rm(bot, language)
    await bot.send(rm, "/add")
    await bot.send(rm, "Phạm Minh Châu")
    asked_note = only_message(await bot.send(rm, word))  # the phone
    assert asked_note.text.startswith(
        tr(language, "What do they need? (a first note, or skip)"))
    assert "<b>Phạm Minh Châu</b>" in asked_note.text
    done = only_message(await bot.send(rm, word))  # the note
    customer = await only_customer(bot, rm)
    assert (customer.name, customer.phone) == ("Phạm Minh Châu", None)
    assert done.text == expected_card(customer, language, HCM, prefix=NEW_PROSPECT)
    assert await history(bot, rm, customer) == []
    assert await bot.storage.states.get(rm.id, rm.id) is None


async def test_skip_typed_for_the_name_stops_the_add(bot: Harness) -> None:
    rm = await make_rm(bot, "zh_Hant_TW")
    await bot.send(rm, "/add")
    assert only_message(await bot.send(rm, "跳過")).text == tr("zh_Hant_TW", SKIPPED)
    assert await bot.storage.db.fetch_value("SELECT COUNT(*) FROM customers") == 0


@pytest.mark.parametrize(("language", "word"), SKIPS[:4])
async def test_skip_typed_after_a_call_logs_it_without_a_note(bot: Harness, language: str,
                                                              word: str) -> None:
    rm = await make_rm(bot, language)
    customer = await seed(bot, rm, "Nguyễn Văn An", "+84901234567")
    await press_action(bot, rm, "cl", customer.id, "call", call=await open_card(bot, rm,
                                                                                 customer))
    saved = only_message(await bot.send(rm, word))
    assert "fu" in actions(saved)
    assert [(n.kind, n.text) for n in await history(bot, rm, customer)] == [("call", "")]


@pytest.mark.parametrize(("language", "word"), SKIPS[:4])
async def test_skip_typed_for_a_note_saves_nothing(bot: Harness, language: str,
                                                   word: str) -> None:
    rm = await make_rm(bot, language)
    customer = await seed(bot, rm, "Nguyễn Văn An")
    await press_action(bot, rm, "cn", customer.id, call=await open_card(bot, rm, customer))
    assert only_message(await bot.send(rm, word)).text == tr(language, SKIPPED)
    assert await history(bot, rm, customer) == []


async def test_skip_typed_for_a_deal_amount_asks_the_close(bot: Harness) -> None:
    rm = await make_rm(bot, "zh_Hans", zone=SHANGHAI)
    customer = await seed(bot, rm, "王伟", region="CN")
    deal = await bot.storage.deals.create(owner_id=rm.id, customer_id=customer.id,
                                          actor_id=rm.id, now=bot.clock.now())
    assert deal is not None
    await bot.press_data(rm, buttons.pack("da", deal.id, owner=rm.id))
    asked = only_message(await bot.send(rm, "跳过"))
    assert "王伟" in asked.text and "dcd" in actions(asked)
    saved = await bot.storage.deals.get(rm.id, deal.id)
    assert saved is not None and saved.amount_minor is None


# -- a complaint needs its content ------------------------------------------------------------


@pytest.mark.parametrize(("language", "zone", "name"), [
    ("vi", HCM, "Trần Văn Bảo"), ("zh_Hant_TW", "Asia/Taipei", "陳志明"),
    ("zh_Hans", SHANGHAI, "王伟")])
async def test_the_cards_complaint_cannot_be_saved_empty(bot: Harness, language: str, zone: str,
                                                         name: str) -> None:
    rm = await make_rm(bot, language, zone=zone)
    customer = await seed(bot, rm, name)
    asked = only_message(await press_action(bot, rm, "cl", customer.id, "complaint",
                                            call=await open_card(bot, rm, customer)))
    with active(language, zone):
        assert asked.text.startswith(_(ASK_COMPLAINT).format(name=name))
        assert _("Log it without a note") not in labels(asked)
    # A button left from before: it asks for the content instead of saving an empty one.
    stale = await bot.press_data(rm, buttons.pack("cls", customer.id, "complaint",
                                                  owner=rm.id))
    assert answer_of(stale)
    assert tr(language, ASK_COMPLAINT, zone).format(name=name) in only_message(stale).text
    assert await bot.storage.db.fetch_value("SELECT COUNT(*) FROM complaints") == 0
    await bot.send(rm, "phí bị trừ 2 lần")
    assert [(n.kind, n.text) for n in await history(bot, rm, customer)] == [
        ("complaint", "phí bị trừ 2 lần")]


# -- a one-word /note that names a customer ---------------------------------------------------


@pytest.mark.parametrize(("language", "name", "typed"), [
    ("vi", "Trần Văn Bảo", "Bảo"), ("zh_Hans", "王伟", "王伟"), ("zh_Hant_HK", "陳大文", "陳大文")])
async def test_note_naming_only_a_customer_asks_for_the_text(bot: Harness, language: str,
                                                             name: str, typed: str) -> None:
    rm = await make_rm(bot, language)
    customer = await seed(bot, rm, name)
    asked = only_message(await bot.send(rm, f"/note {typed}"))
    assert asked.text.startswith(tr(language, ASK_NOTE).format(name=name))
    assert await history(bot, rm, customer) == []
    assert await bot.storage.inbox.list_open(rm.id) == []
    await bot.send(rm, "đã gửi hồ sơ")
    assert [(n.kind, n.text) for n in await history(bot, rm, customer)] == [
        ("note", "đã gửi hồ sơ")]


async def test_note_naming_several_customers_asks_which(bot: Harness) -> None:
    rm = await make_rm(bot, "vi")
    an = await seed(bot, rm, "Nguyễn Văn An")
    await seed(bot, rm, "Lê Thị An")
    asked = only_message(await bot.send(rm, "/note An"))
    assert asked.text == tr("vi", "Which customer is the note for? Then type the note.")
    assert set(actions(asked)) == {"cn"}
    await press_action(bot, rm, "cn", an.id, call=asked)
    await bot.send(rm, "hẹn thứ Hai")
    assert [n.text for n in await history(bot, rm, an)] == ["hẹn thứ Hai"]
    assert await bot.storage.inbox.list_open(rm.id) == []


# -- names need letters, wherever they are typed ----------------------------------------------


def test_an_imported_emoji_name_is_refused() -> None:
    row = _RowReader(2, {"name": "😀😀"}, "VN", {}, "vi", date(2026, 11, 23))
    row.fields()
    assert row.error is not None and "😀😀" in str(row.error.params)


async def test_emoji_name_refused_at_the_guided_add(bot: Harness) -> None:
    rm = await make_rm(bot, "zh_Hant_TW")
    await bot.send(rm, "/add")
    refused = shown(await bot.send(rm, "😀😀"))
    assert refused and await bot.storage.db.fetch_value("SELECT COUNT(*) FROM customers") == 0


# -- every question: Skip, whose file, ten minutes, another customer's name -------------------

OUTCOME = ("✅ Done. How did it go? Tap the outcome or type a short note for {name}'s file; or "
           "set the next follow-up.")
PRESSED = "Already handled."  # a writing button pressed again on the same message
HELD = "“{text}” is the name of another customer. Where does it go?"
GONE = "This question was already answered, skipped or has expired."
MARKETS = [("vi", HCM, "Nguyễn Văn An", "Lê Thị Mai", "le thi mai"),
           ("zh_Hans", SHANGHAI, "王伟", "李娜", "李娜"),
           ("zh_Hant_TW", "Asia/Taipei", "陳志明", "林美玲", "林美玲")]


async def _done_reminder(bot: Harness, rm: Person, customer: Customer) -> ApiCall:
    now = bot.clock.now()
    reminder_id = await bot.storage.schedule_follow_up(rm.id, customer.id, "gọi lại",
                                                       now - timedelta(minutes=1), now)
    reminder = await bot.storage.reminders.get(rm.id, reminder_id or 0)
    assert reminder is not None
    calls = await bot.press_data(rm, buttons.pack("rd", reminder.id, reminder.version,
                                                  owner=rm.id))
    return [call for call in shown(calls) if call.method == "sendMessage"][-1]


@pytest.mark.parametrize(("language", "zone", "name", "other", "typed"), MARKETS)
async def test_the_outcome_question_has_skip_and_names_the_file(
        bot: Harness, language: str, zone: str, name: str, other: str, typed: str) -> None:
    rm = await make_rm(bot, language, zone=zone)
    customer = await seed(bot, rm, name)
    asked = await _done_reminder(bot, rm, customer)
    assert asked.text == tr(language, OUTCOME, zone).format(name=name)
    assert labels(asked)[-1] == tr(language, "Skip")
    skipped = await press_action(bot, rm, "ask", "outcome", call=asked)
    assert only_message(skipped).text == tr(language, SKIPPED)
    assert await bot.storage.states.get(rm.id, rm.id) is None
    again = await press_action(bot, rm, "ask", "outcome", call=asked)
    assert answer_of(again).params["text"] == tr(language, PRESSED)
    assert await history(bot, rm, customer) == []


@pytest.mark.parametrize(("language", "zone", "name", "other", "typed"), MARKETS)
async def test_another_customers_name_is_not_filed_as_the_outcome(
        bot: Harness, language: str, zone: str, name: str, other: str, typed: str) -> None:
    rm = await make_rm(bot, language, zone=zone)
    customer = await seed(bot, rm, name)
    mai = await seed(bot, rm, other)
    await _done_reminder(bot, rm, customer)
    held = only_message(await bot.send(rm, typed))
    assert held.text == tr(language, HELD).format(text=typed)
    assert actions(held) == ["askf", "asko", "asks", "ask"]
    assert await history(bot, rm, customer) == []
    searched = only_message(await press_action(bot, rm, "asks", call=held))
    assert mai.id in result_ids(searched)
    assert await history(bot, rm, customer) == [] and await history(bot, rm, mai) == []
    assert await bot.storage.states.get(rm.id, rm.id) is None
    # Pressed again (or another of its buttons): the question is gone, nothing is filed.
    stale = await press_action(bot, rm, "askf", "outcome", call=held)
    assert answer_of(stale).params["text"] == tr(language, GONE)
    assert await history(bot, rm, customer) == []


async def test_the_held_text_can_still_be_filed_or_open_the_other_card(bot: Harness) -> None:
    rm = await make_rm(bot, "vi")
    an = await seed(bot, rm, "Nguyễn Văn An")
    mai = await seed(bot, rm, "Lê Thị Mai")
    await press_action(bot, rm, "cn", an.id, call=await open_card(bot, rm, an))
    held = only_message(await bot.send(rm, "Lê Thị Mai"))
    filed = await press_action(bot, rm, "askf", "note", call=held)
    assert shown(filed)
    assert [n.text for n in await history(bot, rm, an)] == ["Lê Thị Mai"]
    await press_action(bot, rm, "cn", an.id, call=await open_card(bot, rm, an))
    held = only_message(await bot.send(rm, "le thi mai"))
    opened = only_message(await press_action(bot, rm, "asko", mai.id, call=held))
    assert "Lê Thị Mai" in opened.text and "cn" in actions(opened)
    assert len(await history(bot, rm, an)) == 1 and await history(bot, rm, mai) == []
    # Its own customer's name is an answer like any other.
    await press_action(bot, rm, "cn", an.id, call=await open_card(bot, rm, an))
    await bot.send(rm, "Nguyễn Văn An")
    assert len(await history(bot, rm, an)) == 2


@pytest.mark.parametrize(("minutes", "filed"), [(9, True), (11, False)])
async def test_a_question_waits_ten_minutes(bot: Harness, minutes: int, filed: bool) -> None:
    rm = await make_rm(bot, "zh_Hans", zone=SHANGHAI)
    customer = await seed(bot, rm, "王伟")
    await _done_reminder(bot, rm, customer)
    bot.clock.advance(minutes=minutes)
    answered = only_message(await bot.send(rm, "王"))
    assert [n.text for n in await history(bot, rm, customer)] == (["王"] if filed else [])
    if not filed:  # read as a new message: a search
        assert customer.id in result_ids(answered)


async def _every_flow_state(bot: Harness, rm: Person, customer: Customer) -> dict[str, Any]:
    """Data that each question's step can read (its customer, reminder, complaint, deal…)."""
    now = bot.clock.now()
    reminder_id = await bot.storage.schedule_follow_up(rm.id, customer.id, "gọi",
                                                       now + timedelta(days=1), now)
    complaint_id = await bot.storage.open_complaint(rm.id, customer.id, "phí", now,
                                                    now + timedelta(days=2))
    deal = await bot.storage.deals.create(owner_id=rm.id, customer_id=customer.id,
                                          actor_id=rm.id, now=now)
    assert deal is not None
    return {"customer_id": customer.id, "reminder_id": reminder_id, "complaint_id": complaint_id,
            "deal_id": deal.id, "kind": "note", "step": "note", "field": "company",
            "part": "s", "version": 0, "first": False, "groups": []}


@pytest.mark.parametrize("flow", sorted(flows.STEPS))
async def test_every_question_can_be_skipped_expires_and_holds_another_name(
        bot: Harness, flow: str) -> None:
    rm = await make_rm(bot, "vi")
    customer = await seed(bot, rm, "Nguyễn Văn An")
    await seed(bot, rm, "Lê Thị Mai")
    data = await _every_flow_state(bot, rm, customer)
    states = bot.storage.states
    # Skip, pressed: the question is gone, and something is said.
    await states.set(rm.id, rm.id, flow, data, bot.clock.now())
    assert shown(await bot.press_data(rm, buttons.pack("ask", flow, owner=rm.id)))
    state = await states.get(rm.id, rm.id)
    assert state is None or state.flow != flow or state.data != data
    # Another customer's name: held, unless the question asks for a name.
    await states.set(rm.id, rm.id, flow, data, bot.clock.now())
    held = await bot.send(rm, "Lê Thị Mai")
    if flow in flows.NAME_ANSWERS:
        assert all(tr("vi", HELD).format(text="Lê Thị Mai") != c.text for c in shown(held))
    else:
        assert only_message(held).text == tr("vi", HELD).format(text="Lê Thị Mai")
        assert await history(bot, rm, customer) == [
            n for n in await history(bot, rm, customer) if n.text != "Lê Thị Mai"]
    # After ten minutes the next text is a new message.
    await states.set(rm.id, rm.id, flow, data, bot.clock.now())
    bot.clock.advance(minutes=10)
    searched = only_message(await bot.send(rm, "nguyen van an"))
    assert customer.id in result_ids(searched)
    assert await states.get(rm.id, rm.id) is None


# -- undo ---------------------------------------------------------------------------------------

UNDONE_NOTE = "↩️ Undone: the {kind} for {name} was taken back."
ALREADY_UNDONE = "Already undone, or changed since."
TOO_LATE = ("Too late to undo: that was saved more than {minutes} minute ago. Change it from "
            "the card.", "Too late to undo: that was saved more than {minutes} minutes ago. "
            "Change it from the card.")


def too_late(language: str) -> str:
    with active(language, "UTC"):
        return ngettext(*TOO_LATE, 5).format(minutes=5)


@pytest.mark.parametrize(("language", "zone", "name"), [
    ("vi", HCM, "Nguyễn Văn An"), ("zh_Hans", SHANGHAI, "王伟"),
    ("zh_Hant_HK", "Asia/Hong_Kong", "陳大文")])
async def test_a_note_can_be_undone_once_for_five_minutes(bot: Harness, language: str,
                                                         zone: str, name: str) -> None:
    rm = await make_rm(bot, language, zone=zone)
    customer = await seed(bot, rm, name)
    await press_action(bot, rm, "cn", customer.id, call=await open_card(bot, rm, customer))
    saved = only_message(await bot.send(rm, "gửi bảng lãi suất"))
    assert actions(saved)[-1] == "undo"
    note = (await history(bot, rm, customer))[0]
    bot.clock.advance(minutes=4)
    undone = await press_action(bot, rm, "undo", "i", note.id, call=saved)
    with active(language, zone):
        assert answer_of(undone).params["text"] == _("Undone.")
        assert only_message(undone).text == _(UNDONE_NOTE).format(
            kind=_("Note").lower(), name=f"<b>{name}</b>")
    assert await history(bot, rm, customer) == []
    refreshed = await bot.storage.customers.get(rm.id, customer.id)
    assert refreshed is not None and refreshed.last_contact_at is None
    again = await press_action(bot, rm, "undo", "i", note.id, call=saved)
    assert answer_of(again).params["text"] == tr(language, PRESSED)
    # From another message (the same button sent again): undone already, nothing more.
    elsewhere = await bot.press_data(rm, buttons.pack("undo", "i", note.id, owner=rm.id))
    assert answer_of(elsewhere).params["text"] == tr(language, ALREADY_UNDONE)
    assert "interaction.note.undone" in await bot.storage.audit.actions_for("customer",
                                                                           customer.id)
    # Another note, six minutes later: too late, and it stays.
    await press_action(bot, rm, "cn", customer.id, call=await open_card(bot, rm, customer))
    saved = only_message(await bot.send(rm, "hẹn tuần sau"))
    later = (await history(bot, rm, customer))[0]
    bot.clock.advance(minutes=6)
    late = await press_action(bot, rm, "undo", "i", later.id, call=saved)
    assert answer_of(late).params["text"] == too_late(language)
    assert [n.text for n in await history(bot, rm, customer)] == ["hẹn tuần sau"]


async def test_an_outcome_and_a_contact_can_be_undone(bot: Harness) -> None:
    rm = await make_rm(bot, "zh_Hant_TW", zone="Asia/Taipei")
    customer = await seed(bot, rm, "陳志明")
    await _done_reminder(bot, rm, customer)
    saved = only_message(await bot.send(rm, "客戶要再想想"))
    assert actions(saved) == ["undo"]
    note = (await history(bot, rm, customer))[0]
    await press_action(bot, rm, "undo", "i", note.id, call=saved)
    assert await history(bot, rm, customer) == []
    await press_action(bot, rm, "cl", customer.id, "visit",
                       call=await open_card(bot, rm, customer))
    logged = only_message(await bot.press(rm, tr("zh_Hant_TW", "Log it without a note")))
    visit = (await history(bot, rm, customer))[0]
    await press_action(bot, rm, "undo", "i", visit.id, call=logged)
    assert await history(bot, rm, customer) == []


async def test_a_stage_change_is_undone_with_what_it_closed(bot: Harness) -> None:
    rm = await make_rm(bot, "vi")
    customer = await seed(bot, rm, "Nguyễn Văn An")
    now = bot.clock.now()
    await bot.storage.customers.set_stage(rm.id, customer.id, "consult", None, now)
    await bot.storage.schedule_follow_up(rm.id, customer.id, "gọi", now + timedelta(days=1),
                                         now)
    await bot.press_data(rm, buttons.pack("css", customer.id, "lost", owner=rm.id))
    card = only_message(await bot.send(rm, "chọn ngân hàng khác"))
    assert actions(card)[-1] == "undo"
    change = (await history(bot, rm, customer))[0]
    undone = only_message(await press_action(bot, rm, "undo", "s", change.id, call=card))
    assert undone.text.startswith(tr("vi", "↩️ Undone: {name} is back at the stage before.")
                                  .format(name="<b>Nguyễn Văn An</b>"))
    back = await bot.storage.customers.get(rm.id, customer.id)
    assert back is not None and (back.stage, back.lost_reason) == ("consult", None)
    assert await history(bot, rm, customer) == []
    assert [r["status"] for r in await reminders_of(bot, customer)] == ["pending"]
    again = await bot.press_data(rm, buttons.pack("undo", "s", change.id, owner=rm.id))
    assert answer_of(again).params["text"] == tr("vi", ALREADY_UNDONE)
    assert "customer.stage_undone" in await bot.storage.audit.actions_for("customer",
                                                                         customer.id)


async def test_a_complaint_is_undone_once(bot: Harness) -> None:
    rm = await make_rm(bot, "zh_Hans", zone=SHANGHAI)
    customer = await seed(bot, rm, "王伟")
    opened = only_message(await bot.send(rm, "/complaint 王伟 转账手续费扣了两次"))
    complaint_id = await bot.storage.db.fetch_value("SELECT id FROM complaints")
    assert actions(opened)[-1] == "undo"
    undone = await press_action(bot, rm, "undo", "k", complaint_id, call=opened)
    assert answer_of(undone).params["text"] == tr("zh_Hans", "Undone.")
    assert await bot.storage.db.fetch_value("SELECT COUNT(*) FROM complaints") == 0
    assert await history(bot, rm, customer) == []
    again = await press_action(bot, rm, "undo", "k", complaint_id, call=opened)
    assert answer_of(again).params["text"] == tr("zh_Hans", PRESSED)
    elsewhere = await bot.press_data(rm, buttons.pack("undo", "k", complaint_id, owner=rm.id))
    assert answer_of(elsewhere).params["text"] == tr("zh_Hans", ALREADY_UNDONE)
