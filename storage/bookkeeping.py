"""Per-update bookkeeping: de-duplication, multi-step chat state, the audit log, secrets."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage.db import Database, from_db_time, to_db_time, to_json


@dataclass(frozen=True)
class ChatState:
    flow: str
    data: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None


class UpdateLog:
    """Update ids already handled, shared by every process that reads the database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def first_time(self, update_id: int, now: datetime) -> bool:
        """Record the update; False if it was recorded before (a redelivery)."""
        changed = await self.db.execute(
            "INSERT INTO processed_updates (update_id, received_at) VALUES (?, ?)"
            " ON CONFLICT DO NOTHING",
            (update_id, to_db_time(now)),
        )
        return changed == 1

    async def handled(self, update_id: int) -> bool:
        return await self.db.fetch_value(
            "SELECT 1 FROM processed_updates WHERE update_id = ?", (update_id,)) is not None

    async def purge(self, before: datetime) -> None:
        await self.db.execute(
            "DELETE FROM processed_updates WHERE received_at < ?", (to_db_time(before),)
        )


class ChatStates:
    """Where a user is in a multi-message flow (guided add, typed time, ...)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, user_id: int, chat_id: int) -> ChatState | None:
        row = await self.db.fetch_one(
            "SELECT flow, data, updated_at FROM chat_states WHERE user_id = ? AND chat_id = ?",
            (user_id, chat_id),
        )
        if row is None:
            return None
        return ChatState(row["flow"], json.loads(row["data"]), from_db_time(row["updated_at"]))

    async def set(
        self, user_id: int, chat_id: int, flow: str, data: dict[str, Any], now: datetime
    ) -> None:
        await self.db.execute(
            "INSERT INTO chat_states (user_id, chat_id, flow, data, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, chat_id) DO UPDATE SET"
            " flow = excluded.flow, data = excluded.data, updated_at = excluded.updated_at",
            (user_id, chat_id, flow, to_json(data), to_db_time(now)),
        )

    async def clear(self, user_id: int, chat_id: int) -> None:
        await self.db.execute(
            "DELETE FROM chat_states WHERE user_id = ? AND chat_id = ?", (user_id, chat_id)
        )

    async def purge(self, before: datetime) -> None:
        await self.db.execute("DELETE FROM chat_states WHERE updated_at < ?", (to_db_time(before),))


class AuditLog:
    """Who changed what, and when: written for every change to staff or customer data."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(
        self,
        *,
        actor_id: int | None,
        action: str,
        entity: str,
        entity_id: str | int | None,
        now: datetime,
        detail: dict[str, Any] | None = None,
    ) -> None:
        await self.db.execute(
            "INSERT INTO audit_log (at, actor_id, action, entity, entity_id, detail)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (to_db_time(now), actor_id, action, entity,
             None if entity_id is None else str(entity_id),
             to_json(detail or {})),
        )

    async def actions_for(self, entity: str, entity_id: str | int) -> list[str]:
        rows = await self.db.fetch_all(
            "SELECT action FROM audit_log WHERE entity = ? AND entity_id = ? ORDER BY id",
            (entity, str(entity_id)),
        )
        return [row["action"] for row in rows]


class Secrets:
    """Values generated once per installation and shared by every replica."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get_or_create(self, key: str) -> str:
        value = await self.db.fetch_value("SELECT value FROM meta WHERE key = ?", (key,))
        if value is not None:
            return str(value)
        await self.db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (key, secrets.token_hex(32)),
        )
        return str(await self.db.fetch_value("SELECT value FROM meta WHERE key = ?", (key,)))
