"""Each RM's "contact me" QR codes and the people who opened them.

A code is one per RM and source (street, event, branch, merchant group), its token random and
unguessable. A visit is recorded once per person and code; sharing a phone number there is the
person's consent, and makes them the RM's prospect once, however often they share it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from domain.pushes import Kind
from storage.bookkeeping import AuditLog
from storage.customers import Customer, CustomerRepo
from storage.db import Database, to_db_time
from storage.interactions import InteractionRepo
from storage.reminders import ReminderRepo

# The customer source each QR source is counted under (the file keeps the QR source too).
CUSTOMER_SOURCE = {"street": "street", "event": "other", "branch": "walkin",
                   "merchant_group": "merchant_group"}


@dataclass(frozen=True)
class MyCard:
    id: int
    staff_id: int
    source: str
    token: str


@dataclass(frozen=True)
class Visit:
    id: int
    card: MyCard
    user_id: int
    customer_id: int | None


class MyCardRepo:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.audit = AuditLog(db)
        self.customers = CustomerRepo(db)
        self.interactions = InteractionRepo(db)
        self.reminders = ReminderRepo(db)

    async def card_for(self, staff_id: int, source: str, now: datetime) -> MyCard:
        """The RM's code for this source, made on first use."""
        await self.db.execute(
            "INSERT INTO mycards (staff_id, source, token, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (staff_id, source) DO NOTHING",
            (staff_id, source, secrets.token_urlsafe(9), to_db_time(now)))
        row = await self.db.fetch_one(
            "SELECT id, staff_id, source, token FROM mycards WHERE staff_id = ? AND source = ?",
            (staff_id, source))
        assert row is not None
        return MyCard(row["id"], row["staff_id"], row["source"], row["token"])

    async def by_token(self, token: str) -> MyCard | None:
        row = await self.db.fetch_one(
            "SELECT m.id, m.staff_id, m.source, m.token FROM mycards m"
            " JOIN staff s ON s.id = m.staff_id WHERE m.token = ? AND s.active = 1", (token,))
        return MyCard(row["id"], row["staff_id"], row["source"], row["token"]) if row else None

    async def visit(self, card: MyCard, user_id: int, now: datetime) -> Visit:
        """Record that this person opened the code (once)."""
        await self.db.execute(
            "INSERT INTO mycard_visits (card_id, user_id, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (card_id, user_id) DO NOTHING", (card.id, user_id, to_db_time(now)))
        row = await self.db.fetch_one(
            "SELECT id, customer_id FROM mycard_visits WHERE card_id = ? AND user_id = ?",
            (card.id, user_id))
        assert row is not None
        return Visit(row["id"], card, user_id, row["customer_id"])

    async def waiting_visit(self, user_id: int) -> Visit | None:
        """The latest code this person opened without having left their number yet."""
        row = await self.db.fetch_one(
            "SELECT v.id, v.user_id, v.customer_id, m.id AS card_id, m.staff_id, m.source,"
            " m.token FROM mycard_visits v JOIN mycards m ON m.id = v.card_id"
            " JOIN staff s ON s.id = m.staff_id"
            " WHERE v.user_id = ? AND v.consented_at IS NULL AND s.active = 1"
            " ORDER BY v.created_at DESC, v.id DESC LIMIT 1", (user_id,))
        if row is None:
            return None
        card = MyCard(row["card_id"], row["staff_id"], row["source"], row["token"])
        return Visit(row["id"], card, row["user_id"], row["customer_id"])

    async def become_prospect(self, visit: Visit, *, name: str, phone: str, region: str,
                              note: str, now: datetime) -> Customer | None:
        """The person consented: make them the RM's prospect (source per the code), note it,
        remind the RM at once — all in one transaction, once. None if already done."""
        async with self.db.transaction():
            claimed = await self.db.execute(
                "UPDATE mycard_visits SET consented_at = ? WHERE id = ? AND consented_at IS NULL",
                (to_db_time(now), visit.id))
            if claimed != 1:
                return None
            owner = visit.card.staff_id
            customer = await self.customers.by_telegram(owner, visit.user_id)
            if customer is None:
                customer = await self.customers.create(
                    owner_id=owner, name=name[:120], phone=phone, region=region, now=now,
                    source=CUSTOMER_SOURCE[visit.card.source], telegram_id=visit.user_id,
                    qr_source=visit.card.source)
                action = "customer.created_from_qr"
            else:
                customer = await self.customers.update(owner, customer.id, now, region,
                                                       phone=phone) or customer
                action = "customer.qr_consent"
            await self.db.execute("UPDATE mycard_visits SET customer_id = ? WHERE id = ?",
                                  (customer.id, visit.id))
            await self.interactions.add(customer_id=customer.id, staff_id=owner, kind="note",
                                        happened_at=now, now=now, text=note)
            await self.reminders.create(staff_id=owner, customer_id=customer.id,
                                        kind=Kind.MYCARD, text=note, due_at=now, now=now)
            await self.audit.record(actor_id=visit.user_id, action=action, entity="customer",
                                    entity_id=customer.id, now=now,
                                    detail={"source": visit.card.source, "consent": True})
        return customer
