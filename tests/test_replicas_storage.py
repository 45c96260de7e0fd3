"""Two replicas on one database: concurrent start-up, claims, shared de-duplication and
chat state, and the heartbeat that splits Telegram's rate. Each test opens two Storage
objects (two pools on PostgreSQL, two connections on SQLite) on the same data."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import Storage, open_storage
from storage.replicas import GONE_AFTER

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


@pytest.fixture
async def pair(database: str | Path) -> AsyncIterator[tuple[Storage, Storage]]:
    # Both start (and migrate) at the same moment, as replicas started together do.
    one, two = await asyncio.gather(open_storage(database), open_storage(database))
    yield one, two
    await one.close()
    await two.close()


async def seed_reminders(store: Storage, rms: int, each: int) -> None:
    for rm in range(rms):
        await store.staff.register(staff_id=5000 + rm, name=f"RM {rm}", username=None,
                                   role="rm", team_id=None, timezone="UTC", region="VN",
                                   invited_by=None, now=NOW)
        for number in range(each):
            await store.reminders.create(staff_id=5000 + rm, customer_id=None, kind="followup",
                                         text=f"R{rm}-{number}", due_at=NOW, now=NOW)


async def test_both_replicas_see_one_schema(pair: tuple[Storage, Storage]) -> None:
    one, two = pair
    assert await one.db.migrate() == [] and await two.db.migrate() == []
    names = [row[0] for row in await one.db.fetch_all(
        "SELECT name FROM schema_migrations ORDER BY name")]
    assert len(names) == len(set(names))  # each step applied once, not once per replica


async def test_update_ids_and_chat_state_are_shared(pair: tuple[Storage, Storage]) -> None:
    one, two = pair
    firsts = await asyncio.gather(*(store.updates.first_time(77, NOW)
                                    for store in (one, two, one, two)))
    assert sorted(firsts) == [False, False, False, True]
    await one.states.set(2001, 2001, "guided_add", {"step": "phone", "name": "Lan"}, NOW)
    state = await two.states.get(2001, 2001)
    assert state is not None and state.data == {"step": "phone", "name": "Lan"}


async def test_concurrent_claims_never_take_a_row_twice(pair: tuple[Storage, Storage]) -> None:
    one, two = pair
    await seed_reminders(one, rms=20, each=10)
    claimed: dict[str, list[int]] = {"a": [], "b": []}

    async def sweep(store: Storage, worker: str) -> None:
        while True:
            due = await store.reminders.claim_due(NOW, worker, NOW + timedelta(seconds=30), 7)
            if not due:
                return
            claimed[worker].extend(r.id for r in due)
            await store.reminders.mark_sent([r.id for r in due], worker, NOW, 1, False)

    await asyncio.gather(sweep(one, "a"), sweep(two, "b"))
    everything = claimed["a"] + claimed["b"]
    assert len(everything) == len(set(everything)) == 200


async def test_an_rm_being_served_stays_with_that_replica(
        pair: tuple[Storage, Storage]) -> None:
    one, two = pair
    await seed_reminders(one, rms=2, each=3)
    first = await one.reminders.claim_due(NOW, "a", NOW + timedelta(seconds=30), 1)
    assert len(first) == 1
    served = first[0].staff_id
    # The other replica takes the other RM's reminders, not the rest of this RM's.
    taken = await two.reminders.claim_due(NOW, "b", NOW + timedelta(seconds=30), 10)
    assert {r.staff_id for r in taken} == {5000, 5001} - {served}
    # The first replica goes on with its RM.
    rest = await one.reminders.claim_due(NOW, "a", NOW + timedelta(seconds=30), 10)
    assert {r.staff_id for r in rest} == {served} and len(rest) == 2
    # A replica that died (its lease ran out) no longer holds its RM or its rows.
    later = NOW + timedelta(seconds=31)
    again = await two.reminders.claim_due(later, "b", later + timedelta(seconds=30), 10)
    assert {r.id for r in again} == {r.id for r in first + rest + taken}


async def test_heartbeats_count_the_replicas_sending(pair: tuple[Storage, Storage]) -> None:
    one, two = pair
    await one.replicas.beat("a", NOW, NOW + timedelta(seconds=3))
    assert await two.replicas.sending(NOW) == 1
    await two.replicas.beat("b", NOW, NOW + timedelta(seconds=3))
    assert await one.replicas.sending(NOW) == 2
    await two.replicas.beat("b", NOW + timedelta(seconds=1), None)  # b has nothing to send
    assert await one.replicas.sending(NOW + timedelta(seconds=1)) == 1
    assert await one.replicas.live(NOW + timedelta(seconds=1)) == ["a", "b"]
    # A replica that stopped beating is gone after GONE_AFTER; one that left, at once.
    assert await one.replicas.live(NOW + GONE_AFTER) == ["b"]
    await two.replicas.leave("b")
    assert await one.replicas.live(NOW + timedelta(seconds=1)) == ["a"]
