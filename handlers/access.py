"""The gate every update passes first: de-duplication, who is asking, and button checks."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from core import buttons
from core.context import Ctx
from core.i18n import _, activate
from core.languages import resolve
from core.logs import keep_out_of_logs
from core.messages import reply
from domain.phones import region_for_timezone

log = logging.getLogger(__name__)


async def skip_redelivered(update: Update, context: Ctx) -> None:
    """Stop an update that was handled before (Telegram retries, a second replica)."""
    keep_out_of_logs(update)
    # Until the user is known, speak the installation's default (never the previous user's).
    activate(context.settings.default_language, context.settings.default_timezone)
    if update.edited_message is not None or update.edited_channel_post is not None:
        # An edit would run a command or store a note a second time; what was sent stands.
        raise ApplicationHandlerStop
    if await context.storage.updates.handled(update.update_id):
        log.info("update %s delivered twice; handled once", update.update_id)
        raise ApplicationHandlerStop


@asynccontextmanager
async def recorded(update: Update, context: Ctx) -> AsyncIterator[bool]:
    """A transaction that also records the update as handled; yields False if it already
    was. What it writes and the record commit together, so an update redelivered after a
    crash is done exactly once: never lost (recorded before the write), never twice."""
    async with context.storage.db.transaction():
        yield await context.storage.updates.first_time(update.update_id, context.clock.now())


async def mark_handled(update: Update, context: Ctx) -> None:
    """Record an update once every handler is done with it (a write recorded it already)."""
    await context.storage.updates.first_time(update.update_id, context.clock.now())


def _is_invite_start(update: Update) -> bool:
    message = update.effective_message
    text = message.text if message and message.text else ""
    return text.startswith("/start ") and len(text.split()) == 2


async def _is_lead_phone(update: Update, context: Ctx) -> bool:
    """A group member sharing their number after pressing "I'm interested", or someone who
    opened an RM's contact card (/mycard)."""
    message, user = update.effective_message, update.effective_user
    if message is None or message.contact is None or user is None:
        return False
    return (await context.storage.leads.waiting_for_phone(user.id) is not None
            or await context.storage.mycard.waiting_visit(user.id) is not None)


async def _register_bootstrap_admin(update: Update, context: Ctx) -> None:
    """The ids in RAPPORT_ADMIN_IDS are admins from their first message: someone must invite."""
    user = update.effective_user
    assert user is not None
    timezone = context.settings.default_timezone
    context.staff = await context.storage.staff.register(
        staff_id=user.id, name=user.full_name, username=user.username, role="admin",
        team_id=None, timezone=timezone,
        region=region_for_timezone(timezone, context.settings.default_region),
        invited_by=None, now=context.clock.now(), telegram_language=user.language_code,
    )
    await context.storage.audit.record(
        actor_id=user.id, action="staff.bootstrap_admin", entity="staff", entity_id=user.id,
        now=context.clock.now(),
    )


async def identify_user(update: Update, context: Ctx) -> None:
    """Load the staff member, use their language and time zone, and turn strangers away."""
    user = update.effective_user
    chat = update.effective_chat
    # Inline mode (a query typed in any chat, the result picked) comes with a user, no chat.
    inline = update.inline_query is not None or update.chosen_inline_result is not None
    if user is None or (chat is None and not inline):
        raise ApplicationHandlerStop
    staff = await context.storage.staff.get(user.id)
    if staff is None and user.id in context.settings.admin_ids:
        await _register_bootstrap_admin(update, context)
        staff = context.staff
    if staff is not None and not staff.active:
        staff = None
    context.staff = staff
    settings = context.settings
    language = resolve(staff.language if staff else None, user.language_code,
                       staff.region if staff else settings.default_region,
                       settings.default_language)
    activate(language, staff.timezone if staff else settings.default_timezone)
    buttons.set_owner(user.id)
    if chat is not None and chat.type != ChatType.PRIVATE:
        # In a group the bot speaks the group's language, whoever writes.
        group = await context.storage.groups.get(chat.id)
        if group is not None:
            activate(group.language, context.settings.default_timezone)
    if staff is not None:
        if not staff.reachable:
            await context.storage.staff.set_reachable(staff.id, True)
        seen = (user.full_name, user.username, user.language_code)
        if (staff.name, staff.username, staff.telegram_language) != seen:
            await context.storage.staff.touch_profile(staff.id, *seen)
        return
    if chat is None:
        if update.inline_query is not None:
            # Strangers get no results: not even that the bot knows any product.
            await update.inline_query.answer([], cache_time=0, is_personal=True)
        raise ApplicationHandlerStop
    if chat.type != ChatType.PRIVATE:
        return  # group members who are not staff: only group features may answer them
    if _is_invite_start(update) or await _is_lead_phone(update, context):
        return
    if update.message is not None or update.callback_query is not None:
        # Not for edits, or for blocking and unblocking the bot: one refusal per message.
        await refuse_stranger(update)
    raise ApplicationHandlerStop


async def refuse_stranger(update: Update) -> None:
    """One polite answer for anyone who is not registered staff."""
    text = _(
        "Sorry, this assistant is only for registered bank staff. If you work with us, "
        "ask your team lead or administrator for an invite link."
    )
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await reply(update, text)


async def check_button(update: Update, context: Ctx) -> None:
    """Refuse a forged, foreign or outdated button before any feature sees it."""
    query = update.callback_query
    if query is None:
        return
    unpacked = buttons.unpack(query.data, query.from_user.id)
    if unpacked is None:
        log.warning("refused callback data %r from %s", query.data, query.from_user.id)
        await query.answer(_("This button has expired. Please start again."), show_alert=True)
        raise ApplicationHandlerStop
    context.button = unpacked
