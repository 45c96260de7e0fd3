"""Referrals: who referred whom, the best referrers, and referred customers just won."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, to_db_time

_LIVE_CUSTOMER = "c.erased_at IS NULL"


@dataclass(frozen=True)
class Referrer:
    id: int
    name: str
    referred: int      # customers they brought
    became: int        # of whom became customers (won or in after-sales care)


@dataclass(frozen=True)
class Referred:
    id: int
    name: str
    stage: str


@dataclass(frozen=True)
class ReferralWin:
    customer_id: int   # the referred customer, just won
    referrer_id: int
    owner_id: int


class ReferralRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def top_referrers(self, owner_id: int, limit: int = 10) -> list[Referrer]:
        """The RM's customers who brought the most customers, best first."""
        rows = await self.db.fetch_all(
            "SELECT r.id, r.name, COUNT(c.id) AS referred,"
            " SUM(CASE WHEN c.stage IN ('won', 'care') THEN 1 ELSE 0 END) AS became"
            " FROM customers c JOIN customers r ON r.id = c.referred_by"
            f" WHERE c.owner_id = ? AND r.owner_id = ? AND {_LIVE_CUSTOMER}"
            " AND r.erased_at IS NULL"
            " GROUP BY r.id, r.name ORDER BY referred DESC, became DESC, LOWER(r.name) LIMIT ?",
            (owner_id, owner_id, limit))
        return [Referrer(row["id"], row["name"], int(row["referred"]), int(row["became"]))
                for row in rows]

    async def referred_by(self, owner_id: int, referrer_id: int) -> list[Referred]:
        """Whom this customer brought, newest first."""
        rows = await self.db.fetch_all(
            "SELECT c.id, c.name, c.stage FROM customers c"
            f" WHERE c.owner_id = ? AND c.referred_by = ? AND {_LIVE_CUSTOMER}"
            " ORDER BY c.created_at DESC, c.id DESC LIMIT 50", (owner_id, referrer_id))
        return [Referred(row["id"], row["name"], row["stage"]) for row in rows]

    async def referral_wins(self, since: datetime) -> list[ReferralWin]:
        """Referred customers moved to 'won' since a moment, with their referrer on file."""
        rows = await self.db.fetch_all(
            "SELECT DISTINCT c.id, c.referred_by, c.owner_id FROM interactions i"
            " JOIN customers c ON c.id = i.customer_id"
            " JOIN customers r ON r.id = c.referred_by AND r.owner_id = c.owner_id"
            " JOIN staff s ON s.id = c.owner_id"
            f" WHERE {_LIVE_CUSTOMER} AND r.erased_at IS NULL AND s.active = 1"
            f" AND i.kind = 'stage' AND {self.db.json_text('i.detail', 'to')} = 'won'"
            " AND i.happened_at >= ?", (to_db_time(since),))
        return [ReferralWin(row["id"], row["referred_by"], row["owner_id"]) for row in rows]

    async def names(self, customer_ids: Sequence[int]) -> dict[int, str]:
        """Customers' names by id (for texts that mention a second customer)."""
        if not customer_ids:
            return {}
        marks = ", ".join("?" for _ in customer_ids)
        rows = await self.db.fetch_all(
            f"SELECT id, name FROM customers WHERE id IN ({marks}) AND erased_at IS NULL",
            list(customer_ids))
        return {row["id"]: row["name"] for row in rows}
