"""Reminder delivery throughput on either engine, with one bot process or several replicas.

``N`` reminders fall due at the same second for ``rms`` RMs; the real ``python bot.py``
processes (one, or several sharing one database) send them to the emulator, which enforces
Telegram's limits. Every reminder carries ``[R<id>]``, so the emulator's record tells which
arrived and how often. See bench/README.md.
"""

from __future__ import annotations

import asyncio
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from bench.harness import (
    FIRST_RM,
    ROOT,
    TOKEN,
    BotProcess,
    TimedEmulator,
    _agenda_time_never_due,
    db_time,
    reminder_ids,
    seed,
    statuses,
)
from bench.load import drop_schema, migrated_schema
from tests.emulator import Call, RateLimits

TELEGRAM_RATE = 30.0
Add = Callable[..., None]
"""``add(scenario, metric, value, target="", ok=None)``: one row of the printed table."""


class Store(Protocol):
    """Where the bot processes keep their data during one delivery run."""

    def seed(self, rms: int, due: Iterable[tuple[int, datetime]]) -> None: ...

    def statuses(self) -> Counter[str]: ...

    def environment(self) -> dict[str, str]: ...

    def close(self) -> None: ...


@dataclass
class SqliteStore:
    path: Path

    def seed(self, rms: int, due: Iterable[tuple[int, datetime]]) -> None:
        seed(self.path, rms=rms, due=due)

    def statuses(self) -> Counter[str]:
        return statuses(self.path)

    def environment(self) -> dict[str, str]:
        return {}

    def close(self) -> None:
        return None


@dataclass
class PostgresStore:
    """A schema of its own, created with the bot's migrations and dropped afterwards."""

    base_url: str
    schema: str
    url: str = ""

    def seed(self, rms: int, due: Iterable[tuple[int, datetime]]) -> None:
        asyncio.run(self._seed(rms, list(due)))

    async def _seed(self, rms: int, due: list[tuple[int, datetime]]) -> None:
        """The rows ``bench.harness.seed`` writes to SQLite, copied into PostgreSQL."""
        import asyncpg

        self.url = await migrated_schema(self.base_url, self.schema)
        now = datetime.now(UTC)
        stamp = db_time(now)
        agenda = _agenda_time_never_due(now)
        first = FIRST_RM
        conn = await asyncpg.connect(self.url)
        try:
            await conn.copy_records_to_table(
                "staff", schema_name=self.schema,
                columns=["id", "name", "role", "language", "timezone", "region", "created_at",
                         "agenda_time", "quiet_start", "quiet_end"],
                records=[(first + n, f"RM {n}", "rm", "en", "UTC", "XX", stamp, agenda,
                          "00:00", "00:00") for n in range(rms)])
            await conn.copy_records_to_table(
                "reminders", schema_name=self.schema,
                columns=["id", "staff_id", "kind", "text", "due_at", "urgent", "created_at"],
                records=[(i + 1, first + rm, "followup", f"call back [R{i + 1}]", db_time(at),
                          1, stamp) for i, (rm, at) in enumerate(due)])
            sequence = await conn.fetchval("SELECT pg_get_serial_sequence($1, 'id')",
                                           f'"{self.schema}".reminders')
            if sequence:
                await conn.execute("SELECT setval($1, $2)", sequence, max(1, len(due)))
        finally:
            await conn.close()

    def statuses(self) -> Counter[str]:
        return Counter(asyncio.run(self._counts(
            "SELECT status, COUNT(*) FROM reminders GROUP BY status")))

    async def _counts(self, sql: str) -> dict[str, int]:
        import asyncpg

        conn = await asyncpg.connect(self.url)
        try:
            return {row[0]: row[1] for row in await conn.fetch(sql)}
        finally:
            await conn.close()

    def environment(self) -> dict[str, str]:
        return {"DATABASE_URL": self.url}

    def close(self) -> None:
        asyncio.run(drop_schema(self.base_url, self.schema))


class CountingEmulator(TimedEmulator):
    """The emulator, counting accepted messages per ``Host`` header: each replica is given
    the emulator under a name of its own (``127.0.0.1``, ``localhost``), so the record shows
    which replica sent what."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent_by_host: Counter[str] = Counter()
        self._count_lock = threading.Lock()  # requests are handled on several threads

    def _dispatch(self, path: str, params: dict[str, Any],
                  handler: Any) -> tuple[int, dict[str, Any]] | None:
        answer = super()._dispatch(path, params, handler)
        if path.endswith("/sendMessage") and answer is not None and answer[0] == 200:
            host = str(handler.headers.get("Host", "")).split(":")[0]
            with self._count_lock:
                self.sent_by_host[host] += 1
        return answer

    def url_for(self, replica: int) -> str:
        return self.url if replica == 0 else f"http://{HOSTS[replica]}:{self.port}"


HOSTS = ("127.0.0.1", "localhost")


class Watch:
    """Follows the emulator's record incrementally (cheap: the emulator shares our GIL)."""

    def __init__(self, emu: TimedEmulator) -> None:
        self.emu = emu
        self.index = 0
        self.counts: Counter[int] = Counter()
        self.sent: list[Call] = []

    def poll(self) -> int:
        calls = self.emu.calls()
        for call in calls[self.index:]:
            if call.method == "sendMessage" and call.status == 200:
                self.sent.append(call)
                self.counts.update(reminder_ids(call))
        self.index = len(calls)
        return len(self.counts)

    def until_delivered(self, total: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.poll() >= total:
                return True
            time.sleep(1.0)
        return self.poll() >= total


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def replica_environment(index: int, replicas: int) -> dict[str, str]:
    """Several replicas cannot all long-poll one bot (Telegram answers 409 Conflict): they
    run as webhook servers with the same public URL and secret, as in production (no update
    is posted here, so the load balancer in front of them stays idle)."""
    if replicas == 1:
        return {}
    return {
        "RAPPORT_WEBHOOK_URL": "https://rapport.example/telegram",
        "RAPPORT_WEBHOOK_SECRET": "bench-secret",
        "RAPPORT_WEBHOOK_PORT": str(_free_port()),
        "RAPPORT_HEALTH_PORT": str(_free_port()),
        "RAPPORT_REPLICA_NAME": f"replica-{index + 1}",
    }


def throughput(add: Add, work: Path, store: Store, *, reminders: int, rms: int,
               replicas: int = 1, label: str = "", root: Path = ROOT) -> None:
    """``reminders`` due at the same moment for ``rms`` RMs, Telegram's limits on."""
    if replicas > len(HOSTS):
        raise ValueError(f"at most {len(HOSTS)} replicas")
    name = f"{reminders:,} due at once, {rms:,} RMs{label}"
    work.mkdir(parents=True)
    due_at = datetime.now(UTC).replace(microsecond=0)
    plan = [(n % rms, due_at) for n in range(reminders)]
    random.Random(7).shuffle(plan)  # the RMs' reminders in no particular order
    try:
        store.seed(rms, plan)
        emu = CountingEmulator(token=TOKEN, limits=RateLimits())
        emu.start()
        bots = [BotProcess.start(emu, work / "rapport.db", work / f"bot-{n + 1}.log",
                                 root=root, TELEGRAM_API_URL=emu.url_for(n),
                                 **store.environment(), **replica_environment(n, replicas))
                for n in range(replicas)]
        watch = Watch(emu)
        try:
            watch.until_delivered(reminders, timeout=reminders / 20 + 120)
            time.sleep(2)
            watch.poll()
        finally:
            for bot in bots:
                bot.stop()
            emu.stop()
        _report(add, name, watch, emu, bots, reminders, store.statuses())
        if replicas > 1:
            add(name, "messages sent by each replica", " / ".join(
                f"{emu.sent_by_host[HOSTS[n]]:,}" for n in range(replicas)))
            sharing = sum("sharing the bot-wide rate" in bot.output() for bot in bots)
            add(name, "replicas that saw another one sending", f"{sharing} of {replicas}")
    finally:
        store.close()


def _report(add: Add, name: str, watch: Watch, emu: TimedEmulator, bots: list[BotProcess],
            reminders: int, left: Counter[str]) -> None:
    sent = watch.sent
    if not sent:
        add(name, "delivered", "nothing", ok=False)
        for bot in bots:
            print(bot.output()[-3000:])
        return
    span = sent[-1].at - sent[0].at
    rate = (len(sent) - 1) / span if span > 0 else float("nan")
    lost = reminders - len(watch.counts)
    duplicated = sum(1 for n in watch.counts.values() if n > 1)
    digests = sum(1 for call in sent if len(reminder_ids(call)) > 1)
    limited = emu.stats.rate_limited
    attempts = len(emu.calls("sendMessage"))
    started = min(bot.started for bot in bots)
    add(name, "wall time, bot start to last delivery", f"{sent[-1].at - started:.1f} s")
    add(name, "wall time, first to last message", f"{span:.1f} s")
    add(name, "messages (late digests among them)", f"{len(sent):,} ({digests})")
    add(name, "messages/s, % of 30/s", f"{rate:.2f}/s, {100 * rate / TELEGRAM_RATE:.1f}%",
        ">= 90%", rate >= 0.9 * TELEGRAM_RATE)
    add(name, "lost (never sent)", str(lost), "0", lost == 0)
    add(name, "duplicated reminder ids", str(duplicated), "0", duplicated == 0)
    add(name, "429s answered / sendMessage calls", f"{limited} / {attempts:,}", "rare",
        limited <= attempts // 100)
    add(name, "rows not 'sent' afterwards", str(sum(left.values()) - left["sent"]), "0",
        left["sent"] == reminders)
