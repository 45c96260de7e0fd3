"""The rows care rules read: who needs a touch, who just bought, birthdays, maturities."""

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
class Maturity:
    holding_id: int
    customer_id: int
    owner_id: int
    timezone: str
    product: str
    maturity_date: str


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

    async def maturities(self, first_day: str, last_day: str) -> list[Maturity]:
        """Holdings maturing between two dates (YYYY-MM-DD, inclusive)."""
        rows = await self.db.fetch_all(
            "SELECT h.id, h.customer_id, c.owner_id, s.timezone, h.product, h.maturity_date"
            " FROM holdings h JOIN customers c ON c.id = h.customer_id"
            f" JOIN staff s ON s.id = c.owner_id WHERE {_ACTIVE}"
            " AND h.maturity_date BETWEEN ? AND ?",
            (first_day, last_day),
        )
        return [Maturity(row["id"], row["customer_id"], row["owner_id"], row["timezone"],
                         row["product"], row["maturity_date"]) for row in rows]

    async def add_holding(self, customer_id: int, product: str, amount: str | None,
                          currency: str | None, maturity_date: str | None,
                          now: datetime) -> int:
        return await self.db.insert(
            "INSERT INTO holdings (customer_id, product, amount, currency, maturity_date,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (customer_id, product, amount, currency, maturity_date, to_db_time(now)),
        )

    async def customer_languages(self, owner_id: int) -> list[str]:
        """The languages this RM's customers speak (as set in their files)."""
        rows = await self.db.fetch_all(
            "SELECT DISTINCT language FROM customers WHERE owner_id = ? AND language IS NOT NULL"
            " AND erased_at IS NULL AND archived_at IS NULL ORDER BY language",
            (owner_id,),
        )
        return [row["language"] for row in rows]
