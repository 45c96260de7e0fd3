"""Early warning on churn: weekly transaction volumes of company clients, by the bank's
client reference, and the churn alerts raised on them (one per client and week)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.churn import ref_key
from storage.db import Database, Row, from_db_time, to_db_time

_CHUNK = 500  # bound parameters per IN (...) list


@dataclass(frozen=True)
class RefHolder:
    """The live customer holding a client reference, and who owns the customer."""

    customer_id: int
    client_ref: str
    name: str
    grade: str | None
    owner_id: int
    team_id: int | None


@dataclass(frozen=True)
class WeekVolume:
    week: date
    volume: float
    currency: str | None


@dataclass(frozen=True)
class NewVolume:
    client_ref: str          # as the customer holds it
    week: date               # a Monday
    volume: float
    currency: str | None


@dataclass(frozen=True)
class ChurnAlert:
    id: int
    client_ref: str
    week: date
    customer_id: int
    customer_name: str
    grade: str | None
    owner_id: int
    volume: float
    currency: str | None
    avg_4w: float | None
    avg_13w: float | None
    drop_4w: float | None
    drop_13w: float | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> ChurnAlert:
        created_at = from_db_time(row["created_at"])
        assert created_at is not None
        return cls(id=row["id"], client_ref=row["client_ref"],
                   week=date.fromisoformat(row["week"]), customer_id=row["customer_id"],
                   customer_name=row["name"], grade=row["grade"], owner_id=row["owner_id"],
                   volume=row["volume"], currency=row["currency"], avg_4w=row["avg_4w"],
                   avg_13w=row["avg_13w"], drop_4w=row["drop_4w"], drop_13w=row["drop_13w"],
                   created_at=created_at)


_ALERT_SELECT = (
    "SELECT a.id, a.client_ref, a.week, a.customer_id, c.name, c.grade, c.owner_id, a.volume,"
    " v.currency, a.avg_4w, a.avg_13w, a.drop_4w, a.drop_13w, a.created_at"
    " FROM churn_alerts a JOIN customers c ON c.id = a.customer_id AND c.erased_at IS NULL"
    " LEFT JOIN weekly_volumes v ON v.client_ref = a.client_ref AND v.week = a.week"
)


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


class ChurnRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- client references ---------------------------------------------------------------------
    async def holders(self, refs: Iterable[str]) -> dict[str, RefHolder]:
        """The live customer holding each reference, keyed by ``ref_key`` (case-blind)."""
        wanted = sorted({ref.strip() for ref in refs if ref.strip()})
        found: dict[str, RefHolder] = {}
        for chunk in _chunks(wanted):
            marks = ", ".join("?" for _ in chunk)
            rows = await self.db.fetch_all(
                "SELECT c.id, c.client_ref, c.name, c.grade, c.owner_id, s.team_id"
                " FROM customers c JOIN staff s ON s.id = c.owner_id"
                f" WHERE LOWER(c.client_ref) IN ({marks}) AND c.erased_at IS NULL",
                [ref_key(ref) for ref in chunk],
            )
            for row in rows:
                found[ref_key(row["client_ref"])] = RefHolder(
                    customer_id=row["id"], client_ref=row["client_ref"], name=row["name"],
                    grade=row["grade"], owner_id=row["owner_id"], team_id=row["team_id"])
        return found

    async def ref_taken(self, ref: str, except_customer_id: int | None = None) -> bool:
        """True if another live customer already holds this client reference."""
        value = await self.db.fetch_value(
            "SELECT 1 FROM customers WHERE LOWER(client_ref) = LOWER(?)"
            " AND erased_at IS NULL AND (CAST(? AS BIGINT) IS NULL OR id != ?) LIMIT 1",
            (ref.strip(), except_customer_id, except_customer_id),
        )
        return value is not None

    # -- volumes ------------------------------------------------------------------------------
    async def replace(self, rows: Sequence[NewVolume], now: datetime) -> int:
        """Store the rows in one transaction, each replacing its (client, week) if already on
        record; return how many replaced a row."""
        refs = sorted({row.client_ref for row in rows})
        async with self.db.transaction():
            existing: set[tuple[str, str]] = set()
            for chunk in _chunks(refs):
                marks = ", ".join("?" for _ in chunk)
                found = await self.db.fetch_all(
                    f"SELECT client_ref, week FROM weekly_volumes WHERE client_ref IN ({marks})",
                    list(chunk),
                )
                existing.update((row[0], row[1]) for row in found)
            await self.db.execute_many(
                "INSERT INTO weekly_volumes (client_ref, week, volume, currency, imported_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (client_ref, week) DO UPDATE SET"
                " volume = excluded.volume, currency = excluded.currency,"
                " imported_at = excluded.imported_at",
                [(row.client_ref, row.week.isoformat(), row.volume, row.currency,
                  to_db_time(now)) for row in rows],
            )
        return sum((row.client_ref, row.week.isoformat()) in existing for row in rows)

    async def series(self, client_ref: str, until: date, weeks: int) -> list[WeekVolume]:
        """The client's weeks on record from `weeks - 1` weeks before `until` to `until`."""
        start = until - timedelta(weeks=weeks - 1)
        rows = await self.db.fetch_all(
            "SELECT week, volume, currency FROM weekly_volumes"
            " WHERE client_ref = ? AND week >= ? AND week <= ? ORDER BY week",
            (client_ref, start.isoformat(), until.isoformat()),
        )
        return [WeekVolume(date.fromisoformat(row["week"]), row["volume"], row["currency"])
                for row in rows]

    async def first_and_last_week(self, client_ref: str) -> tuple[date, date] | None:
        row = await self.db.fetch_one(
            "SELECT MIN(week) AS first, MAX(week) AS last FROM weekly_volumes"
            " WHERE client_ref = ?", (client_ref,))
        if row is None or row["first"] is None:
            return None
        return date.fromisoformat(row["first"]), date.fromisoformat(row["last"])

    async def count(self) -> int:
        return int(await self.db.fetch_value("SELECT COUNT(*) FROM weekly_volumes"))

    # -- alerts ------------------------------------------------------------------------------
    async def save_alert(self, *, client_ref: str, week: date, customer_id: int, volume: float,
                         avg_4w: float | None, avg_13w: float | None, drop_4w: float | None,
                         drop_13w: float | None, now: datetime) -> tuple[int, bool]:
        """Record the alert of a client-week, once (a re-import updates its figures); return
        its id and whether it is new."""
        async with self.db.transaction():
            found = await self.db.fetch_one(
                "SELECT id FROM churn_alerts WHERE client_ref = ? AND week = ?",
                (client_ref, week.isoformat()),
            )
            if found is not None:
                await self.db.execute(
                    "UPDATE churn_alerts SET customer_id = ?, volume = ?, avg_4w = ?,"
                    " avg_13w = ?, drop_4w = ?, drop_13w = ? WHERE id = ?",
                    (customer_id, volume, avg_4w, avg_13w, drop_4w, drop_13w, found[0]),
                )
                return int(found[0]), False
            alert_id = await self.db.insert(
                "INSERT INTO churn_alerts (client_ref, week, customer_id, drop_4w, drop_13w,"
                " volume, avg_4w, avg_13w, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (client_ref, week.isoformat(), customer_id, drop_4w, drop_13w, volume, avg_4w,
                 avg_13w, to_db_time(now)),
            )
            return alert_id, True

    async def clear_alert(self, client_ref: str, week: date) -> bool:
        """A corrected week that no longer falls far enough is no longer on alert."""
        changed = await self.db.execute(
            "DELETE FROM churn_alerts WHERE client_ref = ? AND week = ?",
            (client_ref, week.isoformat()))
        return changed > 0

    async def alert(self, alert_id: int) -> ChurnAlert | None:
        row = await self.db.fetch_one(f"{_ALERT_SELECT} WHERE a.id = ?", (alert_id,))
        return ChurnAlert.from_row(row) if row else None

    async def on_alert(self, owner_ids: Sequence[int] | None) -> list[ChurnAlert]:
        """The clients on alert now (their latest week raised one), of these owners (None:
        everyone's), the steepest drop first."""
        where = ("a.week = (SELECT MAX(w.week) FROM weekly_volumes w"
                 " WHERE w.client_ref = a.client_ref)")
        params: list[object] = []
        if owner_ids is not None:
            if not owner_ids:
                return []
            where += f" AND c.owner_id IN ({', '.join('?' for _ in owner_ids)})"
            params.extend(owner_ids)
        rows = await self.db.fetch_all(
            f"{_ALERT_SELECT} WHERE {where}"
            " ORDER BY CASE WHEN COALESCE(a.drop_4w, 0) > COALESCE(a.drop_13w, 0)"
            " THEN COALESCE(a.drop_4w, 0) ELSE COALESCE(a.drop_13w, 0) END DESC, a.id",
            params,
        )
        return [ChurnAlert.from_row(row) for row in rows]
