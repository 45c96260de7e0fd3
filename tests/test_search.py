"""Search (handlers/search.py): /find across accents, scripts, pinyin, phone formats, companies
and tags, result pages, plain text as a search or a note, and only ever the RM's own customers."""

from __future__ import annotations

import pytest

from core.i18n import _, active
from domain.customers import STAGES
from handlers.search import PAGE_SIZE
from tests.conftest import NOW
from tests.customers import (
    HCM,
    MATCHING,
    NEW_PROSPECT,
    NO_MATCH,
    SHANGHAI,
    WHICH_CUSTOMER,
    dumped,
    history,
    labels,
    make_rm,
    only_customer,
    press_action,
    result_ids,
    seed,
    snapshot,
    two_rms,
)
from tests.harness import Harness, answer_of, only_message, shown, tr

# -- search ------------------------------------------------------------------------------------


async def test_find_ignores_accents_and_case(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    an = await seed(bot, lan, "Nguyễn Văn An", "+84901234567")
    ha = await seed(bot, lan, "Đặng Thu Hà", "+84912345678")
    await seed(bot, lan, "Trần Thị Bích", "+84987654321")
    for query, expected in [("nguyen van an", [an.id]), ("NGUYỄN", [an.id]),
                            ("dang", [ha.id]), ("đặng thu hà", [ha.id]), ("thu ha", [ha.id]),
                            ("vanan", [an.id])]:
        found = only_message(await bot.send(lan, f"/find {query}"))
        with active("vi", HCM):
            assert found.text == _(MATCHING).format(query=query, count=len(expected)), query
        assert result_ids(found) == expected, query
    found = only_message(await bot.send(lan, "/find dang"))
    with active("vi", HCM):
        assert labels(found)[0] == f"Đặng Thu Hà · {_(STAGES['find'])} · 0912 345 678"


async def test_find_across_chinese_scripts_and_pinyin(bot: Harness) -> None:
    mei = await make_rm(bot, "zh_Hant_TW", zone=SHANGHAI)
    big = await seed(bot, mei, "陳大文", region="CN")
    small = await seed(bot, mei, "陈小明", region="CN")
    wang = await seed(bot, mei, "王伟", "+8613800138000", region="CN")
    for query, expected in [("陈", {big.id, small.id}), ("陳", {big.id, small.id}),
                            ("陈大文", {big.id}), ("陳小明", {small.id}),
                            ("wangwei", {wang.id}), ("wang wei", {wang.id}), ("ww", {wang.id}),
                            ("王偉", {wang.id}), ("chendawen", {big.id})]:
        found = only_message(await bot.send(mei, f"/find {query}"))
        assert set(result_ids(found)) == expected, query


@pytest.mark.parametrize("query", ["0901.234.567", "+84 901 234 567", "901234567",
                                   "234 567", "0901234567", "84901234567", "0901-234-567"])
async def test_find_by_phone_in_any_format(bot: Harness, query: str) -> None:
    ann = await make_rm(bot, "en")
    an = await seed(bot, ann, "Nguyễn Văn An", "+84901234567")
    await seed(bot, ann, "Trần Thị Bích", "+84987654321")
    found = only_message(await bot.send(ann, f"/find {query}"))
    assert result_ids(found) == [an.id]


async def test_find_by_company_and_tag(bot: Harness) -> None:
    ann = await make_rm(bot, "en")
    shop = await seed(bot, ann, "Lâm Quốc Thịnh", "+84901234567",
                      company="Tiệm vàng Kim Thành", tags="vip, chợ Bến Thành")
    await seed(bot, ann, "Nguyễn Văn An", "+84912345678")
    for query in ("kim thanh", "tiem vang", "Bến Thành", "vip"):
        assert result_ids(only_message(await bot.send(ann, f"/find {query}"))) == [shop.id]


async def test_find_pages_through_many_results(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    created = [await seed(bot, lan, f"Khách Chợ Lớn {n:02d}", f"+8490{n:07d}")
               for n in range(1, 21)]
    newest_first = [c.id for c in reversed(created)]
    first = only_message(await bot.send(lan, "/find khach cho lon"))
    with active("vi", HCM):
        assert first.text == _(MATCHING).format(query="khach cho lon", count=20)
        previous, following = _("◀ Previous"), _("Next ▶")
    assert result_ids(first) == newest_first[:PAGE_SIZE]
    assert labels(first)[-1] == following
    second = only_message(await bot.press(lan, following, call=first))
    assert second.method == "editMessageText"
    assert result_ids(second) == newest_first[PAGE_SIZE:2 * PAGE_SIZE]
    assert labels(second)[-2:] == [previous, following]
    third = only_message(await bot.press(lan, following, call=second))
    assert result_ids(third) == newest_first[2 * PAGE_SIZE:]
    assert labels(third)[-1] == previous
    back = only_message(await bot.press(lan, previous, call=third))
    assert result_ids(back) == newest_first[PAGE_SIZE:2 * PAGE_SIZE]


async def test_find_without_result_or_query(bot: Harness) -> None:
    wei = await make_rm(bot, "zh_Hans", zone=SHANGHAI)
    await seed(bot, wei, "王伟", "+8613800138000", region="CN")
    nothing = only_message(await bot.send(wei, "/find 李娜"))
    assert nothing.text == tr("zh_Hans", NO_MATCH).format(query="李娜")
    assert nothing.buttons == []
    prompt = only_message(await bot.send(wei, "/find"))
    assert prompt.text == tr("zh_Hans", "What should I look for? For example: /find nguyen van "
                             "an, /find tran, /find 0901 234")
    # Search text is escaped when echoed.
    escaped = only_message(await bot.send(wei, "/find <i>x</i>"))
    assert "&lt;i&gt;x&lt;/i&gt;" in escaped.text


async def test_plain_text_searches_and_offers_to_add(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    found = only_message(await bot.send(lan, "Lê Văn Tám 0909 123 456 cần mở thẻ"))
    assert found.text == tr("vi", NO_MATCH).format(query="Lê Văn Tám 0909 123 456 cần mở thẻ")
    with active("vi", HCM):
        add_label, note_label = _("➕ Add as a new prospect"), _("📝 Save as a note…")
    assert labels(found) == [add_label, note_label]
    created = await bot.press(lan, add_label, call=found)
    customer = await only_customer(bot, lan)
    assert (customer.name, customer.phone) == ("Lê Văn Tám", "+84909123456")
    assert [n.text for n in await history(bot, lan, customer)] == ["cần mở thẻ"]
    assert only_message(created).text.startswith(tr("vi", NEW_PROSPECT))
    # A text that finds someone can still be kept as a note.
    hit = only_message(await bot.send(lan, "tám"))
    assert result_ids(hit) == [customer.id]
    assert labels(hit)[-1] == note_label
    # One that finds nobody, saved as a note and filed under a recent customer.
    missed = only_message(await bot.send(lan, "gửi bảng lãi suất"))
    pick = only_message(await bot.press(lan, note_label, call=missed))
    assert pick.text == tr("vi", WHICH_CUSTOMER)
    await bot.press(lan, "Lê Văn Tám", call=pick)
    assert [n.text for n in await history(bot, lan, customer)] == ["gửi bảng lãi suất",
                                                                   "cần mở thẻ"]


async def test_note_mode_turns_plain_text_into_a_note(bot: Harness) -> None:
    ann = await make_rm(bot, "en")
    customer = await seed(bot, ann, "Nguyễn Văn An", "+84901234567")
    settings = only_message(await bot.send(ann, "/settings"))
    switched = await press_action(bot, ann, "mode", "note", call=settings)
    assert answer_of(switched).params["text"] == tr("en", "Saved.")
    staff = await bot.storage.staff.get(ann.id)
    assert staff is not None and staff.text_mode == "note"
    pick = only_message(await bot.send(ann, "nguyen van an wants a card"))
    assert pick.text == tr("en", WHICH_CUSTOMER)
    await bot.press(ann, "Nguyễn Văn An", call=pick)
    assert [n.text for n in await history(bot, ann, customer)] == ["nguyen van an wants a card"]
    # /find still searches.
    assert result_ids(only_message(await bot.send(ann, "/find nguyen"))) == [customer.id]


async def test_long_plain_text_is_a_note_never_a_search(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    await seed(bot, lan, "Nguyễn Văn An", "+84901234567")
    text = "Nguyễn Văn An " + "gọi lại hỏi về khoản vay mua nhà, muốn lãi suất ưu đãi. " * 3
    assert len(text) > 100
    pick = only_message(await bot.send(lan, text))
    assert pick.text == tr("vi", WHICH_CUSTOMER)
    items = await bot.storage.inbox.list_open(lan.id)
    assert [item.text for item in items] == [text.strip()]
    assert await bot.storage.db.fetch_value("SELECT COUNT(*) FROM searches") == 0

# -- data safety -------------------------------------------------------------------------------


async def test_search_and_one_liners_stay_within_the_rms_own_customers(bot: Harness) -> None:
    a, _b, secret = await two_rms(bot)
    before = await snapshot(bot, secret)
    # B's data as B typed or the bot shows it; A only ever types other spellings.
    leaks = ("Hoàng Bí Mật", "977 111 222", "+84977111222", "khách riêng")
    for text in ("/find hoang bi mat", "/find 0977111222", "/find 111 222", "hoang bi mat",
                 "/note hoang bi mat đã gọi", "/note 0977111222 đã gọi",
                 "/remind hoang bi mat mai 9h gọi lại", "/pipeline", "/archived", "/inbox"):
        calls = await bot.send(a, text)
        assert shown(calls), text
        for leak in leaks:
            assert leak not in dumped(calls), (text, leak)
    assert await snapshot(bot, secret) == before
    # A's recent customers (offered for filing) never include B's.
    for item in await bot.storage.inbox.list_open(a.id):
        assert await bot.storage.file_inbox_item(a.id, item.id, secret.id, NOW) is False
    assert await snapshot(bot, secret) == before
