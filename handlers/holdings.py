"""Holdings: the products a customer has and the dates the bank chases them for.

/maturity records a maturing product in one line; a won deal records its holding and asks
the date its kind is chased for (a deposit's maturity, a loan's repayment day, a policy's
start for its anniversaries, a recurring investment's debit day). Reminders come before each.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update

from core.actions import OpenCard, PickHoldingDate, ShowHoldings, SkipHoldingDate
from core.buttons import keyboard
from core.context import Ctx
from core.i18n import _, current_language, current_timezone, format_date
from core.messages import edit_or_reply, esc, reply
from domain.customers import MAX_FIELD
from domain.datefields import DateKind, DateRefusal, Refusal, find_date_field
from domain.holdings import HOLDING_KINDS, parse_day_of_month
from handlers.cards import display_name, holding_line, own_customer
from handlers.common import expired, read_date
from handlers.lookup import split_customer
from storage.holdings import Holding

HOLDING_FLOW = "holding"  # data {"holding_id", "field"}: waiting for one of its dates
# The date each kind is chased for, asked after a win.
DATE_FIELD = {"deposit": "maturity_date", "loan": "monthly_day", "insurance": "start_date",
              "investment": "monthly_day"}


async def add_maturity(update: Update, context: Ctx) -> None:
    """Record a maturing product: /maturity <customer> <dd/mm/yyyy> <product, amount>."""
    message = context.message
    assert message.text is not None  # a command
    parts = message.text.split(maxsplit=1)
    text = parts[1].strip() if len(parts) > 1 else ""
    example = _("/maturity Nguyễn Văn An 15/12/2026 tiền gửi 12 tháng 500 triệu")
    candidates, rest = await split_customer(context, text) if text else ([], "")
    if len(candidates) != 1:
        await reply(update, _("Write the customer, the maturity date and the product, for "
                              "example: {example}").format(example=example))
        return
    today = context.clock.now().astimezone(current_timezone()).date()
    found = find_date_field(rest, DateKind.MATURITY, current_language(), today,
                            context.me.region)
    if found is None:
        await reply(update, _("I need a maturity date that has not passed, written like "
                              "15/12/2026. For example: {example}").format(example=example))
        return
    if isinstance(found[0], DateRefusal):
        await reply(update, esc(found[0].render()) + "\n" + _("For example: {example}").format(
            example=example))
        return
    maturity, product = found[0].solar(), found[1]
    assert maturity is not None  # a maturity is always a solar date with its year
    customer, now = candidates[0], context.clock.now()
    product = (product or _("Deposit"))[:MAX_FIELD]
    await context.storage.holdings.add(customer_id=customer.id, kind="deposit",
                                       product=product, maturity_date=maturity.isoformat(),
                                       now=now, actor_id=context.me.id)
    await reply(update, _("💰 Saved: {product} of {name} matures on {date}. I will remind you "
                          "7 days and 1 day before.").format(
        product=esc(product), name=f"<b>{esc(display_name(customer))}</b>",
        date=format_date(maturity)))


async def show_holdings(update: Update, context: Ctx) -> None:
    """List what the customer holds, each with a button to give it its dates."""
    customer = await own_customer(update, context, context.action(ShowHoldings).customer_id)
    if customer is None:
        return
    await context.query.answer()
    holdings = await context.storage.holdings.for_customer(context.me.id, customer.id)
    lines = [_("<b>Products held by {name}</b>").format(name=esc(display_name(customer)))]
    rows = []
    for holding in holdings[:20]:
        lines.append(f"💰 {_(HOLDING_KINDS[holding.kind])}: {holding_line(holding)}")
        for field, label in _fields(holding.kind):
            rows.append([PickHoldingDate(holding.id, field).button(
                f"{label} · {holding.product[:24]}")])
    if not holdings:
        lines.append(_("None recorded yet: a won deal adds one, or /maturity."))
    rows.append([OpenCard(customer.id).button(_("Back to the card"))])
    await edit_or_reply(update, "\n".join(lines), keyboard(rows))


def _fields(kind: str) -> list[tuple[str, str]]:
    fields = [("maturity_date", _("📅 Maturity"))]
    if kind == "loan":
        fields.append(("monthly_day", _("📅 Repayment day")))
    elif kind == "investment":
        fields.append(("monthly_day", _("📅 Debit day")))
    elif kind == "insurance":
        fields.append(("start_date", _("📅 Policy start")))
    return fields


def _question(holding: Holding, field: str, name: str) -> str:
    product, who = esc(holding.product), f"<b>{esc(name)}</b>"
    if field == "monthly_day" and holding.kind == "investment":
        return _("On which day of the month is “{product}” of {name} debited? Type a day "
                 "from 1 to 31.").format(product=product, name=who)
    if field == "monthly_day":
        return _("On which day of the month does {name} repay “{product}”? Type a day from "
                 "1 to 31.").format(product=product, name=who)
    if field == "start_date":
        return _("When did the policy “{product}” of {name} start? I will remind you before "
                 "each anniversary. For example 15/03/2024.").format(product=product, name=who)
    return _("When does “{product}” of {name} mature? For example 15/12/2027.").format(
        product=product, name=who)


def _step_buttons(holding_id: int, field: str) -> InlineKeyboardMarkup:
    return keyboard([[SkipHoldingDate(holding_id, field).button(_("Skip")),
                      SkipHoldingDate(holding_id, field).button(_("Cancel"))]])


async def ask_holding_date(update: Update, context: Ctx, holding_id: int,
                           field: str | None = None) -> None:
    """Ask the date a holding is chased for (its kind's, or the field named)."""
    holding = await context.storage.holdings.get(context.me.id, holding_id)
    chat = update.effective_chat
    if holding is None or chat is None:
        return
    field = field or DATE_FIELD.get(holding.kind)
    if field is None:
        return
    customer = await context.storage.customers.get(context.me.id, holding.customer_id)
    await context.storage.states.set(context.me.id, chat.id, HOLDING_FLOW,
                                     {"holding_id": holding.id, "field": field},
                                     context.clock.now())
    await reply(update, _question(holding, field, display_name(customer) if customer else ""),
                _step_buttons(holding.id, field))


async def pick_date_field(update: Update, context: Ctx) -> None:
    """Ask one of a holding's dates (from the list of products held)."""
    action = context.action(PickHoldingDate)
    holding_id, field = action.holding_id, action.field
    holding = await context.storage.holdings.get(context.me.id, holding_id) if holding_id \
        else None
    if holding is None or field not in ("maturity_date", "monthly_day", "start_date"):
        await expired(update)
        return
    await context.query.answer()
    await ask_holding_date(update, context, holding.id, field)


async def skip_date(update: Update, context: Ctx) -> None:
    """Skip (or cancel) the date question; nothing changes."""
    state = await context.storage.states.get(context.me.id, context.chat.id)
    if (state is not None and state.flow == HOLDING_FLOW
            and state.data.get("holding_id") == context.action(SkipHoldingDate).holding_id):
        await context.storage.states.clear(context.me.id, context.chat.id)
    await context.query.answer(_("Nothing was changed."))
    await edit_or_reply(update, _("Nothing was changed."))


async def type_holding_date(update: Update, context: Ctx, data: dict[str, Any]) -> None:
    """Take the typed date (or day of the month) of a holding."""
    message = context.message
    text = (message.text or "").strip()
    holding = await context.storage.holdings.get(context.me.id, int(data.get("holding_id", 0)))
    field = str(data.get("field"))
    if holding is None:
        await context.storage.states.clear(context.me.id, message.chat_id)
        await reply(update, _("This product is no longer on file."))
        return
    now = context.clock.now()
    value: str | int | None
    if field == "monthly_day":
        value = parse_day_of_month(text)
        problem = _("Type a day of the month from 1 to 31, or press Skip.")
    else:
        past_ok = field == "start_date"
        today = now.astimezone(current_timezone()).date()
        day = read_date(text, current_language(), today, context.me.region, past_ok=past_ok)
        value = None if isinstance(day, DateRefusal) else day.isoformat()
        problem = (_("I need a date, such as 15/03/2024. Type it again or press Skip.")
                   if past_ok else
                   _("I need a date that has not passed, such as 15/12/2027. Type it again "
                     "or press Skip."))
        if isinstance(day, DateRefusal) and day.reason not in (Refusal.IN_PAST,
                                                               Refusal.NOT_A_DATE):
            problem = esc(day.render())
    if value is None:
        await reply(update, problem, _step_buttons(holding.id, field))
        return
    updated = await context.storage.holdings.set_dates(context.me.id, holding.id, context.me.id,
                                                       now, **{field: value})
    await context.storage.states.clear(context.me.id, message.chat_id)
    if updated is not None:
        await reply(update, _("Saved: {holding}. I will remind you before each date.").format(
            holding=holding_line(updated)))
