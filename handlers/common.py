"""Small helpers every button handler needs."""

from __future__ import annotations

from datetime import date
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from core.actions import SkipPrompt, UndoChange
from core.buttons import keyboard
from core.context import Ctx
from core.i18n import _, ngettext
from core.messages import edit_or_reply, reply
from domain.customers import MAX_NOTE
from domain.datefields import DateKind, DateRefusal, Refusal, parse_date_field


async def ask(update: Update, context: Ctx, flow: str, data: dict[str, Any], text: str,
              markup: InlineKeyboardMarkup | None = None, *, file_of: str | None = None,
              skip: bool = True, edit: bool = False) -> None:
    """Ask a question whose answer is the RM's next message (handlers/flows.py routes it).

    Every such question says whose file the answer goes to (``file_of``, the customer's
    escaped name, added when the text does not name them) and has a Skip button, unless
    the question has buttons of its own that skip it (``skip=False``). It waits
    domain.flows.PROMPT_TIMEOUT; after that the next message is read as a new one.
    """
    await context.storage.states.set(context.me.id, context.chat.id, flow, data,
                                     context.clock.now())
    if file_of and file_of not in text:
        text = "{}\n\n{}".format(text, _("📁 For {name}'s file.").format(
            name=f"<b>{file_of}</b>"))
    rows = [list(row) for row in markup.inline_keyboard] if markup is not None else []
    if skip:
        rows.append([SkipPrompt(flow).button(_("Skip"))])
    await (edit_or_reply if edit else reply)(update, text, keyboard(rows) if rows else None)


def undo_button(kind: str, ref_id: int) -> InlineKeyboardButton:
    """Undo on a confirmation: takes the change back for domain.flows.UNDO_WINDOW."""
    return UndoChange(kind, ref_id).button(_("↩️ Undo"))


async def expired(update: Update) -> None:
    """Tell the user a button no longer works (forged, stale, or not theirs)."""
    text = _("This button has expired. Please start again.")
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)


def closed_text(count: int) -> str:
    """What a confirmation adds when the customer's open reminders were closed with it."""
    if not count:
        return ""
    return ngettext("{count} open follow-up or care reminder closed.",
                    "{count} open follow-ups and care reminders closed.", count
                    ).format(count=count)


async def lead_team(update: Update, context: Ctx) -> int | None:
    """The team of a lead (or an admin in a team); otherwise say why not and return None."""
    me = context.me
    if not me.is_lead:
        if update.callback_query is not None:
            await expired(update)
        else:
            await reply(update, _("Only a team lead can do this."))
        return None
    if me.team_id is None:
        await reply(update, _("You are not in a team yet. An administrator can set your team "
                              "in /staff."))
        return None
    return me.team_id


async def note_too_long(update: Update, text: str) -> bool:
    """Answer and return True if a note is over the limit (nothing is cut silently)."""
    if len(text) <= MAX_NOTE:
        return False
    await reply(update, _("That note is too long ({length} characters, at most {limit}). "
                          "Please split it into several notes.").format(
        length=len(text), limit=MAX_NOTE))
    return True


def read_date(text: str, language: str, today: date, region: str, *,
              past_ok: bool = False) -> date | DateRefusal:
    """A solar day typed for a date field (expected close, maturity, policy start, compliance
    dates), read as every date field reads it (domain/datefields.py): today or later, or any
    day with ``past_ok``; else why it does not fit."""
    found = parse_date_field(text, DateKind.MATURITY, language, today, region)
    if past_ok and isinstance(found, DateRefusal) and found.reason is Refusal.IN_PAST:
        found = parse_date_field(text, DateKind.BIRTHDAY, language, today, region)
    if isinstance(found, DateRefusal):
        return found
    day = found.solar()
    return day if day is not None else DateRefusal(Refusal.NOT_A_DATE, text[:40])
