"""Household links between one RM's customers (family, a company and its people)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.household import INVERSE
from storage.bookkeeping import AuditLog
from storage.db import Database, to_db_time


@dataclass(frozen=True)
class Member:
    """A customer linked to the one whose card is open, and what they are to them."""

    link_id: int
    customer_id: int
    name: str
    relation: str
    birthday: str | None
    birthday_lunar: bool
    birthday_leap: bool
    language: str | None


class HouseholdRepo:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.audit = AuditLog(db)

    async def link(self, owner_id: int, customer_id: int, other_id: int, relation: str,
                   actor_id: int, now: datetime) -> bool:
        """Record that ``other_id`` is ``relation`` of ``customer_id`` (both the RM's own);
        False if they are the same, not both the RM's, or already linked."""
        if customer_id == other_id or relation not in INVERSE:
            return False
        low, high = sorted((customer_id, other_id))
        stored = relation if low == customer_id else INVERSE[relation]
        async with self.db.transaction():
            owned = await self.db.fetch_value(
                "SELECT COUNT(*) FROM customers WHERE id IN (?, ?) AND owner_id = ?"
                " AND erased_at IS NULL", (low, high, owner_id))
            if int(owned) != 2:
                return False
            link_id = await self.db.try_insert(
                "INSERT INTO household_links (owner_id, customer_id, other_id, relation,"
                " created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (owner_id, low, high, stored, to_db_time(now)))
            if link_id is None:
                return False
            await self.audit.record(actor_id=actor_id, action="customer.household_linked",
                                    entity="customer", entity_id=customer_id, now=now,
                                    detail={"other": other_id, "relation": relation})
        return True

    async def unlink(self, owner_id: int, link_id: int, actor_id: int, now: datetime) -> bool:
        async with self.db.transaction():
            row = await self.db.fetch_one(
                "SELECT customer_id, other_id FROM household_links WHERE id = ? AND owner_id = ?",
                (link_id, owner_id))
            if row is None:
                return False
            await self.db.execute("DELETE FROM household_links WHERE id = ?", (link_id,))
            await self.audit.record(actor_id=actor_id, action="customer.household_unlinked",
                                    entity="customer", entity_id=row["customer_id"], now=now,
                                    detail={"other": row["other_id"]})
        return True

    async def members(self, owner_id: int, customer_id: int) -> list[Member]:
        """Everyone linked to this customer who is still the RM's, with what they are to
        them (a link stored from the other side reads inverted)."""
        rows = await self.db.fetch_all(
            "SELECT l.id AS link_id, l.relation, l.customer_id AS low, c.id, c.name,"
            " c.birthday, c.birthday_lunar, c.birthday_leap, c.language"
            " FROM household_links l JOIN customers c"
            " ON c.id = CASE WHEN l.customer_id = ? THEN l.other_id ELSE l.customer_id END"
            " WHERE (l.customer_id = ? OR l.other_id = ?) AND c.owner_id = ?"
            " AND c.erased_at IS NULL ORDER BY l.id",
            (customer_id, customer_id, customer_id, owner_id))
        members = []
        for row in rows:
            relation = row["relation"] if row["low"] == customer_id else INVERSE[row["relation"]]
            members.append(Member(row["link_id"], row["id"], row["name"], relation,
                                  row["birthday"], bool(row["birthday_lunar"]),
                                  bool(row["birthday_leap"]), row["language"]))
        return members

    async def count(self, customer_id: int) -> int:
        return int(await self.db.fetch_value(
            "SELECT COUNT(*) FROM household_links WHERE customer_id = ? OR other_id = ?",
            (customer_id, customer_id)))
