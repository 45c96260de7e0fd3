"""The SQLite connection and the migrations that bring a database up to date."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 5000


def to_db_time(moment: datetime) -> str:
    """Store every moment as ISO-8601 UTC text, which also sorts in time order."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored: pass an aware time")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_db_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class Database:
    """One aiosqlite connection in WAL mode; a lock serialises write transactions."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        # True inside the task that holds the write transaction, so nested use joins it.
        self._in_transaction: ContextVar[bool] = ContextVar(f"in_tx_{id(self)}", default=False)

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    async def open(self) -> None:
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so each write is explicit.
        self._conn = await aiosqlite.connect(self.path, isolation_level=None)
        self._conn.row_factory = aiosqlite.Row
        await self._conn.execute("PRAGMA journal_mode=WAL")
        await self._conn.execute("PRAGMA foreign_keys=ON")
        await self._conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        await self._conn.execute("PRAGMA synchronous=NORMAL")

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        async with self.conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        async with self.conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetch_value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement in its own transaction; return how many rows it changed."""
        async with self.transaction() as conn, conn.execute(sql, params) as cursor:
            return cursor.rowcount

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one INSERT in its own transaction; return the new row's id."""
        async with self.transaction() as conn, conn.execute(sql, params) as cursor:
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    async def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self.transaction() as conn:
            await conn.executemany(sql, rows)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any error.

        Handlers and scheduler jobs share one connection, so two tasks must never write
        inside each other's transaction: a lock serialises them, and a nested call from the
        task that already holds it simply joins.
        """
        conn = self.conn
        if self._in_transaction.get():
            yield conn
            return
        async with self._write_lock:
            token = self._in_transaction.set(True)
            try:
                await conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    await conn.rollback()
                    raise
                await conn.commit()
            finally:
                self._in_transaction.reset(token)

    async def migrate(self) -> list[str]:
        """Apply the migrations not yet recorded, in name order; return the names applied."""
        await self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        done = {row[0] for row in await self.fetch_all("SELECT name FROM schema_migrations")}
        applied = []
        for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
            name = path.stem
            if name in done:
                continue
            script = path.read_text(encoding="utf-8")
            # One script, one transaction: a failing migration leaves the database untouched.
            async with self._write_lock:
                try:
                    await self.conn.executescript("BEGIN IMMEDIATE;\n" + script)
                    await self.conn.execute(
                        "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                        (name, to_db_time(datetime.now(UTC))),
                    )
                    await self.conn.commit()
                except Exception:
                    if self.conn.in_transaction:
                        await self.conn.rollback()
                    raise
            log.info("applied migration %s", name)
            applied.append(name)
        return applied
