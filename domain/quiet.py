"""Quiet hours: when a non-urgent push should wait until the RM's working day starts."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from domain.timeparse import read_clock

# Between the two ends of a range as people write it: "22h-7h", "晚上10点到早上7点", "22h đến 6h".
_RANGE = re.compile(r"\s*(?:[-–—~～]|至|到|tới|đến|den|toi|to|until)\s*", re.IGNORECASE)


def parse_hhmm(text: str) -> time | None:
    """'7:30', '07:30', '21h', '21h30' → time; None if it is not a time of day."""
    raw = text.strip().lower().replace("h", ":").replace("g", ":").rstrip(":")
    hours, _, minutes = raw.partition(":")
    if not hours.isdigit() or (minutes and not minutes.isdigit()):
        return None
    hour, minute = int(hours), int(minutes or 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


def read_setting_time(text: str, locale: str) -> time | None:
    """A setting's time of day ('/agenda 7h30'): digits as written, or the market's own words
    ('早上7点半', '7 giờ sáng', '7:30am'); None if the text is anything else."""
    return parse_hhmm(text) or read_clock(text, locale)


def read_quiet_hours(text: str, locale: str) -> tuple[time, time] | None:
    """The start and end of quiet hours in one text: '21:00 07:30', '22h-7h', '晚上10点到早上7点',
    '10pm 7am'; None unless the text is exactly two times of day."""
    text = text.strip()
    cuts = [(m.start(), m.end()) for m in _RANGE.finditer(text) if m.start() > 0]
    cuts += [(m.start(), m.end()) for m in re.finditer(r"\s+", text)]
    for start, end in cuts:
        first = read_setting_time(text[:start], locale)
        second = read_setting_time(text[end:], locale) if first is not None else None
        if first is not None and second is not None:
            return first, second
    return None


def quiet_until(moment: datetime, start: time, end: time) -> datetime | None:
    """The end of the quiet period `moment` falls in, or None if it is not quiet.

    `moment` is aware and local to the RM; the window may run over midnight (21:00–07:30).
    """
    if start == end:
        return None
    clock = moment.timetz().replace(tzinfo=None)
    day = moment.date()
    if start < end:
        inside = start <= clock < end
        end_day = day
    else:
        inside = clock >= start or clock < end
        end_day = day + timedelta(days=1) if clock >= start else day
    if not inside:
        return None
    return datetime.combine(end_day, end, tzinfo=moment.tzinfo)
