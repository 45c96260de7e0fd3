"""/mycard: each RM's contact QR codes; a visitor who consents becomes a prospect once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import Storage, open_storage

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
LAN, VISITOR = 2001, 777001


@pytest.fixture
async def store(database: str | Path) -> AsyncIterator[Storage]:
    opened = await open_storage(database)
    await opened.staff.register(staff_id=LAN, name="Lan", username=None, role="rm",
                                team_id=None, timezone="Asia/Ho_Chi_Minh", region="VN",
                                invited_by=None, now=NOW)
    yield opened
    await opened.close()


async def test_one_code_per_source_and_one_prospect_per_visitor(store: Storage) -> None:
    street = await store.mycard.card_for(LAN, "street", NOW)
    assert await store.mycard.card_for(LAN, "street", NOW) == street
    event = await store.mycard.card_for(LAN, "event", NOW)
    assert event.token != street.token and len(street.token) >= 12
    assert await store.mycard.by_token(event.token) == event
    assert await store.mycard.by_token("nope") is None
    visit = await store.mycard.visit(event, VISITOR, NOW)
    assert await store.mycard.visit(event, VISITOR, NOW) == visit
    assert await store.mycard.waiting_visit(VISITOR) == visit
    customer = await store.mycard.become_prospect(
        visit, name="Trần Thị Mai", phone="+84901234567", region="VN", note="QR", now=NOW)
    assert customer is not None
    assert (customer.owner_id, customer.source, customer.qr_source, customer.phone) == (
        LAN, "other", "event", "+84901234567")
    # Shared again: nothing new.
    assert await store.mycard.become_prospect(
        visit, name="Mai", phone="+84901234567", region="VN", note="QR", now=NOW) is None
    assert await store.mycard.waiting_visit(VISITOR) is None
    assert await store.db.fetch_value("SELECT COUNT(*) FROM customers") == 1
    assert await store.db.fetch_value(
        "SELECT COUNT(*) FROM reminders WHERE kind = 'mycard'") == 1
    assert await store.audit.actions_for("customer", customer.id) == [
        "customer.created_from_qr"]
