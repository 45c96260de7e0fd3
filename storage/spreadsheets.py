"""Export and import of customer files: what an export reads, and imports waiting for Apply.

An import is checked first and kept in ``imports`` until the RM presses Apply, which writes
every new and changed customer in ONE transaction (search keys in step, audit rows written)
and marks the import applied in that same transaction, so a second press changes nothing.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any

from domain.names import fold
from storage.care import CareRepo
from storage.churn import ChurnRepo
from storage.customers import EDITABLE, Customer, CustomerRepo
from storage.db import Database, Row, from_db_time, to_db_time, to_json
from storage.deals import DealRepo
from storage.holdings import HoldingRepo
from storage.interactions import Interaction

_CUSTOMER_COLUMNS = ", ".join(f"c.{field.name}" for field in fields(Customer))
_INTERACTION_COLUMNS = ("i.id, i.customer_id, i.staff_id, i.kind, i.happened_at, i.text,"
                        " i.file_id, i.file_type, i.file_name, i.detail")
_LIVE = "c.erased_at IS NULL"
_CHUNK = 500  # ids per IN (...) list
# Columns an import may write (besides archived_at, from the "archived" flag).
IMPORTED = frozenset({
    "name", "phone", "segment", "grade", "stage", "lost_reason", "source", "referred_by",
    "referrer", "birthday", "birthday_lunar", "birthday_leap", "company", "family", "income",
    "products_held", "products_wanted", "tags", "about", "language", "client_ref", "zalo",
    "wechat", "line", "whatsapp", "id_expiry", "risk_expiry", "kyc_due", "swot_strengths",
    "swot_weaknesses", "swot_opportunities", "swot_threats",
})
assert IMPORTED.issubset(EDITABLE | {"stage"})


@dataclass(frozen=True)
class SavedImport:
    id: int
    owner_id: int
    file_name: str
    creates: int
    updates: int
    unchanged: int
    rejected: int
    status: str  # pending, applied, cancelled
    created_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> SavedImport:
        created_at = from_db_time(row["created_at"])
        assert created_at is not None
        return cls(id=row["id"], owner_id=row["owner_id"], file_name=row["file_name"],
                   creates=row["creates"], updates=row["updates"], unchanged=row["unchanged"],
                   rejected=row["rejected"], status=row["status"], created_at=created_at)


@dataclass(frozen=True)
class Applied:
    """What Apply did: customers created and updated; updates whose customer had gone."""

    created: int
    updated: int
    skipped: int
    deals: int = 0       # deals created or changed
    holdings: int = 0    # products held created or changed


@dataclass(frozen=True)
class ApplyOutcome:
    status: str  # applied, already (applied before), cancelled, expired, missing
    applied: Applied | None = None


def _in(ids: Sequence[object]) -> str:
    return ", ".join("?" for _ in ids)


class SpreadsheetRepo:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.deals = DealRepo(db)
        self.holdings = HoldingRepo(db)

    # -- export ---------------------------------------------------------------------------

    async def customers(self, owner_ids: Sequence[int] | None) -> list[Customer]:
        """The live customers (archived ones included) of these owners, or of everyone."""
        if owner_ids is not None and not owner_ids:
            return []
        where, params = _owners(owner_ids)
        rows = await self.db.fetch_all(
            f"SELECT {_CUSTOMER_COLUMNS} FROM customers c WHERE {_LIVE}{where}"
            " ORDER BY c.owner_id, c.id", params)
        return [Customer.from_row(row) for row in rows]

    async def interactions(self, owner_ids: Sequence[int] | None) -> list[Interaction]:
        """Every interaction with those customers, by customer and then in time order."""
        if owner_ids is not None and not owner_ids:
            return []
        where, params = _owners(owner_ids)
        rows = await self.db.fetch_all(
            f"SELECT {_INTERACTION_COLUMNS} FROM interactions i"
            f" JOIN customers c ON c.id = i.customer_id WHERE {_LIVE}{where}"
            " ORDER BY c.owner_id, i.customer_id, i.happened_at, i.id", params)
        return [Interaction.from_row(row) for row in rows]

    # -- import ---------------------------------------------------------------------------

    async def held_refs(self, owner_id: int, refs: Sequence[str]) -> dict[str, int]:
        """Which of these client references a live customer of this RM's book holds: lower
        case → that customer's id. Another book holding one is not the RM's to know."""
        held: dict[str, int] = {}
        wanted = sorted({ref.strip().lower() for ref in refs if ref.strip()})
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start:start + _CHUNK]
            rows = await self.db.fetch_all(
                "SELECT c.id, LOWER(c.client_ref) AS ref FROM customers c"
                f" WHERE LOWER(c.client_ref) IN ({_in(chunk)}) AND c.owner_id = ? AND {_LIVE}",
                [*chunk, owner_id])
            held.update({str(row["ref"]): int(row["id"]) for row in rows})
        return held

    async def save_import(self, *, owner_id: int, file_name: str,
                          creates: list[dict[str, Any]],
                          updates: list[tuple[int, dict[str, Any]]], unchanged: int,
                          rejected: int, now: datetime,
                          sheets: dict[str, dict[str, Any]] | None = None) -> int:
        """Keep a checked import until the RM applies or cancels it; return its id.
        ``sheets``: the deals' and holdings' creates and updates, applied with it."""
        payload = to_json({"creates": creates, "updates": updates, **(sheets or {})})
        return await self.db.insert(
            "INSERT INTO imports (owner_id, file_name, payload, creates, updates, unchanged,"
            " rejected, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (owner_id, file_name, payload, len(creates), len(updates), unchanged, rejected,
             to_db_time(now)))

    async def get_import(self, owner_id: int, import_id: int) -> SavedImport | None:
        row = await self.db.fetch_one(
            "SELECT id, owner_id, file_name, creates, updates, unchanged, rejected, status,"
            " created_at FROM imports WHERE id = ? AND owner_id = ?", (import_id, owner_id))
        return SavedImport.from_row(row) if row else None

    async def cancel_import(self, owner_id: int, import_id: int, now: datetime) -> bool:
        """Drop a pending import; False if it was applied or cancelled already."""
        changed = await self.db.execute(
            "UPDATE imports SET status = 'cancelled', payload = '{}', done_at = ?"
            " WHERE id = ? AND owner_id = ? AND status = 'pending'",
            (to_db_time(now), import_id, owner_id))
        return changed == 1

    async def apply_saved(self, owner_id: int, import_id: int, *, region: str, now: datetime,
                          ttl: timedelta) -> ApplyOutcome:
        """Apply a pending import once: marked applied in the same transaction as its rows."""
        async with self.db.transaction():
            row = await self.db.fetch_one(
                "SELECT status, payload, created_at FROM imports WHERE id = ? AND owner_id = ?"
                f"{self.db.for_update()}",
                (import_id, owner_id),
            )
            if row is None:
                return ApplyOutcome("missing")
            if row["status"] != "pending":
                return ApplyOutcome("already" if row["status"] == "applied" else "cancelled")
            created_at = from_db_time(row["created_at"])
            if created_at is None or now - created_at > ttl:
                await self.db.execute(
                    "UPDATE imports SET status = 'cancelled', payload = '{}', done_at = ?"
                    " WHERE id = ?", (to_db_time(now), import_id))
                return ApplyOutcome("expired")
            payload = json.loads(row["payload"])
            await self.db.execute(
                "UPDATE imports SET status = 'applied', payload = '{}', done_at = ?"
                " WHERE id = ?", (to_db_time(now), import_id))
            applied = await self.apply_import(
                owner_id, payload["creates"], [(int(i), c) for i, c in payload["updates"]],
                now, region=region, import_id=import_id)
            deals = await self._apply_deals(owner_id, payload.get("deals") or {}, now)
            holdings = await self._apply_holdings(owner_id, payload.get("holdings") or {}, now)
        return ApplyOutcome("applied", replace(applied, deals=deals, holdings=holdings))

    async def _apply_deals(self, owner_id: int, sheet: dict[str, Any], now: datetime) -> int:
        """Each new deal and change, with its history and audit rows (in the import's
        transaction); a deal closed meanwhile, or a customer gone, is left out."""
        done = 0
        for values in sheet.get("creates", []):
            made = await self.deals.create(owner_id=owner_id, actor_id=owner_id, now=now,
                                           **values)
            done += int(made is not None)
        for deal_id, changes in sheet.get("updates", []):
            changed = await self.deals.update(owner_id, int(deal_id), owner_id, now, **changes)
            done += int(changed is not None)
        return done

    async def _apply_holdings(self, owner_id: int, sheet: dict[str, Any],
                              now: datetime) -> int:
        done = 0
        for values in sheet.get("creates", []):
            values = dict(values)
            customer_id = int(values.pop("customer_id"))
            owned = await self.db.fetch_value(
                f"SELECT 1 FROM customers c WHERE c.id = ? AND c.owner_id = ? AND {_LIVE}",
                (customer_id, owner_id))
            if owned is None:
                continue
            values.setdefault("kind", "other")
            await self.holdings.add(customer_id=customer_id, now=now, actor_id=owner_id,
                                    **values)
            done += 1
        for holding_id, changes in sheet.get("updates", []):
            changed = await self.holdings.update(owner_id, int(holding_id), owner_id, now,
                                                 **changes)
            done += int(changed is not None)
        return done

    async def apply_import(self, owner_id: int, creates: list[dict[str, Any]],
                           updates: list[tuple[int, dict[str, Any]]], now: datetime, *,
                           region: str, import_id: int | None = None) -> Applied:
        """Create and change customers in ONE transaction, keeping search keys in step.

        Each create or change is a dict of customer columns (``archived``: a flag for
        archived_at); a changed stage is written into the history like a stage set on the
        card. Only the owner's live customers are changed.
        """
        for values in [*creates, *(changes for _id, changes in updates)]:
            unknown = set(values) - IMPORTED - {"archived"}
            if unknown:
                raise ValueError(f"not importable: {sorted(unknown)}")
        stamp = to_db_time(now)
        audit: list[tuple[Any, ...]] = []
        stages: list[tuple[Any, ...]] = []
        created = updated = skipped = 0
        referenced: list[int] = []     # given a client number: another book may hold it too
        birthdays: list[int] = []
        async with self.db.transaction():
            # Search keys (pinyin and all) take a moment for thousands of customers: worked
            # out in a thread, so other users' updates keep being answered meanwhile.
            keys = await asyncio.to_thread(
                lambda: [_keys(values, region) for values in creates])
            for values, key in zip(creates, keys, strict=True):
                customer_id = await self._insert(owner_id, values, key, stamp)
                created += 1
                if values.get("client_ref"):
                    referenced.append(customer_id)
                if values.get("birthday"):
                    birthdays.append(customer_id)
                audit.append(_audit(owner_id, "customer.created", customer_id, stamp,
                                    {"import": import_id}))
            current = await self._current(owner_id, [i for i, _c in updates])
            merged = {customer_id: {**current[customer_id], **_columns(changes, stamp)}
                      for customer_id, changes in updates if customer_id in current}
            keys_of = await asyncio.to_thread(
                lambda: {i: _keys(values, region) for i, values in merged.items()})
            for customer_id, changes in updates:
                before = current.get(customer_id)
                if before is None:
                    skipped += 1
                    continue
                await self._update(owner_id, customer_id, _columns(changes, stamp),
                                   keys_of[customer_id], stamp)
                updated += 1
                if changes.get("client_ref"):
                    referenced.append(customer_id)
                if "birthday" in changes:
                    birthdays.append(customer_id)
                audit.append(_audit(owner_id, "customer.updated", customer_id, stamp,
                                    {"fields": sorted(changes), "import": import_id}))
                if "stage" in changes and changes["stage"] != before["stage"]:
                    detail = {"from": before["stage"], "to": changes["stage"]}
                    reason = changes.get("lost_reason", before["lost_reason"]) or ""
                    stages.append((customer_id, owner_id, stamp, reason, fold(reason),
                                   to_json(detail), stamp))
                    audit.append(_audit(owner_id, "customer.stage", customer_id, stamp, detail))
            await self.db.execute_many(
                "INSERT INTO interactions (customer_id, staff_id, kind, happened_at, text,"
                " search_text, detail, created_at) VALUES (?, ?, 'stage', ?, ?, ?, ?, ?)",
                stages)
            audit.append(_audit(owner_id, "customers.imported", import_id, stamp,
                                {"created": created, "updated": updated, "skipped": skipped},
                                entity="import"))
            await self.db.execute_many(
                "INSERT INTO audit_log (at, actor_id, action, entity, entity_id, detail)"
                " VALUES (?, ?, ?, ?, ?, ?)", audit)
            if referenced:
                await ChurnRepo(self.db).notice_shared_refs(referenced, now)
            await CareRepo(self.db).birthdays_changed(birthdays, now)
        return Applied(created, updated, skipped)

    async def _insert(self, owner_id: int, values: dict[str, Any],
                      keys: tuple[str, str, str], stamp: str) -> int:
        row = {column: value for column, value in values.items() if column != "archived"}
        row.setdefault("name", "")
        row.update(owner_id=owner_id, search_key=keys[0], phone_key=keys[1], name_key=keys[2],
                   created_at=stamp,
                   updated_at=stamp, archived_at=stamp if values.get("archived") else None)
        columns = list(row)
        return await self.db.insert(
            f"INSERT INTO customers ({', '.join(columns)}) VALUES ({_in(columns)})",
            [row[column] for column in columns],
        )

    async def _current(self, owner_id: int,
                       ids: list[int]) -> dict[int, dict[str, Any]]:
        """The owner's live customers among these ids, as stored."""
        current: dict[int, dict[str, Any]] = {}
        wanted = sorted(set(ids))
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start:start + _CHUNK]
            rows = await self.db.fetch_all(
                f"SELECT {_CUSTOMER_COLUMNS} FROM customers c WHERE c.id IN ({_in(chunk)})"
                f" AND c.owner_id = ? AND {_LIVE}", [*chunk, owner_id],
            )
            for row in rows:
                current[int(row["id"])] = dict(row)
        return current

    async def _update(self, owner_id: int, customer_id: int,
                      columns: dict[str, Any], keys: tuple[str, str, str], stamp: str) -> None:
        assignments = "".join(f"{column} = ?, " for column in columns)
        await self.db.execute(
            f"UPDATE customers SET {assignments}search_key = ?, phone_key = ?, name_key = ?,"
            " updated_at = ?"
            " WHERE id = ? AND owner_id = ?",
            [*columns.values(), *keys, stamp, customer_id, owner_id])

    async def purge(self, before: datetime) -> None:
        """Forget imports older than this moment (pending ones can no longer be applied)."""
        await self.db.execute("DELETE FROM imports WHERE created_at < ?", (to_db_time(before),))


def _owners(owner_ids: Sequence[int] | None) -> tuple[str, list[int]]:
    if owner_ids is None:
        return "", []
    return f" AND c.owner_id IN ({_in(owner_ids)})", list(owner_ids)


def _columns(changes: dict[str, Any], stamp: str) -> dict[str, Any]:
    """The customer columns for an import's changes (the "archived" flag → archived_at)."""
    columns = {column: value for column, value in changes.items() if column != "archived"}
    if "archived" in changes:
        columns["archived_at"] = stamp if changes["archived"] else None
    return columns


def _keys(values: dict[str, Any], region: str) -> tuple[str, str, str]:
    """The search keys, exactly as CustomerRepo keeps them."""
    return CustomerRepo._keys(values.get("name") or "", values.get("company"),
                              values.get("tags"), values.get("phone"), region)


def _audit(actor_id: int, action: str, entity_id: int | None, stamp: str,
           detail: dict[str, Any], entity: str = "customer") -> tuple[Any, ...]:
    # Field names and counts only: the audit log must not keep a copy of personal data.
    return (stamp, actor_id, action, entity, None if entity_id is None else str(entity_id),
            to_json(detail))
