"""Reminders: follow-ups, appointments and care, delivered by the scheduler's dispatcher.

The table is the only record of what is due. A sweep claims due rows with a lease
(status 'sending', claimed_until); a row whose lease ran out (the process died) is claimed
again; a row is 'sent' only once Telegram accepted the message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.pushes import NOTICE_KINDS, Kind
from storage.db import Database, Row, from_db_time, to_db_time

OPEN = ("pending", "sending", "sent")
# Pushes that inform and need no action are never listed as due or overdue.
_NOT_NOTICE = "r.kind NOT IN ({})".format(", ".join(f"'{kind}'" for kind in NOTICE_KINDS))


@dataclass(frozen=True)
class Reminder:
    id: int
    staff_id: int
    customer_id: int | None
    kind: str
    text: str
    due_at: datetime
    status: str
    late: bool
    urgent: bool
    version: int
    attempts: int
    customer_name: str | None = None
    customer_language: str | None = None
    ref_id: int | None = None

    @classmethod
    def from_row(cls, row: Row) -> Reminder:
        due_at = from_db_time(row["due_at"])
        assert due_at is not None
        return cls(id=row["id"], staff_id=row["staff_id"], customer_id=row["customer_id"],
                   kind=row["kind"], text=row["text"], due_at=due_at, status=row["status"],
                   late=bool(row["late"]), urgent=bool(row["urgent"]), version=row["version"],
                   attempts=row["attempts"], customer_name=row["customer_name"],
                   customer_language=row["customer_language"], ref_id=row["ref_id"])


_SELECT = (
    "SELECT r.id, r.staff_id, r.customer_id, r.kind, r.text, r.due_at, r.status, r.late,"
    " r.urgent, r.version, r.attempts, c.name AS customer_name,"
    " c.language AS customer_language, r.ref_id"
    " FROM reminders r LEFT JOIN customers c ON c.id = r.customer_id"
)


class ReminderRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, *, staff_id: int, customer_id: int | None, kind: Kind | str,
                     text: str, due_at: datetime, now: datetime, urgent: bool | None = None,
                     rule_key: str | None = None, ref_id: int | None = None) -> int | None:
        """Add a reminder (urgent as its kind is, unless told); None if a care rule already
        created this one (same rule_key). An unknown kind raises ValueError."""
        kind = Kind(kind)
        if urgent is None:
            urgent = kind.urgent
        return await self.db.try_insert(
            "INSERT INTO reminders (staff_id, customer_id, kind, text, due_at,"
            " urgent, rule_key, ref_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (staff_id, customer_id, kind, text, to_db_time(due_at), int(urgent), rule_key,
             ref_id, to_db_time(now)),
        )

    async def get(self, staff_id: int, reminder_id: int) -> Reminder | None:
        row = await self.db.fetch_one(f"{_SELECT} WHERE r.id = ? AND r.staff_id = ?",
                                      (reminder_id, staff_id))
        return Reminder.from_row(row) if row else None

    async def next_for_customer(self, customer_id: int) -> Reminder | None:
        row = await self.db.fetch_one(
            f"{_SELECT} WHERE r.customer_id = ? AND r.status IN ('pending', 'sending', 'sent')"
            " AND r.kind IN ('followup', 'appointment') ORDER BY r.due_at LIMIT 1",
            (customer_id,),
        )
        return Reminder.from_row(row) if row else None

    async def open_for_customers(self, customer_ids: list[int], until: datetime,
                                 kinds: tuple[str, ...]) -> list[Reminder]:
        """Open reminders of these kinds for these customers, due before ``until``."""
        if not customer_ids:
            return []
        rows = await self.db.fetch_all(
            f"{_SELECT} WHERE r.customer_id IN ({', '.join('?' for _ in customer_ids)})"
            " AND r.status IN ('pending', 'sending', 'sent')"
            f" AND r.kind IN ({', '.join('?' for _ in kinds)}) AND r.due_at < ?"
            " ORDER BY r.due_at", [*customer_ids, *kinds, to_db_time(until)])
        return [Reminder.from_row(row) for row in rows]

    async def cancel(self, staff_id: int, reminder_id: int, now: datetime) -> bool:
        changed = await self.db.execute(
            "UPDATE reminders SET status = 'cancelled', done_at = ?, version = version + 1"
            " WHERE id = ? AND staff_id = ? AND status IN ('pending', 'sent')",
            (to_db_time(now), reminder_id, staff_id),
        )
        return changed == 1

    async def close_for_customer(self, customer_id: int, kinds: Sequence[str],
                                 now: datetime) -> int:
        """Close the customer's open reminders of these kinds (the customer was lost,
        archived or erased); how many were open."""
        if not kinds:
            return 0
        return await self.db.execute(
            "UPDATE reminders SET status = 'cancelled', done_at = ?, version = version + 1"
            f" WHERE customer_id = ? AND status IN ('pending', 'sending', 'sent')"
            f" AND kind IN ({', '.join('?' for _ in kinds)})",
            [to_db_time(now), customer_id, *kinds])

    async def cancel_version(self, staff_id: int, reminder_id: int, version: int,
                             now: datetime) -> bool:
        """Cancelled from a button, once: False if the button is stale (done, moved or
        cancelled since it was made)."""
        changed = await self.db.execute(
            "UPDATE reminders SET status = 'cancelled', done_at = ?, version = version + 1"
            " WHERE id = ? AND staff_id = ? AND version = ?"
            " AND status IN ('pending', 'sending', 'sent')",
            (to_db_time(now), reminder_id, staff_id, version),
        )
        return changed == 1

    async def open_follow_ups(self, staff_id: int, customer_id: int) -> list[Reminder]:
        """The customer's open follow-ups and appointments, soonest first (the card's)."""
        rows = await self.db.fetch_all(
            f"{_SELECT} WHERE r.customer_id = ? AND r.staff_id = ?"
            " AND r.status IN ('pending', 'sending', 'sent')"
            " AND r.kind IN ('followup', 'appointment') ORDER BY r.due_at, r.id",
            (customer_id, staff_id))
        return [Reminder.from_row(row) for row in rows]

    async def reopen_closed(self, customer_id: int, kinds: Sequence[str],
                            closed_at: datetime) -> int:
        """Reopen what close_for_customer closed at that moment (the change was undone)."""
        if not kinds:
            return 0
        return await self.db.execute(
            "UPDATE reminders SET status = 'pending', done_at = NULL, version = version + 1,"
            " claimed_by = NULL, claimed_until = NULL WHERE customer_id = ?"
            " AND status = 'cancelled' AND done_at = ?"
            f" AND kind IN ({', '.join('?' for _ in kinds)})",
            [customer_id, to_db_time(closed_at), *kinds])

    # -- the dispatcher's side ---------------------------------------------------------------
    async def claim_due(self, now: datetime, worker: str, lease_until: datetime,
                        limit: int, per_turn: int = 10) -> list[Reminder]:
        """Atomically take up to `limit` due reminders (and any whose lease ran out): each
        RM's oldest `per_turn` first, RMs in turn, then each RM's next `per_turn`…"""
        stamp = to_db_time(now)
        claimed = await self.db.fetch_all(
            "WITH due AS MATERIALIZED ("
            "  SELECT r.id, r.due_at, (ROW_NUMBER() OVER ("
            "   PARTITION BY r.staff_id ORDER BY r.due_at, r.id) - 1) / ? AS turn"
            "  FROM reminders r JOIN staff s ON s.id = r.staff_id"
            "  WHERE s.active = 1 AND s.reachable = 1 AND r.due_at <= ? AND"
            "  (r.status = 'pending' OR (r.status = 'sending' AND r.claimed_until <= ?))"
            # An RM another replica is sending to stays with it: two processes pacing one
            # chat separately would send it faster than Telegram allows.
            "  AND NOT EXISTS (SELECT 1 FROM reminders o WHERE o.staff_id = r.staff_id"
            "   AND o.status = 'sending' AND o.claimed_by <> ? AND o.claimed_until > ?)),"
            # Round robin: every RM's oldest few first, then every RM's next few…, so one
            # RM's thousand reminders do not keep another RM's single one waiting behind
            # them. A few, not one: an RM's late reminders claimed together are folded into
            # one message (a turn is what one digest holds).
            " picked AS MATERIALIZED ("
            "  SELECT id FROM due ORDER BY turn, due_at, id LIMIT ?),"
            # Replicas sweep at the same time: each skips the rows another is claiming (on
            # PostgreSQL), and the UPDATE re-checks the status, so no row is taken twice.
            # Every step is MATERIALIZED: inside IN (…) PostgreSQL may run a LIMIT … SKIP
            # LOCKED subquery more than once and take more rows than the limit.
            " locked AS MATERIALIZED ("
            "  SELECT r.id FROM reminders r WHERE r.id IN (SELECT id FROM picked)"
            f"  {self.db.skip_locked('r')})"
            " UPDATE reminders SET status = 'sending', claimed_by = ?, claimed_until = ?,"
            " attempts = attempts + 1 WHERE id IN (SELECT id FROM locked)"
            " AND (status = 'pending' OR (status = 'sending' AND claimed_until <= ?))"
            " RETURNING id",
            (per_turn, stamp, stamp, worker, stamp, limit, worker, to_db_time(lease_until),
             stamp),
        )
        ids = [row[0] for row in claimed]
        if not ids:
            return []
        marks = ", ".join("?" for _ in ids)
        rows = await self.db.fetch_all(
            f"{_SELECT} WHERE r.id IN ({marks}) ORDER BY r.due_at, r.id", ids)
        return [Reminder.from_row(row) for row in rows]

    async def mark_sent(self, reminder_ids: list[int], worker: str, now: datetime,
                        message_id: int | None, late: bool) -> None:
        """Telegram accepted the message: these reminders are delivered."""
        marks = ", ".join("?" for _ in reminder_ids)
        await self.db.execute(
            f"UPDATE reminders SET status = 'sent', sent_at = ?, message_id = ?, late = ?,"
            f" claimed_by = NULL, claimed_until = NULL, last_error = NULL"
            f" WHERE id IN ({marks}) AND status = 'sending' AND claimed_by = ?",
            [to_db_time(now), message_id, int(late), *reminder_ids, worker],
        )

    async def renew(self, reminder_ids: list[int], worker: str, lease_until: datetime) -> None:
        """The live worker still holds these rows: extend their lease."""
        marks = ", ".join("?" for _ in reminder_ids)
        await self.db.execute(
            f"UPDATE reminders SET claimed_until = ?"
            f" WHERE id IN ({marks}) AND status = 'sending' AND claimed_by = ?",
            [to_db_time(lease_until), *reminder_ids, worker],
        )

    async def retry_later(self, reminder_ids: list[int], worker: str, not_before: datetime,
                          error: str) -> None:
        """Keep the claim until `not_before`; the first sweep after it sends again."""
        marks = ", ".join("?" for _ in reminder_ids)
        await self.db.execute(
            f"UPDATE reminders SET claimed_until = ?, last_error = ?"
            f" WHERE id IN ({marks}) AND status = 'sending' AND claimed_by = ?",
            [to_db_time(not_before), error[:200], *reminder_ids, worker],
        )

    async def defer(self, reminder_id: int, until: datetime) -> None:
        """Put a reminder back as pending for later (quiet hours)."""
        await self.db.execute(
            "UPDATE reminders SET status = 'pending', due_at = ?, claimed_by = NULL,"
            " claimed_until = NULL, attempts = 0 WHERE id = ? AND status = 'sending'",
            (to_db_time(until), reminder_id),
        )

    # -- the RM's side ---------------------------------------------------------------------
    async def complete(self, staff_id: int, reminder_id: int, version: int, now: datetime,
                       outcome: str | None = None) -> bool:
        """Done, once: False if the button is stale (already done or snoozed from it)."""
        changed = await self.db.execute(
            "UPDATE reminders SET status = 'done', done_at = ?, outcome = ?,"
            " version = version + 1 WHERE id = ? AND staff_id = ? AND version = ?"
            " AND status IN ('pending', 'sending', 'sent')",
            (to_db_time(now), outcome, reminder_id, staff_id, version),
        )
        return changed == 1

    async def snooze(self, staff_id: int, reminder_id: int, version: int,
                     until: datetime) -> bool:
        """Due again at `until`, once: False if the button is stale."""
        changed = await self.db.execute(
            "UPDATE reminders SET status = 'pending', due_at = ?, late = 0, attempts = 0,"
            " claimed_by = NULL, claimed_until = NULL, version = version + 1"
            " WHERE id = ? AND staff_id = ? AND version = ?"
            " AND status IN ('pending', 'sending', 'sent')",
            (to_db_time(until), reminder_id, staff_id, version),
        )
        return changed == 1

    async def set_outcome(self, staff_id: int, reminder_id: int, outcome: str) -> None:
        await self.db.execute(
            "UPDATE reminders SET outcome = ? WHERE id = ? AND staff_id = ?",
            (outcome, reminder_id, staff_id),
        )

    async def open_between(self, staff_id: int, start: datetime, end: datetime,
                           kinds: tuple[str, ...] | None = None) -> list[Reminder]:
        """Open reminders due in [start, end), soonest first."""
        kind_clause = ""
        params: list[object] = [staff_id, to_db_time(start), to_db_time(end)]
        if kinds:
            kind_clause = f" AND r.kind IN ({', '.join('?' for _ in kinds)})"
            params.extend(kinds)
        rows = await self.db.fetch_all(
            f"{_SELECT} WHERE r.staff_id = ? AND r.status IN ('pending', 'sending', 'sent')"
            f" AND r.due_at >= ? AND r.due_at < ?{kind_clause} ORDER BY r.due_at",
            params,
        )
        return [Reminder.from_row(row) for row in rows]

    async def overdue(self, staff_id: int, now: datetime) -> list[Reminder]:
        """Delivered or due reminders nobody marked done yet."""
        rows = await self.db.fetch_all(
            f"{_SELECT} WHERE r.staff_id = ? AND r.status IN ('pending', 'sending', 'sent')"
            f" AND r.due_at < ? AND {_NOT_NOTICE} ORDER BY r.due_at",
            (staff_id, to_db_time(now)),
        )
        return [Reminder.from_row(row) for row in rows]

    async def cancel_rule(self, customer_id: int, kind: str, keep_key: str | None) -> None:
        """Withdraw a care rule's open reminders for a customer, except the current one."""
        await self.db.execute(
            "UPDATE reminders SET status = 'cancelled', version = version + 1"
            " WHERE customer_id = ? AND kind = ? AND status = 'pending'"
            " AND (CAST(? AS TEXT) IS NULL OR rule_key IS DISTINCT FROM ?)",
            (customer_id, kind, keep_key, keep_key),
        )

    async def counts(self) -> dict[str, int]:
        rows = await self.db.fetch_all(
            "SELECT status, COUNT(*) AS n FROM reminders GROUP BY status")
        return {row["status"]: row["n"] for row in rows}
