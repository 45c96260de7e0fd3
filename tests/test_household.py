"""Households: links between one RM's customers, read from either side."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import Storage, open_storage

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
LAN, MINH = 2001, 2002


@pytest.fixture
async def store(database: str | Path) -> AsyncIterator[Storage]:
    opened = await open_storage(database)
    for staff_id, name in ((LAN, "Lan"), (MINH, "Minh")):
        await opened.staff.register(staff_id=staff_id, name=name, username=None, role="rm",
                                    team_id=None, timezone="Asia/Ho_Chi_Minh", region="VN",
                                    invited_by=None, now=NOW)
    yield opened
    await opened.close()


async def test_a_link_reads_inverted_from_the_other_side(store: Storage) -> None:
    ids = {}
    for name in ("An", "Lan", "Bình", "Minh Phát"):
        ids[name] = (await store.customers.create(owner_id=LAN, name=name, phone=None,
                                                  region="VN", now=NOW)).id
    other = await store.customers.create(owner_id=MINH, name="Khác", phone=None, region="VN",
                                         now=NOW)
    assert await store.household.link(LAN, ids["An"], ids["Lan"], "spouse", LAN, NOW)
    assert await store.household.link(LAN, ids["Bình"], ids["An"], "parent", LAN, NOW)
    assert await store.household.link(LAN, ids["Minh Phát"], ids["An"], "owner", LAN, NOW)
    # Twice, to oneself, or to another RM's customer: nothing.
    assert not await store.household.link(LAN, ids["Lan"], ids["An"], "spouse", LAN, NOW)
    assert not await store.household.link(LAN, ids["An"], ids["An"], "spouse", LAN, NOW)
    assert not await store.household.link(LAN, ids["An"], other.id, "sibling", LAN, NOW)
    assert not await store.household.link(MINH, ids["An"], ids["Bình"], "sibling", MINH, NOW)
    seen_by_an = {m.name: m.relation for m in await store.household.members(LAN, ids["An"])}
    assert seen_by_an == {"Lan": "spouse", "Bình": "child", "Minh Phát": "business"}
    seen_by_binh = {m.name: m.relation for m in await store.household.members(LAN, ids["Bình"])}
    assert seen_by_binh == {"An": "parent"}
    seen_by_company = {m.name: m.relation
                       for m in await store.household.members(LAN, ids["Minh Phát"])}
    assert seen_by_company == {"An": "owner"}
    assert await store.household.members(MINH, ids["An"]) == []
    link_id = (await store.household.members(LAN, ids["Lan"]))[0].link_id
    assert not await store.household.unlink(MINH, link_id, MINH, NOW)
    assert await store.household.unlink(LAN, link_id, LAN, NOW)
    assert await store.household.members(LAN, ids["Lan"]) == []
    actions = await store.audit.actions_for("customer", ids["An"])
    assert actions.count("customer.household_linked") == 1
