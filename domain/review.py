"""The weekly sales meeting's vocabulary: the activities counted, their targets, the week.

An activity is counted for the RM who did it, in their own Monday–Sunday week:

- new prospects: customers created in the week that the RM owns;
- first contacts: customers the RM moved to 'contact', or with whom the RM logged a call, a
  visit or a meeting for the first time (no such contact of theirs with the customer before);
- consultations: customers moved to 'consult', or with a visit or a meeting logged;
- follow-ups: customers moved to 'follow', or with a call, visit or meeting logged after an
  earlier one (or after a stage the RM set), or with a follow-up or appointment reminder
  marked done (✅) in the week (one about no customer counts for itself);
- closes: customers moved to 'won';
- cross-sells: customers moved to 'care' (after-sales care, where new needs are found).

Each step counts a customer once a week however it was reached: a call logged twice, or a
stage change and a call, is one. Notes, messages and complaints are no step. An RM's weeks
start with the week they joined: there is no review of a week before it.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from core.i18n import N_, _, active
from core.languages import LANGUAGES
from domain.customers import STAGES
from domain.names import fold
from domain.quiet import parse_hhmm
from domain.timeparse import find_time

# The activities, in the order of the sales process.
ACTIVITIES: dict[str, str] = {
    "prospects": N_("New prospects"),
    "contacts": N_("First contacts"),
    "consults": N_("Consultations"),
    "followups": N_("Follow-ups"),
    "closes": N_("Closes"),
    "crosssells": N_("Cross-sells"),
}
# The pipeline stage a stage change must reach to count as the activity.
STAGE_OF: dict[str, str] = {
    "contacts": "contact",
    "consults": "consult",
    "followups": "follow",
    "closes": "won",
    "crosssells": "care",
}
# The steps a logged contact counts toward besides the first contact or follow-up it is.
CONTACT_STEPS: dict[str, tuple[str, ...]] = {
    "call": (),
    "visit": ("consults",),
    "meeting": ("consults",),
}
# Weekly minimums a team starts with, until its lead sets its own.
DEFAULT_TARGETS: dict[str, int] = {
    "prospects": 10, "contacts": 8, "consults": 5, "followups": 8, "closes": 2, "crosssells": 1,
}
MAX_TARGET = 999
TREND_WEEKS = 8

# Words a lead may type for an activity in /targets, folded (lowercase, no accents, no
# spaces, Simplified): English, Vietnamese and Chinese.
_ALIASES: dict[str, tuple[str, ...]] = {
    "prospects": ("prospects", "prospect", "new", "leads", "p", "tiemnang", "khtn",
                  "khachhangtiemnang", "khachmoi", "timkiem", "潜在客户", "新客户", "选客户",
                  "潜客"),
    "contacts": ("contacts", "contact", "firstcontacts", "firstcontact", "c", "tiepxuc",
                 "初步接触", "接触", "初次接触"),
    "consults": ("consults", "consult", "consultations", "consultation", "tuvan", "damphan",
                 "游说", "咨询", "洽谈"),
    "followups": ("followups", "followup", "follow", "f", "theodoi", "跟进", "跟踪"),
    "closes": ("closes", "close", "won", "deals", "chot", "chotban", "chotbanhang", "成交",
               "签单"),
    "crosssells": ("crosssells", "crosssell", "cross", "x", "bancheo", "chamsoc",
                   "交叉销售", "交叉营销", "售后"),
}
_TYPED: dict[str, str] = {word: key for key, words in _ALIASES.items() for word in words}

_PAIR = re.compile(r"([^\d]+?)\s*[:=]?\s*(\d+)")
_SEPARATORS = re.compile(r"[\s\-_.,;:=/]+")

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"),
             N_("Saturday"), N_("Sunday"))
# Day words for /reviewtime, folded: English, Vietnamese (thứ 2 … chủ nhật), Chinese.
_DAY_WORDS: dict[str, int] = {
    **{name: index for index, name in enumerate(WEEKDAYS)},
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6,
    "thu2": 0, "thu3": 1, "thu4": 2, "thu5": 3, "thu6": 4, "thu7": 5, "chunhat": 6, "cn": 6,
    "t2": 0, "t3": 1, "t4": 2, "t5": 3, "t6": 4, "t7": 5, "thuhai": 0, "thuba": 1, "thutu": 2,
    "thunam": 3, "thusau": 4, "thubay": 5,
}
for _index, _day in enumerate("一二三四五六日"):
    for _prefix in ("周", "星期", "礼拜", "逢星期", "每周", "每星期"):
        _DAY_WORDS[_prefix + _day] = _index
_DAY_WORDS.update({"周天": 6, "星期天": 6, "礼拜天": 6})


@cache
def aliases() -> dict[str, str]:
    """Every word accepted for an activity in /targets, folded: the typed short forms, and the
    activity's and its stage's name in every language the bot speaks (so whatever the
    catalogs call a step is understood)."""
    words = dict(_TYPED)
    for language in LANGUAGES:
        with active(language, "UTC"):
            for key, label in ACTIVITIES.items():
                words.setdefault(compact(_(label)), key)
                stage = STAGE_OF.get(key, "find")
                words.setdefault(compact(_(STAGES[stage])), key)
    return words


def day_names() -> list[str]:
    """The weekdays' names in the current language, Monday first."""
    return [_(name) for name in DAY_NAMES]


def parse_clock(text: str, locale: str, now: datetime) -> time | None:
    """A time of day: '08:00', '8h30', or the language's own words ('早上8點', '8 giờ sáng',
    '8am'); None for anything that names a day or a delay rather than a clock time."""
    text = text.strip()
    # A bare "2" is not 02:00: the time parser reads it as RMs mean it (a working hour).
    plain = parse_hhmm(text) if not text.isdigit() else None
    if plain is not None:
        return plain
    found = find_time(text, locale, now)
    if found is None or not found.has_time or (found.start, found.end) != (0, len(text)):
        return None
    if found.when.date() - now.astimezone(found.when.tzinfo).date() > timedelta(days=1):
        return None  # a date or a weekday came with it
    later = find_time(text, locale, now + timedelta(minutes=7))
    if later is None or later.when.time() != found.when.time():
        return None  # a delay ("in 2 hours"), not a time of day
    return found.when.time().replace(tzinfo=None)


def parse_review_time(text: str, locale: str, now: datetime) -> tuple[int, time] | None:
    """'mon 08:00', 'thứ 2 8h', '禮拜一 早上8點' → (weekday, time of day); None if either
    part is missing or not understood."""
    words = text.split()
    for cut in range(len(words) - 1, 0, -1):  # the longest day first: "thứ 2" before "thứ"
        day = parse_weekday(" ".join(words[:cut]))
        clock = parse_clock(" ".join(words[cut:]), locale, now) if day is not None else None
        if day is not None and clock is not None:
            return day, clock
    return None


def compact(text: str) -> str:
    """Folded, without spaces or punctuation: 'Tư vấn' → 'tuvan', '跟進' → '跟进'."""
    return _SEPARATORS.sub("", fold(text))


def parse_targets(text: str) -> tuple[dict[str, int], list[str]]:
    """'prospects 12 contacts 10' (or 'tiềm năng 12', '成交 3') → ({key: minimum}, words
    not understood). A number above MAX_TARGET makes its word not understood."""
    values: dict[str, int] = {}
    unknown: list[str] = []
    position = 0
    for match in _PAIR.finditer(text):
        position = match.end()
        word, number = match.group(1).strip(), int(match.group(2))
        key = aliases().get(compact(word))
        if key is None or number > MAX_TARGET:
            unknown.append(f"{word} {number}")
            continue
        values[key] = number
    rest = text[position:].strip()
    if rest:
        unknown.append(rest)
    return values, unknown


def parse_weekday(text: str) -> int | None:
    """'mon', 'thứ 2', 'T2', 'chủ nhật', '周一', '星期五' → 0..6 (Monday is 0)."""
    word = compact(text)
    if word == "thu" and not text.strip().isascii():
        return None  # "thứ" alone is no day (folded it reads as English "thu")
    return _DAY_WORDS.get(word)


def week_start(day: date) -> date:
    """The Monday of the week the day is in."""
    return day - timedelta(days=day.weekday())


def week_bounds(monday: date, zone: str) -> tuple[datetime, datetime]:
    """[Monday 00:00, next Monday 00:00) in the zone, as UTC moments."""
    tz = ZoneInfo(zone)
    start = datetime.combine(monday, time(0), tzinfo=tz)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def first_week(joined: datetime, zone: str) -> date:
    """The Monday of the week someone joined, in their zone: their first week reviewed."""
    return week_start(joined.astimezone(ZoneInfo(zone)).date())


def this_week(now: datetime, zone: str) -> date:
    """The Monday of the current week in the zone."""
    return week_start(now.astimezone(ZoneInfo(zone)).date())


def last_week(now: datetime, zone: str) -> date:
    """The Monday of the week that ended last in the zone."""
    return this_week(now, zone) - timedelta(days=7)


def trend_weeks(monday: date, count: int = TREND_WEEKS) -> list[date]:
    """The Mondays of `count` weeks ending with this one, oldest first."""
    return [monday - timedelta(days=7 * back) for back in range(count - 1, -1, -1)]


def last_review_moment(now: datetime, zone: str, review_day: int,
                       review_time: time) -> datetime:
    """The latest review day and time (in the zone) at or before now."""
    local_now = now.astimezone(ZoneInfo(zone))
    day = local_now.date() - timedelta(days=(local_now.weekday() - review_day) % 7)
    moment = datetime.combine(day, review_time, tzinfo=ZoneInfo(zone))
    if moment > local_now:
        moment -= timedelta(days=7)
    return moment


def reviewed_week(moment: datetime) -> date:
    """The week a review at this (local) moment covers: the Monday–Sunday that ended last."""
    return week_start(moment.date()) - timedelta(days=7)


def week_ref(monday: date) -> int:
    """A week as a whole number (a reminder's ref_id): 2026-11-16 → 20261116."""
    return monday.year * 10000 + monday.month * 100 + monday.day


def week_from_ref(ref: int | None) -> date | None:
    if ref is None or ref < 10000101:
        return None
    try:
        return date(ref // 10000, ref // 100 % 100, ref % 100)
    except ValueError:
        return None


def met(counts: dict[str, int], targets: dict[str, int]) -> int:
    """How many activities reached their minimum."""
    return sum(1 for key in ACTIVITIES if counts.get(key, 0) >= targets.get(key, 0))
