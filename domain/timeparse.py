"""Parse the follow-up time phrases RMs type (Vietnamese, Chinese, English) into datetimes."""

from __future__ import annotations

import calendar
import dataclasses
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from domain import timewords as W

# How it works: the text is folded (lowercase, no Vietnamese diacritics, Traditional -> Simplified,
# full-width -> ASCII) one character at a time, so folded index i is original index i. Small regex
# "rules" each read one component of a phrase (a day, a weekday, a clock time, a part of the day,
# a relative offset, ...) into _Bits. A depth-first walk tries every chain of adjacent components,
# and _resolve turns a chain into a future datetime. All languages' rules run together, so an RM
# may mix them ("mai 3pm"); the locale only breaks ties and picks day/month order for "5/1".

_STRONG, _NAME_LIKE, _WEAK = 0, 1, 2  # how sure we are that a lone component is a time phrase
_MAX_COMPONENTS = 8
_MAX_DAYS, _MAX_MONTHS, _MAX_MINUTES = 3660, 120, 60 * 24 * 366
_TRIM = " \t\r\n.,!?;:。！？，；：、…()[]\"'"
_SEPARATORS = " \t\r\n,，、"
_CN_NUM = "[零〇一二两三四五六七八九十]+"
_NUM = rf"(?:\d{{1,4}}|{_CN_NUM})"


@dataclass(frozen=True)
class ParsedTime:
    """A time phrase found in a text and the moment it names."""

    when: datetime  # aware, in the tz of `now`
    start: int  # span of the phrase inside the text given to find_time
    end: int
    has_time: bool  # the phrase named a time of day (or was relative in hours/minutes)


@dataclass
class _Bits:
    """What the components read so far say; each field may be set by one component only."""

    rel_days: int | None = None  # days from today, e.g. "mai", "3 ngày nữa"
    ymd: tuple[int | None, int | None, int] | None = None  # year/month may be left to roll
    weekday: int | None = None  # Monday = 0
    weekend: bool | None = None
    months: int | None = None  # same day N months ahead ("1 tháng nữa")
    month_start: tuple[int, int] | None = None  # (months ahead, day): "tháng sau", "下个月15号"
    month_end: bool | None = None
    week: int | None = None  # calendar weeks ahead: "tuần sau" = 1
    clock: tuple[int, int, bool] | None = None  # hour, minute, fixed by am/pm
    part: str | None = None  # key of W.PART_DEFAULT_HOUR
    delta: timedelta | None = None  # relative hours/minutes: an exact instant
    level: int = field(default=_STRONG, compare=False)


_MERGED_FIELDS = [f.name for f in dataclasses.fields(_Bits) if f.name != "level"]
_ANCHORS = ("rel_days", "ymd", "weekday", "weekend", "months", "month_start", "month_end")


@dataclass
class _Ctx:
    """One text being parsed: original (NFC) and folded forms plus per-position match cache."""

    orig: str
    folded: str
    lang: str
    offsets: list[int]  # offsets[i] = index in the caller's text of orig[i]; one past the end
    cache: dict[int, list[tuple[int, _Bits]]] = field(default_factory=dict)

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
    escaped = (r"\s+".join(map(re.escape, w.split())) for w in sorted(words, key=len, reverse=True))
    return "(?:" + "|".join(escaped) + ")"


def _key(text: str) -> str:
    """Table key for matched text: single spaces."""
    return " ".join(text.split())


# ---------------------------------------------------------------------------------------------
# Folding


def _fold_char(c: str) -> str:
    """Fold one character to exactly one character, so indices survive folding."""
    code = ord(c)
    if 0xFF01 <= code <= 0xFF5E:  # full-width ASCII from a Chinese IME: "１０：３０"
        c = chr(code - 0xFEE0)
    if c in "đĐ":  # đ has no decomposition, so NFD alone would keep it
        return "d"
    digit = unicodedata.decimal(c, None)
    if digit is not None:
        return str(digit)
    c = W.TRAD_TO_SIMP.get(c, c)
    base = "".join(ch for ch in unicodedata.normalize("NFD", c) if not unicodedata.combining(ch))
    low = base.lower()
    return low if len(low) == 1 else c


def _fold(text: str) -> str:
    """Fold a whole string character by character."""
    return "".join(map(_fold_char, text))


def _glued(a: str, b: str) -> bool:
    """True if a and b belong to one ASCII word or number, so no component may split them."""
    if not (a.isascii() and b.isascii()):
        return False
    return (a.isalpha() and b.isalpha()) or (a.isdigit() and b.isdigit())


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
    """Arabic or Chinese numeral up to 9999 ("15", "十五", "两", "二零二六"); None otherwise."""
    if text.isascii() and text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        if len(tens) > 1 or len(ones) > 1:
            return None
        t = W.CN_DIGITS.get(tens) if tens else 1
        o = W.CN_DIGITS.get(ones) if ones else 0
        return None if t is None or o is None else t * 10 + o
    digits = [W.CN_DIGITS.get(ch) for ch in text]
    if not digits or len(digits) > 4 or any(d is None for d in digits):
        return None
    return int("".join(str(d) for d in digits))


def _number(text: str, words: dict[str, float]) -> float | None:
    """A count typed as digits ("2", "1.5"), a table word ("hai", "two") or Chinese ("两")."""
    text = _key(text)
    if text in words:
        return words[text]
    if re.fullmatch(r"\d{1,4}(?:\.\d{1,2})?", text):
        return float(text)
    value = _cn_int(text)
    return None if value is None else float(value)


def _valid_month_day(month: int, day: int) -> bool:
    """True if day/month exists in some year (29/2 counts: it exists in leap years)."""
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(2028, month)[1]


def _clock(hour: int, minute: int, ampm: str | None = None) -> _Bits | None:
    """Clock-time bits; am/pm converts to 24h and stops parts of day from shifting it."""
    if not 0 <= minute <= 59:
        return None
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "p" else 0)
    elif not 0 <= hour <= 23:
        return None
    return _Bits(clock=(hour, minute, bool(ampm)))


def _relative(amount: float | None, unit: str) -> _Bits | None:
    """Bits for "N units from now"; fractions only for hours/minutes."""
    if amount is None or amount <= 0:
        return None
    if unit in ("minutes", "hours"):
        minutes = amount * (60 if unit == "hours" else 1)
        if minutes > _MAX_MINUTES or minutes != int(minutes):
            return None
        return _Bits(delta=timedelta(minutes=int(minutes)))
    if amount != int(amount):
        return None
    n = int(amount)
    if unit == "months":
        return _Bits(months=n) if n <= _MAX_MONTHS else None
    days = n * (7 if unit == "weeks" else 1)
    return _Bits(rel_days=days) if days <= _MAX_DAYS else None


# ---------------------------------------------------------------------------------------------
# Rules shared by all languages: ISO dates, numeric dates, clock times


@_rule("any", r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:(?:\s+|t)(\d{1,2}):(\d{2}))?")
def _iso(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """2026-12-15, 2026/12/15 14:00, 2026-12-15T14:00."""
    year, month, day = int(m[1]), int(m[2]), int(m[3])
    if not (_valid_month_day(month, day) and 2000 <= year <= 2100):
        return None
    bits = _Bits(ymd=(year, month, day))
    if m[4]:
        clock = _clock(int(m[4]), int(m[5]))
        if clock is None:
            return None
        bits.clock = clock.clock
    return bits


@_rule("any", r"(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?", r"(\d{1,2})[-.](\d{1,2})[-.](\d{4})")
def _numeric_date(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """15/12, 15/12/2026, 15-12-2026; China and Taiwan write month first, so zh tries 12/15."""
    a, b = int(m[1]), int(m[2])
    orders = [(a, b), (b, a)] if ctx.lang == "zh" else [(b, a), (a, b)]
    year = None
    if m[3]:
        year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
    for month, day in orders:
        if _valid_month_day(month, day):
            return _Bits(ymd=(year, month, day))
    return None


@_rule(
    "any",
    r"(\d{1,2}):(\d{2})(?:\s*([ap])\.?m\b\.?)?",
    r"(\d{1,2})(?:\.(\d{2}))?\s*([ap])\.?m\b\.?",
)
def _clock_time(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """14:30, 3pm, 3:30 pm, 9 a.m."""
    return _clock(int(m[1]), int(m[2] or 0), m[3])


@_rule("any", r"@")
def _filler_any(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """Words that may sit inside a phrase but say nothing themselves."""
    return _Bits(level=_WEAK)


# ---------------------------------------------------------------------------------------------
# Vietnamese


@_rule("vi", r"vao\s+luc|vao|luc|ngay|khoang")
def _filler_vi(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """lúc, vào, vào lúc, ngày, khoảng."""
    return _Bits(level=_WEAK)


@_rule("vi", _alt(W.VI_DAYS))
def _vi_day(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """hôm nay, mai, ngày mai, mốt, ngày kia."""
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


@_rule("vi", _alt(W.VI_PARTS))
def _vi_part(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """sáng, trưa, chiều, tối, đêm (also meaning bright/dark: weak on their own)."""
    if ctx.word(m).endswith("tới"):  # tới = coming, folds like tối = evening
        return None
    return _Bits(part=W.VI_PARTS[_key(m[0])], level=_WEAK)


def _with_vi_modifier(pattern: str) -> tuple[str, str]:
    """The pattern bare and followed by "này"/"tới" (this/coming)."""
    return pattern, pattern + r"\s+(?P<mod>nay|toi)"


@_rule(
    "vi",
    *_with_vi_modifier(r"(?:thu\s*|t)(?P<n>[2-7])"),
    *_with_vi_modifier(rf"thu\s+(?P<w>{_alt(W.VI_WEEKDAY_WORDS)})"),
    *_with_vi_modifier(r"(?P<cn>chu\s*nhat|cn)"),
)
def _vi_weekday(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """thứ 2..thứ 7, t2, thứ hai..thứ bảy, chủ nhật, cn; optional này/tới (= the coming one)."""
    groups = m.groupdict()
    if groups.get("mod") == "toi" and ctx.word(m, "mod") != "tới":
        return None  # unaccented "thu 6 toi" reads better as Friday evening
    if groups.get("n"):
        weekday = int(groups["n"]) - 2
    elif groups.get("w"):
        weekday = W.VI_WEEKDAY_WORDS[groups["w"]]
    else:
        weekday = 6
    return _Bits(weekday=weekday, level=_WEAK if groups.get("cn") == "cn" else _STRONG)


@_rule("vi", r"tuan\s+(sau\s+nua|sau|toi|nay)", r"(dau)\s+tuan\s+(?:sau|toi)")
def _vi_week(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """tuần sau/tới/này, tuần sau nữa, đầu tuần sau (= Monday)."""
    word = _key(m[1])
    if word == "dau":
        return _Bits(week=1, weekday=0)
    return _Bits(week={"nay": 0, "sau nua": 2}.get(word, 1))


@_rule("vi", r"cuoi\s+tuan(?:\s+(nay|sau|toi))?")
def _vi_weekend(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """cuối tuần (= coming Saturday), cuối tuần này/sau."""
    return _Bits(weekend=True, week=1 if m[1] in ("sau", "toi") else None)


@_rule(
    "vi",
    r"(?:dau\s+)?thang\s+(?:sau|toi)",
    r"(?:ngay\s+)?(?P<d>\d{1,2})\s+thang\s+(?:sau|toi)",
    r"cuoi\s+thang(?:\s+nay)?",
)
def _vi_month(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """tháng sau (= 1st of next month), ngày 15 tháng sau, cuối tháng."""
    if m[0].startswith("cuoi"):
        return _Bits(month_end=True)
    day = int(m.groupdict().get("d") or 1)
    return _Bits(month_start=(1, day)) if 1 <= day <= 31 else None


@_rule(
    "vi",
    r"(?:ngay\s+)?(\d{1,2})\s*thang\s*(\d{1,2})(?:\s*nam\s*(\d{4}))?",
    r"(?:ngay|mung|mong)\s+(\d{1,2})",
)
def _vi_date(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """ngày 15 tháng 12 (năm 2026), ngày 15, mùng 5."""
    day = int(m[1])
    if m.lastindex == 1:
        return _Bits(ymd=(None, None, day)) if 1 <= day <= 31 else None
    month = int(m[2])
    year = int(m[3]) if m[3] else None
    return _Bits(ymd=(year, month, day)) if _valid_month_day(month, day) else None


@_rule(
    "vi",
    r"(\d{1,2})\s*(?:gio|h|g)",
    r"(\d{1,2})\s*(?:gio|h|g)\s*(?P<mi>\d{1,2})(?:\s*(?:phut|p)\b)?",
    r"(\d{1,2})\s*(?:gio|h|g)\s*(?P<half>ruoi)",
    r"(\d{1,2})\s*(?:gio|h|g)\s*kem\s*(?P<less>\d{1,2})(?:\s*(?:phut|p)\b)?",
    r"(?:vao\s+)?luc\s+(\d{1,2})(?![\d:/.hg])",
)
@_rule("en", r"at\s+(\d{1,2})(?![\d:/.])")
def _vi_clock(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """9h, 9g, 9 giờ, 9h30, 9 giờ 30 phút, 9 giờ rưỡi, 9h kém 15, lúc 16, at 16."""
    groups = m.groupdict()
    hour, minute = int(m[1]), int(groups.get("mi") or 0)
    if groups.get("half"):
        minute = 30
    if groups.get("less"):  # "9h kém 15" = a quarter to nine
        less = int(groups["less"])
        if not 0 < less < 60:
            return None
        hour, minute = hour - 1, 60 - less
    return _clock(hour, minute)


_VI_COUNT = rf"(?P<n>\d{{1,4}}|{_alt(W.VI_NUMBERS)})"
_VI_UNIT = rf"(?P<u>{_alt(W.VI_UNITS)})(?P<half>\s+ruoi)?"


@_rule("vi", rf"{_VI_COUNT}\s*{_VI_UNIT}\s+(?:nua|sau)", rf"sau\s+{_VI_COUNT}\s*{_VI_UNIT}")
def _vi_relative(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """3 ngày nữa, 2 tiếng nữa, nửa tiếng nữa, 1 tiếng rưỡi nữa, sau 2 tuần, 1 tháng nữa."""
    amount = _number(m["n"], W.VI_NUMBERS)
    if amount is not None and m["half"]:
        amount += 0.5
    return _relative(amount, W.VI_UNITS[m["u"]])


# ---------------------------------------------------------------------------------------------
# English


@_rule("en", r"at|on|around|about|by")
def _filler_en(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """at, on, around, about, by."""
    return _Bits(level=_WEAK)


@_rule("en", _alt(W.EN_DAYS))
def _en_day(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """today, tonight, tomorrow (tmr, tmrw), day after tomorrow, this morning."""
    days, part = W.EN_DAYS[_key(m[0])]
    return _Bits(rel_days=days, part=part)


@_rule("en", _alt(W.EN_PARTS))
def _en_part(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """morning, noon, afternoon, evening, night."""
    return _Bits(part=W.EN_PARTS[_key(m[0])])


@_rule("en", rf"(?:(?P<mod>next|this|coming)\s+)?(?P<wd>{_alt(W.EN_WEEKDAYS)})\.?")
def _en_weekday(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """friday, fri, this friday, next friday (= Friday of next week)."""
    return _Bits(weekday=W.EN_WEEKDAYS[m["wd"]], week=1 if m["mod"] == "next" else None)


@_rule("en", r"(?P<after>week\s+after\s+next)|next\s+week")
def _en_week(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """next week (= Monday of next week), week after next."""
    return _Bits(week=2 if m["after"] else 1)


@_rule("en", r"(?:(?P<mod>this|next)\s+)?weekend")
def _en_weekend(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """weekend, this weekend, next weekend."""
    return _Bits(weekend=True, week=1 if m["mod"] == "next" else None)


@_rule("en", r"(?P<next>next\s+month)|end\s+of\s+(?:the\s+)?month")
def _en_month(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """next month (= the 1st of next month), end of the month."""
    return _Bits(month_start=(1, 1)) if m["next"] else _Bits(month_end=True)


_EN_MONTH = rf"(?P<mon>{_alt(W.EN_MONTHS)})\.?"
_EN_DAY = r"(?P<d>\d{1,2})(?:st|nd|rd|th)?"
_EN_YEAR = r"(?:,?\s+(?P<y>\d{4}))?"


@_rule(
    "en",
    rf"{_EN_MONTH}\s*{_EN_DAY}{_EN_YEAR}",
    rf"(?:the\s+)?{_EN_DAY}\s+(?:of\s+)?{_EN_MONTH}{_EN_YEAR}",
    r"(?:the\s+)?(?P<d>\d{1,2})(?:st|nd|rd|th)",
)
def _en_date(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """dec 15, December 15th, 15 dec 2026, the 15th of december, the 15th."""
    groups = m.groupdict()
    day = int(groups["d"])
    if not groups.get("mon"):
        return _Bits(ymd=(None, None, day)) if 1 <= day <= 31 else None
    month = W.EN_MONTHS[groups["mon"]]
    year = int(groups["y"]) if groups.get("y") else None
    return _Bits(ymd=(year, month, day)) if _valid_month_day(month, day) else None


_EN_COUNT = rf"(?P<n>\d{{1,4}}(?:\.\d{{1,2}})?|{_alt(W.EN_NUMBERS)})"
_EN_UNIT = rf"(?P<u>{_alt(W.EN_UNITS)})"


@_rule(
    "en",
    rf"in\s+{_EN_COUNT}\s*{_EN_UNIT}(?P<half>\s+and\s+a\s+half)?",
    rf"{_EN_COUNT}\s*{_EN_UNIT}\s+(?:from\s+now|later)",
    r"in\s+half\s+an?\s+(?P<u>hour)",
)
def _en_relative(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """in 2 hours, in 30 min, in an hour and a half, in half an hour, 3 days from now."""
    groups = m.groupdict()
    amount = _number(groups["n"], W.EN_NUMBERS) if groups.get("n") else 0.5
    if amount is not None and groups.get("half"):
        amount += 0.5
    return _relative(amount, W.EN_UNITS[m["u"]])


# ---------------------------------------------------------------------------------------------
# Chinese (Traditional is folded to Simplified first)


@_rule("zh", r"的|在|于|大约|约")
def _filler_zh(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """的, 在, 于, 大约."""
    return _Bits(level=_WEAK)


@_rule("zh", _alt(W.ZH_DAYS))
def _zh_day(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """今天, 明天, 后天, 大后天, 今晚, 明早."""
    days, part = W.ZH_DAYS[m[0]]
    return _Bits(rel_days=days, part=part)


@_rule("zh", _alt(W.ZH_PARTS))
def _zh_part(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """早上, 上午, 中午, 下午, 傍晚, 晚上, 夜里, 凌晨."""
    return _Bits(part=W.ZH_PARTS[m[0]])


_ZH_PREFIX = rf"(?P<pre>{_alt(W.ZH_WEEK_PREFIX)})"


@_rule(
    "zh",
    rf"{_ZH_PREFIX}?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天1-7])",
    rf"{_ZH_PREFIX}(?:周|星期|礼拜)",
    rf"{_ZH_PREFIX}?周末",
)
def _zh_week(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """周三, 星期五, 礼拜天, 下周三, 下个星期一, 这周五, 下周 (= Monday), 周末."""
    groups = m.groupdict()
    week = W.ZH_WEEK_PREFIX[groups["pre"]] if groups.get("pre") else None
    if m[0].endswith("周末"):
        return _Bits(weekend=True, week=week or None)
    if groups.get("wd"):
        return _Bits(weekday=W.ZH_WEEKDAYS[groups["wd"]], week=week or None)
    return _Bits(week=week)


@_rule("zh", rf"下个?月(?:(?P<d>{_NUM})(?:日|号))?", r"(?:本月|这个月)?月底")
def _zh_month(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """下个月 (= the 1st of next month), 下个月15号, 月底."""
    if m[0].endswith("月底"):
        return _Bits(month_end=True)
    day = _cn_int(m["d"]) if m["d"] else 1
    return _Bits(month_start=(1, day)) if day and 1 <= day <= 31 else None


@_rule(
    "zh",
    rf"(?:(?P<y>\d{{4}}|{_CN_NUM})\s*年\s*)?(?P<m>{_NUM})\s*月\s*(?P<d>{_NUM})\s*(?:日|号)?",
    rf"(?P<d>{_NUM})\s*(?:日|号)",
)
def _zh_date(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """12月15日, 12月15号, 十二月十五日, 2026年12月15日, 15号."""
    groups = m.groupdict()
    day = _cn_int(groups["d"])
    if day is None:
        return None
    if not groups.get("m"):
        return _Bits(ymd=(None, None, day)) if 1 <= day <= 31 else None
    month = _cn_int(groups["m"])
    year = _cn_int(groups["y"]) if groups.get("y") else None
    if month is None or not _valid_month_day(month, day):
        return None
    if year is not None and not 2000 <= year <= 2100:
        return None
    return _Bits(ymd=(year, month, day))


_ZH_HOUR = rf"(?P<h>{_NUM})\s*(?:点钟|点|时)"


@_rule(
    "zh",
    _ZH_HOUR,
    rf"{_ZH_HOUR}\s*(?P<q>半|一刻|三刻|整)",
    rf"{_ZH_HOUR}\s*(?P<mi>{_NUM})\s*分?",
)
def _zh_clock(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """3点, 三點, 10点半, 3点一刻, 3点15分, 十点零五分, 3点钟, 3点整."""
    groups = m.groupdict()
    hour = _cn_int(groups["h"])
    words = {"半": 30, "一刻": 15, "三刻": 45, "整": 0}
    minute = _cn_int(groups["mi"]) if groups.get("mi") else words.get(groups.get("q") or "", 0)
    if hour is None or minute is None:
        return None
    return _clock(hour, minute)


_ZH_AFTER = r"\s*(?:以后|之后|后)"


@_rule(
    "zh",
    rf"(?P<n>{_NUM}|半)\s*个?\s*(?P<half>半)?\s*(?P<u>{_alt(W.ZH_UNITS)}){_ZH_AFTER}",
    rf"(?P<quarter>一刻钟?){_ZH_AFTER}",
)
def _zh_relative(m: re.Match[str], ctx: _Ctx) -> _Bits | None:
    """3天后, 三天後, 两小时后, 半小时后, 一个半小时后, 一周后, 10分钟后, 3个月后."""
    groups = m.groupdict()
    if groups.get("quarter"):
        return _relative(15, "minutes")
    amount = 0.5 if groups["n"] == "半" else _number(groups["n"], {})
    if amount is not None and groups.get("half"):
        amount += 0.5
    return _relative(amount, W.ZH_UNITS[groups["u"]])


# ---------------------------------------------------------------------------------------------
# Reading chains of components


def _matches_at(ctx: _Ctx, pos: int) -> list[tuple[int, _Bits]]:
    """Every component that starts at pos: longest first, the locale's language first on ties."""
    if pos in ctx.cache:
        return ctx.cache[pos]
    text = ctx.folded
    found: list[tuple[int, int, int, _Bits]] = []
    if pos < len(text) and not (pos > 0 and _glued(text[pos - 1], text[pos])):
        for order, rule in enumerate(_RULES):
            m = rule.regex.match(text, pos)
            if m is None or m.end() == pos:
                continue
            end = m.end()
            if end < len(text) and _glued(text[end - 1], text[end]):
                continue  # "mai" must not match the start of "maintain"
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
    out = dataclasses.replace(acc)
    for name in _MERGED_FIELDS:
        value = getattr(new, name)
        if value is None:
            continue
        if getattr(acc, name) is not None:
            return None
        setattr(out, name, value)
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

    def walk(pos: int, acc: _Bits, depth: int) -> Iterator[tuple[int, _Bits]]:
        if depth >= _MAX_COMPONENTS:
            return
        while depth and pos < len(ctx.folded) and ctx.folded[pos] in _SEPARATORS:
            pos += 1
        for end, bits in _matches_at(ctx, pos):
            merged = _merge(acc, bits)
            if merged is None:
                continue
            if not _is_empty(bits):
                yield end, merged
            yield from walk(end, merged, depth + 1)

    yield from walk(start, _Bits(level=_WEAK), 0)


# ---------------------------------------------------------------------------------------------
# Turning a reading into a datetime


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
        if bits.part is not None and not fixed:
            hour, extra = _shift_hour(hour, bits.part)
        return time(hour, minute), extra, True
    if bits.part is not None:
        return time(W.PART_DEFAULT_HOUR[bits.part]), 0, True
    return time(9), 0, False


def _safe_date(year: int, month: int, day: int) -> date | None:
    """date(), or None where the day does not exist."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_after(day: date, months: int) -> tuple[int, int]:
    """(year, month) of the month `months` after day's month."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return year, month + 1


def _same_day_months_later(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31/1 + 1 month -> 28/2)."""
    year, month = _month_after(day, months)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _day_months_later(day: date, months: int, day_of_month: int) -> date | None:
    """Day `day_of_month` of the month `months` ahead; None if that month lacks it."""
    return _safe_date(*_month_after(day, months), day_of_month)


def _month_end(day: date, months: int) -> date:
    """The last day of the month `months` ahead."""
    year, month = _month_after(day, months)
    return date(year, month, calendar.monthrange(year, month)[1])


def _candidate_dates(bits: _Bits, today: date) -> list[date | None]:
    """Dates the reading may mean, earliest first; the first one still ahead wins."""
    monday = today - timedelta(days=today.weekday())
    week = bits.week or 0
    if bits.rel_days is not None:
        return [today + timedelta(days=bits.rel_days)]
    if bits.weekday is not None or bits.weekend:
        weekday = 5 if bits.weekend else bits.weekday or 0
        if week:  # "next week X" is the X of the next calendar week
            return [monday + timedelta(days=7 * week + weekday)]
        first = today + timedelta(days=(weekday - today.weekday()) % 7)
        return [first, first + timedelta(days=7)]
    if bits.week is not None:
        return [monday + timedelta(days=7 * week)]
    if bits.ymd is not None:
        year, month, day = bits.ymd
        if year is not None and month is not None:
            return [_safe_date(year, month, day)]
        if month is not None:  # no year: this year or the next that has the day (29/2)
            return [_safe_date(today.year + i, month, day) for i in range(9)]
        return [_day_months_later(today, i, day) for i in range(13)]  # no month: this or next
    if bits.months is not None:
        return [_same_day_months_later(today, bits.months)]
    if bits.month_start is not None:
        return [_day_months_later(today, *bits.month_start)]
    if bits.month_end:
        return [_month_end(today, 0), _month_end(today, 1)]
    return [today, today + timedelta(days=1)]  # a bare time: today, else tomorrow


def _resolve(bits: _Bits, now: datetime) -> tuple[datetime, bool] | None:
    """The future moment a reading names, with has_time; None if it names none."""
    if _is_empty(bits):
        return None
    if bits.delta is not None:  # "in 2 hours" is an exact instant: add in UTC (DST-proof)
        if any(getattr(bits, n) is not None for n in _MERGED_FIELDS if n != "delta"):
            return None
        return (now.astimezone(UTC) + bits.delta).astimezone(now.tzinfo), True
    if sum(getattr(bits, n) is not None for n in _ANCHORS) > 1:
        return None
    if bits.week is not None and any(
        getattr(bits, n) is not None for n in _ANCHORS if n not in ("weekday", "weekend")
    ):
        return None
    clock, extra, has_time = _time_of_day(bits)
    try:
        for day in _candidate_dates(bits, now.date()):
            if day is None:
                continue
            when = datetime.combine(day + timedelta(days=extra), clock, tzinfo=now.tzinfo)
            if when > now:
                return when, has_time
    except (OverflowError, ValueError):  # calendar arithmetic beyond year 9999
        return None
    return None


# ---------------------------------------------------------------------------------------------
# Public API


def _lang(locale: str) -> str:
    """Grammar language for a locale: "vi", "zh" or "en"."""
    locale = locale.lower()
    if locale.startswith("zh"):
        return "zh"
    return "vi" if locale.startswith("vi") else "en"


def _nfc(text: str) -> tuple[str, list[int]]:
    """NFC text plus, for each of its characters, the index it came from in text."""
    chunks: list[str] = []
    offsets: list[int] = []
    start = 0
    for i in range(1, len(text) + 1):
        # A character and the combining marks after it compose together (e + ̂ + ́ -> ế).
        if i < len(text) and unicodedata.combining(text[i]):
            continue
        chunk = unicodedata.normalize("NFC", text[start:i])
        chunks.append(chunk)
        offsets.extend([start] * len(chunk))
        start = i
    offsets.append(len(text))
    return "".join(chunks), offsets


def _context(text: str, locale: str) -> _Ctx:
    """Prepare a text: NFC first, so folding is per precomposed character."""
    orig, offsets = _nfc(text)
    return _Ctx(orig=orig, folded=_fold(orig), lang=_lang(locale), offsets=offsets)


def _found(ctx: _Ctx, start: int, end: int, resolved: tuple[datetime, bool]) -> ParsedTime:
    """A ParsedTime whose span indexes the caller's text, even if it was not NFC."""
    return ParsedTime(resolved[0], ctx.offsets[start], ctx.offsets[end], resolved[1])


def _bounds(text: str) -> tuple[int, int]:
    """Start and end of the text without surrounding spaces and punctuation."""
    start, end = 0, len(text)
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    return start, end


def parse_time(text: str, locale: str, now: datetime) -> datetime | None:
    """The whole text must be a time phrase; None if not understood."""
    ctx = _context(text, locale)
    start, end = _bounds(ctx.folded)
    if start >= end:
        return None
    for read_end, bits in _reads(ctx, start):
        if read_end >= end:  # a match may run into trimmed punctuation: "9 a.m."
            resolved = _resolve(bits, now)
            if resolved is not None:
                return resolved[0]
    return None


def _acceptable(bits: _Bits, at_start: bool) -> bool:
    """Inside free text, a lone weak word ("tối", "cn", "Mai") is probably not a time."""
    return bits.level == _STRONG or (bits.level == _NAME_LIKE and at_start)


def find_time(text: str, locale: str, now: datetime) -> ParsedTime | None:
    """Find the longest time phrase at the START or END of a longer text, e.g. '/remind' args
    'An mai 9h gọi lại' -> no (phrase in the middle) but 'mai 9h gọi lại cho anh An' -> the span
    of 'mai 9h'; 'gọi lại thứ 6 tuần sau' -> span of 'thứ 6 tuần sau'. Prefer the start."""
    ctx = _context(text, locale)
    start, end = _bounds(ctx.folded)
    if start >= end:
        return None
    best: ParsedTime | None = None
    best_end = start
    for read_end, bits in _reads(ctx, start):
        if read_end > best_end and _acceptable(bits, at_start=True):
            resolved = _resolve(bits, now)
            if resolved is not None:
                best_end, best = read_end, _found(ctx, start, read_end, resolved)
    if best is not None:
        return best
    for pos in range(start + 1, end):  # earliest start = longest phrase ending the text
        if ctx.folded[pos] in _SEPARATORS:
            continue
        for read_end, bits in _reads(ctx, pos):
            if read_end >= end and _acceptable(bits, at_start=False):
                resolved = _resolve(bits, now)
                if resolved is not None:
                    return _found(ctx, pos, read_end, resolved)
    return None
