"""The two storage engines the suites run on: SQLite files and PostgreSQL schemas.

Every test that asks for the ``database`` fixture runs once per engine. PostgreSQL is the
local server (127.0.0.1:5432, trust auth, database ``test``); each test gets a schema of its
own, selected by ``search_path`` in the URL, and dropped afterwards. ``RAPPORT_TEST_ENGINES``
(``sqlite``, ``postgresql`` or both, comma-separated) narrows the run while developing; CI
runs both, and a PostgreSQL that is down is started first (and fails the run if it cannot).
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg

from testkit.postgres import SERVER as PG_SERVER
from testkit.postgres import fresh_schema, on_server, run_sync, schema_url

ENGINES = tuple(
    name.strip()
    for name in os.environ.get("RAPPORT_TEST_ENGINES", "sqlite,postgresql").split(",")
    if name.strip()
)


def start_postgres_if_down() -> None:
    """CI's machine runs PostgreSQL; if it was stopped, start it the way the machine does."""
    if _answers():
        return
    versions = sorted(Path("/etc/postgresql").glob("*")) if Path("/etc/postgresql").is_dir() else []
    if not versions:
        raise RuntimeError(f"PostgreSQL does not answer at {PG_SERVER} and is not installed here")
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1].name, "main",
                    "start"], check=False, capture_output=True, timeout=120)
    for _ in range(60):
        if _answers():
            return
        subprocess.run(["sleep", "0.5"], check=False)
    raise RuntimeError(f"PostgreSQL does not answer at {PG_SERVER}, even after starting it")


def _answers() -> bool:
    async def ping() -> bool:
        try:
            conn = await asyncpg.connect(PG_SERVER, timeout=3)
        except (TimeoutError, OSError, asyncpg.PostgresError):
            return False
        await conn.close()
        return True

    return run_sync(ping)


@contextmanager
def pg_schema(prefix: str = "t") -> Iterator[str]:
    """A fresh, empty schema for one test (or one process run); its URL; dropped after.
    Usable from sync and async tests alike (the statements run on a thread of their own)."""
    start_postgres_if_down()
    with fresh_schema(prefix, PG_SERVER) as url:
        yield url


class SharedSchema:
    """One migrated schema per test run, emptied before each test.

    Migrating a schema for every test costs about 0.25 s; emptying one costs a few
    milliseconds. Foreign keys are not checked while emptying (replica role), and the
    identity sequences restart, so a test sees exactly what a new database would hold.
    """

    def __init__(self) -> None:
        self.schema = f"s_{uuid.uuid4().hex[:12]}"
        self.url = schema_url(PG_SERVER, self.schema)
        self._reset_script = ""

    def create(self) -> None:
        run_sync(self._create)

    async def _create(self) -> None:
        from storage import open_storage

        await on_server(PG_SERVER, f'CREATE SCHEMA "{self.schema}"')
        opened = await open_storage(self.url)
        try:
            tables = [row[0] for row in await opened.db.fetch_all(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                " AND tablename <> 'schema_migrations' ORDER BY tablename")]
        finally:
            await opened.close()
        deletes = "".join(f'DELETE FROM "{table}";' for table in tables)
        self._reset_script = (
            "SET session_replication_role = replica;" + deletes +
            "SELECT setval(c.oid, 1, false) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind = 'S' AND n.nspname = current_schema();"
            "SET session_replication_role = DEFAULT;")

    async def reset(self) -> str:
        conn = await asyncpg.connect(self.url)
        try:
            await conn.execute(self._reset_script)
        finally:
            await conn.close()
        return self.url

    def drop(self) -> None:
        run_sync(lambda: on_server(PG_SERVER, f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
