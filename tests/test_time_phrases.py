"""The external time-phrase sets (Duckling, Recognizers-Text) scored as the benchmark scores them.

Each set must keep at least the score recorded in tests/fixtures/time-phrases/floors.json; a floor
is raised when the parser improves and never lowered below the 95% the project promises. The
same rows, with dateparser beside ours and the timing, are printed by bench/time_phrases.py.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from domain.timeparse import parse_time

SETS = Path(__file__).resolve().parent / "fixtures" / "time-phrases"
FLOORS = json.loads((SETS / "floors.json").read_text(encoding="utf-8"))
TARGET = 0.95


def parse_now(text: str) -> datetime:
    """'2013-02-12 04:30 -02:00' or '2017-03-22 00:00:00 +08:00' or '... Area/City'."""
    wall, zone = text.strip().rsplit(" ", 1)
    offset = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", zone)
    if offset is None:
        return datetime.fromisoformat(wall).replace(tzinfo=ZoneInfo(zone))
    sign = 1 if offset[1] == "+" else -1
    delta = timedelta(hours=int(offset[2]), minutes=int(offset[3]))
    return datetime.fromisoformat(wall).replace(tzinfo=timezone(sign * delta))


def rows(name: str) -> list[tuple[str, str, str, datetime]]:
    """(locale, phrase, expected, now) of every data line of a set."""
    found = []
    for line in (SETS / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        locale, phrase, expected, now = line.split("\t")[:4]
        found.append((locale, phrase, expected, parse_now(now)))
    return found


def got(phrase: str, locale: str, now: datetime) -> str:
    """The parser's answer as the sets write it; a moment not after now is a refusal."""
    when = parse_time(phrase, locale, now)
    if when is None or when <= now:
        return "INVALID"
    return when.astimezone(now.tzinfo).strftime("%Y-%m-%d %H:%M")


def test_every_set_has_a_floor_at_or_above_the_target() -> None:
    names = sorted(p.name for p in SETS.glob("*.tsv"))
    assert names == sorted(FLOORS)
    for name, floor in FLOORS.items():
        assert floor["rows"] == len(rows(name)), name
        assert floor["strict"] >= TARGET * floor["rows"], name


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_set_keeps_its_floor(name: str) -> None:
    misses = [(phrase, expected, answer) for locale, phrase, expected, now in rows(name)
              if (answer := got(phrase, locale, now)) != expected]
    passed = FLOORS[name]["rows"] - len(misses)
    assert passed >= FLOORS[name]["strict"], misses
