"""Backups while the bot runs: SQLite's online backup API, or pg_dump for PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import sqlite3
import subprocess
import urllib.parse
from datetime import datetime
from pathlib import Path

from storage.files import private_file

BACKUP_DIR = Path("data/backups")
PG_DUMP_TIMEOUT = 6 * 3600


class BackupError(Exception):
    """The backup was not made; the message is one line for the operator."""


def default_destination(now: datetime, *, postgres: bool) -> Path:
    suffix = "dump" if postgres else "db"
    return BACKUP_DIR / f"rapport-{now:%Y%m%d-%H%M%S}.{suffix}"


def backup_sqlite(source: Path, dest: Path) -> int:
    """Copy a live database consistently to ``dest``, check the copy; return its size.

    The copy is taken in one step inside one read transaction: in WAL mode that sees a single
    moment of the database and never blocks the bot's writes. It is written next to ``dest``
    and renamed only once it passed the integrity check, so ``dest`` is never half a copy.
    """
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source} (RAPPORT_DB)")
    if dest.exists():
        raise BackupError(f"{dest} already exists; choose another destination")
    partial = dest.with_name(dest.name + ".partial")
    try:
        partial.unlink(missing_ok=True)  # left behind by a backup that was killed
        private_file(partial, exclusive=True)
        _copy(source, partial)
        _verify(partial)
        partial.replace(dest)
    except sqlite3.Error as error:
        raise BackupError(f"backup of {source} failed: {error}") from None
    except OSError as error:
        raise BackupError(f"cannot write {dest}: {error.strerror or error}") from None
    finally:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
    return dest.stat().st_size


def _copy(source: Path, partial: Path) -> None:
    with contextlib.closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro",
                                            uri=True)) as src:
        src.execute("PRAGMA busy_timeout=5000")
        with contextlib.closing(sqlite3.connect(partial)) as copy:
            src.backup(copy)
            # One self-contained file: a copy in rollback-journal mode has no -wal beside it.
            copy.execute("PRAGMA journal_mode=DELETE")


def _verify(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as copy:
        problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
    if problems != ["ok"]:
        raise BackupError(f"the copy failed its integrity check: {'; '.join(problems[:3])}")


# Query parameters libpq understands; asyncpg takes any other one as a server setting.
_LIBPQ_PARAMETERS = frozenset({
    "host", "hostaddr", "port", "dbname", "user", "passfile", "channel_binding",
    "connect_timeout", "client_encoding", "options", "application_name",
    "fallback_application_name", "keepalives", "keepalives_idle", "keepalives_interval",
    "keepalives_count", "tcp_user_timeout", "gssencmode", "sslmode", "sslcert", "sslkey",
    "sslpassword", "sslrootcert", "sslcrl", "sslcrldir", "sslsni", "requirepeer",
    "ssl_min_protocol_version", "ssl_max_protocol_version", "krbsrvname", "gsslib", "service",
    "target_session_attrs",
})


def _for_pg_dump(url: str) -> tuple[str, list[str], str | None]:
    """The URL for libpq, the schema to dump (none: the whole database), and the password.

    The password leaves the URL and goes to pg_dump by environment, where other users' ``ps``
    cannot see it. A ``search_path`` (a server setting to asyncpg, unknown to libpq) names
    where Rapport's tables are (new tables go to its first schema): only that one is dumped.
    """
    parts = urllib.parse.urlsplit(url)
    netloc, password = parts.netloc, None
    if parts.password is not None:
        password = urllib.parse.unquote(parts.password)
        user = urllib.parse.quote(urllib.parse.unquote(parts.username or ""), safe="")
        netloc = f"{user}@{netloc.rsplit('@', 1)[1]}"
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    schemas = [value.split(",")[0].strip() for key, value in query
               if key == "search_path" and value.split(",")[0].strip()]
    kept = urllib.parse.urlencode([(k, v) for k, v in query if k in _LIBPQ_PARAMETERS])
    return parts._replace(netloc=netloc, query=kept).geturl(), schemas, password


def pg_dump_command(url: str, dest: Path) -> list[str]:
    """The pg_dump call for ``DATABASE_URL``, without its password (see ``_for_pg_dump``)."""
    libpq_url, schemas, _ = _for_pg_dump(url)
    return ["pg_dump", "--format=custom", "--file", str(dest),
            *(f"--schema={schema}" for schema in schemas), f"--dbname={libpq_url}"]


def dump_postgres(url: str, dest: Path) -> int:
    """Run pg_dump into ``dest``; return the dump's size."""
    command = pg_dump_command(url, dest)
    password = _for_pg_dump(url)[2]
    if shutil.which("pg_dump") is None:
        shown = shlex.join(command)
        if password is not None:
            shown = "PGPASSWORD='<the password in DATABASE_URL>' " + shown
        raise BackupError(f"pg_dump is not installed here (apt-get install postgresql-client); "
                          f"run: {shown}")
    if dest.exists():
        raise BackupError(f"{dest} already exists; choose another destination")
    try:
        private_file(dest, exclusive=True)
    except OSError as error:
        raise BackupError(f"cannot write {dest}: {error.strerror or error}") from None
    environment = dict(os.environ)
    if password is not None:
        environment["PGPASSWORD"] = password
    try:
        subprocess.run(command, env=environment, capture_output=True, text=True, check=True,
                       timeout=PG_DUMP_TIMEOUT)
    except subprocess.CalledProcessError as error:
        dest.unlink(missing_ok=True)
        lines = [line for line in error.stderr.splitlines() if line.strip()]
        reason = lines[-1] if lines else f"exit status {error.returncode}"
        raise BackupError(f"pg_dump failed: {reason}") from None
    except subprocess.TimeoutExpired:
        dest.unlink(missing_ok=True)
        hours = PG_DUMP_TIMEOUT // 3600
        raise BackupError(f"pg_dump did not finish within {hours} hours") from None
    return dest.stat().st_size
