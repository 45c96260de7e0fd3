"""PostgreSQL schemas of their own for one test or benchmark run, on a server that may be
shared with others (each run selects its schema with ``search_path`` in the URL)."""

from __future__ import annotations

import asyncio
import os
import urllib.parse
import uuid
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import asyncpg

T = TypeVar("T")

SERVER = os.environ.get("RAPPORT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
"""The local server the tests and benchmarks use (trust auth, database ``test``)."""


def run_sync(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to the end from sync code, even when called under a running loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def schema_url(server: str, schema: str) -> str:
    """The URL that selects ``schema`` (asyncpg passes ``search_path`` to the server)."""
    parts = urllib.parse.urlsplit(server)
    query = [(key, value) for key, value in urllib.parse.parse_qsl(parts.query)
             if key != "search_path"] + [("search_path", schema)]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


async def on_server(server: str, sql: str) -> None:
    """Run one statement on the server's database (outside any run's schema)."""
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def create_schema(server: str, schema: str) -> str:
    """A new, empty ``schema`` (an old one of that name is dropped first); its URL."""
    await on_server(server, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE; CREATE SCHEMA "{schema}"')
    return schema_url(server, schema)


async def drop_schema(server: str, schema: str) -> None:
    await on_server(server, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@contextmanager
def fresh_schema(prefix: str, server: str = SERVER) -> Iterator[str]:
    """A new, empty schema named ``<prefix>_<random>``; its URL; dropped afterwards.
    Usable from sync and async code alike (the statements run on a thread of their own)."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    url = run_sync(lambda: create_schema(server, schema))
    try:
        yield url
    finally:
        run_sync(lambda: drop_schema(server, schema))
