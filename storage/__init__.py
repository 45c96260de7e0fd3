"""All SQL lives in this package: one repository per aggregate, bundled in ``Storage``."""

from __future__ import annotations

from pathlib import Path

from storage.bookkeeping import AuditLog, ChatStates, Secrets, UpdateLog
from storage.db import Database
from storage.invites import InviteRepo
from storage.staff import StaffRepo
from storage.teams import TeamRepo


class Storage:
    """The repositories over one database connection."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.staff = StaffRepo(db)
        self.teams = TeamRepo(db)
        self.invites = InviteRepo(db)
        self.updates = UpdateLog(db)
        self.states = ChatStates(db)
        self.audit = AuditLog(db)
        self.secrets = Secrets(db)

    async def close(self) -> None:
        await self.db.close()


async def open_storage(path: Path) -> Storage:
    """Open the database, creating it if needed, and migrate it to the current schema."""
    db = Database(path)
    await db.open()
    await db.migrate()
    return Storage(db)
