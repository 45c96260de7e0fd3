"""Deals: a customer's opportunities, their changes, the team's probabilities and results.

Every change writes the deal, its history row (``deal_events``) and its audit row in one
transaction. Closing a deal is conditional on it still being open, so a button pressed twice
(or on two phones) closes it once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.deals import DEFAULT_PROBABILITY, OPEN_STAGES, DealValue, from_minor
from storage.bookkeeping import AuditLog
from storage.db import Database, Row, from_db_time, marks, to_db_time, to_json
from storage.interactions import InteractionRepo


@dataclass(frozen=True)
class Deal:
    id: int
    customer_id: int
    owner_id: int
    product_id: int | None
    amount_minor: int | None
    currency: str | None
    expected_close: str | None
    stage: str
    lost_reason: str | None
    closed_at: datetime | None
    holding_id: int | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> Deal:
        values: dict[str, Any] = {f.name: row[f.name] for f in fields(cls)}
        for name in ("closed_at", "created_at", "updated_at"):
            values[name] = from_db_time(values[name])
        return cls(**values)

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    @property
    def amount(self) -> Decimal | None:
        return None if self.amount_minor is None else from_minor(self.amount_minor)


@dataclass(frozen=True)
class Won:
    """What winning a deal wrote: the deal, the holding, the customer's stage change."""

    deal: Deal
    holding_id: int
    interaction_id: int


@dataclass(frozen=True)
class DealEvent:
    kind: str
    detail: dict[str, Any]
    staff_id: int
    happened_at: datetime


COLUMNS = ", ".join(f"d.{f.name}" for f in fields(Deal))
# What may change on an open deal.
EDITABLE = frozenset({"product_id", "amount_minor", "currency", "expected_close", "stage"})


def _in(values: Sequence[object]) -> str:
    return f"({marks(values)})"


class DealRepo:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.audit = AuditLog(db)
        self.interactions = InteractionRepo(db)

    async def _event(self, deal_id: int, staff_id: int, kind: str, detail: dict[str, Any],
                     now: datetime) -> None:
        await self.db.execute(
            "INSERT INTO deal_events (deal_id, staff_id, kind, detail, happened_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (deal_id, staff_id, kind, to_json(detail), to_db_time(now)))

    async def create(self, *, owner_id: int, customer_id: int, actor_id: int, now: datetime,
                     product_id: int | None = None, amount_minor: int | None = None,
                     currency: str | None = None, expected_close: str | None = None,
                     stage: str = "find", request_key: str | None = None) -> Deal | None:
        """A new open deal for the RM's own customer; None if the customer is not theirs.
        A second call with the same ``request_key`` (a button pressed twice) returns the deal
        the first one made."""
        if stage not in OPEN_STAGES:
            raise ValueError(f"a deal starts open, not {stage!r}")
        stamp = to_db_time(now)
        async with self.db.transaction():
            owned = await self.db.fetch_value(
                "SELECT 1 FROM customers WHERE id = ? AND owner_id = ? AND erased_at IS NULL",
                (customer_id, owner_id))
            if owned is None:
                return None
            deal_id = await self.db.try_insert(
                "INSERT INTO deals (customer_id, owner_id, product_id, amount_minor, currency,"
                " expected_close, stage, request_key, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (customer_id, owner_id, product_id, amount_minor, currency, expected_close,
                 stage, request_key, stamp, stamp))
            if deal_id is None:
                existing = await self.db.fetch_value(
                    "SELECT id FROM deals WHERE request_key = ? AND owner_id = ?",
                    (request_key, owner_id))
                return await self.get(owner_id, int(existing)) if existing else None
            await self._event(deal_id, actor_id, "created", {"stage": stage}, now)
            await self.audit.record(actor_id=actor_id, action="deal.created", entity="deal",
                                    entity_id=deal_id, now=now,
                                    detail={"customer": customer_id})
        return await self.get(owner_id, deal_id)

    async def get(self, owner_id: int, deal_id: int) -> Deal | None:
        row = await self.db.fetch_one(
            f"SELECT {COLUMNS} FROM deals d JOIN customers c ON c.id = d.customer_id"
            " WHERE d.id = ? AND d.owner_id = ? AND c.owner_id = ? AND c.erased_at IS NULL",
            (deal_id, owner_id, owner_id))
        return Deal.from_row(row) if row else None

    async def for_customer(self, owner_id: int, customer_id: int) -> list[Deal]:
        """The customer's deals: open ones first (newest first), then the closed ones."""
        rows = await self.db.fetch_all(
            f"SELECT {COLUMNS} FROM deals d WHERE d.customer_id = ? AND d.owner_id = ?"
            " ORDER BY CASE WHEN d.closed_at IS NULL THEN 0 ELSE 1 END,"
            " COALESCE(d.closed_at, d.created_at) DESC, d.id DESC",
            (customer_id, owner_id))
        return [Deal.from_row(row) for row in rows]

    async def update(self, owner_id: int, deal_id: int, actor_id: int, now: datetime,
                     **changes: Any) -> Deal | None:
        """Change an open deal; None if it is not the RM's or no longer open."""
        unknown = set(changes) - EDITABLE
        if unknown or not changes:
            raise ValueError(f"not editable on a deal: {sorted(unknown)}")
        if "stage" in changes and changes["stage"] not in OPEN_STAGES:
            raise ValueError("win or lose a deal with win() or lose()")
        async with self.db.transaction():
            current = await self.get(owner_id, deal_id)
            if current is None or not current.is_open:
                return None
            assignments = ", ".join(f"{column} = ?" for column in changes)
            await self.db.execute(
                f"UPDATE deals SET {assignments}, updated_at = ? WHERE id = ?",
                [*changes.values(), to_db_time(now), deal_id])
            detail: dict[str, Any] = {"fields": sorted(changes)}
            if "stage" in changes:
                detail.update({"from": current.stage, "to": changes["stage"]})
            await self._event(deal_id, actor_id, "changed", detail, now)
            await self.audit.record(actor_id=actor_id, action="deal.changed", entity="deal",
                                    entity_id=deal_id, now=now, detail=detail)
        return await self.get(owner_id, deal_id)

    async def win(self, owner_id: int, deal_id: int, actor_id: int, now: datetime, *,
                  holding_kind: str, product_name: str) -> Won | None:
        """Close the deal as won, once: record the holding, and move the customer to 'won'
        with a stage change in their history (which starts the after-sales care)."""
        stamp = to_db_time(now)
        async with self.db.transaction():
            deal = await self.get(owner_id, deal_id)
            if deal is None:
                return None
            closed = await self.db.execute(
                "UPDATE deals SET stage = 'won', closed_at = ?, updated_at = ?"
                " WHERE id = ? AND owner_id = ? AND closed_at IS NULL", (stamp, stamp, deal_id,
                                                                          owner_id))
            if closed != 1:
                return None
            holding_id = await self.db.insert(
                "INSERT INTO holdings (customer_id, kind, product, product_id, amount_minor,"
                " currency, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (deal.customer_id, holding_kind, product_name, deal.product_id,
                 deal.amount_minor, deal.currency, stamp))
            await self.db.execute("UPDATE deals SET holding_id = ? WHERE id = ?",
                                  (holding_id, deal_id))
            stage_before = await self.db.fetch_value(
                "SELECT stage FROM customers WHERE id = ?", (deal.customer_id,))
            await self.db.execute(
                "UPDATE customers SET stage = 'won', lost_reason = NULL, updated_at = ?"
                " WHERE id = ?", (stamp, deal.customer_id))
            interaction_id = await self.interactions.add(
                customer_id=deal.customer_id, staff_id=actor_id, kind="stage",
                happened_at=now, now=now, text=product_name,
                detail={"from": stage_before, "to": "won", "deal": deal_id})
            await self._event(deal_id, actor_id, "won", {"from": deal.stage,
                                                          "holding": holding_id}, now)
            await self.audit.record(actor_id=actor_id, action="deal.won", entity="deal",
                                    entity_id=deal_id, now=now,
                                    detail={"customer": deal.customer_id,
                                            "holding": holding_id})
            won = await self.get(owner_id, deal_id)
        assert won is not None
        return Won(won, holding_id, interaction_id)

    async def lose(self, owner_id: int, deal_id: int, reason: str, actor_id: int,
                   now: datetime) -> Deal | None:
        """Close the deal as lost with a reason, once; None if it was already closed."""
        stamp = to_db_time(now)
        async with self.db.transaction():
            deal = await self.get(owner_id, deal_id)
            if deal is None:
                return None
            closed = await self.db.execute(
                "UPDATE deals SET stage = 'lost', lost_reason = ?, closed_at = ?, updated_at = ?"
                " WHERE id = ? AND owner_id = ? AND closed_at IS NULL",
                (reason, stamp, stamp, deal_id, owner_id))
            if closed != 1:
                return None
            await self._event(deal_id, actor_id, "lost", {"from": deal.stage, "reason": reason},
                              now)
            await self.audit.record(actor_id=actor_id, action="deal.lost", entity="deal",
                                    entity_id=deal_id, now=now, detail={"reason": reason})
        return await self.get(owner_id, deal_id)

    async def events(self, owner_id: int, deal_id: int) -> list[DealEvent]:
        rows = await self.db.fetch_all(
            "SELECT e.kind, e.detail, e.staff_id, e.happened_at FROM deal_events e"
            " JOIN deals d ON d.id = e.deal_id WHERE e.deal_id = ? AND d.owner_id = ?"
            " ORDER BY e.happened_at, e.id", (deal_id, owner_id))
        events = []
        for row in rows:
            when = from_db_time(row["happened_at"])
            assert when is not None
            events.append(DealEvent(row["kind"], json.loads(row["detail"]), row["staff_id"],
                                    when))
        return events

    # -- the pipeline and the team's views ------------------------------------------------------
    async def open_values(self, owner_ids: Sequence[int]) -> list[DealValue]:
        """Stage and amount of every open deal of these RMs' live, active customers."""
        if not owner_ids:
            return []
        rows = await self.db.fetch_all(
            "SELECT d.stage, d.amount_minor, d.currency FROM deals d"
            " JOIN customers c ON c.id = d.customer_id"
            f" WHERE d.owner_id IN {_in(owner_ids)} AND d.closed_at IS NULL"
            " AND c.erased_at IS NULL AND c.archived_at IS NULL", list(owner_ids))
        return [DealValue(row["stage"], row["amount_minor"], row["currency"]) for row in rows]

    async def open_in_stage(self, owner_id: int, stage: str, limit: int = 30) -> list[Deal]:
        rows = await self.db.fetch_all(
            f"SELECT {COLUMNS} FROM deals d JOIN customers c ON c.id = d.customer_id"
            " WHERE d.owner_id = ? AND d.stage = ? AND d.closed_at IS NULL"
            " AND c.erased_at IS NULL AND c.archived_at IS NULL"
            " ORDER BY COALESCE(d.expected_close, '9999'), d.id LIMIT ?",
            (owner_id, stage, limit))
        return [Deal.from_row(row) for row in rows]

    async def won_between(self, owner_ids: Sequence[int], start: datetime,
                          end: datetime) -> tuple[int, dict[str, Decimal]]:
        """How many deals were won in [start, end), and their amounts per currency."""
        if not owner_ids:
            return 0, {}
        rows = await self.db.fetch_all(
            "SELECT currency, COUNT(*) AS n, SUM(amount_minor) AS total FROM deals"
            f" WHERE owner_id IN {_in(owner_ids)} AND stage = 'won' AND closed_at >= ?"
            " AND closed_at < ? GROUP BY currency",
            [*owner_ids, to_db_time(start), to_db_time(end)])
        count = sum(int(row["n"]) for row in rows)
        totals = {row["currency"]: from_minor(int(row["total"])) for row in rows
                  if row["currency"] is not None and row["total"] is not None}
        return count, totals

    async def lost_reasons(self, owner_ids: Sequence[int], start: datetime,
                           end: datetime) -> dict[str, int]:
        """Deals lost in [start, end), counted by reason."""
        if not owner_ids:
            return {}
        rows = await self.db.fetch_all(
            "SELECT lost_reason, COUNT(*) AS n FROM deals"
            f" WHERE owner_id IN {_in(owner_ids)} AND stage = 'lost' AND closed_at >= ?"
            " AND closed_at < ? AND lost_reason IS NOT NULL GROUP BY lost_reason",
            [*owner_ids, to_db_time(start), to_db_time(end)])
        return {row["lost_reason"]: int(row["n"]) for row in rows}

    async def of_owners(self, owner_ids: list[int] | None) -> list[Deal]:
        """Every deal of these RMs (None: everyone's) on live customers, for /export."""
        where, params = "c.erased_at IS NULL", []
        if owner_ids is not None:
            if not owner_ids:
                return []
            where += f" AND d.owner_id IN {_in(owner_ids)}"
            params = list(owner_ids)
        rows = await self.db.fetch_all(
            f"SELECT {COLUMNS} FROM deals d JOIN customers c ON c.id = d.customer_id"
            f" WHERE {where} ORDER BY d.customer_id, d.id", params)
        return [Deal.from_row(row) for row in rows]

    # -- probabilities -----------------------------------------------------------------------
    async def probabilities(self, team_id: int | None) -> dict[str, int]:
        """The team's win probability per stage: its own where set, the defaults elsewhere."""
        values = dict(DEFAULT_PROBABILITY)
        if team_id is None:
            return values
        rows = await self.db.fetch_all(
            "SELECT stage, percent FROM stage_probabilities WHERE team_id = ?", (team_id,))
        values.update({row["stage"]: int(row["percent"]) for row in rows})
        return values

    async def set_probabilities(self, team_id: int, values: dict[str, int], actor_id: int,
                                now: datetime) -> None:
        unknown = set(values) - set(OPEN_STAGES)
        if unknown:
            raise ValueError(f"not open stages: {sorted(unknown)}")
        async with self.db.transaction():
            for stage, percent in values.items():
                await self.db.execute(
                    "INSERT INTO stage_probabilities (team_id, stage, percent, updated_by,"
                    " updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (team_id, stage)"
                    " DO UPDATE SET percent = excluded.percent,"
                    " updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                    (team_id, stage, percent, actor_id, to_db_time(now)))
            await self.audit.record(actor_id=actor_id, action="team.probabilities",
                                    entity="team", entity_id=team_id, now=now,
                                    detail={"stages": sorted(values)})
