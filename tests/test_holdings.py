"""Holdings and their dates: maturities, loan repayments, policy anniversaries, recurring
investment debits, and the compliance dates on a customer file."""

from __future__ import annotations

from datetime import date

import pytest

from core.i18n import active
from core.pushes.reminders import reminder_message
from domain.compliance import due_within
from domain.holdings import (
    DueDate,
    kind_for_product,
    next_anniversary,
    next_monthly,
    parse_day_of_month,
    upcoming_dates,
)
from scheduler.care import apply_care_rules
from tests.customers import make_rm, seed
from tests.harness import Harness, tr

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(("product", "group", "kind"), [
    ("savings_12m", "ind_deposits", "deposit"),
    ("home_loan", "ind_loans", "loan"),
    ("credit_card", "ind_cards", "card"),
    ("bancassurance", "ind_services", "insurance"),
    ("investment_loan", "co_credit", "loan"),
    ("working_capital", "co_credit", "loan"),
    ("transfers", "ind_services", "other"),
])
def test_a_catalog_product_becomes_a_kind_of_holding(product: str, group: str,
                                                     kind: str) -> None:
    assert kind_for_product(product, group) == kind


def test_monthly_dates_fall_on_the_day_or_the_months_last() -> None:
    assert next_monthly(15, TODAY) == date(2026, 12, 15)
    assert next_monthly(23, TODAY) == TODAY
    assert next_monthly(31, date(2026, 2, 10)) == date(2026, 2, 28)
    assert next_monthly(30, date(2026, 12, 31)) == date(2027, 1, 30)


def test_anniversaries_recur_yearly() -> None:
    assert next_anniversary(date(2020, 12, 1), TODAY) == date(2026, 12, 1)
    assert next_anniversary(date(2020, 1, 5), TODAY) == date(2027, 1, 5)
    assert next_anniversary(date(2024, 2, 29), date(2027, 1, 1)) == date(2027, 2, 28)
    assert next_anniversary(TODAY, TODAY) == date(2027, 11, 23)  # not the start day itself


def test_each_kind_has_its_dates_within_the_horizon() -> None:
    assert upcoming_dates("deposit", date(2026, 12, 10), None, None, TODAY) == [
        DueDate("maturity", date(2026, 12, 10))]
    assert upcoming_dates("loan", None, None, 5, TODAY) == [DueDate("repayment",
                                                                    date(2026, 12, 5))]
    assert upcoming_dates("investment", None, None, 28, TODAY) == [
        DueDate("debit", date(2026, 11, 28))]
    assert upcoming_dates("insurance", None, date(2019, 12, 20), None, TODAY) == [
        DueDate("anniversary", date(2026, 12, 20))]
    # A loan that has ended has no more repayments; far dates wait.
    assert upcoming_dates("loan", date(2026, 1, 1), None, 5, TODAY) == []
    assert upcoming_dates("deposit", date(2028, 1, 1), None, None, TODAY) == []


@pytest.mark.parametrize(("text", "day"), [
    ("15", 15), ("ngày 15", 15), ("15号", 15), ("每月15日", 15), ("31", 31),
    ("0", None), ("32", None), ("abc", None), ("2026", None),
])
def test_the_day_of_the_month_is_read_in_each_language(text: str, day: int | None) -> None:
    assert parse_day_of_month(text) == day


def test_compliance_dates_due_within_thirty_days() -> None:
    values = {"id_expiry": "2026-12-20", "risk_expiry": "2027-06-01", "kyc_due": "2026-11-30"}
    assert [(d.field, d.day) for d in due_within(values, TODAY)] == [
        ("id_expiry", date(2026, 12, 20)), ("kyc_due", date(2026, 11, 30))]
    assert due_within({"id_expiry": None}, TODAY) == []


# -- reminders, through the care rules ----------------------------------------------------------
async def test_each_date_is_reminded_ahead(bot: Harness) -> None:
    rm = await make_rm(bot, "vi")
    an = await seed(bot, rm, "Nguyễn Văn An", id_expiry="2026-12-20")
    now = bot.clock.now()  # Monday 23 November 2026
    holdings = bot.storage.holdings
    await holdings.add(customer_id=an.id, kind="loan", product="Vay mua nhà", monthly_day=5,
                       now=now)
    await holdings.add(customer_id=an.id, kind="insurance", product="Bảo an",
                       start_date="2019-12-20", now=now)
    await holdings.add(customer_id=an.id, kind="investment", product="Quỹ định kỳ",
                       monthly_day=28, now=now)
    assert await apply_care_rules(bot.storage, now) == 4
    again = await apply_care_rules(bot.storage, now)
    rows = await bot.storage.db.fetch_all(
        "SELECT kind, due_at, text FROM reminders WHERE customer_id = ? ORDER BY due_at, kind",
        (an.id,))
    due = [(row["kind"], row["due_at"][:10]) for row in rows]
    assert ("repayment", "2026-12-02") in due       # 3 days before the 5th
    assert ("debit", "2026-11-26") in due           # 2 days before the 28th
    # 20 December is 27 days away: the 30-day notice has passed, the 7-day one is to come.
    assert ("anniversary", "2026-12-13") in due
    assert ("compliance", "2026-12-13") in due
    assert again == 0  # never twice
    texts = {row["kind"]: row["text"] for row in rows}
    assert texts["compliance"] == "id_expiry|2026-12-20"
    assert texts["repayment"] == "Vay mua nhà · 2026-12-05"
    # Rendered in the RM's language.
    reminder = await bot.storage.reminders.get(rm.id, int(await bot.storage.db.fetch_value(
        "SELECT id FROM reminders WHERE kind = 'compliance' ORDER BY id LIMIT 1")))
    assert reminder is not None
    with active("vi", "Asia/Ho_Chi_Minh"):
        text, _markup = reminder_message(reminder, now)
    assert tr("vi", "ID document expiry") in text and "Nguyễn Văn An" in text
