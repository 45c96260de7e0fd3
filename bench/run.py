"""Rapport's benchmarks in one command, on SQLite and on PostgreSQL; prints one table.

    python bench/run.py                      # everything, both engines (about 15 minutes)
    python bench/run.py --quick              # smaller data and bursts (about 5 minutes)
    python bench/run.py --engine sqlite      # or postgresql
    python bench/run.py --only latency       # or search, delivery

Reply latency (update in -> first Bot API call out) and search latency run the real
Application in-process over 100,000 customers and 1,000,000 notes; delivery runs the real
``python bot.py`` (one process, or two replicas on PostgreSQL) against the local Bot API
emulator with Telegram's limits. Everything stays on 127.0.0.1. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import delivery, latency
from bench.dataset import FULL, QUICK, Size
from bench.harness import percentile
from bench.latency import ACTIONS, SEARCH_KINDS, Results, Timing
from bench.load import Loaded, build_postgres, sqlite_copy
from testkit.postgres import SERVER as DEFAULT_PG
from testkit.postgres import drop_schema

REPLY_P99_MS = 25.0
SEARCH_P99_MS = 20.0
LATENCY_SCHEMA = "bench_latency"
DELIVERY_SCHEMA = "bench_delivery"
ENGINES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass
class Table:
    """One table for every engine and scenario; rows are printed as they come, too."""

    rows: list[tuple[tuple[str, ...], bool | None]] = field(default_factory=list)
    headers: tuple[str, ...] = ("engine", "scenario", "metric", "value", "target", "")

    def add(self, engine: str, scenario: str, metric: str, value: str, target: str = "",
            ok: bool | None = None) -> None:
        self.rows.append(((engine, scenario, metric, value, target), ok))
        mark = "" if ok is None else (" ok" if ok else " MISSED")
        print(f"  {engine} | {scenario} | {metric}: {value} {target}{mark}", flush=True)

    def for_engine(self, engine: str) -> Callable[..., None]:
        def add(scenario: str, metric: str, value: str, target: str = "",
                ok: bool | None = None) -> None:
            self.add(engine, scenario, metric, value, target, ok)
        return add

    def render(self) -> str:
        cells = [(*row, "" if ok is None else ("ok" if ok else "MISSED"))
                 for row, ok in self.rows]
        widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(self.headers)]
        lines = [" | ".join(h.ljust(w) for h, w in zip(self.headers, widths, strict=True)),
                 "-+-".join("-" * w for w in widths)]
        lines += [" | ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True))
                  for cell in cells]
        return "\n".join(lines)

    @property
    def passed(self) -> bool:
        return all(ok is not False for _, ok in self.rows)


@dataclass(frozen=True)
class Plan:
    size: Size
    per_action: int
    searches: int
    reminders: int
    rms: int


FULL_PLAN = Plan(FULL, per_action=400, searches=1_000, reminders=10_000, rms=2_000)
QUICK_PLAN = Plan(QUICK, per_action=100, searches=300, reminders=2_000, rms=400)


def _ms(values: list[float], fraction: float) -> str:
    return f"{percentile(values, fraction):.1f}"


def _data_row(add: Callable[..., None], size: Size, loaded: Loaded) -> None:
    rows = loaded.rows
    how = "cached file" if loaded.cached else f"generated and loaded in {loaded.seconds:.0f} s"
    add("data set", f"{size.rms:,} RMs",
        f"{rows['customers']:,} customers, {rows['interactions']:,} notes, "
        f"{rows['reminders']:,} reminders, {rows['deals']:,} deals, "
        f"{rows['holdings']:,} holdings; {how}",
        "< 180 s" if not loaded.cached else "",
        None if loaded.cached else loaded.seconds < 180)


def report_replies(add: Callable[..., None], results: Results) -> None:
    everything: list[Timing] = [t for action in ACTIONS for t in results.replies[action]]
    target = f"p99 < {REPLY_P99_MS:.0f} ms"

    def row(label: str, timings: list[Timing], outcome: list[int] | None) -> None:
        first = [t.first_ms for t in timings]
        done = [t.done_ms for t in timings]
        extra = f"; {outcome[0] * 100 // max(1, outcome[1])}% as intended" if outcome else ""
        p99 = percentile(first, 0.99)
        add("reply latency, update in -> first call out", f"{label} (n={len(timings):,})",
            f"p50 {_ms(first, .5)} ms, p99 {p99:.1f} ms (handled: p99 {_ms(done, .99)} ms)"
            f"{extra}", target, p99 < REPLY_P99_MS)

    row("all actions", everything, None)
    for action in ACTIONS:
        row(action, results.replies[action], results.outcomes.get(action))


def report_searches(add: Callable[..., None], results: Results) -> None:
    target = f"p99 < {SEARCH_P99_MS:.0f} ms"
    everything = [ms for kind, _ in SEARCH_KINDS for ms in results.searches[kind]]
    for label, values in [("all queries", everything),
                          *((kind, results.searches[kind]) for kind, _ in SEARCH_KINDS)]:
        p99 = percentile(values, 0.99)
        add("search, CustomerRepo.search (first page)", f"{label} (n={len(values):,})",
            f"p50 {_ms(values, .5)} ms, p99 {p99:.1f} ms, max {max(values):.1f} ms", target,
            p99 < SEARCH_P99_MS)


async def _latency_sqlite(add: Callable[..., None], plan: Plan, work: Path, replies: bool,
                          searches: bool) -> None:
    path, loaded = await sqlite_copy(work, plan.size)
    _data_row(add, plan.size, loaded)
    results = await latency.run(latency.bench_settings("", path), per_action=plan.per_action,
                                searches=plan.searches, do_replies=replies,
                                do_searches=searches)
    _report(add, results, replies, searches)


async def _latency_postgres(add: Callable[..., None], plan: Plan, base: str, replies: bool,
                            searches: bool) -> None:
    try:
        url, loaded = await build_postgres(base, LATENCY_SCHEMA, plan.size)
        _data_row(add, plan.size, loaded)
        results = await latency.run(latency.bench_settings(url, Path("unused.db")),
                                    per_action=plan.per_action, searches=plan.searches,
                                    do_replies=replies, do_searches=searches)
        _report(add, results, replies, searches)
    finally:
        await drop_schema(base, LATENCY_SCHEMA)


def _report(add: Callable[..., None], results: Results, replies: bool, searches: bool) -> None:
    if replies:
        report_replies(add, results)
    if searches:
        report_searches(add, results)


def run_engine(table: Table, engine: str, plan: Plan, args: argparse.Namespace,
               tmp: Path) -> None:
    """Every scenario asked for on one engine; a scenario that fails is a row that says so."""
    add = table.for_engine(ENGINES[engine])
    try:
        _run_engine(add, engine, plan, args, tmp)
    except Exception as error:
        traceback.print_exc()
        add("(run stopped)", "error", f"{type(error).__name__}: {error}"[:200], ok=False)


def _run_engine(add: Callable[..., None], engine: str, plan: Plan, args: argparse.Namespace,
                tmp: Path) -> None:
    label = ENGINES[engine]
    replies = args.only in (None, "latency")
    searches = args.only in (None, "search")
    if replies or searches:
        started = time.perf_counter()
        if engine == "sqlite":
            asyncio.run(_latency_sqlite(add, plan, tmp / "latency-sqlite", replies, searches))
        else:
            asyncio.run(_latency_postgres(add, plan, args.pg_url, replies, searches))
        print(f"  ({label} latency and search took {time.perf_counter() - started:.0f} s)")
    if args.only in (None, "delivery"):
        if engine == "sqlite":
            with delivery.sqlite_store(tmp / "delivery-sqlite") as store:
                delivery.throughput(add, store, reminders=plan.reminders, rms=plan.rms)
            return
        for replicas in (1, 2):
            with delivery.postgres_store(tmp / f"delivery-postgresql-{replicas}", args.pg_url,
                                         DELIVERY_SCHEMA) as store:
                delivery.throughput(add, store, reminders=plan.reminders, rms=plan.rms,
                                    replicas=replicas,
                                    label=", two replicas" if replicas == 2 else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK.customers:,} customers and {QUICK.notes:,} notes, "
                             f"{QUICK_PLAN.per_action} samples per action, "
                             f"{QUICK_PLAN.reminders:,} reminders")
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--only", choices=["latency", "search", "delivery"])
    parser.add_argument("--pg-url", default=DEFAULT_PG, metavar="URL",
                        help=f"PostgreSQL to use (a schema of its own; default {DEFAULT_PG})")
    args = parser.parse_args(argv)
    plan = QUICK_PLAN if args.quick else FULL_PLAN
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    table = Table()
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="rapport-bench-") as folder:
        for engine in engines:
            run_engine(table, engine, plan, args, Path(folder))
    # The machine is shared: a busy neighbour shows up in the tail latencies.
    table.add("", "machine", "load average (1 min) at start / end",
              f"{load_before:.2f} / {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"\nRapport benchmarks ({'quick' if args.quick else 'full'} run, "
          f"{time.perf_counter() - started:.0f} s)\n")
    print(table.render())
    return 0 if table.passed else 1


if __name__ == "__main__":
    sys.exit(main())
