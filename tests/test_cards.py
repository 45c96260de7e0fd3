"""The customer card and its history (handlers/cards.py): what the card shows, the history
newest first and paged, and another RM's customer out of reach even with forged buttons."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from core import buttons
from core.i18n import _, active, format_date, format_datetime
from domain.customers import SEGMENTS, STAGES
from handlers.cards import HISTORY_ENTRY_LIMIT, HISTORY_PAGE
from playground.fake_api import ApiCall
from tests.conftest import NOW
from tests.customers import (
    ALREADY_FILED,
    CARD_ACTIONS,
    HCM,
    PHOTO,
    actions,
    add,
    dumped,
    expected_card,
    history,
    labels,
    make_rm,
    open_card,
    payload,
    press_action,
    reminders_of,
    snapshot,
    two_rms,
)
from tests.harness import Harness, answer_of, only_message, shown, tr
from tests.staff import EXPIRED

# -- the card ----------------------------------------------------------------------------------


async def test_card_shows_the_essentials(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    customer = await add(bot, lan, "Nguyễn Văn An 0901 234 567")
    card = await open_card(bot, lan, customer)
    with active("vi", HCM):
        assert f"{_(SEGMENTS['individual'])} · {_(STAGES['find'])}" in card.text
        assert _("Last contact: {when}").format(when=_("never")) in card.text
        assert _("Next follow-up: {when}").format(when=_("none set")) in card.text
        expected_labels = [_("📝 Note"), _("📞 Call"), _("🚶 Visit"), _("🤝 Meeting"),
                           _("⏰ Follow-up"), _("➡️ Stage"), _("⚠️ Complaint"),
                           _("💼 Deals"), _("💰 Products"), _("👨‍👩‍👧 Household"),
                           _("✏️ Edit"), _("🕘 History"), _("🗄 Archive")]
    assert "📞 0901 234 567" in card.text
    assert labels(card) == expected_labels
    assert [payload(data)[1:] for _l, data in card.buttons] == [
        [str(customer.id)], [str(customer.id), "call"], [str(customer.id), "visit"],
        [str(customer.id), "meeting"], [str(customer.id)], [str(customer.id)],
        [str(customer.id), "complaint"], [str(customer.id)], [str(customer.id)],
        [str(customer.id)], [str(customer.id)], [str(customer.id), "0"],
        [str(customer.id)]]
    # A grade, a call an hour later and a follow-up all show on the card.
    await press_action(bot, lan, "ce", customer.id, call=card)
    await press_action(bot, lan, "cef", customer.id, "grade")
    await press_action(bot, lan, "cev", customer.id, "grade", "VIP")
    bot.clock.advance(hours=1)
    await press_action(bot, lan, "cl", customer.id, "call", call=card)
    await bot.send(lan, "đã gọi, hẹn tuần sau")
    await press_action(bot, lan, "fu", customer.id, "1d")
    card = await open_card(bot, lan, customer)
    fresh = await bot.storage.customers.get(lan.id, customer.id)
    assert fresh is not None and fresh.grade == "VIP"
    assert fresh.last_contact_at == NOW + timedelta(hours=1)
    follow_up = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 09:00 in Ho Chi Minh City
    assert card.text == expected_card(fresh, "vi", HCM, follow_up=follow_up)
    with active("vi", HCM):
        assert _("Last contact: {when}").format(
            when=format_datetime(NOW + timedelta(hours=1))) in card.text
        assert _("Next follow-up: {when}").format(when=format_datetime(follow_up)) in card.text
    assert " · VIP · " in card.text

# -- history -----------------------------------------------------------------------------------


async def test_history_pages_newest_first(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    customer = await add(bot, lan, "Nguyễn Văn An 0901234567")
    for index in range(1, 13):
        await bot.storage.interactions.add(
            customer_id=customer.id, staff_id=lan.id, kind="call" if index % 2 else "note",
            happened_at=NOW + timedelta(hours=index), now=NOW, text=f"lần {index:02d}")
    card = await open_card(bot, lan, customer)

    def numbers(call: ApiCall) -> list[int]:
        return [int(n) for n in re.findall(r"lần (\d\d)", call.text)]

    first = only_message(await press_action(bot, lan, "ch", customer.id, 0, call=card))
    with active("vi", HCM):
        assert first.text.startswith(_("<b>History of {name}</b> ({count})").format(
            name="Nguyễn Văn An", count=12))
        assert format_datetime(NOW + timedelta(hours=12)) in first.text
        newer, older = _("◀ Newer"), _("Older ▶")
        back = _("Back to the card")
    def own(call: ApiCall) -> list[str]:
        # Each of Lan's own notes and calls can be opened to correct or delete it.
        with active("vi", HCM):
            return [_("✏️ {kind}, {when}").format(
                kind=_("Call") if n % 2 else _("Note"),
                when=format_date(NOW + timedelta(hours=n))) for n in numbers(call)]

    assert numbers(first) == [12, 11, 10, 9, 8]
    assert labels(first) == [*own(first), older, back]
    second = only_message(await bot.press(lan, older, call=first))
    assert numbers(second) == [7, 6, 5, 4, 3]
    assert labels(second) == [*own(second), newer, older, back]
    third = only_message(await bot.press(lan, older, call=second))
    assert numbers(third) == [2, 1]
    assert labels(third) == [*own(third), newer, back]
    assert HISTORY_PAGE == 5
    again = only_message(await bot.press(lan, newer, call=third))
    assert numbers(again) == [7, 6, 5, 4, 3]
    back_to_card = only_message(await bot.press(lan, back, call=again))
    assert actions(back_to_card) == CARD_ACTIONS


async def test_empty_history(bot: Harness) -> None:
    ann = await make_rm(bot, "en")
    customer = await add(bot, ann, "Nguyễn Văn An 0901234567")
    card = await open_card(bot, ann, customer)
    page = only_message(await press_action(bot, ann, "ch", customer.id, 0, call=card))
    assert page.text.endswith(tr("en", "Nothing recorded yet."))
    assert HISTORY_ENTRY_LIMIT < 4096

# -- data safety -------------------------------------------------------------------------------


async def test_another_rms_customer_cannot_be_reached_with_forged_buttons(
    bot: Harness,
) -> None:
    a, b, secret = await two_rms(bot)
    # B's file: a photo, a follow-up, a saved search, an inbox item.
    await bot.send_update(bot.make.message(b, caption="B's contract", photo=PHOTO))
    await bot.press(b, "Hoàng Bí Mật")
    b_file = (await history(bot, b, secret))[0]
    card = await open_card(bot, b, secret)
    await press_action(bot, b, "cf", secret.id, call=card)
    await bot.send(b, "明天上午10点 回电")
    b_reminder = (await reminders_of(bot, secret))[0]["id"]
    await bot.send(b, "/find hoang")
    b_search = int(await bot.storage.db.fetch_value("SELECT MAX(id) FROM searches"))
    await bot.send_update(bot.make.document(b, "b.pdf", file_id="doc-b"))
    b_item = (await bot.storage.inbox.list_open(b.id))[0].id
    # A's own inbox item, to try filing it into B's customer.
    mine = await add(bot, a, "Trần Thị Bích 0912345678")
    await bot.send_update(bot.make.document(a, "a.pdf", file_id="doc-a"))
    a_item = (await bot.storage.inbox.list_open(a.id))[0].id
    before = await snapshot(bot, secret)
    cid = secret.id
    forged: list[tuple[str, tuple[str | int, ...], str]] = [
        ("c", (cid,), EXPIRED), ("ch", (cid, 0), EXPIRED), ("cn", (cid,), EXPIRED),
        ("cl", (cid, "call"), EXPIRED), ("cls", (cid, "visit"), EXPIRED),
        ("cf", (cid,), EXPIRED), ("fu", (cid, "1d"), EXPIRED), ("cs", (cid,), EXPIRED),
        ("css", (cid, "won"), EXPIRED), ("css", (cid, "lost"), EXPIRED),
        ("ce", (cid,), EXPIRED), ("cef", (cid, "phone"), EXPIRED),
        ("cev", (cid, "grade", "VIP"), EXPIRED), ("cec", (cid, "company"), EXPIRED),
        ("ca", (cid,), EXPIRED), ("cr", (cid,), EXPIRED), ("cd", (cid,), EXPIRED),
        ("cdx", (cid,), EXPIRED), ("dupo", (cid,), EXPIRED),
        ("cfile", (b_file.id,), EXPIRED), ("fux", (b_reminder, cid), EXPIRED),
        ("fp", (b_search, 0), EXPIRED), ("fadd", (b_search,), EXPIRED),
        ("fnote", (b_search,), EXPIRED), ("pick", (a_item, cid), EXPIRED),
        ("pick", (b_item, cid), ALREADY_FILED), ("picks", (b_item,), ALREADY_FILED),
        ("pickx", (b_item,), ALREADY_FILED),
    ]
    for action, args, answer in forged:
        data = buttons.pack(action, *args, owner=a.id)
        calls = await bot.press_data(a, data)
        reply = answer_of(calls)
        assert reply.params["text"] == tr("vi", answer), data
        assert reply.params.get("show_alert") is True, data
        assert shown(calls) == [], data
        text = dumped(calls)
        for leak in ("Hoàng Bí Mật", "0977", "977 111 222", "977111222", "khách riêng",
                     "B's contract", "ph-big", "doc-b", "回电"):
            assert leak not in text, (data, leak)
    assert await snapshot(bot, secret) == before
    assert await bot.storage.inbox.get_open(a.id, a_item) is not None
    assert await bot.storage.inbox.get_open(b.id, b_item) is not None
    assert await history(bot, a, mine) == []
    # The same buttons signed for B do work: the refusals were about ownership.
    assert only_message(await bot.press_data(b, buttons.pack("c", cid, owner=b.id)))
