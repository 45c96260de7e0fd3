"""Complaints and service quality: working days in the RM's market, complaint deadlines,
CSAT, NPS and first-contact resolution.

Working days follow the `holidays` package for the region: its weekend, its public holidays
and, where a market moves work onto a weekend (China's 调休, Vietnam's swapped days), those
weekend working days too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays

COMPLAINT_DUE_WORKING_DAYS = 2
# /service: open complaints are counted now; the rest over these windows.
RECENT_DAYS = 30
WINDOW_DAYS = 90
CSAT_SCORES = range(1, 6)
NPS_SCORES = range(0, 11)
PROMOTER_MIN = 9
DETRACTOR_MAX = 6
_PLAIN_WEEKEND = (5, 6)  # Saturday, Sunday: for a region the package does not know


@lru_cache(maxsize=64)
def _calendar(region: str, year: int) -> holidays.HolidayBase | None:
    try:
        return holidays.country_holidays(region, years=[year])
    except NotImplementedError:
        return None


def is_working_day(day: date, region: str) -> bool:
    """A day the bank works in this market (no weekend, no public holiday)."""
    calendar = _calendar(region, day.year)
    if calendar is None:
        return day.weekday() not in _PLAIN_WEEKEND
    return bool(calendar.is_working_day(day))


def next_working_day(day: date, region: str) -> date:
    """The first working day after `day`."""
    following = day + timedelta(days=1)
    while not is_working_day(following, region):
        following += timedelta(days=1)
    return following


def add_working_days(start: datetime, days: int, region: str) -> datetime:
    """The same time of day, `days` working days later (a Thursday + 2 is the Monday)."""
    day = start.date()
    for _step in range(days):
        day = next_working_day(day, region)
    return start + timedelta(days=(day - start.date()).days)


def working_days_between(start: date, end: date, region: str) -> int:
    """How many working days come after `start` up to and including `end` (0: same day)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += int(is_working_day(day, region))
    return count


def complaint_reminder_day(opened: date, due: date, today: date, region: str) -> date:
    """The day of the next complaint reminder from `today` on: the working day after the
    complaint was opened, then the due day and every working day after it."""
    first = next_working_day(opened, region)
    if today <= first:
        return first
    day = max(today, due)
    while not is_working_day(day, region):
        day += timedelta(days=1)
    return day


def csat_average(scores: Sequence[int]) -> float | None:
    """The mean satisfaction score (1–5), or None with no answers."""
    return sum(scores) / len(scores) if scores else None


def nps(scores: Sequence[int]) -> int | None:
    """Net Promoter Score: % promoters (9–10) minus % detractors (0–6), rounded; None if
    nobody answered."""
    if not scores:
        return None
    promoters = sum(1 for score in scores if score >= PROMOTER_MIN)
    detractors = sum(1 for score in scores if score <= DETRACTOR_MAX)
    return round(100 * (promoters - detractors) / len(scores))


def rate(part: int, whole: int) -> int | None:
    """A whole percentage, or None when there is nothing to divide."""
    return round(100 * part / whole) if whole else None


@dataclass(frozen=True)
class Resolution:
    resolved_at: datetime
    working_days: int      # from opening to resolution, in the RM's market
    first_contact: bool


@dataclass(frozen=True)
class ServicePart:
    """One RM's raw figures: complaints open now, and what happened in the window."""

    open: int = 0
    overdue: int = 0
    resolutions: Sequence[Resolution] = field(default_factory=list)
    csat: Sequence[int] = field(default_factory=list)
    nps: Sequence[int] = field(default_factory=list)


@dataclass(frozen=True)
class ServiceFigures:
    open: int
    overdue: int
    resolved_recent: int                 # in the last RECENT_DAYS
    resolved_window: int                 # in the last WINDOW_DAYS
    average_working_days: float | None
    first_contact_rate: int | None       # % of the resolved
    csat: float | None
    csat_answers: int
    nps: int | None
    nps_answers: int


def service_figures(parts: Sequence[ServicePart], now: datetime) -> ServiceFigures:
    """The figures of one RM (one part) or of a team (every member's part)."""
    resolutions = [r for part in parts for r in part.resolutions]
    csat = [score for part in parts for score in part.csat]
    scores = [score for part in parts for score in part.nps]
    recent = now - timedelta(days=RECENT_DAYS)
    days = [r.working_days for r in resolutions]
    return ServiceFigures(
        open=sum(part.open for part in parts),
        overdue=sum(part.overdue for part in parts),
        resolved_recent=sum(1 for r in resolutions if r.resolved_at >= recent),
        resolved_window=len(resolutions),
        average_working_days=sum(days) / len(days) if days else None,
        first_contact_rate=rate(sum(1 for r in resolutions if r.first_contact),
                                len(resolutions)),
        csat=csat_average(csat), csat_answers=len(csat),
        nps=nps(scores), nps_answers=len(scores))
