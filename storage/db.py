"""The database seen by the repositories: one interface, an SQLite and a PostgreSQL engine.

Repositories write portable SQL with ``?`` placeholders; the few constructs the two engines
spell differently come from the engine (``json_text``, ``skip_locked``). Times are stored as
ISO-8601 UTC text on both engines, so they compare and sort the same way.
"""

from __future__ import annotations

import abc
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class Row(Protocol):
    """A result row: by column name or position (sqlite3.Row and asyncpg.Record both are)."""

    def __getitem__(self, key: Any, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...

    def keys(self) -> Any: ...


class IntegrityError(Exception):
    """A constraint refused the change (unique, foreign key, check), on either engine."""


def to_db_time(moment: datetime) -> str:
    """Store every moment as ISO-8601 UTC text, which also sorts in time order."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored: pass an aware time")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_db_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def marks(values: Sequence[object]) -> str:
    """``?, ?, ?`` for an IN list of these values."""
    return ", ".join("?" for _ in values)


def migration_scripts(dialect: str) -> Iterator[tuple[str, Path, bool]]:
    """(name, file, written for this dialect) in name order: the dialect's own version of a
    step where it has one, else the shared (SQLite) script."""
    own = MIGRATIONS_DIR / dialect
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        override = own / path.name
        yield (path.stem, override, True) if override.is_file() else (path.stem, path, False)


class Database(abc.ABC):
    """What every repository uses; a nested ``transaction()`` joins the one already open."""

    dialect: str

    def for_update(self) -> str:
        """Appended to a SELECT whose rows this transaction will change: another replica's
        transaction reading them waits until this one ends (SQLite: already one at a time)."""
        return ""

    def skip_locked(self, table: str) -> str:
        """Appended to a SELECT that picks rows of ``table`` (its alias) to claim, so that
        replicas claiming at the same moment skip each other's rows instead of waiting."""
        return ""

    @abc.abstractmethod
    async def open(self) -> None: ...

    @abc.abstractmethod
    async def close(self) -> None: ...

    @abc.abstractmethod
    async def migrate(self) -> list[str]:
        """Apply the migrations not yet recorded, in name order; return the names applied."""

    @abc.abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[None]:
        """All statements of this task inside commit together, or not at all."""

    @abc.abstractmethod
    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    @abc.abstractmethod
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; return how many rows it changed."""

    @abc.abstractmethod
    async def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    @abc.abstractmethod
    def json_text(self, column: str, key: str) -> str:
        """SQL for the text at ``key`` of the JSON object stored in ``column``."""

    async def serialize(self, key: str) -> None:
        """Inside a transaction: wait until no other transaction (any replica) holds ``key``.

        SQLite needs nothing: its write transactions already run one at a time.
        """
        return None

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one INSERT; return the new row's id."""
        new_id = await self.try_insert(sql, params)
        assert new_id is not None, "INSERT added no row"
        return new_id

    async def try_insert(self, sql: str, params: Sequence[Any] = ()) -> int | None:
        """An INSERT … ON CONFLICT DO NOTHING: the new id, or None if the row existed."""
        async with self.transaction():
            new_id = await self.fetch_value(sql + " RETURNING id", params)
            return None if new_id is None else int(new_id)


async def open_database(location: str | Path) -> Database:
    """A PostgreSQL URL (postgresql://…) or an SQLite file path, opened."""
    db: Database
    if isinstance(location, str) and location.startswith(("postgresql://", "postgres://")):
        from storage.postgres import PostgresDatabase

        db = PostgresDatabase(location)
    else:
        from storage.sqlite import SqliteDatabase

        db = SqliteDatabase(Path(location))
    await db.open()
    return db

