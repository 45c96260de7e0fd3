"""Interactions: every call, visit, meeting, message, note, complaint, file and stage change."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.names import fold
from storage.db import Database, Row, from_db_time, to_db_time, to_json

# Kinds that count as being in touch with the customer (they restart care timers).
CONTACT_KINDS = frozenset({"call", "visit", "meeting", "message", "note", "complaint"})


@dataclass(frozen=True)
class Interaction:
    id: int
    customer_id: int
    staff_id: int
    kind: str
    happened_at: datetime
    text: str
    file_id: str | None
    file_type: str | None
    file_name: str | None
    detail: dict[str, Any]

    @classmethod
    def from_row(cls, row: Row) -> Interaction:
        happened_at = from_db_time(row["happened_at"])
        assert happened_at is not None
        return cls(
            id=row["id"], customer_id=row["customer_id"], staff_id=row["staff_id"],
            kind=row["kind"], happened_at=happened_at, text=row["text"],
            file_id=row["file_id"], file_type=row["file_type"], file_name=row["file_name"],
            detail=json.loads(row["detail"]),
        )


_COLUMNS = ("i.id, i.customer_id, i.staff_id, i.kind, i.happened_at, i.text, i.file_id,"
            " i.file_type, i.file_name, i.detail")


class InteractionRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self, *, customer_id: int, staff_id: int, kind: str, happened_at: datetime, now: datetime,
        text: str = "", file_id: str | None = None, file_type: str | None = None,
        file_name: str | None = None, detail: dict[str, Any] | None = None,
    ) -> int:
        """Record an interaction; a contact also moves the customer's last-contact time."""
        async with self.db.transaction():
            interaction_id = await self.db.insert(
                "INSERT INTO interactions (customer_id, staff_id, kind, happened_at, text,"
                " search_text, file_id, file_type, file_name, detail, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (customer_id, staff_id, kind, to_db_time(happened_at), text, fold(text),
                 file_id, file_type, file_name, to_json(detail or {}), to_db_time(now)),
            )
            if kind in CONTACT_KINDS:
                await self.db.execute(
                    "UPDATE customers SET last_contact_at = CASE WHEN last_contact_at > ?"
                    " THEN last_contact_at ELSE ? END,"
                    " updated_at = ? WHERE id = ?",
                    (to_db_time(happened_at), to_db_time(happened_at), to_db_time(now),
                     customer_id),
                )
            else:
                await self.db.execute(
                    "UPDATE customers SET updated_at = ? WHERE id = ?",
                    (to_db_time(now), customer_id),
                )
        return interaction_id

    async def history(self, owner_id: int, customer_id: int, *, offset: int,
                      limit: int) -> tuple[list[Interaction], int]:
        """Newest first, only for the customer's owner."""
        total = await self.db.fetch_value(
            "SELECT COUNT(*) FROM interactions i JOIN customers c ON c.id = i.customer_id"
            " WHERE i.customer_id = ? AND c.owner_id = ?",
            (customer_id, owner_id),
        )
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS} FROM interactions i JOIN customers c ON c.id = i.customer_id"
            " WHERE i.customer_id = ? AND c.owner_id = ?"
            " ORDER BY i.happened_at DESC, i.id DESC LIMIT ? OFFSET ?",
            (customer_id, owner_id, limit, offset),
        )
        return [Interaction.from_row(row) for row in rows], int(total)

    async def get(self, owner_id: int, interaction_id: int) -> Interaction | None:
        row = await self.db.fetch_one(
            f"SELECT {_COLUMNS} FROM interactions i JOIN customers c ON c.id = i.customer_id"
            " WHERE i.id = ? AND c.owner_id = ? AND c.erased_at IS NULL",
            (interaction_id, owner_id),
        )
        return Interaction.from_row(row) if row else None

    async def correct(self, staff_id: int, interaction_id: int, text: str,
                      now: datetime) -> Interaction | None:
        """Replace the text of an interaction its author wrote; None if it is not theirs."""
        row = await self.db.fetch_one(
            "SELECT detail FROM interactions WHERE id = ? AND staff_id = ?",
            (interaction_id, staff_id))
        if row is None:
            return None
        detail = {**json.loads(row["detail"]), "corrected_at": now.isoformat()}
        await self.db.execute(
            "UPDATE interactions SET text = ?, search_text = ?, detail = ?"
            " WHERE id = ? AND staff_id = ?",
            (text, fold(text), to_json(detail), interaction_id, staff_id))
        return await self._by_author(staff_id, interaction_id)

    async def _by_author(self, staff_id: int, interaction_id: int) -> Interaction | None:
        row = await self.db.fetch_one(
            f"SELECT {_COLUMNS} FROM interactions i WHERE i.id = ? AND i.staff_id = ?",
            (interaction_id, staff_id))
        return Interaction.from_row(row) if row else None

    async def delete(self, staff_id: int, interaction_id: int) -> int | None:
        """Delete an interaction its author wrote: its customer's id, None if not theirs."""
        item = await self._by_author(staff_id, interaction_id)
        if item is None:
            return None
        await self.db.execute("DELETE FROM interactions WHERE id = ? AND staff_id = ?",
                              (interaction_id, staff_id))
        return item.customer_id

    async def own(self, staff_id: int, interaction_id: int) -> tuple[Interaction, datetime] | None:
        """An interaction the RM recorded about their own customer, with when it was stored."""
        row = await self.db.fetch_one(
            f"SELECT {_COLUMNS}, i.created_at FROM interactions i"
            " JOIN customers c ON c.id = i.customer_id WHERE i.id = ? AND i.staff_id = ?"
            " AND c.owner_id = ? AND c.erased_at IS NULL", (interaction_id, staff_id, staff_id))
        if row is None:
            return None
        created_at = from_db_time(row["created_at"])
        assert created_at is not None
        return Interaction.from_row(row), created_at

    async def remove(self, interaction: Interaction, now: datetime) -> None:
        """Take an interaction back (undo): the customer's last contact is what is left."""
        await self.db.execute("DELETE FROM interactions WHERE id = ?", (interaction.id,))
        kinds = sorted(CONTACT_KINDS)
        await self.db.execute(
            "UPDATE customers SET last_contact_at = (SELECT MAX(happened_at) FROM interactions"
            f" WHERE customer_id = ? AND kind IN ({', '.join('?' for _ in kinds)})),"
            " updated_at = ? WHERE id = ? AND last_contact_at = ?",
            [interaction.customer_id, *kinds, to_db_time(now), interaction.customer_id,
             to_db_time(interaction.happened_at)])

    async def latest_stage(self, customer_id: int) -> int | None:
        """The customer's latest stage change (only it can be taken back)."""
        value = await self.db.fetch_value(
            "SELECT id FROM interactions WHERE customer_id = ? AND kind = 'stage'"
            " ORDER BY happened_at DESC, id DESC LIMIT 1", (customer_id,))
        return int(value) if value is not None else None
