"""Lunar days and holidays as each market counts them.

Vietnam's lunar calendar is computed for UTC+7 (lunar-vn), China's for UTC+8 (lunar_python):
the two differ in some years (Tết 2030 falls on 2 February, Chinese New Year on 3 February),
so a lunar day is always converted with the calendar of the market it was written in.
Holidays that differ by market (National Day: 1 October in mainland China and Hong Kong,
10 October in Taiwan, 2 September in Vietnam) are looked up by market too.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import cache

import lunar_vn
from lunar_python import Lunar, LunarYear, Solar

MARKETS = ("VN", "CN", "TW", "HK")


def market_of(locale: str, region: str | None = None) -> str:
    """The market whose calendar and holidays apply: the RM's region when known, else the
    locale's usual one (zh_Hant without a region is Taiwan's: Hong Kong RMs have a region)."""
    if region and region.upper() in MARKETS:
        return region.upper()
    code = locale.replace("-", "_").lower()
    if code.endswith("_hk") or code.endswith("_mo"):
        return "HK"
    if code.endswith("_tw") or code.startswith("zh_hant"):
        return "TW"
    if code.startswith("zh"):
        return "CN"
    return "VN"


def vietnamese(market: str) -> bool:
    """True where the lunar calendar is Vietnam's (UTC+7)."""
    return market == "VN"


# ---------------------------------------------------------------------------------------------
# Lunar days


@cache
def _vietnamese_lunar(year: int, month: int, day: int, leap: bool) -> date | None:
    try:
        solar = lunar_vn.lunar_to_solar(lunar_vn.LunarDate(day, month, year, leap), time_zone=7)
    except (ValueError, IndexError, OverflowError):
        return None
    # lunar-vn does not validate: a day that does not exist rolls into the next month.
    back = lunar_vn.solar_to_lunar(solar, time_zone=7)
    if (back.day, back.month, back.year, back.leap) != (day, month, year, leap):
        return None
    return date(solar.year, solar.month, solar.day)


@cache
def _chinese_lunar(year: int, month: int, day: int, leap: bool) -> date | None:
    if not 1 <= month <= 12 or not 1 <= day <= 30 or not 1 <= year <= 9998:
        return None
    try:
        lunar_month = LunarYear.fromYear(year).getMonth(-month if leap else month)
        if lunar_month is None or day > lunar_month.getDayCount():
            return None
        solar = Lunar.fromYmd(year, -month if leap else month, day).getSolar()
    except (ValueError, IndexError, KeyError):
        return None
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def lunar_day(year: int, month: int, day: int, leap: bool, market: str) -> date | None:
    """The solar date of a lunar day, or None if that lunar year has no such day."""
    convert = _vietnamese_lunar if vietnamese(market) else _chinese_lunar
    return convert(year, month, day, leap)


def lunar_month_days(year: int, month: int, leap: bool, market: str) -> int | None:
    """How many days (29 or 30) a lunar month has; None if the year has no such month."""
    if lunar_day(year, month, 1, leap, market) is None:
        return None
    return 30 if lunar_day(year, month, 30, leap, market) is not None else 29


def lunar_to_solar(year: int, month: int, day: int, leap: bool, vietnamese: bool) -> date:
    """The solar date of a lunar day in a lunar year, never skipping a birthday.

    A leap-month date in a year without that leap month falls in the ordinary month; day 30
    of a 29-day month falls on its 29th.
    """
    market = "VN" if vietnamese else "CN"
    for try_leap, try_day in ((leap, day), (False, day), (leap, min(day, 29)), (False, 29)):
        found = lunar_day(year, month, try_day, try_leap, market)
        if found is not None:
            return found
    raise ValueError(f"no solar date for lunar {year}-{month}-{day}")


@cache
def solar_to_lunar(day: date, market: str) -> tuple[int, int, int, bool]:
    """(lunar year, month, day, leap) of a solar date in the market's calendar."""
    if vietnamese(market):
        found = lunar_vn.solar_to_lunar(day, time_zone=7)
        return found.year, found.month, found.day, bool(found.leap)
    lunar = Solar.fromYmd(day.year, day.month, day.day).getLunar()
    month = lunar.getMonth()
    return lunar.getYear(), abs(month), lunar.getDay(), month < 0


def lunar_new_years_eve(lunar_year: int, market: str) -> date | None:
    """The last day of a lunar year (除夕, giao thừa): the eve of the next year's first day."""
    first = lunar_day(lunar_year + 1, 1, 1, False, market)
    return None if first is None else first - timedelta(days=1)


# ---------------------------------------------------------------------------------------------
# Holidays


# lunar_python names the terms of the next lunar year's start in pinyin.
_TERM_ALIASES = {"DONG_ZHI": "冬至", "XIAO_HAN": "小寒", "DA_HAN": "大寒", "LI_CHUN": "立春",
                 "YU_SHUI": "雨水", "JING_ZHE": "惊蛰", "DA_XUE": "大雪"}


@cache
def _solar_terms(year: int) -> dict[str, date]:
    table = Solar.fromYmd(year, 6, 1).getLunar().getJieQiTable()
    return {_TERM_ALIASES.get(name, name): date(s.getYear(), s.getMonth(), s.getDay())
            for name, s in table.items() if s.getYear() == year}


def _nth_weekday(year: int, month: int, n: int, weekday: int) -> date | None:
    """The n-th (1-based; -1 = last) weekday of a month."""
    days = calendar.monthrange(year, month)[1]
    if n < 0:
        last = date(year, month, days)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    day = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    return day if day.month == month else None


def nth_weekday(year: int, month: int, n: int, weekday: int) -> date | None:
    """The n-th weekday (Monday = 0) of a month; n = -1 is the last one."""
    if not 1 <= month <= 12 or n == 0 or n > 5:
        return None
    return _nth_weekday(year, month, n, weekday)


# Solar holidays: (month, day) by market, "*" for every market.
_SOLAR: dict[str, dict[str, tuple[int, int]]] = {
    "new_year": {"*": (1, 1)},
    "new_years_eve": {"*": (12, 31)},
    "valentine": {"*": (2, 14)},
    "womens_day": {"*": (3, 8)},
    "labour_day": {"*": (5, 1)},
    "childrens_day": {"*": (6, 1), "TW": (4, 4), "HK": (4, 4)},
    "teachers_day": {"*": (9, 10), "TW": (9, 28), "VN": (11, 20)},
    "national_day": {"*": (10, 1), "TW": (10, 10), "VN": (9, 2)},
    "double_ten": {"*": (10, 10)},
    "vn_womens_day": {"*": (10, 20)},
    "reunification_day": {"*": (4, 30)},
    "halloween": {"*": (10, 31)},
    "singles_day": {"*": (11, 11)},
    "christmas_eve": {"*": (12, 24)},
    "christmas": {"*": (12, 25)},
}
# Lunar holidays: (month, day) in the market's lunar calendar.
_LUNAR: dict[str, tuple[int, int]] = {
    "lunar_new_year": (1, 1),
    "lantern": (1, 15),
    "hung_kings": (3, 10),
    "dragon_boat": (5, 5),
    "qixi": (7, 7),
    "ghost_festival": (7, 15),
    "mid_autumn": (8, 15),
    "double_ninth": (9, 9),
    "laba": (12, 8),
    "kitchen_gods": (12, 23),
}
# Solar terms, by lunar_python's (Simplified) names.
_TERMS = {"qingming": "清明", "winter_solstice": "冬至"}
# Sundays: (month, n-th Sunday) by market.
_SUNDAYS: dict[str, dict[str, tuple[int, int]]] = {
    "mothers_day": {"*": (5, 2)},
    "fathers_day": {"*": (6, 3)},
}
HOLIDAYS = frozenset({*_SOLAR, *_LUNAR, *_TERMS, *_SUNDAYS, "lunar_new_years_eve"})


def _by_market(table: dict[str, tuple[int, int]], market: str) -> tuple[int, int]:
    return table.get(market, table["*"])


def holiday(key: str, year: int, market: str) -> date | None:
    """The date of a holiday in a (solar) year, as the market keeps it; None if unknown."""
    if not 1 <= year <= 9998:
        return None
    if key == "fathers_day" and market == "TW":
        return date(year, 8, 8)  # 爸爸節: 8 August in Taiwan
    if key in _SOLAR:
        return date(year, *_by_market(_SOLAR[key], market))
    if key in _SUNDAYS:
        month, n = _by_market(_SUNDAYS[key], market)
        return _nth_weekday(year, month, n, 6)
    if key in _TERMS:
        return _solar_terms(year).get(_TERMS[key])
    # Lunar holidays: the one whose solar date falls in this solar year.
    for lunar_year in (year - 1, year):
        if key == "lunar_new_years_eve":
            found = lunar_new_years_eve(lunar_year, market)
        elif key in _LUNAR:
            found = lunar_day(lunar_year, *_LUNAR[key], False, market)
        else:
            return None
        if found is not None and found.year == year:
            return found
    return None
