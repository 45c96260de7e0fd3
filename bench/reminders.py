"""Reminder delivery benchmarks: the real ``python bot.py`` against the local Bot API emulator.

    python bench/reminders.py            # the full run (about 8 minutes)
    python bench/reminders.py --quick    # smaller numbers (about 2 minutes)
    python bench/reminders.py --baseline # also the throughput run with the old dispatcher

Prints one table. Everything runs on 127.0.0.1 in a temporary folder. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import delivery
from bench.delivery import Watch
from bench.harness import ROOT, parse_db_time, percentile
from testkit.emulator import BotApiEmulator
from testkit.process import TOKEN, wait_until
from testkit.store import Store, reminder_ids


@dataclass
class Row:
    scenario: str
    metric: str
    value: str
    target: str = ""
    ok: bool | None = None


@dataclass
class Table:
    rows: list[Row] = field(default_factory=list)

    def add(self, scenario: str, metric: str, value: str, target: str = "",
            ok: bool | None = None) -> None:
        self.rows.append(Row(scenario, metric, value, target, ok))
        mark = "" if ok is None else (" ok" if ok else " MISSED")
        print(f"  {scenario} | {metric}: {value} {target}{mark}", flush=True)

    def render(self) -> str:
        headers = ("scenario", "metric", "value", "target", "")
        cells = [(r.scenario, r.metric, r.value, r.target,
                  "" if r.ok is None else ("ok" if r.ok else "MISSED")) for r in self.rows]
        widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
        lines = [" | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)),
                 "-+-".join("-" * w for w in widths)]
        lines += [" | ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True))
                  for cell in cells]
        return "\n".join(lines)


BASELINE_REV = "31c2eb5"
"""The commit whose dispatcher was measured before the changes described in README.md."""


def baseline_checkout(tmp: Path, rev: str) -> Path:
    """A copy of this checkout with ``scheduler/dispatcher.py`` as it was at ``rev``."""
    copy = tmp / "baseline"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(
        ".git", "data", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"))
    source = subprocess.run(["git", "show", f"{rev}:scheduler/dispatcher.py"], cwd=ROOT,
                            check=True, capture_output=True, text=True).stdout
    (copy / "scheduler" / "dispatcher.py").write_text(source, encoding="utf-8")
    return copy


def throughput(table: Table, tmp: Path, *, reminders: int, rms: int, label: str,
               root: Path = ROOT) -> None:
    """``reminders`` due at the same moment for ``rms`` RMs, Telegram's limits on."""
    work = tmp / ("throughput-baseline" if root != ROOT else "throughput")
    with delivery.sqlite_store(work) as store:
        delivery.throughput(table.add, store, reminders=reminders, rms=rms, label=label,
                            root=root)


def startup(table: Table, tmp: Path, *, reminders: int, rms: int) -> None:
    """Start-up time and memory with ``reminders`` pending, and PTB's run_once instead."""
    name = f"{reminders:,} pending"
    work = tmp / "startup"
    work.mkdir()
    store = Store(work / "rapport.db", work)
    now = datetime.now(UTC)
    rng = random.Random(11)
    store.seed(rms=rms, due=[(n % rms, now + timedelta(hours=1,
                                                       seconds=rng.randrange(30 * 86400)))
                             for n in range(reminders)])
    emu = BotApiEmulator(token=TOKEN)
    emu.start()
    bot = store.start(emu, "bot.log")
    try:
        up = wait_until(lambda: emu.first_poll is not None, timeout=60, step=0.01)
        first_poll = emu.first_poll
        rss_up = bot.rss_kib() / 1024
        time.sleep(6)  # a few dispatch ticks and the first agenda tick
        cpu_before = bot.cpu_seconds()
        time.sleep(10)
        idle_cpu = (bot.cpu_seconds() - cpu_before) / 10
        rss_later = bot.rss_kib() / 1024
    finally:
        bot.stop()
        emu.stop()
    startup_s = (first_poll - bot.started) if up and first_poll is not None else float("inf")
    bot_name = f"{name}: python bot.py"
    table.add(bot_name, "start to first getUpdates", f"{startup_s:.2f} s", "< 2 s",
              startup_s < 2)
    table.add(bot_name, "VmRSS after start-up (16 s later)",
              f"{rss_up:.0f} MiB ({rss_later:.0f} MiB)", "< 120 MB = 114 MiB",
              rss_later < 120e6 / 2**20)
    table.add(bot_name, "CPU while idle (ticks every 1 s)", f"{100 * idle_cpu:.1f}% of a core")

    started = time.perf_counter()
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "run_once_jobs.py"),
                             str(store.location)],
                            check=True, capture_output=True, text=True, timeout=600)
    total = time.perf_counter() - started
    figures = json.loads(result.stdout)
    jobs_name = f"{name}: job_queue.run_once each"
    table.add(jobs_name, "process start to all jobs scheduled",
              f"{total:.2f} s (run_once loop {figures['run_once_s']:.2f} s, "
              f"reading rows {figures['load_rows_s']:.2f} s)")
    table.add(jobs_name, "VmRSS with the jobs (without)",
              f"{figures['rss_mib']:.0f} MiB ({figures['rss_empty_mib']:.0f} MiB)")


def delay(table: Table, tmp: Path, *, reminders: int, rms: int, spread: float) -> None:
    """Due-to-delivered delay with no rate limit, reminders due at staggered times."""
    name = f"{reminders} due over {spread:.0f} s, no limits"
    work = tmp / "delay"
    work.mkdir()
    store = Store(work / "rapport.db", work)
    start = datetime.now(UTC) + timedelta(seconds=5)
    store.seed(rms=rms, due=[(n % rms, start + timedelta(seconds=spread * n / reminders))
                             for n in range(reminders)])
    due = {row[0]: parse_db_time(row[1])
           for row in store.rows("SELECT id, due_at FROM reminders")}
    emu = BotApiEmulator(token=TOKEN)
    emu.start()
    wall_offset = time.time() - time.monotonic()
    bot = store.start(emu, "bot.log")
    watch = Watch(emu)
    try:
        watch.until_delivered(reminders, timeout=spread + 60)
    finally:
        bot.stop()
        emu.stop()
    delays: list[float] = []
    for call in watch.sent:
        arrived = call.at + wall_offset
        delays.extend(arrived - due[rid].timestamp() for rid in reminder_ids(call))
    p50, p99 = percentile(delays, 0.5), percentile(delays, 0.99)
    table.add(name, "due -> received p50 / p99 / max",
              f"{p50:.2f} / {p99:.2f} / {max(delays, default=float('nan')):.2f} s",
              "p99 < 5 s", p99 < 5)
    table.add(name, "delivered / lost / duplicated",
              f"{len(watch.counts)} / {reminders - len(watch.counts)} / "
              f"{sum(1 for n in watch.counts.values() if n > 1)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller numbers")
    parser.add_argument("--baseline", nargs="?", const=BASELINE_REV, metavar="REV",
                        help="also run the throughput scenario with the dispatcher of git "
                             f"commit REV (default {BASELINE_REV}, before the changes)")
    parser.add_argument("--only", choices=["throughput", "startup", "delay"],
                        help="run one scenario")
    args = parser.parse_args(argv)
    quick = args.quick
    table = Table()
    with tempfile.TemporaryDirectory(prefix="rapport-bench-") as folder:
        tmp = Path(folder)
        if args.only in (None, "throughput"):
            count, rms = (2_000, 400) if quick else (10_000, 2_000)
            throughput(table, tmp, reminders=count, rms=rms, label="")
            if args.baseline:
                throughput(table, tmp, reminders=count, rms=rms,
                           label=f" (dispatcher of {args.baseline})",
                           root=baseline_checkout(tmp, args.baseline))
        if args.only in (None, "startup"):
            startup(table, tmp, reminders=20_000 if quick else 100_000, rms=2_000)
        if args.only in (None, "delay"):
            delay(table, tmp, reminders=100 if quick else 300, rms=100,
                  spread=10 if quick else 20)
    print()
    print(table.render())
    return 0 if all(row.ok is not False for row in table.rows) else 1


if __name__ == "__main__":
    sys.exit(main())
