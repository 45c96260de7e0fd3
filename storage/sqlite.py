"""The embedded engine: one aiosqlite connection in WAL mode, for a branch-sized install."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from storage.db import (
    Database,
    IntegrityError,
    Row,
    clean_params,
    log,
    migrations,
    to_db_time,
)
from storage.files import private_sqlite

BUSY_TIMEOUT_MS = 5000


def _first_word(sql: str) -> str:
    return sql.lstrip(" \n\t(").split(None, 1)[0].upper() if sql.strip() else ""


def _reads_only(sql: str) -> bool:
    return _first_word(sql) == "SELECT"


def _is_write(sql: str) -> bool:
    # A WITH may hold an UPDATE (the claims do): it goes to the writer, like any write.
    return _first_word(sql) in {"INSERT", "UPDATE", "DELETE", "REPLACE", "WITH"}


class SqliteDatabase(Database):
    """Two connections: one writer, whose transactions a lock serialises, and one reader.

    A transaction belongs to the task that opened it (and to tasks it started while it is
    open, such as a ``gather``): nothing else ever runs inside it. Every other statement
    waits for it to end if it writes, or reads on the reader connection, which sees only
    committed data (WAL). On one shared connection, a dispatcher sweep landing in the middle
    of a handler's transaction read that handler's uncommitted rows (and sent a reminder that
    was then rolled back) and had its own claims rolled back with it.
    """

    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        # The open transaction's number; a task inside it carries that number in _joined.
        self._open: int | None = None
        self._serial = itertools.count(1)
        self._joined: ContextVar[int | None] = ContextVar(f"sqlite_tx_{id(self)}", default=None)

    @property
    def conn(self) -> aiosqlite.Connection:
        """The writer connection."""
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    @property
    def reader(self) -> aiosqlite.Connection:
        if self._reader is None:
            raise RuntimeError("database is not open")
        return self._reader

    def _inside(self) -> bool:
        """True in the task (or a task it started) that holds the open transaction."""
        return self._open is not None and self._joined.get() == self._open

    async def open(self) -> None:
        memory = str(self.path) == ":memory:"
        if not memory:
            # Customers' data: the folder 0700 and the file 0600 before SQLite creates it
            # (its -wal and -shm files then take the database file's mode).
            private_sqlite(self.path)
        self._conn = await self._connect()
        await self._use_wal()
        await self._conn.execute("PRAGMA foreign_keys=ON")
        await self._conn.execute("PRAGMA synchronous=NORMAL")
        # Deleted and overwritten rows are zeroed in the file, whatever SQLite was built with:
        # an erased customer's data must not linger in free pages.
        await self._conn.execute("PRAGMA secure_delete=ON")
        # An in-memory database is one connection's own: there, reads share the writer.
        self._reader = self._conn if memory else await self._connect()
        if not memory:
            await self._reader.execute("PRAGMA query_only=ON")

    async def _connect(self) -> aiosqlite.Connection:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so each write is explicit.
        conn = await aiosqlite.connect(self.path, isolation_level=None,
                                       timeout=BUSY_TIMEOUT_MS / 1000)
        conn.row_factory = aiosqlite.Row
        # Waiting first: another process may be migrating while this one switches to WAL.
        await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return conn

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
        reader, self._reader = self._reader, None
        if reader is not None and reader is not self._conn:
            await reader.close()
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    def json_text(self, column: str, key: str) -> str:
        return f"json_extract({column}, '$.{key}')"

    async def forget_erased(self) -> None:
        """Copy the WAL into the database and truncate it to nothing: its frames hold the
        pages as they were before the erasure (secure_delete zeroes only the database file).
        Waits for readers up to the busy timeout; if one still holds it, the next erasure or
        SQLite's own checkpoints (every 1,000 pages) overwrite them."""
        if self._inside():  # inside a caller's transaction: its commit is still to come
            return
        async with self._write_lock:
            await self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        params = clean_params(params)
        try:
            if self._inside():
                return list(await self.conn.execute_fetchall(sql, params))
            if _reads_only(sql):
                # One call: the statement runs to its end, so its read snapshot ends with it
                # and the next read sees every commit made before it started.
                return list(await self.reader.execute_fetchall(sql, params))
            if _is_write(sql):  # UPDATE … RETURNING and the like
                async with self.transaction():
                    return list(await self.conn.execute_fetchall(sql, params))
            async with self._write_lock:  # PRAGMA and the like: never inside a BEGIN
                return list(await self.conn.execute_fetchall(sql, params))
        except sqlite3.IntegrityError as error:
            raise IntegrityError(str(error)) from error

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        params = clean_params(params)
        try:
            async with self.transaction(), self.conn.execute(sql, params) as cursor:
                return cursor.rowcount
        except sqlite3.IntegrityError as error:
            raise IntegrityError(str(error)) from error

    async def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        try:
            async with self.transaction():
                await self.conn.executemany(sql, [clean_params(row) for row in rows])
        except sqlite3.IntegrityError as error:
            raise IntegrityError(str(error)) from error

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any error; nested calls join."""
        conn = self.conn
        if self._inside():
            yield
            return
        async with self._write_lock:
            number = next(self._serial)
            self._open = number
            token = self._joined.set(number)
            try:
                await conn.execute("BEGIN IMMEDIATE")
                try:
                    yield
                except BaseException:
                    await conn.rollback()
                    raise
                await conn.commit()
            finally:
                self._open = None
                self._joined.reset(token)

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

