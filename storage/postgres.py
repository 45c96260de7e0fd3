"""The scale-out engine: PostgreSQL through an asyncpg pool, shared by every replica.

Repositories' ``?`` placeholders become ``$1…``; parameters are converted to the types the
server expects for them (asyncpg checks types strictly, SQLite does not). A replica that
loses its connections (the server restarted) waits for the server and carries on: a lost
connection before a transaction's first statement is retried, one in the middle is raised,
and the server has rolled that transaction back, so nothing half-written stays.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

import asyncpg

from storage.db import Database, IntegrityError, Row, log, migration_scripts, to_db_time

T = TypeVar("T")

# How long a replica waits for the server to come back before an operation fails.
RECONNECT_FOR_SECONDS = 30.0
POOL_MAX_SIZE = 10
# Both engines' migrations run under this lock, so replicas starting together apply each once.
MIGRATION_LOCK = 7_311_502_027
_CONNECTION_LOST = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.ConnectionFailureError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
    # What a pooled connection the server terminated says when it is used again.
    asyncpg.exceptions.InternalClientError,
)
# Parameter types per statement, learnt once per process (the schema is the same for every
# connection): asyncpg wants exact Python types where SQLite takes anything.
_PARAM_TYPES: OrderedDict[str, tuple[str, ...]] = OrderedDict()
_TEXT = {"text", "varchar", "bpchar", "name"}
_INTEGER = {"int2", "int4", "int8"}


def to_numbered(sql: str) -> str:
    """``?`` placeholders as ``$1, $2, …``, leaving quoted text alone."""
    out, number, quote = [], 0, ""
    for char in sql:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "?":
            number += 1
            out.append(f"${number}")
            continue
        out.append(char)
    return "".join(out)


def _coerce(value: Any, type_name: str) -> Any:
    if value is None:
        return None
    if type_name in _TEXT and not isinstance(value, str):
        return str(value)
    if type_name in _INTEGER and (not isinstance(value, int) or isinstance(value, bool)):
        return int(value)
    if type_name == "float8" and not isinstance(value, float):
        return float(value)
    return value


class _Record:
    """A row whose NUMERIC sums became int or float, as SQLite returns them."""

    __slots__ = ("_names", "_values")

    def __init__(self, record: asyncpg.Record) -> None:
        self._names = list(record.keys())
        self._values = [_plain(value) for value in record.values()]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return self._values[self._names.index(key)]
        return self._values[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def keys(self) -> list[str]:
        return self._names


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _rows(records: list[asyncpg.Record]) -> list[Row]:
    return [
        _Record(record) if any(isinstance(v, Decimal) for v in record.values()) else record
        for record in records
    ]


class PostgresDatabase(Database):
    dialect = "postgresql"

    def for_update(self) -> str:
        return " FOR UPDATE"

    def skip_locked(self, table: str) -> str:
        return f" FOR UPDATE OF {table} SKIP LOCKED"

    def __init__(self, url: str) -> None:
        self.url = url
        self._pool: asyncpg.Pool | None = None
        self._conn: ContextVar[asyncpg.Connection | None] = ContextVar(
            f"pg_conn_{id(self)}", default=None)

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("database is not open")
        return self._pool

    async def open(self) -> None:
        async def connect() -> asyncpg.Pool:
            return await asyncpg.create_pool(
                self.url, min_size=1, max_size=POOL_MAX_SIZE, statement_cache_size=1024,
                command_timeout=60, reset=_keep_session)

        self._pool = await _patiently(connect)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def serialize(self, key: str) -> None:
        assert self._conn.get() is not None, "serialize() only inside a transaction"
        await self.fetch_all("SELECT pg_advisory_xact_lock(hashtext(?))", (key,))

    def json_text(self, column: str, key: str) -> str:
        return f"({column}::jsonb ->> '{key}')"

    async def _params(self, conn: asyncpg.Connection, sql: str,
                      params: Sequence[Any]) -> list[Any]:
        if not params:
            return []
        types = _PARAM_TYPES.get(sql)
        if types is None:
            statement = await conn.prepare(sql)
            types = tuple(t.name for t in statement.get_parameters())
            _PARAM_TYPES[sql] = types
            if len(_PARAM_TYPES) > 4096:
                _PARAM_TYPES.popitem(last=False)
        return [_coerce(value, name) for value, name in zip(params, types, strict=True)]

    async def _run(self, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """On the task's transaction connection, or on a pooled one (retried if it was lost)."""
        conn = self._conn.get()
        try:
            if conn is not None:
                return await work(conn)

            async def pooled() -> T:
                async with self.pool.acquire() as fresh:
                    return await work(fresh)

            # Outside a transaction a read is simply repeated on a lost connection.
            return await _patiently(pooled)
        except asyncpg.exceptions.IntegrityConstraintViolationError as error:
            raise IntegrityError(str(error)) from error

    async def _write(self, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """One statement that commits on its own (no BEGIN/COMMIT round trips), or in the
        task's transaction. Only getting a connection is retried: a statement cut off in
        flight may have committed, and must not be applied twice."""
        if self._conn.get() is not None:
            return await self._run(work)
        conn = await _patiently(self.pool.acquire)
        try:
            return await work(conn)
        except asyncpg.exceptions.IntegrityConstraintViolationError as error:
            raise IntegrityError(str(error)) from error
        finally:
            with contextlib.suppress(*_CONNECTION_LOST):
                await self.pool.release(conn)

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        query = to_numbered(sql)

        async def work(conn: asyncpg.Connection) -> list[Row]:
            return _rows(await conn.fetch(query, *await self._params(conn, query, params)))

        if _reads_only(query):
            return await self._run(work)
        return await self._write(work)

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        query = to_numbered(sql)

        async def work(conn: asyncpg.Connection) -> int:
            status = await conn.execute(query, *await self._params(conn, query, params))
            last = status.rsplit(" ", 1)[-1]
            return int(last) if last.isdigit() else 0

        return await self._write(work)

    async def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        query = to_numbered(sql)
        batch = list(rows)
        if not batch:
            return

        async def work(conn: asyncpg.Connection) -> None:
            await self._params(conn, query, batch[0])
            types = _PARAM_TYPES.get(query, ())
            await conn.executemany(
                query, [[_coerce(v, t) for v, t in zip(row, types, strict=True)] for row in batch])

        async with self.transaction():
            await self._run(work)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """BEGIN … COMMIT on one pooled connection; a nested call joins it."""
        if self._conn.get() is not None:
            yield
            return

        async def begin() -> tuple[asyncpg.Connection, Any]:
            conn = await self.pool.acquire()
            try:
                transaction = conn.transaction()
                await transaction.start()
            except BaseException:
                with contextlib.suppress(*_CONNECTION_LOST):
                    await self.pool.release(conn)
                raise
            return conn, transaction

        conn, transaction = await _patiently(begin)
        token = self._conn.set(conn)
        try:
            try:
                yield
            except BaseException:
                if not conn.is_closed():
                    # The server rolls back a transaction whose connection died.
                    with contextlib.suppress(*_CONNECTION_LOST):
                        await transaction.rollback()
                raise
            try:
                await transaction.commit()
            except asyncpg.exceptions.IntegrityConstraintViolationError as error:
                raise IntegrityError(str(error)) from error
        finally:
            self._conn.reset(token)
            # Releasing resets the connection; if the server has just closed it, what was
            # committed stays committed and the pool replaces the connection.
            with contextlib.suppress(*_CONNECTION_LOST):
                await self.pool.release(conn)

    async def migrate(self) -> list[str]:
        applied = []
        async with self.transaction():
            conn = self._conn.get()
            assert conn is not None
            # Replicas may start together: one migrates, the others wait and find it done.
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            done = {row[0] for row in await conn.fetch("SELECT name FROM schema_migrations")}
            for name, path in migration_scripts(self.dialect):
                if name in done:
                    continue
                async with conn.transaction():  # a savepoint: the error names the step
                    await conn.execute(path.read_text(encoding="utf-8"))
                    await conn.execute(
                        "INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)",
                        name, to_db_time(datetime.now(UTC)))
                log.info("applied migration %s", name)
                applied.append(name)
        return applied


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Nothing to reset when a connection goes back to the pool: the bot sets no session
    state, takes only transaction-scoped locks, and asyncpg itself rolls back a transaction
    left open. asyncpg's default reset costs a round trip (~1.5 ms under load) per release."""


def _reads_only(query: str) -> bool:
    # A WITH may hold an UPDATE: only a plain SELECT is safe to repeat.
    return query.lstrip().upper().startswith("SELECT")


async def _patiently(attempt: Callable[[], Awaitable[T]]) -> T:
    """Try again while the server is away (restarting), for up to RECONNECT_FOR_SECONDS."""
    deadline = time.monotonic() + RECONNECT_FOR_SECONDS
    pause = 0.1
    while True:
        try:
            return await attempt()
        except _CONNECTION_LOST as error:
            if time.monotonic() + pause > deadline:
                raise
            log.warning("database unavailable (%s: %s); retrying in %.1f s",
                        type(error).__name__, error, pause)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 2.0)
