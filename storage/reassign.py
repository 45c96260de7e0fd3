"""Handing customers over from one RM to another of the team (an RM who leaves)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Database, to_db_time

_OPEN = "('pending', 'sending', 'sent')"


@dataclass(frozen=True)
class CustomerRef:
    """Just enough of a customer to pick it from a list."""

    id: int
    name: str
    stage: str
    archived: bool


class ReassignRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def customers_of(self, owner_id: int, *, offset: int,
                           limit: int) -> tuple[list[CustomerRef], int]:
        """An RM's customers (archived ones too, not erased ones) by name, for picking one."""
        where = "owner_id = ? AND erased_at IS NULL"
        total = await self.db.fetch_value(f"SELECT COUNT(*) FROM customers WHERE {where}",
                                          (owner_id,))
        rows = await self.db.fetch_all(
            f"SELECT id, name, stage, archived_at FROM customers WHERE {where}"
            " ORDER BY LOWER(name), id LIMIT ? OFFSET ?", (owner_id, limit, offset))
        return ([CustomerRef(row["id"], row["name"], row["stage"], row["archived_at"] is not None)
                 for row in rows], int(total))

    async def count_owned(self, owner_id: int) -> int:
        """Every customer row the RM owns (archived and erased ones too: they all move)."""
        return int(await self.db.fetch_value(
            "SELECT COUNT(*) FROM customers WHERE owner_id = ?", (owner_id,)))

    async def reassign(self, from_id: int, to_id: int, now: datetime,
                       customer_id: int | None = None) -> list[int]:
        """Give one customer (or, with None, all) of one RM to another, in one transaction.

        The customer rows change owner; interactions keep the staff_id of who did them (the
        history stays true); open reminders about the customers and their group leads move to
        the new owner, with a new version so buttons on the old RM's messages stop working.
        Returns the ids moved (empty if the customer is not the old RM's).
        """
        if from_id == to_id:
            return []
        only = " AND id = ?" if customer_id is not None else ""
        params: list[Any] = [from_id] + ([customer_id] if customer_id is not None else [])
        stamp = to_db_time(now)
        async with self.db.transaction():
            rows = await self.db.fetch_all(
                f"SELECT id FROM customers WHERE owner_id = ?{only} ORDER BY id",
                params)
            moved = [int(row[0]) for row in rows]
            if not moved:
                return []
            for start in range(0, len(moved), 500):
                chunk = moved[start:start + 500]
                marks = ", ".join("?" for _ in chunk)
                await self.db.execute(
                    f"UPDATE customers SET owner_id = ?, updated_at = ? WHERE id IN ({marks})",
                    [to_id, stamp, *chunk])
                await self.db.execute(
                    f"UPDATE reminders SET staff_id = ?, version = version + 1"
                    f" WHERE customer_id IN ({marks}) AND staff_id = ? AND status IN {_OPEN}",
                    [to_id, *chunk, from_id])
                await self.db.execute(
                    f"UPDATE leads SET owner_id = ? WHERE customer_id IN ({marks})",
                    [to_id, *chunk])
        return moved
