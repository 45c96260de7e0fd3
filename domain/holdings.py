"""Products a customer holds, and the dates the bank chases them for.

Each kind of holding has its own recurring date: a deposit (or any product) matures once, a
loan is repaid on a day of every month, an insurance policy has a yearly anniversary (the
premium falls due), a recurring investment plan (định kỳ, 定期定額) debits on a day of every
month. The RM is reminded some days before each, like before a maturity.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from core.i18n import N_

HOLDING_KINDS: dict[str, str] = {
    "deposit": N_("Deposit"),
    "loan": N_("Loan"),
    "insurance": N_("Insurance"),
    "investment": N_("Recurring investment"),
    "card": N_("Card"),
    "other": N_("Other product"),
}
# The holding kind a catalog product becomes, from words in its code or its group's code,
# in this order ("credit_card" is a card, "investment_loan" a loan); anything else is other.
_KIND_HINTS = (("card", "card"), ("insur", "insurance"), ("assur", "insurance"),
               ("loan", "loan"), ("deposit", "deposit"), ("saving", "deposit"),
               ("invest", "investment"), ("fund", "investment"), ("credit", "loan"))

# How many days before each date the RM is reminded.
MATURITY_DAYS_BEFORE = (7, 1)
REPAYMENT_DAYS_BEFORE = (3,)
ANNIVERSARY_DAYS_BEFORE = (30, 7)
DEBIT_DAYS_BEFORE = (2,)
# Dates further ahead than this are not turned into reminders yet.
HORIZON_DAYS = 31

DATE_KINDS: dict[str, str] = {
    "maturity": N_("Product maturing"),
    "repayment": N_("Loan repayment"),
    "anniversary": N_("Policy anniversary"),
    "debit": N_("Recurring investment debit"),
}
DAYS_BEFORE = {"maturity": MATURITY_DAYS_BEFORE, "repayment": REPAYMENT_DAYS_BEFORE,
               "anniversary": ANNIVERSARY_DAYS_BEFORE, "debit": DEBIT_DAYS_BEFORE}
# The monthly date of each kind, and what its yearly date means.
MONTHLY_KIND = {"loan": "repayment", "investment": "debit"}
YEARLY_KIND = {"insurance": "anniversary"}


def kind_for_product(product_code: str, group_code: str) -> str:
    """The holding kind a catalog product becomes once won."""
    for code in (product_code.lower(), group_code.lower()):
        for hint, kind in _KIND_HINTS:
            if hint in code:
                return kind
    return "other"


def monthly_date(day: int, year: int, month: int) -> date:
    """Day ``day`` of a month, or its last day when the month is shorter (31 → 30 April)."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def next_monthly(day: int, today: date) -> date:
    """The next date (today included) that falls on this day of the month."""
    this_month = monthly_date(day, today.year, today.month)
    if this_month >= today:
        return this_month
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return monthly_date(day, year, month)


def next_anniversary(start: date, today: date) -> date | None:
    """The next anniversary of the start (today included, the start day itself not);
    29 February falls on the 28th in other years."""
    for year in (today.year, today.year + 1):
        day = min(start.day, calendar.monthrange(year, start.month)[1])
        candidate = date(year, start.month, day)
        if candidate >= today and candidate > start:
            return candidate
    return None


@dataclass(frozen=True)
class DueDate:
    kind: str  # maturity, repayment, anniversary, debit
    day: date


def upcoming_dates(kind: str, maturity: date | None, start: date | None,
                   monthly_day: int | None, today: date) -> list[DueDate]:
    """The dates of one holding within the horizon that reminders are made for."""
    horizon = today + timedelta(days=HORIZON_DAYS + max(ANNIVERSARY_DAYS_BEFORE))
    found: list[DueDate] = []
    if maturity is not None and today <= maturity <= horizon:
        found.append(DueDate("maturity", maturity))
    ended = maturity is not None and maturity < today
    if monthly_day and kind in MONTHLY_KIND and not ended:
        day = next_monthly(monthly_day, today)
        if maturity is None or day <= maturity:
            found.append(DueDate(MONTHLY_KIND[kind], day))
    if start is not None and kind in YEARLY_KIND and not ended:
        anniversary = next_anniversary(start, today)
        if anniversary is not None and anniversary <= horizon and (
                maturity is None or anniversary < maturity):
            found.append(DueDate(YEARLY_KIND[kind], anniversary))
    return found


def parse_day_of_month(text: str) -> int | None:
    """'15', 'ngày 15', '15号', '每月15日' → 15; None unless 1–31."""
    digits = "".join(ch for ch in text if ch.isdigit())
    if not digits or len(digits) > 2:
        return None
    day = int(digits)
    return day if 1 <= day <= 31 else None
