"""The RM's inbox: what they sent that still waits to be filed under a customer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, Row, to_db_time


@dataclass(frozen=True)
class InboxItem:
    id: int
    staff_id: int
    kind: str
    text: str
    file_id: str | None
    file_type: str | None
    file_name: str | None

    @classmethod
    def from_row(cls, row: Row) -> InboxItem:
        return cls(id=row["id"], staff_id=row["staff_id"], kind=row["kind"], text=row["text"],
                   file_id=row["file_id"], file_type=row["file_type"],
                   file_name=row["file_name"])


_COLUMNS = "id, staff_id, kind, text, file_id, file_type, file_name"


class InboxRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, *, staff_id: int, kind: str, text: str, now: datetime,
                  file_id: str | None = None, file_type: str | None = None,
                  file_name: str | None = None) -> InboxItem:
        item_id = await self.db.insert(
            "INSERT INTO inbox (staff_id, kind, text, file_id, file_type, file_name, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (staff_id, kind, text, file_id, file_type, file_name, to_db_time(now)),
        )
        return InboxItem(item_id, staff_id, kind, text, file_id, file_type, file_name)

    async def get_open(self, staff_id: int, item_id: int) -> InboxItem | None:
        row = await self.db.fetch_one(
            f"SELECT {_COLUMNS} FROM inbox WHERE id = ? AND staff_id = ? AND filed_at IS NULL",
            (item_id, staff_id),
        )
        return InboxItem.from_row(row) if row else None

    async def list_open(self, staff_id: int) -> list[InboxItem]:
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS} FROM inbox WHERE staff_id = ? AND filed_at IS NULL ORDER BY id",
            (staff_id,),
        )
        return [InboxItem.from_row(row) for row in rows]

    async def mark_filed(self, staff_id: int, item_id: int, now: datetime) -> bool:
        """Claim the item for filing; False if it was filed already (a second press).

        The content is blanked: once filed it lives in the customer's history (where erasure
        finds it), and a discarded item must not keep a copy either.
        """
        changed = await self.db.execute(
            "UPDATE inbox SET filed_at = ?, text = '', file_id = NULL, file_name = NULL"
            " WHERE id = ? AND staff_id = ? AND filed_at IS NULL",
            (to_db_time(now), item_id, staff_id),
        )
        return changed == 1

    async def discard(self, staff_id: int, item_id: int, now: datetime) -> bool:
        return await self.mark_filed(staff_id, item_id, now)
