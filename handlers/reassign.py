"""/reassign: a team lead hands one customer, or all of an RM's customers (an RM who leaves),
over to another RM of the team; history and audit are kept, open reminders move."""

from __future__ import annotations

from telegram import InlineKeyboardButton, Update

from core.actions import (
    CancelReassign,
    ConfirmReassign,
    PickReassignCustomer,
    PickReassignScope,
    PickReceiver,
    Reassign,
)
from core.buttons import keyboard
from core.context import Ctx
from core.i18n import _, label_count, ngettext
from core.messages import edit_or_reply, esc, reply
from domain.customers import STAGES
from handlers.common import expired, lead_team
from storage.reassign import RefConflict
from storage.staff import Staff

PICK_PAGE = 8


async def _members(context: Ctx, team_id: int) -> dict[int, Staff]:
    """Everyone in the team, also those whose access was turned off (who left)."""
    members = await context.storage.staff.list_team(team_id, with_inactive=True)
    return {member.id: member for member in members}


async def _from_member(update: Update, context: Ctx,
                       from_id: int) -> tuple[dict[int, Staff], int] | None:
    """The lead's team members and the member named by the button; None after refusing."""
    team_id = await lead_team(update, context)
    if team_id is None:
        return None
    members = await _members(context, team_id)
    if from_id not in members:
        await expired(update)
        return None
    return members, from_id


def _can_receive(member: Staff) -> bool:
    """Customers go to an active relationship manager of the team."""
    return member.active and member.role == "rm"


def _member_label(member: Staff) -> str:
    return ("🚫 " if not member.active else "") + member.name[:40]


async def start_reassign(update: Update, context: Ctx) -> None:
    """/reassign (or the button under /team): whose customers are handed over?"""
    team_id = await lead_team(update, context)
    if team_id is None:
        return
    members = await _members(context, team_id)
    rows: list[list[InlineKeyboardButton]] = []
    for member in members.values():
        count = await context.storage.reassign.count_owned(member.id)
        if count:
            rows.append([PickReassignScope(member.id).button(
                label_count(_member_label(member), count))])
    if update.callback_query is not None:
        await context.query.answer()
    if not rows:
        await reply(update, _("Nobody in your team has customers to hand over."))
        return
    rows.append([CancelReassign().button(_("Cancel"))])
    await edit_or_reply(update, _("Whose customers should be handed over? (🚫: access turned "
                                  "off)"), keyboard(rows))


async def pick_scope(update: Update, context: Ctx) -> None:
    """All of the RM's customers, or one of them?"""
    found = await _from_member(update, context, context.action(PickReassignScope).from_id)
    if found is None:
        return
    members, from_id = found
    count = await context.storage.reassign.count_owned(from_id)
    await context.query.answer()
    if not count:
        await edit_or_reply(update, _("{name} has no customers left.").format(
            name=esc(members[from_id].name)))
        return
    await edit_or_reply(update, ngettext(
        "{name} has {count} customer. Hand over all of them, or one?",
        "{name} has {count} customers. Hand over all of them, or one?", count).format(
            name=esc(members[from_id].name), count=count),
                        keyboard([[PickReceiver(from_id, 0).button(ngettext(
                                      "All {count} customer", "All {count} customers",
                                      count).format(count=count))],
                                  [PickReassignCustomer(from_id, 0).button(
                                      _("Pick one customer"))],
                                  [CancelReassign().button(_("Cancel"))]]))


async def pick_customer(update: Update, context: Ctx) -> None:
    """One page of the RM's customers to pick from."""
    action = context.action(PickReassignCustomer)
    found = await _from_member(update, context, action.from_id)
    page = action.page
    if found is None or page < 0:
        if found is not None:
            await expired(update)
        return
    members, from_id = found
    customers, total = await context.storage.reassign.customers_of(
        from_id, offset=page * PICK_PAGE, limit=PICK_PAGE)
    await context.query.answer()
    rows = [[PickReceiver(from_id, c.id).button(
        f"{'🗄 ' if c.archived else ''}{(c.name or _('(no name)'))[:32]} · "
        f"{_(STAGES[c.stage])}"[:60])] for c in customers]
    pager = []
    if page > 0:
        pager.append(PickReassignCustomer(from_id, page - 1).button(_("◀ Back")))
    if (page + 1) * PICK_PAGE < total:
        pager.append(PickReassignCustomer(from_id, page + 1).button(_("More ▶")))
    rows.append(pager)
    rows.append([CancelReassign().button(_("Cancel"))])
    await edit_or_reply(update, _("Which customer of {name}? ({count})").format(
        name=esc(members[from_id].name), count=total), keyboard(rows))


async def _scope_label(context: Ctx, from_member: Staff, customer_id: int) -> str | None:
    """'all 12 customers of Lan' or the customer's name; None if the customer is not theirs."""
    if customer_id == 0:
        count = await context.storage.reassign.count_owned(from_member.id)
        return ngettext("all {count} customer of {name}", "all {count} customers of {name}",
                        count).format(count=count, name=esc(from_member.name))
    customer = await context.storage.customers.get(from_member.id, customer_id)
    if customer is None:
        return None
    return _("{customer} (a customer of {name})").format(
        customer=f"<b>{esc(customer.name or _('(no name)'))}</b>", name=esc(from_member.name))


async def pick_receiver(update: Update, context: Ctx) -> None:
    """Which RM of the same team takes the customers over?"""
    action = context.action(PickReceiver)
    found = await _from_member(update, context, action.from_id)
    customer_id = action.customer_id
    if found is None:
        return
    members, from_id = found
    what = await _scope_label(context, members[from_id], customer_id)
    receivers = [m for m in members.values() if _can_receive(m) and m.id != from_id]
    if what is None:
        await expired(update)
        return
    await context.query.answer()
    if not receivers:
        await edit_or_reply(update, _("There is nobody else in the team to hand over to."))
        return
    rows = [[ConfirmReassign(from_id, customer_id, m.id).button(m.name[:40])]
            for m in receivers]
    rows.append([CancelReassign().button(_("Cancel"))])
    await edit_or_reply(update, _("Who takes over {what}?").format(what=what), keyboard(rows))


async def _reassign_args(update: Update, context: Ctx, action: ConfirmReassign | Reassign
                         ) -> tuple[int, Staff, Staff, int] | None:
    """(team, from, to, customer or 0) from a confirm/execute button, all checked again."""
    team_id = await lead_team(update, context)
    if team_id is None:
        return None
    from_id, customer_id, to_id = action.from_id, action.customer_id, action.to_id
    members = await _members(context, team_id)
    if (from_id not in members or to_id not in members or customer_id < 0
            or from_id == to_id or not _can_receive(members[to_id])):
        await expired(update)
        return None
    return team_id, members[from_id], members[to_id], customer_id


async def confirm_reassign(update: Update, context: Ctx) -> None:
    """Ask once more before the customers change hands."""
    args = await _reassign_args(update, context, context.action(ConfirmReassign))
    if args is None:
        return
    _team_id, from_member, to_member, customer_id = args
    what = await _scope_label(context, from_member, customer_id)
    if what is None:
        await expired(update)
        return
    await context.query.answer()
    await edit_or_reply(update, _(
        "Hand over {what} to {receiver}? Their history stays as it is; their complaints, "
        "deals, leads and open follow-ups move to {receiver}, and {name} no longer sees them."
    ).format(what=what, receiver=f"<b>{esc(to_member.name)}</b>", name=esc(from_member.name)),
        keyboard([[Reassign(from_member.id, customer_id, to_member.id).button(
            _("Yes, hand over"))],
                  [CancelReassign().button(_("Cancel"))]]))


async def reassign_customers(update: Update, context: Ctx) -> None:
    """Move the customers (audited, and the receiver told), then say it is done."""
    args = await _reassign_args(update, context, context.action(Reassign))
    if args is None:
        return
    team_id, from_member, to_member, customer_id = args
    try:
        moved = await context.storage.reassign_customers(
            context.me.id, team_id, from_member.id, to_member.id, context.clock.now(),
            customer_id or None)
    except RefConflict as conflict:
        await context.query.answer()
        await edit_or_reply(update, ngettext(
            "Nothing was handed over: {receiver} already has a customer with the client "
            "reference {refs}. A client reference names one customer in a book: change or "
            "clear it on one of the two cards first.",
            "Nothing was handed over: {receiver} already has customers with the client "
            "references {refs}. A client reference names one customer in a book: change or "
            "clear them on one of the two cards first.", len(conflict.refs)).format(
            receiver=f"<b>{esc(to_member.name)}</b>",
            refs=" · ".join(esc(ref) for ref in conflict.refs[:10])
            + ("…" if len(conflict.refs) > 10 else "")))
        return
    await context.query.answer()
    if not moved:
        await edit_or_reply(update, _("Nothing left to hand over: this was done already."))
        return
    await edit_or_reply(update, ngettext(
        "Done: {count} customer of {name} is now {receiver}'s. Their history was kept.",
        "Done: {count} customers of {name} are now {receiver}'s. Their history was kept.",
        len(moved)).format(
        count=len(moved), name=esc(from_member.name), receiver=esc(to_member.name)))


async def cancel_reassign(update: Update, context: Ctx) -> None:
    """Leave the hand-over without changing anything."""
    await context.query.answer()
    await edit_or_reply(update, _("Cancelled. Nothing was changed."))
