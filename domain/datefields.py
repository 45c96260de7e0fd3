"""Dates typed into fields of the customer file: birthdays, maturities, spreadsheet columns.

A date field reads everything /remind reads as a day (domain/timeparse.py) and the forms a
file is filled with: ``2026/12/20``, ``2026年12月20日``, ``20/12``, ``20/12/26``, Taiwan's 民國
years (``115/12/20``, ``民國115年12月20日``), lunar days written with Chinese numerals
(``农历八月十五``, ``农历腊月初八``, ``農曆正月初一``) or digits (``âm 15/8``,
``lunar 30/12 leap``), and, for dates ahead, phrases such as ``3 tháng nữa`` or
``下个月15号``. A date of the wrong kind for its field is refused with that reason (a birthday
after today, a maturity already past), never with "not understood"; every date is bounded to a
sane window (a birthday at most 120 years back, a maturity at most 10 years ahead).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum

from core.i18n import N_, _
from domain import calendars, timeparse
from domain.timeparse import Problem, TimeProblem, WrittenDay

BIRTHDAY_YEARS_BACK = 120
YEARS_AHEAD = timeparse.MAX_YEARS_AHEAD
_LEAP_WORDS = re.compile(r"\b(?:leap)\b", re.IGNORECASE)
_LUNAR_WORDS = re.compile(r"\blunar\b", re.IGNORECASE)
_STORED = re.compile(r"^(\d{4}|-)-(\d{2})-(\d{2})$")


class DateKind(StrEnum):
    """What a date field holds, which decides the dates it may take."""

    BIRTHDAY = "birthday"  # a day already lived: with or without a year, solar or lunar
    MATURITY = "maturity"  # a day ahead (today included): a solar date with its year


class Refusal(StrEnum):
    """Why a typed date does not fit its field."""

    NOT_A_DATE = "not_a_date"
    NO_SUCH_DAY = "no_such_day"
    WEEKDAY_MISMATCH = "weekday_mismatch"
    IN_FUTURE = "in_future"  # a birthday after today
    TOO_OLD = "too_old"  # a birthday more than BIRTHDAY_YEARS_BACK years back
    IN_PAST = "in_past"  # a maturity before today
    TOO_FAR = "too_far"  # more than YEARS_AHEAD years ahead


# English texts, translated where shown; {text} is what was typed.
_MESSAGES: dict[Refusal, str] = {
    Refusal.NOT_A_DATE: N_("“{text}” is not a date I can read."),
    Refusal.NO_SUCH_DAY: N_("“{text}” does not exist: that month has only {days} days."),
    Refusal.WEEKDAY_MISMATCH: N_("“{text}” does not add up: that date falls on another day of "
                                 "the week."),
    Refusal.IN_FUTURE: N_("“{text}” is in the future: a birthday must be a day already past."),
    Refusal.TOO_OLD: N_("“{text}” is more than {years} years ago: please check the year."),
    Refusal.IN_PAST: N_("“{text}” has already passed: a maturity date must be today or later."),
    Refusal.TOO_FAR: N_("“{text}” is more than {years} years ahead: please check the year."),
}
_LUNAR_NO_SUCH_DAY = N_("“{text}” does not exist: that lunar month has only {days} days.")


@dataclass(frozen=True)
class FieldDate:
    """A date accepted by a field; a birthday may have no year and may be a lunar day."""

    month: int
    day: int
    year: int | None = None
    lunar: bool = False
    leap: bool = False

    def stored(self) -> str:
        """'1985-03-15', or '--03-15' without a year (the lunar flags are stored apart)."""
        year = f"{self.year:04d}" if self.year else "-"
        return f"{year}-{self.month:02d}-{self.day:02d}"

    def solar(self) -> date | None:
        """The solar date, for a solar day with its year."""
        if self.lunar or self.year is None:
            return None
        return date(self.year, self.month, self.day)


@dataclass(frozen=True)
class DateRefusal:
    """A typed date that does not fit its field, and why."""

    reason: Refusal
    text: str  # what was typed, shortened for an answer
    days: int | None = None
    years: int | None = None
    lunar: bool = False

    def message(self) -> tuple[str, dict[str, str | int]]:
        """The reason as an English text marked for translation, and its parameters."""
        message = _LUNAR_NO_SUCH_DAY if self.lunar and self.reason is Refusal.NO_SUCH_DAY \
            else _MESSAGES[self.reason]
        params: dict[str, str | int] = {"text": self.text}
        if self.days is not None:
            params["days"] = self.days
        if self.years is not None:
            params["years"] = self.years
        return message, params

    def render(self) -> str:
        """The reason in the current language."""
        message, params = self.message()
        return _(message).format(**params)


def _english_words(text: str) -> tuple[str, bool, bool]:
    """Take out the English words 'lunar' and 'leap' the other parsers do not know."""
    leap = bool(_LEAP_WORDS.search(text))
    lunar = leap or bool(_LUNAR_WORDS.search(text))
    text = _LUNAR_WORDS.sub(" ", _LEAP_WORDS.sub(" ", text))
    return " ".join(text.split()), lunar, leap


def _window(short: int, low: int) -> int:
    """The year in [low, low + 99] that ends in the two digits `short`."""
    return low + (short - low) % 100


def _refuse(reason: Refusal, typed: str, **details: int | bool) -> DateRefusal:
    return DateRefusal(reason, typed[:40], **details)  # type: ignore[arg-type]


def _from_problem(problem: TimeProblem, typed: str) -> DateRefusal:
    if problem.problem is Problem.NO_SUCH_DAY:
        return _refuse(Refusal.NO_SUCH_DAY, typed, days=problem.days or 0, lunar=problem.lunar)
    if problem.problem is Problem.WEEKDAY_MISMATCH:
        return _refuse(Refusal.WEEKDAY_MISMATCH, typed)
    if problem.problem is Problem.TOO_FAR:
        return _refuse(Refusal.TOO_FAR, typed, years=YEARS_AHEAD)
    return _refuse(Refusal.NOT_A_DATE, typed)


def parse_date_field(text: str, kind: DateKind, locale: str, today: date,
                     region: str | None = None) -> FieldDate | DateRefusal:
    """The date a field's text means, or why it cannot be one. `today` is the RM's local date;
    `locale` picks day/month order, `region` the market's calendar (VN, CN, TW, HK)."""
    typed = " ".join(text.split())
    cleaned, lunar_word, leap_word = _english_words(typed)
    if not cleaned:
        return _refuse(Refusal.NOT_A_DATE, typed)
    stored = _STORED.match(cleaned)
    found: WrittenDay | date | TimeProblem | None
    if stored:  # as the bot stores and exports it: 1985-03-15, --08-15 (ISO 8601, no year)
        year = None if stored[1] == "-" else int(stored[1])
        found = WrittenDay(int(stored[2]), int(stored[3]), year)
    else:
        found = timeparse.read_day(cleaned, locale, today, region=region)
    if found is None:
        return _refuse(Refusal.NOT_A_DATE, typed)
    if isinstance(found, TimeProblem):
        if found.problem is not Problem.PAST or found.when is None:
            return _from_problem(found, typed)
        if kind is not DateKind.BIRTHDAY:
            return _refuse(Refusal.IN_PAST, typed)
        found = found.when.date()  # "hôm qua" is a day already lived
    if isinstance(found, date):
        return _check(FieldDate(found.month, found.day, found.year), kind, typed, today, "")
    written = found
    if lunar_word or leap_word:
        written = WrittenDay(written.month, written.day, written.year, written.short_year,
                             lunar=True, leap=written.leap or leap_word)
    market = calendars.market_of(locale, region)
    return _check(_with_year(written, kind, today), kind, typed, today, market)


def _with_year(written: WrittenDay, kind: DateKind, today: date) -> FieldDate:
    """A written day with its two-digit year placed in the field's window."""
    year = written.year
    if written.short_year is not None:
        low = today.year - 99 if kind is DateKind.BIRTHDAY else today.year - 50
        year = _window(written.short_year, low)
    return FieldDate(written.month, written.day, year, written.lunar, written.leap)


def _check(found: FieldDate, kind: DateKind, typed: str, today: date,
           market: str) -> FieldDate | DateRefusal:
    """The date if it exists and fits the field, else why not."""
    if not found.lunar:
        days = calendar.monthrange(found.year or 2024, found.month)[1]
        if found.day > days:
            return _refuse(Refusal.NO_SUCH_DAY, typed, days=days)
    elif found.day > 30:
        return _refuse(Refusal.NO_SUCH_DAY, typed, days=30, lunar=True)
    if kind is DateKind.BIRTHDAY:
        return _check_birthday(found, typed, today)
    if found.lunar:
        solar = _next_lunar(found, today, market)
        if solar is None:
            return _refuse(Refusal.NO_SUCH_DAY, typed, days=29, lunar=True)
        found = FieldDate(solar.month, solar.day, solar.year)
    return _check_ahead(found, typed, today)


def _next_lunar(found: FieldDate, today: date, market: str) -> date | None:
    """The solar date of a lunar day: in its lunar year, or the next one to come."""
    years = [found.year] if found.year else [today.year - 1, today.year, today.year + 1]
    days = [calendars.lunar_day(y, found.month, found.day, found.leap, market) for y in years]
    ahead = sorted(d for d in days if d is not None and (found.year or d >= today))
    return ahead[0] if ahead else None


def _check_birthday(found: FieldDate, typed: str, today: date) -> FieldDate | DateRefusal:
    if found.year is None:
        return found
    if found.year < today.year - BIRTHDAY_YEARS_BACK or (
            found.year == today.year - BIRTHDAY_YEARS_BACK
            and (found.month, found.day) < (today.month, today.day)):
        return _refuse(Refusal.TOO_OLD, typed, years=BIRTHDAY_YEARS_BACK)
    # A lunar birthday is compared by its lunar year: no later than this year.
    if found.lunar:
        return found if found.year <= today.year else _refuse(Refusal.IN_FUTURE, typed)
    if (found.year, found.month, found.day) > (today.year, today.month, today.day):
        return _refuse(Refusal.IN_FUTURE, typed)
    return found


def _check_ahead(found: FieldDate, typed: str, today: date) -> FieldDate | DateRefusal:
    """A maturity: a solar date with its year, today or later, at most YEARS_AHEAD ahead."""
    if found.year is None:  # "20/12": the next one to come
        year = today.year if (found.month, found.day) >= (today.month, today.day) \
            else today.year + 1
        if found.month == 2 and found.day == 29:
            while not calendar.isleap(year):
                year += 1
        found = FieldDate(found.month, found.day, year)
    day = found.solar()
    assert day is not None
    if day < today:
        return _refuse(Refusal.IN_PAST, typed)
    if day.year > today.year + YEARS_AHEAD or (
            day.year == today.year + YEARS_AHEAD and (day.month, day.day) > (today.month,
                                                                               today.day)):
        return _refuse(Refusal.TOO_FAR, typed, years=YEARS_AHEAD)
    return found


_TOKEN = re.compile(r"\S*\d\S*")


def find_date_field(text: str, kind: DateKind, locale: str, today: date,
                    region: str | None = None) -> tuple[FieldDate | DateRefusal, str] | None:
    """The date written at the start or the end of a longer text (else the first date-like
    word inside it), checked for the field, and the text without it; None if there is none.
    '/maturity' args: '15/12/2026 tiền gửi 12 tháng' -> (15/12/2026, 'tiền gửi 12 tháng')."""
    midnight = datetime.combine(today, time(0), tzinfo=UTC)
    found = timeparse.scan_time(text, locale, midnight, region=region)
    if found is not None:
        span = text[found.start:found.end]
        rest = " ".join((text[:found.start] + " " + text[found.end:]).split()).strip(" ,.-:")
        result = parse_date_field(span, kind, locale, today, region)
        if isinstance(result, DateRefusal) and result.reason is Refusal.NOT_A_DATE:
            if isinstance(found, TimeProblem):
                result = (_refuse(Refusal.IN_PAST, span) if found.problem is Problem.PAST
                          else _from_problem(found, span))
            else:  # the day of a phrase with a time of day: "15/12/2026 9h"
                day = found.when.date()
                result = _check(FieldDate(day.month, day.day, day.year), kind, span, today, "")
        return result, rest
    for match in _TOKEN.finditer(text):
        result = parse_date_field(match[0].strip(",.;:"), kind, locale, today, region)
        if isinstance(result, FieldDate) or result.reason is not Refusal.NOT_A_DATE:
            rest = " ".join((text[:match.start()] + " " + text[match.end():]).split())
            return result, rest.strip(" ,.-:")
    return None
