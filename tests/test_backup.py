"""`python bot.py backup`: a consistent SQLite copy while the bot writes, and pg_dump."""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import subprocess
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from storage import open_storage
from storage.backup import BackupError, backup_sqlite, pg_dump_command
from testkit.process import environment, run_bot
from tests.engines import pg_schema, start_postgres_if_down


def run_backup(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_bot("backup", *args, cwd=cwd, env=environment(**env), timeout=120)


def make_database(path: Path) -> None:
    async def create() -> None:
        storage = await open_storage(path)
        await storage.close()

    asyncio.run(create())
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE ticks (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")


def keep_writing(path: Path, stop: threading.Event, written: list[int]) -> None:
    """Another connection writing as fast as it can, like a busy bot."""
    db = sqlite3.connect(path, isolation_level=None, timeout=5)
    db.execute("PRAGMA journal_mode=WAL")
    try:
        while not stop.is_set():
            db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT INTO ticks (payload) VALUES (?)", [("x" * 200,)] * 50)
            db.execute("COMMIT")
            written.append(50)
    finally:
        db.close()


@pytest.mark.process
def test_backup_of_a_live_database_is_consistent(tmp_path: Path) -> None:
    source = tmp_path / "data" / "rapport.db"
    make_database(source)
    stop, written = threading.Event(), list[int]()
    writer = threading.Thread(target=keep_writing, args=(source, stop, written))
    writer.start()
    try:
        while sum(written) < 2000:
            time.sleep(0.01)
        result = run_backup(tmp_path, RAPPORT_DB=str(source))
        copied_while_writing = sum(written)
    finally:
        stop.set()
        writer.join()
    assert result.returncode == 0, result.stderr
    printed = re.fullmatch(r"(\S+) \(([\d,]+) bytes\)\n", result.stdout)
    assert printed, result.stdout
    copy = tmp_path / printed.group(1)
    assert re.fullmatch(r"data/backups/rapport-\d{8}-\d{6}\.db", printed.group(1))
    assert copy.stat().st_size == int(printed.group(2).replace(",", ""))
    assert not list(copy.parent.glob("*.partial"))
    assert copy.stat().st_mode & 0o777 == 0o600  # customers' data: the owner's eyes only
    with sqlite3.connect(copy) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        rows = db.execute("SELECT COUNT(*) FROM ticks").fetchone()[0]
        assert db.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] > 0
    # Whole transactions only: a copy taken mid-write holds a multiple of each batch.
    assert 2000 <= rows <= copied_while_writing and rows % 50 == 0


@pytest.mark.process
def test_backup_to_a_chosen_file_and_refusals(tmp_path: Path) -> None:
    source = tmp_path / "rapport.db"
    make_database(source)
    dest = tmp_path / "copies" / "nightly.db"
    assert backup_sqlite(source, dest) == dest.stat().st_size
    again = run_backup(tmp_path, str(dest), RAPPORT_DB=str(source))
    assert again.returncode == 1
    assert again.stderr == f"rapport: {dest} already exists; choose another destination\n"
    missing = run_backup(tmp_path, RAPPORT_DB=str(tmp_path / "nope.db"))
    assert missing.returncode == 1
    assert missing.stderr.startswith("rapport: no SQLite database at ")
    assert missing.stderr.count("\n") == 1
    with pytest.raises(BackupError, match="no SQLite database"):
        backup_sqlite(tmp_path / "nope.db", tmp_path / "x.db")
    (tmp_path / "a-file").write_text("")
    with pytest.raises(BackupError, match=r"^cannot write .*x\.db: "):
        backup_sqlite(source, tmp_path / "a-file" / "x.db")


def test_backups_are_private_whatever_the_umask(tmp_path: Path) -> None:
    source = tmp_path / "rapport.db"
    make_database(source)
    dest = tmp_path / "nightly" / "copies" / "rapport.db"
    previous = os.umask(0)
    try:
        backup_sqlite(source, dest)
    finally:
        os.umask(previous)
    assert dest.stat().st_mode & 0o777 == 0o600
    assert dest.parent.stat().st_mode & 0o777 == 0o700
    assert dest.parent.parent.stat().st_mode & 0o777 == 0o700


@pytest.mark.process
def test_backup_needs_no_token_and_dest_is_for_backup_only(tmp_path: Path) -> None:
    result = run_bot("shell", "x.db", cwd=tmp_path)
    assert result.returncode == 2 and "DEST is for the backup mode only" in result.stderr


# -- PostgreSQL ----------------------------------------------------------------------------------


def test_pg_dump_command_keeps_the_password_off_the_command_line() -> None:
    url = ("postgresql://rapport:p%40ss@db.bank:5432/rapport?sslmode=require"
           "&search_path=rapport,public&jit=off")
    command = pg_dump_command(url, Path("out.dump"))
    assert command == ["pg_dump", "--format=custom", "--file", "out.dump", "--schema=rapport",
                       "--dbname=postgresql://rapport@db.bank:5432/rapport?sslmode=require"]
    assert not any("p@ss" in part or "p%40ss" in part for part in command)


@pytest.fixture
async def small_schema() -> AsyncIterator[str]:
    with pg_schema("backup") as url:
        schema = url.rsplit("search_path=", 1)[1]
        conn = await asyncpg.connect(url.split("?")[0])
        try:
            await conn.execute(f'CREATE TABLE "{schema}".notes (id int PRIMARY KEY, body text)')
            await conn.execute(f"INSERT INTO \"{schema}\".notes VALUES (1, 'gặp anh Minh')")
        finally:
            await conn.close()
        yield url


@pytest.mark.process
async def test_pg_dump_writes_a_restorable_dump(small_schema: str, tmp_path: Path) -> None:
    # The password is not needed with the test server's trust auth; it must still work.
    url = small_schema.replace("postgres@", "postgres:not-needed@")
    result = await asyncio.to_thread(run_backup, tmp_path, "pg.dump", DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    dump = tmp_path / "pg.dump"
    assert result.stdout == f"pg.dump ({dump.stat().st_size:,} bytes)\n"
    assert dump.read_bytes().startswith(b"PGDMP")
    assert dump.stat().st_mode & 0o777 == 0o600
    listing = subprocess.run(["pg_restore", "--list", str(dump)], capture_output=True,
                             text=True, check=True).stdout
    schema = small_schema.rsplit("search_path=", 1)[1]
    entries = [line for line in listing.splitlines() if line and not line.startswith(";")]
    assert any(f"TABLE DATA {schema} notes" in line for line in entries), listing
    # Only Rapport's schema, not the rest of the database the other tests share.
    assert all(f" {schema} " in line for line in entries if " TABLE " in line), listing


@pytest.mark.process
async def test_pg_dump_failure_is_one_line(tmp_path: Path) -> None:
    await asyncio.to_thread(start_postgres_if_down)
    url = "postgresql://postgres@127.0.0.1:5432/no_such_database_here"
    result = await asyncio.to_thread(run_backup, tmp_path, "x.dump", DATABASE_URL=url)
    assert result.returncode == 1
    assert result.stderr.startswith("rapport: pg_dump failed: ")
    assert "no_such_database_here" in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / "x.dump").exists()


@pytest.mark.process
def test_without_pg_dump_the_command_is_printed(tmp_path: Path) -> None:
    url = "postgresql://rapport:secret@db.bank:5432/rapport"
    result = run_backup(tmp_path, "x.dump", DATABASE_URL=url, PATH=str(tmp_path))
    assert result.returncode == 1
    assert result.stderr == (
        "rapport: pg_dump is not installed here (apt-get install postgresql-client); run: "
        "PGPASSWORD='<the password in DATABASE_URL>' pg_dump --format=custom --file x.dump "
        "--dbname=postgresql://rapport@db.bank:5432/rapport\n"
    )
