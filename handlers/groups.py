"""What the bot says in group chats before a group is linked: nothing private, ever."""

from __future__ import annotations

from telegram import Update

from core.context import Ctx
from core.i18n import _
from core.messages import reply


async def redirect_to_private(update: Update, context: Ctx) -> None:
    """Ask for private chat when someone uses a personal command in a group."""
    await reply(update, _(
        "Please use this command in a private chat with me: I never show customer data "
        "in groups."
    ))
