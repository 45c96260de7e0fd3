"""Date fields (birthday, maturity, spreadsheet columns): every form in every language, the
wrong kind of date refused with its reason, and the handlers that read them."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from core import buttons
from core.i18n import _, active
from core.messages import esc
from domain.datefields import (
    DateKind,
    DateRefusal,
    FieldDate,
    Refusal,
    find_date_field,
    parse_date_field,
)
from playground.fake_api import ApiCall
from playground.fake_updates import Person
from storage.customers import Customer
from tests.harness import Harness, only_message

TODAY = date(2026, 11, 23)  # the harness's frozen "now" is Monday 2026-11-23 10:00 in Vietnam
TELEGRAM_CODES = {"vi": "vi", "zh_Hans": "zh-hans", "zh_Hant": "zh-hant", "en": "en"}
ZONES = {"vi": ("Asia/Ho_Chi_Minh", "VN"), "zh_Hans": ("Asia/Shanghai", "CN"),
         "zh_Hant": ("Asia/Taipei", "TW"), "en": ("Asia/Ho_Chi_Minh", "VN")}


def field(text: str, kind: DateKind, locale: str, region: str | None = None
          ) -> FieldDate | DateRefusal:
    return parse_date_field(text, kind, locale, TODAY, region)


# -- the domain: every form, every language -----------------------------------------------------

BIRTHDAYS = [
    # (locale, typed, stored, lunar, leap)
    ("vi", "15/03/1985", "1985-03-15", False, False),
    ("vi", "15/3", "--03-15", False, False),
    ("vi", "15/03/85", "1985-03-15", False, False),
    ("vi", "ngày 15 tháng 3 năm 1985", "1985-03-15", False, False),
    ("vi", "âm 15/8", "--08-15", True, False),
    ("vi", "rằm tháng 8", "--08-15", True, False),
    ("vi", "mùng 8 tháng Chạp âm lịch", "--12-08", True, False),
    ("vi", "âm 30/12 nhuận", "--12-30", True, True),
    ("vi", "1985/3/15", "1985-03-15", False, False),
    ("zh_Hans", "1985年3月15日", "1985-03-15", False, False),
    ("zh_Hans", "1985/3/15", "1985-03-15", False, False),
    ("zh_Hans", "3/15", "--03-15", False, False),
    ("zh_Hans", "三月十五日", "--03-15", False, False),
    ("zh_Hans", "农历八月十五", "--08-15", True, False),
    ("zh_Hans", "农历腊月初八", "--12-08", True, False),
    ("zh_Hans", "农历8月15日", "--08-15", True, False),
    ("zh_Hans", "一九八五年三月十五日", "1985-03-15", False, False),
    ("zh_Hant", "農曆正月初一", "--01-01", True, False),
    ("zh_Hant", "民國74年3月15日", "1985-03-15", False, False),
    ("zh_Hant", "74/3/15", "1985-03-15", False, False),
    ("zh_Hant", "1985年3月15日", "1985-03-15", False, False),
    ("en", "15 March 1985", "1985-03-15", False, False),
    ("en", "March 15, 1985", "1985-03-15", False, False),
    ("en", "1985-03-15", "1985-03-15", False, False),
    ("en", "lunar 30/12 leap", "--12-30", True, True),
    ("en", "--08-15", "--08-15", False, False),
]


@pytest.mark.parametrize(("locale", "typed", "stored", "lunar", "leap"), BIRTHDAYS)
def test_birthday_forms(locale: str, typed: str, stored: str, lunar: bool, leap: bool) -> None:
    found = field(typed, DateKind.BIRTHDAY, locale, ZONES[locale][1])
    assert isinstance(found, FieldDate), found
    assert (found.stored(), found.lunar, found.leap) == (stored, lunar, leap)


MATURITIES = [
    # (locale, typed, date) with today = 2026-11-23
    ("vi", "20/12/2026", date(2026, 12, 20)),
    ("vi", "20/12", date(2026, 12, 20)),
    ("vi", "20/12/26", date(2026, 12, 20)),
    ("vi", "2026/12/20", date(2026, 12, 20)),
    ("vi", "ngày 20 tháng 12 năm 2026", date(2026, 12, 20)),
    ("vi", "6 tháng nữa", date(2027, 5, 23)),
    ("vi", "hôm nay", TODAY),
    ("zh_Hans", "2026年12月20日", date(2026, 12, 20)),
    ("zh_Hans", "2026/12/20", date(2026, 12, 20)),
    ("zh_Hans", "12/20", date(2026, 12, 20)),
    ("zh_Hans", "下个月15号", date(2026, 12, 15)),
    ("zh_Hant", "115/12/20", date(2026, 12, 20)),
    ("zh_Hant", "民國115年12月20日", date(2026, 12, 20)),
    ("zh_Hant", "2026年12月20日", date(2026, 12, 20)),
    ("en", "Dec 20, 2026", date(2026, 12, 20)),
    ("en", "20/12/2026", date(2026, 12, 20)),
    ("en", "in 6 months", date(2027, 5, 23)),
]


@pytest.mark.parametrize(("locale", "typed", "expected"), MATURITIES)
def test_maturity_forms(locale: str, typed: str, expected: date) -> None:
    found = field(typed, DateKind.MATURITY, locale, ZONES[locale][1])
    assert isinstance(found, FieldDate), found
    assert found.solar() == expected


REFUSED = [
    (DateKind.BIRTHDAY, "vi", "31/02/1990", Refusal.NO_SUCH_DAY, {"days": 28}),
    (DateKind.BIRTHDAY, "zh_Hans", "1990年2月30日", Refusal.NO_SUCH_DAY, {"days": 28}),
    (DateKind.BIRTHDAY, "vi", "âm 31/8", Refusal.NO_SUCH_DAY, {"days": 30, "lunar": True}),
    (DateKind.BIRTHDAY, "vi", "20/12/2026", Refusal.IN_FUTURE, {}),
    (DateKind.BIRTHDAY, "zh_Hans", "2027年1月1日", Refusal.IN_FUTURE, {}),
    (DateKind.BIRTHDAY, "en", "next friday", Refusal.IN_FUTURE, {}),
    (DateKind.BIRTHDAY, "vi", "1/1/1900", Refusal.TOO_OLD, {"years": 120}),
    (DateKind.BIRTHDAY, "vi", "không nhớ", Refusal.NOT_A_DATE, {}),
    (DateKind.MATURITY, "vi", "15/12/2025", Refusal.IN_PAST, {}),
    (DateKind.MATURITY, "zh_Hans", "2025年12月15日", Refusal.IN_PAST, {}),
    (DateKind.MATURITY, "en", "yesterday", Refusal.IN_PAST, {}),
    (DateKind.MATURITY, "vi", "31/12/9999", Refusal.TOO_FAR, {"years": 10}),
    (DateKind.MATURITY, "vi", "1/1/2037", Refusal.TOO_FAR, {"years": 10}),
    (DateKind.MATURITY, "vi", "31/4/2027", Refusal.NO_SUCH_DAY, {"days": 30}),
    (DateKind.MATURITY, "vi", "tiền gửi", Refusal.NOT_A_DATE, {}),
]


@pytest.mark.parametrize(("kind", "locale", "typed", "reason", "details"), REFUSED)
def test_the_wrong_kind_of_date_gets_its_reason(kind: DateKind, locale: str, typed: str,
                                                reason: Refusal, details: dict[str, Any]) -> None:
    found = field(typed, kind, locale)
    assert isinstance(found, DateRefusal)
    assert found.reason is reason
    assert {key: getattr(found, key) for key in details} == details


def test_refusals_are_translated_texts() -> None:
    found = field("31/02/1990", DateKind.BIRTHDAY, "vi")
    assert isinstance(found, DateRefusal)
    message, params = found.message()
    assert params == {"text": "31/02/1990", "days": 28}
    for language in ("vi", "zh_Hans", "zh_Hant"):
        with active(language, "UTC"):
            assert _(message) != message
            assert "31/02/1990" in found.render()


@pytest.mark.parametrize(("text", "date_text", "rest"), [
    ("15/12/2026 tiền gửi 12 tháng 500 triệu", "2026-12-15", "tiền gửi 12 tháng 500 triệu"),
    ("tiền gửi 12 tháng 15/12/2026", "2026-12-15", "tiền gửi 12 tháng"),
    ("tiền gửi 15/12/2026 500 triệu", "2026-12-15", "tiền gửi 500 triệu"),
    ("2026年12月15日 一年期定期存款", "2026-12-15", "一年期定期存款"),
    ("6 tháng nữa tiền gửi", "2027-05-23", "tiền gửi"),
])
def test_a_date_is_found_in_a_command_line(text: str, date_text: str, rest: str) -> None:
    found = find_date_field(text, DateKind.MATURITY, "vi", TODAY)
    assert found is not None
    day, remaining = found
    assert isinstance(day, FieldDate) and str(day.solar()) == date_text
    assert remaining == rest


def test_a_past_or_impossible_date_in_a_command_line_is_refused() -> None:
    past = find_date_field("15/12/2025 tiền gửi", DateKind.MATURITY, "vi", TODAY)
    assert past is not None and isinstance(past[0], DateRefusal)
    assert past[0].reason is Refusal.IN_PAST
    impossible = find_date_field("31/4/2027 tiền gửi", DateKind.MATURITY, "vi", TODAY)
    assert impossible is not None and isinstance(impossible[0], DateRefusal)
    assert impossible[0].reason is Refusal.NO_SUCH_DAY
    assert find_date_field("tiền gửi 12 tháng", DateKind.MATURITY, "vi", TODAY) is None


# -- the handlers: birthday edit, /maturity, import ---------------------------------------------


async def make_rm(bot: Harness, language: str, person_id: int = 2101) -> Person:
    person = Person(person_id, "Lan", "Nguyễn", username=f"rm{person_id}",
                    language_code=TELEGRAM_CODES[language])
    await bot.register(person, language=language)
    zone, region = ZONES[language]
    await bot.storage.staff.set_timezone(person.id, zone, region)
    return person


async def new_customer(bot: Harness, owner: Person, name: str) -> Customer:
    return await bot.storage.customers.create(owner_id=owner.id, name=name, phone=None,
                                              region="VN", now=bot.clock.now())


def button_data(call: ApiCall, action: str, *args: str | int) -> str:
    wanted = [action, *(str(arg) for arg in args)]
    for _label, data in call.buttons:
        if data.rsplit("|", 1)[0].split(":")[: len(wanted)] == wanted:
            return data
    raise AssertionError(f"no button {wanted} in {call.buttons}")


async def type_birthday(bot: Harness, person: Person, customer: Customer,
                        value: str) -> list[ApiCall]:
    card = only_message(await bot.press_data(person, buttons.pack("c", customer.id,
                                                                   owner=person.id)))
    menu = only_message(await bot.press_data(person, button_data(card, "ce", customer.id), card))
    await bot.press_data(person, button_data(menu, "cef", customer.id, "birthday"), menu)
    return await bot.send(person, value)


@pytest.mark.parametrize(("language", "typed", "stored", "lunar"), [
    ("vi", "mùng 8 tháng Chạp âm lịch", "--12-08", True),
    ("vi", "15/03/85", "1985-03-15", False),
    ("zh_Hans", "农历腊月初八", "--12-08", True),
    ("zh_Hans", "1985年3月15日", "1985-03-15", False),
    ("zh_Hant", "農曆正月初一", "--01-01", True),
    ("zh_Hant", "民國74年3月15日", "1985-03-15", False),
    ("en", "March 15, 1985", "1985-03-15", False),
])
async def test_birthday_field_takes_every_form(bot: Harness, language: str, typed: str,
                                               stored: str, lunar: bool) -> None:
    rm = await make_rm(bot, language)
    customer = await new_customer(bot, rm, "Lê Thị Hồng")
    await type_birthday(bot, rm, customer, typed)
    updated = await bot.storage.customers.get(rm.id, customer.id)
    assert updated is not None
    assert (updated.birthday, updated.birthday_lunar) == (stored, lunar)


@pytest.mark.parametrize("language", ["vi", "zh_Hans", "zh_Hant", "en"])
async def test_a_future_birthday_gets_that_reason(bot: Harness, language: str) -> None:
    rm = await make_rm(bot, language)
    customer = await new_customer(bot, rm, "Lê Thị Hồng")
    answer = only_message(await type_birthday(bot, rm, customer, "20/12/2030"))
    with active(language, ZONES[language][0]):
        assert answer.text == esc(_(
            "“{text}” is in the future: a birthday must be a day already past.").format(
            text="20/12/2030"))
    unchanged = await bot.storage.customers.get(rm.id, customer.id)
    assert unchanged is not None and unchanged.birthday is None


async def maturities(bot: Harness, customer: Customer) -> list[str]:
    rows = await bot.storage.db.fetch_all(
        "SELECT maturity_date FROM holdings WHERE customer_id = ? ORDER BY id", (customer.id,))
    return [row["maturity_date"] for row in rows]


@pytest.mark.parametrize(("language", "line", "expected"), [
    ("vi", "/maturity Nguyễn Văn An 20/12 tiền gửi 12 tháng", "2026-12-20"),
    ("vi", "/maturity Nguyễn Văn An tiền gửi 6 tháng 20/5/27", "2027-05-20"),
    ("zh_Hans", "/maturity Nguyễn Văn An 2026年12月20日 一年期定期", "2026-12-20"),
    ("zh_Hant", "/maturity Nguyễn Văn An 115/12/20 定存一年", "2026-12-20"),
    ("zh_Hant", "/maturity Nguyễn Văn An 民國115年12月20日 定存", "2026-12-20"),
    ("en", "/maturity Nguyễn Văn An 2026/12/20 term deposit", "2026-12-20"),
])
async def test_maturity_takes_every_form(bot: Harness, language: str, line: str,
                                         expected: str) -> None:
    rm = await make_rm(bot, language)
    customer = await new_customer(bot, rm, "Nguyễn Văn An")
    await bot.send(rm, line)
    assert await maturities(bot, customer) == [expected]


@pytest.mark.parametrize(("language", "typed", "message", "params"), [
    ("vi", "15/12/2025", "“{text}” has already passed: a maturity date must be today or later.",
     {}),
    ("zh_Hans", "31/12/9999",
     "“{text}” is more than {years} years ahead: please check the year.", {"years": 10}),
    ("zh_Hant", "31/4/2027", "“{text}” does not exist: that month has only {days} days.",
     {"days": 30}),
])
async def test_a_wrong_maturity_gets_its_reason(bot: Harness, language: str, typed: str,
                                                message: str, params: dict[str, int]) -> None:
    rm = await make_rm(bot, language)
    customer = await new_customer(bot, rm, "Nguyễn Văn An")
    answer = only_message(await bot.send(rm, f"/maturity Nguyễn Văn An {typed} tiền gửi"))
    with active(language, ZONES[language][0]):
        assert answer.text.startswith(esc(_(message).format(text=typed, **params)))
    assert await maturities(bot, customer) == []


async def test_import_reads_dates_and_gives_reasons(bot: Harness) -> None:
    rm = await make_rm(bot, "zh_Hant")
    rows = ["name,phone,birthday",
            "陳大文,0912345678,民國74年3月15日",
            "林美玲,0912345679,農曆正月初一",
            "王小明,0912345670,2030/1/1",
            "張志明,0912345671,1990/2/30"]
    bot.api.files["doc-dates"] = "\n".join(rows).encode()
    await bot.send(rm, "/import")
    calls = await bot.send_update(bot.make.message(rm, document={
        "file_id": "doc-dates", "file_unique_id": "doc-dates", "file_name": "customers.csv"}))
    preview = [call for call in calls if call.method == "sendMessage"][-1].text
    with active("zh_Hant", ZONES["zh_Hant"][0]):
        future = esc(_("“{text}” is in the future: a birthday must be a day already past."
                       ).format(text="2030/1/1"))
        missing = esc(_("“{text}” does not exist: that month has only {days} days.").format(
            text="1990/2/30", days=28))
    assert future in preview and missing in preview, preview
