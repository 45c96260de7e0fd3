"""Reminders: follow-ups, appointments and care, delivered by the scheduler's dispatcher."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.db import Database, from_db_time, to_db_time


@dataclass(frozen=True)
class Reminder:
    id: int
    staff_id: int
    customer_id: int | None
    kind: str
    text: str
    due_at: datetime
    status: str
    late: bool

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> Reminder:
        due_at = from_db_time(row["due_at"])
        assert due_at is not None
        return cls(id=row["id"], staff_id=row["staff_id"], customer_id=row["customer_id"],
                   kind=row["kind"], text=row["text"], due_at=due_at, status=row["status"],
                   late=bool(row["late"]))


_COLUMNS = "id, staff_id, customer_id, kind, text, due_at, status, late"


class ReminderRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, *, staff_id: int, customer_id: int | None, kind: str, text: str,
                     due_at: datetime, now: datetime, urgent: bool = False,
                     rule_key: str | None = None) -> int | None:
        """Add a reminder; None if a care rule already created this one (same rule_key)."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO reminders (staff_id, customer_id, kind, text, due_at,"
                " urgent, rule_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (staff_id, customer_id, kind, text, to_db_time(due_at), int(urgent), rule_key,
                 to_db_time(now)),
            )
            return cursor.lastrowid if cursor.rowcount == 1 else None

    async def get(self, staff_id: int, reminder_id: int) -> Reminder | None:
        row = await self.db.fetch_one(
            f"SELECT {_COLUMNS} FROM reminders WHERE id = ? AND staff_id = ?",
            (reminder_id, staff_id),
        )
        return Reminder.from_row(row) if row else None

    async def next_for_customer(self, customer_id: int) -> Reminder | None:
        row = await self.db.fetch_one(
            f"SELECT {_COLUMNS} FROM reminders WHERE customer_id = ?"
            " AND status IN ('pending', 'sending', 'sent') ORDER BY due_at LIMIT 1",
            (customer_id,),
        )
        return Reminder.from_row(row) if row else None

    async def cancel(self, staff_id: int, reminder_id: int, now: datetime) -> bool:
        changed = await self.db.execute(
            "UPDATE reminders SET status = 'cancelled', done_at = ? WHERE id = ? AND staff_id = ?"
            " AND status IN ('pending', 'sent')",
            (to_db_time(now), reminder_id, staff_id),
        )
        return changed == 1
