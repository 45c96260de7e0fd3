"""The storage foundation on both engines: migrations, transactions, bookkeeping repositories;
and what is SQLite's own (pragmas, files, upgrading an old database)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sqlite3
import stat
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import storage.db
from storage import Storage, open_storage
from storage.db import Database, IntegrityError, from_db_time, to_db_time
from storage.sqlite import BUSY_TIMEOUT_MS, SqliteDatabase

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
REAL_MIGRATIONS = storage.db.MIGRATIONS_DIR
FIRST_MIGRATION = REAL_MIGRATIONS / "0001_foundation.sql"


def real_migration_names() -> list[str]:
    return sorted(path.stem for path in REAL_MIGRATIONS.glob("*.sql"))


@pytest.fixture
async def store(database: str | Path) -> AsyncIterator[Storage]:
    opened = await open_storage(database)
    yield opened
    await opened.close()


async def table_exists(db: Database, name: str) -> bool:
    if db.dialect == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?"
    else:
        sql = ("SELECT table_name FROM information_schema.tables"
               " WHERE table_schema = current_schema() AND table_name = ?")
    return await db.fetch_value(sql, (name,)) is not None


def not_in_transaction(db: Database) -> bool:
    """SQLite's one connection is back in autocommit (PostgreSQL's go back to the pool)."""
    return not isinstance(db, SqliteDatabase) or not db.conn.in_transaction


async def count(db: Database, table: str) -> int:
    return int(await db.fetch_value(f"SELECT COUNT(*) FROM {table}"))


async def add_staff(store: Storage, staff_id: int, name: str = "Lan", **kwargs: object) -> None:
    values: dict[str, object] = {
        "staff_id": staff_id, "name": name, "username": None, "role": "rm", "team_id": None,
        "timezone": "Asia/Ho_Chi_Minh", "region": "VN", "invited_by": None, "now": NOW,
    }
    values.update(kwargs)
    await store.staff.register(**values)  # type: ignore[arg-type]


# -- connection ------------------------------------------------------------------------------


async def test_pragmas(tmp_path: Path) -> None:
    store = await open_storage(tmp_path / "rapport.db")
    db = store.db
    assert str(await db.fetch_value("PRAGMA journal_mode")).lower() == "wal"
    assert await db.fetch_value("PRAGMA foreign_keys") == 1
    assert await db.fetch_value("PRAGMA busy_timeout") == BUSY_TIMEOUT_MS
    assert BUSY_TIMEOUT_MS >= 1000
    await store.close()


async def test_database_folder_is_created(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "rapport.db"
    opened = await open_storage(path)
    try:
        assert path.is_file()
    finally:
        await opened.close()


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The most permissive umask: whatever is private must be made so explicitly."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_database_files_are_private_whatever_the_umask(
        tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "data" / "branch" / "rapport.db"
    opened = await open_storage(path)
    try:
        await opened.db.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
        assert mode(path.parent) == mode(path.parent.parent) == 0o700
        for name in ("rapport.db", "rapport.db-wal", "rapport.db-shm"):
            assert mode(path.parent / name) == 0o600, name
    finally:
        await opened.close()


async def test_an_older_database_readable_by_others_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "rapport.db"
    opened = await open_storage(path)
    await opened.close()
    os.chmod(path, 0o644)
    opened = await open_storage(path)
    try:
        await opened.db.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
        assert mode(path) == mode(tmp_path / "rapport.db-wal") == 0o600
    finally:
        await opened.close()


async def test_closed_database_says_so(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "x.db")
    with pytest.raises(RuntimeError, match="not open"):
        await db.fetch_value("SELECT 1")


async def test_foreign_keys_are_enforced(store: Storage) -> None:
    with pytest.raises(IntegrityError):
        await add_staff(store, 1, team_id=999)
    team = await store.teams.create("Bến Thành", NOW)
    assert team is not None
    await add_staff(store, 1, team_id=team.id)
    await store.db.execute("DELETE FROM teams WHERE id = ?", (team.id,))
    member = await store.staff.get(1)
    assert member is not None and member.team_id is None  # ON DELETE SET NULL


def test_times_are_stored_as_utc_text() -> None:
    saigon = datetime(2026, 11, 23, 10, 0, tzinfo=UTC) + timedelta(0)
    assert to_db_time(saigon) == "2026-11-23T10:00:00+00:00"
    assert from_db_time(to_db_time(saigon)) == saigon
    assert from_db_time(None) is None
    with pytest.raises(ValueError, match="naive"):
        to_db_time(datetime(2026, 1, 1))


# -- migrations ------------------------------------------------------------------------------


async def test_migrations_are_recorded_in_order(store: Storage) -> None:
    rows = await store.db.fetch_all("SELECT name, applied_at FROM schema_migrations ORDER BY name")
    assert [row["name"] for row in rows] == real_migration_names()
    assert rows[0]["name"] == "0001_foundation"
    assert all(row["applied_at"] for row in rows)
    for table in ("meta", "teams", "staff", "invites", "processed_updates", "chat_states",
                  "audit_log"):
        assert await table_exists(store.db, table), table


async def test_migrating_twice_applies_nothing(store: Storage) -> None:
    before = await count(store.db, "schema_migrations")
    assert await store.db.migrate() == []
    assert await count(store.db, "schema_migrations") == before


async def test_reopening_applies_nothing(tmp_path: Path) -> None:
    path = tmp_path / "rapport.db"
    first = await open_storage(path)
    await first.close()
    db = SqliteDatabase(path)
    await db.open()
    try:
        assert await db.migrate() == []
    finally:
        await db.close()


async def test_existing_database_is_migrated_forward_without_losing_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_dir = tmp_path / "migrations_v1"
    old_dir.mkdir()
    shutil.copy(FIRST_MIGRATION, old_dir / FIRST_MIGRATION.name)
    path = tmp_path / "rapport.db"

    monkeypatch.setattr(storage.db, "MIGRATIONS_DIR", old_dir)
    old = await open_storage(path)
    assert [row[0] for row in await old.db.fetch_all("SELECT name FROM schema_migrations")] == [
        "0001_foundation"
    ]
    # Rows as the first release wrote them. Today's repositories read and write columns that
    # later migrations add, so the old rows are written in 0001's own terms.
    created = to_db_time(NOW)
    expires = to_db_time(NOW + timedelta(hours=72))
    team_id = await old.db.insert(
        "INSERT INTO teams (name, created_at) VALUES (?, ?)", ("Nhóm Bến Thành", created))
    await old.db.execute(
        "INSERT INTO staff (id, name, username, role, team_id, language, timezone, region,"
        " active, reachable, invited_by, created_at)"
        " VALUES (501, 'Nguyễn Thị Lan', 'lan', 'lead', ?, 'zh_Hant', 'Asia/Taipei', 'TW',"
        " 1, 1, NULL, ?)",
        (team_id, created),
    )
    await old.db.execute(
        "INSERT INTO invites (code, role, team_id, created_by, created_at, expires_at)"
        " VALUES ('old-invite-code', 'rm', ?, 501, ?, ?)",
        (team_id, created, expires),
    )
    await old.db.execute(
        "INSERT INTO audit_log (at, actor_id, action, entity, entity_id, detail)"
        " VALUES (?, 501, 'team.created', 'team', ?, '{}')",
        (created, str(team_id)),
    )
    await old.db.execute("INSERT INTO chat_states (user_id, chat_id, flow, data, updated_at)"
                         " VALUES (501, 501, 'onboarding', '{\"bước\": 1}', ?)", (created,))
    await old.db.execute("INSERT INTO processed_updates (update_id, received_at) VALUES (9, ?)",
                         (created,))
    secret = await old.secrets.get_or_create("button_secret")
    await old.close()

    monkeypatch.setattr(storage.db, "MIGRATIONS_DIR", REAL_MIGRATIONS)
    new = await open_storage(path)
    try:
        names = [row[0] for row in await new.db.fetch_all(
            "SELECT name FROM schema_migrations ORDER BY name")]
        assert names == real_migration_names()
        member = await new.staff.get(501)
        assert member is not None
        assert (member.name, member.username, member.role, member.team_id) == (
            "Nguyễn Thị Lan", "lan", "lead", team_id)
        # Traditional Chinese chosen before Taiwan and Hong Kong had their own: Taiwan's.
        assert (member.language, member.timezone, member.region) == (
            "zh_Hant_TW", "Asia/Taipei", "TW")
        assert member.active and member.reachable
        teams = await new.teams.list_all()
        assert [(t.id, t.name, t.members) for t in teams] == [(team_id, "Nhóm Bến Thành", 1)]
        assert [i.code for i in await new.invites.list_open(NOW)] == ["old-invite-code"]
        assert await new.audit.actions_for("team", team_id) == ["team.created"]
        state = await new.states.get(501, 501)
        assert state is not None and (state.flow, state.data) == ("onboarding", {"bước": 1})
        assert await new.updates.first_time(9, NOW) is False
        assert await new.secrets.get_or_create("button_secret") == secret
        # The old rows work with today's code: the invite is claimed, a member registered.
        claimed = await new.invites.claim("old-invite-code", 777, NOW)
        assert claimed is not None and claimed.team_id == team_id
        await add_staff(new, 777, "Minh", team_id=team_id)
        assert [t.members for t in await new.teams.list_all()] == [2]
    finally:
        await new.close()


async def test_failing_migration_leaves_no_trace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    shutil.copy(FIRST_MIGRATION, migrations / FIRST_MIGRATION.name)
    broken = migrations / "0002_broken.sql"
    broken.write_text(
        "CREATE TABLE half_done (id INTEGER PRIMARY KEY);\n"
        "INSERT INTO half_done (id) VALUES (1);\n"
        "INSERT INTO no_such_table (id) VALUES (1);\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(storage.db, "MIGRATIONS_DIR", migrations)
    db = SqliteDatabase(tmp_path / "rapport.db")
    await db.open()
    try:
        with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
            await db.migrate()
        assert not await table_exists(db, "half_done")
        assert [row[0] for row in await db.fetch_all("SELECT name FROM schema_migrations")] == [
            "0001_foundation"
        ]
        assert not db.conn.in_transaction
        # The database is still usable, and the fixed migration applies on the next start.
        await db.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
        broken.write_text("CREATE TABLE half_done (id INTEGER PRIMARY KEY);\n", encoding="utf-8")
        assert await db.migrate() == ["0002_broken"]
        assert await table_exists(db, "half_done")
    finally:
        await db.close()


async def test_failing_first_migration_records_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_bad.sql").write_text(
        "CREATE TABLE a (id INTEGER);\nTHIS IS NOT SQL;\n", encoding="utf-8")
    monkeypatch.setattr(storage.db, "MIGRATIONS_DIR", migrations)
    with pytest.raises(sqlite3.OperationalError):
        await open_storage(tmp_path / "rapport.db")
    db = SqliteDatabase(tmp_path / "rapport.db")
    await db.open()
    try:
        assert await count(db, "schema_migrations") == 0
        assert not await table_exists(db, "a")
    finally:
        await db.close()


# -- transactions ----------------------------------------------------------------------------


async def test_transaction_commits(store: Storage) -> None:
    async with store.db.transaction():
        await store.db.execute("INSERT INTO meta (key, value) VALUES ('a', '1')")
        await store.db.execute("INSERT INTO meta (key, value) VALUES ('b', '2')")
    assert await count(store.db, "meta") >= 2
    assert not_in_transaction(store.db)


async def test_transaction_rolls_back_on_exception(store: Storage) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with store.db.transaction():
            await store.db.execute("INSERT INTO meta (key, value) VALUES ('a', '1')")
            await store.teams.create("Joined", NOW)  # a nested write joins this transaction
            raise RuntimeError("boom")
    assert await store.db.fetch_value("SELECT value FROM meta WHERE key = 'a'") is None
    assert await store.teams.list_all() == []
    assert not_in_transaction(store.db)
    # The lock was released: the next write goes through.
    await asyncio.wait_for(store.db.execute("INSERT INTO meta (key, value) VALUES ('c', '3')"), 5)
    assert await store.db.fetch_value("SELECT value FROM meta WHERE key = 'c'") == "3"


async def test_transaction_rolls_back_on_sql_error(store: Storage) -> None:
    with pytest.raises(IntegrityError):
        async with store.db.transaction():
            await store.db.execute("INSERT INTO meta (key, value) VALUES ('a', '1')")
            await store.db.execute("INSERT INTO meta (key, value) VALUES ('a', '2')")
    assert await store.db.fetch_value("SELECT COUNT(*) FROM meta WHERE key = 'a'") == 0


async def test_transaction_rolls_back_on_cancellation(store: Storage) -> None:
    started = asyncio.Event()

    async def slow_writer() -> None:
        async with store.db.transaction():
            await store.db.execute("INSERT INTO meta (key, value) VALUES ('x', '1')")
            started.set()
            await asyncio.Event().wait()  # never set: cancelled here

    task = asyncio.create_task(slow_writer())
    await asyncio.wait_for(started.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await store.db.fetch_value("SELECT value FROM meta WHERE key = 'x'") is None
    assert not_in_transaction(store.db)


async def test_concurrent_transactions_do_not_interleave(store: Storage) -> None:
    async def writer(prefix: str, fail: bool) -> None:
        async with store.db.transaction():
            for number in range(50):
                await store.db.execute(
                    "INSERT INTO teams (name, created_at) VALUES (?, ?)",
                    (f"{prefix}{number:02d}", to_db_time(NOW)),
                )
                await asyncio.sleep(0)  # let the other task run, if it could
            if fail:
                raise RuntimeError(f"{prefix} failed")

    results = await asyncio.wait_for(
        asyncio.gather(writer("ok-", False), writer("bad-", True), return_exceptions=True), 10
    )
    assert results[0] is None
    assert isinstance(results[1], RuntimeError)
    names = [team.name for team in await store.teams.list_all()]
    assert names == [f"ok-{number:02d}" for number in range(50)]


async def test_failing_transaction_does_not_take_another_tasks_write_with_it(
    store: Storage,
) -> None:
    inside = asyncio.Event()

    async def failing() -> None:
        async with store.db.transaction():
            await store.db.execute("INSERT INTO meta (key, value) VALUES ('doomed', '1')")
            inside.set()
            for _ in range(20):
                await asyncio.sleep(0)
            raise RuntimeError("rolled back")

    async def bystander() -> None:
        await inside.wait()
        # A plain write from another task while the transaction above is open.
        await store.audit.record(actor_id=1, action="bystander", entity="staff", entity_id=1,
                                 now=NOW)

    results = await asyncio.wait_for(
        asyncio.gather(failing(), bystander(), return_exceptions=True), 10
    )
    assert isinstance(results[0], RuntimeError) and results[1] is None
    assert await store.db.fetch_value("SELECT value FROM meta WHERE key = 'doomed'") is None
    assert await store.audit.actions_for("staff", 1) == ["bystander"]


async def test_another_task_never_reads_or_claims_inside_an_open_transaction(
    store: Storage,
) -> None:
    """A handler's transaction is open (it inserted a due reminder, then fails): the
    dispatcher's sweep, running meanwhile in its own task, neither sees that reminder nor
    has its own claim rolled back with the handler's transaction."""
    await add_staff(store, 1)
    committed = await store.reminders.create(staff_id=1, customer_id=None, kind="followup",
                                             text="committed", due_at=NOW, now=NOW)
    inside = asyncio.Event()
    seen: list[int] = []

    async def handler() -> None:
        async with store.db.transaction():
            await store.reminders.create(staff_id=1, customer_id=None, kind="followup",
                                         text="rolled back", due_at=NOW, now=NOW)
            inside.set()
            await asyncio.sleep(0.2)  # the sweep runs meanwhile (or waits, if it writes)
            raise RuntimeError("the handler failed")

    async def dispatcher() -> None:
        await inside.wait()
        texts = [row[0] for row in await store.db.fetch_all("SELECT text FROM reminders")]
        assert "rolled back" not in texts
        claimed = await store.reminders.claim_due(NOW, "worker", NOW + timedelta(seconds=30),
                                                  10)
        seen.extend(reminder.id for reminder in claimed)

    results = await asyncio.wait_for(
        asyncio.gather(handler(), dispatcher(), return_exceptions=True), 10)
    assert isinstance(results[0], RuntimeError) and results[1] is None, results
    assert seen == [committed]
    rows = await store.db.fetch_all("SELECT id, text, status, claimed_by FROM reminders")
    assert [(row["id"], row["status"], row["claimed_by"]) for row in rows] == [
        (committed, "sending", "worker")]


async def test_a_task_started_inside_a_transaction_does_not_join_it_once_it_ended(
    store: Storage,
) -> None:
    later = asyncio.Event()

    async def background() -> None:
        await later.wait()
        with pytest.raises(RuntimeError, match="second"):
            async with store.db.transaction():
                await store.db.execute("INSERT INTO meta (key, value) VALUES ('bg', '1')")
                raise RuntimeError("second")

    async with store.db.transaction():
        await store.db.execute("INSERT INTO meta (key, value) VALUES ('fg', '1')")
        task = asyncio.create_task(background())
    later.set()
    await asyncio.wait_for(task, 5)
    assert await store.db.fetch_value("SELECT value FROM meta WHERE key = 'fg'") == "1"
    assert await store.db.fetch_value("SELECT value FROM meta WHERE key = 'bg'") is None


async def test_reads_see_every_commit_made_before_them(store: Storage) -> None:
    """Reads outside a transaction go to their own connection: each still sees what any task
    committed before it started."""
    async def write_then_read(number: int) -> bool:
        await store.db.execute("INSERT INTO meta (key, value) VALUES (?, '1')", (f"k{number}",))
        return await store.db.fetch_value(
            "SELECT value FROM meta WHERE key = ?", (f"k{number}",)) == "1"

    assert all(await asyncio.gather(*(write_then_read(n) for n in range(200))))


async def test_concurrent_single_writes_all_land(store: Storage) -> None:
    await asyncio.wait_for(asyncio.gather(*(
        store.updates.first_time(update_id, NOW) for update_id in range(100)
    )), 10)
    assert await count(store.db, "processed_updates") == 100


# -- repositories ----------------------------------------------------------------------------


async def test_invite_claim_is_single_use(store: Storage) -> None:
    invite = await store.invites.create(role="lead", team_id=None, created_by=1, now=NOW,
                                        ttl=timedelta(hours=72))
    assert len(invite.code) >= 16
    claimed = await store.invites.claim(invite.code, 2001, NOW + timedelta(hours=1))
    assert claimed is not None
    assert (claimed.role, claimed.created_by, claimed.expires_at) == (
        "lead", 1, NOW + timedelta(hours=72))
    assert await store.invites.claim(invite.code, 2002, NOW + timedelta(hours=1)) is None
    assert await store.invites.claim(invite.code, 2001, NOW + timedelta(hours=1)) is None
    used_by = await store.db.fetch_value("SELECT used_by FROM invites WHERE code = ?",
                                         (invite.code,))
    assert used_by == 2001
    assert await store.invites.list_open(NOW) == []


async def test_concurrent_claims_only_one_wins(store: Storage) -> None:
    invite = await store.invites.create(role="rm", team_id=None, created_by=1, now=NOW,
                                        ttl=timedelta(hours=1))
    results = await asyncio.gather(*(
        store.invites.claim(invite.code, user_id, NOW) for user_id in range(3000, 3010)
    ))
    assert sum(result is not None for result in results) == 1


async def test_invite_claim_respects_expiry(store: Storage) -> None:
    invite = await store.invites.create(role="rm", team_id=None, created_by=1, now=NOW,
                                        ttl=timedelta(hours=2))
    assert await store.invites.claim(invite.code, 2001, NOW + timedelta(hours=2)) is None
    assert await store.invites.claim(invite.code, 2001, NOW + timedelta(hours=3)) is None
    assert await store.invites.claim("no-such-code", 2001, NOW) is None
    assert await store.invites.claim("", 2001, NOW) is None
    # Still claimable before it expires.
    assert await store.invites.claim(invite.code, 2001, NOW + timedelta(minutes=119)) is not None


async def test_invite_list_open_and_revoke(store: Storage) -> None:
    first = await store.invites.create(role="rm", team_id=None, created_by=1, now=NOW,
                                       ttl=timedelta(hours=1))
    second = await store.invites.create(role="admin", team_id=None, created_by=1, now=NOW,
                                        ttl=timedelta(hours=5))
    assert [i.code for i in await store.invites.list_open(NOW)] == [first.code, second.code]
    assert [i.code for i in await store.invites.list_open(NOW + timedelta(hours=2))] == [
        second.code]
    assert await store.invites.revoke(second.code, NOW) is True
    assert await store.invites.revoke(second.code, NOW) is False
    assert await store.invites.claim(second.code, 2001, NOW) is None
    assert [i.code for i in await store.invites.list_open(NOW)] == [first.code]
    await store.invites.claim(first.code, 2001, NOW)
    assert await store.invites.revoke(first.code, NOW) is False


async def test_update_log_first_time(store: Storage) -> None:
    assert await store.updates.first_time(42, NOW) is True
    assert await store.updates.first_time(42, NOW) is False
    assert await store.updates.first_time(42, NOW + timedelta(days=1)) is False
    assert await store.updates.first_time(43, NOW) is True
    await store.updates.purge(NOW + timedelta(seconds=1))
    assert await store.updates.first_time(42, NOW + timedelta(days=1)) is True


async def test_update_log_is_shared_across_connections(tmp_path: Path) -> None:
    path = tmp_path / "rapport.db"
    one, two = await open_storage(path), await open_storage(path)
    try:
        assert await one.updates.first_time(7, NOW) is True
        assert await two.updates.first_time(7, NOW) is False
    finally:
        await one.close()
        await two.close()


async def test_chat_states_set_get_clear_with_unicode(store: Storage) -> None:
    data = {"name": "Nguyễn Thị Lan", "note": "客户很满意 😀", "nested": {"phones": ["+84901"]},
            "quote": 'say "hi" \\ ok'}
    assert await store.states.get(1, 1) is None
    await store.states.set(1, 1, "guided_add", data, NOW)
    state = await store.states.get(1, 1)
    assert state is not None
    assert state.flow == "guided_add" and state.data == data
    raw = await store.db.fetch_value("SELECT data FROM chat_states WHERE user_id = 1")
    assert "Nguyễn" in raw and "客户" in raw  # stored readable, not \\u-escaped
    assert json.loads(raw) == data
    # Another chat of the same user is separate; setting again replaces.
    await store.states.set(1, -100, "group_link", {}, NOW)
    await store.states.set(1, 1, "typed_time", {"step": 2}, NOW)
    again = await store.states.get(1, 1)
    assert again is not None and (again.flow, again.data) == ("typed_time", {"step": 2})
    await store.states.clear(1, 1)
    assert await store.states.get(1, 1) is None
    other = await store.states.get(1, -100)
    assert other is not None and other.flow == "group_link"
    await store.states.clear(1, 1)  # clearing nothing is fine


async def test_chat_states_purge(store: Storage) -> None:
    await store.states.set(1, 1, "old", {}, NOW - timedelta(days=40))
    await store.states.set(2, 2, "new", {}, NOW)
    await store.states.purge(NOW - timedelta(days=30))
    assert await store.states.get(1, 1) is None
    assert await store.states.get(2, 2) is not None


async def test_audit_log_record(store: Storage) -> None:
    await store.audit.record(actor_id=1000, action="staff.role", entity="staff", entity_id=2001,
                             now=NOW, detail={"value": "lead", "tên": "Lan"})
    await store.audit.record(actor_id=None, action="staff.access", entity="staff",
                             entity_id="2001", now=NOW + timedelta(minutes=1))
    await store.audit.record(actor_id=1000, action="team.created", entity="team", entity_id=None,
                             now=NOW)
    assert await store.audit.actions_for("staff", 2001) == ["staff.role", "staff.access"]
    assert await store.audit.actions_for("staff", "2001") == ["staff.role", "staff.access"]
    rows = await store.db.fetch_all("SELECT * FROM audit_log ORDER BY id")
    assert rows[0]["at"] == to_db_time(NOW)
    assert rows[0]["actor_id"] == 1000
    assert json.loads(rows[0]["detail"]) == {"value": "lead", "tên": "Lan"}
    assert rows[1]["actor_id"] is None and json.loads(rows[1]["detail"]) == {}
    assert rows[2]["entity_id"] is None


async def test_secret_is_created_once(tmp_path: Path) -> None:
    path = tmp_path / "rapport.db"
    first = await open_storage(path)
    secret = await first.secrets.get_or_create("button_secret")
    assert len(secret) == 64
    assert await first.secrets.get_or_create("button_secret") == secret
    assert await first.secrets.get_or_create("other") != secret
    await first.close()
    second = await open_storage(path)
    try:
        assert await second.secrets.get_or_create("button_secret") == secret
    finally:
        await second.close()


async def test_traditional_chinese_is_split_by_market(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Staff and groups that chose zh_Hant get their market's: Hong Kong's in HK and Macau
    (a group: its owner's market), Taiwan's elsewhere."""
    old_dir = tmp_path / "migrations_before"
    old_dir.mkdir()
    for script in sorted(REAL_MIGRATIONS.glob("*.sql")):
        if script.stem < "0013":
            shutil.copy(script, old_dir / script.name)
    path = tmp_path / "rapport.db"
    monkeypatch.setattr(storage.db, "MIGRATIONS_DIR", old_dir)
    old = await open_storage(path)
    created = to_db_time(NOW)
    for staff_id, language, region in ((1, "zh_Hant", "HK"), (2, "zh_Hant", "MO"),
                                       (3, "zh_Hant", "TW"), (4, "zh_Hant", "VN"),
                                       (5, "vi", "HK"), (6, None, "HK")):
        await old.db.execute(
            "INSERT INTO staff (id, name, role, language, timezone, region, created_at)"
            " VALUES (?, 'x', 'rm', ?, 'Asia/Hong_Kong', ?, ?)",
            (staff_id, language, region, created))
    for chat_id, owner, language in ((-1, 1, "zh_Hant"), (-3, 3, "zh_Hant"), (-5, 5, "vi")):
        await old.db.execute(
            "INSERT INTO groups (chat_id, title, owner_id, language, linked_at, updated_at)"
            " VALUES (?, 'g', ?, ?, ?, ?)", (chat_id, owner, language, created, created))
    await old.close()
    monkeypatch.setattr(storage.db, "MIGRATIONS_DIR", REAL_MIGRATIONS)
    new = await open_storage(path)
    try:
        languages = {}
        for staff_id in range(1, 7):
            member = await new.staff.get(staff_id)
            assert member is not None and member.telegram_language is None
            languages[staff_id] = member.language
        assert languages == {1: "zh_Hant_HK", 2: "zh_Hant_HK", 3: "zh_Hant_TW",
                             4: "zh_Hant_TW", 5: "vi", 6: None}
        groups = {chat: await new.groups.get(chat) for chat in (-1, -3, -5)}
        assert {chat: group.language for chat, group in groups.items() if group} == {
            -1: "zh_Hant_HK", -3: "zh_Hant_TW", -5: "vi"}
    finally:
        await new.close()


async def test_staff_keep_telegrams_language(store: Storage) -> None:
    await add_staff(store, 1, "Lan")
    await store.staff.touch_profile(1, "Lan", None, "zh-hk")
    member = await store.staff.get(1)
    assert member is not None and member.telegram_language == "zh-hk"


async def test_staff_register_reactivates(store: Storage) -> None:
    await add_staff(store, 1, "Lan")
    await store.staff.set_active(1, False)
    await store.staff.set_reachable(1, False)
    await store.staff.set_language(1, "zh_Hant_HK")
    await add_staff(store, 1, "Lan Nguyễn", role="lead")
    member = await store.staff.get(1)
    assert member is not None
    assert (member.name, member.role, member.active, member.reachable, member.language) == (
        "Lan Nguyễn", "lead", True, True, "zh_Hant_HK")


async def test_team_names_are_unique_ignoring_case(store: Storage) -> None:
    assert await store.teams.create("Team A", NOW) is not None
    assert await store.teams.create("team a", NOW) is None
    assert [team.name for team in await store.teams.list_all()] == ["Team A"]
