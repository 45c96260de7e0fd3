"""The customer card and its history: how a customer file is shown and opened."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update

from core.buttons import button, keyboard
from core.context import Ctx
from core.i18n import _, format_date, format_datetime, label_value
from core.messages import edit_or_reply, esc, reply
from domain.customers import INTERACTION_KINDS, KIND_ICONS, SEGMENTS, STAGES
from domain.phones import display_phone
from handlers.common import expired
from storage.customers import Customer

HISTORY_PAGE = 5
HISTORY_ENTRY_LIMIT = 700


def display_name(customer: Customer) -> str:
    return customer.name or _("(no name)")


def card_text(customer: Customer, next_follow_up: str | None, region: str) -> str:
    grade = f" · {customer.grade}" if customer.grade else ""
    lines = [
        f"<b>{esc(display_name(customer))}</b>",
        f"{_(SEGMENTS[customer.segment])}{grade} · {_(STAGES[customer.stage])}",
    ]
    if customer.archived_at is not None:
        lines.append(_("🗄 Archived on {date}").format(date=format_date(customer.archived_at)))
    if customer.phone:
        lines.append(f"📞 {esc(display_phone(customer.phone, region))}")
    if customer.company:
        lines.append(f"🏢 {esc(customer.company)}")
    if customer.client_ref:
        lines.append(_("Client reference: {ref}").format(ref=esc(customer.client_ref)))
    last = (format_datetime(customer.last_contact_at) if customer.last_contact_at
            else _("never"))
    lines.append(_("Last contact: {when}").format(when=last))
    lines.append(_("Next follow-up: {when}").format(when=next_follow_up or _("none set")))
    if customer.products_held:
        lines.append(_("Products: {products}").format(products=esc(customer.products_held)))
    if customer.stage == "lost" and customer.lost_reason:
        lines.append(_("Lost because: {reason}").format(reason=esc(customer.lost_reason)))
    return "\n".join(lines)


def card_buttons(customer: Customer) -> InlineKeyboardMarkup:
    cid = customer.id
    if customer.archived_at is not None:
        return keyboard([
            [button(_("Restore"), "cr", cid), button(_("History"), "ch", cid, 0)],
            [button(_("Delete for good"), "cd", cid)],
        ])
    return keyboard([
        [button(_("📝 Note"), "cn", cid), button(_("📞 Call"), "cl", cid, "call"),
         button(_("🚶 Visit"), "cl", cid, "visit"), button(_("🤝 Meeting"), "cl", cid, "meeting")],
        [button(_("⏰ Follow-up"), "cf", cid), button(_("➡️ Stage"), "cs", cid),
         button(_("⚠️ Complaint"), "cl", cid, "complaint")],
        [button(_("✏️ Edit"), "ce", cid), button(_("🕘 History"), "ch", cid, 0),
         button(_("🗄 Archive"), "ca", cid)],
    ])


async def show_card(update: Update, context: Ctx, customer: Customer, *,
                    edit: bool = False, prefix: str = "") -> None:
    """Send (or edit into) the card and remember it, so a reply to it becomes a note."""
    reminder = await context.storage.reminders.next_for_customer(customer.id)
    follow_up = format_datetime(reminder.due_at) if reminder else None
    text = card_text(customer, follow_up, context.me.region)
    if prefix:
        text = f"{prefix}\n\n{text}"
    markup = card_buttons(customer)
    if edit:
        await edit_or_reply(update, text, markup)
        query_message = update.callback_query.message if update.callback_query else None
        message = query_message if isinstance(query_message, Message) else None
    else:
        message = await reply(update, text, markup)
    if message is not None:
        await context.storage.customers.remember_card(
            message.chat_id, message.message_id, customer.id, context.clock.now())


async def customer_from_button(update: Update, context: Ctx, index: int = 1) -> Customer | None:
    """The RM's own customer named by the button, or None after saying the button expired."""
    raw = context.button[index] if context.button and len(context.button) > index else ""
    customer = (await context.storage.customers.get(context.me.id, int(raw))
                if raw.isdigit() else None)
    if customer is None and update.callback_query is not None:
        await expired(update)
    return customer


async def open_card(update: Update, context: Ctx) -> None:
    """Show a customer's card from a button (search results, lists, notifications)."""
    customer = await customer_from_button(update, context)
    if customer is None:
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    await show_card(update, context, customer)


def _history_line(kind: str, when: str, text: str, file_name: str | None) -> str:
    label = f"{KIND_ICONS.get(kind, '•')} <b>{_(INTERACTION_KINDS[kind])}</b> · {when}"
    body = text if len(text) <= HISTORY_ENTRY_LIMIT else text[:HISTORY_ENTRY_LIMIT] + "…"
    if file_name:
        body = f"{file_name}\n{body}".strip()
    return f"{label}\n{esc(body)}" if body else label


async def show_history(update: Update, context: Ctx) -> None:
    """Page through every interaction with the customer, newest first."""
    customer = await customer_from_button(update, context)
    if customer is None:
        return
    assert update.callback_query is not None and context.button is not None
    await update.callback_query.answer()
    page = int(context.button[2]) if len(context.button) > 2 and context.button[2].isdigit() else 0
    items, total = await context.storage.interactions.history(
        context.me.id, customer.id, offset=page * HISTORY_PAGE, limit=HISTORY_PAGE)
    header = _("<b>History of {name}</b> ({count})").format(
        name=esc(display_name(customer)), count=total)
    if not items:
        await reply(update, header + "\n" + _("Nothing recorded yet."))
        return
    lines = [header]
    rows = []
    for item in items:
        if item.kind == "stage":
            item_text = " → ".join(_(STAGES[s]) for s in (item.detail.get("from"),
                                                           item.detail.get("to")) if s in STAGES)
            if item.text:
                item_text = label_value(item_text, item.text)
        else:
            item_text = item.text
        lines.append(_history_line(item.kind, format_datetime(item.happened_at), item_text,
                                   item.file_name))
        if item.file_id:
            rows.append([button(_("📎 Send again: {what}").format(
                what=(item.file_name or _(INTERACTION_KINDS[item.kind]))[:30]), "cfile", item.id)])
    pager = []
    if page > 0:
        pager.append(button(_("◀ Newer"), "ch", customer.id, page - 1))
    if (page + 1) * HISTORY_PAGE < total:
        pager.append(button(_("Older ▶"), "ch", customer.id, page + 1))
    rows.append(pager)
    rows.append([button(_("Back to the card"), "c", customer.id)])
    await reply(update, "\n\n".join(lines), keyboard(rows))


async def resend_file(update: Update, context: Ctx) -> None:
    """Send a stored photo, voice note or document again, by its Telegram file id."""
    raw = context.button[1] if context.button and len(context.button) > 1 else ""
    interactions = context.storage.interactions
    item = await interactions.get(context.me.id, int(raw)) if raw.isdigit() else None
    assert update.callback_query is not None
    if item is None or not item.file_id:
        await expired(update)
        return
    await update.callback_query.answer()
    chat = update.effective_chat
    assert chat is not None
    if item.file_type == "photo":
        await chat.send_photo(item.file_id)
    elif item.file_type == "voice":
        await chat.send_voice(item.file_id)
    elif item.file_type == "video":
        await chat.send_video(item.file_id)
    elif item.file_type == "audio":
        await chat.send_audio(item.file_id)
    else:
        await chat.send_document(item.file_id)
