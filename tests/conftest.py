"""Shared fixtures: settings on a temporary database, a frozen clock, the bot on a fake API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.clock import FrozenClock
from core.config import Settings
from core.fake_updates import Person
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


@pytest.fixture(scope="session")
def shared_schema() -> Iterator[SharedSchema]:
    start_postgres_if_down()
    schema = SharedSchema()
    schema.create()
    yield schema
    schema.drop()


@pytest.fixture(params=ENGINES)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """Where a test's data lives: a new SQLite file, or the run's PostgreSQL schema emptied."""
    if request.param == "sqlite":
        return tmp_path / "rapport.db"
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
