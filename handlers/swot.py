"""SWOT on a company client's file: strengths, weaknesses, opportunities, threats, one short
text each. Offered when a company client reaches the consultation stage (DOMAIN.md: customers
are analysed with SWOT)."""

from __future__ import annotations

from typing import Any

from telegram import Update

from core.actions import AskSwotPart, OpenCard, ShowSwot, StopSwotPart
from core.buttons import keyboard
from core.context import Ctx
from core.i18n import N_, _
from core.messages import edit_or_reply, esc, reply
from handlers.cards import display_name, own_customer
from handlers.common import expired
from storage.customers import Customer

SWOT_FLOW = "swot"  # data {"customer_id", "part"}
PARTS: dict[str, str] = {
    "swot_strengths": N_("Strengths"),
    "swot_weaknesses": N_("Weaknesses"),
    "swot_opportunities": N_("Opportunities"),
    "swot_threats": N_("Threats"),
}
ICONS = {"swot_strengths": "💪", "swot_weaknesses": "⚠️", "swot_opportunities": "🌱",
         "swot_threats": "⛈"}
MAX_PART = 300


def swot_text(customer: Customer) -> str:
    lines = [_("<b>SWOT of {name}</b>").format(name=esc(display_name(customer)))]
    for part, label in PARTS.items():
        value = getattr(customer, part)
        lines.append(f"{ICONS[part]} <b>{_(label)}</b>: {esc(value) if value else '—'}")
    return "\n".join(lines)


def _buttons(customer: Customer) -> Any:
    parts = list(PARTS.items())
    rows = [[AskSwotPart(customer.id, p).button(f"{ICONS[p]} {_(label)}")
             for p, label in parts[i:i + 2]] for i in range(0, 4, 2)]
    rows.append([OpenCard(customer.id).button(_("Back to the card"))])
    return keyboard(rows)


async def show_swot(update: Update, context: Ctx) -> None:
    """Show the SWOT with a button per part to write it."""
    customer = await own_customer(update, context, context.action(ShowSwot).customer_id)
    if customer is None:
        return
    await context.query.answer()
    await edit_or_reply(update, swot_text(customer), _buttons(customer))


async def offer_swot(update: Update, context: Ctx, customer: Customer) -> None:
    """A company client reached consultation: offer to write its SWOT (if not done)."""
    if any(getattr(customer, part) for part in PARTS):
        return
    await reply(update, _(
        "{name} is now in consultation. A SWOT (strengths, weaknesses, opportunities, "
        "threats) helps prepare the offer. Write it now?"
    ).format(name=f"<b>{esc(display_name(customer))}</b>"), _buttons(customer))


async def ask_part(update: Update, context: Ctx) -> None:
    """Ask one part of the SWOT (the next message)."""
    customer = await own_customer(update, context, context.action(AskSwotPart).customer_id)
    part = context.action(AskSwotPart).part
    if customer is None:
        return
    if part not in PARTS:
        await expired(update)
        return
    await context.query.answer()
    await context.storage.states.set(context.me.id, context.chat.id, SWOT_FLOW,
                                     {"customer_id": customer.id, "part": part},
                                     context.clock.now())
    await reply(update, _("{part} of {name}: type a short text (at most {limit} "
                          "characters).").format(
        part=_(PARTS[part]), name=f"<b>{esc(display_name(customer))}</b>", limit=MAX_PART),
        keyboard([[StopSwotPart(customer.id).button(_("Skip")),
                   StopSwotPart(customer.id).button(_("Cancel"))]]))


async def type_part(update: Update, context: Ctx, data: dict[str, Any]) -> None:
    """Save the typed part of the SWOT."""
    message = context.message
    text = (message.text or "").strip()
    part = str(data.get("part"))
    customer = await context.storage.customers.get(context.me.id,
                                                   int(data.get("customer_id", 0)))
    if customer is None or part not in PARTS:
        await context.storage.states.clear(context.me.id, message.chat_id)
        await reply(update, _("This customer is no longer in your list."))
        return
    if not text or len(text) > MAX_PART:
        await reply(update, _("That is too long: at most {limit} characters. Please try again.")
                    .format(limit=MAX_PART))
        return
    now = context.clock.now()
    updated = await context.storage.customers.update_audited(
        context.me.id, customer.id, now, context.me.region, actor_id=context.me.id,
        **{part: text}) or customer
    await context.storage.states.clear(context.me.id, message.chat_id)
    await reply(update, swot_text(updated), _buttons(updated))


async def stop_part(update: Update, context: Ctx) -> None:
    """Skip or cancel the part being asked; nothing changes."""
    customer = await own_customer(update, context, context.action(StopSwotPart).customer_id)
    if customer is None:
        return
    state = await context.storage.states.get(context.me.id, context.chat.id)
    if state is not None and state.flow == SWOT_FLOW:
        await context.storage.states.clear(context.me.id, context.chat.id)
    await context.query.answer(_("Nothing was changed."))
    await edit_or_reply(update, swot_text(customer), _buttons(customer))
