"""Single-use, expiring invite codes that let a new member of staff register."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.db import Database, Row, from_db_time, to_db_time


@dataclass(frozen=True)
class Invite:
    code: str
    role: str
    team_id: int | None
    created_by: int
    expires_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> Invite:
        expires_at = from_db_time(row["expires_at"])
        assert expires_at is not None
        return cls(
            code=row["code"],
            role=row["role"],
            team_id=row["team_id"],
            created_by=row["created_by"],
            expires_at=expires_at,
        )


class InviteRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self, *, role: str, team_id: int | None, created_by: int, now: datetime, ttl: timedelta
    ) -> Invite:
        # 16 url-safe characters: unguessable, and short enough for a /start payload (64 max).
        code = secrets.token_urlsafe(12)
        await self.db.execute(
            "INSERT INTO invites (code, role, team_id, created_by, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (code, role, team_id, created_by, to_db_time(now), to_db_time(now + ttl)),
        )
        return Invite(code=code, role=role, team_id=team_id, created_by=created_by,
                      expires_at=now + ttl)

    async def claim(self, code: str, user_id: int, now: datetime) -> Invite | None:
        """Use the invite once: None if unknown, already used, expired, or made by someone
        whose access has been turned off since (their invites go with their access)."""
        async with self.db.transaction():
            changed = await self.db.execute(
                "UPDATE invites SET used_by = ?, used_at = ?"
                " WHERE code = ? AND used_by IS NULL AND expires_at > ?"
                " AND created_by NOT IN (SELECT id FROM staff WHERE active = 0)",
                (user_id, to_db_time(now), code, to_db_time(now)),
            )
            if changed != 1:
                return None
            row = await self.db.fetch_one(
                "SELECT code, role, team_id, created_by, expires_at FROM invites WHERE code = ?",
                (code,),
            )
        return Invite.from_row(row) if row else None

    async def list_open(self, now: datetime) -> list[Invite]:
        rows = await self.db.fetch_all(
            "SELECT code, role, team_id, created_by, expires_at FROM invites"
            " WHERE used_by IS NULL AND expires_at > ? ORDER BY expires_at",
            (to_db_time(now),),
        )
        return [Invite.from_row(row) for row in rows]

    async def revoke(self, code: str, now: datetime) -> bool:
        changed = await self.db.execute(
            "UPDATE invites SET expires_at = ? WHERE code = ? AND used_by IS NULL"
            " AND expires_at > ?",
            (to_db_time(now), code, to_db_time(now)),
        )
        return changed > 0

    async def revoke_made_by(self, created_by: int, now: datetime) -> int:
        """Make every open invite this person made unusable; how many there were."""
        return await self.db.execute(
            "UPDATE invites SET expires_at = ? WHERE created_by = ? AND used_by IS NULL"
            " AND expires_at > ?",
            (to_db_time(now), created_by, to_db_time(now)),
        )

    async def purge_expired(self, before: datetime) -> None:
        await self.db.execute(
            "DELETE FROM invites WHERE used_by IS NULL AND expires_at < ?", (to_db_time(before),)
        )
