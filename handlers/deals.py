"""Deals: a customer's opportunities with product, amount, expected close and stage; won
(the holding is recorded, after-sales care starts) or lost (with a one-tap reason).

From the card: 💼 Deals lists them and opens one; ➕ New deal picks a product of the catalog,
then asks the amount and the expected close, each skippable. A deal is saved as soon as its
product is picked, so nothing typed later can be lost.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from core.actions import (
    AskDealLost,
    AskDealWon,
    CancelDealStep,
    ChangeDealAmount,
    ChangeDealClose,
    LoseDeal,
    OpenCard,
    OpenDeal,
    PickDealClose,
    PickDealProduct,
    SetDealStage,
    ShowDeals,
    SkipDealStep,
    StartDeal,
    WinDeal,
)
from core.buttons import keyboard
from core.context import Ctx
from core.i18n import _, current_language, current_timezone, format_date
from core.messages import edit_or_reply, esc, reply
from domain.catalog import pick
from domain.customers import STAGES
from domain.datefields import DateRefusal, Refusal
from domain.deals import (
    LOST_REASONS,
    OPEN_STAGES,
    find_amount,
    format_amount,
    format_full,
    format_totals,
    parse_amount,
)
from domain.holdings import kind_for_product
from handlers import complaints, holdings
from handlers.cards import display_name, own_customer
from handlers.common import closed_text, expired, read_date
from storage.customers import Customer
from storage.deals import Deal

DEAL_FLOW = "deal"  # data {"deal_id", "step": "amount" | "close"}
COMPANY_SEGMENTS = ("sme", "corporate")
LABEL = 40


def _short(text: str) -> str:
    return text if len(text) <= LABEL else text[:LABEL - 1] + "…"


async def product_name(context: Ctx, product_id: int | None) -> str:
    product = await context.storage.catalog.get(product_id) if product_id else None
    return pick(product.names, current_language()) if product else _("(no product)")


def amount_text(deal: Deal) -> str:
    if deal.amount is None or deal.currency is None:
        return _("amount not set")
    return format_amount(deal.amount, deal.currency, current_language())


def deal_line(deal: Deal, name: str) -> str:
    """One line for lists: product, amount, stage, expected close."""
    parts = [f"<b>{esc(name)}</b>", amount_text(deal), _(STAGES[deal.stage])]
    if deal.expected_close and deal.is_open:
        parts.append(_("close {date}").format(date=format_date(
            date.fromisoformat(deal.expected_close))))
    return " · ".join(parts)


async def _deal(update: Update, context: Ctx, deal_id: int) -> Deal | None:
    """The RM's own deal a button names, or None after saying the button expired."""
    deal = await context.storage.deals.get(context.me.id, deal_id)
    if deal is None:
        await expired(update)
    return deal


# -- the list and one deal ----------------------------------------------------------------------
async def show_deals(update: Update, context: Ctx) -> None:
    """List the customer's deals, with a button to open each and one to add a deal."""
    customer = await own_customer(update, context, context.action(ShowDeals).customer_id)
    if customer is None:
        return
    await context.query.answer()
    deals = await context.storage.deals.for_customer(context.me.id, customer.id)
    lines = [_("<b>Deals of {name}</b>").format(name=esc(display_name(customer)))]
    rows: list[list[InlineKeyboardButton]] = []
    for deal in deals[:15]:
        name = await product_name(context, deal.product_id)
        lines.append(("• " if deal.is_open else "◦ ") + deal_line(deal, name))
        rows.append([OpenDeal(deal.id).button(_short(f"{name} · {amount_text(deal)}"))])
    if not deals:
        lines.append(_("No deals yet."))
    rows.append([StartDeal(customer.id).button(_("➕ New deal")),
                 OpenCard(customer.id).button(_("Back to the card"))])
    await edit_or_reply(update, "\n".join(lines), keyboard(rows))


async def deal_view(context: Ctx, deal: Deal) -> tuple[str, InlineKeyboardMarkup]:
    customer = await context.storage.customers.get(context.me.id, deal.customer_id)
    name = await product_name(context, deal.product_id)
    probabilities = await context.storage.deals.probabilities(context.me.team_id)
    lines = [f"💼 <b>{esc(name)}</b>",
             _("Customer: {name}").format(name=esc(display_name(customer)) if customer else "")]
    if deal.amount is not None and deal.currency is not None:
        full = format_full(deal.amount, deal.currency, current_language())
        short = amount_text(deal)
        lines.append(_("Amount: {amount}").format(
            amount=short if short == full else f"{short} ({full})"))
    else:
        lines.append(_("Amount: {amount}").format(amount=_("not set")))
    if deal.expected_close:
        lines.append(_("Expected close: {date}").format(
            date=format_date(date.fromisoformat(deal.expected_close))))
    if deal.is_open:
        lines.append(_("Stage: {stage} ({percent}% likely)").format(
            stage=_(STAGES[deal.stage]), percent=probabilities.get(deal.stage, 0)))
    elif deal.stage == "won" and deal.closed_at:
        lines.append(_("🏆 Won on {date}").format(date=format_date(deal.closed_at)))
    elif deal.closed_at:
        reason = _(LOST_REASONS[deal.lost_reason]) if deal.lost_reason else ""
        lines.append(_("❌ Lost on {date}: {reason}").format(date=format_date(deal.closed_at),
                                                           reason=reason))
    rows: list[list[InlineKeyboardButton]] = []
    if deal.is_open:
        stages = [SetDealStage(deal.id, stage).button(
            ("• " if stage == deal.stage else "") + _(STAGES[stage])) for stage in OPEN_STAGES]
        rows += [stages[:2], stages[2:]]
        rows.append([ChangeDealAmount(deal.id).button(_("💰 Amount")),
                     ChangeDealClose(deal.id).button(_("📅 Close date"))])
        rows.append([AskDealWon(deal.id).button(_("🏆 Won")),
                     AskDealLost(deal.id).button(_("❌ Lost"))])
    rows.append([ShowDeals(deal.customer_id).button(_("◀ Deals"))])
    return "\n".join(lines), keyboard(rows)


async def open_deal(update: Update, context: Ctx) -> None:
    """Show one deal with the buttons that change it."""
    deal = await _deal(update, context, context.action(OpenDeal).deal_id)
    if deal is None:
        return
    await context.query.answer()
    await edit_or_reply(update, *await deal_view(context, deal))


# -- a new deal ---------------------------------------------------------------------------------
def _segment_of(customer: Customer) -> str | None:
    if customer.segment in COMPANY_SEGMENTS:
        return "company"
    return None if customer.segment == "household" else "individual"


async def start_deal(update: Update, context: Ctx) -> None:
    """Offer the catalog's products (for the customer's segment) for a new deal."""
    customer = await own_customer(update, context, context.action(StartDeal).customer_id)
    if customer is None:
        return
    await context.query.answer()
    language = current_language()
    rows: list[list[InlineKeyboardButton]] = []
    # One key for this offer: its buttons, pressed twice, make one deal.
    key = secrets.token_urlsafe(6)
    for group in await context.storage.catalog.groups(_segment_of(customer)):
        for product in await context.storage.catalog.products_in(group.id):
            rows.append([PickDealProduct(customer.id, product.id, key).button(
                _short(pick(product.names, language)))])
    if not rows:
        await reply(update, _("The product catalog is empty. An administrator can load one by "
                              "sending me a YAML or CSV file."))
        return
    rows.append([OpenCard(customer.id).button(_("Back to the card"))])
    await edit_or_reply(update, _("New deal for {name}: which product?").format(
        name=f"<b>{esc(display_name(customer))}</b>"), keyboard(rows[:90]))


async def pick_product(update: Update, context: Ctx) -> None:
    """Create the deal for the picked product (once), then ask its amount."""
    action = context.action(PickDealProduct)
    customer = await own_customer(update, context, action.customer_id)
    product_id, key = action.product_id, action.key
    product = await context.storage.catalog.get(product_id) if product_id else None
    if customer is None:
        return
    if product is None or not key:
        await expired(update)
        return
    await context.query.answer()
    stage = customer.stage if customer.stage in OPEN_STAGES else "find"
    deal = await context.storage.deals.create(
        owner_id=context.me.id, customer_id=customer.id, actor_id=context.me.id,
        now=context.clock.now(), product_id=product.id, stage=stage,
        request_key=f"{context.me.id}:{key}")
    if deal is None:
        await expired(update)
        return
    await ask_amount(update, context, deal)


def _step_buttons(deal_id: int, step: str) -> InlineKeyboardMarkup:
    return keyboard([[SkipDealStep(deal_id, step).button(_("Skip")),
                      CancelDealStep(deal_id).button(_("Cancel"))]])


async def ask_amount(update: Update, context: Ctx, deal: Deal) -> None:
    chat = context.chat
    await context.storage.states.set(context.me.id, chat.id, DEAL_FLOW,
                                     {"deal_id": deal.id, "step": "amount"}, context.clock.now())
    customer = await context.storage.customers.get(context.me.id, deal.customer_id)
    await reply(update, _(
        "Amount of the deal “{product}” for {name}? For example 500k, 2M, 1.5bn or "
        "USD 2,000,000."
    ).format(product=esc(await product_name(context, deal.product_id)),
             name=f"<b>{esc(display_name(customer)) if customer else ''}</b>"),
        _step_buttons(deal.id, "amount"))


async def ask_close(update: Update, context: Ctx, deal: Deal) -> None:
    chat = context.chat
    await context.storage.states.set(context.me.id, chat.id, DEAL_FLOW,
                                     {"deal_id": deal.id, "step": "close"}, context.clock.now())
    customer = await context.storage.customers.get(context.me.id, deal.customer_id)
    today = context.clock.now().date()
    choices = [(_("End of this month"), _month_end(today, 0)),
               (_("End of next month"), _month_end(today, 1)),
               (_("In 3 months"), today + timedelta(days=91))]
    rows = [[PickDealClose(deal.id, day.isoformat()).button(label)] for label, day in choices]
    rows.append([SkipDealStep(deal.id, "close").button(_("Skip")),
                 CancelDealStep(deal.id).button(_("Cancel"))])
    await reply(update, _(
        "When do you expect to close “{product}” with {name}? Pick one or type a date such as "
        "31/12/2026."
    ).format(product=esc(await product_name(context, deal.product_id)),
             name=f"<b>{esc(display_name(customer)) if customer else ''}</b>"), keyboard(rows))


def _month_end(today: date, months_ahead: int) -> date:
    year, month = today.year, today.month + months_ahead + 1
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, 1) - timedelta(days=1)


async def type_deal_value(update: Update, context: Ctx, data: dict[str, Any]) -> None:
    """Take the typed amount or expected close of the deal being entered."""
    message = context.message
    text = (message.text or "").strip()
    deal = await context.storage.deals.get(context.me.id, int(data.get("deal_id", 0)))
    if deal is None or not deal.is_open:
        await context.storage.states.clear(context.me.id, message.chat_id)
        await reply(update, _("This deal is no longer open."))
        return
    if data.get("step") == "amount":
        await _take_amount(update, context, deal, text)
    else:
        await _take_close(update, context, deal, text)


async def _take_amount(update: Update, context: Ctx, deal: Deal, text: str) -> None:
    language = current_language()
    amount = parse_amount(text, language, context.me.region)
    if amount is None:
        found = find_amount(text, language, context.me.region)
        amount = found.amount if found is not None and not found.rest else None
    if amount is None:
        await reply(update, _(
            "I could not read “{text}” as an amount. Type it like 500k, 2M, 1.5bn or "
            "USD 2,000,000, or press Skip."
        ).format(text=esc(text[:50])), _step_buttons(deal.id, "amount"))
        return
    updated = await context.storage.deals.update(
        context.me.id, deal.id, context.me.id, context.clock.now(),
        amount_minor=amount.minor, currency=amount.currency)
    if updated is None:
        await reply(update, _("This deal is no longer open."))
        return
    # The full figure, so a misread amount is seen at once (and fixed with 💰 Amount).
    await reply(update, _("Amount saved: {amount}.").format(
        amount=format_full(amount.value, amount.currency, language)))
    if updated.expected_close is None:
        await ask_close(update, context, updated)
    else:
        await _done(update, context, updated)


async def _take_close(update: Update, context: Ctx, deal: Deal, text: str) -> None:
    today = context.clock.now().astimezone(current_timezone()).date()
    day = read_date(text, current_language(), today, context.me.region)
    if isinstance(day, DateRefusal):
        plain = day.reason in (Refusal.IN_PAST, Refusal.NOT_A_DATE)
        await reply(update, _(
            "I need a date that has not passed, such as 31/12/2026. Type it again or press "
            "Skip.") if plain else esc(day.render()), _step_buttons(deal.id, "close"))
        return
    await _save_close(update, context, deal, day)


async def _save_close(update: Update, context: Ctx, deal: Deal, day: date) -> None:
    updated = await context.storage.deals.update(context.me.id, deal.id, context.me.id,
                                                 context.clock.now(),
                                                 expected_close=day.isoformat())
    if updated is None:
        await reply(update, _("This deal is no longer open."))
        return
    await _done(update, context, updated)


async def _done(update: Update, context: Ctx, deal: Deal) -> None:
    chat = context.chat
    await context.storage.states.clear(context.me.id, chat.id)
    await reply(update, *await deal_view(context, deal))


async def pick_close(update: Update, context: Ctx) -> None:
    """A preset expected-close date."""
    deal = await _deal(update, context, context.action(PickDealClose).deal_id)
    raw = context.action(PickDealClose).day
    if deal is None:
        return
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        await expired(update)
        return
    await context.query.answer()
    await _save_close(update, context, deal, day)


async def skip_step(update: Update, context: Ctx) -> None:
    """Skip the amount or the expected close (the button names which)."""
    deal = await _deal(update, context, context.action(SkipDealStep).deal_id)
    if deal is None:
        return
    state = await context.storage.states.get(context.me.id, context.chat.id)
    step = context.action(SkipDealStep).step
    if (state is None or state.flow != DEAL_FLOW or state.data.get("deal_id") != deal.id
            or state.data.get("step") != step):
        await expired(update)
        return
    await context.query.answer()
    if step == "amount" and deal.expected_close is None:
        await ask_close(update, context, deal)
    else:
        await _done(update, context, deal)


async def skip_typed(update: Update, context: Ctx, data: dict[str, Any]) -> None:
    """"Skip" typed at the amount or the expected close: as the Skip button."""
    deal = await context.storage.deals.get(context.me.id, int(data.get("deal_id", 0)))
    if deal is None or not deal.is_open:
        await context.storage.states.clear(context.me.id, context.chat.id)
        await reply(update, _("This deal is no longer open."))
        return
    if data.get("step") == "amount" and deal.expected_close is None:
        await ask_close(update, context, deal)
    else:
        await _done(update, context, deal)


async def cancel_step(update: Update, context: Ctx) -> None:
    """Stop entering the deal; what was saved stays."""
    deal = await _deal(update, context, context.action(CancelDealStep).deal_id)
    if deal is None:
        return
    state = await context.storage.states.get(context.me.id, context.chat.id)
    if state is not None and state.flow == DEAL_FLOW and state.data.get("deal_id") == deal.id:
        await context.storage.states.clear(context.me.id, context.chat.id)
    await context.query.answer(_("Cancelled."))
    await edit_or_reply(update, *await deal_view(context, deal))


async def change_amount(update: Update, context: Ctx) -> None:
    """Ask the deal's amount again (💰 Amount)."""
    deal = await _deal(update, context, context.action(ChangeDealAmount).deal_id)
    if deal is None:
        return
    await context.query.answer()
    await ask_amount(update, context, deal)


async def change_close(update: Update, context: Ctx) -> None:
    """Ask the deal's expected close again (📅 Close date)."""
    deal = await _deal(update, context, context.action(ChangeDealClose).deal_id)
    if deal is None:
        return
    await context.query.answer()
    await ask_close(update, context, deal)


async def set_stage(update: Update, context: Ctx) -> None:
    """Move an open deal to another open stage."""
    deal = await _deal(update, context, context.action(SetDealStage).deal_id)
    stage = context.action(SetDealStage).stage
    if deal is None:
        return
    if stage not in OPEN_STAGES:
        await expired(update)
        return
    await context.query.answer()
    if deal.is_open and stage != deal.stage:
        deal = await context.storage.deals.update(context.me.id, deal.id, context.me.id,
                                                  context.clock.now(), stage=stage) or deal
    await edit_or_reply(update, *await deal_view(context, deal))


# -- won and lost -------------------------------------------------------------------------------
async def ask_won(update: Update, context: Ctx) -> None:
    """Ask to confirm the win: it records a holding and starts the after-sales care."""
    deal = await _deal(update, context, context.action(AskDealWon).deal_id)
    if deal is None:
        return
    await context.query.answer()
    if not deal.is_open:
        await edit_or_reply(update, *await deal_view(context, deal))
        return
    customer = await context.storage.customers.get(context.me.id, deal.customer_id)
    await edit_or_reply(update, _(
        "Mark “{product}” ({amount}) for {name} as won? It is added to the products they "
        "hold and the after-sales care starts."
    ).format(product=esc(await product_name(context, deal.product_id)),
             amount=amount_text(deal),
             name=f"<b>{esc(display_name(customer)) if customer else ''}</b>"),
        keyboard([[WinDeal(deal.id).button(_("🏆 Yes, won")),
                   OpenDeal(deal.id).button(_("No"))]]))


async def win(update: Update, context: Ctx) -> None:
    """Close the deal as won, once; then ask the date the holding is chased for."""
    deal = await _deal(update, context, context.action(WinDeal).deal_id)
    if deal is None:
        return
    product = await context.storage.catalog.get(deal.product_id) if deal.product_id else None
    group = await context.storage.catalog.group(product.group_id) if product else None
    kind = kind_for_product(product.code, group.code if group else "") if product else "other"
    name = await product_name(context, deal.product_id)
    won = await context.storage.deals.win(context.me.id, deal.id, context.me.id,
                                          context.clock.now(), holding_kind=kind,
                                          product_name=name)
    if won is None:  # pressed twice, or already lost
        await context.query.answer(_("Already closed."))
        await edit_or_reply(update, *await deal_view(context, deal))
        return
    await context.query.answer(_("Won! 🎉"))
    await edit_or_reply(update, *await deal_view(context, won.deal))
    customer = await context.storage.customers.get(context.me.id, deal.customer_id)
    if customer is not None:
        await holdings.ask_holding_date(update, context, won.holding_id)
        await complaints.ask_after_sale(context, customer, won.interaction_id)


async def ask_lost(update: Update, context: Ctx) -> None:
    """Offer the one-tap reasons a deal was lost."""
    deal = await _deal(update, context, context.action(AskDealLost).deal_id)
    if deal is None:
        return
    await context.query.answer()
    if not deal.is_open:
        await edit_or_reply(update, *await deal_view(context, deal))
        return
    reasons = list(LOST_REASONS.items())
    rows = [[LoseDeal(deal.id, code).button(_(label)) for code, label in reasons[i:i + 2]]
            for i in range(0, len(reasons), 2)]
    rows.append([OpenDeal(deal.id).button(_("Cancel"))])
    await edit_or_reply(update, _("Why was “{product}” lost?").format(
        product=esc(await product_name(context, deal.product_id))), keyboard(rows))


async def lose(update: Update, context: Ctx) -> None:
    """Close the deal as lost with the tapped reason, once."""
    deal = await _deal(update, context, context.action(LoseDeal).deal_id)
    reason = context.action(LoseDeal).reason
    if deal is None:
        return
    if reason not in LOST_REASONS:
        await expired(update)
        return
    lost, closed = await context.storage.lose_deal(context.me.id, deal.id, reason,
                                                   context.clock.now())
    await context.query.answer(_("Saved.") if lost else _("Already closed."))
    text, markup = await deal_view(context, lost or deal)
    await edit_or_reply(update, f"{closed_text(closed)}\n\n{text}" if closed else text, markup)


def won_amount_text(totals: dict[str, Any]) -> str:
    """Won amounts per currency for the reviews ('2 tỷ ₫ + 50.000 US$')."""
    return format_totals(totals, current_language())
