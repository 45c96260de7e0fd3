"""/maturity: record a product that matures, so care reminders come 7 days and 1 day before."""

from __future__ import annotations

from telegram import Update

from core.context import Ctx
from core.i18n import _, current_language, current_timezone, format_date
from core.messages import esc, reply
from domain.customers import MAX_FIELD
from domain.datefields import DateKind, DateRefusal, find_date_field
from handlers.cards import display_name
from handlers.lookup import split_customer


async def add_maturity(update: Update, context: Ctx) -> None:
    """Record a maturing product: /maturity <customer> <dd/mm/yyyy> <product, amount>."""
    message = update.effective_message
    assert message is not None and message.text is not None
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
    await context.storage.care.add_holding(customer.id, product, None, None,
                                           maturity.isoformat(), now)
    await context.storage.audit.record(actor_id=context.me.id, action="customer.holding",
                                       entity="customer", entity_id=customer.id, now=now)
    await reply(update, _("💰 Saved: {product} of {name} matures on {date}. I will remind you "
                          "7 days and 1 day before.").format(
        product=esc(product), name=f"<b>{esc(display_name(customer))}</b>",
        date=format_date(maturity)))
