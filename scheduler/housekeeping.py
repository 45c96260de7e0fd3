"""Hourly clean-up of bookkeeping rows that only matter for a while, and leaving the groups
nobody linked."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram import Bot
from telegram.error import TelegramError

from core.context import Ctx
from storage import Storage

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


async def leave_unlinked_groups(bot: Bot, storage: Storage, now: datetime,
                                after: timedelta) -> list[int]:
    """Leave the groups the bot was added to that no staff member linked within ``after``:
    anyone can add a bot to a group of their own and have it answer there."""
    left = []
    for chat_id in await storage.groups.unlinked_since(now - after):
        try:
            await bot.leave_chat(chat_id)
            left.append(chat_id)
        except TelegramError as error:  # removed meanwhile, or the group is gone
            log.info("could not leave an unlinked group: %s", error)
        await storage.groups.forget_join(chat_id)
    if left:
        log.info("left %s group(s) no staff member linked", len(left))
    return left


async def leave_groups_tick(context: Ctx) -> None:
    """Leave the groups nobody linked in time."""
    minutes = context.settings.unlinked_group_minutes
    await leave_unlinked_groups(context.bot, context.storage, context.clock.now(),
                                timedelta(minutes=minutes))
