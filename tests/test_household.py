"""Households: links between one RM's customers, read from either side."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core import buttons
from storage import Storage, open_storage
from tests.customers import actions, make_rm, open_card, payload, press_action, seed
from tests.harness import Harness, answer_of, only_message, shown, tr

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


# -- through the bot ----------------------------------------------------------------------------
async def test_linking_family_from_the_card(bot: Harness) -> None:
    rm = await make_rm(bot, "vi")
    an = await seed(bot, rm, "Nguyễn Văn An")
    lan = await seed(bot, rm, "Trần Thị Lan", birthday="1990-12-01")
    await bot.press_data(rm, buttons.pack("hh", an.id, owner=rm.id))
    prompt = only_message(await press_action(bot, rm, "hha", an.id))
    assert "Nguyễn Văn An" in prompt.text and "hhx" in actions(prompt)  # whose file, Cancel
    matches = only_message(await bot.send(rm, "Lan"))
    relations = only_message(await press_action(bot, rm, "hhp", an.id, lan.id, call=matches))
    assert tr("vi", "Spouse") in [label for label, _data in relations.buttons]
    await press_action(bot, rm, "hhr", an.id, lan.id, "spouse", call=relations)
    again = await press_action(bot, rm, "hhr", an.id, lan.id, "spouse", call=relations)
    assert answer_of(again).params.get("text") == tr("vi", "Already handled.")
    assert await bot.storage.db.fetch_value("SELECT COUNT(*) FROM household_links") == 1
    card = await open_card(bot, rm, an)
    assert "Trần Thị Lan" in card.text and tr("vi", "Spouse") in card.text
    # The spouse's birthday (in 8 days) shows on An's card, with a button to her card.
    assert "🎂" in card.text
    assert ("c", str(lan.id)) in {tuple(payload(data)[:2]) for _label, data in card.buttons}
    # Unlinking answers and redraws the household, now empty.
    household = only_message(await press_action(bot, rm, "hh", an.id))
    link_id = await bot.storage.db.fetch_value("SELECT id FROM household_links")
    unlinked = await press_action(bot, rm, "hhu", an.id, link_id, call=household)
    assert answer_of(unlinked).params.get("text") == tr("vi", "Unlinked.")
    redrawn = only_message(shown(unlinked)).text
    assert tr("vi", "No family members or companies linked yet.") in redrawn
    assert await bot.storage.db.fetch_value("SELECT COUNT(*) FROM household_links") == 0


async def test_contact_apps_on_the_card(bot: Harness) -> None:
    rm = await make_rm(bot, "vi")
    an = await seed(bot, rm, "An", phone="+84901234567", zalo="+84901234567",
                    wechat="an_wx", line="an.line")
    card = await open_card(bot, rm, an)
    urls = [data for _label, data in card.buttons if data.startswith("https://")]
    assert urls == ["https://zalo.me/0901234567", "https://line.me/ti/p/~an.line"]
    assert "an_wx" in card.text


async def test_swot_is_offered_when_a_company_reaches_consultation(bot: Harness) -> None:
    rm = await make_rm(bot, "zh_Hans", zone="Asia/Shanghai")
    company = await seed(bot, rm, "明发贸易有限公司", region="CN", segment="sme")
    calls = await bot.press_data(rm, buttons.pack("css", company.id, "consult", owner=rm.id))
    offer = shown(calls)[-1]
    assert "swp" in actions(offer)
    prompt = only_message(await press_action(bot, rm, "swp", company.id, "swot_strengths",
                                             call=offer))
    assert "明发贸易有限公司" in prompt.text and "swx" in actions(prompt)
    await bot.send(rm, "现金流稳定，老客户多")
    saved = await bot.storage.customers.get(rm.id, company.id)
    assert saved is not None and saved.swot_strengths == "现金流稳定，老客户多"
    assert "customer.updated" in await bot.storage.audit.actions_for("customer", company.id)
