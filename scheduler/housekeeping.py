"""Hourly clean-up of bookkeeping rows that only matter for a while."""

from __future__ import annotations

import logging
from datetime import timedelta

from core.context import Ctx

log = logging.getLogger(__name__)

# Telegram stops redelivering an update after a day; three days is a safe margin.
KEEP_UPDATE_IDS = timedelta(days=3)
# A half-finished flow may hold what the user typed: keep it long enough to be resumed.
KEEP_CHAT_STATES = timedelta(days=30)
KEEP_EXPIRED_INVITES = timedelta(days=30)
# Saved searches only serve result pages; what an RM typed is not kept longer than that.
KEEP_SEARCHES = timedelta(days=1)
# An import preview can be applied for a day; a week later nobody needs its rows.
KEEP_IMPORTS = timedelta(days=7)


async def tidy_up(context: Ctx) -> None:
    """Forget old update ids, abandoned chat flows, long-expired invites, and group questions
    and unconfirmed interest past their retention."""
    storage, now = context.storage, context.clock.now()
    await storage.updates.purge(now - KEEP_UPDATE_IDS)
    await storage.states.purge(now - KEEP_CHAT_STATES)
    await storage.invites.purge_expired(now - KEEP_EXPIRED_INVITES)
    await storage.customers.purge_searches(now - KEEP_SEARCHES)
    await storage.spreadsheets.purge(now - KEEP_IMPORTS)
    await storage.replicas.purge(now)
    # What group members said or pressed without agreeing to be contacted is kept only so long.
    kept_from_groups = now - timedelta(days=context.settings.group_retention_days)
    await storage.groups.purge_questions(kept_from_groups)
    await storage.leads.purge_unconsented(kept_from_groups)
    log.debug("housekeeping done")
