"""Search (handlers/search.py): /find across accents, scripts, pinyin, phone formats, companies
and tags, result pages, plain text as a search or a note, and only ever the RM's own customers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.i18n import _, active
from domain.customers import STAGES
from handlers.search import PAGE_SIZE
from playground.fake_updates import Person
from storage.customers import Customer
from tests.conftest import NOW
from tests.customers import (
    HCM,
    MATCHING,
    NEW_PROSPECT,
    NO_MATCH,
    SHANGHAI,
    WHICH_CUSTOMER,
    dumped,
    expected_card,
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
    for query, expected in [("nguyen van an", an), ("NGUYỄN", an), ("dang", ha),
                            ("đặng thu hà", ha), ("thu ha", ha), ("vanan", an)]:
        # One customer found: the card opens at once, no list to tap through.
        found = only_message(await bot.send(lan, f"/find {query}"))
        assert found.text == expected_card(expected, "vi", HCM), query
        assert result_ids(found) == [expected.id], query
    found = only_message(await bot.send(lan, "/find an"))
    with active("vi", HCM):
        assert found.text == _(MATCHING).format(query="an", count=3)
        assert labels(found)[0] == f"Nguyễn Văn An · {_(STAGES['find'])} · 0901 234 567"


async def test_find_ranks_the_full_name_then_the_given_name_then_prefixes(
        bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    # Created oldest first: without ranking, the newest would come first.
    an = await seed(bot, lan, "Nguyễn Văn An", "+84901234567")
    anh = await seed(bot, lan, "Ánh Dương")
    lan_ = await seed(bot, lan, "Trần Thị Lan")
    thanh = await seed(bot, lan, "Lâm Thanh", company="Tiệm vàng An Phú")
    found = only_message(await bot.send(lan, "/find an"))
    # The given name, then a word starting with it, then the rest (newest first).
    assert result_ids(found) == [an.id, anh.id, thanh.id, lan_.id]
    van_anh = await seed(bot, lan, "Nguyễn Văn Anh")
    found = only_message(await bot.send(lan, "/find nguyen van an"))
    assert result_ids(found) == [an.id, van_anh.id]  # the exact full name first
    found = only_message(await bot.send(lan, "/find anh"))
    assert result_ids(found) == [van_anh.id, anh.id, thanh.id]
    # Chinese: the given name is what follows the family name, two characters for a
    # compound one (欧阳娜 is called 娜; 杨阳娜 is called 阳娜).
    wei = await make_rm(bot, "zh_Hans", zone=SHANGHAI, person_id=2002)
    yang = await seed(bot, wei, "杨阳娜", region="CN")
    ouyang = await seed(bot, wei, "欧阳娜", region="CN")
    assert result_ids(only_message(await bot.send(wei, "/find 阳娜"))) == [yang.id, ouyang.id]
    assert result_ids(only_message(await bot.send(wei, "/find yangna"))) == [yang.id,
                                                                            ouyang.id]
    # In Taiwan, typed in Traditional characters.
    mei = await make_rm(bot, "zh_Hant_TW", zone="Asia/Taipei", person_id=2003)
    ming = await seed(bot, mei, "陳小明", region="TW")
    xiaoming = await seed(bot, mei, "歐陽小明", region="TW")
    shop = await seed(bot, mei, "小明燒肉", region="TW")
    found = only_message(await bot.send(mei, "/find 小明"))
    assert result_ids(found) == [xiaoming.id, ming.id, shop.id]


@pytest.mark.parametrize(("language", "query"), [("vi", "dth"), ("vi", "DTH"), ("en", "dth")])
async def test_vietnamese_initials_find_as_chinese_ones_do(bot: Harness, language: str,
                                                           query: str) -> None:
    rm = await make_rm(bot, language)
    hong = await seed(bot, rm, "Đặng Thị Hồng", "+84912345678")
    an = await seed(bot, rm, "Nguyễn Văn An", "+84901234567")
    found = only_message(await bot.send(rm, f"/find {query}"))
    assert result_ids(found) == [hong.id] and found.text == expected_card(hong, language, HCM)
    assert result_ids(only_message(await bot.send(rm, "/find nva"))) == [an.id]


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


# -- notes -------------------------------------------------------------------------------------


async def note(bot: Harness, rm: Person, customer: Customer, text: str, hours: int = 0) -> None:
    await bot.storage.add_interaction(staff_id=rm.id, customer_id=customer.id, kind="note",
                                      now=NOW + timedelta(hours=hours), text=text)


async def test_notes_are_searched_without_accents_and_show_where(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    an = await seed(bot, lan, "Nguyễn Văn An", "+84901234567")
    binh = await seed(bot, lan, "Trần Thị Bình")
    await seed(bot, lan, "Lê Văn Cường")
    await note(bot, lan, an, "Khách hỏi về Sổ Tiết Kiệm 12 tháng, muốn lãi suất trên 6%")
    # One customer's note says it: the card opens, with the words around them.
    found = only_message(await bot.send(lan, "/find so tiet kiem"))
    with active("vi", HCM):
        prefix = _("📝 From a note: {snippet}").format(
            snippet="<i>Khách hỏi về Sổ Tiết Kiệm 12 tháng, muốn lãi suất trên 6%</i>")
    noted = await bot.storage.customers.get(lan.id, an.id)
    assert noted is not None and found.text == expected_card(noted, "vi", HCM, prefix=prefix)
    assert result_ids(found) == [an.id]
    # Two: listed with each one's words (escaped), newest contact first.
    await note(bot, lan, binh, "<b>VIP</b> muốn mở sổ tiết kiệm online", hours=1)
    found = only_message(await bot.send(lan, "/find sổ tiết kiệm"))
    with active("vi", HCM):
        assert found.text.split("\n") == [
            _("Customers whose notes mention “{query}”: {count}").format(
                query="sổ tiết kiệm", count=2),
            "• <b>Trần Thị Bình</b>: &lt;b&gt;VIP&lt;/b&gt; muốn mở sổ tiết kiệm online",
            "• <b>Nguyễn Văn An</b>: Khách hỏi về Sổ Tiết Kiệm 12 tháng, muốn lãi suất "
            "trên 6%"]
    assert result_ids(found) == [binh.id, an.id]
    # A name found is shown as before; the notes are read only when no file matches, and a
    # query of two letters never reads them (most notes have them).
    assert result_ids(only_message(await bot.send(lan, "/find binh"))) == [binh.id]
    assert only_message(await bot.send(lan, "/find 6%")).text == tr(
        "vi", NO_MATCH).format(query="6%")
    # Typed without /find, a text may be a note to file: it is not looked for in the notes.
    plain = only_message(await bot.send(lan, "sổ tiết kiệm"))
    assert plain.text == tr("vi", NO_MATCH).format(query="sổ tiết kiệm")


@pytest.mark.parametrize(("language", "zone", "written", "typed"), [
    ("zh_Hans", SHANGHAI, "客戶很喜歡喝奶茶，下週約在公司附近見面", "奶茶"),
    ("zh_Hant_TW", "Asia/Taipei", "客户很喜欢喝奶茶，下周约在公司附近见面", "喝奶茶"),
    ("zh_Hant_HK", "Asia/Hong_Kong", "客户想了解定期存款", "定期存款"),
])
async def test_notes_are_searched_in_either_chinese_script(
        bot: Harness, language: str, zone: str, written: str, typed: str) -> None:
    rm = await make_rm(bot, language, zone=zone)
    wang = await seed(bot, rm, "王伟", "+8613800138000", region="CN")
    await seed(bot, rm, "李娜", region="CN")
    await note(bot, rm, wang, written)
    found = only_message(await bot.send(rm, f"/find {typed}"))
    assert result_ids(found) == [wang.id]
    snippet = found.text.split("\n\n")[0]
    with active(language, zone):
        assert snippet == _("📝 From a note: {snippet}").format(snippet=f"<i>{written}</i>")
    # Another language's customers are not found by words that are not in their notes.
    assert only_message(await bot.send(rm, "/find 信用卡")).text == tr(
        language, NO_MATCH).format(query="信用卡")


async def test_a_note_written_before_the_search_columns_is_found(bot: Harness) -> None:
    """Notes and names stored before the notes were searchable are folded at start-up."""
    lan = await make_rm(bot, "vi")
    hong = await seed(bot, lan, "Đặng Thị Hồng")
    await note(bot, lan, hong, "Chị Hồng hỏi thẻ tín dụng hoàn tiền")
    await bot.storage.db.execute("UPDATE interactions SET search_text = NULL")
    await bot.storage.db.execute(
        "UPDATE customers SET name_key = NULL, search_key = '|dang thi hong|dangthihong|'")
    assert await bot.storage.customers.fill_search_columns(batch=1) == 2
    assert result_ids(only_message(await bot.send(lan, "/find the tin dung"))) == [hong.id]
    assert result_ids(only_message(await bot.send(lan, "/find dth"))) == [hong.id]
    assert await bot.storage.customers.fill_search_columns() == 0
