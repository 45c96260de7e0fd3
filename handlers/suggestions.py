"""Notes that fill the file: once a note is on a customer's file (typed, logged with a call or
a visit, a reply to the card, or a forwarded message filed from the inbox), offer what it
mentions that the file is missing — a phone, a deal, a follow-up, a birthday — one tap each.
Nothing is written without the tap; a dismissed offer never comes back for that customer;
a button does its one thing however often it is pressed (storage/suggestions.py).
"""

from __future__ import annotations

from datetime import date, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from core.actions import DismissSuggestion, OpenCard, TakeSuggestion
from core.buttons import keyboard
from core.context import Ctx
from core.i18n import (
    _,
    current_language,
    current_timezone,
    format_date,
    format_datetime,
    format_month_day,
)
from core.messages import esc, reply
from domain.catalog import pick
from domain.deals import format_amount
from domain.holdings import kind_for_product
from domain.phones import display_phone
from domain.suggestions import PRODUCT_KINDS, CatalogProduct, Suggestion, read_note
from handlers.cards import display_name
from handlers.common import expired
from storage.customers import Customer
from storage.suggestions import Offered

# A follow-up this close to one already open for the customer is that one.
SAME_FOLLOW_UP = timedelta(hours=1)


async def offer_from_note(update: Update, context: Ctx, customer: Customer, text: str) -> None:
    """Offer, in a message of its own, what the note mentions that the file does not have."""
    lines, rows = await offer_part(context, customer,
                                   await offers_for(context, customer, text))
    if rows:
        await reply(update, "\n".join(lines), keyboard(rows))


async def offers_for(context: Ctx, customer: Customer, text: str) -> list[Offered]:
    """Record what the note mentions that the customer's file does not have yet (each thing
    once per customer: one dismissed before is not offered again)."""
    if not text.strip():
        return []
    now = context.clock.now()
    found = read_note(text, language=current_language(), region=context.me.region,
                      now=now.astimezone(current_timezone()), products=await _catalog(context))
    offered = []
    for suggestion in await _missing(context, customer, found):
        made = await context.storage.suggestions.offer(
            staff_id=context.me.id, customer_id=customer.id, suggestion=suggestion, now=now)
        if made is not None:
            offered.append(made)
    return offered


async def offer_part(context: Ctx, customer: Customer, offered: list[Offered]
                     ) -> tuple[list[str], list[list[InlineKeyboardButton]]]:
    """The lines and the buttons (take, ✖) that offer them; nothing for nothing."""
    if not offered:
        return [], []
    lines = [_("💡 This note mentions what {name}'s file does not have yet:").format(
        name=f"<b>{esc(display_name(customer))}</b>")]
    rows = []
    for item in offered:
        line, label = await _describe(context, item.suggestion)
        lines.append(line)
        rows.append([TakeSuggestion(item.id).button(label),
                     DismissSuggestion(item.id).button("✖")])
    lines.append(_("One tap saves each; ✖ and I will not suggest it again."))
    return lines, rows


async def _catalog(context: Ctx) -> list[CatalogProduct]:
    codes = {group.id: group.code for group in await context.storage.catalog.groups()}
    return [CatalogProduct(p.id, kind_for_product(p.code, codes.get(p.group_id, "")),
                           tuple(p.names.values()))
            for p in await context.storage.catalog.active_products()]


async def _missing(context: Ctx, customer: Customer,
                   found: list[Suggestion]) -> list[Suggestion]:
    """What the file does not have: no phone, no birthday, no such open deal, no follow-up
    then."""
    storage = context.storage
    deals = [d for d in await storage.deals.for_customer(context.me.id, customer.id)
             if d.is_open]
    follow_ups = await storage.reminders.open_for_customers(
        [customer.id], context.clock.now() + timedelta(days=3660), ("followup", "appointment"))
    wanted = []
    for suggestion in found:
        if suggestion.kind == "phone" and customer.phone:
            continue
        if suggestion.kind == "birthday" and customer.birthday:
            continue
        if suggestion.kind == "deal" and any(
                d.product_id == suggestion.product_id and (
                    d.product_id is not None or d.amount_minor == suggestion.amount.minor)
                for d in deals):
            continue
        if suggestion.kind == "follow_up" and any(
                abs(r.due_at - suggestion.when) < SAME_FOLLOW_UP for r in follow_ups):
            continue
        wanted.append(suggestion)
    return wanted


async def _describe(context: Ctx, suggestion: Suggestion) -> tuple[str, str]:
    """The suggestion's line in the message, and its button's label."""
    if suggestion.kind == "phone":
        return (_("📞 Phone: {phone}").format(
            phone=display_phone(suggestion.phone, context.me.region)), _("📞 Save the phone"))
    if suggestion.kind == "deal":
        return (_("💼 A deal: {product}, {amount}").format(
            product=esc(await _product(context, suggestion)),
            amount=format_amount(suggestion.amount.value, suggestion.amount.currency,
                                 current_language())), _("💼 Create the deal"))
    if suggestion.kind == "follow_up":
        what = str(suggestion.value.get("what") or "")
        when = format_datetime(suggestion.when)
        line = (_("⏰ A follow-up on {when}: {what}").format(when=when, what=esc(what)) if what
                else _("⏰ A follow-up on {when}").format(when=when))
        return line, _("⏰ Set the follow-up")
    return _("🎂 Birthday: {date}").format(date=_birthday(suggestion)), _("🎂 Save the birthday")


async def _product(context: Ctx, suggestion: Suggestion) -> str:
    product_id = suggestion.product_id
    product = await context.storage.catalog.get(product_id) if product_id else None
    if product is not None:
        return pick(product.names, current_language())
    kind = str(suggestion.value.get("product_kind") or "")
    return _(PRODUCT_KINDS[kind]) if kind in PRODUCT_KINDS else _("(no product)")


def _birthday(suggestion: Suggestion) -> str:
    day = suggestion.birthday
    if day.lunar:
        return _("{day}/{month} of the lunar calendar").format(day=day.day, month=day.month)
    if day.year is None:
        return format_month_day(date(2000, day.month, day.day))
    return format_date(date(day.year, day.month, day.day))


async def take_suggestion(update: Update, context: Ctx) -> None:
    """Write the suggestion on the file (once), and say what was done."""
    query = update.callback_query
    assert query is not None
    taken = await context.storage.suggestions.take(
        staff_id=context.me.id, suggestion_id=context.action(TakeSuggestion).suggestion_id,
        region=context.me.region, now=context.clock.now())
    if taken is None:
        await query.answer(_("This was already answered."), show_alert=True)
        return
    await query.answer(_("Saved.") if taken.done else None)
    await _drop_row(update, context, taken.offered.id)
    customer = await context.storage.customers.get(context.me.id, taken.offered.customer_id)
    name = f"<b>{esc(display_name(customer))}</b>" if customer else ""
    await reply(update, _done_text(taken.offered, taken.done, name),
                keyboard([[OpenCard(taken.offered.customer_id).button(_("Open the card"))]]))


def _done_text(offered: Offered, done: bool, name: str) -> str:
    kind = offered.suggestion.kind
    if not done:
        return {
            "phone": _("{name}'s file has a phone number by now; I left it as it is."),
            "birthday": _("{name}'s file has a birthday by now; I left it as it is."),
        }.get(kind, _("This was already answered.")).format(name=name)
    if kind == "phone":
        return _("✅ Phone saved on {name}'s file.").format(name=name)
    if kind == "birthday":
        return _("✅ Birthday saved on {name}'s file.").format(name=name)
    if kind == "follow_up":
        return _("⏰ I will remind you about {name} on {when}.").format(
            name=name, when=f"<b>{format_datetime(offered.suggestion.when)}</b>")
    return _("✅ Deal saved on {name}'s file: open it from 💼 Deals on the card.").format(
        name=name)


async def dismiss_suggestion(update: Update, context: Ctx) -> None:
    """Do not save it, and never suggest it again for this customer."""
    query = update.callback_query
    assert query is not None
    suggestion_id = context.action(DismissSuggestion).suggestion_id
    if not await context.storage.suggestions.dismiss(context.me.id, suggestion_id,
                                                     context.clock.now()):
        await expired(update)
        return
    await query.answer(_("All right: I will not suggest it again."))
    await _drop_row(update, context, suggestion_id)


async def _drop_row(update: Update, context: Ctx, suggestion_id: int) -> None:
    """Take the answered suggestion's buttons off the message."""
    query = update.callback_query
    message = query.message if query else None
    markup = getattr(message, "reply_markup", None)
    if query is None or not isinstance(markup, InlineKeyboardMarkup):
        return
    answered = {TakeSuggestion(suggestion_id).pack(), DismissSuggestion(suggestion_id).pack()}
    rows = [row for row in markup.inline_keyboard
            if not any(b.callback_data in answered for b in row)]
    await query.edit_message_reply_markup(InlineKeyboardMarkup(rows) if rows else None)
