"""What notes mentioned that a customer's file was missing, offered to the RM: open until
taken or dismissed, one row per customer and thing (so a dismissed one is never offered
again), and taken once however often its button is pressed.

Taking one writes the file in the same transaction that closes it, with its audit row: the
phone or the birthday (only while the file still has none), a follow-up (its rule key is the
suggestion, so never two), or a deal (through storage/deals.py, keyed by the suggestion).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.customers import MAX_FIELD
from domain.deals import Amount
from domain.suggestions import Suggestion
from storage.bookkeeping import AuditLog
from storage.care import CareRepo
from storage.customers import CustomerRepo
from storage.db import Database, Row, to_db_time
from storage.deals import DealRepo
from storage.reminders import ReminderRepo


@dataclass(frozen=True)
class Offered:
    """A suggestion as stored: its id is on its buttons. ``suggestion.key`` is the stored
    digest, not the key the rules gave."""

    id: int
    customer_id: int
    status: str
    suggestion: Suggestion

    @classmethod
    def from_row(cls, row: Row) -> Offered:
        return cls(id=row["id"], customer_id=row["customer_id"], status=row["status"],
                   suggestion=Suggestion(row["kind"], row["what"], json.loads(row["value"]),
                                         0, 0))


@dataclass(frozen=True)
class Taken:
    """What taking a suggestion wrote (``done`` False: the file has that field by now)."""

    offered: Offered
    done: bool
    record_id: int | None = None  # the reminder or the deal it made


_COLUMNS = "id, customer_id, status, kind, what, value"


def _digest(key: str) -> str:
    """What a suggestion is, as stored: enough to know it again, not to read the number or
    the day back once its value is cleared."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


class SuggestionRepo:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.audit = AuditLog(db)
        self.customers = CustomerRepo(db)
        self.reminders = ReminderRepo(db)
        self.deals = DealRepo(db)

    async def offer(self, *, staff_id: int, customer_id: int, suggestion: Suggestion,
                    now: datetime) -> Offered | None:
        """Record the offer; None if this customer's file was offered it before and the RM
        took or dismissed it (an open one is offered again, under the same id)."""
        async with self.db.transaction():
            await self.db.execute(
                "INSERT INTO suggestions (staff_id, customer_id, kind, what, value, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (staff_id, customer_id, suggestion.kind, _digest(suggestion.key),
                 json.dumps(suggestion.value, ensure_ascii=False), to_db_time(now)))
            row = await self.db.fetch_one(
                f"SELECT {_COLUMNS} FROM suggestions WHERE customer_id = ? AND kind = ?"
                " AND what = ? AND staff_id = ?",
                (customer_id, suggestion.kind, _digest(suggestion.key), staff_id))
        if row is None or row["status"] != "open":
            return None
        return Offered.from_row(row)

    async def get(self, staff_id: int, suggestion_id: int) -> Offered | None:
        row = await self.db.fetch_one(
            f"SELECT {_COLUMNS} FROM suggestions WHERE id = ? AND staff_id = ?",
            (suggestion_id, staff_id))
        return Offered.from_row(row) if row else None

    async def dismiss(self, staff_id: int, suggestion_id: int, now: datetime) -> bool:
        """Never offer it again (what it said is forgotten); False if it was answered
        already."""
        changed = await self.db.execute(
            "UPDATE suggestions SET status = 'dismissed', value = '{}', decided_at = ?"
            " WHERE id = ? AND staff_id = ? AND status = 'open'",
            (to_db_time(now), suggestion_id, staff_id))
        return changed == 1

    async def take(self, *, staff_id: int, suggestion_id: int, region: str,
                   now: datetime) -> Taken | None:
        """Write what the suggestion says on the file, once; None if it was answered already
        (or its customer is no longer this RM's)."""
        async with self.db.transaction():
            offered = await self.get(staff_id, suggestion_id)
            # Claimed once; what it said is on the file now (or was not wanted there).
            changed = await self.db.execute(
                "UPDATE suggestions SET status = 'applied', value = '{}', decided_at = ?"
                " WHERE id = ? AND staff_id = ? AND status = 'open'",
                (to_db_time(now), suggestion_id, staff_id))
            offered = offered if changed == 1 else None
            customer = (await self.customers.get(staff_id, offered.customer_id)
                        if offered else None)
            if offered is None or customer is None:
                return None
            suggestion = offered.suggestion
            value: dict[str, Any] = suggestion.value
            if suggestion.kind == "phone":
                if customer.phone:
                    return Taken(offered, False)
                await self._update(staff_id, customer.id, region, now, phone=value["phone"])
                return Taken(offered, True)
            if suggestion.kind == "birthday":
                if customer.birthday:
                    return Taken(offered, False)
                await self._update(staff_id, customer.id, region, now,
                                   birthday=value["birthday"],
                                   birthday_lunar=int(bool(value.get("lunar"))),
                                   birthday_leap=int(bool(value.get("leap"))))
                await CareRepo(self.db).birthdays_changed([customer.id], now)
                return Taken(offered, True)
            if suggestion.kind == "follow_up":
                reminder_id = await self.reminders.create(
                    staff_id=staff_id, customer_id=customer.id, kind="followup",
                    text=str(value.get("what") or "")[:MAX_FIELD], due_at=suggestion.when,
                    now=now, urgent=True, rule_key=f"suggestion:{suggestion_id}")
                await self.audit.record(actor_id=staff_id, action="reminder.created",
                                        entity="customer", entity_id=customer.id, now=now,
                                        detail={"reminder": reminder_id,
                                                "suggestion": suggestion_id})
                return Taken(offered, True, reminder_id)
            amount = Amount(Decimal(value["amount"]), str(value["currency"]))
            deal = await self.deals.create(
                owner_id=staff_id, customer_id=customer.id, actor_id=staff_id, now=now,
                product_id=value.get("product_id"), amount_minor=amount.minor,
                currency=amount.currency, request_key=f"suggestion:{suggestion_id}")
            return Taken(offered, deal is not None, deal.id if deal else None)

    async def _update(self, staff_id: int, customer_id: int, region: str, now: datetime,
                      **changes: Any) -> None:
        await self.customers.update(staff_id, customer_id, now, region, **changes)
        await self.audit.record(actor_id=staff_id, action="customer.updated",
                                entity="customer", entity_id=customer_id, now=now,
                                detail={"fields": sorted(changes), "suggested": True})
