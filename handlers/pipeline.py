"""/pipeline: how many customers are at each step of the sales process, and who they are."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from core.buttons import button, keyboard
from core.context import Ctx
from core.i18n import _, label_count, label_value
from core.messages import edit_or_reply, reply
from domain.customers import STAGES
from handlers.common import expired
from handlers.search import result_label
from storage.customers import Page

PAGE_SIZE = 8


async def show_pipeline(update: Update, context: Ctx) -> None:
    """Count the RM's active customers per stage, with a button to list each stage."""
    counts = await context.storage.customers.stage_counts(context.me.id)
    lines = [_("<b>Your pipeline</b>")]
    rows = []
    for stage, label in STAGES.items():
        count = counts.get(stage, 0)
        lines.append(label_value(_(label), f"<b>{count}</b>"))
        if count:
            rows.append([button(label_count(_(label), count), "pl", stage, 0)])
    if not counts:
        lines.append(_("No customers yet. Add the first one with /add."))
    # An empty keyboard is refused by Telegram: none at all when there is nothing to list.
    await reply(update, "\n".join(lines), keyboard(rows) if rows else None)


async def list_stage(update: Update, context: Ctx) -> None:
    """List the customers at one stage, a page at a time."""
    assert update.callback_query is not None and context.button is not None
    args = context.button[1:]
    if len(args) != 2 or args[0] not in STAGES or not args[1].isdigit():
        await expired(update)
        return
    await update.callback_query.answer()
    stage, page = args[0], int(args[1])
    result = await context.storage.customers.in_stage(context.me.id, stage,
                                                      offset=page * PAGE_SIZE, limit=PAGE_SIZE)
    title = _("<b>{stage}</b>: {count}").format(stage=_(STAGES[stage]), count=result.total)
    await edit_or_reply(update, title, _list_keyboard(context, result, page, ("pl", stage)))


async def list_archived(update: Update, context: Ctx) -> None:
    """List archived customers (from /archived or a page button)."""
    page = 0
    if update.callback_query is not None and context.button is not None:
        raw = context.button[1] if len(context.button) > 1 else "0"
        page = int(raw) if raw.isdigit() else 0
        await update.callback_query.answer()
    result = await context.storage.customers.archived(context.me.id, offset=page * PAGE_SIZE,
                                                      limit=PAGE_SIZE)
    if result.total == 0:
        await reply(update, _("No archived customers."))
        return
    title = _("<b>Archived</b>: {count}").format(count=result.total)
    await edit_or_reply(update, title, _list_keyboard(context, result, page, ("arch",)))


def _list_keyboard(context: Ctx, result: Page, page: int,
                   pager_action: tuple[str, ...]) -> InlineKeyboardMarkup | None:
    rows = [[button(result_label(c, context.me.region), "c", c.id)] for c in result.customers]
    pager = []
    if page > 0:
        pager.append(button(_("◀ Previous"), *pager_action, page - 1))
    if (page + 1) * PAGE_SIZE < result.total:
        pager.append(button(_("Next ▶"), *pager_action, page + 1))
    rows.append(pager)
    return keyboard(rows) if any(rows) else None
