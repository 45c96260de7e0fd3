"""Shared fixtures: settings on a temporary database, a frozen clock, the bot on a fake API."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from core.clock import FrozenClock
from core.config import Settings
from playground.fake_updates import Person
from storage import open_storage
from testkit.postgres import run_sync
from tests.engines import ENGINES, SharedSchema, start_postgres_if_down
from tests.harness import Harness, close_harness, open_harness

ADMIN_ID = 1000
# Monday 2026-11-23 10:00 in Ho Chi Minh City.
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def make_settings(db_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "token": "123:TEST",
        "api_url": "https://api.telegram.org",
        "db_path": db_path,
        "admin_ids": frozenset({ADMIN_ID}),
        "default_language": "vi",
        "default_timezone": "Asia/Ho_Chi_Minh",
        "default_region": "VN",
        "invite_ttl_hours": 72,
        "log_level": "INFO",
        "churn_drop_percent": 30,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _bot_processes_are_marked(request: pytest.FixtureRequest,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A test that starts a Python process (``python bot.py``, the OCR worker…) must carry
    the ``process`` marker, so that the inner loop's ``-m "not process"`` really leaves every
    slow process test out."""
    if request.node.get_closest_marker("process") is not None:
        return
    node = request.node.nodeid

    class Unmarked(subprocess.Popen[Any]):
        def __init__(self, args: Any, *more: Any, **options: Any) -> None:
            words = [str(word) for word in ([args] if isinstance(args, str | bytes)
                                            else list(args))]
            if words and (words[0] == sys.executable or words[0].endswith("bot.py")):
                raise AssertionError(f"{node} starts {' '.join(words)[:80]}: mark it "
                                     "@pytest.mark.process")
            super().__init__(args, *more, **options)

    monkeypatch.setattr(subprocess, "Popen", Unmarked)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """No test collected is a failure, never pytest's exit status 5 (a mistyped path,
    marker or engine selection would otherwise look like a different kind of result)."""
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        sys.stderr.write("rapport: no test was collected (check the paths, -m and -k, and "
                         "RAPPORT_TEST_ENGINES)\n")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def shared_schema() -> Iterator[SharedSchema]:
    start_postgres_if_down()
    schema = SharedSchema()
    schema.create()
    yield schema
    schema.drop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per run, copied for each test: what a new database holds,
    without running every migration again for each test (the schema's own tests do)."""
    path = tmp_path_factory.mktemp("template") / "rapport.db"

    async def migrate() -> None:
        opened = await open_storage(path)
        await opened.close()

    run_sync(migrate)
    return path


@pytest.fixture(params=ENGINES)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """Where a test's data lives: a new SQLite file, or the run's PostgreSQL schema emptied;
    either already migrated."""
    if request.param == "sqlite":
        path = tmp_path / "rapport.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return path
    schema: SharedSchema = request.getfixturevalue("shared_schema")
    return await schema.reset()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def settings(tmp_path: Path, database: str | Path) -> Settings:
    url = database if isinstance(database, str) else ""
    return make_settings(tmp_path / "rapport.db", database_url=url)


@pytest.fixture
async def bot(settings: Settings, clock: FrozenClock) -> AsyncIterator[Harness]:
    harness = await open_harness(settings, clock)
    yield harness
    await close_harness(harness)


@pytest.fixture
def admin() -> Person:
    return Person(ADMIN_ID, "Hùng", "Trần", username="hung_admin", language_code="vi")


@pytest.fixture
def rm() -> Person:
    return Person(2001, "Lan", "Nguyễn", username="lan_rm", language_code="vi")


@pytest.fixture
def stranger() -> Person:
    return Person(6666, "Mallory", language_code="en")
