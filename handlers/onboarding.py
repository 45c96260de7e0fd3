"""/start: registration through an invite link; language and time zone follow."""

from __future__ import annotations

from telegram import Update

from core.context import Ctx
from core.i18n import _, current_language
from core.messages import esc, reply
from domain.mycard import START_PREFIX as CARD_PREFIX
from domain.phones import region_for_timezone
from handlers.leads import start_lead
from handlers.menu import publish_menu
from handlers.mycard import start_visit
from handlers.preferences import ONBOARDING, language_keyboard

LEAD_PREFIX = "lead_"


async def start(update: Update, context: Ctx) -> None:
    """Register a newcomer from an invite, or greet a returning member of staff."""
    user = update.effective_user
    assert user is not None
    payload = context.args[0] if context.args else ""
    if payload.startswith(LEAD_PREFIX):
        await start_lead(update, context, payload[len(LEAD_PREFIX):])
        return
    if payload.startswith(CARD_PREFIX):
        await start_visit(update, context, payload[len(CARD_PREFIX):])
        return
    if context.staff is not None:
        await reply(update, _("Welcome back, {name}! Send /help to see what I can do.").format(
            name=esc(user.first_name)))
        return
    code = context.args[0] if context.args else ""
    now = context.clock.now()
    timezone = context.settings.default_timezone
    staff = await context.storage.join_with_invite(
        code, staff_id=user.id, name=user.full_name, username=user.username, timezone=timezone,
        region=region_for_timezone(timezone, context.settings.default_region), now=now,
        telegram_language=user.language_code)
    if staff is None:
        former = await context.storage.staff.get(user.id)
        if former is not None and not former.active:
            # An invite must not undo an administrator's decision.
            await reply(update, _(
                "Your access to Rapport has been turned off, and an invite link cannot turn "
                "it back on. Please ask an administrator to restore your access."))
            return
        await reply(update, _(
            "This invite link is not valid: it may have been used already or have expired. "
            "Please ask your administrator for a new one."
        ))
        return
    context.staff = staff
    await context.storage.states.set(user.id, user.id, ONBOARDING, {}, now)
    await publish_menu(context.bot, staff, current_language())
    await reply(update, _(
        "Welcome to Rapport, {name}! I keep your prospects, notes and follow-ups, and remind "
        "you on time. First, which language would you like me to use?"
    ).format(name=esc(user.first_name)), language_keyboard())
