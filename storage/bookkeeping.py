"""Per-update bookkeeping: de-duplication, multi-step chat state, the audit log, secrets."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage.db import Database, Row, from_db_time, marks, to_db_time, to_json


@dataclass(frozen=True)
class ChatState:
    flow: str
    data: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None


@dataclass(frozen=True)
class UpdateClaim:
    """What claiming an update found: ``mine`` (handle it), ``answer`` (it was handled and
    its confirmation may not have gone out: send ``answer`` again), ``done`` (drop it) or
    ``busy`` (another process, or this one, holds it now: ``holder`` until ``until``)."""

    outcome: str
    answer: dict[str, Any] | None = None
    holder: str | None = None
    until: datetime | None = None


# Claims still held: being handled, handled but not yet confirmed to the user, or queued.
_HELD = "('claimed', 'stored', 'queued')"


class UpdateLog:
    """Update ids claimed and handled, shared by every process that reads the database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(self, update_id: int, worker: str, now: datetime,
                    lease_until: datetime) -> UpdateClaim:
        """Claim an update before handling it: new, or held by a process whose lease ran out."""
        row = await self.db.fetch_one(
            "INSERT INTO processed_updates (update_id, received_at, status, claimed_by,"
            " claimed_until) VALUES (?, ?, 'claimed', ?, ?)"
            " ON CONFLICT (update_id) DO UPDATE SET claimed_by = excluded.claimed_by,"
            " claimed_until = excluded.claimed_until"
            f" WHERE processed_updates.status IN {_HELD}"
            " AND processed_updates.claimed_until <= ?"
            " RETURNING status, answer",
            (update_id, to_db_time(now), worker, to_db_time(lease_until), to_db_time(now)))
        if row is not None:
            return self._taken(row)
        return await self._found(update_id)

    async def take_over(self, update_id: int, holder: str, worker: str,
                        lease_until: datetime) -> UpdateClaim:
        """Take a claim from ``holder``, known to be gone (its process no longer exists)."""
        row = await self.db.fetch_one(
            "UPDATE processed_updates SET claimed_by = ?, claimed_until = ?"
            f" WHERE update_id = ? AND claimed_by = ? AND status IN {_HELD}"
            " RETURNING status, answer",
            (worker, to_db_time(lease_until), update_id, holder))
        return self._taken(row) if row is not None else await self._found(update_id)

    @staticmethod
    def _taken(row: Row) -> UpdateClaim:
        if row["status"] == "stored":
            return UpdateClaim("answer", json.loads(row["answer"]) if row["answer"] else None)
        return UpdateClaim("mine")

    async def _found(self, update_id: int) -> UpdateClaim:
        row = await self.db.fetch_one(
            "SELECT status, claimed_by, claimed_until FROM processed_updates"
            " WHERE update_id = ?", (update_id,))
        if row is None or row["status"] == "done":
            return UpdateClaim("done")
        return UpdateClaim("busy", holder=row["claimed_by"],
                           until=from_db_time(row["claimed_until"]))

    async def store(self, update_id: int, worker: str, answer: dict[str, Any] | None) -> bool:
        """Inside the handler's transaction: what it wrote is done, with the confirmation to
        send again if the update comes back. False if the claim is no longer this worker's."""
        changed = await self.db.execute(
            "UPDATE processed_updates SET status = 'stored', answer = ?"
            " WHERE update_id = ? AND claimed_by = ? AND status = 'claimed'",
            (to_json(answer) if answer is not None else None, update_id, worker))
        return changed == 1

    async def finish(self, update_id: int, worker: str) -> None:
        """Handled, and its confirmation sent: redeliveries are dropped from now on."""
        await self.db.execute(
            "UPDATE processed_updates SET status = 'done', answer = NULL, payload = NULL,"
            " claimed_by = NULL, claimed_until = NULL"
            f" WHERE update_id = ? AND claimed_by = ? AND status IN {_HELD}",
            (update_id, worker))

    async def release(self, update_id: int, worker: str) -> None:
        """Handling failed: the claim lapses at once, so a redelivery is handled afresh (or,
        if its writes were stored, answered with their confirmation)."""
        await self.db.execute(
            "UPDATE processed_updates SET claimed_until = ?"
            f" WHERE update_id = ? AND claimed_by = ? AND status IN {_HELD}",
            ("1970-01-01T00:00:00+00:00", update_id, worker))

    async def renew(self, update_ids: list[int], worker: str, lease_until: datetime) -> None:
        """This worker still holds these updates: extend their leases."""
        if not update_ids:
            return
        await self.db.execute(
            f"UPDATE processed_updates SET claimed_until = ? WHERE update_id IN"
            f" ({marks(update_ids)}) AND claimed_by = ? AND status IN {_HELD}",
            [to_db_time(lease_until), *update_ids, worker])

    async def first_time(self, update_id: int, now: datetime) -> bool:
        """Record the update as handled; False if it was recorded before."""
        changed = await self.db.execute(
            "INSERT INTO processed_updates (update_id, received_at) VALUES (?, ?)"
            " ON CONFLICT DO NOTHING",
            (update_id, to_db_time(now)),
        )
        return changed == 1

    async def highest(self) -> int:
        """The highest update id claimed so far (0 if none): where the playground, which makes
        its own updates, continues after a restart."""
        value = await self.db.fetch_value("SELECT MAX(update_id) FROM processed_updates")
        return int(value) if value is not None else 0

    async def handled(self, update_id: int) -> bool:
        return await self.db.fetch_value(
            "SELECT 1 FROM processed_updates WHERE update_id = ? AND status = 'done'",
            (update_id,)) is not None

    async def purge(self, before: datetime) -> None:
        """Forget old updates: handled ones, and claims that lapsed long ago."""
        await self.db.execute(
            "DELETE FROM processed_updates WHERE received_at < ?"
            " AND (status = 'done' OR claimed_until <= ?)",
            (to_db_time(before), to_db_time(before)))


class PressLog:
    """Presses of writing buttons, claimed once per message and action (every replica sees
    the same table): the second tap of a double tap, or a tap on an old message's used button,
    finds the claim and does nothing."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(self, chat_id: int, message_id: int, data: str, update_id: int,
                    staff_id: int, now: datetime) -> bool:
        """True if this update may act on the press: the first, or the same update delivered
        again (after a crash)."""
        row = await self.db.fetch_one(
            "INSERT INTO button_presses (chat_id, message_id, data, update_id, staff_id,"
            " pressed_at) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (chat_id, message_id, data) DO UPDATE SET pressed_at = ?"
            " WHERE button_presses.update_id = ?"
            " RETURNING update_id",
            (chat_id, message_id, data, update_id, staff_id, to_db_time(now),
             to_db_time(now), update_id))
        return row is not None

    async def release(self, update_id: int) -> None:
        """The handler failed (and its writes were rolled back): the button works again."""
        await self.db.execute("DELETE FROM button_presses WHERE update_id = ?", (update_id,))

    async def pressed(self, chat_id: int, message_id: int, data: str) -> bool:
        return await self.db.fetch_value(
            "SELECT 1 FROM button_presses WHERE chat_id = ? AND message_id = ? AND data = ?",
            (chat_id, message_id, data)) is not None


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
