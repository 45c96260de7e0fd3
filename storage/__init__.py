"""All SQL lives in this package: one repository per aggregate, bundled in ``Storage``."""

from __future__ import annotations

from pathlib import Path

from storage.bookkeeping import AuditLog, ChatStates, PressLog, Secrets, UpdateLog
from storage.business import BusinessRepo
from storage.care import CareRepo
from storage.catalog import CatalogRepo
from storage.changes import Changes
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
from storage.suggestions import SuggestionRepo
from storage.teams import TeamRepo


class Storage(Changes):
    """The repositories over one database connection, and the changes made of them
    (storage/changes.py: each in one transaction, with its audit row)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.staff = StaffRepo(db)
        self.teams = TeamRepo(db)
        self.invites = InviteRepo(db)
        self.updates = UpdateLog(db)
        self.states = ChatStates(db)
        self.presses = PressLog(db)
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
        self.suggestions = SuggestionRepo(db)
        self.deals = DealRepo(db)
        self.holdings = HoldingRepo(db)
        self.household = HouseholdRepo(db)
        self.mycard = MyCardRepo(db)

    async def ping(self) -> None:
        """Raise unless the database answers a trivial query (the health check's probe)."""
        if await self.db.fetch_value("SELECT 1") != 1:
            raise RuntimeError("the database answered SELECT 1 with something else")

    async def close(self) -> None:
        await self.db.close()


SEARCH_COLUMNS = "0020_search_ranks"  # the migration that added name_key and search_text


async def open_storage(location: str | Path) -> Storage:
    """Open the database (an SQLite path or a postgresql:// URL), creating it if needed,
    and migrate it to the current schema."""
    db = await open_database(location)
    try:
        await db.migrate()
        storage = Storage(db)
        # Rows from before the search columns are filled at the first start after them (and
        # the next one, should that start stop half-way); then there are none.
        if await db.fetch_value("SELECT 1 FROM schema_migrations WHERE name = ?",
                                (SEARCH_COLUMNS,)):
            await storage.customers.fill_search_columns()
    except BaseException:
        await db.close()  # a failed migration must not leave the connection open
        raise
    return storage
