"""Complaints until resolved, and the satisfaction scores (CSAT, NPS) asked after them and
after a sale."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, Row, from_db_time, to_db_time

_LIVE_CUSTOMER = "c.erased_at IS NULL"
_OPEN_REMINDER = "status IN ('pending', 'sent')"


def _time(row: Row, column: str) -> datetime:
    moment = from_db_time(row[column])
    assert moment is not None
    return moment


@dataclass(frozen=True)
class Complaint:
    id: int
    customer_id: int
    owner_id: int
    customer_name: str
    text: str                  # what the customer complained about (the complaint note)
    opened_at: datetime
    due_at: datetime
    resolved_at: datetime | None
    resolution: str | None
    escalated_at: datetime | None
    first_contact: bool

    @classmethod
    def from_row(cls, row: Row) -> Complaint:
        return cls(id=row["id"], customer_id=row["customer_id"], owner_id=row["owner_id"],
                   customer_name=row["customer_name"] or "", text=row["text"] or "",
                   opened_at=_time(row, "opened_at"), due_at=_time(row, "due_at"),
                   resolved_at=from_db_time(row["resolved_at"]), resolution=row["resolution"],
                   escalated_at=from_db_time(row["escalated_at"]),
                   first_contact=bool(row["first_contact"]))


@dataclass(frozen=True)
class OpenComplaint:
    """An unresolved complaint with what the reminder rule needs about its RM."""

    id: int
    customer_id: int
    owner_id: int
    team_id: int | None
    timezone: str
    region: str
    text: str
    opened_at: datetime
    due_at: datetime
    escalated: bool


@dataclass(frozen=True)
class ResolvedRow:
    opened_at: datetime
    resolved_at: datetime
    first_contact: bool


@dataclass(frozen=True)
class ServiceRows:
    """One RM's raw service figures: open and overdue counts, and what happened since a day."""

    open: int
    overdue: int
    resolved: list[ResolvedRow]
    csat: list[int]
    nps: list[int]


_COMPLAINT = (
    "SELECT k.id, k.customer_id, k.owner_id, c.name AS customer_name, i.text, k.opened_at,"
    " k.due_at, k.resolved_at, k.resolution, k.escalated_at, k.first_contact"
    " FROM complaints k JOIN customers c ON c.id = k.customer_id"
    " LEFT JOIN interactions i ON i.id = k.interaction_id"
)


class ComplaintRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- complaints ----------------------------------------------------------------------
    async def open(self, *, customer_id: int, owner_id: int, interaction_id: int,
                   opened_at: datetime, due_at: datetime) -> int:
        """Open a complaint for the complaint note `interaction_id`; its id."""
        return await self.db.insert(
            "INSERT INTO complaints (customer_id, owner_id, interaction_id, opened_at, due_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (customer_id, owner_id, interaction_id, to_db_time(opened_at), to_db_time(due_at)),
        )

    async def get(self, owner_id: int, complaint_id: int) -> Complaint | None:
        """The RM's own complaint about a customer still on file."""
        row = await self.db.fetch_one(
            f"{_COMPLAINT} WHERE k.id = ? AND k.owner_id = ? AND c.owner_id = ?"
            f" AND {_LIVE_CUSTOMER}", (complaint_id, owner_id, owner_id))
        return Complaint.from_row(row) if row else None

    async def get_for_team(self, team_id: int, complaint_id: int) -> Complaint | None:
        """A complaint of an RM of this team (what a lead is shown when it is escalated)."""
        row = await self.db.fetch_one(
            f"{_COMPLAINT} JOIN staff s ON s.id = k.owner_id"
            f" WHERE k.id = ? AND s.team_id = ? AND {_LIVE_CUSTOMER}", (complaint_id, team_id))
        return Complaint.from_row(row) if row else None

    async def open_complaints(self) -> list[OpenComplaint]:
        """Every unresolved complaint of an active RM about a customer still on file."""
        rows = await self.db.fetch_all(
            "SELECT k.id, k.customer_id, k.owner_id, s.team_id, s.timezone, s.region,"
            " i.text, k.opened_at, k.due_at, k.escalated_at"
            " FROM complaints k JOIN customers c ON c.id = k.customer_id"
            " JOIN staff s ON s.id = k.owner_id"
            " LEFT JOIN interactions i ON i.id = k.interaction_id"
            f" WHERE k.resolved_at IS NULL AND {_LIVE_CUSTOMER} AND c.archived_at IS NULL"
            " AND c.owner_id = k.owner_id AND s.active = 1 ORDER BY k.id")
        return [OpenComplaint(
            id=row["id"], customer_id=row["customer_id"], owner_id=row["owner_id"],
            team_id=row["team_id"], timezone=row["timezone"], region=row["region"],
            text=row["text"] or "", opened_at=_time(row, "opened_at"),
            due_at=_time(row, "due_at"), escalated=row["escalated_at"] is not None)
            for row in rows]

    async def supersede_reminders(self, complaint_id: int, keep_id: int) -> None:
        """Withdraw the complaint's earlier reminders: today's replaces them."""
        await self.db.execute(
            "UPDATE reminders SET status = 'cancelled', version = version + 1"
            f" WHERE kind = 'complaint' AND ref_id = ? AND id != ? AND {_OPEN_REMINDER}",
            (complaint_id, keep_id))

    async def mark_escalated(self, complaint_id: int, now: datetime) -> None:
        await self.db.execute(
            "UPDATE complaints SET escalated_at = ? WHERE id = ? AND escalated_at IS NULL",
            (to_db_time(now), complaint_id))

    async def resolve(self, owner_id: int, complaint_id: int, now: datetime, resolution: str,
                      first_contact: bool) -> bool:
        """Resolve once (False if it already was); its reminders are done with it."""
        async with self.db.transaction():
            changed = await self.db.execute(
                "UPDATE complaints SET resolved_at = ?, resolution = ?, first_contact = ?"
                " WHERE id = ? AND owner_id = ? AND resolved_at IS NULL",
                (to_db_time(now), resolution, int(first_contact), complaint_id, owner_id))
            if changed != 1:
                return False
            await self.db.execute(
                "UPDATE reminders SET status = 'done', done_at = ?, version = version + 1"
                f" WHERE kind = 'complaint' AND ref_id = ? AND {_OPEN_REMINDER}",
                (to_db_time(now), complaint_id))
        return True

    # -- satisfaction --------------------------------------------------------------------
    async def record_score(self, *, customer_id: int, owner_id: int, kind: str, score: int,
                           context: str, ref_id: int, now: datetime) -> bool:
        """Record a CSAT or NPS answer once per question; False if already answered."""
        added = await self.db.try_insert(
            "INSERT INTO satisfaction (customer_id, owner_id, kind, score,"
            " context, ref_id, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (customer_id, owner_id, kind, score, context, ref_id, to_db_time(now)))
        return added is not None

    async def rows(self, owner_id: int, now: datetime, since: datetime) -> ServiceRows:
        """An RM's open and overdue complaints now, and what was resolved or scored since."""
        counts = await self.db.fetch_one(
            "SELECT COUNT(*) AS open,"
            " COALESCE(SUM(CASE WHEN k.due_at < ? THEN 1 ELSE 0 END), 0) AS overdue"
            " FROM complaints k JOIN customers c ON c.id = k.customer_id"
            f" WHERE k.owner_id = ? AND k.resolved_at IS NULL AND {_LIVE_CUSTOMER}"
            " AND c.archived_at IS NULL", (to_db_time(now), owner_id))
        assert counts is not None
        resolved = await self.db.fetch_all(
            "SELECT opened_at, resolved_at, first_contact FROM complaints"
            " WHERE owner_id = ? AND resolved_at >= ? ORDER BY resolved_at",
            (owner_id, to_db_time(since)))
        scores = await self.db.fetch_all(
            "SELECT kind, score FROM satisfaction WHERE owner_id = ? AND recorded_at >= ?"
            " ORDER BY id", (owner_id, to_db_time(since)))
        return ServiceRows(
            open=int(counts["open"]), overdue=int(counts["overdue"]),
            resolved=[ResolvedRow(_time(row, "opened_at"), _time(row, "resolved_at"),
                                  bool(row["first_contact"])) for row in resolved],
            csat=[row["score"] for row in scores if row["kind"] == "csat"],
            nps=[row["score"] for row in scores if row["kind"] == "nps"])

    async def remove(self, owner_id: int, complaint_id: int) -> int | None:
        """Take back an unresolved complaint (undo) with its reminders; its history row's
        id, or None if it is not the RM's or was resolved."""
        row = await self.db.fetch_one(
            "SELECT interaction_id FROM complaints WHERE id = ? AND owner_id = ?"
            " AND resolved_at IS NULL", (complaint_id, owner_id))
        if row is None:
            return None
        await self.db.execute(
            "UPDATE reminders SET status = 'cancelled', version = version + 1"
            " WHERE ref_id = ? AND kind IN ('complaint', 'escalation')"
            " AND status IN ('pending', 'sending', 'sent')", (complaint_id,))
        await self.db.execute("DELETE FROM complaints WHERE id = ?", (complaint_id,))
        return row["interaction_id"]
