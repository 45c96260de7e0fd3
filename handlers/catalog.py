"""The product catalog: /products and /pitch in private chat, the admin's file upload, and the
catalog in merchant group chats (product pitches only, nothing about any customer, ever).

Wiring (group 0, in this order relative to the generic handlers):

* ``CommandHandler("products", show_products, filters=PRIVATE)`` and ``"pitch"`` → show_pitch;
* buttons ``ShowProductGroup`` → show_group (no group: all groups), ``ShowProduct`` →
  show_product, ``ShowGroupPitch`` → show_group_pitch (public: anyone in a group may press);
* ``MessageHandler(PRIVATE & CATALOG_FILES, load_catalog)`` BEFORE the generic file capture.
  ``load_catalog`` checks :func:`is_catalog_upload` itself and hands anything else (a
  non-admin's .csv, say) to ``notes.capture_message``, so such a file is kept in the inbox
  exactly as if this handler were not there.
"""

from __future__ import annotations

import asyncio
import functools
from datetime import datetime
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import filters

from core.actions import ShowGroupPitch, ShowProduct, ShowProductGroup
from core.buttons import keyboard
from core.context import Ctx
from core.i18n import (
    N_,
    _,
    active,
    current_language,
    current_timezone,
    format_list,
    label_value,
    ngettext,
)
from core.languages import LANGUAGES, content_language
from core.messages import edit_or_reply, esc, reply
from domain.catalog import (
    EXTENSIONS,
    MAX_FILE_BYTES,
    Catalog,
    CatalogError,
    parse_catalog,
    pick,
)
from handlers import notes
from handlers.common import expired
from storage import Storage
from storage.catalog import Product, ProductGroup

# A sample catalog per market, in its currency and wording; any other market gets Vietnam's.
SAMPLES = Path(__file__).resolve().parent.parent / "catalog"
SAMPLE_MARKETS = ("VN", "CN", "TW", "HK")
CATALOG_FILES = (filters.Document.FileExtension("yaml") | filters.Document.FileExtension("yml")
                 | filters.Document.FileExtension("csv"))
MAX_ERRORS_SHOWN = 20
MAX_MATCHES = 10
MAX_GROUP_BUTTONS = 100  # Telegram's limit for one inline keyboard
LABEL = 60
SEGMENT_ICONS = {"individual": "👤", "company": "🏢"}
FABE = {"feature": N_("Feature"), "advantage": N_("Advantage"), "benefit": N_("Benefit"),
        "evidence": N_("Evidence")}


def _label(text: str) -> str:
    return text if len(text) <= LABEL else text[:LABEL - 1] + "…"


def render_pitch(product: Product, group: ProductGroup | None, language: str) -> str:
    """The product's FABE pitch in this language (the labels in the current language)."""
    pitch = product.pitch.get(content_language(language)) or product.pitch.get("en") or next(
        iter(product.pitch.values()), {})
    lines = [f"<b>{esc(pick(product.names, language))}</b>"]
    if group is not None:
        lines.append(f"<i>{esc(pick(group.names, language))}</i>")
    lines.append("")
    lines += [label_value(f"<b>{_(label)}</b>", esc(pitch.get(name, "")))
              for name, label in FABE.items() if pitch.get(name)]
    if product.rates:
        lines += ["", label_value(f"<b>{_('Rates')}</b>", esc(pick(product.rates, language)))]
    return "\n".join(lines)


async def _pitch_text(storage: Storage, product: Product, language: str) -> str:
    return render_pitch(product, await storage.catalog.group(product.group_id), language)


# -- private chat -------------------------------------------------------------------------------


async def _groups_view(context: Ctx) -> tuple[str, InlineKeyboardMarkup | None]:
    groups = await context.storage.catalog.groups()
    if not groups:
        return _("The product catalog is empty. An administrator can load one by sending me a "
                 "YAML or CSV file."), None
    language = current_language()
    rows = [[ShowProductGroup(g.id).button(
        _label(f"{SEGMENT_ICONS[g.segment]} {pick(g.names, language)}"))] for g in groups]
    return _("<b>Products</b>\nPick a group: 👤 individuals, 🏢 companies."), keyboard(rows)


async def show_products(update: Update, context: Ctx) -> None:
    """Show the product groups as buttons (/products)."""
    text, markup = await _groups_view(context)
    await reply(update, text, markup)


async def show_group(update: Update, context: Ctx) -> None:
    """Show a group's products as buttons, or every group when the button has no group."""
    group_id = context.action(ShowProductGroup).group_id
    if group_id is None:
        await context.query.answer()
        await edit_or_reply(update, *await _groups_view(context))
        return
    group = await context.storage.catalog.group(group_id)
    products = await context.storage.catalog.products_in(group.id) if group else []
    if group is None or not products:
        await expired(update)
        return
    await context.query.answer()
    language = current_language()
    rows = [[ShowProduct(p.id).button(_label(pick(p.names, language)))] for p in products]
    rows.append([ShowProductGroup().button(_("◀ All groups"))])
    await edit_or_reply(update, f"{SEGMENT_ICONS[group.segment]} <b>"
                        f"{esc(pick(group.names, language))}</b>", keyboard(rows))


async def show_product(update: Update, context: Ctx) -> None:
    """Show a product's FABE pitch, with a button back to its group."""
    product = await context.storage.catalog.get(context.action(ShowProduct).product_id)
    if product is None or not product.active:
        await expired(update)
        return
    await context.query.answer()
    text = await _pitch_text(context.storage, product, current_language())
    await edit_or_reply(update, text,
                        keyboard([[ShowProductGroup(product.group_id).button(_("◀ Back"))]]))


async def show_pitch(update: Update, context: Ctx) -> None:
    """Show a product's pitch found by code or name (/pitch <product>)."""
    query = " ".join(context.args or []).strip()[:100]
    catalog = context.storage.catalog
    examples = (await catalog.active_products())[:2]
    if not examples:
        await reply(update, *await _groups_view(context))
        return
    language = current_language()
    # Products are shown by their names (searched in every language), never by the file's codes.
    names = [esc(pick(product.names, language)) for product in examples]
    hint = _("For example: /pitch {name} or /pitch {other}").format(
        name=names[0], other=names[-1])
    if not query:
        await reply(update, _("Which product? {hint}").format(hint=hint))
        return
    found = await catalog.search(query)
    if not found:
        await reply(update, _("No product matches “{query}”. {hint}").format(
            query=esc(query), hint=hint))
    elif len(found) == 1:
        await reply(update, await _pitch_text(context.storage, found[0], language))
    else:
        rows = [[ShowProduct(p.id).button(_label(pick(p.names, language)))]
                for p in found[:MAX_MATCHES]]
        await reply(update, _("Several products match “{query}”. Which one?").format(
            query=esc(query)), keyboard(rows))


# -- the administrator's upload -----------------------------------------------------------------


def is_catalog_upload(update: Update, context: Ctx) -> bool:
    """True for a .yaml/.yml/.csv document an administrator sent in private chat."""
    message = update.effective_message
    chat = update.effective_chat
    document = message.document if message is not None else None
    if document is None or chat is None or chat.type != ChatType.PRIVATE:
        return False
    name = (document.file_name or "").lower()
    return name.endswith(EXTENSIONS) and context.staff is not None and context.staff.is_admin


async def load_catalog(update: Update, context: Ctx) -> None:
    """Validate an administrator's catalog file and replace the catalog with it, or nothing."""
    if not is_catalog_upload(update, context):
        await notes.capture_message(update, context)
        return
    message = update.effective_message
    assert message is not None and message.document is not None
    document = message.document
    if (document.file_size or 0) > MAX_FILE_BYTES:
        await reply(update, _("The catalog was not loaded: the file is larger than {limit} MB. "
                              "Nothing was changed.").format(limit=1))
        return
    data = bytes(await (await context.bot.get_file(document.file_id)).download_as_bytearray())
    # Parsing a large file takes a moment: keep the event loop free for other users meanwhile.
    parsed = await asyncio.to_thread(parse_catalog, data, document.file_name or "")
    if not isinstance(parsed, Catalog):
        lines = [_("The catalog was not loaded; nothing was changed. Problems found: "
                   "{count}").format(count=len(parsed))]
        lines += [_("Line {line}: {reason}").format(line=error.line, reason=esc(error.text()))
                  for error in parsed[:MAX_ERRORS_SHOWN]]
        if len(parsed) > MAX_ERRORS_SHOWN:
            lines.append(_("… and {count} more.").format(count=len(parsed) - MAX_ERRORS_SHOWN))
        await reply(update, "\n".join(lines))
        return
    now = context.clock.now()
    result = await context.storage.replace_catalog(context.me.id, parsed.groups,
                                                   parsed.products, now)
    await reply(update, _("✅ Catalog loaded: {groups}, {products}. Products no longer in the "
                          "file, now hidden: {deactivated}.").format(
        groups=ngettext("{count} group", "{count} groups", result.groups).format(
            count=result.groups),
        products=ngettext("{count} product", "{count} products", result.products).format(
            count=result.products),
        deactivated=result.deactivated))


def sample_catalog(region: str) -> Path:
    """The sample catalog of the installation's market (RAPPORT_DEFAULT_REGION)."""
    market = region.upper() if region.upper() in SAMPLE_MARKETS else "VN"
    return SAMPLES / f"sample-{market}.yaml"


@functools.lru_cache(maxsize=4)
def _parse_sample(content: bytes, name: str) -> Catalog | list[CatalogError]:
    # Parsed once per process: every fresh database (each test's, too) loads the same file.
    return parse_catalog(content, name)


async def load_sample_if_empty(storage: Storage, now: datetime, region: str) -> bool:
    """Load the market's sample catalog on a fresh install (no active product); True if it
    did."""
    if await storage.catalog.count() > 0:
        return False
    sample = sample_catalog(region)
    parsed = _parse_sample(sample.read_bytes(), sample.name)
    if not isinstance(parsed, Catalog):
        raise ValueError(f"{sample} is invalid: line {parsed[0].line}: {parsed[0].text()}")
    await storage.catalog.replace_all(parsed.groups, parsed.products, now)
    return True


# -- group chats --------------------------------------------------------------------------------


async def list_for_group(update: Update, context: Ctx,
                         language: str) -> tuple[str, InlineKeyboardMarkup | None]:
    """The catalog in the group's language, with public buttons that show a pitch."""
    language = language if language in LANGUAGES else "en"
    catalog = context.storage.catalog
    with active(language, str(current_timezone())):
        groups = await catalog.groups()
        if not groups:
            return _("Our product list is being prepared. Please ask again later."), None
        lines = [_("<b>Our products</b>. Tap one to read about it.")]
        buttons: list[InlineKeyboardButton] = []
        for group in groups:
            products = await catalog.products_in(group.id)
            names = [pick(product.names, language) for product in products]
            lines.append(label_value(
                f"{SEGMENT_ICONS[group.segment]} <b>{esc(pick(group.names, language))}</b>",
                esc(format_list(names, style="plain"))))
            buttons += [ShowGroupPitch(product.id, language).button(_label(name))
                        for product, name in zip(products, names, strict=True)]
    buttons = buttons[:MAX_GROUP_BUTTONS]
    rows = [buttons[index:index + 2] for index in range(0, len(buttons), 2)]
    return "\n".join(lines), keyboard(rows)


async def show_group_pitch(update: Update, context: Ctx) -> None:
    """A public product button in a group: the /products message itself turns into that
    pitch (in the group's language), with the products still under it and a way back, so taps
    never flood the group with pitch after pitch. Product 0 is the list again."""
    action = context.action(ShowGroupPitch)
    language = action.language
    product = (await context.storage.catalog.get(action.product_id)
               if action.product_id else None)
    if language not in LANGUAGES or (action.product_id and (product is None
                                                             or not product.active)):
        with active(language if language in LANGUAGES else current_language(), "UTC"):
            await context.query.answer(_("This product is no longer offered."),
                                       show_alert=True)
        return
    await context.query.answer()
    listing, markup = await list_for_group(update, context, language)
    rows = [list(row) for row in markup.inline_keyboard] if markup else []
    with active(language, str(current_timezone())):
        if product is not None:
            text = await _pitch_text(context.storage, product, language)
            rows.append([ShowGroupPitch(0, language).button(_("◀ All products"))])
        else:
            text = listing
    await edit_or_reply(update, text, keyboard(rows) if rows else None)
