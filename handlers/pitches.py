"""Inline mode: ``@bot vay mua nhà`` in any chat lists catalog products; picking one sends
the customer-facing pitch (FABE, indicative rates) in that chat, as the RM.

The products are listed in the RM's language, or in the customer's when the query names one
of the RM's customers (``@bot vay mua nhà Wang Wei``). Only registered staff get results, and
nothing about any customer ever appears in them: not a name, not that a name matched. A pitch
sent for a named customer is noted in that customer's history (Telegram reports the choice
when the bot's inline feedback is on: @BotFather → /setinlinefeedback).
"""

from __future__ import annotations

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update

from core.context import Ctx
from core.i18n import _, active, current_language, current_timezone
from core.languages import content_language, regional
from core.messages import esc
from domain.catalog import PITCH_FIELDS, pick
from domain.names import fold
from storage.catalog import Product
from storage.customers import Customer

MAX_RESULTS = 20
MAX_NAME_WORDS = 4
DESCRIPTION = 120
RESULT_PREFIX = "pitch"


def customer_pitch(product: Product, language: str, rm_name: str) -> str:
    """The pitch as the customer reads it: name, the four FABE paragraphs, indicative rates,
    and who to contact."""
    texts = product.pitch.get(content_language(language)) or product.pitch.get("en") or next(
        iter(product.pitch.values()), {})
    lines = [f"<b>{esc(pick(product.names, language))}</b>", ""]
    lines += [esc(texts[name]) for name in PITCH_FIELDS if texts.get(name)]
    if product.rates:
        lines += ["", f"<i>{esc(pick(product.rates, language))}</i>"]
    lines += ["", _("Contact me for advice: {name}").format(name=esc(rm_name))]
    return "\n".join(lines)


async def _named_customer(context: Ctx, words: list[str]) -> tuple[Customer | None, list[str]]:
    """A customer of the RM named exactly by the last (or first) words, and the other words."""
    for count in range(min(MAX_NAME_WORDS, len(words) - 1), 0, -1):
        for name_words, rest in ((words[-count:], words[:-count]), (words[:count],
                                                                     words[count:])):
            name = " ".join(name_words)
            same = await context.storage.customers.duplicates(context.me.id, name, None)
            exact = [c for c in same if fold(c.name) == fold(name)]
            if len(exact) == 1:
                return exact[0], rest
    return None, words


async def answer_inline(update: Update, context: Ctx) -> None:
    """List the catalog products matching the query as pitches to send (inline mode)."""
    query = update.inline_query
    assert query is not None
    if context.staff is None:
        # Strangers learn nothing, not even that the bot knows any product.
        await query.answer([], cache_time=0, is_personal=True)
        return
    words = query.query.split()
    customer, product_words = await _named_customer(context, words) if len(words) > 1 else (
        None, words)
    # The customer's language, in the RM's market's wording (zh_Hant → Taiwan's or Hong Kong's).
    language = ((customer and regional(customer.language, context.me.region))
                or current_language())
    catalog = context.storage.catalog
    text = " ".join(product_words)
    products = await catalog.search(text) if text else await catalog.active_products()
    if not products and customer is not None:
        customer, products = None, await catalog.search(" ".join(words))
    results = []
    with active(language, current_timezone().key):
        for product in products[:MAX_RESULTS]:
            feature = pick({k: v.get("feature", "") for k, v in product.pitch.items()}, language)
            results.append(InlineQueryResultArticle(
                # The product only: Telegram's apps receive the ids, so no customer's id.
                id=f"{RESULT_PREFIX}:{product.id}",
                title=pick(product.names, language),
                description=feature[:DESCRIPTION],
                input_message_content=InputTextMessageContent(
                    customer_pitch(product, language, context.me.name))))
    # Personal and not cached: the results depend on who asks (staff only) and their customers.
    await query.answer(results, cache_time=0, is_personal=True)


async def record_pitch(update: Update, context: Ctx) -> None:
    """Note in the customer's history that the RM sent them a pitch (inline feedback)."""
    chosen = update.chosen_inline_result
    assert chosen is not None
    if context.staff is None:
        return
    parts = chosen.result_id.split(":")
    if len(parts) != 2 or parts[0] != RESULT_PREFIX or not parts[1].isdigit():
        return
    product = await context.storage.catalog.get(int(parts[1]))
    words = chosen.query.split()
    # The customer is the one the query named (the query comes back with the choice).
    customer, _rest = await _named_customer(context, words) if len(words) > 1 else (None, [])
    if product is None or customer is None:
        return
    now = context.clock.now()
    text = _("Sent the pitch: {product}").format(
        product=pick(product.names, current_language()))
    await context.storage.record_pitch(customer_id=customer.id, staff_id=context.me.id,
                                       product_id=product.id, text=text, now=now)
