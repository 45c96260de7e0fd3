"""Small helpers every button handler needs."""

from __future__ import annotations

from telegram import Update

from core.context import Ctx
from core.i18n import _
from core.messages import reply
from domain.customers import MAX_NOTE


async def expired(update: Update) -> None:
    """Tell the user a button no longer works (forged, stale, or not theirs)."""
    text = _("This button has expired. Please start again.")
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)


def button_arg(context: Ctx, index: int) -> str:
    """The button's argument at `index` (1 is the first after the action), or ''."""
    args = context.button or []
    return args[index] if len(args) > index else ""


def button_int(context: Ctx, index: int) -> int | None:
    """The button's argument at `index` as a whole number, or None."""
    raw = button_arg(context, index)
    return int(raw) if raw.isdigit() else None


async def note_too_long(update: Update, text: str) -> bool:
    """Answer and return True if a note is over the limit (nothing is cut silently)."""
    if len(text) <= MAX_NOTE:
        return False
    await reply(update, _("That note is too long ({length} characters, at most {limit}). "
                          "Please split it into several notes.").format(
        length=len(text), limit=MAX_NOTE))
    return True
