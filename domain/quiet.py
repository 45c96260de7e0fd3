"""Quiet hours: when a non-urgent push should wait until the RM's working day starts."""

from __future__ import annotations

from datetime import datetime, time, timedelta


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
