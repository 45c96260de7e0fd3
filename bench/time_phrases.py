"""Score the time parser on the external phrase sets, beside dateparser, and time it on long text.

    python bench/time_phrases.py              # scores (and dateparser's, if installed), timing
    python bench/time_phrases.py --misses     # also every phrase read wrong
    python bench/time_phrases.py --json out.json

The sets (tests/fixtures/time-phrases: Duckling's and Recognizers-Text's corpora converted to the
project's conventions; sources and licenses in that folder) are scored as their conversion's own
scorer does: a row is right when the parser gives the expected "YYYY-MM-DD HH:MM" in now's zone,
or refuses an INVALID row; a moment not after now counts as a refusal. "Lenient" also accepts a
row's alt= reading. dateparser is read as that scorer reads it (DateDataParser, future dates, a
day without a time at 09:00, parts of the day at our hours); it is never a dependency of the bot:
`pip install dateparser` to see it.

The timing part measures find_time (what /remind runs on every message) on adversarial texts of
256 to 4,096 characters (Telegram's limit): Chinese numerals, digits and separators, repeated
time words, Vietnamese with diacritics. The parser only looks at the start and the last
characters of a text, so the time must not grow with the length beyond reading it once.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from domain import timeparse

SETS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "time-phrases"
FMT = "%Y-%m-%d %H:%M"
Engine = Callable[[str, str, datetime], datetime | None]


def parse_now(text: str) -> datetime:
    """'2013-02-12 04:30 -02:00', '2017-03-22 00:00:00 +08:00' or '... Area/City'."""
    wall, zone = text.strip().rsplit(" ", 1)
    if zone[:1] in "+-":
        sign = 1 if zone[0] == "+" else -1
        hours, minutes = int(zone[1:3]), int(zone[-2:])
        tz: timezone | ZoneInfo = timezone(sign * timedelta(hours=hours, minutes=minutes))
    else:
        tz = ZoneInfo(zone)
    return datetime.fromisoformat(wall).replace(tzinfo=tz)


def read_rows(path: Path) -> list[dict[str, object]]:
    """locale, phrase, expected, now, alt readings of every row of a set."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        tags = cols[4].split(",") if len(cols) > 4 else []
        rows.append({"locale": cols[0], "phrase": cols[1], "expected": cols[2],
                     "now": parse_now(cols[3]),
                     "alt": [t[4:] for t in tags if t.startswith("alt=")]})
    return rows


def normalise(result: datetime | None, now: datetime) -> str:
    """The engine's answer as the sets write it."""
    if result is None:
        return "INVALID"
    result = (result.astimezone(now.tzinfo) if result.tzinfo is not None
              else result.replace(tzinfo=now.tzinfo))
    return "INVALID" if result <= now else result.strftime(FMT)


def ours() -> Engine:
    return lambda phrase, locale, now: timeparse.parse_time(phrase, locale, now)


def _part_hour(hour: float) -> int:
    """Our part-of-day hour for a peer's part-of-day reading that starts at `hour`."""
    return 9 if hour < 11 else 12 if hour < 13 else 14 if hour < 17 else 19


def dateparser_engine() -> Engine | None:
    """dateparser read by the sets' own rules, or None when it is not installed."""
    try:
        from dateparser.date import DateDataParser
    except ImportError:
        return None
    parsers: dict[tuple[str, datetime], DateDataParser] = {}

    def run(phrase: str, locale: str, now: datetime) -> datetime | None:
        if locale.startswith("zh"):  # languages=["zh"] alone reads no Traditional ("後天")
            kw: dict[str, list[str]] = {"locales": [
                "zh-Hant" if locale == "zh_Hant" else "zh-Hans"]}
        else:
            kw = {"languages": ["vi" if locale.startswith("vi") else "en"]}
        base = now.replace(tzinfo=None)
        key = (str(kw), base)
        if key not in parsers:
            parsers[key] = DateDataParser(**kw, settings={
                "PREFER_DATES_FROM": "future", "RELATIVE_BASE": base,
                "RETURN_TIME_AS_PERIOD": True, "RETURN_AS_TIMEZONE_AWARE": False})
        data = parsers[key].get_date_data(phrase)
        found = data.date_obj
        if found is None:
            return None
        filled = found.time() in (datetime.min.time(), base.time())
        if data.period in ("day", "week", "month", "year") and filled:
            found = found.replace(hour=9, minute=0, second=0, microsecond=0)
        elif data.period == "part_of_day" and found.time() != base.time():
            found = found.replace(hour=_part_hour(found.hour), minute=0, second=0,
                                  microsecond=0)
        return found

    return run


def score(engine: Engine, rows: list[dict[str, object]]) -> tuple[int, int, list[str]]:
    """(strict, lenient, misses) of an engine on a set."""
    strict = lenient = 0
    misses = []
    for row in rows:
        now = row["now"]
        assert isinstance(now, datetime)
        try:
            answer = normalise(engine(str(row["phrase"]), str(row["locale"]), now), now)
        except Exception as error:  # a peer that crashes on a phrase read it wrong
            answer = f"EXC {type(error).__name__}"
        alt = row["alt"]
        assert isinstance(alt, list)
        strict += answer == row["expected"]
        lenient += answer == row["expected"] or answer in alt
        if answer != row["expected"]:
            misses.append(f"{row['locale']}\t{row['phrase']}\texpected {row['expected']}\t"
                          f"got {answer}")
    return strict, lenient, misses


ADVERSARIAL = {
    "Chinese numerals": "十二三四五六七八九零两廿",
    "digits and separators": "12/31-2026.9:30 ",
    "time words (vi)": "mai 9h thứ 6 tuần sau sáng chiều tối ",
    "time words (zh)": "明天下午三点半下周三号月日点",
    "Vietnamese with diacritics": "ngày mồng tháng rằm tết âm lịch nhuận giờ kém rưỡi ",
    "fillers": "vào lúc khoảng at on by 的在左右大约 ",
}


def timing(repeat: int) -> dict[str, dict[int, tuple[float, float]]]:
    """(Fastest, median) milliseconds of find_time per adversarial text and length: on a
    shared machine the fastest run is the parser's own cost, the median adds the neighbours'."""
    now = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    out: dict[str, dict[int, tuple[float, float]]] = {}
    for name, unit in ADVERSARIAL.items():
        out[name] = {}
        for length in (256, 1024, 4096):
            text = (unit * (length // len(unit) + 1))[:length]
            timeparse.find_time(text, "vi", now)  # warm the caches
            runs = []
            for _ in range(repeat):
                start = time.perf_counter()
                timeparse.find_time(text, "vi", now)
                runs.append((time.perf_counter() - start) * 1000)
            out[name][length] = (min(runs), statistics.median(runs))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--misses", action="store_true", help="print every phrase read wrong")
    parser.add_argument("--repeat", type=int, default=15, help="timing runs per text")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    engines: dict[str, Engine] = {"ours": ours()}
    peer = dateparser_engine()
    if peer is not None:
        engines["dateparser"] = peer
    figures: dict[str, object] = {"sets": {}}
    header = "| set | rows | " + " | ".join(f"{e} strict | {e} lenient" for e in engines) + " |"
    print(header)
    print("|" + "---|" * (2 + 2 * len(engines)))
    for path in sorted(SETS.glob("*.tsv")):
        rows = read_rows(path)
        cells, results = [], {}
        for name, engine in engines.items():
            strict, lenient, misses = score(engine, rows)
            results[name] = {"strict": strict, "lenient": lenient, "rows": len(rows)}
            cells += [f"{strict}/{len(rows)} ({100 * strict / len(rows):.1f}%)",
                      f"{lenient}/{len(rows)} ({100 * lenient / len(rows):.1f}%)"]
            if args.misses and name == "ours":
                for miss in misses:
                    print(f"  MISS {path.name}\t{miss}")
        figures["sets"][path.name] = results  # type: ignore[index]
        print(f"| {path.name} | {len(rows)} | " + " | ".join(cells) + " |")
    if peer is None:
        print("(dateparser is not installed: pip install dateparser to compare)")
    print("\nfind_time on adversarial text, ms, fastest / median of the runs "
          "(Telegram's limit is 4,096 characters)")
    print("| text | 256 | 1,024 | 4,096 |\n|---|---|---|---|")
    measured = timing(args.repeat)
    for name, by_length in measured.items():
        print(f"| {name} | " + " | ".join(f"{low:.2f} / {mid:.2f}" for low, mid
                                          in by_length.values()) + " |")
    figures["timing_ms"] = measured
    if args.json:
        Path(args.json).write_text(json.dumps(figures, ensure_ascii=False, indent=1),
                                   encoding="utf-8")


if __name__ == "__main__":
    main()
