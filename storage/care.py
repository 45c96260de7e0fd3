"""The rows care rules read: who needs a touch, who just bought, birthdays, compliance dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, from_db_time, to_db_time


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

    async def subjects(self) -> list[CareSubject]:
        """Every active customer of an active RM, with what the rules need."""
        rows = await self.db.fetch_all(
            "SELECT c.id, c.owner_id, s.timezone, c.grade, c.language,"
            " COALESCE(c.last_contact_at, c.created_at) AS base, c.birthday,"
            " c.birthday_lunar, c.birthday_leap FROM customers c"
            f" JOIN staff s ON s.id = c.owner_id WHERE {_ACTIVE} AND c.stage != 'lost'"
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
