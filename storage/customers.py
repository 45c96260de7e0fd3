"""Customers: the RM's file on each prospect or client. Every query is scoped to an owner."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from domain.names import fold, name_key, rank_patterns, search_key
from domain.phones import search_forms
from storage.bookkeeping import AuditLog
from storage.db import Database, Row, from_db_time, marks, to_db_time

# Columns a user may edit through the generic field editor (never ids, keys or stamps).
EDITABLE = frozenset({
    "name", "phone", "segment", "grade", "source", "referrer", "referred_by", "birthday",
    "birthday_lunar", "birthday_leap", "company", "family", "income", "products_held",
    "products_wanted", "tags", "about", "language", "lost_reason", "client_ref",
    "id_expiry", "risk_expiry", "kyc_due", "zalo", "wechat", "line", "whatsapp",
    "swot_strengths", "swot_weaknesses", "swot_opportunities", "swot_threats", "qr_source",
})
# Personal data blanked when a customer is erased (right to erasure); counts stay.
PERSONAL = ("phone", "telegram_id", "referrer", "birthday", "company", "family", "income",
            "products_held", "products_wanted", "tags", "about", "lost_reason", "client_ref",
            "id_expiry", "risk_expiry", "kyc_due", "zalo", "wechat", "line", "whatsapp",
            "swot_strengths", "swot_weaknesses", "swot_opportunities", "swot_threats")


@dataclass(frozen=True)
class Customer:
    id: int
    owner_id: int
    name: str
    phone: str | None
    segment: str
    grade: str | None
    stage: str
    lost_reason: str | None
    source: str | None
    referred_by: int | None
    referrer: str | None
    birthday: str | None
    birthday_lunar: bool
    birthday_leap: bool
    company: str | None
    family: str | None
    income: str | None
    products_held: str | None
    products_wanted: str | None
    tags: str | None
    about: str | None
    language: str | None
    last_contact_at: datetime | None
    created_at: datetime
    archived_at: datetime | None
    client_ref: str | None = None
    # Compliance dates (YYYY-MM-DD), messaging apps, SWOT, and the QR code they came through.
    id_expiry: str | None = None
    risk_expiry: str | None = None
    kyc_due: str | None = None
    zalo: str | None = None
    wechat: str | None = None
    line: str | None = None
    whatsapp: str | None = None
    swot_strengths: str | None = None
    swot_weaknesses: str | None = None
    swot_opportunities: str | None = None
    swot_threats: str | None = None
    qr_source: str | None = None
    # A lead from a group, or the other side of an RM's chat seen through Telegram Business.
    telegram_id: int | None = None

    @classmethod
    def from_row(cls, row: Row) -> Customer:
        values: dict[str, Any] = {}
        for column in fields(cls):
            value = row[column.name]
            if column.name.endswith("_at"):
                value = from_db_time(value)
            elif column.name in ("birthday_lunar", "birthday_leap"):
                value = bool(value)
            values[column.name] = value
        return cls(**values)


_COLUMNS = ", ".join(column.name for column in fields(Customer))
_LIKE_ESCAPE = str.maketrans({"\\": "\\\\", "%": "\\%", "_": "\\_"})
_LIVE = "erased_at IS NULL"


@dataclass(frozen=True)
class Page:
    customers: list[Customer]
    total: int
    # Found by their notes: customer id → the (newest) note that matched.
    notes: dict[int, str] = field(default_factory=dict)


class CustomerRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def _keys(name: str, company: str | None, tags: str | None, phone: str | None,
              region: str) -> tuple[str, str, str]:
        """The search key, the phone key and the name key (its ranks) of a customer."""
        key = search_key(name, company or "", tags or "")
        phone_key = "|" + "|".join(search_forms(phone, region)) + "|" if phone else ""
        return key, phone_key, name_key(name)

    async def create(self, *, owner_id: int, name: str, phone: str | None, region: str,
                     now: datetime, source: str | None = None, **extra: Any) -> Customer:
        unknown = set(extra) - EDITABLE - {"telegram_id"}
        if unknown:
            raise ValueError(f"not customer fields: {sorted(unknown)}")
        key, phone_key, names = self._keys(name, extra.get("company"), extra.get("tags"), phone,
                                           region)
        columns = ["owner_id", "name", "phone", "source", "search_key", "phone_key", "name_key",
                   "created_at", "updated_at", *extra]
        values = [owner_id, name, phone, source, key, phone_key, names, to_db_time(now),
                  to_db_time(now), *extra.values()]
        marks = ", ".join("?" for _ in columns)
        customer_id = await self.db.insert(
            f"INSERT INTO customers ({', '.join(columns)}) VALUES ({marks})", values
        )
        customer = await self.get(owner_id, customer_id)
        assert customer is not None
        return customer

    async def get(self, owner_id: int, customer_id: int) -> Customer | None:
        """The customer if it belongs to this RM and was not erased; None otherwise."""
        row = await self.db.fetch_one(
            f"SELECT {_COLUMNS} FROM customers WHERE id = ? AND owner_id = ? AND {_LIVE}",
            (customer_id, owner_id),
        )
        return Customer.from_row(row) if row else None

    async def duplicates(self, owner_id: int, name: str, phone: str | None) -> list[Customer]:
        """This RM's customers with the same phone, or the same name once folded."""
        keyed = search_key(name)
        # The name's folded form is the key's first form; '%' and '_' in it are literal.
        pattern = "|" + keyed.split("|")[1].translate(_LIKE_ESCAPE) + "|%" if keyed else None
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS} FROM customers WHERE owner_id = ? AND {_LIVE} AND"
            " ((CAST(? AS TEXT) IS NOT NULL AND phone = ?)"
            "  OR (CAST(? AS TEXT) IS NOT NULL AND search_key LIKE ? ESCAPE '\\'))"
            " ORDER BY id LIMIT 5",
            (owner_id, phone, phone, pattern, pattern),
        )
        return [Customer.from_row(row) for row in rows]

    async def update(self, owner_id: int, customer_id: int, now: datetime, region: str,
                     **changes: Any) -> Customer | None:
        """Change fields and keep the search keys in step; None if not this RM's customer."""
        unknown = set(changes) - EDITABLE
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        current = await self.get(owner_id, customer_id)
        if current is None:
            return None
        merged = {**current.__dict__, **changes}
        key, phone_key, names = self._keys(merged["name"], merged["company"], merged["tags"],
                                           merged["phone"], region)
        assignments = ", ".join(f"{column} = ?" for column in changes)
        await self.db.execute(
            f"UPDATE customers SET {assignments}, search_key = ?, phone_key = ?, name_key = ?,"
            " updated_at = ? WHERE id = ? AND owner_id = ?",
            [*changes.values(), key, phone_key, names, to_db_time(now), customer_id, owner_id],
        )
        return await self.get(owner_id, customer_id)

    async def update_audited(self, owner_id: int, customer_id: int, now: datetime, region: str,
                             *, actor_id: int, **changes: Any) -> Customer | None:
        """``update`` and its audit row (field names only, never values) in one transaction."""
        async with self.db.transaction():
            updated = await self.update(owner_id, customer_id, now, region, **changes)
            if updated is not None:
                await AuditLog(self.db).record(
                    actor_id=actor_id, action="customer.updated", entity="customer",
                    entity_id=customer_id, now=now, detail={"fields": sorted(changes)})
        return updated

    async def set_stage(self, owner_id: int, customer_id: int, stage: str,
                        lost_reason: str | None, now: datetime) -> None:
        await self.db.execute(
            "UPDATE customers SET stage = ?, lost_reason = ?, updated_at = ?"
            " WHERE id = ? AND owner_id = ?",
            (stage, lost_reason, to_db_time(now), customer_id, owner_id),
        )

    async def set_archived(self, owner_id: int, customer_id: int, archived: bool,
                           now: datetime) -> bool:
        changed = await self.db.execute(
            "UPDATE customers SET archived_at = ?, updated_at = ?"
            f" WHERE id = ? AND owner_id = ? AND {_LIVE}",
            (to_db_time(now) if archived else None, to_db_time(now), customer_id, owner_id),
        )
        return changed == 1

    async def erase(self, owner_id: int, customer_id: int, now: datetime) -> bool:
        """Erase the personal data for good; stage, segment and dates stay for the counts."""
        blanks = ", ".join(f"{column} = NULL" for column in PERSONAL)
        async with self.db.transaction():
            before = await self.db.fetch_one(
                "SELECT name, phone, client_ref, telegram_id FROM customers"
                f" WHERE id = ? AND owner_id = ? AND {_LIVE}", (customer_id, owner_id))
            if before is None:
                return False
            await self._erase_copies(owner_id, customer_id, _Traces.of(customer_id, before))
            # Their Telegram chat with the RM (Telegram Business) is forgotten with them.
            await self.db.execute(
                "DELETE FROM business_chats WHERE staff_id = ? AND user_id = (SELECT"
                f" telegram_id FROM customers WHERE id = ? AND owner_id = ? AND {_LIVE})",
                (owner_id, customer_id, owner_id))
            changed = await self.db.execute(
                f"UPDATE customers SET name = '', {blanks}, birthday_lunar = 0,"
                " birthday_leap = 0, search_key = '', phone_key = '', name_key = '',"
                " referred_by = NULL,"
                f" erased_at = ?, updated_at = ? WHERE id = ? AND owner_id = ? AND {_LIVE}",
                (to_db_time(now), to_db_time(now), customer_id, owner_id),
            )
            if changed != 1:
                return False
            await self.db.execute(
                "UPDATE interactions SET text = '', search_text = '', file_id = NULL,"
                " file_name = NULL, detail = '{}' WHERE customer_id = ?",
                (customer_id,),
            )
            # Their messages' ids name their Telegram chat: gone, with the kept lines.
            await self.db.execute(
                "DELETE FROM business_messages WHERE interaction_id IN"
                " (SELECT id FROM interactions WHERE customer_id = ?)", (customer_id,))
            # What their notes mentioned (numbers, days, amounts) goes with the notes.
            await self.db.execute("DELETE FROM suggestions WHERE customer_id = ?", (customer_id,))
            await self.db.execute("DELETE FROM card_messages WHERE customer_id = ?", (customer_id,))
            # Reminders about them say what to do with whom: blanked, and never sent.
            await self.db.execute(
                "UPDATE reminders SET text = '', outcome = NULL, version = version + 1,"
                " status = CASE WHEN status IN ('pending', 'sending', 'sent') THEN 'cancelled'"
                " ELSE status END WHERE customer_id = ?",
                (customer_id,),
            )
            await self.db.execute("DELETE FROM holdings WHERE customer_id = ?", (customer_id,))
            await self.db.execute("UPDATE deals SET holding_id = NULL WHERE customer_id = ?",
                                  (customer_id,))
            # Family and business ties say who someone is: erased with them.
            await self.db.execute(
                "DELETE FROM household_links WHERE customer_id = ? OR other_id = ?",
                (customer_id, customer_id))
            await self.db.execute("UPDATE mycard_visits SET user_id = -id WHERE customer_id = ?",
                                  (customer_id,))
            await self.db.execute("UPDATE complaints SET resolution = NULL WHERE customer_id = ?",
                               (customer_id,))
            # The member's Telegram id goes too (-id keeps each lead row unique).
            await self.db.execute("UPDATE leads SET phone = NULL, user_id = -id"
                               " WHERE customer_id = ?", (customer_id,))
            # Whoever they referred keeps the referral, not the erased person's name.
            await self.db.execute(
                "UPDATE customers SET referred_by = NULL, referrer = NULL WHERE referred_by = ?",
                (customer_id,),
            )
        return True

    async def _erase_copies(self, owner_id: int, customer_id: int, traces: _Traces) -> None:
        """What other tables hold of the customer, outside their own rows: drafts and
        previews, searches, their group questions, volumes and alerts, Telegram traces."""
        # A question the bot is asking (a duplicate /add's draft, an edit under way…) that
        # is about them or holds what was typed about them: dropped.
        for row in await self.db.fetch_all("SELECT user_id, chat_id, data FROM chat_states"):
            # Another user's flow goes only if it names them by id (a name may be a namesake).
            if traces.found_in(row["data"], values=row["user_id"] == owner_id):
                await self.db.execute("DELETE FROM chat_states WHERE user_id = ? AND chat_id = ?",
                                      (row["user_id"], row["chat_id"]))
        # An import preview that would write them: cancelled (the file can be sent again).
        for row in await self.db.fetch_all(
                "SELECT id, payload FROM imports WHERE owner_id = ? AND status = 'pending'",
                (owner_id,)):
            if traces.found_in(row["payload"]):
                await self.db.execute(
                    "UPDATE imports SET status = 'cancelled', payload = '{}' WHERE id = ?",
                    (row["id"],))
        # A forwarded message waiting in the RM's /inbox that names them or gives their number.
        for row in await self.db.fetch_all(
                "SELECT id, text, file_name FROM inbox WHERE staff_id = ? AND filed_at IS NULL",
                (owner_id,)):
            if traces.found_in(row["text"]) or traces.found_in(row["file_name"]):
                await self.db.execute("DELETE FROM inbox WHERE id = ?", (row["id"],))
        # The RM's recent searches (kept a day for their result pages) may have named them.
        await self.db.execute("DELETE FROM searches WHERE staff_id = ?", (owner_id,))
        # Questions they asked in the RM's groups, the notices quoting them and the answers.
        asked = ("SELECT id FROM questions WHERE owner_id = ? AND (user_id = ?"
                 " OR (user_id IS NULL AND user_name = ?))")
        params = (owner_id, traces.telegram_id, traces.name)
        await self.db.execute(
            f"DELETE FROM reminders WHERE kind = 'question' AND ref_id IN ({asked})", params)
        await self.db.execute(
            "UPDATE posts SET text = '' WHERE EXISTS (SELECT 1 FROM questions q"
            " WHERE q.chat_id = posts.chat_id AND q.message_id = posts.reply_to"
            f" AND q.id IN ({asked}))", params)
        await self.db.execute(f"DELETE FROM questions WHERE id IN ({asked})", params)
        # Their client number: the alerts raised on it and the weekly volumes imported for it.
        await self.db.execute("DELETE FROM churn_alerts WHERE customer_id = ?", (customer_id,))
        if traces.client_ref:
            # Kept while another RM's book still holds the number: they are that client's too.
            await self.db.execute(
                "DELETE FROM weekly_volumes WHERE LOWER(client_ref) = ? AND NOT EXISTS ("
                "SELECT 1 FROM customers WHERE LOWER(client_ref) = ? AND id != ?"
                " AND erased_at IS NULL)",
                (traces.client_ref.lower(), traces.client_ref.lower(), customer_id))
        if traces.telegram_id is not None:
            # Their Telegram id: interest never confirmed, card visits, their chat with the RM.
            await self.db.execute("DELETE FROM leads WHERE user_id = ? AND owner_id = ?"
                                  " AND customer_id IS NULL", (traces.telegram_id, owner_id))
            await self.db.execute(
                "UPDATE mycard_visits SET user_id = -id WHERE user_id = ? AND card_id IN"
                " (SELECT id FROM mycards WHERE staff_id = ?)", (traces.telegram_id, owner_id))
            # What they did themselves (consenting, say) stays in the audit log, not by whom.
            await self.db.execute(
                "UPDATE audit_log SET actor_id = NULL WHERE actor_id = ? AND NOT EXISTS"
                " (SELECT 1 FROM staff WHERE staff.id = audit_log.actor_id)",
                (traces.telegram_id,))
        # A Telegram Business newcomer offered with their name or number.
        await self.db.execute(
            "DELETE FROM business_chats WHERE staff_id = ? AND (offer_name = ?"
            " OR offer_phone = ?)", (owner_id, traces.name, traces.phone or ""))
        # An update handled but not yet confirmed keeps its text and answer for a while.
        for row in await self.db.fetch_all(
                "SELECT update_id, payload, answer FROM processed_updates"
                " WHERE payload IS NOT NULL OR answer IS NOT NULL"):
            if traces.found_in(row["payload"]) or traces.found_in(row["answer"]):
                await self.db.execute(
                    "UPDATE processed_updates SET payload = NULL, answer = NULL"
                    " WHERE update_id = ?", (row["update_id"],))

    async def search(self, owner_id: int, forms: list[str], digits: str, *, offset: int,
                     limit: int, archived: bool = False,
                     digits_with: list[str] | None = None, notes: str = "") -> Page:
        """Customers whose search key contains any form, or whose phone contains the digits:
        the full name first, then the given name, then the start of the name or of a word of
        it, then the rest (the company, a tag, a phone, the middle of a name), each group by
        last contact. When none match, and with ``notes`` (domain.names.note_query), the
        customers with a note containing it, each with that note (``Page.notes``).

        With ``digits_with`` (forms of the words typed beside a number: 'An 0901…'), a phone
        match counts only if the search key also contains one of those forms.
        """
        clauses = ["search_key LIKE ? ESCAPE '\\'" for _ in forms]
        params: list[Any] = [f"%{form}%" for form in forms]
        if len(digits) >= 3:
            if digits_with:
                names = " OR ".join("search_key LIKE ? ESCAPE '\\'" for _ in digits_with)
                clauses.append(f"(phone_key LIKE ? AND ({names}))")
                params.extend([f"%{digits}%", *(f"%{form}%" for form in digits_with)])
            else:
                clauses.append("phone_key LIKE ?")
                params.append(f"%{digits}%")
        if not clauses:
            return Page([], 0)
        archived_clause = "archived_at IS NOT NULL" if archived else "archived_at IS NULL"
        scope = f"owner_id = ? AND {_LIVE} AND {archived_clause}"
        where = f"{scope} AND ({' OR '.join(clauses)})"
        ranks: list[str] = []
        rank_params: list[Any] = []
        for patterns in rank_patterns(forms):
            ranks.append(" OR ".join("name_key LIKE ? ESCAPE '\\'" for _ in patterns) or "1 = 0")
            rank_params.extend(patterns)
        order = ("CASE" + "".join(f" WHEN {rank} THEN {n}" for n, rank in enumerate(ranks))
                 + f" ELSE {len(ranks)} END")
        # The count comes with the page (one round trip, not two).
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS}, COUNT(*) OVER () AS matches FROM customers WHERE {where}"
            f" ORDER BY {order}, COALESCE(last_contact_at, created_at) DESC, id DESC"
            " LIMIT ? OFFSET ?",
            [owner_id, *params, *rank_params, limit, offset],
        )
        total = await self._total(rows, offset, f"SELECT COUNT(*) FROM customers WHERE {where}",
                                  [owner_id, *params])
        if not total and notes:
            return await self._search_notes(owner_id, scope, notes, offset, limit)
        return Page([Customer.from_row(row) for row in rows], total)

    async def _total(self, rows: list[Row], offset: int, count_sql: str,
                     params: list[Any]) -> int:
        """The number of matches, read off a page's rows; counted only for a page past the
        end."""
        if rows:
            return int(rows[0]["matches"])
        if offset == 0:
            return 0
        return int(await self.db.fetch_value(count_sql, params))

    async def _search_notes(self, owner_id: int, scope: str, needle: str, offset: int,
                            limit: int) -> Page:
        """Customers with a note whose folded text contains ``needle``, by last contact."""
        where = (f"{scope} AND EXISTS (SELECT 1 FROM interactions i WHERE i.customer_id ="
                 " customers.id AND i.search_text LIKE ? ESCAPE '\\')")
        pattern = f"%{needle}%"
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS}, COUNT(*) OVER () AS matches FROM customers WHERE {where}"
            " ORDER BY COALESCE(last_contact_at, created_at) DESC, id DESC LIMIT ? OFFSET ?",
            (owner_id, pattern, limit, offset))
        total = await self._total(rows, offset, f"SELECT COUNT(*) FROM customers WHERE {where}",
                                  [owner_id, pattern])
        if not total:
            return Page([], 0)
        customers = [Customer.from_row(row) for row in rows]
        ids = [c.id for c in customers]
        found = await self.db.fetch_all(
            f"SELECT customer_id, text FROM interactions WHERE customer_id IN ({marks(ids)})"
            " AND search_text LIKE ? ESCAPE '\\' ORDER BY happened_at DESC, id DESC",
            [*ids, pattern]) if ids else []
        texts: dict[int, str] = {}
        for row in found:
            texts.setdefault(int(row["customer_id"]), str(row["text"]))
        return Page(customers, total, texts)

    async def in_stage(self, owner_id: int, stage: str, *, offset: int, limit: int) -> Page:
        where = f"owner_id = ? AND stage = ? AND {_LIVE} AND archived_at IS NULL"
        total = await self.db.fetch_value(
            f"SELECT COUNT(*) FROM customers WHERE {where}", (owner_id, stage)
        )
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS} FROM customers WHERE {where}"
            " ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?",
            (owner_id, stage, limit, offset),
        )
        return Page([Customer.from_row(row) for row in rows], int(total))

    async def archived(self, owner_id: int, *, offset: int, limit: int) -> Page:
        where = f"owner_id = ? AND {_LIVE} AND archived_at IS NOT NULL"
        total = await self.db.fetch_value(
            f"SELECT COUNT(*) FROM customers WHERE {where}", (owner_id,))
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS} FROM customers WHERE {where}"
            " ORDER BY archived_at DESC LIMIT ? OFFSET ?", (owner_id, limit, offset),
        )
        return Page([Customer.from_row(row) for row in rows], int(total))

    async def stage_counts(self, owner_id: int) -> dict[str, int]:
        rows = await self.db.fetch_all(
            f"SELECT stage, COUNT(*) AS n FROM customers WHERE owner_id = ? AND {_LIVE}"
            " AND archived_at IS NULL GROUP BY stage",
            (owner_id,),
        )
        return {row["stage"]: row["n"] for row in rows}

    async def recent(self, owner_id: int, limit: int = 6) -> list[Customer]:
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS} FROM customers WHERE owner_id = ? AND {_LIVE}"
            " AND archived_at IS NULL ORDER BY updated_at DESC, id DESC LIMIT ?",
            (owner_id, limit),
        )
        return [Customer.from_row(row) for row in rows]

    async def remember_card(self, chat_id: int, message_id: int, customer_id: int,
                            now: datetime) -> None:
        await self.db.execute(
            "INSERT INTO card_messages (chat_id, message_id, customer_id, created_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (chat_id, message_id) DO UPDATE SET"
            " customer_id = excluded.customer_id, created_at = excluded.created_at",
            (chat_id, message_id, customer_id, to_db_time(now)),
        )

    async def last_card_message(self) -> int:
        """The highest message id a card was shown in (0 if none): the playground's fake Bot
        API numbers its messages on from there after a restart, so a reply to a new message
        is never read as a reply to an old card."""
        value = await self.db.fetch_value("SELECT MAX(message_id) FROM card_messages")
        return int(value) if value is not None else 0

    async def card_customer(self, chat_id: int, message_id: int) -> int | None:
        value = await self.db.fetch_value(
            "SELECT customer_id FROM card_messages WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )
        return int(value) if value is not None else None

    async def save_search(self, staff_id: int, query: str, now: datetime) -> int:
        return await self.db.insert(
            "INSERT INTO searches (staff_id, query, created_at) VALUES (?, ?, ?)",
            (staff_id, query, to_db_time(now)),
        )

    async def saved_search(self, staff_id: int, search_id: int) -> str | None:
        value = await self.db.fetch_value(
            "SELECT query FROM searches WHERE id = ? AND staff_id = ?", (search_id, staff_id)
        )
        return str(value) if value is not None else None

    async def purge_searches(self, before: datetime) -> None:
        await self.db.execute("DELETE FROM searches WHERE created_at < ?", (to_db_time(before),))

    async def by_telegram(self, owner_id: int, telegram_id: int) -> Customer | None:
        """This RM's customer who is this Telegram user (a lead from a group)."""
        row = await self.db.fetch_one(
            f"SELECT {_COLUMNS} FROM customers WHERE owner_id = ? AND telegram_id = ?"
            f" AND {_LIVE} ORDER BY id LIMIT 1", (owner_id, telegram_id))
        return Customer.from_row(row) if row else None

    # -- search columns of rows written before they existed ---------------------------------

    async def fill_search_columns(self, batch: int = 2000) -> int:
        """Work out the name keys (and the search keys, which gained the initials) and the
        notes' folded texts that rows from before migration 0020 lack; how many rows."""
        filled = 0
        while True:
            rows = await self.db.fetch_all(
                "SELECT id, name, company, tags FROM customers WHERE name_key IS NULL"
                " ORDER BY id LIMIT ?", (batch,))
            if not rows:
                break
            await self.db.execute_many(
                "UPDATE customers SET search_key = CASE WHEN search_key = '' THEN ''"
                " ELSE ? END, name_key = ? WHERE id = ?",
                [(search_key(row["name"], row["company"] or "", row["tags"] or ""),
                  name_key(row["name"]), row["id"]) for row in rows])
            filled += len(rows)
        while True:
            rows = await self.db.fetch_all(
                "SELECT id, text FROM interactions WHERE search_text IS NULL ORDER BY id"
                " LIMIT ?", (batch,))
            if not rows:
                break
            await self.db.execute_many(
                "UPDATE interactions SET search_text = ? WHERE id = ?",
                [(fold(row["text"] or ""), row["id"]) for row in rows])
            filled += len(rows)
        return filled

@dataclass(frozen=True)
class _Traces:
    """What identifies an erased customer in text another table keeps (a draft, a preview)."""

    customer_id: int
    name: str
    phone: str | None
    client_ref: str | None
    telegram_id: int | None

    @classmethod
    def of(cls, customer_id: int, row: Row) -> _Traces:
        return cls(customer_id, row["name"], row["phone"], row["client_ref"], row["telegram_id"])

    def found_in(self, stored: str | None, *, values: bool = True) -> bool:
        """Whether a JSON (or plain) text refers to the customer by id or (``values``) holds
        their name, number or client reference."""
        if not stored:
            return False
        value: object = stored
        if stored[:1] in ("{", "["):
            with contextlib.suppress(ValueError):
                value = json.loads(stored)
        return self._in(value, None, values)

    def _in(self, value: object, key: str | None, values: bool) -> bool:
        if isinstance(value, dict):
            return any(self._in(item, str(name), values) for name, item in value.items())
        if isinstance(value, list):
            return any(self._in(item, key, values) for item in value)
        if isinstance(value, bool) or value is None:
            return False
        if isinstance(value, int):
            return value == self.customer_id and key is not None and any(
                word in key for word in ("customer", "duplicate", "updates"))
        if not values:
            return False
        text = str(value)
        if self.name and len(self.name) >= 2 and self.name.casefold() in text.casefold():
            return True
        if self.client_ref and self.client_ref.casefold() in text.casefold():
            return True
        digits = "".join(ch for ch in text if ch.isdigit())
        number = "".join(ch for ch in self.phone or "" if ch.isdigit())[-9:]
        return len(number) >= 7 and number in digits
