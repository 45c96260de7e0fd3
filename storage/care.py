"""The rows care rules read: who needs a touch, who just bought, birthdays, compliance dates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.care import birthday_reminder
from domain.pushes import Kind
from storage.db import Database, from_db_time, to_db_time
from storage.reminders import ReminderRepo


@dataclass(frozen=True)
class CareSubject:
    customer_id: int
    owner_id: int
    timezone: str
    grade: str | None
    language: str | None
    last_contact_at: datetime
    birthday: str | None
    birthday_lunar: bool
    birthday_leap: bool


@dataclass(frozen=True)
class Sale:
    interaction_id: int
    customer_id: int
    owner_id: int
    timezone: str
    won_at: datetime


@dataclass(frozen=True)
class ComplianceDue:
    customer_id: int
    owner_id: int
    timezone: str
    field: str   # id_expiry, risk_expiry, kyc_due
    day: str     # YYYY-MM-DD


COMPLIANCE_COLUMNS = ("id_expiry", "risk_expiry", "kyc_due")
_ACTIVE = ("c.erased_at IS NULL AND c.archived_at IS NULL AND s.active = 1")


class CareRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def subjects(self, customer_ids: Sequence[int] | None = None) -> list[CareSubject]:
        """Every active customer of an active RM (or those of them named), with what the
        rules need."""
        only, params = "", list(customer_ids or ())
        if customer_ids is not None:
            if not customer_ids:
                return []
            only = f" AND c.id IN ({', '.join('?' for _ in params)})"
        rows = await self.db.fetch_all(
            "SELECT c.id, c.owner_id, s.timezone, c.grade, c.language,"
            " COALESCE(c.last_contact_at, c.created_at) AS base, c.birthday,"
            " c.birthday_lunar, c.birthday_leap FROM customers c"
            f" JOIN staff s ON s.id = c.owner_id WHERE {_ACTIVE} AND c.stage != 'lost'{only}",
            params,
        )
        subjects = []
        for row in rows:
            base = from_db_time(row["base"])
            assert base is not None
            subjects.append(CareSubject(
                customer_id=row["id"], owner_id=row["owner_id"], timezone=row["timezone"],
                grade=row["grade"], language=row["language"], last_contact_at=base,
                birthday=row["birthday"], birthday_lunar=bool(row["birthday_lunar"]),
                birthday_leap=bool(row["birthday_leap"])))
        return subjects

    async def birthdays_changed(self, customer_ids: Sequence[int], now: datetime) -> None:
        """Birthdays just written (on the card, from a note, by an import, with a new file):
        one coming this week is reminded now rather than at the next care tick, so a birthday
        set on the day itself still reaches today's agenda; a changed or cleared one withdraws
        the reminder of the old date. The rule key is the care rule's, so never two."""
        reminders = ReminderRepo(self.db)
        for start in range(0, len(customer_ids), 500):
            chunk = list(customer_ids[start:start + 500])
            subjects = {subject.customer_id: subject for subject in await self.subjects(chunk)}
            for customer_id in chunk:
                subject = subjects.get(customer_id)
                due = (birthday_reminder(customer_id, subject.birthday, subject.birthday_lunar,
                                         subject.birthday_leap, subject.timezone,
                                         subject.language, now)
                       if subject is not None and subject.birthday else None)
                await reminders.cancel_rule(customer_id, Kind.BIRTHDAY,
                                            keep_key=due.rule_key if due else None)
                if subject is not None and due is not None:
                    await reminders.create(staff_id=subject.owner_id, customer_id=customer_id,
                                           kind=Kind.BIRTHDAY, text=due.day.isoformat(),
                                           due_at=due.due_at, now=now, rule_key=due.rule_key)

    async def sales_since(self, since: datetime) -> list[Sale]:
        """Stage changes to 'won' since a moment (post-sale care starts from them)."""
        rows = await self.db.fetch_all(
            "SELECT i.id, i.customer_id, c.owner_id, s.timezone, i.happened_at"
            " FROM interactions i JOIN customers c ON c.id = i.customer_id"
            f" JOIN staff s ON s.id = c.owner_id WHERE {_ACTIVE} AND i.kind = 'stage'"
            f" AND {self.db.json_text('i.detail', 'to')} = 'won' AND i.happened_at >= ?",
            (to_db_time(since),),
        )
        sales = []
        for row in rows:
            won_at = from_db_time(row["happened_at"])
            assert won_at is not None
            sales.append(Sale(row["id"], row["customer_id"], row["owner_id"], row["timezone"],
                              won_at))
        return sales

    async def compliance_dates(self, first_day: str, last_day: str) -> list[ComplianceDue]:
        """Compliance dates of active files between two dates (YYYY-MM-DD, inclusive)."""
        found = []
        for column in COMPLIANCE_COLUMNS:
            rows = await self.db.fetch_all(
                f"SELECT c.id, c.owner_id, s.timezone, c.{column} AS day FROM customers c"
                f" JOIN staff s ON s.id = c.owner_id WHERE {_ACTIVE}"
                f" AND c.{column} BETWEEN ? AND ?", (first_day, last_day))
            found += [ComplianceDue(row["id"], row["owner_id"], row["timezone"], column,
                                    row["day"]) for row in rows]
        return found

    async def customer_languages(self, owner_id: int) -> list[str]:
        """The languages this RM's customers speak (as set in their files)."""
        rows = await self.db.fetch_all(
            "SELECT DISTINCT language FROM customers WHERE owner_id = ? AND language IS NOT NULL"
            " AND erased_at IS NULL AND archived_at IS NULL ORDER BY language",
            (owner_id,),
        )
        return [row["language"] for row in rows]
