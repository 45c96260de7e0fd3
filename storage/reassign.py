"""Handing customers over from one RM to another of the team (an RM who leaves)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Database, to_db_time

_OPEN = "('pending', 'sending', 'sent')"


@dataclass(frozen=True)
class Departure:
    """What waited on someone whose access was turned off, now another's."""

    receiver_id: int
    groups: list[int]       # the merchant groups' chat ids
    questions: int          # unanswered group questions
    leads: int              # group leads (with the prospects of those who consented)
    posts: int              # posts still queued for their groups
    customers: list[int]    # the leads' prospects, moved with them

    @property
    def anything(self) -> bool:
        return bool(self.groups or self.questions or self.leads or self.posts)


DEPARTURE = "departure"


def departure_note(departure: Departure) -> str:
    """The hand-over notice's text column: what was handed over ("departure:2,1,3,0")."""
    return (f"{DEPARTURE}:{len(departure.groups)},{departure.questions},{departure.leads},"
            f"{departure.posts}")


def read_departure_note(text: str) -> tuple[int, int, int, int] | None:
    """Groups, questions, leads and posts from a hand-over notice's text; None for another."""
    kind, _sep, counts = text.partition(":")
    parts = counts.split(",")
    if kind != DEPARTURE or len(parts) != 4 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1]), int(parts[2]), int(parts[3])


class RefConflict(Exception):
    """The receiver's book already holds the client number of a customer to hand over (a
    number is unique within one RM's book)."""

    def __init__(self, refs: list[str]) -> None:
        super().__init__(", ".join(refs))
        self.refs = refs


@dataclass(frozen=True)
class CustomerRef:
    """Just enough of a customer to pick it from a list."""

    id: int
    name: str
    stage: str
    archived: bool


class ReassignRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def customers_of(self, owner_id: int, *, offset: int,
                           limit: int) -> tuple[list[CustomerRef], int]:
        """An RM's customers (archived ones too, not erased ones) by name, for picking one."""
        where = "owner_id = ? AND erased_at IS NULL"
        total = await self.db.fetch_value(f"SELECT COUNT(*) FROM customers WHERE {where}",
                                          (owner_id,))
        rows = await self.db.fetch_all(
            f"SELECT id, name, stage, archived_at FROM customers WHERE {where}"
            " ORDER BY LOWER(name), id LIMIT ? OFFSET ?", (owner_id, limit, offset))
        return ([CustomerRef(row["id"], row["name"], row["stage"], row["archived_at"] is not None)
                 for row in rows], int(total))

    async def count_owned(self, owner_id: int) -> int:
        """Every customer row the RM owns (archived and erased ones too: they all move)."""
        return int(await self.db.fetch_value(
            "SELECT COUNT(*) FROM customers WHERE owner_id = ?", (owner_id,)))

    async def successor(self, staff_id: int) -> int | None:
        """Who takes over what waits on this person when they leave: an active team lead of
        their team (not themselves), the first by name; None if the team has none."""
        value = await self.db.fetch_value(
            "SELECT l.id FROM staff s JOIN staff l ON l.team_id = s.team_id"
            " WHERE s.id = ? AND l.id != s.id AND l.role = 'lead' AND l.active = 1"
            " ORDER BY LOWER(l.name), l.id LIMIT 1", (staff_id,))
        return int(value) if value is not None else None

    async def hand_over_work(self, from_id: int, to_id: int, now: datetime) -> Departure:
        """Give someone's merchant groups, unanswered questions, group leads (with their
        prospects) and queued posts to `to_id`, in one transaction, so that nothing waits on
        an owner who is gone. The questions and leads not yet seen by anyone are pushed to
        the receiver as they were to the owner (a question still unanswered: again)."""
        stamp = to_db_time(now)
        async with self.db.transaction():
            rows = await self.db.fetch_all(
                "SELECT chat_id FROM groups WHERE owner_id = ? ORDER BY chat_id", (from_id,))
            groups = [int(row[0]) for row in rows]
            await self.db.execute(
                "UPDATE groups SET owner_id = ?, updated_at = ? WHERE owner_id = ?",
                (to_id, stamp, from_id))
            questions = await self.db.execute(
                "UPDATE questions SET owner_id = ? WHERE owner_id = ? AND answered_at IS NULL",
                (to_id, from_id))
            await self.db.execute(
                "UPDATE reminders SET staff_id = ?, status = 'pending', due_at = ?,"
                " claimed_by = NULL, claimed_until = NULL, version = version + 1"
                f" WHERE staff_id = ? AND status IN {_OPEN} AND ((kind = 'question' AND ref_id"
                " IN (SELECT id FROM questions WHERE owner_id = ? AND answered_at IS NULL))"
                " OR (kind = 'lead' AND status != 'sent'))",
                (to_id, stamp, from_id, to_id))
            rows = await self.db.fetch_all(
                "SELECT DISTINCT l.customer_id FROM leads l JOIN customers c"
                " ON c.id = l.customer_id WHERE l.owner_id = ? AND c.owner_id = ?"
                " ORDER BY l.customer_id", (from_id, from_id))
            prospects = [int(row[0]) for row in rows]
            leads = int(await self.db.fetch_value(
                "SELECT COUNT(*) FROM leads WHERE owner_id = ?", (from_id,)))
            customers = (await self.reassign(from_id, to_id, now, prospects,
                                             leave_conflicts=True) if prospects else [])
            await self.db.execute("UPDATE leads SET owner_id = ? WHERE owner_id = ?",
                                  (to_id, from_id))
            posts = await self.db.execute(
                "UPDATE posts SET staff_id = ? WHERE staff_id = ? AND status = 'pending'",
                (to_id, from_id))
        return Departure(to_id, groups, questions, leads, posts, customers)

    async def reassign(self, from_id: int, to_id: int, now: datetime,
                       customer_id: int | Sequence[int] | None = None, *,
                       leave_conflicts: bool = False) -> list[int]:
        """Give one customer (or several, or with None all) of one RM to another, in one
        transaction.

        Everything the customer has goes with them: their complaints (so "Resolved", the
        daily reminders, the escalation and /service follow the new owner), their deals, their
        group leads, their household links, the open offers on their notes, and the open
        reminders about them, with a new version so buttons on the old RM's messages stop
        working. Interactions, deal events and satisfaction scores keep the staff id of who
        did them (the history stays true). Returns the ids moved (empty if the customer is
        not the old RM's).

        A customer whose client number the receiver's book already holds raises RefConflict
        before anything moves, or with ``leave_conflicts`` stays with the old RM.
        """
        if from_id == to_id:
            return []
        wanted = [customer_id] if isinstance(customer_id, int) else customer_id
        if wanted is not None and not wanted:
            return []
        only = (f" AND id IN ({', '.join('?' for _ in wanted)})" if wanted is not None
                else "")
        params: list[Any] = [from_id, *(wanted or [])]
        stamp = to_db_time(now)
        async with self.db.transaction():
            rows = await self.db.fetch_all(
                f"SELECT id FROM customers WHERE owner_id = ?{only} ORDER BY id",
                params)
            moved = [int(row[0]) for row in rows]
            clashing = await self._clashing_refs(moved, to_id)
            if clashing and not leave_conflicts:
                raise RefConflict(sorted(set(clashing.values()), key=str.lower))
            moved = [i for i in moved if i not in clashing]
            if not moved:
                return []
            for start in range(0, len(moved), 500):
                chunk = moved[start:start + 500]
                marks = ", ".join("?" for _ in chunk)
                await self.db.execute(
                    f"UPDATE customers SET owner_id = ?, updated_at = ? WHERE id IN ({marks})",
                    [to_id, stamp, *chunk])
                await self.db.execute(
                    f"UPDATE reminders SET staff_id = ?, version = version + 1"
                    f" WHERE customer_id IN ({marks}) AND staff_id = ? AND status IN {_OPEN}",
                    [to_id, *chunk, from_id])
                for table in ("leads", "complaints", "deals"):
                    await self.db.execute(
                        f"UPDATE {table} SET owner_id = ? WHERE customer_id IN ({marks})",
                        [to_id, *chunk])
                await self.db.execute(
                    f"UPDATE suggestions SET staff_id = ? WHERE customer_id IN ({marks})"
                    " AND status = 'open'", [to_id, *chunk])
                # A link is its owner's: it moves once both of its customers are the new RM's.
                await self.db.execute(
                    "UPDATE household_links SET owner_id = ?"
                    f" WHERE (customer_id IN ({marks}) OR other_id IN ({marks}))"
                    " AND customer_id IN (SELECT id FROM customers WHERE owner_id = ?)"
                    " AND other_id IN (SELECT id FROM customers WHERE owner_id = ?)",
                    [to_id, *chunk, *chunk, to_id, to_id])
        return moved

    async def _clashing_refs(self, customer_ids: list[int], owner_id: int) -> dict[int, str]:
        """Those of these customers whose client number this RM's book already holds."""
        clashing: dict[int, str] = {}
        for start in range(0, len(customer_ids), 500):
            chunk = customer_ids[start:start + 500]
            rows = await self.db.fetch_all(
                "SELECT c.id, c.client_ref FROM customers c"
                f" WHERE c.id IN ({', '.join('?' for _ in chunk)}) AND c.erased_at IS NULL"
                " AND c.client_ref IS NOT NULL AND EXISTS (SELECT 1 FROM customers d"
                " WHERE d.owner_id = ? AND d.erased_at IS NULL"
                " AND LOWER(d.client_ref) = LOWER(c.client_ref))", [*chunk, owner_id])
            clashing.update({int(row["id"]): str(row["client_ref"]) for row in rows})
        return clashing
