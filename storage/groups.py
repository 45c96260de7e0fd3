"""Merchant group chats linked to an RM, and the questions their members ask."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, Row, to_db_time


@dataclass(frozen=True)
class Group:
    chat_id: int
    title: str
    owner_id: int
    language: str
    active: bool

    @classmethod
    def from_row(cls, row: Row) -> Group:
        return cls(chat_id=row["chat_id"], title=row["title"], owner_id=row["owner_id"],
                   language=row["language"], active=bool(row["active"]))


@dataclass(frozen=True)
class Question:
    id: int
    chat_id: int
    message_id: int
    user_name: str
    text: str
    owner_id: int
    answered: bool


_COLUMNS = "chat_id, title, owner_id, language, active"


class GroupRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, chat_id: int) -> Group | None:
        row = await self.db.fetch_one(f"SELECT {_COLUMNS} FROM groups WHERE chat_id = ?",
                                      (chat_id,))
        return Group.from_row(row) if row else None

    async def link(self, chat_id: int, title: str, owner_id: int, language: str,
                   now: datetime) -> Group:
        """Link (or re-link after the bot was re-added) a group to an RM."""
        await self.db.execute(
            "INSERT INTO groups (chat_id, title, owner_id, language, linked_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id) DO UPDATE SET"
            " title = excluded.title, owner_id = excluded.owner_id, active = 1,"
            " updated_at = excluded.updated_at",
            (chat_id, title, owner_id, language, to_db_time(now), to_db_time(now)),
        )
        group = await self.get(chat_id)
        assert group is not None
        return group

    async def set_language(self, chat_id: int, language: str, now: datetime) -> None:
        await self.db.execute(
            "UPDATE groups SET language = ?, updated_at = ? WHERE chat_id = ?",
            (language, to_db_time(now), chat_id))

    async def set_owner(self, chat_id: int, owner_id: int, now: datetime) -> None:
        await self.db.execute(
            "UPDATE groups SET owner_id = ?, updated_at = ? WHERE chat_id = ?",
            (owner_id, to_db_time(now), chat_id))

    async def set_active(self, chat_id: int, active: bool, now: datetime) -> None:
        await self.db.execute(
            "UPDATE groups SET active = ?, updated_at = ? WHERE chat_id = ?",
            (int(active), to_db_time(now), chat_id))

    async def migrate(self, old_chat_id: int, new_chat_id: int, now: datetime) -> bool:
        """A group became a supergroup: move it, its queued posts and questions to the new id."""
        async with self.db.transaction():
            changed = await self.db.execute(
                "UPDATE groups SET chat_id = ?, updated_at = ? WHERE chat_id = ?"
                " AND NOT EXISTS (SELECT 1 FROM groups WHERE chat_id = ?)",
                (new_chat_id, to_db_time(now), old_chat_id, new_chat_id))
            if changed != 1:
                return False
            await self.db.execute("UPDATE posts SET chat_id = ? WHERE chat_id = ?",
                               (new_chat_id, old_chat_id))
            await self.db.execute("UPDATE questions SET chat_id = ? WHERE chat_id = ?",
                               (new_chat_id, old_chat_id))
            await self.db.execute("UPDATE teams SET group_chat_id = ? WHERE group_chat_id = ?",
                               (new_chat_id, old_chat_id))
        return True

    async def owned_by(self, owner_ids: list[int]) -> list[Group]:
        if not owner_ids:
            return []
        marks = ", ".join("?" for _ in owner_ids)
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS} FROM groups WHERE owner_id IN ({marks}) AND active = 1"
            " ORDER BY LOWER(title)", owner_ids)
        return [Group.from_row(row) for row in rows]

    async def add_question(self, *, chat_id: int, message_id: int, user_id: int,
                           user_name: str, text: str, owner_id: int, now: datetime) -> int:
        return await self.db.insert(
            "INSERT INTO questions (chat_id, message_id, user_id, user_name, text, owner_id,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (chat_id, message_id, user_id, user_name, text, owner_id, to_db_time(now)))

    async def asked_lately(self, chat_id: int, user_id: int, since: datetime) -> bool:
        """True if this member has a question here since ``since`` not answered yet."""
        return await self.db.fetch_value(
            "SELECT COUNT(*) FROM questions WHERE chat_id = ? AND user_id = ?"
            " AND answered_at IS NULL AND created_at >= ?",
            (chat_id, user_id, to_db_time(since))) > 0

    async def question(self, owner_id: int, question_id: int) -> Question | None:
        row = await self.db.fetch_one(
            "SELECT id, chat_id, message_id, user_name, text, owner_id, answered_at"
            " FROM questions WHERE id = ? AND owner_id = ?", (question_id, owner_id))
        if row is None:
            return None
        return Question(row["id"], row["chat_id"], row["message_id"], row["user_name"],
                        row["text"], row["owner_id"], row["answered_at"] is not None)

    async def purge_questions(self, before: datetime) -> int:
        """Forget the questions asked before then, and the notices that carried their words."""
        async with self.db.transaction():
            await self.db.execute(
                "DELETE FROM reminders WHERE kind = 'question' AND ref_id IN"
                " (SELECT id FROM questions WHERE created_at < ?)", (to_db_time(before),))
            return await self.db.execute("DELETE FROM questions WHERE created_at < ?",
                                         (to_db_time(before),))

    async def mark_answered(self, question_id: int, now: datetime) -> None:
        await self.db.execute("UPDATE questions SET answered_at = ? WHERE id = ?",
                              (to_db_time(now), question_id))

    async def note_joined(self, chat_id: int, now: datetime) -> None:
        """The bot was added to a group nobody linked yet (the first time counts)."""
        await self.db.execute(
            "INSERT INTO group_joins (chat_id, joined_at) VALUES (?, ?)"
            " ON CONFLICT (chat_id) DO NOTHING", (chat_id, to_db_time(now)))

    async def unlinked_since(self, cutoff: datetime) -> list[int]:
        """Groups the bot joined before ``cutoff`` that no staff member linked since; the
        joins of groups linked meanwhile are forgotten."""
        await self.db.execute(
            "DELETE FROM group_joins WHERE chat_id IN"
            " (SELECT chat_id FROM groups WHERE active = 1)")
        rows = await self.db.fetch_all(
            "SELECT chat_id FROM group_joins WHERE joined_at < ? ORDER BY joined_at",
            (to_db_time(cutoff),))
        return [row["chat_id"] for row in rows]

    async def forget_join(self, chat_id: int) -> None:
        await self.db.execute("DELETE FROM group_joins WHERE chat_id = ?", (chat_id,))
