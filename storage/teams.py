"""Teams of RMs under a team lead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, Row, to_db_time


@dataclass(frozen=True)
class Team:
    id: int
    name: str
    members: int

    @classmethod
    def from_row(cls, row: Row) -> Team:
        return cls(id=row["id"], name=row["name"], members=row["members"])


class TeamRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, name: str, now: datetime) -> Team | None:
        """Create a team; None if one with that name exists already."""
        existing = await self.db.fetch_value(
            "SELECT id FROM teams WHERE LOWER(name) = LOWER(?)", (name,)
        )
        if existing is not None:
            return None
        team_id = await self.db.insert(
            "INSERT INTO teams (name, created_at) VALUES (?, ?)", (name, to_db_time(now))
        )
        return Team(id=team_id, name=name, members=0)

    async def get(self, team_id: int) -> Team | None:
        row = await self.db.fetch_one(
            "SELECT t.id, t.name, COUNT(s.id) AS members FROM teams t"
            " LEFT JOIN staff s ON s.team_id = t.id AND s.active = 1"
            " WHERE t.id = ? GROUP BY t.id",
            (team_id,),
        )
        return Team.from_row(row) if row else None

    async def list_all(self) -> list[Team]:
        rows = await self.db.fetch_all(
            "SELECT t.id, t.name, COUNT(s.id) AS members FROM teams t"
            " LEFT JOIN staff s ON s.team_id = t.id AND s.active = 1"
            " GROUP BY t.id ORDER BY LOWER(t.name)"
        )
        return [Team.from_row(row) for row in rows]
