"""All SQL lives in this package: one repository per aggregate, bundled in ``Storage``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from storage.bookkeeping import AuditLog, ChatStates, Secrets, UpdateLog
from storage.business import BusinessRepo
from storage.care import CareRepo
from storage.catalog import CatalogRepo
from storage.churn import ChurnRepo
from storage.complaints import ComplaintRepo
from storage.customers import CustomerRepo
from storage.db import Database, open_database
from storage.deals import DealRepo
from storage.groups import GroupRepo
from storage.holdings import HoldingRepo
from storage.household import HouseholdRepo
from storage.inbox import InboxRepo
from storage.interactions import InteractionRepo
from storage.invites import InviteRepo
from storage.leads import LeadRepo
from storage.mycard import MyCardRepo
from storage.posts import PostRepo
from storage.reassign import ReassignRepo
from storage.referrals import ReferralRepo
from storage.reminders import ReminderRepo
from storage.replicas import ReplicaRepo
from storage.review import ReviewRepo
from storage.spreadsheets import SpreadsheetRepo
from storage.staff import StaffRepo
from storage.teams import TeamRepo


class Storage:
    """The repositories over one database connection."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.staff = StaffRepo(db)
        self.teams = TeamRepo(db)
        self.invites = InviteRepo(db)
        self.updates = UpdateLog(db)
        self.states = ChatStates(db)
        self.audit = AuditLog(db)
        self.customers = CustomerRepo(db)
        self.interactions = InteractionRepo(db)
        self.inbox = InboxRepo(db)
        self.reminders = ReminderRepo(db)
        self.care = CareRepo(db)
        self.groups = GroupRepo(db)
        self.posts = PostRepo(db)
        self.leads = LeadRepo(db)
        self.secrets = Secrets(db)
        self.catalog = CatalogRepo(db)
        self.complaints = ComplaintRepo(db)
        self.referrals = ReferralRepo(db)
        self.churn = ChurnRepo(db)
        self.spreadsheets = SpreadsheetRepo(db)
        self.review = ReviewRepo(db)
        self.reassign = ReassignRepo(db)
        self.replicas = ReplicaRepo(db)
        self.business = BusinessRepo(db)
        self.deals = DealRepo(db)
        self.holdings = HoldingRepo(db)
        self.household = HouseholdRepo(db)
        self.mycard = MyCardRepo(db)

    async def file_inbox_item(self, staff_id: int, item_id: int, customer_id: int,
                              now: datetime, text: str | None = None) -> bool:
        """Attach an inbox item to a customer as an interaction, once; False if already done.
        ``text`` replaces the item's own (what a business card says beside its photo)."""
        async with self.db.transaction():
            item = await self.inbox.get_open(staff_id, item_id)
            if item is None or await self.customers.get(staff_id, customer_id) is None:
                return False
            await self.inbox.mark_filed(staff_id, item_id, now)
            await self.interactions.add(
                customer_id=customer_id, staff_id=staff_id, kind=item.kind, happened_at=now,
                now=now, text=item.text if text is None else text, file_id=item.file_id,
                file_type=item.file_type,
                file_name=item.file_name,
            )
        return True

    async def record_pitch(self, *, customer_id: int, staff_id: int, product_id: int, text: str,
                           now: datetime) -> None:
        """A pitch the RM sent the customer (inline mode): in their history, audited."""
        async with self.db.transaction():
            await self.interactions.add(customer_id=customer_id, staff_id=staff_id,
                                        kind="message", happened_at=now, now=now, text=text,
                                        detail={"product": product_id})
            await self.audit.record(actor_id=staff_id, action="customer.pitch_sent",
                                    entity="customer", entity_id=customer_id, now=now,
                                    detail={"product": product_id})

    async def ping(self) -> None:
        """Raise unless the database answers a trivial query (the health check's probe)."""
        if await self.db.fetch_value("SELECT 1") != 1:
            raise RuntimeError("the database answered SELECT 1 with something else")

    async def close(self) -> None:
        await self.db.close()


async def open_storage(location: str | Path) -> Storage:
    """Open the database (an SQLite path or a postgresql:// URL), creating it if needed,
    and migrate it to the current schema."""
    db = await open_database(location)
    try:
        await db.migrate()
    except BaseException:
        await db.close()  # a failed migration must not leave the connection open
        raise
    return Storage(db)
