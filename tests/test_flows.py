"""Questions the bot asks (handlers/flows.py, domain/flows.py): "skip" in every language at
every skippable step, records that cannot be empty (a complaint's content, a note's text),
names that need letters."""

from __future__ import annotations

from datetime import date

import pytest

from core import buttons
from core.i18n import _, active
from domain.flows import SKIP_WORDS, is_skip
from domain.spreadsheets import _RowReader
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
    assert asked_note.text == tr(language, "What do they need? (a first note, or skip)")
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
