"""/find and plain-text search across the RM's own customers, with result pages."""

from __future__ import annotations

from telegram import Update

from core.actions import AddFromSearch, NoteFromSearch, OpenCard, TurnSearchPage
from core.buttons import keyboard
from core.context import Ctx
from core.i18n import _
from core.messages import edit_or_reply, esc, reply
from domain.customers import STAGES
from domain.names import note_query, note_snippet, query_forms
from domain.phones import display_phone, phone_digits
from handlers.capture import create_or_flag, parse_quick_add
from handlers.cards import display_name, show_card
from handlers.common import expired
from handlers.notes import offer_customers
from storage.customers import Customer

PAGE_SIZE = 8
MAX_QUERY = 100


def result_label(customer: Customer, region: str) -> str:
    parts = [display_name(customer)[:32], _(STAGES[customer.stage])]
    if customer.phone:
        parts.append(display_phone(customer.phone, region))
    return " · ".join(parts)


async def find_command(update: Update, context: Ctx) -> None:
    """Search with /find <name, phone, company, tag or words of a note>."""
    query = " ".join(context.args or []).strip()
    if not query:
        await reply(update, _("What should I look for? For example: /find nguyen van an, "
                              "/find tran, /find 0901 234"))
        return
    await run_search(update, context, query, offer_alternatives=False)


async def run_search(update: Update, context: Ctx, query: str, *,
                     offer_alternatives: bool) -> None:
    """Save the query (so pages can be turned) and show its first page."""
    query = query[:MAX_QUERY]
    search_id = await context.storage.customers.save_search(context.me.id, query,
                                                            context.clock.now())
    await _show_page(update, context, search_id, query, 0, offer_alternatives)


async def turn_page(update: Update, context: Ctx) -> None:
    """Show another page of a saved search."""
    action = context.action(TurnSearchPage)
    query = await context.storage.customers.saved_search(context.me.id, action.search_id)
    if query is None or action.page < 0:
        await expired(update)
        return
    await context.query.answer()
    await _show_page(update, context, action.search_id, query, action.page, False, edit=True)


async def _show_page(update: Update, context: Ctx, search_id: int, query: str, page: int,
                     offer_alternatives: bool, edit: bool = False) -> None:
    digits = phone_digits(query)
    forms = query_forms(query)
    result = await context.storage.customers.search(
        context.me.id, forms, digits if len(digits) >= 3 else "", offset=page * PAGE_SIZE,
        # A text typed without /find may be a note to file: only /find reads the notes.
        limit=PAGE_SIZE, notes="" if offer_alternatives else note_query(query))
    shown_query = esc(query)
    if result.total == 0:
        rows = []
        if offer_alternatives:
            rows = [[AddFromSearch(search_id).button(_("➕ Add as a new prospect"))],
                    [NoteFromSearch(search_id).button(_("📝 Save as a note…"))]]
        await reply(update, _("No customer matches “{query}”.").format(query=shown_query),
                    keyboard(rows) if rows else None)
        return
    if result.total == 1 and not offer_alternatives and not edit:
        # /find that finds one customer opens the card: there is nothing to choose.
        customer = result.customers[0]
        prefix = ""
        if customer.id in result.notes:
            prefix = _("📝 From a note: {snippet}").format(
                snippet=f"<i>{esc(note_snippet(result.notes[customer.id], query))}</i>")
        await show_card(update, context, customer, prefix=prefix)
        return
    rows = [[OpenCard(c.id).button(result_label(c, context.me.region))]
            for c in result.customers]
    pager = []
    if page > 0:
        pager.append(TurnSearchPage(search_id, page - 1).button(_("◀ Previous")))
    if (page + 1) * PAGE_SIZE < result.total:
        pager.append(TurnSearchPage(search_id, page + 1).button(_("Next ▶")))
    rows.append(pager)
    if offer_alternatives and page == 0:
        rows.append([NoteFromSearch(search_id).button(_("📝 Save as a note…"))])
    if result.notes:
        # Found by what their notes say: each with the words around the match.
        lines = [_("Customers whose notes mention “{query}”: {count}").format(
            query=shown_query, count=result.total)]
        lines += [f"• <b>{esc(display_name(c))}</b>: "
                  f"{esc(note_snippet(result.notes.get(c.id, ''), query))}"
                  for c in result.customers]
        text = "\n".join(lines)
    else:
        text = _("Customers matching “{query}”: {count}").format(query=shown_query,
                                                                 count=result.total)
    if edit:
        await edit_or_reply(update, text, keyboard(rows))
    else:
        await reply(update, text, keyboard(rows))


async def _saved_query(update: Update, context: Ctx, search_id: int) -> str | None:
    query = await context.storage.customers.saved_search(context.me.id, search_id)
    if query is None:
        await expired(update)
        return None
    await context.query.answer()
    return query


async def add_from_search(update: Update, context: Ctx) -> None:
    """Turn a text that found nobody into a new prospect."""
    query = await _saved_query(update, context, context.action(AddFromSearch).search_id)
    if query is None:
        return
    name, phone, note = parse_quick_add(query, context.me.region)
    await create_or_flag(update, context, {"name": name, "phone": phone, "note": note})


async def note_from_search(update: Update, context: Ctx) -> None:
    """Keep a text that was searched as a note, and ask which customer it is for."""
    query = await _saved_query(update, context, context.action(NoteFromSearch).search_id)
    if query is None:
        return
    item = await context.storage.inbox.add(staff_id=context.me.id, kind="note", text=query,
                                           now=context.clock.now())
    await offer_customers(update, context, item,
                          await context.storage.customers.recent(context.me.id))
