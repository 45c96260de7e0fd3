"""/help, /cancel, and the answer to anything the bot does not understand."""

from __future__ import annotations

from telegram import Update

from core.context import Ctx
from core.i18n import _
from core.messages import reply
from handlers.menu import commands_for


async def show_help(update: Update, context: Ctx) -> None:
    """List what this person can do, in their language, with examples."""
    lines = [_("<b>What I can do for you</b>")]
    for command in commands_for(context.me.role):
        line = f"/{command.name} — {_(command.summary)}"
        if command.example:
            line += "\n    " + _("e.g. {example}").format(example=_(command.example))
        lines.append(line)
    await reply(update, "\n".join(lines))


async def cancel(update: Update, context: Ctx) -> None:
    """Leave whatever multi-step flow the user is in."""
    chat = context.chat
    state = await context.storage.states.get(context.me.id, chat.id)
    await context.storage.states.clear(context.me.id, chat.id)
    if state is None:
        await reply(update, _("There was nothing to cancel."))
    else:
        await reply(update, _("Cancelled. Nothing was changed."))


async def unknown_command(update: Update, context: Ctx) -> None:
    """Answer a command the bot does not have."""
    await reply(update, _("I do not know that command. Send /help to see what I can do."))
