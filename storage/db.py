"""The database seen by the repositories: one interface, an SQLite and a PostgreSQL engine.

Repositories write portable SQL with ``?`` placeholders; the few constructs the two engines
spell differently come from the engine (``json_text``, ``skip_locked``). Times are stored as
ISO-8601 UTC text on both engines, so they compare and sort the same way.
"""

from __future__ import annotations

import abc
import json
import logging
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
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


def clean_text(text: str) -> str:
    """Text as both engines can store it: without NUL characters, which PostgreSQL refuses
    in text and in JSON (SQLite kept them, so the same note failed on one engine only).
    Telegram clients cannot type one; an imported file or an API client can."""
    return text.replace("\x00", "") if "\x00" in text else text


def clean_params(params: Sequence[Any]) -> list[Any]:
    return [clean_text(value) if isinstance(value, str) else value for value in params]


def _clean_json(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {_clean_json(key): _clean_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_json(item) for item in value]
    return value


def to_json(value: Any, **options: Any) -> str:
    """JSON for a text column; its strings cleaned like every other parameter (a NUL would
    be written as ``\\u0000``, which PostgreSQL's jsonb refuses when the column is read)."""
    return json.dumps(_clean_json(value), ensure_ascii=False, **options)


def marks(values: Sequence[object]) -> str:
    """``?, ?, ?`` for an IN list of these values."""
    return ", ".join("?" for _ in values)


@dataclass(frozen=True)
class Migration:
    """One step as an engine runs it: its name and its statements, in order."""

    name: str
    statements: tuple[str, ...]


_REPLACES = re.compile(r"^--\s*replaces:[ \t]*(.*?)\s*$", re.MULTILINE)


def migrations(dialect: str, translate: Callable[[str], str] = str) -> list[Migration]:
    """Every step in name order, for ``dialect``: the shared (SQLite) script's statements,
    each passed through ``translate``, but for those its own file replaces.

    ``migrations/<dialect>/NNNN_name.sql`` holds only what differs, one block per statement
    of the shared script it stands for, named by how that statement begins (up to the name
    of what it creates or changes); the block's statements run as written, and an empty
    block drops the statement::

        -- replaces: CREATE TRIGGER customers_client_ref_unique_insert
        CREATE UNIQUE INDEX customers_client_ref_live ON customers (LOWER(client_ref))
            WHERE client_ref IS NOT NULL AND erased_at IS NULL;
    """
    steps = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        shared = split_statements(path.read_text(encoding="utf-8"))
        statements = [translate(statement) for statement in shared]
        own = MIGRATIONS_DIR / dialect / path.name
        if own.is_file():
            replaced: dict[int, list[str]] = {}
            for key, replacement in _replacements(own):
                index = _statement_named(key, shared, own)
                if index in replaced:
                    raise ValueError(f"{own}: '{key}' is replaced twice")
                replaced[index] = replacement
            statements = [
                part for index, statement in enumerate(statements)
                for part in replaced.get(index, [statement])]
        steps.append(Migration(path.stem, tuple(statements)))
    return steps


def split_statements(script: str) -> list[str]:
    """A script's statements, one by one, each with the comments above it; comments after
    the last statement are left out. (SQLite's ``executescript`` would commit the open
    transaction, so the engines run a script statement by statement.)"""
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        # complete_statement knows that a trigger's body ends at END;, not at its first ';'.
        if sqlite3.complete_statement(pending):
            if _code(pending).strip(" \n;"):
                statements.append(pending)
            pending = ""
    if _code(pending).strip():
        statements.append(pending)
    return statements


def _code(statement: str) -> str:
    """The statement without its whole-line comments."""
    return "\n".join(line for line in statement.splitlines()
                     if not line.lstrip().startswith("--"))


def _replacements(path: Path) -> Iterator[tuple[str, list[str]]]:
    """(the beginning of a shared statement, the statements that stand for it) per block."""
    text = path.read_text(encoding="utf-8")
    markers = list(_REPLACES.finditer(text))
    if not markers or split_statements(text[:markers[0].start()]):
        raise ValueError(f"{path}: every statement belongs to a '-- replaces: …' block")
    for marker, following in zip(markers, [*markers[1:], None], strict=True):
        body = text[marker.end():following.start() if following else len(text)]
        yield marker.group(1), split_statements(body)


def _statement_named(key: str, statements: list[str], path: Path) -> int:
    """The one shared statement that begins with ``key`` (words compared, any spacing)."""
    words = " ".join(key.split()).upper()
    found = [index for index, statement in enumerate(statements)
             if re.match(re.escape(words) + r"(?![\w])",
                         " ".join(_code(statement).split()).upper())]
    if len(found) != 1:
        raise ValueError(f"{path}: '{key}' names {len(found)} statements of the shared "
                         "script, not one")
    return found[0]


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

    async def forget_erased(self) -> None:
        """After an erasure committed: leave no readable copy of the old rows in the
        database's own files where the engine allows it (see docs/operations.md)."""
        return None

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

