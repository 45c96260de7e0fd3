"""Telegram Business: the RMs' connections, the chats seen through them, and the "message"
contacts those chats put on customer files.

A customer's messages on one day (the RM's day) make one "message" contact: the first
creates the interaction, the others join it and move the customer's last contact. Each
message keeps a row (``business_messages``) so a redelivered update is counted once and an
edit or a deletion finds its line; a line of text exists only while the RM keeps texts, and
the contact's text is always rebuilt from the lines, so a deleted message leaves nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from domain.customers import MAX_NOTE
from domain.names import fold
from storage.bookkeeping import AuditLog
from storage.customers import Customer, CustomerRepo
from storage.db import Database, Row, from_db_time, marks, to_db_time
from storage.interactions import InteractionRepo

VIA = "telegram_business"  # interactions.detail["via"] of the contacts logged here


@dataclass(frozen=True)
class Connection:
    id: str
    staff_id: int
    enabled: bool
    can_reply: bool
    connected_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> Connection:
        connected_at = from_db_time(row["connected_at"])
        assert connected_at is not None
        return cls(id=row["id"], staff_id=row["staff_id"], enabled=bool(row["enabled"]),
                   can_reply=bool(row["can_reply"]), connected_at=connected_at)


@dataclass(frozen=True)
class Chat:
    staff_id: int
    user_id: int
    first_from: str  # 'customer' or 'staff': who wrote first
    first_at: datetime
    offered_at: datetime | None
    last_incoming_at: datetime | None

    @classmethod
    def from_row(cls, row: Row) -> Chat:
        first_at = from_db_time(row["first_at"])
        assert first_at is not None
        return cls(staff_id=row["staff_id"], user_id=row["user_id"],
                   first_from=row["first_from"], first_at=first_at,
                   offered_at=from_db_time(row["offered_at"]),
                   last_incoming_at=from_db_time(row["last_incoming_at"]))


@dataclass(frozen=True)
class Offer:
    """Someone not in the book who wrote first, offered to the RM as a prospect."""

    user_id: int
    name: str
    phone: str | None
    first_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> Offer:
        first_at = from_db_time(row["first_at"])
        assert first_at is not None
        return cls(user_id=row["user_id"], name=row["offer_name"], phone=row["offer_phone"],
                   first_at=first_at)


@dataclass(frozen=True)
class Logged:
    """What logging one message did: the contact it counts in, and whether it made it."""

    interaction_id: int
    new_contact: bool


_CONNECTION = "id, staff_id, enabled, can_reply, connected_at"
_CHAT = "staff_id, user_id, first_from, first_at, offered_at, last_incoming_at"


class BusinessRepo:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.audit = AuditLog(db)
        self.customers = CustomerRepo(db)
        self.interactions = InteractionRepo(db)

    # -- connections -----------------------------------------------------------------------
    async def save_connection(self, *, connection_id: str, staff_id: int, enabled: bool,
                              can_reply: bool, connected_at: datetime,
                              now: datetime) -> Connection | None:
        """Record the connection as Telegram reports it now; the state it had before (None:
        new), so the RM can be told what changed. Audited."""
        async with self.db.transaction():
            row = await self.db.fetch_one(
                f"SELECT {_CONNECTION} FROM business_connections WHERE id = ?"
                f"{self.db.for_update()}", (connection_id,))
            before = Connection.from_row(row) if row else None
            await self.db.execute(
                "INSERT INTO business_connections (id, staff_id, enabled, can_reply,"
                " connected_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET enabled = excluded.enabled,"
                " can_reply = excluded.can_reply, updated_at = excluded.updated_at",
                (connection_id, staff_id, int(enabled), int(can_reply),
                 to_db_time(connected_at), to_db_time(now)))
            action = ("business.connected" if enabled and (before is None or not before.enabled)
                      else "business.disconnected" if not enabled else "business.rights")
            await self.audit.record(actor_id=staff_id, action=action, entity="staff",
                                    entity_id=staff_id, now=now,
                                    detail={"can_reply": can_reply})
        return before

    async def connection(self, connection_id: str) -> Connection | None:
        row = await self.db.fetch_one(
            f"SELECT {_CONNECTION} FROM business_connections WHERE id = ?", (connection_id,))
        return Connection.from_row(row) if row else None

    async def connection_of(self, staff_id: int) -> Connection | None:
        """The RM's connection: the enabled one, else the last one they had."""
        row = await self.db.fetch_one(
            f"SELECT {_CONNECTION} FROM business_connections WHERE staff_id = ?"
            " ORDER BY enabled DESC, updated_at DESC LIMIT 1", (staff_id,))
        return Connection.from_row(row) if row else None

    # -- chats -----------------------------------------------------------------------------
    async def chat(self, staff_id: int, user_id: int) -> Chat | None:
        row = await self.db.fetch_one(
            f"SELECT {_CHAT} FROM business_chats WHERE staff_id = ? AND user_id = ?",
            (staff_id, user_id))
        return Chat.from_row(row) if row else None

    async def see_chat(self, *, staff_id: int, user_id: int, incoming: bool,
                       at: datetime) -> Chat:
        """Note a message in the chat (who wrote first stays as it was first seen)."""
        stamp = to_db_time(at)
        async with self.db.transaction():
            await self.db.execute(
                "INSERT INTO business_chats (staff_id, user_id, first_from, first_at,"
                " last_incoming_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (staff_id, user_id)"
                " DO UPDATE SET last_incoming_at = CASE"
                " WHEN excluded.last_incoming_at IS NULL THEN business_chats.last_incoming_at"
                " WHEN business_chats.last_incoming_at IS NULL"
                "  OR business_chats.last_incoming_at < excluded.last_incoming_at"
                " THEN excluded.last_incoming_at ELSE business_chats.last_incoming_at END",
                (staff_id, user_id, "customer" if incoming else "staff", stamp,
                 stamp if incoming else None))
            chat = await self.chat(staff_id, user_id)
        assert chat is not None
        return chat

    async def offer(self, *, staff_id: int, user_id: int, name: str, phone: str | None,
                    now: datetime) -> bool:
        """Claim the one prospect offer for this chat, keeping the name and number to save
        while it is open; False if it was made already."""
        changed = await self.db.execute(
            "UPDATE business_chats SET offered_at = ?, offer_name = ?, offer_phone = ?"
            " WHERE staff_id = ? AND user_id = ? AND offered_at IS NULL",
            (to_db_time(now), name, phone, staff_id, user_id))
        return changed == 1

    async def open_offer(self, staff_id: int, user_id: int) -> Offer | None:
        """The prospect offer still waiting for the RM's answer."""
        row = await self.db.fetch_one(
            "SELECT user_id, offer_name, offer_phone, first_at FROM business_chats"
            f" WHERE staff_id = ? AND user_id = ? AND offer_name IS NOT NULL{self.db.for_update()}",
            (staff_id, user_id))
        return Offer.from_row(row) if row else None

    async def decline_offer(self, staff_id: int, user_id: int) -> bool:
        """Not a customer: the offer is closed and the name and number it kept are gone."""
        changed = await self.db.execute(
            "UPDATE business_chats SET offer_name = NULL, offer_phone = NULL"
            " WHERE staff_id = ? AND user_id = ? AND offer_name IS NOT NULL",
            (staff_id, user_id))
        return changed == 1

    async def open_chats(self, staff_id: int, user_ids: list[int],
                         since: datetime) -> set[int]:
        """Of these people, those who wrote to the RM since ``since`` (replies allowed)."""
        if not user_ids:
            return set()
        rows = await self.db.fetch_all(
            "SELECT user_id FROM business_chats WHERE staff_id = ?"
            f" AND user_id IN ({marks(user_ids)}) AND last_incoming_at >= ?",
            [staff_id, *user_ids, to_db_time(since)])
        return {int(row["user_id"]) for row in rows}

    async def open_customers(self, staff_id: int, since: datetime,
                             limit: int) -> list[Customer]:
        """The RM's customers who wrote to them since ``since``, the latest first."""
        rows = await self.db.fetch_all(
            "SELECT c.id FROM business_chats b JOIN customers c ON c.owner_id = b.staff_id"
            " AND c.telegram_id = b.user_id AND c.erased_at IS NULL AND c.archived_at IS NULL"
            " WHERE b.staff_id = ? AND b.last_incoming_at >= ?"
            " ORDER BY b.last_incoming_at DESC LIMIT ?", (staff_id, to_db_time(since), limit))
        found = [await self.customers.get(staff_id, int(row["id"])) for row in rows]
        return [customer for customer in found if customer is not None]

    # -- contacts on the file --------------------------------------------------------------
    async def log_message(self, *, connection_id: str, staff_id: int, customer_id: int,
                          user_id: int, message_id: int, sent_at: datetime, day: str,
                          line: str | None, now: datetime) -> Logged | None:
        """Count one message in the customer's "message" contact of ``day`` (made by the
        day's first message, audited) and move their last contact; its line of text when
        kept. None if this message was counted before (a redelivered update)."""
        async with self.db.transaction():
            await self.db.serialize(f"business-chat:{staff_id}:{user_id}")
            if await self.db.fetch_value(
                    "SELECT 1 FROM business_messages WHERE connection_id = ? AND chat_id = ?"
                    " AND message_id = ?", (connection_id, user_id, message_id)):
                return None
            interaction_id = await self._day_contact(staff_id, user_id, customer_id, day)
            new_contact = interaction_id is None
            if interaction_id is None:
                interaction_id = await self.interactions.add(
                    customer_id=customer_id, staff_id=staff_id, kind="message",
                    happened_at=sent_at, now=now, detail={"via": VIA})
                await self.db.execute(
                    "UPDATE business_chats SET day = ?, day_interaction_id = ?"
                    " WHERE staff_id = ? AND user_id = ?",
                    (day, interaction_id, staff_id, user_id))
                await self.audit.record(actor_id=staff_id, action="interaction.message",
                                        entity="customer", entity_id=customer_id, now=now,
                                        detail={"via": VIA})
            await self.db.execute(
                "INSERT INTO business_messages (connection_id, chat_id, message_id,"
                " interaction_id, sent_at, line) VALUES (?, ?, ?, ?, ?, ?)",
                (connection_id, user_id, message_id, interaction_id, to_db_time(sent_at),
                 line))
            await self.db.execute(
                "UPDATE customers SET last_contact_at = CASE WHEN last_contact_at > ?"
                " THEN last_contact_at ELSE ? END WHERE id = ?",
                (to_db_time(sent_at), to_db_time(sent_at), customer_id))
            await self._rebuild(interaction_id, now)
        return Logged(interaction_id, new_contact)

    async def _day_contact(self, staff_id: int, user_id: int, customer_id: int,
                           day: str) -> int | None:
        """The day's contact with this customer through this chat, if there is one yet."""
        value = await self.db.fetch_value(
            "SELECT b.day_interaction_id FROM business_chats b"
            " JOIN interactions i ON i.id = b.day_interaction_id"
            " WHERE b.staff_id = ? AND b.user_id = ? AND b.day = ? AND i.customer_id = ?",
            (staff_id, user_id, day, customer_id))
        return int(value) if value is not None else None

    async def _rebuild(self, interaction_id: int, now: datetime) -> None:
        """The contact's text: its kept lines in the order they were written."""
        rows = await self.db.fetch_all(
            "SELECT line FROM business_messages WHERE interaction_id = ? AND line IS NOT NULL"
            " ORDER BY sent_at, message_id", (interaction_id,))
        text = "\n".join(row["line"] for row in rows)
        if len(text) > MAX_NOTE:
            text = text[:MAX_NOTE - 1] + "…"
        count = await self.db.fetch_value(
            "SELECT COUNT(*) FROM business_messages WHERE interaction_id = ?", (interaction_id,))
        await self.db.execute(
            "UPDATE interactions SET text = ?, search_text = ?, detail = ? WHERE id = ?",
            (text, fold(text), json.dumps({"via": VIA, "messages": int(count)}),
             interaction_id))

    async def edit_line(self, *, connection_id: str, chat_id: int, message_id: int,
                        line: str, now: datetime) -> bool:
        """An edited message's new line, where its text is kept; False if none was."""
        async with self.db.transaction():
            row = await self.db.fetch_one(
                "SELECT interaction_id FROM business_messages WHERE connection_id = ?"
                " AND chat_id = ? AND message_id = ? AND line IS NOT NULL",
                (connection_id, chat_id, message_id))
            if row is None:
                return False
            await self.db.execute(
                "UPDATE business_messages SET line = ? WHERE connection_id = ?"
                " AND chat_id = ? AND message_id = ?", (line, connection_id, chat_id, message_id))
            await self._rebuild(int(row["interaction_id"]), now)
        return True

    async def forget_lines(self, *, connection_id: str, chat_id: int,
                           message_ids: list[int], now: datetime) -> int:
        """Deleted messages: their kept lines go (the contact they made stays); how many."""
        if not message_ids:
            return 0
        async with self.db.transaction():
            rows = await self.db.fetch_all(
                "SELECT DISTINCT interaction_id FROM business_messages WHERE connection_id = ?"
                f" AND chat_id = ? AND message_id IN ({marks(message_ids)})"
                " AND line IS NOT NULL", [connection_id, chat_id, *message_ids])
            changed = await self.db.execute(
                "UPDATE business_messages SET line = NULL WHERE connection_id = ?"
                f" AND chat_id = ? AND message_id IN ({marks(message_ids)})"
                " AND line IS NOT NULL", [connection_id, chat_id, *message_ids])
            for row in rows:
                await self._rebuild(int(row["interaction_id"]), now)
        return changed

    # -- customers -------------------------------------------------------------------------
    async def add_prospect(self, *, staff_id: int, user_id: int, region: str, day: str,
                           now: datetime) -> Customer | None:
        """The person of an open offer as a new prospect with their Telegram id, and the
        conversation that made the offer as a "message" contact; None if the offer was
        answered already (the button pressed twice). Audited."""
        async with self.db.transaction():
            offer = await self.open_offer(staff_id, user_id)
            if offer is None:
                return None
            customer = await self.customers.create(
                owner_id=staff_id, name=offer.name, phone=offer.phone, region=region, now=now,
                telegram_id=user_id)
            await self.audit.record(actor_id=staff_id, action="customer.created",
                                    entity="customer", entity_id=customer.id, now=now,
                                    detail={"via": VIA})
            await self._first_contact(staff_id, offer, customer.id, day, now)
        return await self.customers.get(staff_id, customer.id)

    async def link_offer(self, *, staff_id: int, user_id: int, customer_id: int, day: str,
                         now: datetime) -> Customer | None:
        """The person of an open offer is this customer (who has no Telegram id yet): link
        them, and log the conversation; None if the offer or the link is no longer possible."""
        async with self.db.transaction():
            offer = await self.open_offer(staff_id, user_id)
            if offer is None or not await self.link_telegram(
                    staff_id=staff_id, customer_id=customer_id, user_id=user_id, now=now):
                return None
            await self._first_contact(staff_id, offer, customer_id, day, now)
        return await self.customers.get(staff_id, customer_id)

    async def _first_contact(self, staff_id: int, offer: Offer, customer_id: int, day: str,
                             now: datetime) -> None:
        """Close the offer; what was said before it was answered is one "message" contact."""
        interaction_id = await self.interactions.add(
            customer_id=customer_id, staff_id=staff_id, kind="message",
            happened_at=offer.first_at, now=now, detail={"via": VIA})
        await self.db.execute(
            "UPDATE business_chats SET offer_name = NULL, offer_phone = NULL, day = ?,"
            " day_interaction_id = ? WHERE staff_id = ? AND user_id = ?",
            (day, interaction_id, staff_id, offer.user_id))

    async def link_telegram(self, *, staff_id: int, customer_id: int, user_id: int,
                            now: datetime) -> bool:
        """Put a Telegram id on the RM's customer who has none yet; False if not done."""
        async with self.db.transaction():
            changed = await self.db.execute(
                "UPDATE customers SET telegram_id = ?, updated_at = ? WHERE id = ?"
                " AND owner_id = ? AND telegram_id IS NULL AND erased_at IS NULL",
                (user_id, to_db_time(now), customer_id, staff_id))
            if changed != 1:
                return False
            await self.audit.record(actor_id=staff_id, action="customer.telegram_linked",
                                    entity="customer", entity_id=customer_id, now=now,
                                    detail={"via": VIA})
        return True

    async def by_phone(self, staff_id: int, phone: str) -> list[Customer]:
        """The RM's customers with exactly this number (E.164)."""
        return [customer for customer in await self.customers.duplicates(staff_id, "", phone)
                if customer.phone == phone]

    # -- care messages sent as the RM ------------------------------------------------------
    async def claim_send(self, reminder_id: int, customer_id: int, now: datetime) -> bool:
        """Claim the one send of this reminder's message to this customer (a failed one may
        be tried again); False if it went out or is going out."""
        async with self.db.transaction():
            claimed = await self.db.execute(
                "INSERT INTO business_sends (reminder_id, customer_id, status, updated_at)"
                " VALUES (?, ?, 'sending', ?) ON CONFLICT DO NOTHING",
                (reminder_id, customer_id, to_db_time(now)))
            if claimed == 1:
                return True
            retried = await self.db.execute(
                "UPDATE business_sends SET status = 'sending', updated_at = ?"
                " WHERE reminder_id = ? AND customer_id = ? AND status = 'failed'",
                (to_db_time(now), reminder_id, customer_id))
        return retried == 1

    async def finish_send(self, *, reminder_id: int, customer_id: int, staff_id: int,
                          sent: bool, now: datetime) -> None:
        """The send's outcome; a message sent is audited."""
        async with self.db.transaction():
            await self.db.execute(
                "UPDATE business_sends SET status = ?, updated_at = ? WHERE reminder_id = ?"
                " AND customer_id = ?",
                ("sent" if sent else "failed", to_db_time(now), reminder_id, customer_id))
            if sent:
                await self.audit.record(actor_id=staff_id, action="business.care_sent",
                                        entity="customer", entity_id=customer_id, now=now,
                                        detail={"reminder": reminder_id})

