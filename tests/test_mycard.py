"""/mycard: each RM's contact QR codes; a visitor who consents becomes a prospect once."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from playground.fake_updates import Person
from storage import Storage, open_storage
from tests.customers import make_rm, press_action
from tests.harness import Harness, only_message, tr

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


# -- through the bot ----------------------------------------------------------------------------
async def test_a_visitor_leaves_name_and_phone_through_the_qr(bot: Harness) -> None:
    rm = await make_rm(bot, "vi")
    await bot.send(rm, "/mycard")
    calls = await press_action(bot, rm, "myc", "event")
    photo = only_message(calls)
    assert photo.method == "sendPhoto" and "?start=card_" in photo.text
    link = photo.text.split("?start=")[1].split()[0]
    visitor = Person(777002, "Mai", "Trần", language_code="zh-hans")
    welcome = only_message(await bot.send(visitor, f"/start {link}"))
    assert "Lan" in welcome.text and "request_contact" in json.dumps(welcome.params)
    share = bot.make.contact(visitor, "+84 901 234 567", "Mai", "Trần", user_id=visitor.id)
    thanks = only_message(await bot.send_update(share))
    assert tr("zh_Hans", "Thank you! {name} will contact you soon.").split("{")[0] in thanks.text
    again = await bot.send_update(bot.make.contact(visitor, "+84 901 234 567", "Mai", "Trần",
                                                   user_id=visitor.id))
    customers = await bot.storage.db.fetch_all(
        "SELECT name, phone, source, qr_source FROM customers WHERE owner_id = ?", (rm.id,))
    assert [tuple(row) for row in customers] == [("Mai Trần", "+84901234567", "other",
                                                  "event")]
    assert again  # answered, but nothing new was created
    # The RM is told at once (an urgent reminder row the dispatcher sends).
    assert await bot.storage.db.fetch_value(
        "SELECT COUNT(*) FROM reminders WHERE kind = 'mycard' AND urgent = 1") == 1


async def test_an_unknown_card_link_is_refused_politely(bot: Harness) -> None:
    stranger = Person(777003, "Khách", language_code="vi")
    calls = await bot.send(stranger, "/start card_nonexistent")
    assert tr("vi", "This link is no longer valid.") in only_message(calls).text
