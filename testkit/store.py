"""Where a test or benchmark run keeps the bot's data, and what it seeds there.

A ``Store`` is an SQLite file or a PostgreSQL schema; rows are read and written through the
bot's own database layer, so the same SQL runs on both engines, and a fresh connection is
opened for each call (the bot process owns its own). Every seeded reminder's text carries
``[R<id>]``, so the emulator's record tells exactly which reminders arrived, and how often.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

from storage import open_storage
from storage.db import Database, open_database, to_db_time
from testkit.emulator import BotApiEmulator, Call
from testkit.postgres import run_sync
from testkit.process import ROOT, BotProcess

T = TypeVar("T")

FIRST_RM = 500_000
"""Seeded RMs are ``FIRST_RM + n``."""
TAG = re.compile(r"\[R(\d+)\]")
"""Every seeded reminder's text carries ``[R<id>]``; digests list each reminder's text."""


@dataclass
class Store:
    """The bot's data during one run: ``location`` is an SQLite file or a postgresql:// URL;
    ``folder`` holds the logs (and the SQLite file)."""

    location: str | Path
    folder: Path

    def settings(self) -> dict[str, str]:
        # An empty DATABASE_URL keeps the SQLite file whatever the caller's environment says.
        return {"DATABASE_URL": self.location if isinstance(self.location, str) else ""}

    def start(self, emu: BotApiEmulator, log_name: str, *, root: Path = ROOT,
              **settings: str) -> BotProcess:
        """The real bot on this store, against ``emu``; its output in ``folder/log_name``."""
        return BotProcess.start(emu, self.folder / "rapport.db", self.folder / log_name,
                                root=root, **{**self.settings(), **settings})

    def rows(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        async def fetch(db: Database) -> list[tuple[Any, ...]]:
            rows = await db.fetch_all(sql, list(params))
            return [tuple(row[i] for i in range(len(list(row.keys())))) for row in rows]

        return self._patiently(fetch)

    def execute_many(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        batch = [list(row) for row in rows]

        async def run(db: Database) -> None:
            await db.execute_many(sql, batch)

        self._patiently(run)

    def _patiently(self, work: Callable[[Database], Awaitable[T]]) -> T:
        """Run ``work`` on a fresh connection, waiting out a restarting server (30 s)."""
        async def attempt() -> T:
            db = await open_database(self.location)
            try:
                return await work(db)
            finally:
                await db.close()

        deadline = time.monotonic() + 30
        while True:
            try:
                return run_sync(attempt)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def statuses(self) -> Counter[str]:
        return Counter(dict(self.rows("SELECT status, COUNT(*) FROM reminders GROUP BY status")))

    def all_sent(self, total: int) -> bool:
        return self.statuses().get("sent", 0) == total

    def seed(self, *, rms: int, due: Iterable[tuple[int, datetime]] = (),
             customers: Iterable[str] = (), urgent: bool = True) -> list[int]:
        """Create the database if needed, then RMs ``FIRST_RM + n`` (English, UTC, region XX:
        no holiday greetings, no quiet hours, no agenda during a run), each with the named
        customers, and one reminder per ``(rm index, due_at)`` whose text carries
        ``[R<id>]``. Returns the new reminders' ids, in the order given."""
        return run_sync(lambda: self._seed(rms, list(due), list(customers), urgent))

    async def _seed(self, rms: int, due: list[tuple[int, datetime]], customers: list[str],
                    urgent: bool) -> list[int]:
        storage = await open_storage(self.location)
        try:
            now = datetime.now(UTC)
            # The agenda is queued from agenda_time to agenda_time + 4 h local: 8 h ahead
            # (the RMs live in UTC), no agenda message mixes into what a run measures.
            agenda = (now + timedelta(hours=8)).strftime("%H:%M")
            await storage.db.execute_many(
                "INSERT INTO staff (id, name, role, language, timezone, region, created_at,"
                " agenda_time, quiet_start, quiet_end) VALUES (?, ?, 'rm', 'en', 'UTC', 'XX',"
                " ?, ?, '00:00', '00:00')",
                [(FIRST_RM + n, f"RM {n}", to_db_time(now), agenda) for n in range(rms)])
            await storage.db.execute_many(
                "INSERT INTO reminders (staff_id, kind, text, due_at, urgent, created_at)"
                " VALUES (?, 'followup', 'seeded', ?, ?, ?)",
                [(FIRST_RM + rm, to_db_time(at), int(urgent), to_db_time(now))
                 for rm, at in due])
            rows = await storage.db.fetch_all(
                "SELECT id FROM reminders WHERE text = 'seeded' ORDER BY id")
            await storage.db.execute(
                "UPDATE reminders SET text = 'call back [R' || CAST(id AS TEXT) || ']'"
                " WHERE text = 'seeded'")
            for n in range(rms):
                for name in customers:
                    await storage.customers.create(owner_id=FIRST_RM + n, name=name,
                                                   phone=None, region="XX", now=now)
            return [row[0] for row in rows]
        finally:
            await storage.close()


def accepted(emu: BotApiEmulator, since: int = 0) -> list[Call]:
    """Successful sendMessage calls (Telegram accepted the message), from index ``since``."""
    return [c for c in emu.calls()[since:] if c.method == "sendMessage" and c.status == 200]


def reminder_ids(call: Call) -> list[int]:
    return [int(found) for found in TAG.findall(str(call.params.get("text", "")))]


def id_counts(calls: Iterable[Call]) -> Counter[int]:
    counts: Counter[int] = Counter()
    for call in calls:
        counts.update(reminder_ids(call))
    return counts
