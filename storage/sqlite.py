"""The embedded engine: one aiosqlite connection in WAL mode, for a branch-sized install."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from storage.db import Database, IntegrityError, Row, log, migrations, to_db_time

BUSY_TIMEOUT_MS = 5000


class SqliteDatabase(Database):
    """A lock serialises write transactions: handlers and jobs share the one connection."""

    dialect = "sqlite"

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
        self._conn = await aiosqlite.connect(self.path, isolation_level=None,
                                             timeout=BUSY_TIMEOUT_MS / 1000)
        self._conn.row_factory = aiosqlite.Row
        # Waiting first: another process may be migrating while this one switches to WAL.
        await self._conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        await self._use_wal()
        await self._conn.execute("PRAGMA foreign_keys=ON")
        await self._conn.execute("PRAGMA synchronous=NORMAL")

    async def _use_wal(self) -> None:
        """Switch to WAL, which needs the file to itself for a moment: SQLite does not wait
        for that (no busy handler), so a process starting beside another tries again."""
        deadline = asyncio.get_running_loop().time() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                await self.conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.05)

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    def json_text(self, column: str, key: str) -> str:
        return f"json_extract({column}, '$.{key}')"

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        try:
            async with self.conn.execute(sql, params) as cursor:
                return list(await cursor.fetchall())
        except sqlite3.IntegrityError as error:
            raise IntegrityError(str(error)) from error

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            async with self.transaction(), self.conn.execute(sql, params) as cursor:
                return cursor.rowcount
        except sqlite3.IntegrityError as error:
            raise IntegrityError(str(error)) from error

    async def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        try:
            async with self.transaction():
                await self.conn.executemany(sql, rows)
        except sqlite3.IntegrityError as error:
            raise IntegrityError(str(error)) from error

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any error; nested calls join."""
        conn = self.conn
        if self._in_transaction.get():
            yield
            return
        async with self._write_lock:
            token = self._in_transaction.set(True)
            try:
                await conn.execute("BEGIN IMMEDIATE")
                try:
                    yield
                except BaseException:
                    await conn.rollback()
                    raise
                await conn.commit()
            finally:
                self._in_transaction.reset(token)

    async def migrate(self) -> list[str]:
        await self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        applied = []
        for step in migrations(self.dialect):
            # One script, one transaction: a failing migration leaves the database untouched.
            async with self._write_lock:
                try:
                    await self.conn.execute("BEGIN IMMEDIATE")
                    # Checked inside the write lock: another process may have just applied it.
                    async with self.conn.execute(
                        "SELECT 1 FROM schema_migrations WHERE name = ?", (step.name,)
                    ) as cursor:
                        if await cursor.fetchone() is not None:
                            await self.conn.rollback()
                            continue
                    for statement in step.statements:
                        await self.conn.execute(statement)
                    await self.conn.execute(
                        "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                        (step.name, to_db_time(datetime.now(UTC))),
                    )
                    await self.conn.commit()
                except Exception:
                    if self.conn.in_transaction:
                        await self.conn.rollback()
                    raise
            log.info("applied migration %s", step.name)
            applied.append(step.name)
        return applied

