"""Holdings: the products a customer has, with the dates reminders are made for."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from storage.bookkeeping import AuditLog
from storage.db import Database, Row, from_db_time, to_db_time


@dataclass(frozen=True)
class Holding:
    id: int
    customer_id: int
    kind: str
    product: str
    product_id: int | None
    amount_minor: int | None
    currency: str | None
    maturity_date: str | None   # YYYY-MM-DD
    start_date: str | None      # YYYY-MM-DD: an insurance policy's start
    monthly_day: int | None     # a loan's repayment day, an investment plan's debit day
    ended_at: datetime | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> Holding:
        values: dict[str, Any] = {f.name: row[f.name] for f in fields(cls)}
        values["ended_at"] = from_db_time(values["ended_at"])
        created = from_db_time(values["created_at"])
        assert created is not None
        values["created_at"] = created
        return cls(**values)


@dataclass(frozen=True)
class DatedHolding:
    """A holding with a recurring or final date, and who to remind."""

    holding: Holding
    owner_id: int
    timezone: str


COLUMNS = ", ".join(f"h.{f.name}" for f in fields(Holding))
# Dates a holding may be given after it was recorded; what an import may change besides.
DATE_COLUMNS = frozenset({"maturity_date", "start_date", "monthly_day"})
EDITABLE = DATE_COLUMNS | {"kind", "product", "amount_minor", "currency"}
_ACTIVE = "c.erased_at IS NULL AND c.archived_at IS NULL AND s.active = 1"


class HoldingRepo:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.audit = AuditLog(db)

    async def add(self, *, customer_id: int, kind: str, product: str, now: datetime,
                  product_id: int | None = None, amount_minor: int | None = None,
                  currency: str | None = None, maturity_date: str | None = None,
                  start_date: str | None = None, monthly_day: int | None = None,
                  actor_id: int | None = None) -> int:
        """Record a holding (and, with an actor, its audit row) in one transaction."""
        async with self.db.transaction():
            holding_id = await self.db.insert(
                "INSERT INTO holdings (customer_id, kind, product, product_id, amount_minor,"
                " currency, maturity_date, start_date, monthly_day, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (customer_id, kind, product, product_id, amount_minor, currency, maturity_date,
                 start_date, monthly_day, to_db_time(now)),
            )
            if actor_id is not None:
                await self.audit.record(actor_id=actor_id, action="customer.holding",
                                        entity="customer", entity_id=customer_id, now=now,
                                        detail={"holding": holding_id, "kind": kind})
        return holding_id

    async def get(self, owner_id: int, holding_id: int) -> Holding | None:
        row = await self.db.fetch_one(
            f"SELECT {COLUMNS} FROM holdings h JOIN customers c ON c.id = h.customer_id"
            " WHERE h.id = ? AND c.owner_id = ? AND c.erased_at IS NULL",
            (holding_id, owner_id))
        return Holding.from_row(row) if row else None

    async def for_customer(self, owner_id: int, customer_id: int) -> list[Holding]:
        """What the customer holds now, oldest first."""
        rows = await self.db.fetch_all(
            f"SELECT {COLUMNS} FROM holdings h JOIN customers c ON c.id = h.customer_id"
            " WHERE h.customer_id = ? AND c.owner_id = ? AND h.ended_at IS NULL"
            " ORDER BY h.id", (customer_id, owner_id))
        return [Holding.from_row(row) for row in rows]

    async def set_dates(self, owner_id: int, holding_id: int, actor_id: int, now: datetime,
                        **dates: Any) -> Holding | None:
        """Give a holding its maturity, start or monthly day, audited with it."""
        unknown = set(dates) - DATE_COLUMNS
        if unknown or not dates:
            raise ValueError(f"not holding dates: {sorted(unknown)}")
        return await self.update(owner_id, holding_id, actor_id, now, **dates)

    async def update(self, owner_id: int, holding_id: int, actor_id: int, now: datetime,
                     **changes: Any) -> Holding | None:
        """Change a holding of the RM's customer, audited with it; None if not theirs."""
        unknown = set(changes) - EDITABLE
        if unknown or not changes:
            raise ValueError(f"not holding fields: {sorted(unknown)}")
        dates = changes
        async with self.db.transaction():
            holding = await self.get(owner_id, holding_id)
            if holding is None:
                return None
            assignments = ", ".join(f"{column} = ?" for column in dates)
            await self.db.execute(f"UPDATE holdings SET {assignments} WHERE id = ?",
                                  [*dates.values(), holding_id])
            await self.audit.record(actor_id=actor_id, action="customer.holding_changed",
                                    entity="customer", entity_id=holding.customer_id, now=now,
                                    detail={"holding": holding_id, "fields": sorted(dates)})
        return await self.get(owner_id, holding_id)

    async def dated(self) -> list[DatedHolding]:
        """Every held product with a date, of an active customer of an active RM."""
        rows = await self.db.fetch_all(
            f"SELECT {COLUMNS}, c.owner_id, s.timezone FROM holdings h"
            " JOIN customers c ON c.id = h.customer_id JOIN staff s ON s.id = c.owner_id"
            f" WHERE {_ACTIVE} AND h.ended_at IS NULL AND (h.maturity_date IS NOT NULL"
            " OR h.monthly_day IS NOT NULL OR h.start_date IS NOT NULL)")
        return [DatedHolding(Holding.from_row(row), row["owner_id"], row["timezone"])
                for row in rows]

    async def of_owners(self, owner_ids: list[int] | None) -> list[Holding]:
        """Every current holding of these RMs' customers (None: everyone's), for /export."""
        where, params = "c.erased_at IS NULL AND h.ended_at IS NULL", []
        if owner_ids is not None:
            if not owner_ids:
                return []
            where += f" AND c.owner_id IN ({', '.join('?' for _ in owner_ids)})"
            params = list(owner_ids)
        rows = await self.db.fetch_all(
            f"SELECT {COLUMNS} FROM holdings h JOIN customers c ON c.id = h.customer_id"
            f" WHERE {where} ORDER BY h.customer_id, h.id", params)
        return [Holding.from_row(row) for row in rows]
