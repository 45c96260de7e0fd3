"""Registered staff: relationship managers, team leads and admins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, Row, to_db_time

ROLES = ("rm", "lead", "admin")


@dataclass(frozen=True)
class Staff:
    id: int
    name: str
    username: str | None
    role: str
    team_id: int | None
    language: str | None
    timezone: str
    region: str
    active: bool
    reachable: bool
    text_mode: str = "search"
    agenda_time: str = "08:00"
    quiet_start: str = "21:00"
    quiet_end: str = "07:30"
    telegram_language: str | None = None  # the Telegram app's language_code, last seen
    # Keep the texts of Telegram Business messages as notes (off: the fact and time only).
    keep_business_texts: bool = False

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_lead(self) -> bool:
        return self.role in ("lead", "admin")

    @classmethod
    def from_row(cls, row: Row) -> Staff:
        return cls(
            id=row["id"],
            name=row["name"],
            username=row["username"],
            role=row["role"],
            team_id=row["team_id"],
            language=row["language"],
            timezone=row["timezone"],
            region=row["region"],
            active=bool(row["active"]),
            reachable=bool(row["reachable"]),
            text_mode=row["text_mode"],
            agenda_time=row["agenda_time"],
            quiet_start=row["quiet_start"],
            quiet_end=row["quiet_end"],
            telegram_language=row["telegram_language"],
            keep_business_texts=bool(row["keep_business_texts"]),
        )


_COLUMNS = (
    "id, name, username, role, team_id, language, timezone, region, active, reachable,"
    " text_mode, agenda_time, quiet_start, quiet_end, telegram_language, keep_business_texts"
)


class StaffRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, staff_id: int) -> Staff | None:
        row = await self.db.fetch_one(f"SELECT {_COLUMNS} FROM staff WHERE id = ?", (staff_id,))
        return Staff.from_row(row) if row else None

    async def register(
        self,
        *,
        staff_id: int,
        name: str,
        username: str | None,
        role: str,
        team_id: int | None,
        timezone: str,
        region: str,
        invited_by: int | None,
        now: datetime,
        telegram_language: str | None = None,
    ) -> Staff:
        """Create the staff row, or reactivate it with the new role if it already exists."""
        async with self.db.transaction():
            await self.db.execute(
                "INSERT INTO staff (id, name, username, role, team_id, timezone, region,"
                " invited_by, created_at, telegram_language)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
                " username = excluded.username, role = excluded.role,"
                " team_id = excluded.team_id, active = 1, reachable = 1,"
                " telegram_language = excluded.telegram_language",
                (staff_id, name, username, role, team_id, timezone, region, invited_by,
                 to_db_time(now), telegram_language),
            )
        staff = await self.get(staff_id)
        assert staff is not None
        return staff

    async def set_language(self, staff_id: int, language: str) -> None:
        await self.db.execute("UPDATE staff SET language = ? WHERE id = ?", (language, staff_id))

    async def set_timezone(self, staff_id: int, timezone: str, region: str) -> None:
        await self.db.execute(
            "UPDATE staff SET timezone = ?, region = ? WHERE id = ?", (timezone, region, staff_id)
        )

    async def set_text_mode(self, staff_id: int, mode: str) -> None:
        await self.db.execute("UPDATE staff SET text_mode = ? WHERE id = ?", (mode, staff_id))

    async def set_keep_business_texts(self, staff_id: int, keep: bool) -> None:
        await self.db.execute("UPDATE staff SET keep_business_texts = ? WHERE id = ?",
                              (int(keep), staff_id))

    async def set_schedule(self, staff_id: int, *, agenda_time: str | None = None,
                           quiet_start: str | None = None, quiet_end: str | None = None) -> None:
        """Change the agenda time or quiet hours ('HH:MM'); None leaves a value as it is."""
        await self.db.execute(
            "UPDATE staff SET agenda_time = COALESCE(?, agenda_time),"
            " quiet_start = COALESCE(?, quiet_start), quiet_end = COALESCE(?, quiet_end)"
            " WHERE id = ?",
            (agenda_time, quiet_start, quiet_end, staff_id),
        )

    async def list_active(self) -> list[Staff]:
        """Everyone the bot may push to: active and not known to have blocked it."""
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS} FROM staff WHERE active = 1 AND reachable = 1"
        )
        return [Staff.from_row(row) for row in rows]

    async def set_role(self, staff_id: int, role: str) -> None:
        await self.db.execute("UPDATE staff SET role = ? WHERE id = ?", (role, staff_id))

    async def set_team(self, staff_id: int, team_id: int | None) -> None:
        await self.db.execute("UPDATE staff SET team_id = ? WHERE id = ?", (team_id, staff_id))

    async def set_active(self, staff_id: int, active: bool) -> None:
        await self.db.execute("UPDATE staff SET active = ? WHERE id = ?", (int(active), staff_id))

    async def set_reachable(self, staff_id: int, reachable: bool) -> None:
        await self.db.execute(
            "UPDATE staff SET reachable = ? WHERE id = ?", (int(reachable), staff_id)
        )

    async def touch_profile(self, staff_id: int, name: str, username: str | None,
                            telegram_language: str | None) -> None:
        """Keep what Telegram tells us current: people change their name and their app's
        language (which pushes follow until they choose one)."""
        await self.db.execute(
            "UPDATE staff SET name = ?, username = ?, telegram_language = ? WHERE id = ?",
            (name, username, telegram_language, staff_id),
        )

    async def list_all(self) -> list[Staff]:
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS} FROM staff ORDER BY active DESC, LOWER(name)"
        )
        return [Staff.from_row(row) for row in rows]

    async def list_team(self, team_id: int, *, with_inactive: bool = False) -> list[Staff]:
        """The team's staff by name; with_inactive also those whose access was turned off
        (an RM who left still owns customers until they are handed over)."""
        active = "" if with_inactive else " AND active = 1"
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS} FROM staff WHERE team_id = ?{active}"
            " ORDER BY active DESC, LOWER(name)", (team_id,))
        return [Staff.from_row(row) for row in rows]
