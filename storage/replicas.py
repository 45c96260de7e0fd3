"""The bot processes sharing the database: a heartbeat row each, for sharing Telegram's limit."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.db import Database, to_db_time

# Missed heartbeats after which a replica counts as gone (it beats every second).
GONE_AFTER = timedelta(seconds=10)


class ReplicaRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def beat(self, worker: str, now: datetime, sending_until: datetime | None) -> None:
        """This replica is alive (and, with sending_until, has messages to send until then)."""
        await self.db.execute(
            "INSERT INTO replicas (worker, seen_at, sending_until) VALUES (?, ?, ?)"
            " ON CONFLICT (worker) DO UPDATE SET seen_at = excluded.seen_at,"
            " sending_until = excluded.sending_until",
            (worker, to_db_time(now),
             to_db_time(sending_until) if sending_until is not None else None))

    async def sending(self, now: datetime) -> int:
        """How many live replicas are sending now (this one included if it said so)."""
        value = await self.db.fetch_value(
            "SELECT COUNT(*) FROM replicas WHERE seen_at > ? AND sending_until > ?",
            (to_db_time(now - GONE_AFTER), to_db_time(now)))
        return int(value or 0)

    async def live(self, now: datetime) -> list[str]:
        rows = await self.db.fetch_all(
            "SELECT worker FROM replicas WHERE seen_at > ? ORDER BY worker",
            (to_db_time(now - GONE_AFTER),))
        return [str(row[0]) for row in rows]

    async def leave(self, worker: str) -> None:
        """A replica stopping cleanly hands its share of the limit back at once."""
        await self.db.execute("DELETE FROM replicas WHERE worker = ?", (worker,))

    async def purge(self, now: datetime) -> None:
        await self.db.execute("DELETE FROM replicas WHERE seen_at < ?",
                              (to_db_time(now - timedelta(days=1)),))
