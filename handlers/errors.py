"""The one error handler: log the failure and tell the user in their language."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, TelegramError
from telegram.ext import ApplicationHandlerStop

from core.context import Ctx
from core.i18n import _
from core.logs import update_fields
from core.update_queue import current_claim

log = logging.getLogger(__name__)


async def report_error(update: object, context: Ctx) -> None:
    """Log an exception raised while handling an update and apologise to the user."""
    if update is None and isinstance(context.error, NetworkError):
        # Polling while the Bot API is unreachable: PTB retries; one line, no traceback.
        log.warning("Bot API unreachable: %s", context.error)
        return
    log.error("error while handling an update", exc_info=context.error,
              extra=update_fields(update))
    if not isinstance(update, Update):
        return
    claim = current_claim()
    if claim is not None:
        claim.failed = True  # its claim lapses: a redelivery is handled afresh
    if not isinstance(context.error, Forbidden):
        await _apologise(update)
    # The handler groups after the failing one must not run: no feature after a gate that
    # failed, no "saved" after the apology, and the update is not recorded as handled.
    raise ApplicationHandlerStop


async def _apologise(update: Update) -> None:
    text = _(
        "Sorry, something went wrong on my side and I could not finish that. Please try "
        "again in a moment; if it keeps happening, tell your administrator."
    )
    try:
        if update.callback_query is not None:
            try:
                await update.callback_query.answer(text, show_alert=True)
                return
            except TelegramError:
                pass  # already answered by the handler: say it in the chat instead
        if update.effective_chat is not None:
            await update.effective_chat.send_message(text)
    except TelegramError:
        log.warning("could not tell the user about the error", exc_info=True)
