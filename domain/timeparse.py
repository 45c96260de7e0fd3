"""Parse the time phrases RMs type (Vietnamese, Chinese, Cantonese, English) into datetimes.

Conventions (the RMs' way of speaking; tests/fixtures/time-phrases follows them):
- A phrase names one moment in the future. A day without a time of day means 09:00, the start
  of the working day; a bare part of the day means morning 09:00, noon 12:00, afternoon 14:00,
  evening 19:00; "next week" alone is its Monday, "next month" alone its 1st.
- A bare clock hour without am/pm or a part of the day is a working hour: 8–11 in the morning,
  12 at noon, 1–7 in the afternoon or evening (``mai 3h`` = 15:00, ``三点`` = 15:00). ``0:30``,
  ``13h``–``23h`` and hours said with a part of the day are taken as said.
- A weekday named on that same weekday means next week's (``thứ 2`` on a Monday); "this
  week's" one may be today. A weekday written beside a date must agree with it.
- Numeric dates: day first (15/12) in Vietnamese and English, month first (12/15) in Chinese;
  with the year written last, day first in every language (3-7-2017 = 3 July, as Hong Kong and
  Vietnam write it); the other order only when the first is impossible. Two-digit years fall
  within 80 years back and 19 ahead; three-digit years (115/12/20) and 民國 years are Taiwan's.
- Holidays and lunar days follow the RM's market (domain/calendars.py): Vietnam's lunar
  calendar for Vietnam, China's elsewhere; 國慶 is 10 October in Taiwan, 1 October elsewhere.
- Nothing more than ten years ahead. A phrase that reads as a time but cannot be one (31/4, a
  moment already past, a weekday that does not match its date) is reported as a TimeProblem,
  never re-read as something else.

How it works: the text is normalised (NFC, runs of spaces made one space) and folded
(lowercase, no Vietnamese diacritics, Traditional -> Simplified, full-width -> ASCII) one
character at a time, so every folded index maps back to the caller's text. Small regex "rules"
each read one component of a phrase (a day, a weekday, a clock time, a part of the day, a
holiday, ...) into _Bits. A depth-first walk tries every chain of adjacent components, and
_resolve turns a chain into a future datetime. All languages' rules run together, so an RM may
mix them ("mai 3pm"); the locale only breaks ties and picks day/month order.

Every regex is bounded (no unbounded repetition) and find_time looks for a phrase only at the
start of a text and within the last _MAX_PHRASE characters, so the work is linear in the text's
length (tests/test_timeparse.py counts it; bench/time_phrases.py times it).
"""

from __future__ import annotations

import calendar
import dataclasses
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cache, lru_cache
from typing import Any

from domain import calendars
from domain import timewords as W

_STRONG, _NAME_LIKE, _WEAK = 0, 1, 2  # how sure we are that a lone component is a time phrase
_TAIL = 3  # a filler that may close a phrase: "十点左右", "9h hoặc hơn"
_MAX_COMPONENTS = 10
_MAX_PHRASE = 80  # characters: the longest phrase looked for at the end of a text
_MAX_SEPARATORS = 3
MAX_YEARS_AHEAD = 10
_MAX_MINUTES = 60 * 24 * 366
_TRIM = " \t\r\n.,!?;:。！？，；：、…()[]\"'"
_SEPARATORS = " ,，、"
_NUMBER_JOINERS = "/-.:"
_CN_NUM = "[零〇一二两三四五六七八九十廿卅百千]{1,6}"
_NUM = rf"(?:\d{{1,4}}|{_CN_NUM})"


class Problem(StrEnum):
    """Why words that read as a time cannot be scheduled."""

    PAST = "past"  # the moment has passed
    NO_SUCH_DAY = "no_such_day"  # 31/4, 2月30日, a lunar 30th in a 29-day month
    WEEKDAY_MISMATCH = "weekday_mismatch"  # "Thứ Ba, 2/12" when 2/12 is a Wednesday
    TOO_FAR = "too_far"  # more than MAX_YEARS_AHEAD years ahead


@dataclass(frozen=True)
class ParsedTime:
    """A time phrase found in a text and the moment it names."""

    when: datetime  # aware, in the tz of `now`
    start: int  # span of the phrase inside the text given to find_time
    end: int
    has_time: bool  # the phrase named a time of day (or was relative in hours/minutes)


@dataclass(frozen=True)
class TimeProblem:
    """Words that read as a time phrase but name no moment that can be scheduled."""

    problem: Problem
    start: int  # span of the phrase inside the text, as for ParsedTime
    end: int
    when: datetime | None = None  # PAST, TOO_FAR, WEEKDAY_MISMATCH: the moment the words name
    weekday: int | None = None  # WEEKDAY_MISMATCH: the weekday written (Monday = 0)
    year: int | None = None  # NO_SUCH_DAY: the day as written (year None: any year)
    month: int | None = None
    day: int | None = None
    days: int | None = None  # NO_SUCH_DAY: how many days that month has
    lunar: bool = False


@dataclass(frozen=True)
class WrittenDay:
    """A calendar day as written, before any year is chosen: for date fields (birthdays)."""

    month: int
    day: int
    year: int | None = None  # four digits, or None
    short_year: int | None = None  # a two-digit year, for the caller's window
    lunar: bool = False
    leap: bool = False


@dataclass
class _Bits:
    """What the components read so far say; each field may be set by one component only."""

    rel_days: int | None = None  # days from today: "mai" 1, "hôm qua" -1
    weekday: int | None = None  # Monday = 0
    week: int | None = None  # calendar weeks from this one: "tuần sau" 1, "上周" -1
    after_next: bool | None = None  # "friday after next"
    weekend: bool | None = None
    year: int | None = None  # four-digit (or Taiwan's, converted) year
    short_year: int | None = None  # two-digit year, resolved within a window
    year_rel: int | None = None  # 今年 0, 明年 1, năm ngoái -1
    month: int | None = None
    month_rel: int | None = None  # "tháng này" 0, "next month" 1, "上个月" -1
    day: int | None = None
    month_pos: str | None = None  # "start", "mid" or "end" of the month
    lunar: bool | None = None
    leap: bool | None = None
    holiday: str | None = None  # key of domain/calendars.py
    market: str | None = None  # a holiday's own market ("quốc khánh" is Vietnam's)
    nth: int | None = None  # the n-th weekday of the month (-1 = last)
    months: int | None = None  # same day N months ahead
    years: int | None = None  # same day N years ahead
    clock: tuple[int, int, bool] | None = None  # hour said, minutes (< 0: "kém 15"), am/pm given
    part: str | None = None  # key of W.PART_DEFAULT_HOUR
    delta: timedelta | None = None  # relative hours/minutes: an exact instant
    bad_day: tuple[int | None, int, int, bool] | None = None  # (year, month, day, lunar) unreal
    level: int = field(default=_STRONG, compare=False)


_MERGED_FIELDS = [f.name for f in dataclasses.fields(_Bits) if f.name != "level"]
_SAME_VALUE_OK = frozenset({"lunar", "leap"})  # "农历正月初一": both say lunar
_ONE_OF = (("year", "short_year", "year_rel"),)  # fields that say the same thing each way
_DAY_FIELDS = ("rel_days", "year", "short_year", "year_rel", "month", "month_rel", "day",
               "month_pos", "lunar", "leap", "holiday", "nth", "months", "years", "bad_day")
_WEEK_FIELDS = ("weekday", "week", "after_next", "weekend")


@dataclass
class _Ctx:
    """One text being parsed: normalised and folded forms plus a per-position match cache."""

    orig: str
    folded: str
    lang: str
    market: str
    offsets: list[int]  # offsets[i] = index in the caller's text of orig[i]; one past the end
    cache: dict[int, list[tuple[int, _Bits]]] = field(default_factory=dict)
    steps: int = 0  # rule attempts and chain steps: the parser's work, counted by the tests

    def word(self, m: re.Match[str], group: int | str = 0) -> str:
        """The original, lowercased text of a match group."""
        return self.orig[m.start(group) : m.end(group)].lower()


Handler = Callable[[re.Match[str], _Ctx], "_Bits | None"]


@dataclass(frozen=True)
class _Rule:
    """One component reader: its language decides the spelling check and tie-breaks."""

    lang: str
    regex: re.Pattern[str]
    handler: Handler


_RULES: list[_Rule] = []


def _rule(lang: str, *patterns: str) -> Callable[[Handler], Handler]:
    """Register a handler for each pattern (matched on folded text)."""

    def register(fn: Handler) -> Handler:
        for pattern in patterns:
            _RULES.append(_Rule(lang, re.compile(pattern), fn))
        return fn

    return register


def _alt(words: Iterable[str]) -> str:
    """Regex alternation of table words, longest first so the longest word wins."""
    escaped = (r"\s?".join(map(re.escape, w.split())) if " " in w else re.escape(w)
               for w in sorted(words, key=len, reverse=True))
    return "(?:" + "|".join(escaped) + ")"


def _key(text: str) -> str:
    """Table key for matched text: single spaces."""
    return " ".join(text.split())


# ---------------------------------------------------------------------------------------------
# Normalising and folding


@cache
def _t2s() -> Any:
    """OpenCC's Traditional -> Simplified converter, built on first use (slow to build)."""
    from opencc_purepy import OpenCC

    return OpenCC("t2s")


@lru_cache(maxsize=8192)
def _fold_char(c: str) -> str:
    """Fold one character to exactly one character, so indices survive folding."""
    code = ord(c)
    if 0xFF01 <= code <= 0xFF5E:  # full-width ASCII from a Chinese IME: "１０：３０"
        c = chr(code - 0xFEE0)
    if c in "đĐ":  # đ has no decomposition, so NFD alone would keep it
        return "d"
    if c in "’‘`´":
        return "'"
    digit = unicodedata.decimal(c, None)
    if digit is not None:
        return str(digit)
    if 0x3400 <= code <= 0x9FFF:
        simplified = _t2s().convert(c)
        return simplified if len(simplified) == 1 else c
    base = "".join(ch for ch in unicodedata.normalize("NFD", c) if not unicodedata.combining(ch))
    low = base.lower()
    return low if len(low) == 1 else c


def _fold(text: str) -> str:
    """Fold a whole string character by character."""
    return "".join(map(_fold_char, text))


_SPACES_TO_FOLD = re.compile(r"\s\s|[^\S ]")


def _normalise(text: str) -> tuple[str, list[int]]:
    """NFC text with each run of spaces made one space, plus, for each of its characters, the
    index it came from in text (and len(text) at the end)."""
    if unicodedata.is_normalized("NFC", text) and not _SPACES_TO_FOLD.search(text):
        return text, list(range(len(text) + 1))  # the common case, without the slow loop
    chunks: list[str] = []
    offsets: list[int] = []
    start = 0
    last_space = False
    for i in range(1, len(text) + 1):
        # A character and the combining marks after it compose together (e + ̂ + ́ -> ế).
        if i < len(text) and unicodedata.combining(text[i]):
            continue
        chunk = unicodedata.normalize("NFC", text[start:i])
        if chunk.isspace():
            if not last_space:
                chunks.append(" ")
                offsets.append(start)
            last_space = True
        else:
            chunks.append(chunk)
            offsets.extend([start] * len(chunk))
            last_space = False
        start = i
    offsets.append(len(text))
    return "".join(chunks), offsets


def _glued(a: str, b: str) -> bool:
    """True if a and b belong to one ASCII word or number, so no component may split them."""
    if not (a.isascii() and b.isascii()):
        return False
    return (a.isalpha() and b.isalpha()) or (a.isdigit() and b.isdigit())


def _cuts_number(text: str, pos: int) -> bool:
    """True if pos falls inside a written number like 31/4, 14:30 or 2026-12-15: a component
    may neither start nor end there (else "ngày 31/4" would be read as "ngày 31")."""
    if not 0 < pos < len(text):
        return False
    before, after = text[pos - 1], text[pos]
    if before.isdigit() and after in _NUMBER_JOINERS:
        return pos + 1 < len(text) and text[pos + 1].isdigit()
    if after.isdigit() and before in _NUMBER_JOINERS:
        return pos >= 2 and text[pos - 2].isdigit()
    return False


_LETTERS = re.compile(r"[^\W\d_]+")


def _spelled_ok(text: str, lang: str) -> bool:
    """Reject accented words that only look like time words once folded ("một", "tôi", "món")."""
    for word in _LETTERS.findall(text.lower()):
        folded = _fold(word)
        if word.isascii() or not folded.isascii():  # typed without accents, or not Latin
            continue
        if lang != "vi" or word not in W.VI_SPELLINGS.get(folded, ()):
            return False
    return True


# ---------------------------------------------------------------------------------------------
# Numbers and small validators


def _cn_int(text: str) -> int | None:
    """Arabic or Chinese numeral up to 9999 ("15", "十五", "廿三", "两", "二零二六", "两千零四")."""
    if text.isascii() and text.isdigit():
        return int(text)
    text = text.replace("廿", "二十").replace("卅", "三十")
    if not any(unit in text for unit in "十百千"):
        digits = [W.CN_DIGITS.get(ch) for ch in text]
        if not digits or len(digits) > 4 or any(d is None for d in digits):
            return None
        return int("".join(str(d) for d in digits))
    total, pending = 0, None
    for ch in text:
        if ch in W.CN_DIGITS:
            if pending is not None and pending != 0:
                return None  # two digits in a row inside a unit number: "三四十"
            pending = W.CN_DIGITS[ch]
            continue
        unit = {"十": 10, "百": 100, "千": 1000}[ch]
        if total % (unit * 10) != 0 and total:
            return None  # units out of order: "十百"
        total += (pending if pending else 1) * unit
        pending = None
    return total + (pending or 0)


def _number(text: str, words: dict[str, float]) -> float | None:
    """A count typed as digits ("2", "1.5"), a table word ("hai", "two") or Chinese ("两")."""
    text = _key(text)
    if text in words:
        return words[text]
    if re.fullmatch(r"\d{1,4}(?:\.\d{1,2})?", text):
        return float(text)
    value = _cn_int(text)
    return None if value is None else float(value)


def _days_in(month: int, year: int | None = None) -> int:
    """Days of a month; without a year, the most it can have (29 for February)."""
    return calendar.monthrange(year or 2028, month)[1]


def _date_bits(year: int | None, month: int, day: int, short: bool = False,
               lunar: bool = False) -> _Bits | None:
    """Bits for a day written with its month; an impossible but plausible day (31/4, 30/2,
    29/2/2027) is kept as bad_day so the RM hears why, a day no month has is no date at all."""
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    bits = _Bits(month=month, day=day, lunar=lunar or None)
    if year is not None:
        if short:
            bits.short_year = year
        else:
            bits.year = year
    if lunar:
        return bits if day <= 30 else _Bits(bad_day=(year, month, day, True))
    if day > _days_in(month, None if short else year):
        return _Bits(bad_day=(None if short else year, month, day, False))
    return bits


def _clock(hour: int, minute: int, ampm: str | None = None) -> _Bits | None:
    """Clock-time bits; am/pm converts to 24h and stops parts of day from shifting it."""
    if not -59 <= minute <= 59:
        return None
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "p" else 0)
    elif not 0 <= hour <= 23:
        return None
    if hour == 0 and minute < 0:
        return None
    return _Bits(clock=(hour, minute, bool(ampm)))


def _relative(amount: float | None, unit: str, sign: int = 1) -> _Bits | None:
    """Bits for "N units from now" (or ago, with sign -1); fractions only for hours/minutes."""
    if amount is None or amount <= 0:
        return None
    if unit in ("minutes", "hours"):
        minutes = amount * (60 if unit == "hours" else 1)
        if minutes > _MAX_MINUTES or minutes != int(minutes):
            return None
        return _Bits(delta=timedelta(minutes=sign * int(minutes)))
    if amount != int(amount):
        if unit == "months":  # "半个月", "một tháng rưỡi": thirty days a month
            return _Bits(rel_days=sign * round(amount * 30))
        if unit == "years":  # "半年": six months
            return _Bits(months=sign * round(amount * 12)) if amount * 12 == int(amount * 12) \
                else None
        return None
    n = int(amount)
    if n > 12 * MAX_YEARS_AHEAD * 31:
        return None
    if unit == "months":
        return _Bits(months=sign * n)
    if unit == "years":
        return _Bits(years=sign * n)
    return _Bits(rel_days=sign * n * (7 if unit == "weeks" else 1))


def _year_bits(year: int, roc: bool = False) -> _Bits | None:
    """A written year: two digits are resolved later, Taiwan's (民國) years converted now."""
    if roc or 100 <= year <= 199:
        return _Bits(year=year + 1911) if 1 <= year <= 199 else None
    if year < 100:
        return _Bits(short_year=year)
    return _Bits(year=year) if 1900 <= year <= 2200 else None


# ---------------------------------------------------------------------------------------------
# Rules shared by all languages: numeric dates, clock times


@_rule("any", r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:(?:\s|t)(\d{1,2}):(\d{2}))?")
def _iso(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """2026-12-15, 2026/12/15 14:00, 2026-12-15T14:00, 2010.01.29."""
    bits = _date_bits(int(m[1]), int(m[2]), int(m[3]))
    if bits is None or bits.bad_day is not None:
        return bits
    if not 1900 <= int(m[1]) <= 2200:
        return None
    if m[4]:
        clock = _clock(int(m[4]), int(m[5]))
        if clock is None:
            return None
        bits.clock = clock.clock
    return bits


@_rule("any", r"(\d{2,3})/(\d{1,2})/(\d{1,2})(?![/\d])")
def _roc_date(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """Taiwan's 民國 years: 115/12/20 (= 2026-12-20); 75/3/15 too for an RM in Taiwan."""
    year = int(m[1])
    if year < 100 and not (ctx.market == "TW" and year > 31):
        return None
    bits = _date_bits(year + 1911, int(m[2]), int(m[3]))
    return bits if 1 <= year <= 199 else None


_UNIT_AFTER = (r"(?!\s?(?:ngay|tuan|thang|nam|tieng|gio|phut|hom|h\b|days?|weeks?|months?"
               r"|天|日|周|个|小时|分))")


@_rule(
    "any",
    r"(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?(?![/\d])",
    r"(\d{1,2})([-.])(\d{1,2})\2(\d{4}|\d{2})(?![-.\d])",
    rf"(\d{{1,2}})-(\d{{1,2}})(?![-.\d]){_UNIT_AFTER}",
)
def _numeric_date(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """15/12, 15/12/2026, 15/12/26, 15-12-2026, 15.12.2026, 15-12; 12/15 in Chinese."""
    groups = [g for g in m.groups() if g not in (None, "-", ".")]
    a, b = int(groups[0]), int(groups[1])
    written_year = groups[2] if len(groups) > 2 else None
    day_first = written_year is not None or ctx.lang != "zh"
    orders = [(b, a), (a, b)] if day_first else [(a, b), (b, a)]
    year = int(written_year) if written_year else None
    short = written_year is not None and len(written_year) == 2
    first: _Bits | None = None
    for month, day in orders:
        bits = _date_bits(year, month, day, short)
        if bits is not None and bits.bad_day is None:
            return bits
        first = first or bits
    return first  # impossible in both orders: the preferred order's reason


@_rule(
    "any",
    r"(\d{1,2}):(\d{2})(?:\s?([ap])(?:\.?m\b\.?|\b))?",
    r"(\d{1,2})(?:[.:](\d{2}))?\s?([ap])\.?m\b\.?",
)
def _clock_time(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """14:30, 3pm, 3:30 pm, 3:15p, 9 a.m."""
    return _clock(int(m[1]), int(m[2] or 0), m[3])


@_rule("any", r"@")
def _filler_any(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """Words that may sit inside a phrase but say nothing themselves."""
    return _Bits(level=_WEAK)


# ---------------------------------------------------------------------------------------------
# Vietnamese

_VI_NUM_WORDS = _alt(W.VI_NUMBERS.keys() - {"nua"})
_VI_MONTH = rf"(?P<m>\d{{1,2}}|{_alt(W.VI_MONTH_WORDS)}|(?P<lm>{_alt(W.VI_LUNAR_MONTHS)}))"


def _vi_month(m: re.Match[str], ctx: _Ctx, group: str = "m") -> tuple[int, bool] | None:
    """(month, lunar) of a "tháng ..." group: tháng 3, tháng ba, tháng Giêng (lunar)."""
    text = _key(m[group])
    if text.isdigit():
        return (int(text), False) if 1 <= int(text) <= 12 else None
    if text in W.VI_LUNAR_MONTHS:
        return W.VI_LUNAR_MONTHS[text], True
    if text == "sau" and ctx.word(m, group) != "sáu":
        return None  # "tháng sau" is next month; June is "tháng sáu"
    month = W.VI_MONTH_WORDS.get(text)
    return None if month is None else (month, False)


def _vi_count(text: str) -> int | None:
    """A Vietnamese count: digits or a word up to twelve."""
    value = _number(text, W.VI_NUMBERS)
    return int(value) if value is not None and value == int(value) else None


@_rule("vi", r"vao\s?luc|vao\s?khoang|vao|luc|ngay|khoang|tam|dung|cua|theo")
def _filler_vi(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """lúc, vào, vào lúc, ngày, khoảng, tầm, đúng, của, theo."""
    return _Bits(level=_WEAK)


@_rule("vi", _alt(W.VI_DAYS))
def _vi_day(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """hôm nay, bữa nay, mai, ngày mai, mốt, ngày kia, hôm qua, hôm kia."""
    key = _key(m[0])
    if key.endswith("mot") and ctx.word(m).endswith("một"):  # một = one, not mốt
        return None
    days, part = W.VI_DAYS[key]
    level = _STRONG
    if key == "nay":
        level = _WEAK  # "nay" alone is too common a word in notes
    elif key in ("mai", "mot") and ctx.orig[m.start()].isupper():
        level = _NAME_LIKE  # "chị Mai" is a name
    return _Bits(rel_days=days, part=part, level=level)


@_rule("vi", rf"(?P<p>{_alt(W.VI_PARTS)})\shom\squa", r"(?P<p>toi|dem)\squa")
def _vi_last_part(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """tối qua, đêm qua, sáng hôm qua: yesterday's part of the day (past). "chiều qua nhà"
    is "come over this afternoon", so only tối/đêm take a bare "qua"."""
    if ctx.word(m, "p").endswith("tới"):
        return None
    return _Bits(rel_days=-1, part=W.VI_PARTS[_key(m["p"])])


@_rule("vi", _alt(W.VI_PARTS))
def _vi_part(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """sáng, trưa, chiều, tối, đêm (also meaning bright/dark: weak on their own)."""
    if ctx.word(m).endswith("tới"):  # tới = coming, folds like tối = evening
        return None
    return _Bits(part=W.VI_PARTS[_key(m[0])], level=_WEAK)


def _with_vi_modifier(pattern: str) -> tuple[str, str]:
    """The pattern bare and followed by này/tới/vừa rồi/trước (this/coming/last), so that a
    modifier that turns out to be another word ("thứ 6 tối") leaves the bare weekday."""
    return pattern, pattern + r"\s(?P<mod>nay|toi|vua\s?roi|vua\s?qua|truoc)"


@_rule(
    "vi",
    *_with_vi_modifier(r"(?:thu\s?|t)(?P<n>[2-7])"),
    *_with_vi_modifier(rf"thu\s(?P<w>{_alt(W.VI_WEEKDAY_WORDS)})"),
    *_with_vi_modifier(r"(?P<cn>chu\s?nhat|chua\s?nhat|cn)"),
)
def _vi_weekday(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """thứ 2..thứ 7, t2, thứ hai..thứ bảy, chủ nhật, chúa nhật, cn; này (this week's), tới
    (the coming one), vừa rồi / trước (the last one)."""
    groups = m.groupdict()
    mod = _key(groups.get("mod") or "")
    if mod == "toi" and ctx.word(m, "mod") != "tới":
        return None  # unaccented "thu 6 toi" reads better as Friday evening
    if groups.get("n"):
        weekday = int(groups["n"]) - 2
    elif groups.get("w"):
        weekday = W.VI_WEEKDAY_WORDS[groups["w"]]
    else:
        weekday = 6
    week = {"nay": 0, "vua roi": -1, "vua qua": -1, "truoc": -1}.get(mod)
    level = _WEAK if groups.get("cn") == "cn" and not mod else _STRONG
    return _Bits(weekday=weekday, week=week, level=level)


@_rule("vi", r"(?P<nth>dau\s?tien|cuoi\s?cung)")
def _vi_nth(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """thứ 2 đầu tiên (của tháng 10), thứ 6 cuối cùng của tháng: the first/last such weekday."""
    return _Bits(nth=1 if m["nth"].startswith("dau") else -1, level=_WEAK)


@_rule("vi", r"tuan\s?(?P<w>sau\s?nua|sau|toi|nay|truoc)",
       r"(?P<dau>dau)\s?tuan(?:\s?(?:sau|toi))?", r"sang\s?tuan(?:\s?(?:sau|toi))?")
def _vi_week(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """tuần sau/tới/này/trước, tuần sau nữa, sang tuần, đầu tuần (sau) = Monday."""
    if m.groupdict().get("dau"):
        return _Bits(week=1, weekday=0)
    if ctx.word(m).startswith("sáng"):
        return None  # "sáng tuần sau" is a morning, read by the part and the week
    word = _key(m.groupdict().get("w") or "sau")
    return _Bits(week={"nay": 0, "sau nua": 2, "truoc": -1}.get(word, 1))


@_rule("vi", r"cuoi\s?tuan(?:\s?(nay|sau|toi))?")
def _vi_weekend(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """cuối tuần (= coming Saturday), cuối tuần này/sau."""
    return _Bits(weekend=True, week=1 if m[1] in ("sau", "toi") else None)


_VI_REL = {"sau": 1, "toi": 1, "nay": 0, "truoc": -1}


@_rule(
    "vi",
    r"(?:(?P<pos>dau|giua|cuoi)\s)?thang\s(?P<rel>sau|toi|nay|truoc)",
    r"cua\s(?P<this>thang)(?!\s?(?:\d|sau|toi|nay|truoc))",
    rf"(?P<pos>dau|giua|cuoi)\sthang(?:\s{_VI_MONTH})?",
    rf"thang\s{_VI_MONTH}",
)
def _vi_month_words(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """tháng sau (= the 1st), tháng này, đầu/giữa/cuối tháng (sau), tháng 3, tháng Giêng."""
    groups = m.groupdict()
    if groups.get("rel") and ctx.word(m, "rel") in ("tối", "sáu"):
        return None  # "tháng tối" is no phrase; "tháng sáu" is June
    bits = _Bits(month_pos={"dau": "start", "giua": "mid", "cuoi": "end"}.get(
        groups.get("pos") or ""))
    if groups.get("rel"):
        bits.month_rel = _VI_REL[groups["rel"]]
    if groups.get("this"):
        bits.month_rel = 0  # "thứ 6 cuối cùng của tháng": this month's
    if groups.get("m"):
        month = _vi_month(m, ctx)
        if month is None:
            return None
        bits.month, bits.lunar = month[0], month[1] or None
    return bits


@_rule("vi", r"(?P<pos>dau|cuoi)\snam(?:\s(?P<rel>sau|toi|nay))?",
       r"nam\s(?P<rel>sau|toi|nay|ngoai|truoc)", r"nam\s(?P<y>\d{4})")
def _vi_year(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """năm 2026, năm nay/sau/ngoái, cuối năm (= 31/12), đầu năm sau (= 1/1)."""
    groups = m.groupdict()
    if groups.get("y"):
        return _year_bits(int(groups["y"]))
    rel = groups.get("rel")
    if rel == "toi" and ctx.word(m, "rel") == "tối":
        return None
    bits = _Bits(year_rel={"sau": 1, "toi": 1, "nay": 0, "ngoai": -1, "truoc": -1}.get(rel or ""))
    if groups.get("pos"):
        bits.month, bits.month_pos = (1, "start") if groups["pos"] == "dau" else (12, "end")
    return bits


@_rule(
    "vi",
    rf"(?:ngay\s)?(?:(?:mung|mong)\s?)?(?P<d>\d{{1,2}}|{_VI_NUM_WORDS})\s?thang\s?{_VI_MONTH}"
    r"(?:\s?nam\s?(?P<y>\d{4}))?",
    r"(?:ngay|mung|mong)\s?(?P<d>\d{1,2})",
    rf"(?:mung|mong)\s(?P<d>{_VI_NUM_WORDS})",
    r"ngay\s(?P<first>dau\s?tien|cuoi\s?cung)",
)
def _vi_date(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """ngày 15 tháng 12 (năm 2026), mồng 3 tháng ba, ngày 15, mùng 5, ngày đầu tiên."""
    groups = m.groupdict()
    if groups.get("first"):
        return _Bits(day=1) if groups["first"].startswith("dau") else _Bits(month_pos="end")
    day = _vi_count(groups["d"])
    if day is None:
        return None
    if not groups.get("m"):
        return _Bits(day=day) if 1 <= day <= 31 else None
    month = _vi_month(m, ctx)
    if month is None:
        return None
    year = int(groups["y"]) if groups.get("y") else None
    return _date_bits(year, month[0], day, lunar=month[1])


@_rule("vi", r"(?:theo\s)?(?:am\s?lich|lich\s?am|al)(?:\s(?P<leap>nhuan))?", r"am",
       r"(?P<leap>nhuan)")
def _vi_lunar(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """âm lịch, âm, ÂL, theo lịch âm, nhuận: the day beside it is a lunar one."""
    if m[0] == "am" and ctx.word(m) != "âm":
        return None  # an unaccented "am" is English
    if m[0] == "nhuan":
        return _Bits(lunar=True, leap=True, level=_WEAK)
    return _Bits(lunar=True, leap=True if m.groupdict().get("leap") else None, level=_WEAK)


@_rule("vi", rf"ram(?:\sthang\s{_VI_MONTH})?")
def _vi_full_moon(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """rằm (the 15th of the lunar month), rằm tháng Giêng, rằm tháng 7, rằm tháng Chạp."""
    if not m.groupdict().get("m"):
        # Unaccented "ram" is as likely memory as the full moon.
        return _Bits(day=15, lunar=True, level=_STRONG if ctx.word(m) == "rằm" else _WEAK)
    month = _vi_month(m, ctx)
    return None if month is None else _date_bits(None, month[0], 15, lunar=True)


@_rule("vi", rf"(?:mung|mong)\s?(?P<d>\d{{1,2}}|{_VI_NUM_WORDS})\stet", r"(?P<last>\d{2})\stet")
def _vi_tet_day(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """mùng 2 Tết (= lunar 1/2), mồng một Tết; 28 Tết, 30 Tết (the last days of the year)."""
    if m.groupdict().get("last"):
        last = int(m["last"])
        return _Bits(month=12, day=last, lunar=True) if 20 <= last <= 30 else None
    day = _vi_count(m["d"])
    return _Bits(month=1, day=day, lunar=True) if day and 1 <= day <= 10 else None


@_rule("vi", _alt(W.VI_HOLIDAYS))
def _vi_holiday(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """Tết, giao thừa, trung thu, giáng sinh, quốc khánh, giỗ Tổ, ông Công ông Táo..."""
    key = W.VI_HOLIDAYS[_key(m[0])]
    bits = _Bits(holiday=key, market="VN" if key in W.VI_HOLIDAY_MARKET else None)
    if _key(m[0]).startswith("dem"):
        bits.part = "evening"
    return bits


_VI_HOUR = rf"(?P<h>\d{{1,2}}(?=\s?(?:gio|h|g))|{_VI_NUM_WORDS}(?=\s?gio))\s?(?:gio|h|g)"


@_rule(
    "vi",
    _VI_HOUR,
    rf"{_VI_HOUR}\s?(?P<mi>\d{{1,2}})(?:\s?(?:phut|p)\b)?",
    rf"{_VI_HOUR}\s?(?P<half>ruoi)",
    rf"{_VI_HOUR}\s?kem\s?(?P<less>\d{{1,2}})(?:\s?(?:phut|p)\b)?",
    rf"(?P<h>\d{{1,2}}|{_VI_NUM_WORDS})\s(?P<half>ruoi)",
    r"(?:vao\s)?luc\s(?P<h>\d{1,2})(?![\d:/.hg])",
)
@_rule("en", r"at\s(?P<h>\d{1,2})(?![\d:/.])")
def _vi_clock(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """9h, 9g, 9 giờ, ba giờ, 9h30, 9 giờ 30 phút, 9 giờ rưỡi, 2 rưỡi, 9h kém 15, lúc 16, at 16."""
    groups = m.groupdict()
    if groups["h"] == "sau" and ctx.word(m, "h") != "sáu":
        return None  # "sau giờ làm" = after work, not six o'clock
    hour = _vi_count(groups["h"])
    if hour is None:
        return None
    minute = int(groups.get("mi") or 0)
    if groups.get("half"):
        minute = 30
    if groups.get("less"):  # "9h kém 15" = a quarter to nine
        less = int(groups["less"])
        if not 0 < less < 60:
            return None
        minute = -less
    return _clock(hour, minute)


_VI_COUNT = rf"(?P<n>\d{{1,4}}|{_alt(W.VI_NUMBERS)})"
_VI_UNIT = rf"(?P<u>{_alt(W.VI_UNITS)})(?P<half>\s?ruoi)?"


@_rule("vi", rf"{_VI_COUNT}\s?{_VI_UNIT}\s(?P<dir>nua|sau|truoc)",
       rf"sau\s{_VI_COUNT}\s?{_VI_UNIT}")
def _vi_relative(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """3 ngày nữa, 3 hôm nữa, 2 tiếng nữa, nửa tiếng nữa, 1 tiếng rưỡi nữa, sau 2 tuần,
    1 tháng nữa, 1 năm nữa; 2 ngày trước (past)."""
    amount = _number(m["n"], W.VI_NUMBERS)
    if amount is not None and m["half"]:
        amount += 0.5
    return _relative(amount, W.VI_UNITS[_key(m["u"])], -1 if m.groupdict().get("dir") == "truoc"
                     else 1)


# ---------------------------------------------------------------------------------------------
# English


@_rule("en", r"at|on|around|about|by|of|for")
def _filler_en(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """at, on, around, about, by, of, for."""
    return _Bits(level=_WEAK)


@_rule("en", _alt(W.EN_DAYS))
def _en_day(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """today, tonight, tomorrow (tmr, tmrw), day after tomorrow, this morning, yesterday."""
    days, part = W.EN_DAYS[_key(m[0])]
    return _Bits(rel_days=days, part=part)


@_rule("en", _alt(W.EN_PARTS))
def _en_part(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """morning, noon, lunch, afternoon, evening, night."""
    return _Bits(part=W.EN_PARTS[_key(m[0])])


_EN_WD = rf"(?P<wd>{_alt(W.EN_WEEKDAYS)})\.?"


@_rule("en", rf"(?:(?P<mod>next|this|coming|this\scoming|last|past)\s)?{_EN_WD}",
       rf"{_EN_WD}\s(?P<after>after\snext)")
def _en_weekday(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """friday, fri, this friday, next friday (= Friday of next week), last friday, friday after
    next."""
    groups = m.groupdict()
    mod = _key(groups.get("mod") or "")
    week = {"next": 1, "this": 0, "last": -1, "past": -1}.get(mod)
    return _Bits(weekday=W.EN_WEEKDAYS[groups["wd"]], week=week,
                 after_next=True if groups.get("after") else None)


@_rule("en", rf"(?:the\s)?(?P<n>{_alt(W.EN_NTH)})\s{_EN_WD}")
def _en_nth(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """the first monday (of october), the last friday (of the month)."""
    return _Bits(nth=W.EN_NTH[m["n"]], weekday=W.EN_WEEKDAYS[m["wd"]])


@_rule("en", r"(?:the\s)?(?P<after>week\safter\snext)|(?P<w>next|this|last|the\sfollowing)\sweek")
def _en_week(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """next week (= Monday of next week), this week, last week, week after next."""
    if m["after"]:
        return _Bits(week=2)
    return _Bits(week={"next": 1, "this": 0, "last": -1}.get(m["w"], 1))


@_rule("en", r"(?:(?P<mod>this|next)\s)?weekend")
def _en_weekend(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """weekend, this weekend, next weekend."""
    return _Bits(weekend=True, week=1 if m["mod"] == "next" else None)


_EN_MONTH = rf"(?P<mon>{_alt(W.EN_MONTHS)})\.?"


@_rule(
    "en",
    r"(?:the\s)?(?P<rel>next|this|current|last|following|coming)\smonth",
    r"of\sthe\s(?P<this>month)",
    r"(?:the\s)?(?P<pos>end|beginning|start|middle|mid)\s(?:of\s)?(?:the\s)?"
    r"(?:(?P<rel>next|this|current|following|coming)\s)?month",
    rf"(?:the\s)?(?P<pos>end|beginning|start|middle|mid)\s(?:of\s)?{_EN_MONTH}",
    r"(?:the\s)?(?P<ypos>end|beginning|start)\sof\s(?:the\s)?(?:(?P<yrel>this|next)\s)?year",
    _EN_MONTH,
)
def _en_month(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """next month (= the 1st), this month, end of (next) month, end of december, end of the
    year, october (beside "first monday")."""
    groups = m.groupdict()
    if groups.get("ypos"):
        start = groups["ypos"] != "end"
        return _Bits(month=1 if start else 12, month_pos="start" if start else "end",
                     year_rel=1 if groups.get("yrel") == "next" else None)
    pos = {"end": "end", "beginning": "start", "start": "start", "middle": "mid",
           "mid": "mid"}.get(groups.get("pos") or "")
    bits = _Bits(month_pos=pos)
    if groups.get("mon"):
        bits.month = W.EN_MONTHS[groups["mon"]]
    if groups.get("rel"):
        bits.month_rel = {"this": 0, "current": 0, "last": -1}.get(groups["rel"], 1)
    if groups.get("this"):
        bits.month_rel = 0
    return bits


_EN_DAY = rf"(?P<d>\d{{1,2}})(?:st|nd|rd|th)?|(?P<dw>{_alt(W.EN_ORDINALS)})"
_EN_YEAR = r"(?:,?\s(?P<y>\d{4}))?"


@_rule(
    "en",
    rf"{_EN_MONTH}\s?(?:the\s)?(?:{_EN_DAY}){_EN_YEAR}",
    rf"(?:the\s)?(?:{_EN_DAY})\s(?:day\s)?(?:of\s)?{_EN_MONTH}{_EN_YEAR}",
    r"(?:the\s)?(?P<d>\d{1,2})(?:st|nd|rd|th)",
    rf"the\s(?P<dw>{_alt(W.EN_ORDINALS)})",
    r"(?P<d>\d{1,2})\sof(?=\s(?:the\s)?(?:next|this|current|following|coming)\smonth)",
)
def _en_date(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """dec 15, December 15th, 15 dec 2026, the 15th of december, february the 15th, the 15th,
    on the first, 20 of next month."""
    groups = m.groupdict()
    day = int(groups["d"]) if groups.get("d") else W.EN_ORDINALS[_key(groups["dw"])]
    if not groups.get("mon"):
        level = _WEAK if groups.get("dw") else _STRONG  # "the first" is often no date
        return _Bits(day=day, level=level) if 1 <= day <= 31 else None
    year = int(groups["y"]) if groups.get("y") else None
    return _date_bits(year, W.EN_MONTHS[groups["mon"]], day)


@_rule("en", _alt(W.EN_HOLIDAYS))
def _en_holiday(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """christmas, xmas, new year's eve, new year's day, lunar new year, mid-autumn festival."""
    return _Bits(holiday=W.EN_HOLIDAYS[_key(m[0])])


_EN_WORD_HOUR = _alt(k for k, v in W.EN_NUMBERS.items() if v == int(v) and 1 <= v <= 12
                     and " " not in k and k not in ("a", "an", "few"))


_EN_WORD_MINUTE = _alt(k for k, v in W.EN_NUMBERS.items() if v == int(v) and 1 <= v <= 45
                       and " " not in k and k not in ("a", "an", "few"))


def _en_hour(text: str) -> int | None:
    value = _number(text, W.EN_NUMBERS)
    return int(value) if value is not None and value == int(value) else None


@_rule(
    "en",
    rf"(?P<m>half|(?:a\s)?quarter|{_EN_WORD_MINUTE}|\d{{1,2}}(?=\smin))(?:\s(?:minutes?|mins?))?\s"
    rf"(?P<dir>past|after|to|till|before)\s(?P<h>\d{{1,2}}|{_EN_WORD_HOUR})"
    r"(?:\s?(?P<ap>[ap])\.?m\b\.?)?",
    rf"(?P<h>\d{{1,2}}|{_EN_WORD_HOUR})\s?o'?clock",
    r"at\s(?P<hm>\d{3,4})(?![\d:/.])",
    r"(?P<h>\d{1,2})(?=\s(?:tonight|tomorrow|today|this\s(?:morning|afternoon|evening)|"
    r"in\sthe\s(?:morning|afternoon|evening)|at\snight))",
)
def _en_clock(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """half past 3, quarter to 4, 20 minutes to 2pm, 3 o'clock, at 1030, 8 (tonight)."""
    groups = m.groupdict()
    if groups.get("hm"):
        digits = groups["hm"]
        return _clock(int(digits[:-2]), int(digits[-2:]))
    hour = _en_hour(groups["h"])
    if hour is None:
        return None
    if not groups.get("dir"):
        return _clock(hour, 0)
    word = _key(groups["m"]).removeprefix("a ")
    minutes = {"half": 30, "quarter": 15}.get(word)
    if minutes is None:
        minutes = _en_hour(word) if not word.isdigit() else int(word)
    if minutes is None or not 0 < minutes < 60:
        return None
    if groups["dir"] in ("to", "till", "before"):
        if word == "half":
            return None
        minutes = -minutes
    return _clock(hour, minutes, groups.get("ap"))


_EN_COUNT = rf"(?P<n>\d{{1,4}}(?:\.\d{{1,2}})?|{_alt(W.EN_NUMBERS)})"
_EN_UNIT = rf"(?P<u>{_alt(W.EN_UNITS)})"
_EN_ABOUT = r"(?:(?:about|around|approximately|roughly)\s)?"


@_rule(
    "en",
    rf"in\s{_EN_ABOUT}{_EN_COUNT}\s?{_EN_UNIT}(?P<half>\sand\sa\shalf)?",
    rf"{_EN_COUNT}\s?{_EN_UNIT}\s(?P<dir>from\snow|later|ago)",
    rf"in\s{_EN_ABOUT}(?:a\s)?(?P<frac>half|quarter|three\squarters)\s(?:of\s)?an?\s(?P<u>hour)",
)
def _en_relative(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """in 2 hours, in 30 min, in an hour and a half, in half an hour, in a quarter of an hour,
    in a couple of hours, 3 days from now, a week ago (past)."""
    groups = m.groupdict()
    if groups.get("frac"):
        amount: float | None = {"half": 0.5, "quarter": 0.25}.get(groups["frac"], 0.75)
    else:
        amount = _number(groups["n"], W.EN_NUMBERS)
    if amount is not None and groups.get("half"):
        amount += 0.5
    return _relative(amount, W.EN_UNITS[m["u"]], -1 if groups.get("dir") == "ago" else 1)


# ---------------------------------------------------------------------------------------------
# Chinese (Traditional is folded to Simplified first; Cantonese words included)


@_rule("zh", r"的|在|于|大约|大概|约|差不多|左右|前后")
def _filler_zh(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """的, 在, 于, 大约, 大概; 左右 and 前后 (about) close a phrase."""
    return _Bits(level=_TAIL if m[0] in ("左右", "前后") else _WEAK)


@_rule("zh", _alt(W.ZH_DAYS))
def _zh_day(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """今天, 明天, 后天, 大后天, 今晚, 明早; Cantonese 听日, 后日, 听朝; 昨天 (past)."""
    days, part = W.ZH_DAYS[m[0]]
    return _Bits(rel_days=days, part=part)


@_rule("zh", _alt(W.ZH_PARTS))
def _zh_part(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """早上, 上午, 中午, 下午, 傍晚, 晚上, 夜里, 凌晨; Cantonese 朝早, 晏昼; 早, 晚 (weak)."""
    return _Bits(part=W.ZH_PARTS[m[0]], level=_WEAK if m[0] in W.ZH_WEAK_PARTS else _STRONG)


_ZH_WEEK_PREFIX = rf"(?P<pre>{_alt(W.ZH_WEEK_PREFIX)})"
_ZH_WEEK = r"(?:周|星期|礼拜)"


@_rule(
    "zh",
    rf"{_ZH_WEEK_PREFIX}?{_ZH_WEEK}(?P<wd>[一二三四五六日天1-7])",
    rf"{_ZH_WEEK_PREFIX}{_ZH_WEEK}",
    rf"{_ZH_WEEK_PREFIX}?周末",
)
def _zh_week(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """周三, 星期五, 礼拜天, 下周三, 下个星期一, 这周五, 今个星期三, 上周二, 下周 (= Monday),
    周末."""
    groups = m.groupdict()
    week = W.ZH_WEEK_PREFIX[groups["pre"]] if groups.get("pre") else None
    if m[0].endswith("周末"):
        return _Bits(weekend=True, week=week or None)
    if groups.get("wd"):
        return _Bits(weekday=W.ZH_WEEKDAYS[groups["wd"]], week=week)
    return _Bits(week=week)


@_rule("zh", rf"第(?P<n>[一二三四五1-5])个?{_ZH_WEEK}(?P<wd>[一二三四五六日天1-7])",
       rf"最后一个?{_ZH_WEEK}(?P<wd>[一二三四五六日天1-7])")
def _zh_nth(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """第一个星期一, 最后一个星期五 (of a month)."""
    n = _cn_int(m["n"]) if m.groupdict().get("n") else -1
    return _Bits(nth=n, weekday=W.ZH_WEEKDAYS[m["wd"]])


_ZH_MONTH_PREFIX = rf"(?P<pre>{_alt(W.ZH_MONTH_PREFIX)})"


@_rule(
    "zh",
    rf"{_ZH_MONTH_PREFIX}月(?P<pos>初|中|底|末)?",
    r"(?P<pos>月初|月中|月底|月末)",
    r"(?P<ypos>年底|年末|年初)",
)
def _zh_month_rel(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """下个月 (= the 1st), 下个月初, 本月, 今个月, 上个月, 月底, 月初, 年底."""
    groups = m.groupdict()
    if groups.get("ypos"):
        return (_Bits(month=1, month_pos="start") if groups["ypos"] == "年初"
                else _Bits(month=12, month_pos="end"))
    pos = {"初": "start", "中": "mid", "底": "end", "末": "end"}.get(
        (groups.get("pos") or "")[-1:])
    rel = W.ZH_MONTH_PREFIX[groups["pre"]] if groups.get("pre") else None
    return _Bits(month_rel=rel, month_pos=pos)


@_rule("zh", _alt(W.ZH_YEARS),
       rf"(?P<roc>民国)?\s?(?P<y>\d{{2,4}}|{_CN_NUM})\s?年(?!\s?(?:后|前|以后|之后|以前|之前))")
def _zh_year(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """今年, 明年, 去年; 2026年, 二零二六年, 民國115年."""
    if m[0] in W.ZH_YEARS:
        return _Bits(year_rel=W.ZH_YEARS[m[0]])
    if len(m["y"]) < 2:
        return None  # "一年期" is a term, not the year 1
    year = _cn_int(m["y"])
    return None if year is None else _year_bits(year, roc=bool(m["roc"]))


@_rule("zh", r"(?P<lunar>农历|阴历|旧历)(?P<leap>闰)?", r"(?P<leap>闰)")
def _zh_lunar(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """农历, 阴历, 闰: the day beside it is a lunar one."""
    return _Bits(lunar=True, leap=True if m.groupdict().get("leap") else None, level=_WEAK)


_ZH_LUNAR_DAY = r"(?P<chu>初)(?P<cd>[一二三四五六七八九十]|10|[1-9])"


def _zh_day_number(m: re.Match[str]) -> tuple[int | None, bool]:
    """(day, lunar) of a Chinese day group: 十五, 15, 廿三, 初八 (lunar)."""
    groups = m.groupdict()
    if groups.get("chu"):
        return _cn_int(groups["cd"]), True
    return _cn_int(groups["d"]), False


@_rule(
    "zh",
    rf"(?P<m>{_NUM}|(?P<lm>[正冬腊]))\s?月\s?(?:{_ZH_LUNAR_DAY}|(?P<d>{_NUM})\s?(?:日|号)?)",
    rf"(?P<d>{_NUM})\s?(?:日|号)",
    _ZH_LUNAR_DAY,
    r"大?年初(?P<nd>[一二三四五六七八九十]|10|[1-9])",
    rf"(?P<m>{_NUM}|(?P<lm>[正冬腊]))\s?月(?=\s?(?:的\s?)?(?:第|最后))",
)
def _zh_date(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """12月15日, 十二月十五号, 十五号, 廿号; lunar 三月初一, 正月十五, 腊月二十三, 初八,
    大年初二, 年初二; 十月 (beside 第一个星期一)."""
    groups = m.groupdict()
    if groups.get("nd"):
        day = _cn_int(groups["nd"])
        return _Bits(month=1, day=day, lunar=True) if day and day <= 10 else None
    if groups.get("lm"):
        month: int | None = W.ZH_LUNAR_MONTHS[groups["lm"]]
    else:
        month = _cn_int(groups["m"]) if groups.get("m") else None
    if not groups.get("d") and not groups.get("chu"):
        return _Bits(month=month) if month and 1 <= month <= 12 else None
    day, lunar = _zh_day_number(m)
    lunar = lunar or bool(groups.get("lm"))
    if day is None:
        return None
    if month is None:
        return _Bits(day=day, lunar=lunar or None) if 1 <= day <= 31 else None
    return _date_bits(None, month, day, lunar=lunar)


@_rule("zh", _alt(W.ZH_HOLIDAYS))
def _zh_holiday(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """元旦, 春节, 除夕, 元宵, 清明, 端午, 中秋, 国庆 (by market), 圣诞, 劳动节, 五一..."""
    return _Bits(holiday=W.ZH_HOLIDAYS[m[0]])


_ZH_HOUR = rf"(?P<h>{_NUM})\s?(?:点钟|点|时)"
_CN_ONE_DIGIT = "一二三四五六七八九"


@_rule(
    "zh",
    _ZH_HOUR,
    rf"{_ZH_HOUR}\s?(?P<q>半|一刻|三刻|整|正|[踏搭]半)",
    rf"{_ZH_HOUR}\s?(?P<zero>零|过)?\s?(?P<mi>{_NUM})\s?(?P<unit>分钟|分|个字)?",
    rf"{_ZH_HOUR}\s?[踏搭]\s?(?P<five>{_NUM})",
    rf"{_ZH_HOUR}\s?差\s?(?P<less>{_NUM})\s?分?",
    rf"差\s?(?P<less>{_NUM})\s?分钟?\s?(?P<h>{_NUM})\s?点",
)
def _zh_clock(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """3点, 三點, 10点半, 3点一刻, 3点15分, 十点零五分, 3点钟, 3点整, 3点差5分, 差五分三点;
    Cantonese 三點三 (3:15), 三點踏三, 三點三個字, 三點踏半."""
    groups = m.groupdict()
    hour = _cn_int(groups["h"])
    words = {"半": 30, "一刻": 15, "三刻": 45, "整": 0, "正": 0, "踏半": 30, "搭半": 30}
    minute: int | None = words.get(groups.get("q") or "", 0)
    if groups.get("mi"):
        minute = _cn_int(groups["mi"])
        # Cantonese counts a lone digit after 點 (and 個字) in fives: 三點三 = 3:15.
        fives = groups.get("unit") == "个字" or (
            not groups.get("unit") and not groups.get("zero") and len(groups["mi"]) == 1
            and groups["mi"] in _CN_ONE_DIGIT)
        if minute is not None and fives:
            minute = minute * 5 if minute < 12 else None
    elif groups.get("five"):
        five = _cn_int(groups["five"])
        minute = five * 5 if five is not None and five < 12 else None
    elif groups.get("less"):
        less = _cn_int(groups["less"])
        minute = -less if less is not None and 0 < less < 60 else None
    if hour is None or minute is None:
        return None
    bits = _clock(hour, minute)
    if bits is not None and groups["h"] == "一" and m[0] == "一点":
        bits.level = _WEAK  # "好一点", "快一点": a little, not one o'clock
    return bits


_ZH_AFTER = r"\s?(?P<dir>以后|之后|过后|后|以前|之前|前)"


@_rule(
    "zh",
    rf"(?P<n>{_NUM}|半|几)\s?个?\s?(?P<half>半)?\s?(?P<u>{_alt(W.ZH_UNITS)}){_ZH_AFTER}",
    rf"(?P<quarter>一刻钟?){_ZH_AFTER}",
    rf"过\s?(?P<n>{_NUM}|半)\s?个?\s?(?P<half>半)?\s?(?P<u>{_alt(W.ZH_UNITS)})",
)
def _zh_relative(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """3天后, 三天後, 两小时后, 半小时后, 一个半小时后, 三個鐘後, 一周后, 过两天, 3个月后;
    两天前 (past)."""
    groups = m.groupdict()
    sign = -1 if (groups.get("dir") or "").endswith("前") else 1
    if groups.get("quarter"):
        return _relative(15, "minutes", sign)
    if groups["n"] == "几":
        return None  # "几天后" names no day
    unit = W.ZH_UNITS[groups["u"]]
    if groups["u"] == "月" and "个" not in m[0] and groups["n"] != "半":
        return None  # "3月后" is "after March", not "3 months later"
    amount = 0.5 if groups["n"] == "半" else _number(groups["n"], {})
    if amount is not None and groups.get("half"):
        amount += 0.5
    return _relative(amount, unit, sign)


# ---------------------------------------------------------------------------------------------
# Reading chains of components


@cache
def _rules_for(kind: str) -> list[tuple[int, _Rule]]:
    """The rules that may match at a character of this kind, with their registration order.
    Chinese rules start with a digit or a Chinese character, Vietnamese and English ones with
    a digit or a Latin letter, shared ones with a digit: a letter rules out a whole language."""
    wanted = {"cjk": ("zh",), "latin": ("vi", "en")}.get(kind)
    return [(order, rule) for order, rule in enumerate(_RULES)
            if wanted is None or rule.lang in wanted]


def _char_kind(c: str) -> str:
    if "\u2e80" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff":
        return "cjk"
    return "latin" if c.isascii() and c.isalpha() else "other"


def _matches_at(ctx: _Ctx, pos: int) -> list[tuple[int, _Bits]]:
    """Every component that starts at pos: longest first, the locale's language first on ties."""
    if pos in ctx.cache:
        return ctx.cache[pos]
    text = ctx.folded
    found: list[tuple[int, int, int, _Bits]] = []
    if (pos < len(text) and not (pos > 0 and _glued(text[pos - 1], text[pos]))
            and not _cuts_number(text, pos)):
        for order, rule in _rules_for(_char_kind(text[pos])):
            ctx.steps += 1
            m = rule.regex.match(text, pos)
            if m is None or m.end() == pos:
                continue
            end = m.end()
            if end < len(text) and (_glued(text[end - 1], text[end]) or _cuts_number(text, end)):
                continue  # "mai" must not match the start of "maintain", nor "31" of "31/4"
            if not _spelled_ok(ctx.orig[pos:end], rule.lang):
                continue
            bits = rule.handler(m, ctx)
            if bits is not None:
                rank = 0 if rule.lang in (ctx.lang, "any") else 1
                found.append((-end, rank, order, bits))
    found.sort(key=lambda item: item[:3])
    ctx.cache[pos] = [(-neg_end, bits) for neg_end, _, _, bits in found]
    return ctx.cache[pos]


def _is_empty(bits: _Bits) -> bool:
    """True for a filler word's bits."""
    return all(getattr(bits, name) is None for name in _MERGED_FIELDS)


def _merge(acc: _Bits, new: _Bits) -> _Bits | None:
    """Combine two readings, or None if both set the same field ("mai mốt")."""
    out = _Bits.__new__(_Bits)  # a plain copy: dataclasses.replace is slow in this hot loop
    out.__dict__.update(acc.__dict__)
    for name, value in new.__dict__.items():
        if value is None or name == "level":
            continue
        old = getattr(acc, name)
        if old is not None and not (name in _SAME_VALUE_OK and old == value):
            return None
        setattr(out, name, value)
    for group in _ONE_OF:
        if sum(getattr(out, name) is not None for name in group) > 1:
            return None
    if _is_empty(new):
        return out  # fillers say nothing about how sure we are
    if _is_empty(acc):
        out.level = new.level
    elif acc.level == new.level == _WEAK:
        out.level = _STRONG  # two weak words together ("tối nay") are a phrase
    else:
        out.level = min(acc.level, new.level)
    return out


def _reads(ctx: _Ctx, start: int) -> Iterator[tuple[int, _Bits]]:
    """Every (end, bits) reading of adjacent components from start; fillers never end one."""
    seen: dict[tuple[Any, ...], int] = {}  # (position, reading) -> least depth it was walked at

    def walk(pos: int, acc: _Bits, depth: int) -> Iterator[tuple[int, _Bits]]:
        if depth >= _MAX_COMPONENTS:
            return
        # Many paths reach the same reading at the same place ("vào lúc" or "vào" + "lúc"):
        # what follows is the same, so each is walked once.
        key = (pos, *acc.__dict__.values())
        if seen.get(key, _MAX_COMPONENTS) <= depth:
            return
        seen[key] = depth
        skipped = 0
        while depth and pos < len(ctx.folded) and ctx.folded[pos] in _SEPARATORS:
            pos += 1
            skipped += 1
            if skipped > _MAX_SEPARATORS:
                return
        for end, bits in _matches_at(ctx, pos):
            ctx.steps += 1
            merged = _merge(acc, bits)
            if merged is None:
                continue
            if not _is_empty(bits) or (bits.level == _TAIL and not _is_empty(merged)):
                yield end, merged
            yield from walk(end, merged, depth + 1)

    yield from walk(start, _Bits(level=_WEAK), 0)


# ---------------------------------------------------------------------------------------------
# Turning a reading into a datetime


@dataclass(frozen=True)
class _Issue:
    """A reading that names no schedulable moment, and why (a TimeProblem without its span)."""

    problem: Problem
    when: datetime | None = None
    weekday: int | None = None
    year: int | None = None
    month: int | None = None
    day: int | None = None
    days: int | None = None
    lunar: bool = False


def _shift_hour(hour: int, part: str) -> tuple[int, int]:
    """(hour, extra days) for a clock hour said with a part of day: "3 giờ chiều" -> 15."""
    if part == "noon" and 1 <= hour <= 5:
        return hour + 12, 0
    if part == "afternoon" and 1 <= hour <= 11:
        return hour + 12, 0
    if part in ("evening", "night"):
        if hour == 12:
            return 0, 1  # "12h đêm" is midnight, at the end of that day
        if (part == "evening" and 1 <= hour <= 11) or 6 <= hour <= 11:
            return hour + 12, 0
        if part == "night" and hour <= 5:
            return hour, 1  # "2h đêm nay" is after midnight
    return hour, 0


def _time_of_day(bits: _Bits) -> tuple[time, int, bool]:
    """(time, extra days, has_time); no time named means the start of the working day."""
    if bits.clock is not None:
        hour, minute, fixed = bits.clock
        extra = 0
        if not fixed:
            if bits.part is not None:
                hour, extra = _shift_hour(hour, bits.part)
            elif 1 <= hour <= 7:
                hour += 12  # a bare hour is a working hour: "3h" is 15:00
        total = hour * 60 + minute
        extra += total // 1440
        total %= 1440
        return time(total // 60, total % 60), extra, True
    if bits.part is not None:
        return time(W.PART_DEFAULT_HOUR[bits.part]), 0, True
    return time(9), 0, False


def _safe_date(year: int, month: int, day: int) -> date | None:
    """date(), or None where the day does not exist."""
    try:
        return date(year, month, day)
    except (ValueError, OverflowError):
        return None


def _month_after(day: date, months: int) -> tuple[int, int]:
    """(year, month) of the month `months` after day's month."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return year, month + 1


def _same_day_months_later(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31/1 + 1 month -> 28/2)."""
    year, month = _month_after(day, months)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _window_year(short: int, low: int) -> int:
    """The year in [low, low + 99] that ends in the two digits `short`."""
    return low + (short - low) % 100


def _year_of(bits: _Bits, today: date) -> int | None:
    """The year written or said, if any."""
    if bits.year is not None:
        return bits.year
    if bits.short_year is not None:
        return _window_year(bits.short_year, today.year - 80)
    if bits.year_rel is not None:
        return today.year + bits.year_rel
    return None


def _pos_day(pos: str, year: int, month: int) -> date:
    """The day a position in a month names: start = 1st, mid = 15th, end = last day."""
    day = {"start": 1, "mid": 15}.get(pos, calendar.monthrange(year, month)[1])
    return date(year, month, day)


_Days = list[date | None] | _Issue | None


def _weekday_days(bits: _Bits, today: date) -> _Days:
    """Days a weekday (or the weekend, or a week) names."""
    monday = today - timedelta(days=today.weekday())
    if bits.weekday is None and not bits.weekend:
        if bits.week is None or bits.week == 0:
            return None  # "this week" is a span
        return [monday + timedelta(days=7 * bits.week)]
    weekday = 5 if bits.weekend else bits.weekday or 0
    if bits.week is not None:
        this = monday + timedelta(days=7 * bits.week + weekday)
        if bits.week == 0 and this < today:  # "这个星期一" on a Wednesday: the coming one
            return [this + timedelta(days=7)]
        return [this]
    ahead = (weekday - today.weekday()) % 7
    if bits.weekend:
        first = today + timedelta(days=ahead)
        return [first, first + timedelta(days=7)]
    first = today + timedelta(days=ahead or 7)  # the same weekday means next week's
    return [first + timedelta(days=7)] if bits.after_next else [first]


def _lunar_days(bits: _Bits, year: int | None, today: date, market: str) -> _Days:
    """Days a lunar date names: that year's, or the next one to come."""
    day, leap = bits.day, bool(bits.leap)
    if day is None:
        return None
    if bits.month is None:  # "rằm", "初八": the next lunar month that has that day
        lunar_year, lunar_month, _, this_leap = calendars.solar_to_lunar(today, market)
        start = today - timedelta(days=calendars.solar_to_lunar(today, market)[2] - 1)
        found: list[date | None] = []
        for _ in range(3):
            length = 30 if calendars.lunar_day(lunar_year, lunar_month, 30, this_leap,
                                               market) else 29
            if day <= length:
                found.append(start + timedelta(days=day - 1))
            start += timedelta(days=length)
            lunar_year, lunar_month, _, this_leap = calendars.solar_to_lunar(start, market)
        return found
    month = bits.month
    years = [year] if year is not None else [today.year - 1, today.year, today.year + 1]
    found = []
    for lunar_year in years:
        if month == 12 and day == 30 and not leap:  # "腊月三十", "30 Tết": the year's last day
            found.append(calendars.lunar_new_years_eve(lunar_year, market))
            continue
        found.append(calendars.lunar_day(lunar_year, month, day, leap, market))
    if year is not None and found == [None]:
        days = calendars.lunar_month_days(year, month, leap, market)
        return _Issue(Problem.NO_SUCH_DAY, year=year, month=month, day=day, days=days,
                      lunar=True)
    ahead: list[date | None] = [*sorted(d for d in found if d is not None)]
    return ahead or None


def _years(year: int | None, today: date) -> list[int]:
    """The year said, else this year and the next."""
    return [year] if year is not None else [today.year, today.year + 1]


def _no_such_day(year: int, month: int, day: int) -> _Issue:
    return _Issue(Problem.NO_SUCH_DAY, year=year, month=month, day=day,
                  days=_days_in(month, year))


def _holiday_days(bits: _Bits, year: int | None, today: date, market: str) -> _Days:
    """國慶, Tết, christmas: this year's or next year's, in the holiday's or the RM's market."""
    if _has(bits, ("month", "day", "month_rel", "month_pos", "nth", "lunar")):
        return None
    assert bits.holiday is not None
    return [calendars.holiday(bits.holiday, y, bits.market or market)
            for y in _years(year, today)]


def _nth_days(bits: _Bits, year: int | None, today: date) -> _Days:
    """The n-th weekday of a month: 十月第一个星期一, first monday of next month."""
    if bits.weekday is None or bits.day is not None or bits.month_pos is not None:
        return None
    assert bits.nth is not None
    if bits.month_rel is not None:
        return [calendars.nth_weekday(*_month_after(today, bits.month_rel), bits.nth,
                                      bits.weekday)]
    if bits.month is None:
        return None
    return [calendars.nth_weekday(y, bits.month, bits.nth, bits.weekday)
            for y in _years(year, today)]


def _month_days(bits: _Bits, year: int | None, today: date) -> _Days:
    """A day of a named month (15/12, 2026年12月15日), or its start, middle or end."""
    assert bits.month is not None
    if bits.day is not None:
        if bits.month_pos is not None:
            return None
        if year is None:  # this year or the next that has the day (29/2)
            return [_safe_date(today.year + i, bits.month, bits.day) for i in range(9)]
        found = _safe_date(year, bits.month, bits.day)
        return [found] if found is not None else _no_such_day(year, bits.month, bits.day)
    if bits.month_pos is None:
        return None  # a month alone is a span
    return [_pos_day(bits.month_pos, y, bits.month) for y in _years(year, today)]


def _relative_month_days(bits: _Bits, today: date) -> _Days:
    """A day of this or next month: tháng sau (the 1st), 下个月15号, end of next month."""
    assert bits.month_rel is not None
    year, month = _month_after(today, bits.month_rel)
    if bits.day is not None:
        if bits.month_pos is not None:
            return None
        found = _safe_date(year, month, bits.day)
        return [found] if found is not None else _no_such_day(year, month, bits.day)
    if bits.month_pos is not None:
        return [_pos_day(bits.month_pos, year, month)]
    return None if bits.month_rel == 0 else [date(year, month, 1)]  # "this month" is a span


def _loose_days(bits: _Bits, today: date) -> _Days:
    """A day of the month alone (ngày 15, 15号: this month's or the next that has it), a month
    position alone (cuối tháng), a past year alone (去年)."""
    if bits.year_rel is not None:
        if bits.day is not None or bits.month_pos is not None:
            return None
        return [date(today.year + bits.year_rel, 1, 1)] if bits.year_rel < 0 else None
    if bits.day is not None:
        if bits.month_pos is not None:
            return None
        return [_safe_date(*_month_after(today, i), bits.day) for i in range(13)]
    if bits.month_pos is not None:
        return [_pos_day(bits.month_pos, *_month_after(today, i)) for i in range(2)]
    return None


def _calendar_days(bits: _Bits, today: date, market: str) -> _Days:
    """Days a date, a month position, a month-relative day or a holiday names."""
    year = _year_of(bits, today)
    if bits.holiday is not None:
        return _holiday_days(bits, year, today, market)
    if bits.lunar:
        if _has(bits, ("month_rel", "nth", "month_pos")):
            return None
        return _lunar_days(bits, year, today, market)
    if bits.month is not None and bits.month_rel is not None:
        return None
    if bits.nth is not None:
        return _nth_days(bits, year, today)
    if bits.month is not None:
        return _month_days(bits, year, today)
    if year is not None and bits.year_rel is None:
        return None  # "2026" with a day but no month
    if bits.month_rel is not None:
        return _relative_month_days(bits, today)
    return _loose_days(bits, today)


def _has(bits: _Bits, names: Iterable[str]) -> bool:
    return any(getattr(bits, n) is not None for n in names)


def _lunar_fix(bits: _Bits) -> _Bits:
    """A day impossible in the solar calendar may be a lunar one: "30/2 âm" exists."""
    if bits.bad_day is None or not bits.lunar or bits.bad_day[3] or bits.bad_day[2] > 30:
        return bits
    year, month, day, _ = bits.bad_day
    return dataclasses.replace(bits, bad_day=None, year=year, month=month, day=day)


def _candidate_days(bits: _Bits, today: date, market: str) -> _Days:
    """Days the reading may mean, earliest first; the first one still ahead wins."""
    bits = _lunar_fix(bits)
    if bits.bad_day is not None:
        year, month, day, lunar = bits.bad_day
        year = year if year is not None else bits.year  # "1990年2月30日": the year is apart
        days = 30 if lunar else _days_in(month, year)
        return _Issue(Problem.NO_SUCH_DAY, year=year, month=month, day=day, days=days,
                      lunar=lunar)
    if bits.rel_days is not None:
        if _has(bits, (n for n in _DAY_FIELDS if n != "rel_days")) or _has(
                bits, ("week", "weekend", "after_next")):
            return None
        return [today + timedelta(days=bits.rel_days)]
    if bits.months is not None or bits.years is not None:
        if _has(bits, (n for n in (*_DAY_FIELDS, *_WEEK_FIELDS) if n not in ("months", "years"))):
            return None
        months = (bits.months or 0) + 12 * (bits.years or 0)
        if bits.months is not None and bits.years is not None:
            return None
        return [_same_day_months_later(today, months)]
    calendar_fields = [n for n in _DAY_FIELDS if n not in ("rel_days", "months", "years")]
    if _has(bits, calendar_fields):
        if _has(bits, ("week", "weekend", "after_next")):
            return None
        return _calendar_days(bits, today, market)
    if _has(bits, _WEEK_FIELDS):
        return _weekday_days(bits, today)
    return [today, today + timedelta(days=1)]  # a bare time: today, else tomorrow


def _resolve(bits: _Bits, now: datetime, market: str) -> tuple[datetime, bool] | _Issue | None:
    """The future moment a reading names with has_time, an _Issue, or None if it names none."""
    if _is_empty(bits):
        return None
    limit = now + timedelta(days=366 * MAX_YEARS_AHEAD)
    if bits.delta is not None:  # "in 2 hours" is an exact instant: add in UTC (DST-proof)
        if any(getattr(bits, n) is not None for n in _MERGED_FIELDS if n != "delta"):
            return None
        when = (now.astimezone(UTC) + bits.delta).astimezone(now.tzinfo)
        if when <= now:
            return _Issue(Problem.PAST, when=when)
        return when, True
    if bits.nth is not None and bits.weekday is None:
        return None
    try:
        days = _candidate_days(bits, now.date(), market)
    except (OverflowError, ValueError):  # calendar arithmetic beyond year 9999
        return None
    if days is None or isinstance(days, _Issue):
        return days
    clock, extra, has_time = _time_of_day(bits)
    checks_weekday = bits.weekday is not None and bits.nth is None and _has(bits, _DAY_FIELDS)
    last: datetime | None = None
    try:
        for day in days:
            if day is None:
                continue
            when = datetime.combine(day + timedelta(days=extra), clock, tzinfo=now.tzinfo)
            last = when
            if when <= now:
                continue
            if when > limit:
                return _Issue(Problem.TOO_FAR, when=when)
            if checks_weekday and day.weekday() != bits.weekday:
                return _Issue(Problem.WEEKDAY_MISMATCH, when=when, weekday=bits.weekday)
            return when, has_time
    except (OverflowError, ValueError):
        return None
    return None if last is None else _Issue(Problem.PAST, when=last)


# ---------------------------------------------------------------------------------------------
# Public API


def _lang(locale: str) -> str:
    """Grammar language for a locale: "vi", "zh" or "en"."""
    locale = locale.lower()
    if locale.startswith("zh"):
        return "zh"
    return "vi" if locale.startswith("vi") else "en"


def _context(text: str, locale: str, region: str | None) -> _Ctx:
    """Prepare a text: normalised first, so folding is per precomposed character."""
    orig, offsets = _normalise(text)
    return _Ctx(orig=orig, folded=_fold(orig), lang=_lang(locale),
                market=calendars.market_of(locale, region), offsets=offsets)


def _bounds(text: str) -> tuple[int, int]:
    """Start and end of the text without surrounding spaces and punctuation."""
    start, end = 0, len(text)
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    return start, end


def _problem(ctx: _Ctx, start: int, end: int, issue: _Issue) -> TimeProblem:
    """A TimeProblem whose span indexes the caller's text."""
    return TimeProblem(start=ctx.offsets[start], end=ctx.offsets[end], **dataclasses.asdict(issue))


def _outcome(ctx: _Ctx, start: int, end: int,
             resolved: tuple[datetime, bool] | _Issue) -> ParsedTime | TimeProblem:
    """A ParsedTime or TimeProblem whose span indexes the caller's text."""
    if isinstance(resolved, _Issue):
        return _problem(ctx, start, end, resolved)
    return ParsedTime(resolved[0], ctx.offsets[start], ctx.offsets[end], resolved[1])


def read_time(text: str, locale: str, now: datetime, *,
              region: str | None = None) -> ParsedTime | TimeProblem | None:
    """The moment the whole text names, or why it names none it can be, or None if the text
    is not a time phrase. `region` is the RM's market (VN, CN, TW, HK) for holidays."""
    ctx = _context(text, locale, region)
    start, end = _bounds(ctx.folded)
    if start >= end:
        return None
    issue: TimeProblem | None = None
    for read_end, bits in _reads(ctx, start):
        if read_end >= end:  # a match may run into trimmed punctuation: "9 a.m."
            resolved = _resolve(bits, now, ctx.market)
            if isinstance(resolved, _Issue):
                issue = issue or _problem(ctx, start, end, resolved)
            elif resolved is not None:
                return _outcome(ctx, start, end, resolved)
    return issue


def read_clock(text: str, locale: str) -> time | None:
    """The time of day the whole text names and nothing else, for settings such as the
    agenda's hour: '22h', '22:00', '7h30', '晚上10点', '22點', '10pm', '7 giờ tối' -> time;
    None for anything else ('25h', 'mai 9h', 'tối'). A bare hour is read on the 24-hour dial
    ('7' is 07:00, never the working-hours 19:00 a follow-up's '7h' means)."""
    ctx = _context(text, locale, None)
    start, end = _bounds(ctx.folded)
    if start >= end:
        return None
    others = [name for name in _MERGED_FIELDS if name not in ("clock", "part")]
    for read_end, bits in _reads(ctx, start):
        if read_end < end or bits.clock is None or _has(bits, others):
            continue
        hour, minute, fixed = bits.clock
        if not fixed and bits.part is not None:
            hour, _extra = _shift_hour(hour, bits.part)
        total = (hour * 60 + minute) % 1440
        return time(total // 60, total % 60)
    bare = ctx.folded[start:end]
    if bare.isascii() and bare.isdigit() and int(bare) <= 23:
        return time(int(bare))
    return None


def parse_time(text: str, locale: str, now: datetime, *,
               region: str | None = None) -> datetime | None:
    """The whole text must be a time phrase naming a moment ahead; None if not understood."""
    found = read_time(text, locale, now, region=region)
    return found.when if isinstance(found, ParsedTime) else None


def _acceptable(bits: _Bits, at_start: bool) -> bool:
    """Inside free text, a lone weak word ("tối", "cn", "Mai") is probably not a time."""
    return bits.level == _STRONG or (bits.level == _NAME_LIKE and at_start)


def _scan(ctx: _Ctx, now: datetime) -> ParsedTime | TimeProblem | None:
    """The longest phrase at the start of the text, else the longest one ending it."""
    start, end = _bounds(ctx.folded)
    if start >= end:
        return None
    best: tuple[int, tuple[datetime, bool] | _Issue] | None = None
    for read_end, bits in _reads(ctx, start):
        if not _acceptable(bits, at_start=True):
            continue
        if best is not None and (read_end < best[0] or (
                read_end == best[0] and not isinstance(best[1], _Issue))):
            continue
        resolved = _resolve(bits, now, ctx.market)
        if resolved is not None and (best is None or read_end > best[0]
                                     or not isinstance(resolved, _Issue)):
            best = (read_end, resolved)
    if best is not None:
        return _outcome(ctx, start, best[0], best[1])
    # A phrase ending the text: the earliest start gives the longest one.
    for pos in range(max(start + 1, end - _MAX_PHRASE), end):
        if ctx.folded[pos] in _SEPARATORS:
            continue
        issue: _Issue | None = None
        for read_end, bits in _reads(ctx, pos):
            if read_end >= end and _acceptable(bits, at_start=False):
                resolved = _resolve(bits, now, ctx.market)
                if isinstance(resolved, _Issue):
                    issue = issue or resolved
                elif resolved is not None:
                    return _outcome(ctx, pos, read_end, resolved)
        if issue is not None:
            return _outcome(ctx, pos, end, issue)
    return None


def scan_time(text: str, locale: str, now: datetime, *,
              region: str | None = None) -> ParsedTime | TimeProblem | None:
    """Find the longest time phrase at the START or END of a longer text (e.g. '/remind' args)
    and the moment it names, or why it names none it can be: 'mai 9h gọi lại cho anh An' ->
    the span of 'mai 9h'; 'gọi lại thứ 6 tuần sau' -> 'thứ 6 tuần sau'; 'ngày 31/4 gọi' ->
    NO_SUCH_DAY over 'ngày 31/4'. A phrase in the middle is not looked for. Prefer the start."""
    return _scan(_context(text, locale, region), now)


def find_time(text: str, locale: str, now: datetime, *,
              region: str | None = None) -> ParsedTime | None:
    """scan_time, keeping only a phrase that names a moment ahead."""
    found = scan_time(text, locale, now, region=region)
    return found if isinstance(found, ParsedTime) else None


def read_day(text: str, locale: str, today: date, *,
             region: str | None = None) -> WrittenDay | date | TimeProblem | None:
    """What a date field's whole text says: a calendar day as written (WrittenDay: any year or
    none, solar or lunar), a day named otherwise ("mai", "3 tháng nữa", "春节": the date, ahead
    of today), a TimeProblem (31/4), or None if it is no day."""
    ctx = _context(text, locale, region)
    start, end = _bounds(ctx.folded)
    if start >= end:
        return None
    midnight = datetime.combine(today, time(0), tzinfo=UTC)
    fallback: WrittenDay | date | TimeProblem | None = None
    for read_end, bits in _reads(ctx, start):
        if read_end < end or bits.clock is not None or bits.part is not None or bits.delta:
            continue
        bits = _lunar_fix(bits)
        if bits.bad_day is not None:
            issue = _candidate_days(bits, today, ctx.market)
            if isinstance(issue, _Issue):
                fallback = fallback or _problem(ctx, start, end, issue)
            continue
        written = _written_day(bits)
        if written is not None:
            return written
        resolved = _resolve(bits, midnight, ctx.market)
        if isinstance(resolved, tuple):
            return resolved[0].date()
        if isinstance(resolved, _Issue) and fallback is None:
            fallback = _problem(ctx, start, end, resolved)
    return fallback


def _written_day(bits: _Bits) -> WrittenDay | None:
    """The calendar day the bits write out (month and day, maybe a year), if that is all."""
    if bits.month is None or bits.day is None:
        return None
    others = [n for n in _MERGED_FIELDS
              if n not in ("month", "day", "year", "short_year", "lunar", "leap")]
    if _has(bits, others):
        return None
    return WrittenDay(month=bits.month, day=bits.day, year=bits.year,
                      short_year=bits.short_year, lunar=bool(bits.lunar), leap=bool(bits.leap))


def scan_times(text: str, locale: str, now: datetime, *, region: str | None = None,
               lone_words: bool = True) -> list[ParsedTime]:
    """Every time phrase inside a longer text that names a moment ahead, left to right, the
    longest at each place: a note's 'khách hẹn thứ 6 gặp lại' -> 'thứ 6', '客户说下周三再联系'
    -> '下周三'. Inside the text only sure phrases count (never a lone 'Mai', a name as often
    as 'tomorrow'); at its start, what scan_time accepts there, unless ``lone_words`` is
    False (a note often starts with a name)."""
    ctx = _context(text, locale, region)
    start, end = _bounds(ctx.folded)
    found: list[ParsedTime] = []
    pos = start
    while pos < end:
        best: tuple[int, tuple[datetime, bool]] | None = None
        for read_end, bits in _reads(ctx, pos):
            if read_end > end or not _acceptable(bits, at_start=lone_words and pos == start):
                continue
            if best is not None and read_end <= best[0]:
                continue
            resolved = _resolve(bits, now, ctx.market)
            if isinstance(resolved, tuple):
                best = (read_end, resolved)
        if best is None:
            pos += 1
            continue
        outcome = _outcome(ctx, pos, best[0], best[1])
        assert isinstance(outcome, ParsedTime)
        found.append(outcome)
        pos = best[0]
    return found
