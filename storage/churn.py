"""Early warning on churn: weekly transaction volumes of company clients, by the bank's
client reference, and the churn alerts raised on them (one per client, week and customer
holding the number: two RMs' books may hold the same one)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.churn import ref_key
from domain.pushes import Kind
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
    async def holders(self, refs: Iterable[str]) -> dict[str, list[RefHolder]]:
        """The live customers holding each reference (one per RM's book, so maybe several),
        keyed by ``ref_key`` (case-blind), the first customer on file first."""
        wanted = sorted({ref.strip() for ref in refs if ref.strip()})
        found: dict[str, list[RefHolder]] = {}
        for chunk in _chunks(wanted):
            marks = ", ".join("?" for _ in chunk)
            rows = await self.db.fetch_all(
                "SELECT c.id, c.client_ref, c.name, c.grade, c.owner_id, s.team_id"
                " FROM customers c JOIN staff s ON s.id = c.owner_id"
                f" WHERE LOWER(c.client_ref) IN ({marks}) AND c.erased_at IS NULL"
                " ORDER BY c.id",
                [ref_key(ref) for ref in chunk],
            )
            for row in rows:
                found.setdefault(ref_key(row["client_ref"]), []).append(RefHolder(
                    customer_id=row["id"], client_ref=row["client_ref"], name=row["name"],
                    grade=row["grade"], owner_id=row["owner_id"], team_id=row["team_id"]))
        return found

    async def ref_taken(self, ref: str, owner_id: int,
                        except_customer_id: int | None = None) -> bool:
        """True if another live customer of the same RM's book holds this client reference
        (another book holding it is not the RM's to know)."""
        value = await self.db.fetch_value(
            "SELECT 1 FROM customers WHERE owner_id = ? AND LOWER(client_ref) = LOWER(?)"
            " AND erased_at IS NULL AND (CAST(? AS BIGINT) IS NULL OR id != ?) LIMIT 1",
            (owner_id, ref.strip(), except_customer_id, except_customer_id),
        )
        return value is not None

    async def notice_shared_refs(self, customer_ids: Iterable[int], now: datetime) -> int:
        """Tell someone entitled to see both books when these customers' client numbers are
        also held in another RM's book: the leads of the team both RMs are in, or else the
        administrators, never the two RMs. Once per pair of customers; the notices made."""
        wanted = sorted(set(customer_ids))
        pairs: set[tuple[int, int, str, int, int]] = set()
        for chunk in _chunks([str(i) for i in wanted]):
            marks = ", ".join("?" for _ in chunk)
            rows = await self.db.fetch_all(
                "SELECT a.id AS a_id, b.id AS b_id, a.client_ref, a.owner_id AS a_owner,"
                " b.owner_id AS b_owner FROM customers a JOIN customers b"
                " ON LOWER(b.client_ref) = LOWER(a.client_ref) AND b.owner_id != a.owner_id"
                " AND b.erased_at IS NULL"
                f" WHERE a.id IN ({marks}) AND a.client_ref IS NOT NULL AND a.erased_at IS NULL",
                [int(i) for i in chunk])
            for row in rows:
                first, second = sorted(((int(row["a_id"]), int(row["a_owner"])),
                                        (int(row["b_id"]), int(row["b_owner"]))))
                pairs.add((first[0], second[0], str(row["client_ref"]), first[1], second[1]))
        made = 0
        for first_id, second_id, ref, first_owner, second_owner in sorted(pairs):
            for staff_id in await self._entitled(first_owner, second_owner):
                created = await self.db.try_insert(
                    "INSERT INTO reminders (staff_id, customer_id, kind, text, due_at, urgent,"
                    " rule_key, ref_id, created_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)"
                    " ON CONFLICT DO NOTHING",
                    (staff_id, first_id, Kind.SHARED_REF, ref, to_db_time(now),
                     f"shared_ref:{first_id}:{second_id}:{staff_id}", second_id,
                     to_db_time(now)))
                made += created is not None
        return made

    async def _entitled(self, first_owner: int, second_owner: int) -> list[int]:
        """Who may see both books: the active leads of the team both RMs are in (not the two
        RMs themselves), else the active administrators."""
        rows = await self.db.fetch_all(
            "SELECT l.id FROM staff a JOIN staff b ON b.team_id = a.team_id"
            " JOIN staff l ON l.team_id = a.team_id"
            " WHERE a.id = ? AND b.id = ? AND l.role = 'lead' AND l.active = 1"
            " AND l.id NOT IN (?, ?) ORDER BY l.id",
            (first_owner, second_owner, first_owner, second_owner))
        if not rows:
            rows = await self.db.fetch_all(
                "SELECT id FROM staff WHERE role = 'admin' AND active = 1 AND id NOT IN (?, ?)"
                " ORDER BY id", (first_owner, second_owner))
        return [int(row[0]) for row in rows]

    async def shared_pair(self, first_id: int, second_id: int) -> list[tuple[str, str]]:
        """For a shared-number notice: each customer's name and their RM's name (a customer
        erased since is left out)."""
        rows = await self.db.fetch_all(
            "SELECT c.name, s.name AS owner_name FROM customers c JOIN staff s"
            " ON s.id = c.owner_id WHERE c.id IN (?, ?) AND c.erased_at IS NULL ORDER BY c.id",
            (first_id, second_id))
        return [(str(row["name"]), str(row["owner_name"])) for row in rows]

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
        """Record the alert of a client-week for one customer holding the number, once (a
        re-import updates its figures); return its id and whether it is new."""
        async with self.db.transaction():
            found = await self.db.fetch_one(
                "SELECT id FROM churn_alerts WHERE client_ref = ? AND week = ?"
                " AND customer_id = ?",
                (client_ref, week.isoformat(), customer_id),
            )
            if found is not None:
                await self.db.execute(
                    "UPDATE churn_alerts SET volume = ?, avg_4w = ?,"
                    " avg_13w = ?, drop_4w = ?, drop_13w = ? WHERE id = ?",
                    (volume, avg_4w, avg_13w, drop_4w, drop_13w, found[0]),
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
