"""/maturity: record a product that matures, so care reminders come 7 days and 1 day before."""

from __future__ import annotations

import re
from datetime import date

from telegram import Update

from core.context import Ctx
from core.i18n import _, format_date
from core.messages import esc, reply
from domain.customers import MAX_FIELD
from handlers.cards import display_name
from handlers.lookup import split_customer

_DATE = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b|\b(\d{4})-(\d{1,2})-(\d{1,2})\b")


def _maturity_date(text: str) -> tuple[date, str] | None:
    """The first full date in the text (dd/mm/yyyy or yyyy-mm-dd) and the text without it."""
    match = _DATE.search(text)
    if match is None:
        return None
    if match.group(1):
        day, month, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
    else:
        year, month, day = int(match.group(4)), int(match.group(5)), int(match.group(6))
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    rest = (text[:match.start()] + " " + text[match.end():]).strip(" ,.-")
    return found, " ".join(rest.split())


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
    found = _maturity_date(rest)
    today = context.clock.now().date()
    if found is None or found[0] < today:
        await reply(update, _("I need a maturity date that has not passed, written like "
                              "15/12/2026. For example: {example}").format(example=example))
        return
    maturity, product = found
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
