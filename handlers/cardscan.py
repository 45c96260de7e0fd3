"""A photo of a business card or a shop sign becomes a prospect.

A photo with no caption (or with /card) is kept in the inbox at once, so it is never lost,
and read in the background by the OCR worker (core/ocr.py), so a second or two of reading
never holds up anyone else's updates. The fields (domain/cardscan.py) come back as a draft
whose every field the RM can correct with a button; Save goes through the same duplicate
check as /add and files the photo on the customer's history with what the card says that
has no field of its own (title, e-mail, address, other numbers).

The draft lives in ``chat_states`` (flow ``card``, data below): any replica can take the
next button press, and a command typed meanwhile does not clear it.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError

from core.actions import ClearCardField, DiscardCard, EditCardField, KeepCardPhoto, SaveCard
from core.buttons import keyboard
from core.context import Ctx
from core.i18n import N_, _, format_list, label_value
from core.messages import esc, reply
from core.ocr import OcrFailed, OcrUnavailable
from domain.cardscan import Line, ScannedCard, read_card
from domain.customers import MAX_NAME, has_letters
from domain.phones import display_phone, parse_phone
from handlers import capture, notes
from handlers.common import ask, expired

log = logging.getLogger(__name__)

# data {"item": inbox item id of the photo, "draft": id on the draft's buttons, the fields}
CARD_FLOW = "card"
# the same data and "field": the next text is the new value of that field
CARD_EDIT_FLOW = "cardedit"

FIELDS: dict[str, str] = {
    "name": N_("Name"),
    "title": N_("Title"),
    "company": N_("Company / shop"),
    "phone": N_("Phone"),
    "email": N_("E-mail"),
    "address": N_("Address"),
}
MAX_FIELD = 300


def is_card_photo(message: Message) -> bool:
    """A photo (or an image sent as a file) with no caption, or with /card."""
    caption = (message.caption or "").strip()
    image = bool(message.photo) or bool(
        message.document and (message.document.mime_type or "").startswith("image/"))
    return image and (not caption or caption.split()[0].split("@")[0] == "/card")


def _photo_of(message: Message) -> tuple[str, str] | None:
    if message.photo:
        return message.photo[-1].file_id, "photo"
    if message.document and (message.document.mime_type or "").startswith("image/"):
        return message.document.file_id, "document"
    return None


async def card_command(update: Update, context: Ctx) -> None:
    """/card: read the photo it replies to, or say how to send one."""
    message = context.message
    target = message.reply_to_message
    if target is not None and _photo_of(target) is not None:
        await scan_card(update, context, target)
        return
    await reply(update, _(
        "Send me a photo of a business card or a shop sign, with no caption, and I will read "
        "the name, title, company, phones, e-mail and address into a new prospect for you to "
        "check."))


async def scan_card(update: Update, context: Ctx, photo: Message | None = None) -> None:
    """Keep the photo in the inbox, then read it in the background into a draft."""
    message = photo or update.effective_message
    assert message is not None
    found = _photo_of(message)
    assert found is not None
    file_id, file_type = found
    item = await context.storage.inbox.add(
        staff_id=context.me.id, kind="file", text="", now=context.clock.now(),
        file_id=file_id, file_type=file_type,
        file_name=message.document.file_name if message.document else None)
    progress = await reply(update, _("📇 Reading the card…"))
    context.application.create_task(_read(update, context, item.id, file_id, progress),
                                     update=update, name=f"cardscan {item.id}")


async def _read(update: Update, context: Ctx, item_id: int, file_id: str,
                progress: Message | None) -> None:
    """Download and read the photo; show the draft, or say why not and offer the inbox."""
    try:
        image = bytes(await (await context.bot.get_file(file_id)).download_as_bytearray())
        lines = [Line.from_json(line) for line in await context.ocr.read(image)]
    except OcrUnavailable as error:
        log.warning("reading cards is off: %s", error)
        await _fall_back(update, context, item_id, progress, _(
            "Reading cards is off on this installation. I kept the photo in your /inbox."))
        return
    except (OcrFailed, OSError, TelegramError) as error:  # TelegramError: over 20 MB, say
        log.warning("could not read a card photo: %r", error)
        await _fall_back(update, context, item_id, progress, _(
            "I could not read this photo. I kept it in your /inbox."))
        return
    card = read_card(lines, context.me.region)
    if card.empty:
        await _fall_back(update, context, item_id, progress, _(
            "I found no name, company, phone or e-mail in this photo. I kept it in your "
            "/inbox."))
        return
    chat = context.chat
    data = _draft(card, item_id, context.me.region)
    await context.storage.states.set(context.me.id, chat.id, CARD_FLOW, data,
                                     context.clock.now())
    await _show(update, context, data, progress)


async def _fall_back(update: Update, context: Ctx, item_id: int, progress: Message | None,
                     text: str) -> None:
    if progress is not None:
        await progress.edit_text(text)
    item = await context.storage.inbox.get_open(context.me.id, item_id)
    if item is not None:
        await notes.offer_customers(update, context, item,
                                    await context.storage.customers.recent(context.me.id))


def _draft(card: ScannedCard, item_id: int, region: str) -> dict[str, Any]:
    phones = [phone.e164 for phone in card.phones]
    return {
        "item": item_id, "draft": item_id,
        "name": card.name[:MAX_NAME], "title": card.title[:MAX_FIELD],
        "company": card.company[:MAX_FIELD], "phone": phones[0] if phones else "",
        "phones": phones[1:], "email": card.email[:MAX_FIELD],
        "address": card.address[:MAX_FIELD], "website": card.website[:MAX_FIELD],
        "language": card.language or "",
    }


def _value(data: dict[str, Any], field: str, region: str) -> str:
    if field == "phone" and data.get("phone"):
        return display_phone(str(data["phone"]), region)
    return str(data.get(field) or "")


def _draft_text(data: dict[str, Any], region: str) -> str:
    rows = [_("📇 From the card. Check each field, then save:"), ""]
    for field, label in FIELDS.items():
        value = _value(data, field, region)
        rows.append(label_value(f"<b>{esc(_(label))}</b>", esc(value) if value else "—"))
    others = [display_phone(str(p), region) for p in data.get("phones") or []]
    if others:
        rows.append(label_value(f"<b>{esc(_('Other phones'))}</b>", esc(format_list(others))))
    if data.get("website"):
        rows.append(label_value(f"<b>{esc(_('Website'))}</b>", esc(data["website"])))
    if not data.get("name") and data.get("company"):
        rows += ["", _("No person's name: the prospect will be filed under the shop's name "
                       "unless you add one.")]
    return "\n".join(rows)


def _markup(data: dict[str, Any]) -> InlineKeyboardMarkup:
    draft = data["draft"]
    edits = [EditCardField(draft, field).button(_("✏️ {field}").format(field=_(label)))
             for field, label in FIELDS.items()]
    return keyboard([edits[0:2], edits[2:4], edits[4:6],
                     [SaveCard(draft).button(_("✅ Save")),
                      DiscardCard(draft).button(_("🗑 Discard"))],
                     [KeepCardPhoto(draft).button(_("Not a card: keep the photo"))]])


async def _show(update: Update, context: Ctx, data: dict[str, Any],
                progress: Message | None = None) -> None:
    text, markup = _draft_text(data, context.me.region), _markup(data)
    if progress is not None:
        await progress.edit_text(text, reply_markup=markup)
    else:
        await reply(update, text, markup)


async def _current(update: Update, context: Ctx, draft: int) -> dict[str, Any] | None:
    """The draft a button belongs to, if it is still the open one; else say it expired."""
    state = await context.storage.states.get(context.me.id, context.chat.id)
    if state is None or state.flow not in (CARD_FLOW, CARD_EDIT_FLOW) \
            or state.data.get("draft") != draft:
        await expired(update)
        return None
    return state.data


async def ask_field(update: Update, context: Ctx) -> None:
    """Ask for the new value of one field of the draft."""
    action = context.action(EditCardField)
    data = await _current(update, context, action.draft)
    field = action.field
    if data is None:
        return
    if field not in FIELDS:
        await expired(update)
        return
    await context.query.answer()
    current = _value(data, field, context.me.region)
    markup = keyboard([[ClearCardField(data["draft"], field).button(_("Leave it empty"))]]) \
        if current else None
    await ask(update, context, CARD_EDIT_FLOW, {**data, "field": field},
              _("Type the {field}. (/cancel to stop; the card waits in your /inbox)")
              .format(field=_(FIELDS[field]).lower()), markup)


async def type_field(update: Update, context: Ctx, data: dict[str, Any]) -> None:
    """Take the typed value of the field being corrected, then show the draft again."""
    message = context.message
    text = " ".join((message.text or "").split())
    field = str(data.get("field", ""))
    if field == "phone":
        phone = parse_phone(text, context.me.region)
        if phone is None:
            await reply(update, _(
                "“{text}” is not a phone number I can use. Type it like 0901 234 567 or "
                "+84 901 234 567.").format(text=esc(text[:50])))
            return
        text = phone.e164
    elif field == "email" and ("@" not in text or " " in text or "." not in text.split("@")[-1]):
        await reply(update, _("“{text}” is not an e-mail address. Type it like "
                              "an@example.com.").format(text=esc(text[:50])))
        return
    elif field == "name" and not has_letters(text):
        await reply(update, _("“{name}” has no letters: a name needs them. Type the "
                              "customer's name, or /cancel.").format(name=esc(text[:40])))
        return
    limit = MAX_NAME if field == "name" else MAX_FIELD
    if len(text) > limit:
        await reply(update, _("That is {length} characters long; this field can have at most "
                              "{limit}. Type it shorter.").format(length=len(text), limit=limit))
        return
    await _set_field(update, context, data, field, text)


async def clear_field(update: Update, context: Ctx) -> None:
    """Empty one field of the draft."""
    action = context.action(ClearCardField)
    data = await _current(update, context, action.draft)
    field = action.field
    if data is None:
        return
    if field not in FIELDS:
        await expired(update)
        return
    await context.query.answer()
    await _set_field(update, context, data, field, "")


async def _set_field(update: Update, context: Ctx, data: dict[str, Any], field: str,
                     value: str) -> None:
    chat = context.chat
    fresh = {key: value_ for key, value_ in data.items() if key != "field"}
    fresh[field] = value
    await context.storage.states.set(context.me.id, chat.id, CARD_FLOW, fresh,
                                     context.clock.now())
    await _show(update, context, fresh)


def card_note(data: dict[str, Any], region: str) -> str:
    """What the card says that has no field of its own, kept with the photo on the file."""
    rows = [_("📇 Business card")]
    for field in ("title", "email", "address", "website"):
        if data.get(field):
            label = {"website": N_("Website")}.get(field, FIELDS.get(field, field))
            rows.append(label_value(_(label), str(data[field])))
    others = [display_phone(str(p), region) for p in data.get("phones") or []]
    if others:
        rows.append(label_value(_("Other phones"), format_list(others)))
    return "\n".join(rows)


async def save_card(update: Update, context: Ctx) -> None:
    """Save the draft as a prospect (the same duplicate check as /add), photo on its file."""
    data = await _current(update, context, context.action(SaveCard).draft)
    if data is None:
        return
    name = str(data.get("name") or data.get("company") or "")[:MAX_NAME]
    if not name and not data.get("phone"):
        await context.query.answer(_("Add a name or a phone number first."), show_alert=True)
        return
    await context.query.answer()
    chat = context.chat
    await context.storage.states.clear(context.me.id, chat.id)
    region = context.me.region
    draft = {"name": name, "phone": data.get("phone") or None, "note": "",
             "company": data.get("company") or None, "language": data.get("language") or None,
             "item_id": data["item"], "item_text": card_note(data, region)}
    await capture.create_or_flag(update, context, draft)


async def discard_card(update: Update, context: Ctx) -> None:
    """Drop the draft and the photo."""
    data = await _current(update, context, context.action(DiscardCard).draft)
    if data is None:
        return
    await context.query.answer()
    chat = context.chat
    now = context.clock.now()
    await context.storage.states.clear(context.me.id, chat.id)
    await context.storage.inbox.discard(context.me.id, int(data["item"]), now)
    await reply(update, _("Discarded. Nothing was saved."))


async def keep_photo(update: Update, context: Ctx) -> None:
    """Not a card after all: the photo stays in the inbox, to file under a customer."""
    data = await _current(update, context, context.action(KeepCardPhoto).draft)
    if data is None:
        return
    await context.query.answer()
    chat = context.chat
    await context.storage.states.clear(context.me.id, chat.id)
    item = await context.storage.inbox.get_open(context.me.id, int(data["item"]))
    if item is None:
        await reply(update, _("This photo was already filed."))
        return
    await notes.offer_customers(update, context, item,
                                await context.storage.customers.recent(context.me.id))
