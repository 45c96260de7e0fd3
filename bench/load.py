"""Bulk-load the data set: SQLite with ``executemany`` in big transactions, PostgreSQL with
``COPY`` (asyncpg's ``copy_records_to_table``) into a schema of its own.

Both start from the bot's own migrations (``open_storage``), so the schema is the real one.
A generated SQLite file is cached under ``data/bench/`` and copied for each run (a run adds
notes and searches to it); PostgreSQL is loaded afresh each time into ``bench_*`` schemas
that are dropped afterwards.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.dataset import VERSION, Batch, Size, generate
from bench.harness import ROOT
from storage import open_storage
from testkit.postgres import create_schema

CACHE = ROOT / "data" / "bench"


@dataclass(frozen=True)
class Loaded:
    rows: Counter[str]
    seconds: float
    cached: bool = False


def _insert(batch: Batch) -> str:
    marks = ", ".join("?" for _ in batch.columns)
    return f"INSERT INTO {batch.table} ({', '.join(batch.columns)}) VALUES ({marks})"


async def _migrate(target: str | Path) -> None:
    storage = await open_storage(target)
    await storage.close()


async def build_sqlite(path: Path, size: Size) -> Loaded:
    """A new SQLite file with the bot's schema and the whole data set."""
    started = time.perf_counter()
    path.unlink(missing_ok=True)
    await _migrate(path)
    rows: Counter[str] = Counter()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        # A file built from scratch needs no journal; the bot puts WAL back when it opens it.
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-262144")
        conn.execute("BEGIN")
        for batch in generate(size):
            conn.executemany(_insert(batch), batch.rows)
            rows[batch.table] += len(batch.rows)
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()
    return Loaded(rows, time.perf_counter() - started)


async def sqlite_copy(work: Path, size: Size) -> tuple[Path, Loaded]:
    """A fresh copy of the cached database for this size, building the cache if needed."""
    cached = CACHE / f"latency-v{VERSION}-{size.label}.db"
    loaded: Loaded
    if cached.is_file():
        loaded = Loaded(_count_sqlite(cached), 0.0, cached=True)
    else:
        CACHE.mkdir(parents=True, exist_ok=True)
        building = cached.with_suffix(".building")
        loaded = await build_sqlite(building, size)
        building.rename(cached)
    work.mkdir(parents=True, exist_ok=True)
    target = work / "rapport.db"
    shutil.copyfile(cached, target)
    return target, loaded


def _count_sqlite(path: Path) -> Counter[str]:
    conn = sqlite3.connect(path)
    try:
        return Counter({table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                        for table in ("staff", "customers", "interactions", "reminders",
                                      "deals", "holdings")})
    finally:
        conn.close()


def _coercer(data_type: str) -> Any:
    """Turn a generated value (ints and ISO text, as SQLite takes them) into the column's type."""
    if data_type in ("integer", "bigint", "smallint"):
        return int
    if data_type == "boolean":
        return bool
    if data_type.startswith("timestamp"):
        return datetime.fromisoformat
    if data_type in ("double precision", "real", "numeric"):
        return float
    return str


async def migrated_schema(base: str, schema: str) -> str:
    """A new, empty ``schema`` with the bot's migrations applied; its URL."""
    url = await create_schema(base, schema)
    await _migrate(url)
    return url


async def build_postgres(base: str, schema: str, size: Size) -> tuple[str, Loaded]:
    """A new schema with the bot's migrations and the whole data set, loaded with COPY."""
    import asyncpg

    started = time.perf_counter()
    url = await migrated_schema(base, schema)
    rows: Counter[str] = Counter()
    conn = await asyncpg.connect(url)
    try:
        types = {(r["table_name"], r["column_name"]): _coercer(r["data_type"])
                 for r in await conn.fetch(
                     "SELECT table_name, column_name, data_type FROM information_schema.columns"
                     " WHERE table_schema = $1", schema)}
        for batch in generate(size):
            convert = [types[(batch.table, column)] for column in batch.columns]
            records = [tuple(None if value is None else fn(value)
                             for fn, value in zip(convert, row, strict=True))
                       for row in batch.rows]
            await conn.copy_records_to_table(batch.table, records=records,
                                             columns=list(batch.columns), schema_name=schema)
            rows[batch.table] += len(batch.rows)
        for table in rows:
            # Explicit ids were copied: move the id sequences past them.
            sequence = await conn.fetchval("SELECT pg_get_serial_sequence($1, 'id')",
                                           f'"{schema}"."{table}"')
            if sequence:
                await conn.execute(
                    f"SELECT setval($1, (SELECT COALESCE(MAX(id), 0) + 1 FROM \"{table}\"),"
                    " false)", sequence)
        # What autovacuum would have done in production long before anyone measures: table
        # statistics, hint bits and the visibility map (else it runs during the benchmark).
        for table in rows:
            await conn.execute(f'VACUUM (ANALYZE) "{table}"')
    finally:
        await conn.close()
    return url, Loaded(rows, time.perf_counter() - started)
