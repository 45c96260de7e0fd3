"""Posts to group chats (offers and answers), queued and sent by the dispatcher."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.db import Database, Row, from_db_time, to_db_time

# Telegram lets a bot send about 20 messages a minute to one group.
GROUP_LIMIT = 20
GROUP_WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class Post:
    id: int
    staff_id: int
    chat_id: int
    product_id: int | None
    text: str
    photo_file_id: str | None
    reply_to: int | None
    due_at: datetime
    status: str
    attempts: int

    @classmethod
    def from_row(cls, row: Row) -> Post:
        due_at = from_db_time(row["due_at"])
        assert due_at is not None
        return cls(id=row["id"], staff_id=row["staff_id"], chat_id=row["chat_id"],
                   product_id=row["product_id"], text=row["text"],
                   photo_file_id=row["photo_file_id"], reply_to=row["reply_to"],
                   due_at=due_at, status=row["status"], attempts=row["attempts"])


_COLUMNS = ("id, staff_id, chat_id, product_id, text, photo_file_id, reply_to, due_at, status,"
            " attempts")


class PostRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, *, staff_id: int, chat_id: int, text: str, due_at: datetime,
                     now: datetime, product_id: int | None = None,
                     photo_file_id: str | None = None, reply_to: int | None = None) -> int:
        return await self.db.insert(
            "INSERT INTO posts (staff_id, chat_id, product_id, text, photo_file_id, reply_to,"
            " due_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (staff_id, chat_id, product_id, text, photo_file_id, reply_to, to_db_time(due_at),
             to_db_time(now)))

    async def get(self, post_id: int) -> Post | None:
        row = await self.db.fetch_one(f"SELECT {_COLUMNS} FROM posts WHERE id = ?", (post_id,))
        return Post.from_row(row) if row else None

    async def claim_due(self, now: datetime, worker: str, lease_until: datetime,
                        limit: int) -> list[Post]:
        """Take due posts, no more per group than its minute allows (20 minus those sent)."""
        stamp = to_db_time(now)
        async with self.db.transaction():
            # Replicas claim one at a time, so a group's minute allowance is counted once.
            await self.db.serialize("claim_posts")
            # At most a minute's worth per group: one group's backlog must not fill the batch
            # and hold back every other group's posts.
            rows = await self.db.fetch_all(
                "SELECT id, chat_id FROM (SELECT p.id, p.chat_id, p.due_at, ROW_NUMBER() OVER"
                " (PARTITION BY p.chat_id ORDER BY p.due_at, p.id) AS position"
                " FROM posts p JOIN groups g ON g.chat_id = p.chat_id"
                " WHERE g.active = 1 AND p.due_at <= ? AND (p.status = 'pending' OR"
                " (p.status = 'sending' AND p.claimed_until <= ?)))"
                " AS due WHERE position <= ? ORDER BY due_at, id LIMIT ?",
                (stamp, stamp, GROUP_LIMIT, limit))
            candidates = [(row[0], row[1]) for row in rows]
            if not candidates:
                return []
            chats = sorted({chat for _, chat in candidates})
            marks = ", ".join("?" for _ in chats)
            rows = await self.db.fetch_all(
                f"SELECT chat_id, COUNT(*) FROM posts WHERE chat_id IN ({marks})"
                " AND ((status = 'sent' AND sent_at > ?) OR (status = 'sending'"
                " AND claimed_until > ?)) GROUP BY chat_id",
                [*chats, to_db_time(now - GROUP_WINDOW), stamp])
            used = {row[0]: row[1] for row in rows}
            chosen = []
            for post_id, chat in candidates:
                if used.get(chat, 0) < GROUP_LIMIT:
                    used[chat] = used.get(chat, 0) + 1
                    chosen.append(post_id)
            if not chosen:
                return []
            marks = ", ".join("?" for _ in chosen)
            await self.db.execute(
                f"UPDATE posts SET status = 'sending', claimed_by = ?, claimed_until = ?,"
                f" attempts = attempts + 1 WHERE id IN ({marks})",
                [worker, to_db_time(lease_until), *chosen])
            rows = await self.db.fetch_all(
                f"SELECT {_COLUMNS} FROM posts WHERE id IN ({marks}) ORDER BY due_at, id",
                chosen)
            return [Post.from_row(row) for row in rows]

    async def mark_sent(self, post_id: int, worker: str, now: datetime,
                        message_id: int) -> None:
        await self.db.execute(
            "UPDATE posts SET status = 'sent', sent_at = ?, message_id = ?, claimed_by = NULL,"
            " claimed_until = NULL WHERE id = ? AND status = 'sending' AND claimed_by = ?",
            (to_db_time(now), message_id, post_id, worker))

    async def retry_later(self, post_id: int, worker: str, not_before: datetime,
                          error: str) -> None:
        await self.db.execute(
            "UPDATE posts SET claimed_until = ?, last_error = ? WHERE id = ?"
            " AND status = 'sending' AND claimed_by = ?",
            (to_db_time(not_before), error[:200], post_id, worker))

    async def fail(self, post_id: int, error: str) -> None:
        """The group is gone or refuses the bot: stop trying."""
        await self.db.execute(
            "UPDATE posts SET status = 'failed', last_error = ?, claimed_by = NULL"
            " WHERE id = ?", (error[:200], post_id))

    async def counts(self, chat_id: int) -> dict[str, int]:
        rows = await self.db.fetch_all(
            "SELECT status, COUNT(*) AS n FROM posts WHERE chat_id = ? GROUP BY status",
            (chat_id,))
        return {row["status"]: row["n"] for row in rows}
