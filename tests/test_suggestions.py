"""Notes that fill the file: what a note mentions that the file is missing (domain/suggestions.py
on realistic notes in every language), offered one tap each, never again once dismissed, and
taken once however often pressed (handlers/suggestions.py, storage/suggestions.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.suggestions import CatalogProduct, Suggestion, read_note
from playground.fake_api import ApiCall
from playground.fake_updates import Person
from storage import open_storage
from storage.customers import Customer
from storage.db import to_db_time
from testkit.emulator import BotApiEmulator, to_chat
from testkit.postgres import run_sync
from testkit.process import TOKEN, wait_until
from testkit.store import Store
from tests.harness import Harness, shown, tr

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
# Monday 23 November 2026, 10:00 in Ho Chi Minh City (the harness's frozen clock).
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=HCM)
CATALOG = [
    CatalogProduct(1, "deposit", ("Tiền gửi có kỳ hạn 6 tháng", "6个月定期存款",
                                  "6-month term deposit")),
    CatalogProduct(2, "deposit", ("Tiền gửi có kỳ hạn 12 tháng", "一年期定期存款",
                                  "12-month term deposit")),
    CatalogProduct(3, "deposit", ("Tiền gửi trực tuyến", "线上定期存款", "Online term deposit")),
    CatalogProduct(4, "loan", ("Vay mua nhà", "住房贷款", "房屋貸款", "Home loan")),
    CatalogProduct(5, "loan", ("Vay mua ô tô", "汽车贷款", "汽車貸款", "Car loan")),
    CatalogProduct(6, "card", ("Thẻ tín dụng", "信用卡", "Credit card")),
]


def read(text: str, language: str = "vi", region: str = "VN") -> list[tuple[str, str, str]]:
    """(kind, what it is, the words) of everything the note offers."""
    return [(s.kind, s.key, text[s.start:s.end])
            for s in read_note(text, language=language, region=region, now=NOW,
                               products=CATALOG)]


# -- the rules, on notes as RMs write them -------------------------------------------------------

@pytest.mark.parametrize("language, region, note, expected", [
    ("vi", "VN", "Anh Minh muốn gửi 2 tỷ kỳ hạn 12 tháng, hẹn thứ 6 gặp lại ký hồ sơ. "
     "SĐT mới 0903 456 789", [
         ("phone", "+84903456789", "0903 456 789"),
         ("deal", "2:200000000000:VND", "2 tỷ"),
         ("follow_up", "2026-11-27T09:00+07:00", "thứ 6")]),
    ("vi", "VN", "đã gửi hồ sơ vay 3 tỷ mua nhà, tuần sau giải ngân", [
        ("deal", "loan:300000000000:VND", "3 tỷ"),
        ("follow_up", "2026-11-30T09:00+07:00", "tuần sau")]),
    ("vi", "VN", "Chị Hạnh nói sinh nhật chị 12/5, con trai học lớp 3", [
        ("birthday", "--05-12", "12/5")]),
    ("vi", "VN", "mai 9h gọi lại báo lãi suất", [
        ("follow_up", "2026-11-24T09:00+07:00", "mai 9h")]),
    ("zh_Hans", "CN", "客户想买50万理财，下周三再联系。手机13800138000", [
        ("phone", "+8613800138000", "手机13800138000"),
        ("deal", "investment:50000000:CNY", "50万"),
        ("follow_up", "2026-12-02T09:00+07:00", "下周三")]),
    ("zh_Hans", "CN", "王总生日是农历八月十五，喜欢喝茶", [
        ("birthday", "--08-15L", "农历八月十五")]),
    ("zh_Hant_TW", "TW", "陳先生想申請30萬信貸，下週二下午兩點回電", [
        ("deal", "loan:30000000:TWD", "30萬"),
        ("follow_up", "2026-12-01T14:00+07:00", "下週二下午兩點")]),
    ("zh_Hant_TW", "TW", "林小姐想辦信用卡，生日：民國74年3月15日", [
        ("birthday", "1985-03-15", "民國74年3月15日")]),
    ("zh_Hant_HK", "HK", "陳生想做50萬定期，聽日下晝三點再傾，電話 9123 4567", [
        ("phone", "+85291234567", "電話 9123 4567"),
        ("deal", "deposit:50000000:HKD", "50萬"),
        ("follow_up", "2026-11-24T15:00+07:00", "聽日下晝三點")]),
    ("en", "VN", "Wants a 500M VND car loan; call back next Tuesday at 3pm. Birthday 3 March "
     "1980", [
         ("deal", "5:50000000000:VND", "500M VND"),
         ("follow_up", "2026-12-01T15:00+07:00", "next Tuesday at 3pm"),
         ("birthday", "1980-03-03", "3 March 1980")]),
])
def test_realistic_notes(language: str, region: str, note: str,
                         expected: list[tuple[str, str, str]]) -> None:
    assert read(note, language, region) == expected


@pytest.mark.parametrize("language, note", [
    ("vi", "lương 30 triệu/tháng, chưa có nhu cầu"),  # money, but no product: no deal
    ("vi", "Mai gọi lại báo lãi suất"),  # Mai is a name as often as tomorrow
    ("vi", "sinh nhật vợ anh 20/10, nhớ gửi hoa"),  # a relative's birthday: not theirs,
    ("zh_Hans", "她儿子生日10月3号"),  # and not a follow-up either
    ("en", "Met at the branch, account 0123456789, born 1985"),  # no phone, no day
    ("vi", "đã gặp hôm qua, khách còn suy nghĩ"),  # a day gone by is no follow-up
    ("vi", "KH có 2 con, nhà ở quận 7"),
])
def test_what_is_not_offered(language: str, note: str) -> None:
    assert read(note, language) == []


def test_each_part_of_the_note_is_read_once() -> None:
    # The phone's digits are no amount; the birthday's date is no follow-up; the deposit's
    # term is no time.
    assert read("SN 15/03/1985, sđt 0912345678, gửi tiết kiệm 500 triệu kỳ hạn 6 tháng") == [
        ("phone", "+84912345678", "sđt 0912345678"),
        ("deal", "1:50000000000:VND", "500 triệu"),
        ("birthday", "1985-03-15", "15/03/1985")]


def test_two_phones_and_two_moments() -> None:
    found = read("Số nhà riêng 028 3823 4567, di động 0903 456 789. Thứ 3 gọi lại, thứ 5 "
                 "gặp ở chi nhánh")
    assert [kind for kind, _key, _words in found] == ["phone", "phone", "follow_up",
                                                      "follow_up"]


def test_what_the_suggestions_write() -> None:
    [phone, deal, follow_up] = read_note(
        "Anh Minh muốn gửi 2 tỷ kỳ hạn 12 tháng, hẹn thứ 6 gặp lại ký hồ sơ. SĐT 0903456789",
        language="vi", region="VN", now=NOW, products=CATALOG)
    assert phone.phone == "+84903456789"
    assert deal.amount.value == Decimal(2_000_000_000) and deal.product_id == 2
    assert follow_up.when == datetime(2026, 11, 27, 9, 0, tzinfo=HCM)
    assert follow_up.value["what"] == "hẹn gặp lại ký hồ sơ"
    [birthday] = read_note("生日：农历腊月初八", language="zh_Hans", region="CN", now=NOW)
    assert (birthday.birthday.month, birthday.birthday.day, birthday.birthday.lunar) == (12, 8,
                                                                                         True)


# -- the bot: offers, one tap each ---------------------------------------------------------------

LAN = Person(2001, "Lan", "Nguyễn", username="lan_rm", language_code="vi")
WEI = Person(2002, "Wei", "Wang", username="wei_rm", language_code="zh-hans")


async def rm(bot: Harness, person: Person, language: str, zone: str = "Asia/Ho_Chi_Minh",
             region: str = "VN") -> Person:
    await bot.register(person, language=language)
    await bot.storage.staff.set_timezone(person.id, zone, region)
    return person


async def customer(bot: Harness, owner: Person, name: str, **extra: Any) -> Customer:
    return await bot.storage.customers.create(owner_id=owner.id, name=name, phone=None,
                                              region="VN", now=bot.clock.now(), **extra)


def offer_of(calls: list[ApiCall]) -> ApiCall:
    [offer] = [call for call in shown(calls) if "💡" in call.text]
    return offer


def offered(offer: ApiCall) -> list[str]:
    """The icons of the offer's own buttons (a saved note's message has its follow-ups too)."""
    return [label[0] for label, data in offer.buttons if data.startswith(("sga:", "sgx:"))]


def press_label(bot: Harness, offer: ApiCall, icon: str) -> str:
    """The callback data of the offer's button starting with this icon."""
    return next(data for label, data in offer.buttons if label.startswith(icon))


async def test_a_note_offers_what_the_file_is_missing_and_each_tap_works_once(
        bot: Harness) -> None:
    lan = await rm(bot, LAN, "vi")
    minh = await customer(bot, lan, "Trần Văn Minh")
    calls = await bot.send(lan, "/note Trần Văn Minh muốn gửi 2 tỷ kỳ hạn 12 tháng, hẹn thứ 6 "
                                "gặp lại ký hồ sơ. SĐT 0903 456 789")
    offer = offer_of(calls)
    assert offered(offer) == ["📞", "✖", "💼", "✖", "⏰", "✖"]
    assert "0903 456 789" in offer.text and "2 tỷ" in offer.text
    # Nothing was written before a tap.
    unchanged = await bot.storage.customers.get(lan.id, minh.id)
    assert unchanged is not None and unchanged.phone is None
    for icon in ("📞", "💼", "⏰"):
        data = press_label(bot, offer, icon)
        first = await bot.press_data(lan, data, offer)
        again = await bot.press_data(lan, data, offer)
        assert [c.params.get("show_alert") for c in again if c.method == "answerCallbackQuery"] \
            == [True]
        assert [c.method for c in first].count("editMessageReplyMarkup") == 1
    saved = await bot.storage.customers.get(lan.id, minh.id)
    assert saved is not None and saved.phone == "+84903456789"
    [deal] = await bot.storage.deals.for_customer(lan.id, minh.id)
    assert deal.amount == Decimal(2_000_000_000) and deal.currency == "VND"
    assert deal.product_id is not None
    product = await bot.storage.catalog.get(deal.product_id)
    assert product is not None and product.code == "savings_12m"
    reminders = await bot.storage.db.fetch_all(
        "SELECT due_at, text FROM reminders WHERE customer_id = ? AND kind = 'followup'",
        (minh.id,))
    assert [(r["due_at"], r["text"]) for r in reminders] == [
        ("2026-11-27T02:00:00+00:00", "hẹn gặp lại ký hồ sơ")]
    actions = await bot.storage.audit.actions_for("customer", minh.id)
    assert actions.count("customer.updated") == 1 and actions.count("reminder.created") == 1


async def test_a_dismissed_offer_is_not_made_again(bot: Harness) -> None:
    lan = await rm(bot, LAN, "vi")
    await customer(bot, lan, "Trần Văn Minh")
    offer = offer_of(await bot.send(lan, "/note Trần Văn Minh số mới 0903 456 789"))
    dismissed = await bot.press_data(lan, press_label(bot, offer, "✖"), offer)
    assert [c.method for c in dismissed].count("editMessageReplyMarkup") == 1
    # Only a digest stays of what was dismissed: enough not to offer it again.
    [row] = await bot.storage.db.fetch_all("SELECT status, what, value FROM suggestions")
    assert (row["status"], row["value"]) == ("dismissed", "{}")
    assert "903" not in row["what"]
    calls = await bot.send(lan, "/note Trần Văn Minh gọi lại số 0903 456 789 không ai nghe")
    assert [c for c in shown(calls) if "💡" in c.text] == []
    # Another number is another offer.
    offer_of(await bot.send(lan, "/note Trần Văn Minh số khác 0912 345 678"))


async def test_a_file_that_has_it_gets_no_offer(bot: Harness) -> None:
    lan = await rm(bot, LAN, "vi")
    await customer(bot, lan, "Trần Văn Minh", birthday="--05-12")
    await bot.storage.customers.update(lan.id, (await bot.storage.customers.duplicates(
        lan.id, "Trần Văn Minh", None))[0].id, bot.clock.now(), "VN", phone="+84903456789")
    calls = await bot.send(lan, "/note Trần Văn Minh đổi số 0912 345 678, sinh nhật 12/5")
    assert [c for c in shown(calls) if "💡" in c.text] == []


async def test_a_chinese_note_offers_an_investment_deal(bot: Harness) -> None:
    wei = await rm(bot, WEI, "zh_Hans", "Asia/Shanghai", "CN")
    wang = await customer(bot, wei, "王建国")
    offer = offer_of(await bot.send(wei, "/note 王建国 想买50万理财，下周三再联系"))
    await bot.press_data(wei, press_label(bot, offer, "💼"), offer)
    [deal] = await bot.storage.deals.for_customer(wei.id, wang.id)
    assert (deal.amount, deal.currency) == (Decimal(500_000), "CNY")
    await bot.press_data(wei, press_label(bot, offer, "⏰"), offer)
    reminders = await bot.storage.db.fetch_all(
        "SELECT due_at, text FROM reminders WHERE customer_id = ?", (wang.id,))
    # Wednesday 2 December, 09:00 in Shanghai.
    assert [(r["due_at"], r["text"]) for r in reminders] == [
        ("2026-12-02T01:00:00+00:00", "再联系")]


async def test_a_forwarded_message_filed_under_a_customer_offers_too(bot: Harness) -> None:
    lan = await rm(bot, LAN, "vi")
    minh = await customer(bot, lan, "Trần Văn Minh")
    forwarded = bot.make.message(lan, "Anh ơi em gửi số mới của em: 0903 456 789. Sinh nhật "
                                      "em 20/10 nhé", forward_origin={
                                          "type": "hidden_user", "sender_user_name": "Minh",
                                          "date": 1_700_000_000})
    picker = shown(await bot.send_update(forwarded))[-1]
    filed = await bot.press(lan, "Trần Văn Minh", picker)
    offer = offer_of(filed)
    await bot.press_data(lan, press_label(bot, offer, "🎂"), offer)
    saved = await bot.storage.customers.get(lan.id, minh.id)
    assert saved is not None and saved.birthday == "--10-20" and saved.phone is None


async def test_a_new_prospect_from_add_gets_offers_for_its_note(bot: Harness) -> None:
    lan = await rm(bot, LAN, "vi")
    calls = await bot.send(lan, "/add Nguyễn Văn An 0901 234 567 vay mua nhà 2 tỷ, mai 9h "
                                "gọi lại")
    offer = offer_of(calls)
    assert offered(offer) == ["💼", "✖", "⏰", "✖"]


@pytest.mark.parametrize("language", ["vi", "zh_Hans", "zh_Hant_TW", "zh_Hant_HK", "en"])
async def test_the_offer_speaks_the_rms_language(bot: Harness, language: str) -> None:
    lan = await rm(bot, LAN, language)
    await customer(bot, lan, "Trần Văn Minh")
    offer = offer_of(await bot.send(lan, "/note Trần Văn Minh 0903 456 789"))
    assert tr(language, "📞 Save the phone") in [label for label, _data in offer.buttons]
    if language != "en":
        assert tr(language, "📞 Save the phone") != "📞 Save the phone"


def test_suggestion_values_round_trip() -> None:
    suggestion = Suggestion("birthday", "--08-15L", {"birthday": "--08-15", "lunar": True,
                                                     "leap": False}, 0, 0)
    assert (suggestion.birthday.month, suggestion.birthday.day, suggestion.birthday.year,
            suggestion.birthday.lunar) == (8, 15, None, True)


# -- the real process ---------------------------------------------------------------------------

@pytest.mark.process
def test_a_note_fills_the_file_through_the_real_bot_process(tmp_path: Path) -> None:
    """A note typed to the real ``python bot.py`` offers the phone and the follow-up it
    mentions; one tap each writes them, a second tap writes nothing more."""
    rm_id = 100
    store = Store(tmp_path / "rapport.db", tmp_path)
    run_sync(lambda: _seed(store, rm_id))
    with BotApiEmulator(token=TOKEN) as emu:
        bot = store.start(emu, "bot.log")
        try:
            emu.push_text(rm_id, "/note Trần Văn Minh đổi số 0903 456 789, mai 9h gọi lại",
                          language_code="vi")
            offer = emu.wait_for(to_chat(rm_id, "💡"), timeout=30)
            for label in ("0903", "9"):  # the phone, then the follow-up, each pressed twice
                data = next(b["callback_data"]
                            for row in offer.params["reply_markup"]["inline_keyboard"]
                            for b in row if b["callback_data"].startswith("sga:")
                            and (label == "0903") == (b["text"][0] == "📞"))
                for _press in range(2):
                    emu.push_callback(rm_id, data, emu.last_sent_message(rm_id))
            # Four presses answered: two saved, two "already answered".
            assert wait_until(lambda: len(emu.calls("answerCallbackQuery")) == 4, 30)
        finally:
            status = bot.stop()
    assert status == 0, bot.output()
    assert "Traceback" not in bot.output(), bot.output()
    assert store.rows("SELECT phone FROM customers") == [("+84903456789",)]
    assert store.rows("SELECT kind, text FROM reminders WHERE kind = 'followup'") == [
        ("followup", "gọi lại")]
    assert store.rows("SELECT status FROM suggestions ORDER BY id") == [("applied",)] * 2


async def _seed(store: Store, rm_id: int) -> None:
    storage = await open_storage(store.location)
    try:
        now = datetime.now(UTC)
        await storage.db.execute(
            "INSERT INTO staff (id, name, role, language, timezone, region, created_at,"
            " agenda_time, quiet_start, quiet_end) VALUES (?, 'Lan', 'rm', 'vi', 'UTC', 'VN',"
            " ?, ?, '00:00', '00:00')",
            (rm_id, to_db_time(now), (now + timedelta(hours=8)).strftime("%H:%M")))
        await storage.customers.create(owner_id=rm_id, name="Trần Văn Minh", phone=None,
                                       region="VN", now=now)
    finally:
        await storage.close()


@pytest.mark.parametrize(("person", "language", "zone", "region", "line", "name"), [
    (LAN, "vi", "Asia/Ho_Chi_Minh", "VN", "Lê Thị Hồng 0901 234 568 sinh nhật 23/11/1985",
     "Lê Thị Hồng"),
    (WEI, "zh_Hans", "Asia/Shanghai", "CN", "王丽 13800138001 生日1985年11月23日", "王丽"),
])
async def test_a_prospect_filed_on_their_birthday_is_reminded_that_day(
        bot: Harness, person: Person, language: str, zone: str, region: str, line: str,
        name: str) -> None:
    await rm(bot, person, language, zone, region)
    offer = offer_of(await bot.send(person, f"/add {line}"))
    await bot.press_data(person, press_label(bot, offer, "🎂"), offer)
    rows = await bot.storage.db.fetch_all(
        "SELECT text, status FROM reminders WHERE kind = 'birthday'")
    assert [(row["text"], row["status"]) for row in rows] == [("2026-11-23", "pending")]
    today = shown(await bot.send(person, "/today"))[-1].text
    assert "🎂" in today and name in today
