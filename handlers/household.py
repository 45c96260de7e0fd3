"""Households: link a customer to family members (spouse, parent, child, sibling) or to a
company they own or work for. The card shows the household with a button for each member,
and the members' coming birthdays and care reminders.

👨‍👩‍👧 on the card lists the members; ➕ Link asks for the other customer's name (the next
message), offers the matches, then the relation, each a button.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from core.actions import (
    AskMember,
    CancelLink,
    LinkMember,
    OpenCard,
    PickMember,
    ShowHousehold,
    UnlinkMember,
)
from core.buttons import keyboard
from core.context import Ctx
from core.i18n import _
from core.messages import edit_or_reply, esc, reply
from domain.household import MAX_LINKS, RELATIONS, relations_for
from handlers.cards import display_name, own_customer, show_card
from handlers.common import expired
from handlers.lookup import matches
from storage.customers import Customer

HOUSEHOLD_FLOW = "household"  # data {"customer_id"}: the next text names the member to link


async def show_household(update: Update, context: Ctx) -> None:
    """List the customer's household, each member a button, with ➕ Link."""
    customer = await own_customer(update, context, context.action(ShowHousehold).customer_id)
    if customer is None:
        return
    await context.query.answer()
    await _show(update, context, customer)


async def _show(update: Update, context: Ctx, customer: Customer) -> None:
    """Draw the household of a customer already checked as the RM's own."""
    members = await context.storage.household.members(context.me.id, customer.id)
    lines = [_("<b>Household of {name}</b>").format(name=esc(display_name(customer)))]
    rows: list[list[InlineKeyboardButton]] = []
    for member in members:
        label = f"{member.name or _('(no name)')} ({_(RELATIONS[member.relation])})"
        lines.append(f"• {esc(label)}")
        rows.append([OpenCard(member.customer_id).button(label[:40]),
                     UnlinkMember(customer.id, member.link_id).button(_("Unlink"))])
    if not members:
        lines.append(_("No family members or companies linked yet."))
    rows.append([AskMember(customer.id).button(_("➕ Link a customer")),
                 OpenCard(customer.id).button(_("Back to the card"))])
    await edit_or_reply(update, "\n".join(lines), keyboard(rows))


def _prompt_buttons(customer_id: int) -> InlineKeyboardMarkup:
    return keyboard([[CancelLink(customer_id).button(_("Cancel"))]])


async def ask_member(update: Update, context: Ctx) -> None:
    """Ask the name (or phone) of the customer to link."""
    customer = await own_customer(update, context, context.action(AskMember).customer_id)
    if customer is None:
        return
    await context.query.answer()
    if len(await context.storage.household.members(context.me.id, customer.id)) >= MAX_LINKS:
        await reply(update, _("{name} already has {count} links.").format(
            name=esc(display_name(customer)), count=MAX_LINKS))
        return
    await context.storage.states.set(context.me.id, context.chat.id, HOUSEHOLD_FLOW,
                                     {"customer_id": customer.id}, context.clock.now())
    await reply(update, _(
        "Who should be linked to {name}'s household? Type the name or phone of a customer "
        "already on file (add them first with /add if needed)."
    ).format(name=f"<b>{esc(display_name(customer))}</b>"), _prompt_buttons(customer.id))


async def type_member(update: Update, context: Ctx, data: dict[str, Any]) -> None:
    """Search the typed name and offer the matches to link."""
    message = context.message
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
    rows = [[PickMember(customer.id, c.id).button(display_name(c)[:40])] for c in found]
    rows.append([ShowHousehold(customer.id).button(_("Cancel"))])
    await reply(update, _("Link which customer to {name}?").format(
        name=f"<b>{esc(display_name(customer))}</b>"), keyboard(rows))


async def pick_member(update: Update, context: Ctx) -> None:
    """Ask how the picked customer is related."""
    customer = await own_customer(update, context, context.action(PickMember).customer_id)
    other_id = context.action(PickMember).other_id
    other = await context.storage.customers.get(context.me.id, other_id) if other_id else None
    if customer is None:
        return
    if other is None:
        await expired(update)
        return
    await context.query.answer()
    options = relations_for(customer.segment)
    rows = [[LinkMember(customer.id, other.id, r).button(_(RELATIONS[r]))
             for r in options[i:i + 2]] for i in range(0, len(options), 2)]
    rows.append([ShowHousehold(customer.id).button(_("Cancel"))])
    await edit_or_reply(update, _("{other} is {name}'s…").format(
        other=f"<b>{esc(display_name(other))}</b>",
        name=f"<b>{esc(display_name(customer))}</b>"), keyboard(rows))


async def link_member(update: Update, context: Ctx) -> None:
    """Link the two customers with the tapped relation (once)."""
    customer = await own_customer(update, context, context.action(LinkMember).customer_id)
    action = context.action(LinkMember)
    other_id, relation = action.other_id, action.relation
    if customer is None:
        return
    if other_id is None or relation not in RELATIONS:
        await expired(update)
        return
    linked = await context.storage.household.link(context.me.id, customer.id, other_id,
                                                   relation, context.me.id, context.clock.now())
    await context.query.answer(_("Linked.") if linked else _("Already linked."))
    await show_card(update, context, customer, edit=True)


async def unlink_member(update: Update, context: Ctx) -> None:
    """Remove a household link."""
    customer = await own_customer(update, context, context.action(UnlinkMember).customer_id)
    link_id = context.action(UnlinkMember).link_id
    if customer is None:
        return
    removed = link_id is not None and await context.storage.household.unlink(
        context.me.id, link_id, context.me.id, context.clock.now())
    await context.query.answer(_("Unlinked.") if removed else _("Already unlinked."))
    await _show(update, context, customer)


async def cancel_link(update: Update, context: Ctx) -> None:
    """Stop linking; nothing changes."""
    state = await context.storage.states.get(context.me.id, context.chat.id)
    if state is not None and state.flow == HOUSEHOLD_FLOW:
        await context.storage.states.clear(context.me.id, context.chat.id)
    await context.query.answer(_("Cancelled. Nothing was changed."))
    await edit_or_reply(update, _("Cancelled. Nothing was changed."))
