"""Leads: group members who pressed "I'm interested" under a post."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, Row, to_db_time


@dataclass(frozen=True)
class Lead:
    id: int
    post_id: int
    user_id: int
    owner_id: int
    customer_id: int | None
    token: str
    phone: str | None

    @classmethod
    def from_row(cls, row: Row) -> Lead:
        return cls(id=row["id"], post_id=row["post_id"], user_id=row["user_id"],
                   owner_id=row["owner_id"], customer_id=row["customer_id"],
                   token=row["token"], phone=row["phone"])


_COLUMNS = "id, post_id, user_id, owner_id, customer_id, token, phone"


class LeadRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create_once(self, *, post_id: int, user_id: int, owner_id: int,
                          now: datetime) -> tuple[Lead, bool]:
        """The lead for this member and post, and whether it was created just now."""
        async with self.db.transaction():
            created = await self.db.try_insert(
                "INSERT INTO leads (post_id, user_id, owner_id, token, created_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (post_id, user_id, owner_id, secrets.token_urlsafe(12), to_db_time(now)))
            row = await self.db.fetch_one(
                f"SELECT {_COLUMNS} FROM leads WHERE post_id = ? AND user_id = ?",
                (post_id, user_id))
        assert row is not None
        return Lead.from_row(row), created is not None

    async def set_customer(self, lead_id: int, customer_id: int) -> None:
        await self.db.execute("UPDATE leads SET customer_id = ? WHERE id = ?",
                              (customer_id, lead_id))

    async def by_token(self, token: str) -> Lead | None:
        row = await self.db.fetch_one(f"SELECT {_COLUMNS} FROM leads WHERE token = ?", (token,))
        return Lead.from_row(row) if row else None

    async def waiting_for_phone(self, user_id: int) -> Lead | None:
        """The member's latest lead that opened the private chat and has no phone yet."""
        row = await self.db.fetch_one(
            f"SELECT {_COLUMNS} FROM leads WHERE user_id = ? AND phone IS NULL"
            " AND consent_at IS NULL ORDER BY id DESC LIMIT 1", (user_id,))
        return Lead.from_row(row) if row else None

    async def waiting_of(self, user_id: int, owner_id: int) -> list[Lead]:
        """The member's leads with this RM still waiting for their consent, oldest first."""
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS} FROM leads WHERE user_id = ? AND owner_id = ?"
            " AND consent_at IS NULL ORDER BY id", (user_id, owner_id))
        return [Lead.from_row(row) for row in rows]

    async def purge_unconsented(self, before: datetime) -> int:
        """Forget interest never confirmed by a phone number, pressed before then."""
        return await self.db.execute(
            "DELETE FROM leads WHERE consent_at IS NULL AND created_at < ?", (to_db_time(before),))

    async def latest_of(self, user_id: int) -> Lead | None:
        """The person's latest lead they gave their number for, else their latest one: either
        way they are known, no stranger."""
        row = await self.db.fetch_one(
            f"SELECT {_COLUMNS} FROM leads WHERE user_id = ?"
            " ORDER BY CASE WHEN consent_at IS NULL THEN 1 ELSE 0 END, id DESC LIMIT 1",
            (user_id,))
        return Lead.from_row(row) if row else None

    async def record_phone(self, lead_id: int, phone: str, now: datetime) -> None:
        """The member shared their number: that is their consent to be contacted by the same
        RM about every offer they were waiting on, so none of those asks again."""
        await self.db.execute(
            "UPDATE leads SET phone = ?, consent_at = ? WHERE phone IS NULL AND consent_at IS NULL"
            " AND (id = ? OR (user_id, owner_id) = (SELECT user_id, owner_id FROM leads"
            " WHERE id = ?))",
            (phone, to_db_time(now), lead_id, lead_id))
