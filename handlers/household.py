"""Households: link a customer to family members (spouse, parent, child, sibling) or to a
company they own or work for. The card shows the household with a button for each member,
and the members' coming birthdays and care reminders.

👨‍👩‍👧 on the card lists the members; ➕ Link asks for the other customer's name (the next
message), offers the matches, then the relation, each a button.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from core.buttons import button, keyboard
from core.context import Ctx
from core.i18n import _
from core.messages import edit_or_reply, esc, reply
from domain.household import MAX_LINKS, RELATIONS, relations_for
from handlers.cards import customer_from_button, display_name, show_card
from handlers.common import button_arg, button_int, expired
from handlers.lookup import matches

HOUSEHOLD_FLOW = "household"  # data {"customer_id"}: the next text names the member to link


async def show_household(update: Update, context: Ctx) -> None:
    """List the customer's household, each member a button, with ➕ Link."""
    customer = await customer_from_button(update, context)
    if customer is None:
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    members = await context.storage.household.members(context.me.id, customer.id)
    lines = [_("<b>Household of {name}</b>").format(name=esc(display_name(customer)))]
    rows: list[list[InlineKeyboardButton]] = []
    for member in members:
        label = f"{member.name or _('(no name)')} ({_(RELATIONS[member.relation])})"
        lines.append(f"• {esc(label)}")
        rows.append([button(label[:40], "c", member.customer_id),
                     button(_("Unlink"), "hhu", customer.id, member.link_id)])
    if not members:
        lines.append(_("No family members or companies linked yet."))
    rows.append([button(_("➕ Link a customer"), "hha", customer.id),
                 button(_("Back to the card"), "c", customer.id)])
    await edit_or_reply(update, "\n".join(lines), keyboard(rows))


def _prompt_buttons(customer_id: int) -> InlineKeyboardMarkup:
    return keyboard([[button(_("Cancel"), "hhx", customer_id)]])


async def ask_member(update: Update, context: Ctx) -> None:
    """Ask the name (or phone) of the customer to link."""
    customer = await customer_from_button(update, context)
    if customer is None:
        return
    assert update.callback_query is not None and update.effective_chat is not None
    await update.callback_query.answer()
    if len(await context.storage.household.members(context.me.id, customer.id)) >= MAX_LINKS:
        await reply(update, _("{name} already has {count} links.").format(
            name=esc(display_name(customer)), count=MAX_LINKS))
        return
    await context.storage.states.set(context.me.id, update.effective_chat.id, HOUSEHOLD_FLOW,
                                     {"customer_id": customer.id}, context.clock.now())
    await reply(update, _(
        "Who should be linked to {name}'s household? Type the name or phone of a customer "
        "already on file (add them first with /add if needed)."
    ).format(name=f"<b>{esc(display_name(customer))}</b>"), _prompt_buttons(customer.id))


async def type_member(update: Update, context: Ctx, data: dict[str, Any]) -> None:
    """Search the typed name and offer the matches to link."""
    message = update.effective_message
    assert message is not None
    text = (message.text or "").strip()
    customer = await context.storage.customers.get(context.me.id,
                                                   int(data.get("customer_id", 0)))
    if customer is None:
        await context.storage.states.clear(context.me.id, message.chat_id)
        await reply(update, _("This customer is no longer in your list."))
        return
    found = [c for c in await matches(context, text[:100]) if c.id != customer.id]
    if not found:
        await reply(update, _("No customer matches “{text}”. Type another name or phone, or "
                              "press Cancel.").format(text=esc(text[:50])),
                    _prompt_buttons(customer.id))
        return
    await context.storage.states.clear(context.me.id, message.chat_id)
    rows = [[button(display_name(c)[:40], "hhp", customer.id, c.id)] for c in found]
    rows.append([button(_("Cancel"), "hh", customer.id)])
    await reply(update, _("Link which customer to {name}?").format(
        name=f"<b>{esc(display_name(customer))}</b>"), keyboard(rows))


async def pick_member(update: Update, context: Ctx) -> None:
    """Ask how the picked customer is related."""
    customer = await customer_from_button(update, context)
    other_id = button_int(context, 2)
    other = await context.storage.customers.get(context.me.id, other_id) if other_id else None
    if customer is None:
        return
    assert update.callback_query is not None
    if other is None:
        await expired(update)
        return
    await update.callback_query.answer()
    options = relations_for(customer.segment)
    rows = [[button(_(RELATIONS[r]), "hhr", customer.id, other.id, r)
             for r in options[i:i + 2]] for i in range(0, len(options), 2)]
    rows.append([button(_("Cancel"), "hh", customer.id)])
    await edit_or_reply(update, _("{other} is {name}'s…").format(
        other=f"<b>{esc(display_name(other))}</b>",
        name=f"<b>{esc(display_name(customer))}</b>"), keyboard(rows))


async def link_member(update: Update, context: Ctx) -> None:
    """Link the two customers with the tapped relation (once)."""
    customer = await customer_from_button(update, context)
    other_id, relation = button_int(context, 2), button_arg(context, 3)
    if customer is None:
        return
    assert update.callback_query is not None
    if other_id is None or relation not in RELATIONS:
        await expired(update)
        return
    linked = await context.storage.household.link(context.me.id, customer.id, other_id,
                                                   relation, context.me.id, context.clock.now())
    await update.callback_query.answer(_("Linked.") if linked else _("Already linked."))
    await show_card(update, context, customer, edit=True)


async def unlink_member(update: Update, context: Ctx) -> None:
    """Remove a household link."""
    customer = await customer_from_button(update, context)
    link_id = button_int(context, 2)
    if customer is None:
        return
    assert update.callback_query is not None
    removed = link_id is not None and await context.storage.household.unlink(
        context.me.id, link_id, context.me.id, context.clock.now())
    await update.callback_query.answer(_("Unlinked.") if removed else _("Already unlinked."))
    await show_household(update, context)


async def cancel_link(update: Update, context: Ctx) -> None:
    """Stop linking; nothing changes."""
    assert update.callback_query is not None and update.effective_chat is not None
    state = await context.storage.states.get(context.me.id, update.effective_chat.id)
    if state is not None and state.flow == HOUSEHOLD_FLOW:
        await context.storage.states.clear(context.me.id, update.effective_chat.id)
    await update.callback_query.answer(_("Cancelled. Nothing was changed."))
    await edit_or_reply(update, _("Cancelled. Nothing was changed."))
