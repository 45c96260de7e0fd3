"""Deals: amounts as RMs type them in each language, read back in the user's conventions
(round trips checked with hypothesis), the forecast, and the deal repository on both engines."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import buttons
from core.i18n import active, ngettext
from core.pushes.review import review_text, rm_report, team_report, team_text
from domain.deals import (
    CURRENCIES,
    DEFAULT_PROBABILITY,
    DealValue,
    find_amount,
    forecast,
    format_amount,
    format_full,
    parse_amount,
    parse_probability,
    to_minor,
)
from playground.fake_updates import Person
from storage import Storage, open_storage
from tests.customers import actions, make_rm, open_card, payload, press_action, seed
from tests.harness import Harness, answer_of, only_message, shown, tr

D = Decimal
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
LAN, MINH = 2001, 2002
LANGUAGES = ("vi", "zh_Hans", "zh_Hant", "en")
# Each language's own market: whose '$' and '元' its output means.
MARKET = {"vi": "VN", "zh_Hans": "CN", "zh_Hant": "TW", "en": "US"}


@pytest.mark.parametrize(("text", "value", "currency"), [
    ("2 tỷ", 2_000_000_000, "VND"),
    ("2 tỉ", 2_000_000_000, "VND"),
    ("2ty", 2_000_000_000, "VND"),
    ("500tr", 500_000_000, "VND"),
    ("500 triệu", 500_000_000, "VND"),
    ("500 trieu", 500_000_000, "VND"),
    ("1,5 tỷ", 1_500_000_000, "VND"),
    ("1.5 tỷ", 1_500_000_000, "VND"),
    ("2tr5", 2_500_000, "VND"),
    ("2 tỷ 500", 2_500_000_000, "VND"),
    ("2 tỷ 500 triệu", 2_500_000_000, "VND"),
    ("2 tỷ rưỡi", 2_500_000_000, "VND"),
    ("1 nghìn tỷ", 1_000_000_000_000, "VND"),
    ("50 củ", 50_000_000, "VND"),
    ("300k", 300_000, "VND"),
    ("300 nghìn", 300_000, "VND"),
    ("2.000.000.000đ", 2_000_000_000, "VND"),
    ("2.000.000.000 VND", 2_000_000_000, "VND"),
    ("1.500", 1_500, "VND"),
    ("2 triệu đô", 2_000_000, "USD"),
    ("50.000 USD", 50_000, "USD"),
    ("100 triệu nhân dân tệ", 100_000_000, "CNY"),
])
def test_vietnamese_amounts(text: str, value: int, currency: str) -> None:
    assert parse_amount(text, "vi", "VN") == parse_amount(text, "vi", "VN")
    amount = parse_amount(text, "vi", "VN")
    assert amount is not None and (amount.value, amount.currency) == (D(value), currency)


@pytest.mark.parametrize(("text", "market", "value", "currency"), [
    ("500万", "CN", 5_000_000, "CNY"),
    ("1.5亿", "CN", 150_000_000, "CNY"),
    ("1亿2000万", "CN", 120_000_000, "CNY"),
    ("1亿2", "CN", 120_000_000, "CNY"),
    ("三万五", "CN", 35_000, "CNY"),
    ("一千五百万", "CN", 15_000_000, "CNY"),
    ("一百零五万", "CN", 1_050_000, "CNY"),
    ("两千五", "CN", 2_500, "CNY"),
    ("50w", "CN", 500_000, "CNY"),
    ("500万元", "CN", 5_000_000, "CNY"),
    ("人民币500万", "CN", 5_000_000, "CNY"),
    ("¥5,000,000", "CN", 5_000_000, "CNY"),
    ("港币30万", "CN", 300_000, "HKD"),
    ("30萬", "TW", 300_000, "TWD"),
    ("30萬元", "TW", 300_000, "TWD"),
    ("新台幣30萬", "CN", 300_000, "TWD"),
    ("NT$30萬", "HK", 300_000, "TWD"),
    ("$30萬", "TW", 300_000, "TWD"),
    ("$300萬", "HK", 3_000_000, "HKD"),
    ("300萬港元", "HK", 3_000_000, "HKD"),
    ("2百萬", "HK", 2_000_000, "HKD"),
    ("美元200万", "CN", 2_000_000, "USD"),
])
def test_chinese_amounts(text: str, market: str, value: int, currency: str) -> None:
    language = "zh_Hant" if market in ("TW", "HK") else "zh_Hans"
    amount = parse_amount(text, language, market)
    assert amount is not None and (amount.value, amount.currency) == (D(value), currency)


@pytest.mark.parametrize(("text", "value", "currency"), [
    ("2M", 2_000_000, "USD"),
    ("2m USD", 2_000_000, "USD"),
    ("1.5bn", 1_500_000_000, "USD"),
    ("500k", 500_000, "USD"),
    ("$2,000,000", 2_000_000, "USD"),
    ("USD 1,234.50", D("1234.5"), "USD"),
    ("HK$2.5M", 2_500_000, "HKD"),
    ("2 million", 2_000_000, "USD"),
])
def test_english_amounts(text: str, value: int | Decimal, currency: str) -> None:
    amount = parse_amount(text, "en", "US")
    assert amount is not None and (amount.value, amount.currency) == (D(value), currency)


def test_the_market_decides_a_bare_amount_and_the_dollar() -> None:
    assert parse_amount("2M", "en", "VN") == parse_amount("2.000.000 ₫", "vi", "VN")
    assert parse_amount("$1", "en", "HK").currency == "HKD"  # type: ignore[union-attr]
    assert parse_amount("$1", "en", "TW").currency == "TWD"  # type: ignore[union-attr]
    assert parse_amount("$1", "en", "VN").currency == "USD"  # type: ignore[union-attr]
    assert parse_amount("500万", "zh_Hans", "VN").currency == "VND"  # type: ignore[union-attr]


def test_a_separator_and_three_digits_follow_the_language() -> None:
    assert parse_amount("1.500 tỷ", "vi", "VN").value == D(1_500_000_000_000)  # type: ignore[union-attr]
    assert parse_amount("1,500 tỷ", "vi", "VN").value == D(1_500_000_000)  # type: ignore[union-attr]
    assert parse_amount("1,500", "en", "US").value == D(1500)  # type: ignore[union-attr]
    assert parse_amount("1.5", "en", "US").value == D("1.5")  # type: ignore[union-attr]


@pytest.mark.parametrize("text", [
    "", "abc", "0", "0 tỷ", "-5 tỷ", "2 500", "1,2,3", "2 tỷ tỷ?", "5 USD VND", "1.2.3",
    "2.5 đ", "0.001 USD", "10 triệu tỷ tỷ", "xin chào", "vay mua nhà", "万万", "1,23,456",
])
def test_what_is_not_an_amount(text: str) -> None:
    assert parse_amount(text, "vi", "VN") is None


def test_an_amount_inside_a_line() -> None:
    found = find_amount("vay mua nhà 2 tỷ", "vi", "VN")
    assert found is not None and found.amount.value == D(2_000_000_000)
    assert found.rest == "vay mua nhà"
    found = find_amount("tiền gửi 12 tháng 500tr", "vi", "VN")
    assert found is not None and found.amount.value == D(500_000_000)
    assert found.rest == "tiền gửi 12 tháng"
    found = find_amount("住房贷款500万", "zh_Hans", "CN")
    assert found is not None and (found.amount.value, found.rest) == (D(5_000_000), "住房贷款")
    # A term or a count is not money.
    assert find_amount("tiền gửi 12 tháng", "vi", "VN") is None
    assert find_amount("一年期定期存款", "zh_Hans", "CN") is None
    assert find_amount("mua nhà 3 phòng", "vi", "VN") is None


@pytest.mark.parametrize(("language", "value", "currency", "shown"), [
    ("vi", 2_000_000_000, "VND", "2 tỷ ₫"),
    ("vi", 1_500_000_000, "VND", "1,5 tỷ ₫"),
    ("vi", 500_000_000, "VND", "500 triệu ₫"),
    ("vi", 123_456_789, "VND", "123.456.789 ₫"),
    ("vi", 2_000_000, "USD", "2 triệu US$"),
    ("zh_Hans", 5_000_000, "CNY", "¥500万"),
    ("zh_Hans", 150_000_000, "CNY", "¥1.5亿"),
    ("zh_Hant", 300_000, "TWD", "$30萬"),
    ("zh_Hant", 2_500_000, "HKD", "HK$250萬"),
    ("en", 2_000_000, "USD", "$2M"),
    ("en", 2_000_000_000, "VND", "₫2B"),
])
def test_amounts_are_shown_in_the_users_conventions(language: str, value: int, currency: str,
                                                    shown: str) -> None:
    assert format_amount(D(value), currency, language).replace("\xa0", " ") == shown


def test_full_amounts_keep_every_digit() -> None:
    assert format_full(D(2_000_000_000), "VND", "vi").replace("\xa0", " ") == "2.000.000.000 ₫"
    assert format_full(D("1234.5"), "USD", "en") == "$1,234.50"
    assert format_full(D(5_000_000), "CNY", "zh_Hans") == "¥5,000,000"
    # VND and TWD are whole units: a weighted forecast is rounded.
    assert format_full(D("1000.6"), "VND", "vi").replace("\xa0", " ") == "1.001 ₫"


_AMOUNTS = st.one_of(
    # Round amounts as deals are (2 tỷ, 500万, 30萬), and arbitrary ones to the cent.
    st.builds(lambda mantissa, power: D(mantissa) * D(10) ** power,
              st.integers(min_value=1, max_value=999), st.integers(min_value=0, max_value=11)),
    st.decimals(min_value=D("0.01"), max_value=D(10) ** 13, places=2, allow_nan=False,
                allow_infinity=False),
)


@pytest.mark.parametrize("language", [*LANGUAGES, "zh_Hant_HK"])
@settings(max_examples=300, deadline=None)
@given(value=_AMOUNTS, currency=st.sampled_from(CURRENCIES))
def test_what_is_shown_reads_back_as_the_same_amount(language: str, value: Decimal,
                                                     currency: str) -> None:
    if currency in ("VND", "TWD"):
        value = value.to_integral_value()
        if value == 0:
            value = D(1)
    if value <= 0:
        return
    market = "HK" if language == "zh_Hant_HK" else MARKET[language]
    reader = language if language != "zh_Hant_HK" else "zh_Hant"
    for text in (format_amount(value, currency, language), format_full(value, currency,
                                                                        language)):
        back = parse_amount(text, reader, market)
        assert back is not None, text
        assert (back.value, back.currency) == (value, currency), text


@settings(max_examples=200, deadline=None)
@given(value=st.integers(min_value=1, max_value=999_999))
def test_typed_magnitudes_read_as_the_number_they_name(value: int) -> None:
    for text, factor, language in ((f"{value} triệu", 10**6, "vi"), (f"{value}tr", 10**6, "vi"),
                                   (f"{value} tỷ", 10**9, "vi"), (f"{value}万", 10**4, "zh_Hans"),
                                   (f"{value}萬", 10**4, "zh_Hant"), (f"{value}k", 10**3, "en"),
                                   (f"{value}M", 10**6, "en")):
        amount = parse_amount(text, language, "VN")
        assert amount is not None and amount.value == D(value * factor), text


def test_the_forecast_weighs_each_stage_per_currency() -> None:
    deals = [DealValue("consult", to_minor(D(2_000_000_000)), "VND"),
             DealValue("consult", to_minor(D(1_000_000_000)), "VND"),
             DealValue("consult", to_minor(D(50_000)), "USD"),
             DealValue("follow", None, None),
             DealValue("won", to_minor(D(9)), "VND")]
    lines = forecast(deals, {**DEFAULT_PROBABILITY, "consult": 50})
    assert lines["consult"].count == 3
    assert lines["consult"].total == {"VND": D(3_000_000_000), "USD": D(50_000)}
    assert lines["consult"].weighted == {"VND": D(1_500_000_000), "USD": D(25_000)}
    assert lines["follow"].count == 1 and lines["follow"].total == {}
    assert "won" not in lines


def test_probabilities_are_whole_percents() -> None:
    assert parse_probability("40") == 40
    assert parse_probability("40%") == 40
    assert parse_probability("100") == 100
    assert parse_probability("101") is None
    assert parse_probability("4.5") is None
    assert parse_probability("abc") is None


# -- the repository, on both engines -------------------------------------------------------------
@pytest.fixture
async def store(database: str | Path) -> AsyncIterator[Storage]:
    opened = await open_storage(database)
    team = await opened.teams.create("Bến Thành", NOW)
    assert team is not None
    for staff_id, name in ((LAN, "Lan"), (MINH, "Minh")):
        await opened.staff.register(staff_id=staff_id, name=name, username=None, role="rm",
                                    team_id=team.id, timezone="Asia/Ho_Chi_Minh", region="VN",
                                    invited_by=None, now=NOW)
    yield opened
    await opened.close()


async def test_a_deal_is_created_changed_and_won_once(store: Storage) -> None:
    an = await store.customers.create(owner_id=LAN, name="Nguyễn Văn An", phone=None,
                                      region="VN", now=NOW)
    assert await store.deals.create(owner_id=MINH, customer_id=an.id, actor_id=MINH,
                                    now=NOW) is None
    deal = await store.deals.create(owner_id=LAN, customer_id=an.id, actor_id=LAN, now=NOW,
                                    amount_minor=to_minor(D(2_000_000_000)), currency="VND",
                                    expected_close="2026-12-31", stage="contact")
    assert deal is not None and deal.is_open and deal.amount == D(2_000_000_000)
    assert await store.deals.get(MINH, deal.id) is None
    changed = await store.deals.update(LAN, deal.id, LAN, NOW, stage="consult")
    assert changed is not None and changed.stage == "consult"
    won = await store.deals.win(LAN, deal.id, LAN, NOW + timedelta(hours=1),
                                holding_kind="loan", product_name="Vay mua nhà")
    assert won is not None and won.deal.stage == "won" and won.deal.holding_id == won.holding_id
    # Pressed again (or on another phone): nothing more.
    assert await store.deals.win(LAN, deal.id, LAN, NOW, holding_kind="loan",
                                 product_name="Vay mua nhà") is None
    assert await store.deals.lose(LAN, deal.id, "rate", LAN, NOW) is None
    assert await store.deals.update(LAN, deal.id, LAN, NOW, stage="follow") is None
    holdings = await store.holdings.for_customer(LAN, an.id)
    assert [(h.kind, h.product, h.amount_minor, h.currency) for h in holdings] == [
        ("loan", "Vay mua nhà", to_minor(D(2_000_000_000)), "VND")]
    customer = await store.customers.get(LAN, an.id)
    assert customer is not None and customer.stage == "won"
    assert [e.kind for e in await store.deals.events(LAN, deal.id)] == [
        "created", "changed", "won"]
    assert await store.audit.actions_for("deal", deal.id) == [
        "deal.created", "deal.changed", "deal.won"]
    count, totals = await store.deals.won_between([LAN, MINH], NOW, NOW + timedelta(days=1))
    assert (count, totals) == (1, {"VND": D(2_000_000_000)})
    # The care rules see the sale (after-sales care starts from it).
    sales = await store.care.sales_since(NOW)
    assert [s.customer_id for s in sales] == [an.id]


async def test_lost_deals_are_counted_by_reason(store: Storage) -> None:
    an = await store.customers.create(owner_id=LAN, name="An", phone=None, region="VN", now=NOW)
    binh = await store.customers.create(owner_id=MINH, name="Bình", phone=None, region="VN",
                                        now=NOW)
    for owner, customer, reason in ((LAN, an.id, "rate"), (LAN, an.id, "rate"),
                                    (MINH, binh.id, "competitor")):
        deal = await store.deals.create(owner_id=owner, customer_id=customer, actor_id=owner,
                                        now=NOW)
        assert deal is not None
        lost = await store.deals.lose(owner, deal.id, reason, owner, NOW)
        assert lost is not None and lost.lost_reason == reason
    week = (NOW - timedelta(days=1), NOW + timedelta(days=1))
    assert await store.deals.lost_reasons([LAN, MINH], *week) == {"rate": 2, "competitor": 1}
    assert await store.deals.lost_reasons([LAN], *week) == {"rate": 2}


async def test_the_pipeline_reads_open_deals_of_live_customers(store: Storage) -> None:
    an = await store.customers.create(owner_id=LAN, name="An", phone=None, region="VN", now=NOW)
    gone = await store.customers.create(owner_id=LAN, name="Gone", phone=None, region="VN",
                                        now=NOW)
    for customer in (an, gone):
        await store.deals.create(owner_id=LAN, customer_id=customer.id, actor_id=LAN, now=NOW,
                                 amount_minor=100, currency="USD", stage="consult")
    await store.customers.set_archived(LAN, gone.id, True, NOW)
    assert await store.deals.open_values([LAN]) == [DealValue("consult", 100, "USD")]
    assert await store.deals.open_values([MINH]) == []


async def test_a_lead_sets_the_teams_probabilities(store: Storage) -> None:
    lan = await store.staff.get(LAN)
    assert lan is not None
    assert await store.deals.probabilities(lan.team_id) == DEFAULT_PROBABILITY
    assert lan.team_id is not None
    await store.deals.set_probabilities(lan.team_id, {"consult": 55}, LAN, NOW)
    assert (await store.deals.probabilities(lan.team_id))["consult"] == 55
    assert (await store.deals.probabilities(None))["consult"] == DEFAULT_PROBABILITY["consult"]
    with pytest.raises(ValueError):
        await store.deals.set_probabilities(lan.team_id, {"won": 90}, LAN, NOW)


async def test_erasing_a_customer_keeps_the_deal_counts_not_the_ties(store: Storage) -> None:
    an = await store.customers.create(owner_id=LAN, name="An", phone=None, region="VN", now=NOW,
                                      zalo="+84901234567", swot_strengths="Dòng tiền tốt",
                                      id_expiry="2027-01-01")
    lan = await store.customers.create(owner_id=LAN, name="Lan", phone=None, region="VN",
                                       now=NOW)
    assert await store.household.link(LAN, an.id, lan.id, "spouse", LAN, NOW)
    await store.deals.create(owner_id=LAN, customer_id=an.id, actor_id=LAN, now=NOW)
    assert await store.customers.erase(LAN, an.id, NOW)
    row = await store.db.fetch_one(
        "SELECT zalo, swot_strengths, id_expiry FROM customers WHERE id = ?", (an.id,))
    assert row is not None and tuple(row) == (None, None, None)
    assert await store.household.members(LAN, lan.id) == []
    assert await store.db.fetch_value("SELECT COUNT(*) FROM deals") == 1


# -- through the bot ----------------------------------------------------------------------------
async def _deal_flow(bot: Harness, rm: Person, customer_id: int) -> int:
    """Card → 💼 Deals → ➕ New deal → Vay mua nhà → '2 tỷ' → end of this month."""
    await bot.press_data(rm, buttons.pack("cdl", customer_id, owner=rm.id))
    await press_action(bot, rm, "dn", customer_id)
    product = await bot.storage.catalog.by_code("home_loan")
    assert product is not None
    calls = await press_action(bot, rm, "dp", customer_id, product.id)
    assert "2 tỷ" in only_message(calls).text
    calls = await bot.send(rm, "2 tỷ")
    texts = [call.text for call in shown(calls)]
    assert any("2.000.000.000" in text for text in texts), texts
    await press_action(bot, rm, "dcd")
    deal_id = int(await bot.storage.db.fetch_value("SELECT MAX(id) FROM deals"))
    return deal_id


async def test_a_deal_from_the_card_to_won(bot: Harness) -> None:
    rm = await make_rm(bot, "vi")
    customer = await seed(bot, rm, "Nguyễn Văn An")
    await bot.storage.customers.set_stage(rm.id, customer.id, "consult", None, bot.clock.now())
    deal_id = await _deal_flow(bot, rm, customer.id)
    deal = await bot.storage.deals.get(rm.id, deal_id)
    assert deal is not None and deal.amount == D(2_000_000_000) and deal.currency == "VND"
    assert deal.stage == "consult" and deal.expected_close == "2026-11-30"
    # The product button pressed again: still one deal.
    product = await bot.storage.catalog.by_code("home_loan")
    assert product is not None
    pick = next(call for call in reversed(bot.api.calls) if any(
        payload(data)[0] == "dp" for _label, data in call.buttons))
    await press_action(bot, rm, "dp", customer.id, product.id, call=pick)
    assert await bot.storage.db.fetch_value("SELECT COUNT(*) FROM deals") == 1
    bot.api.clear()
    await bot.press_data(rm, buttons.pack("dw", deal_id, owner=rm.id))
    calls = await press_action(bot, rm, "dwx", deal_id)
    assert len(shown(calls)) == 3  # the deal, the loan's repayment day, the customer's CSAT
    state = await bot.storage.states.get(rm.id, rm.id)
    assert state is not None and state.flow == "holding"
    again = await bot.press_data(rm, buttons.pack("dwx", deal_id, owner=rm.id))
    assert answer_of(again).params.get("text") == tr("vi", "Already closed.")
    calls = await bot.send(rm, "15")
    holding = (await bot.storage.holdings.for_customer(rm.id, customer.id))[0]
    assert (holding.kind, holding.monthly_day) == ("loan", 15)
    assert await bot.storage.db.fetch_value("SELECT COUNT(*) FROM holdings") == 1
    card = await open_card(bot, rm, customer)
    assert "2 tỷ" in card.text and "15" in card.text


async def test_a_lost_deal_takes_a_one_tap_reason(bot: Harness) -> None:
    rm = await make_rm(bot, "zh_Hans", zone="Asia/Shanghai")
    customer = await seed(bot, rm, "王伟", region="CN")
    deal = await bot.storage.deals.create(owner_id=rm.id, customer_id=customer.id,
                                          actor_id=rm.id, now=bot.clock.now())
    assert deal is not None
    await bot.press_data(rm, buttons.pack("dl", deal.id, owner=rm.id))
    reasons = bot.last_for(rm)
    assert tr("zh_Hans", "Went to a competitor") in [label for label, _ in reasons.buttons]
    await press_action(bot, rm, "dlr", deal.id, "competitor")
    await press_action(bot, rm, "dlr", deal.id, "rate", call=reasons)
    lost = await bot.storage.deals.get(rm.id, deal.id)
    assert lost is not None and (lost.stage, lost.lost_reason) == ("lost", "competitor")


async def test_the_amount_is_asked_again_when_it_cannot_be_read(bot: Harness) -> None:
    rm = await make_rm(bot, "zh_Hans", zone="Asia/Shanghai")
    customer = await seed(bot, rm, "王伟", region="CN")
    deal = await bot.storage.deals.create(owner_id=rm.id, customer_id=customer.id,
                                          actor_id=rm.id, now=bot.clock.now())
    assert deal is not None
    await bot.press_data(rm, buttons.pack("da", deal.id, owner=rm.id))
    prompt = bot.last_for(rm)
    assert "王伟" in prompt.text and {"dsk", "dcx"} <= set(actions(prompt))
    calls = await bot.send(rm, "很多钱")
    assert "很多钱" in only_message(calls).text
    await bot.send(rm, "500万")
    saved = await bot.storage.deals.get(rm.id, deal.id)
    assert saved is not None and (saved.amount, saved.currency) == (D(5_000_000), "CNY")
    # Skip the close date: nothing else changes, and the next text is a search again.
    await press_action(bot, rm, "dsk", deal.id, "close")
    assert await bot.storage.states.get(rm.id, rm.id) is None


async def test_the_pipeline_shows_totals_and_the_forecast(bot: Harness) -> None:
    rm = await make_rm(bot, "vi")
    an = await seed(bot, rm, "An")
    for amount in (2_000_000_000, 1_000_000_000):
        await bot.storage.deals.create(owner_id=rm.id, customer_id=an.id, actor_id=rm.id,
                                       now=bot.clock.now(), stage="consult",
                                       amount_minor=to_minor(D(amount)), currency="VND")
    text = only_message(await bot.send(rm, "/pipeline")).text.replace("\xa0", " ")
    assert "3 tỷ ₫" in text and "1,2 tỷ ₫" in text  # 40% of 3 tỷ


async def test_a_lead_sets_a_probability_with_buttons(bot: Harness) -> None:
    team = await bot.storage.teams.create("Bến Thành", bot.clock.now())
    assert team is not None
    lead = Person(3001, "Hoa", "Phạm", language_code="vi")
    await bot.register(lead, role="lead", team_id=team.id, language="vi")
    await bot.send(lead, "/probability")
    await press_action(bot, lead, "prb", "consult")
    await press_action(bot, lead, "prs", "consult", 50)
    assert (await bot.storage.deals.probabilities(team.id))["consult"] == 50
    rm = await make_rm(bot, "vi")
    calls = await bot.send(rm, "/probability")
    assert "prb" not in actions(only_message(calls))


async def test_the_weekly_review_shows_won_amounts_and_lost_reasons(bot: Harness) -> None:
    team = await bot.storage.teams.create("Bến Thành", bot.clock.now())
    assert team is not None
    rm = Person(2001, "Lan", "Nguyễn", language_code="vi")
    await bot.register(rm, team_id=team.id, language="vi")
    an = await seed(bot, rm, "An")
    now = bot.clock.now()
    won = await bot.storage.deals.create(owner_id=rm.id, customer_id=an.id, actor_id=rm.id,
                                         now=now, amount_minor=to_minor(D(2_000_000_000)),
                                         currency="VND")
    lost = await bot.storage.deals.create(owner_id=rm.id, customer_id=an.id, actor_id=rm.id,
                                          now=now)
    assert won is not None and lost is not None
    await bot.storage.deals.win(rm.id, won.id, rm.id, now, holding_kind="loan",
                                product_name="Vay mua nhà")
    await bot.storage.deals.lose(rm.id, lost.id, "rate", rm.id, now)
    staff = await bot.storage.staff.get(rm.id)
    assert staff is not None
    monday = date(2026, 11, 23)
    with active("vi", "Asia/Ho_Chi_Minh"):
        text = review_text(await rm_report(bot.storage, staff, monday, now))
        assert "🏆" in text and "2 tỷ" in text
        team_view = await team_report(bot.storage, team.id, monday, now)
        assert team_view is not None
        summary = team_text(team_view)
        assert "2 tỷ" in summary and f"{tr('vi', 'Rate')} 1" in summary


@pytest.mark.parametrize(("language", "zone", "name", "region"), [
    ("zh_Hans", "Asia/Shanghai", "王伟", "CN"), ("vi", "Asia/Ho_Chi_Minh", "Trần Văn Bảo", "VN")])
async def test_the_last_open_deal_lost_closes_the_follow_ups(bot: Harness, language: str,
                                                             zone: str, name: str,
                                                             region: str) -> None:
    rm = await make_rm(bot, language, zone=zone)
    customer = await seed(bot, rm, name, region=region)
    now = bot.clock.now()
    first, second = [await bot.storage.deals.create(owner_id=rm.id, customer_id=customer.id,
                                                    actor_id=rm.id, now=now) for _ in "12"]
    assert first is not None and second is not None
    await bot.storage.schedule_follow_up(rm.id, customer.id, "gọi lại", now + timedelta(days=1),
                                         now)
    await bot.press_data(rm, buttons.pack("dl", first.id, owner=rm.id))
    kept = only_message(await press_action(bot, rm, "dlr", first.id, "rate"))
    with active(language, zone):
        closed = ngettext("{count} open follow-up or care reminder closed.",
                          "{count} open follow-ups and care reminders closed.", 1
                          ).format(count=1)
    assert closed not in kept.text  # another deal is still open: the follow-up stays
    assert name in only_message(await bot.send(rm, "/week")).text
    await bot.press_data(rm, buttons.pack("dl", second.id, owner=rm.id))
    reasons = bot.last_for(rm)
    lost = await press_action(bot, rm, "dlr", second.id, "competitor")
    assert only_message(lost).text.startswith(closed)
    assert name not in only_message(await bot.send(rm, "/week")).text
    again = await press_action(bot, rm, "dlr", second.id, "competitor", call=reasons)
    assert answer_of(again).params["text"] == tr(language, "Already handled.")
