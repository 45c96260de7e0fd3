"""The weekly review's numbers, the team's targets, the review's schedule and the team's
group chat."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.pushes import FOLLOW_UP_KINDS
from domain.review import ACTIVITIES, CONTACT_STEPS, DEFAULT_TARGETS, STAGE_OF
from storage.db import Database, from_db_time, to_db_time

# The statuses of a reminder still open.
_OPEN = "('pending', 'sending', 'sent')"


@dataclass(frozen=True)
class TeamSchedule:
    team_id: int
    name: str
    review_day: int          # 0 = Monday
    review_time: str         # 'HH:MM', the lead's local time
    group_chat_id: int | None


class ReviewRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- counting a week ---------------------------------------------------------------------
    async def week_counts(self, staff_id: int, start: datetime, end: datetime) -> dict[str, int]:
        """The RM's activities in [start, end): every key of ACTIVITIES, zero if none, each
        step counted once per customer however it was reached (domain/review.py: a stage
        change, a logged call, visit or meeting, a follow-up marked done)."""
        counts = dict.fromkeys(ACTIVITIES, 0)
        counts["prospects"] = int(await self.db.fetch_value(
            "SELECT COUNT(*) FROM customers WHERE owner_id = ? AND created_at >= ?"
            " AND created_at < ?", (staff_id, to_db_time(start), to_db_time(end))))
        window = (staff_id, to_db_time(start), to_db_time(end))
        reached: dict[str, set[object]] = {key: set() for key in STAGE_OF}
        rows = await self.db.fetch_all(
            f"SELECT DISTINCT {self.db.json_text('detail', 'to')} AS stage, customer_id"
            " FROM interactions WHERE staff_id = ? AND kind = 'stage' AND happened_at >= ?"
            " AND happened_at < ?", window)
        by_stage = {stage: key for key, stage in STAGE_OF.items()}
        for row in rows:
            if row["stage"] in by_stage:
                reached[by_stage[row["stage"]]].add(row["customer_id"])
        # Logged contacts: the RM's first with a customer is a first contact, a later one (or
        # one after a stage the RM set) a follow-up; a visit or a meeting is also a
        # consultation.
        kinds = ", ".join("?" for _ in CONTACT_STEPS)
        rows = await self.db.fetch_all(
            "SELECT i.customer_id, i.kind, EXISTS (SELECT 1 FROM interactions p"
            " WHERE p.customer_id = i.customer_id AND p.staff_id = i.staff_id"
            f" AND (p.kind IN ({kinds}) OR p.kind = 'stage') AND (p.happened_at < i.happened_at"
            " OR (p.happened_at = i.happened_at AND p.id < i.id))) AS earlier"
            f" FROM interactions i WHERE i.staff_id = ? AND i.kind IN ({kinds})"
            " AND i.happened_at >= ? AND i.happened_at < ?",
            [*CONTACT_STEPS, staff_id, *CONTACT_STEPS, *window[1:]])
        for row in rows:
            for key in CONTACT_STEPS[row["kind"]]:
                reached[key].add(row["customer_id"])
            reached["followups" if row["earlier"] else "contacts"].add(row["customer_id"])
        follow_up_kinds = ", ".join("?" for _ in FOLLOW_UP_KINDS)
        rows = await self.db.fetch_all(
            "SELECT id, customer_id FROM reminders WHERE staff_id = ? AND status = 'done'"
            f" AND done_at >= ? AND done_at < ? AND kind IN ({follow_up_kinds})",
            [*window, *FOLLOW_UP_KINDS])
        for row in rows:
            # A follow-up about no customer counts for itself.
            reached["followups"].add(row["customer_id"] or f"reminder:{row['id']}")
        for key, customers in reached.items():
            counts[key] = len(customers)
        return counts

    async def joined_at(self, staff_ids: Sequence[int]) -> dict[int, datetime]:
        """When each of these staff members registered (their reviews start with that week)."""
        if not staff_ids:
            return {}
        rows = await self.db.fetch_all(
            f"SELECT id, created_at FROM staff WHERE id IN ({', '.join('?' for _ in staff_ids)})",
            list(staff_ids))
        joined = {row["id"]: from_db_time(row["created_at"]) for row in rows}
        return {staff_id: moment for staff_id, moment in joined.items() if moment is not None}

    async def weeks_counts(self, staff_id: int,
                           bounds: Sequence[tuple[datetime, datetime]]) -> list[dict[str, int]]:
        """week_counts for several weeks, in the order given."""
        return [await self.week_counts(staff_id, start, end) for start, end in bounds]

    # -- the team's state --------------------------------------------------------------------
    async def pipeline(self, owner_ids: Sequence[int]) -> dict[int, dict[str, int]]:
        """Live (not archived, not erased) customers per stage, for each owner."""
        result: dict[int, dict[str, int]] = {owner: {} for owner in owner_ids}
        if not owner_ids:
            return result
        marks = ", ".join("?" for _ in owner_ids)
        rows = await self.db.fetch_all(
            f"SELECT owner_id, stage, COUNT(*) AS n FROM customers WHERE owner_id IN ({marks})"
            " AND archived_at IS NULL AND erased_at IS NULL GROUP BY owner_id, stage",
            list(owner_ids))
        for row in rows:
            result[row["owner_id"]][row["stage"]] = int(row["n"])
        return result

    async def overdue_follow_ups(self, staff_ids: Sequence[int],
                                 now: datetime) -> dict[int, int]:
        """Follow-ups and appointments due before now and not marked done, for each RM."""
        result = dict.fromkeys(staff_ids, 0)
        if not staff_ids:
            return result
        marks = ", ".join("?" for _ in staff_ids)
        kinds = ", ".join("?" for _ in FOLLOW_UP_KINDS)
        rows = await self.db.fetch_all(
            f"SELECT staff_id, COUNT(*) AS n FROM reminders WHERE staff_id IN ({marks})"
            f" AND kind IN ({kinds}) AND status IN {_OPEN} AND due_at < ? GROUP BY staff_id",
            [*staff_ids, *FOLLOW_UP_KINDS, to_db_time(now)])
        for row in rows:
            result[row["staff_id"]] = int(row["n"])
        return result

    # -- targets -----------------------------------------------------------------------------
    async def targets(self, team_id: int | None) -> dict[str, int]:
        """The team's weekly minimums: its own where set, the defaults elsewhere."""
        targets = dict(DEFAULT_TARGETS)
        if team_id is None:
            return targets
        rows = await self.db.fetch_all(
            "SELECT stage, minimum FROM team_targets WHERE team_id = ?", (team_id,))
        targets.update({row["stage"]: int(row["minimum"]) for row in rows})
        return targets

    async def set_targets(self, team_id: int, values: dict[str, int], actor_id: int,
                          now: datetime) -> None:
        unknown = set(values) - set(ACTIVITIES)
        if unknown:
            raise ValueError(f"not activities: {sorted(unknown)}")
        async with self.db.transaction():
            await self.db.execute_many(
                "INSERT INTO team_targets (team_id, stage, minimum, updated_by, updated_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (team_id, stage) DO UPDATE SET"
                " minimum = excluded.minimum, updated_by = excluded.updated_by,"
                " updated_at = excluded.updated_at",
                [(team_id, key, value, actor_id, to_db_time(now))
                 for key, value in values.items()])

    async def reset_targets(self, team_id: int) -> None:
        await self.db.execute("DELETE FROM team_targets WHERE team_id = ?", (team_id,))

    # -- the weekly review's schedule and the team's group -----------------------------------
    async def schedules(self) -> list[TeamSchedule]:
        rows = await self.db.fetch_all(
            "SELECT id, name, review_day, review_time, group_chat_id FROM teams ORDER BY id")
        return [self._schedule(row) for row in rows]

    async def schedule(self, team_id: int) -> TeamSchedule | None:
        row = await self.db.fetch_one(
            "SELECT id, name, review_day, review_time, group_chat_id FROM teams WHERE id = ?",
            (team_id,))
        return self._schedule(row) if row else None

    @staticmethod
    def _schedule(row: Any) -> TeamSchedule:
        return TeamSchedule(team_id=row["id"], name=row["name"], review_day=row["review_day"],
                            review_time=row["review_time"], group_chat_id=row["group_chat_id"])

    async def set_review_time(self, team_id: int, review_day: int, review_time: str) -> None:
        await self.db.execute("UPDATE teams SET review_day = ?, review_time = ? WHERE id = ?",
                              (review_day, review_time, team_id))

    async def set_group(self, team_id: int, chat_id: int | None) -> None:
        """Make a group chat the team's (None: the team has no group any more)."""
        async with self.db.transaction():
            if chat_id is not None:
                # One team per group: a group taken over from another team leaves it.
                await self.db.execute("UPDATE teams SET group_chat_id = NULL"
                                   " WHERE group_chat_id = ?", (chat_id,))
            await self.db.execute("UPDATE teams SET group_chat_id = ? WHERE id = ?",
                               (chat_id, team_id))

    async def team_of_group(self, chat_id: int) -> int | None:
        value = await self.db.fetch_value("SELECT id FROM teams WHERE group_chat_id = ?",
                                          (chat_id,))
        return int(value) if value is not None else None

    async def claim_group_week(self, team_id: int, week: str) -> bool:
        """True once per team and week ('YYYY-MM-DD'): whoever gets True posts the summary."""
        changed = await self.db.execute(
            "UPDATE teams SET group_review_week = ? WHERE id = ?"
            " AND (group_review_week IS NULL OR group_review_week < ?)",
            (week, team_id, week))
        return changed == 1
