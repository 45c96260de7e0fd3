"""Referrals: who referred whom and the RM's best referrers (/referrals); the reminder to thank
a referrer is the 'thanks' push (core/pushes/referrals.py)."""

from __future__ import annotations

from telegram import Update

from core.actions import KeepReferrerName, LinkReferrer, ListReferred, OpenCard
from core.buttons import keyboard
from core.context import Ctx
from core.i18n import _, ngettext
from core.messages import edit_or_reply, esc, reply
from domain.customers import STAGES
from domain.names import fold
from domain.phones import display_phone
from handlers.cards import display_name, own_customer, show_card
from handlers.common import expired
from handlers.lookup import matches
from storage.customers import Customer

MAX_PICKS = 6
LISTED = 10


async def offer_referrers(update: Update, context: Ctx, customer: Customer,
                          typed: str) -> None:
    """When the typed referrer is not one customer for sure, offer the candidates."""
    same_name = await context.storage.customers.duplicates(context.me.id, typed, None)
    exact = [c for c in same_name if fold(c.name) == fold(typed) and c.id != customer.id]
    found = exact or [c for c in await matches(context, typed) if c.id != customer.id]
    if not found:
        return
    rows = [[LinkReferrer(customer.id, c.id).button(_pick_label(c, context.me.region))]
            for c in found[:MAX_PICKS]]
    rows.append([KeepReferrerName().button(_("None of them"))])
    await reply(update, _("Is “{typed}” one of your customers? Pick them to link the referral "
                          "(it then counts in /referrals).").format(typed=esc(typed[:60])),
                keyboard(rows))


def _pick_label(customer: Customer, region: str) -> str:
    label = display_name(customer)[:36]
    if customer.phone:
        label += f" · {display_phone(customer.phone, region)}"
    elif customer.company:
        label += f" · {customer.company[:20]}"
    return label


async def link_referrer(update: Update, context: Ctx) -> None:
    """Record the picked customer as the one who referred this customer."""
    action = context.action(LinkReferrer)
    customer = await own_customer(update, context, action.customer_id)
    if customer is None:
        return
    referrer = await own_customer(update, context, action.referrer_id)
    if referrer is None:
        return
    if referrer.id == customer.id:
        await expired(update)
        return
    staff, now = context.me, context.clock.now()
    updated = await context.storage.update_customer(
        staff.id, customer.id, now, staff.region, referred_by=referrer.id,
        referrer=referrer.name)
    await context.query.answer(_("Saved."))
    await show_card(update, context, updated or customer, edit=True, prefix=_(
        "🤝 {name} was referred by {referrer}.").format(
        name=esc(display_name(customer)), referrer=esc(display_name(referrer))))


async def keep_referrer_name(update: Update, context: Ctx) -> None:
    """Keep the typed referrer as a name only (not a customer on file)."""
    await context.query.answer()
    await edit_or_reply(update, _("Kept as a name only."))


async def show_referrals(update: Update, context: Ctx) -> None:
    """Show the RM's best referrers and how many of those they brought became customers."""
    top = await context.storage.referrals.top_referrers(context.me.id, LISTED)
    if not top:
        await reply(update, _("No referrals recorded yet. On a customer's card, ✏️ Edit → "
                              "“Referred by” records who brought them."))
        return
    lines = [_("<b>Your best referrers</b>")]
    rows = []
    for rank, referrer in enumerate(top, 1):
        lines.append(ngettext(
            "{rank}. <b>{name}</b>: referred {referred}, of whom {became} became a customer",
            "{rank}. <b>{name}</b>: referred {referred}, of whom {became} became customers",
            referrer.became).format(rank=rank, name=esc(referrer.name),
                                    referred=referrer.referred, became=referrer.became))
        rows.append([OpenCard(referrer.id).button(f"👤 {referrer.name[:30]}"),
                     ListReferred(referrer.id).button(
                         _("👥 Whom they brought ({count})").format(count=referrer.referred))])
    await reply(update, "\n".join(lines), keyboard(rows))


async def list_referred(update: Update, context: Ctx) -> None:
    """List the customers a referrer brought, each with a button to open them."""
    referrer = await own_customer(update, context, context.action(ListReferred).referrer_id)
    if referrer is None:
        return
    await context.query.answer()
    people = await context.storage.referrals.referred_by(context.me.id, referrer.id)
    lines = [_("<b>Referred by {name}</b> ({count})").format(
        name=esc(display_name(referrer)), count=len(people))]
    lines += [f"• {esc(person.name or _('(no name)'))} · {_(STAGES[person.stage])}"
              for person in people]
    rows = [[OpenCard(person.id).button(person.name[:40] or _("(no name)"))]
            for person in people[:LISTED]]
    rows.append([OpenCard(referrer.id).button(_("Back to the card"))])
    await reply(update, "\n".join(lines), keyboard(rows))
