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

        Everything the customer has goes with them: their complaints (so "Resolved", the
        daily reminders, the escalation and /service follow the new owner), their deals, their
        group leads, their household links, the open offers on their notes, and the open
        reminders about them, with a new version so buttons on the old RM's messages stop
        working. Interactions, deal events and satisfaction scores keep the staff id of who
        did them (the history stays true). Returns the ids moved (empty if the customer is
        not the old RM's).
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
                for table in ("leads", "complaints", "deals"):
                    await self.db.execute(
                        f"UPDATE {table} SET owner_id = ? WHERE customer_id IN ({marks})",
                        [to_id, *chunk])
                await self.db.execute(
                    f"UPDATE suggestions SET staff_id = ? WHERE customer_id IN ({marks})"
                    " AND status = 'open'", [to_id, *chunk])
                # A link is its owner's: it moves once both of its customers are the new RM's.
                await self.db.execute(
                    "UPDATE household_links SET owner_id = ?"
                    f" WHERE (customer_id IN ({marks}) OR other_id IN ({marks}))"
                    " AND customer_id IN (SELECT id FROM customers WHERE owner_id = ?)"
                    " AND other_id IN (SELECT id FROM customers WHERE owner_id = ?)",
                    [to_id, *chunk, *chunk, to_id, to_id])
        return moved
