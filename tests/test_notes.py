"""Notes and interactions (handlers/notes.py): typed notes, logged calls and visits, replies to
a card, /note in one line, and files and forwarded messages waiting in the inbox until filed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from core import buttons
from core.i18n import _, active, format_date, format_datetime
from core.messages import LIMIT
from domain.customers import INTERACTION_KINDS, OUTCOME_ICONS, OUTCOMES
from playground.fake_updates import Person
from tests.conftest import NOW
from tests.customers import (
    ALREADY_FILED,
    HCM,
    MATCHING,
    NO_MATCH,
    PHOTO,
    SAVED_AND_FOLLOW_UP,
    SHANGHAI,
    WHICH_CUSTOMER,
    actions,
    add,
    history,
    labels,
    last_card,
    make_rm,
    open_card,
    press_action,
)
from tests.harness import Harness, answer_of, of, only_message, shown, tr

# -- notes and interactions --------------------------------------------------------------------


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
        assert saved.text.split("\n\n")[0] == _(SAVED_AND_FOLLOW_UP).format(
            kind=_("Note"), name="<b>Nguyễn Văn An</b>")
    # The loan the note mentions is offered first (tests/test_suggestions.py).
    assert actions(saved) == ["sga", "sgx", "fu", "fu", "fu", "cf", "c", "undo"]
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
        question = _("{kind} with {name}: how did it go? Tap the outcome, or type what came "
                     "out of it. (/cancel to stop)").format(
            kind=_(INTERACTION_KINDS[kind]), name="王伟")
        # A call shows the number first, which Telegram's apps make tappable to dial.
        dial = "📞 +86 138 0013 8000\n\n" if kind == "call" else ""
        assert prompt.text == dial + question
        assert labels(prompt) == [*(f"{OUTCOME_ICONS[key]} {_(text)}"
                                    for key, text in OUTCOMES.items()),
                                  _("Log it without a note")]
    saved = only_message(await bot.send(wei, "客户下周来行里签约"))
    with active("zh_Hans", SHANGHAI):
        # Then next week, the note's time, offered as the follow-up (tests/test_suggestions).
        assert saved.text.split("\n\n")[0] == _(SAVED_AND_FOLLOW_UP).format(
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
    # The same button again is claimed already; the other customer's finds the item filed.
    for label, answer in (("Nguyễn Văn An", "Already handled."), ("Trần Văn An", ALREADY_FILED)):
        again = await bot.press(lan, label, call=pick)
        assert answer_of(again).params["text"] == tr("vi", answer)
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

# -- files and forwarded messages --------------------------------------------------------------


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


# -- characters one engine stores and the other refuses -------------------------------------------
ARABIC_LIGATURE = "\ufdfa"  # ﷺ: one character that NFKD folding turns into 18


async def notes_of(bot: Harness, rm: Person) -> list[str]:
    rows = await bot.storage.db.fetch_all(
        "SELECT i.text FROM interactions i JOIN customers c ON c.id = i.customer_id"
        " WHERE c.owner_id = ? AND i.kind = 'note' ORDER BY i.id", (rm.id,))
    return [row[0] for row in rows]


async def test_nul_characters_are_dropped_the_same_way_on_both_engines(
        bot: Harness, rm: Person) -> None:
    """PostgreSQL refuses NUL in text (and in JSON); SQLite stored it: on both, the note,
    the guided add (its step is JSON in chat_states) and the search go through without it."""
    await bot.register(rm, language="en")
    await bot.send(rm, "/add Nguyen Van An 0901234567 first")
    saved = only_message(await bot.send(rm, "/note Nguyen Van An sent the\x00 salary slips"))
    assert "Note saved for <b>Nguyen Van An</b>" in saved.text
    assert (await notes_of(bot, rm))[-1] == "sent the salary slips"
    await bot.send(rm, "/add")
    await bot.send(rm, "Tran\x00 Thi Binh")
    found = await bot.storage.customers.search(rm.id, ["tran thi binh"], "", offset=0, limit=5)
    assert [c.name for c in found.customers] == ["Tran Thi Binh"]
    answer = only_message(await bot.send(rm, "/find nobody\x00here"))
    assert "No customer matches" in answer.text
    for (value,) in await bot.storage.db.fetch_all("SELECT data FROM chat_states"):
        assert "\\u0000" not in value and "\x00" not in value


async def test_characters_that_expand_when_folded_never_lose_a_note(
        bot: Harness, rm: Person) -> None:
    """ﷺ × 4000 folds to 72,000 letters: SQLite refused that LIKE pattern ("pattern too
    complex") and the note was lost; PostgreSQL took it. Now both store it."""
    await bot.register(rm, language="en")
    await bot.send(rm, "/add Nguyen Van An 0901234567 first")
    long_text = ARABIC_LIGATURE * 4000
    saved = only_message(await bot.send(rm, f"/note Nguyen Van An {long_text}"))
    assert "Note saved for <b>Nguyen Van An</b>" in saved.text
    assert (await notes_of(bot, rm))[-1] == long_text
    # /find reads the first 100 characters (1,800 letters once folded): the note has them.
    answer = only_message(await bot.send(rm, f"/find {long_text}"))
    assert "<b>Nguyen Van An</b>" in answer.text and len(answer.text) < 1000
    await bot.send(rm, f"/add An {ARABIC_LIGATURE * 100} 0907654321")
    found = only_message(await bot.send(rm, f"/find An {ARABIC_LIGATURE * 3}"))
    assert ARABIC_LIGATURE in found.text


# -- a note read in full, corrected or deleted from the history ---------------------------------


@pytest.mark.parametrize(("language", "zone"), [("vi", HCM), ("zh_Hant_HK", "Asia/Hong_Kong"),
                                                ("zh_Hans", SHANGHAI)])
async def test_a_long_note_is_read_in_full_then_corrected_and_deleted_by_its_author(
        bot: Harness, language: str, zone: str) -> None:
    rm = await make_rm(bot, language, zone=zone)
    customer = await add(bot, rm, "Nguyễn Văn An 0901234567")
    long_note = "Báo cáo thăm khách: " + "nhu cầu vay mua nhà, thu nhập ổn định. " * 40
    await bot.send(rm, f"/note Nguyễn Văn An {long_note}")
    card = await open_card(bot, rm, customer)
    page = only_message(await press_action(bot, rm, "ch", customer.id, 0, call=card))
    assert long_note.strip() not in page.text  # cut in the history…
    with active(language, zone):
        read = _("📖 Read in full: {kind}, {when}").format(kind=_("Note"),
                                                          when=format_date(NOW))
    assert labels(page)[0] == read
    full = only_message(await bot.press(rm, read, call=page))
    assert long_note.strip() in full.text  # …and whole here
    with active(language, zone):
        correct, delete = _("✏️ Correct"), _("🗑 Delete")
    assert labels(full)[:2] == [correct, delete]
    # Corrected: the text is replaced, marked corrected, searchable by its new words.
    prompt = only_message(await bot.press(rm, correct, call=full))
    with active(language, zone):
        assert prompt.text == _(
            "Type the corrected text of this note on {name}: it replaces the text above. "
            "(/cancel to keep it)").format(name="<b>Nguyễn Văn An</b>")
    bot.clock.advance(minutes=3)
    done = only_message(await bot.send(rm, "Khách cần vay 3 tỷ mua căn hộ quận 7"))
    with active(language, zone):
        assert done.text.startswith(_("✅ Note corrected."))
        assert _("<i>Corrected on {when}</i>").format(
            when=format_datetime(NOW + timedelta(minutes=3))) in done.text
    notes = [n.text for n in await history(bot, rm, customer)]
    assert notes[0] == "Khách cần vay 3 tỷ mua căn hộ quận 7" and long_note.strip() not in notes
    found = only_message(await bot.send(rm, "/find can ho quan 7"))
    assert "căn hộ quận 7" in found.text
    assert "interaction.corrected" in await bot.storage.audit.actions_for("customer",
                                                                          customer.id)
    # Deleted, after a question; pressed twice, once.
    ask = only_message(await bot.press(rm, delete, call=done))
    with active(language, zone):
        assert _("Delete this note for good? It cannot be undone.") in ask.text
        yes = _("🗑 Yes, delete it")
    deleted = shown(await bot.press(rm, yes, call=ask))
    with active(language, zone):
        assert deleted[0].text == _("🗑 The note on {name} was deleted.").format(
            name="<b>Nguyễn Văn An</b>")
    again = await bot.press(rm, yes, call=ask)
    assert answer_of(again).params["text"] == tr(language, "Already handled.")
    assert await history(bot, rm, customer) == []
    assert "interaction.deleted" in await bot.storage.audit.actions_for("customer",
                                                                        customer.id)


async def test_only_the_author_corrects_or_deletes_a_note(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    customer = await add(bot, lan, "Nguyễn Văn An 0901234567")
    # A note by someone else on Lan's customer (the RM before her, say).
    other = await make_rm(bot, "vi", person_id=2002, first_name="Minh")
    theirs = await bot.storage.add_interaction(staff_id=other.id, customer_id=customer.id,
                                               kind="note", now=NOW, text="ghi chú của Minh")
    shown_note = only_message(await bot.press_data(lan, buttons.pack("nv", theirs,
                                                                     owner=lan.id)))
    assert "ghi chú của Minh" in shown_note.text
    assert tr("vi", "✏️ Correct") not in labels(shown_note)
    for prefix in ("ned", "ndq", "ndel"):
        refused = await bot.press_data(lan, buttons.pack(prefix, theirs, owner=lan.id))
        assert answer_of(refused).params["text"] == tr("vi", "This note no longer exists.")
    # Minh cannot reach it either: the customer is not his.
    refused = await bot.press_data(other, buttons.pack("ndel", theirs, owner=other.id))
    assert answer_of(refused).params["text"] == tr("vi", "This note no longer exists.")
    assert "ghi chú của Minh" in [n.text for n in await history(bot, lan, customer)]
    # "Keep it as it is" leaves the note and the next text is not taken as its correction.
    mine = await bot.storage.add_interaction(staff_id=lan.id, customer_id=customer.id,
                                             kind="call", now=NOW, text="đã gọi")
    opened = only_message(await bot.press_data(lan, buttons.pack("nv", mine, owner=lan.id)))
    prompt = only_message(await bot.press(lan, tr("vi", "✏️ Correct"), call=opened))
    await bot.press(lan, tr("vi", "Keep it as it is"), call=prompt)
    await bot.send(lan, "nguyen van an")
    assert "đã gọi" in [n.text for n in await history(bot, lan, customer)]
