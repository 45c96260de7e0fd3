"""Telegram Business: the RM's own Telegram chats with customers, logged on their files.

An RM connects Rapport to their Telegram account (Telegram Settings → Telegram Business →
Chatbots) and picks the chats it may see. From then on:

- a message exchanged with a customer in their book (known by Telegram id, or by the number a
  customer shares in the chat) counts in that day's "message" contact on the file, which
  resets the stay-in-touch cadence; only the fact and time are kept unless the RM chose in
  /settings to keep the texts as notes (an edit rewrites its line, a deletion removes it);
- someone not in the book who writes first is offered to the RM as a prospect, once;
- connecting, disconnecting and changed rights are told to the RM and shown in /settings;
  a connection from anyone who is not registered staff is ignored.

The bot never writes into those chats by itself: everything here answers in the RM's own
chat with the bot (a reply to a business message would go out as the RM). Only a button
the RM presses under a care reminder sends a message as them (``send_care``), and only where
Telegram lets it: replies allowed, and the customer wrote within the last 24 hours.

These updates never reach the features: handlers/__init__.py handles them among the gates
and stops them there.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import (
    BusinessConnection,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from core import buttons
from core.actions import (
    AddBusinessProspect,
    DeclineBusinessProspect,
    KeepBusinessTexts,
    LinkBusinessProspect,
    OpenCard,
    SendCare,
)
from core.buttons import keyboard
from core.context import Ctx
from core.i18n import N_, _, activate, format_date, format_time
from core.languages import language_of
from core.messages import edit_or_reply, esc, reply
from core.pushes.business import REPLY_WINDOW, care_text, replies_allowed
from domain.phones import parse_phone
from handlers.access import recorded
from handlers.cards import display_name
from handlers.common import expired
from handlers.lookup import matches
from storage.business import Connection
from storage.customers import Customer
from storage.staff import Staff

log = logging.getLogger(__name__)

CARE_KINDS = ("birthday", "holiday", "maturity")
PRIVACY = N_("Your customers' words stay in Telegram: I keep only when you talked to whom. "
             "Keep the texts only if your bank allows you to store chats.")


# -- connections ---------------------------------------------------------------------------
async def track_connection(update: Update, context: Ctx) -> None:
    """Record a connection, disconnection or change of rights, and tell the RM."""
    connection = update.business_connection
    assert connection is not None
    staff = await _staff(context, connection.user.id)
    if staff is None:
        log.info("business connection from %s ignored: not registered staff",
                 connection.user.id)
        raise ApplicationHandlerStop
    async with recorded(update, context):
        before = await context.storage.business.save_connection(
            connection_id=connection.id, staff_id=staff.id, enabled=connection.is_enabled,
            can_reply=_can_reply(connection), connected_at=connection.date,
            now=context.clock.now())
    text = _connection_news(before, connection)
    if text:
        await _tell(context, staff, text)
    raise ApplicationHandlerStop


def _can_reply(connection: BusinessConnection) -> bool:
    return bool(connection.rights and connection.rights.can_reply)


def _connection_news(before: Connection | None, now: BusinessConnection) -> str:
    """What changed, in a sentence or two; empty if nothing the RM needs to hear."""
    can_reply = _can_reply(now)
    if not now.is_enabled:
        if before is not None and not before.enabled:
            return ""
        return _("🔌 Rapport is no longer connected to your Telegram account: I do not see "
                 "your chats any more. The contacts already logged stay on the files.")
    if before is None or not before.enabled:
        text = _("✅ Rapport is connected to your Telegram account. When you exchange messages "
                 "with a customer in your book, I log the contact on their file: only when, "
                 "not what (/settings). Someone new who writes to you first, I offer to you as "
                 "a prospect. I never write in your chats by myself.")
        if can_reply:
            text += "\n" + _("You allowed replies: under a birthday, holiday or maturity "
                             "reminder you can send the suggested message as you, with one "
                             "tap.")
        return text
    if before.can_reply == can_reply:
        return ""
    if can_reply:
        return _("Your Telegram Business settings changed: I may now send a care message as "
                 "you when you press its button under a reminder.")
    return _("Your Telegram Business settings changed: I may no longer send messages as you. "
             "I keep logging your contacts.")


async def _staff(context: Ctx, user_id: int) -> Staff | None:
    """Registered, active staff, with their language in use; None for anyone else."""
    staff = await context.storage.staff.get(user_id)
    if staff is None or not staff.active:
        return None
    context.staff = staff
    activate(language_of(staff, context.settings.default_language), staff.timezone)
    buttons.set_owner(staff.id)  # what is sent to the RM carries buttons for them
    return staff


async def _connected(context: Ctx, connection_id: str | None) -> tuple[Connection, Staff] | None:
    """The enabled connection a business update came through, and its RM."""
    if not connection_id:
        return None
    connection = await context.storage.business.connection(connection_id)
    if connection is None:
        connection = await _fetch_connection(context, connection_id)
    if connection is None or not connection.enabled:
        return None
    staff = await _staff(context, connection.staff_id)
    return (connection, staff) if staff is not None else None


async def _fetch_connection(context: Ctx, connection_id: str) -> Connection | None:
    """A connection made while its update was missed: asked of Telegram, kept if it is an
    RM's."""
    try:
        found = await context.bot.get_business_connection(connection_id)
    except TelegramError as error:
        log.warning("business connection %s unknown to Telegram: %s", connection_id, error)
        return None
    staff = await context.storage.staff.get(found.user.id)
    if staff is None or not staff.active:
        return None
    await context.storage.business.save_connection(
        connection_id=found.id, staff_id=staff.id, enabled=found.is_enabled,
        can_reply=_can_reply(found), connected_at=found.date, now=context.clock.now())
    return await context.storage.business.connection(connection_id)


async def _tell(context: Ctx, staff: Staff, text: str,
                markup: InlineKeyboardMarkup | None = None) -> None:
    """A message to the RM in their own chat with the bot (never in a business chat)."""
    try:
        await context.bot.send_message(staff.id, text, reply_markup=markup)
    except TelegramError as error:  # blocked the bot, say: the log on the file stands
        log.warning("could not tell staff %s about their business chats: %s", staff.id, error)


# -- messages ------------------------------------------------------------------------------
async def log_business_message(update: Update, context: Ctx) -> None:
    """Count a message with a customer in the day's contact, or offer a newcomer once."""
    message = update.business_message
    assert message is not None
    found = await _connected(context, message.business_connection_id)
    if found is None or message.chat.type != "private" or message.from_user is None:
        raise ApplicationHandlerStop
    connection, staff = found
    user_id = message.chat.id
    incoming = message.from_user.id != staff.id and message.sender_business_bot is None
    storage = context.storage
    chat = await storage.business.see_chat(staff_id=staff.id, user_id=user_id,
                                           incoming=incoming, at=message.date)
    customer = await storage.customers.by_telegram(staff.id, user_id)
    if customer is None and incoming:
        customer = await _link_by_phone(context, staff, message)
    if customer is not None:
        await _log(update, context, connection, staff, customer, message)
    elif incoming and chat.first_from == "customer":
        await _offer(context, staff, message)
    raise ApplicationHandlerStop


async def _log(update: Update, context: Ctx, connection: Connection, staff: Staff,
               customer: Customer, message: Message) -> None:
    async with recorded(update, context):
        await context.storage.business.log_message(
            connection_id=connection.id, staff_id=staff.id, customer_id=customer.id,
            user_id=message.chat.id, message_id=message.message_id, sent_at=message.date,
            day=_day(message.date, staff), line=_line(message) if staff.keep_business_texts
            else None, now=context.clock.now())


def _day(moment: datetime, staff: Staff) -> str:
    """The RM's calendar day of a moment: a day's messages make one contact."""
    return moment.astimezone(ZoneInfo(staff.timezone)).date().isoformat()


def _line(message: Message) -> str:
    """'09:14 Minh: mai anh qua gửi 2 tỷ' — a kept message as one line of the contact."""
    sender = message.from_user.first_name if message.from_user else ""
    return f"{format_time(message.date)} {sender}: {_content(message)}"


def _content(message: Message) -> str:
    text = message.text or message.caption
    if text:
        return text
    for kind, mark in (("photo", "📷"), ("voice", "🎤"), ("video", "🎬"), ("document", "📄"),
                       ("sticker", message.sticker.emoji if message.sticker else ""),
                       ("contact", "👤"), ("location", "📍")):
        if getattr(message, kind, None):
            return mark or "…"
    return "…"


async def _link_by_phone(context: Ctx, staff: Staff, message: Message) -> Customer | None:
    """A newcomer who shares their own number is the one customer on file with it."""
    contact = message.contact
    if contact is None or contact.user_id != message.chat.id:
        return None
    phone = parse_phone(contact.phone_number, staff.region)
    if phone is None:
        return None
    found = [c for c in await context.storage.business.by_phone(staff.id, phone.e164)
             if c.telegram_id is None]
    if len(found) != 1 or not await context.storage.business.link_telegram(
            staff_id=staff.id, customer_id=found[0].id, user_id=message.chat.id,
            now=context.clock.now()):
        return None
    customer = found[0]
    await _tell(context, staff, _(
        "🔗 {name} shared their number with you on Telegram: their chat is now linked to their "
        "file.").format(name=f"<b>{esc(display_name(customer))}</b>"),
        keyboard([[OpenCard(customer.id).button(_("Open the card"))]]))
    return customer


async def _offer(context: Ctx, staff: Staff, message: Message) -> None:
    """Someone not in the book wrote first: offer them as a prospect, once per chat."""
    person = message.from_user
    assert person is not None
    phone = None
    if message.contact is not None and message.contact.user_id == person.id:
        parsed = parse_phone(message.contact.phone_number, staff.region)
        phone = parsed.e164 if parsed else None
    name = person.full_name[:120] or str(person.id)
    if not await context.storage.business.offer(staff_id=staff.id, user_id=person.id,
                                                name=name, phone=phone,
                                                now=context.clock.now()):
        return
    handle = f" (@{esc(person.username)})" if person.username else ""
    rows = [[AddBusinessProspect(person.id).button(_("➕ Add as a prospect"))]]
    rows += [[LinkBusinessProspect(person.id, c.id).button(
        _("🔗 It is {name}").format(name=display_name(c)[:40]))]
        for c in await _namesakes(context, person.first_name, name)]
    rows.append([DeclineBusinessProspect(person.id).button(_("Not a customer"))])
    await _tell(context, staff, _(
        "💬 {name}{handle} wrote to you on Telegram and is not in your customers. Add them as "
        "a prospect?").format(name=f"<b>{esc(name)}</b>", handle=handle), keyboard(rows))


async def _namesakes(context: Ctx, first_name: str, full_name: str) -> list[Customer]:
    """Customers the newcomer may already be (Telegram writes 'Hoa Lê', the file 'Lê Thị
    Hoa'): by the whole name, then by the first name; none linked to Telegram yet."""
    found: dict[int, Customer] = {}
    for query in dict.fromkeys((full_name, first_name)):
        for customer in await matches(context, query, limit=3) if query.strip() else []:
            if customer.telegram_id is None:
                found.setdefault(customer.id, customer)
    return list(found.values())[:3]


async def edit_business_message(update: Update, context: Ctx) -> None:
    """An edited message rewrites its kept line (nothing was kept: nothing to change)."""
    message = update.edited_business_message
    assert message is not None
    found = await _connected(context, message.business_connection_id)
    if found is not None and found[1].keep_business_texts:
        async with recorded(update, context):
            await context.storage.business.edit_line(
                connection_id=found[0].id, chat_id=message.chat.id,
                message_id=message.message_id, line=_line(message), now=context.clock.now())
    raise ApplicationHandlerStop


async def delete_business_messages(update: Update, context: Ctx) -> None:
    """Deleted messages take their kept lines with them; the contact itself stays."""
    deleted = update.deleted_business_messages
    assert deleted is not None
    found = await _connected(context, deleted.business_connection_id)
    if found is not None:
        async with recorded(update, context):
            await context.storage.business.forget_lines(
                connection_id=found[0].id, chat_id=deleted.chat.id,
                message_ids=list(deleted.message_ids), now=context.clock.now())
    raise ApplicationHandlerStop


# -- the prospect offer --------------------------------------------------------------------
async def add_prospect(update: Update, context: Ctx) -> None:
    """Save the person who wrote first as a new prospect (once, however often pressed)."""
    user_id = context.action(AddBusinessProspect).user_id
    now = context.clock.now()
    customer = await context.storage.business.add_prospect(
        staff_id=context.me.id, user_id=user_id or 0, region=context.me.region,
        day=_day(await _first_at(context, user_id), context.me), now=now) if user_id else None
    if customer is None:
        await context.query.answer(_("This was already answered."), show_alert=True)
        return
    await context.query.answer(_("Saved."))
    await edit_or_reply(update, _("✅ {name} is now a prospect in your book; your Telegram chat "
                                  "with them is logged on their file.").format(
        name=f"<b>{esc(display_name(customer))}</b>"),
        keyboard([[OpenCard(customer.id).button(_("Open the card"))]]))


async def link_prospect(update: Update, context: Ctx) -> None:
    """The person who wrote first is this customer: link their chat to the file."""
    action = context.action(LinkBusinessProspect)
    user_id, customer_id = action.user_id, action.customer_id
    customer = await context.storage.business.link_offer(
        staff_id=context.me.id, user_id=user_id, customer_id=customer_id,
        day=_day(await _first_at(context, user_id), context.me),
        now=context.clock.now()) if user_id and customer_id else None
    if customer is None:
        await context.query.answer(_("This was already answered."), show_alert=True)
        return
    await context.query.answer(_("Saved."))
    await edit_or_reply(update, _("🔗 Your Telegram chat with {name} is now linked to their "
                                  "file.").format(name=f"<b>{esc(display_name(customer))}</b>"),
                        keyboard([[OpenCard(customer.id).button(_("Open the card"))]]))


async def _first_at(context: Ctx, user_id: int | None) -> datetime:
    chat = await context.storage.business.chat(context.me.id, user_id) if user_id else None
    return chat.first_at if chat is not None else context.clock.now()


async def decline_prospect(update: Update, context: Ctx) -> None:
    """Not a customer: forget the name and number the offer kept; never offered again."""
    user_id = context.action(DeclineBusinessProspect).user_id
    if not user_id or not await context.storage.business.decline_offer(context.me.id, user_id):
        await context.query.answer(_("This was already answered."), show_alert=True)
        return
    await context.query.answer()
    await edit_or_reply(update, _("All right: I will not ask about them again, and I keep "
                                  "nothing about them."))


# -- /settings -----------------------------------------------------------------------------
async def settings_part(context: Ctx) -> tuple[list[str], list[list[InlineKeyboardButton]]]:
    """The Telegram Business lines of /settings, and the button that keeps or drops texts."""
    staff = context.me
    connection = await context.storage.business.connection_of(staff.id)
    if connection is None or not connection.enabled:
        lines = [_("Telegram Business: not connected. To log your Telegram chats with "
                   "customers, open Telegram Settings → Telegram Business → Chatbots and add "
                   "@{bot}.").format(bot=esc(context.bot.username))]
    else:
        since = format_date(connection.connected_at)
        lines = [_("Telegram Business: connected since {date}; I may send care messages as "
                   "you when you press their button.").format(date=since)
                 if connection.can_reply else
                 _("Telegram Business: connected since {date}; I only log, replies are not "
                   "allowed.").format(date=since)]
    if staff.keep_business_texts:
        lines.append(_("Texts of your Telegram chats: kept as notes on the files."))
        toggle = KeepBusinessTexts(False).button(_("Stop keeping chat texts"))
    else:
        lines.append(_("Texts of your Telegram chats: not kept, only when you talked."))
        toggle = KeepBusinessTexts(True).button(_("Keep chat texts as notes"))
    lines.append(f"<i>{_(PRIVACY)}</i>")
    return lines, [[toggle]]


async def set_keep_texts(update: Update, context: Ctx) -> None:
    """Turn keeping the texts of Telegram Business messages on or off."""
    keep = context.action(KeepBusinessTexts).keep
    staff = context.me
    await context.storage.set_keep_business_texts(staff.id, keep, context.clock.now())
    await context.query.answer(_("Saved."))
    await edit_or_reply(update, _(
        "From now on I keep the texts of your Telegram chats with customers as notes on their "
        "files. Edited messages are updated and deleted ones removed.") if keep else _(
        "From now on I keep only when you talked with a customer on Telegram, not what was "
        "said. Texts kept before stay on the files as notes."))


# -- care messages sent as the RM ----------------------------------------------------------
async def send_care(update: Update, context: Ctx) -> None:
    """Send a care reminder's suggested message to the customer as the RM, once."""
    query, action = context.query, context.action(SendCare)
    staff, now = context.me, context.clock.now()
    reminder = await context.storage.reminders.get(staff.id, action.reminder_id)
    customer = await context.storage.customers.get(staff.id, action.customer_id)
    if reminder is None or customer is None or customer.telegram_id is None \
            or reminder.kind not in CARE_KINDS:
        await expired(update)
        return
    connection = await replies_allowed(context.storage, staff)
    if connection is None:
        await query.answer(_("Rapport may not send messages as you: allow replies for it in "
                             "Telegram Settings → Telegram Business → Chatbots."),
                           show_alert=True)
        return
    if not await context.storage.business.open_chats(staff.id, [customer.telegram_id],
                                                     now - REPLY_WINDOW):
        await query.answer(_("Telegram lets me send as you only within 24 hours of the "
                             "customer's last message to you. Please send it yourself."),
                           show_alert=True)
        return
    language = customer.language or language_of(staff, "en")
    text = care_text(reminder, language)
    if text is None:
        await expired(update)
        return
    if not await context.storage.business.claim_send(reminder.id, customer.id, now):
        await query.answer(_("Already sent."), show_alert=True)
        return
    await _send_as_rm(update, context, connection, customer, reminder.id, text)


async def _send_as_rm(update: Update, context: Ctx, connection: Connection, customer: Customer,
                      reminder_id: int, text: str) -> None:
    query = context.query
    assert customer.telegram_id is not None  # checked by send_care
    staff = context.me
    try:
        sent = await context.bot.send_message(customer.telegram_id, esc(text),
                                              business_connection_id=connection.id)
    except TelegramError as error:
        log.warning("care message as staff %s not sent: %s", staff.id, error)
        await context.storage.business.finish_send(reminder_id=reminder_id,
                                                   customer_id=customer.id, staff_id=staff.id,
                                                   sent=False, now=context.clock.now())
        await query.answer(_("Telegram did not let me send it. Please send it yourself."),
                           show_alert=True)
        return
    now = context.clock.now()
    await context.storage.business.finish_send(reminder_id=reminder_id, customer_id=customer.id,
                                               staff_id=staff.id, sent=True, now=now)
    # What the RM sent counts as their contact with the customer, like any message of theirs.
    await context.storage.business.log_message(
        connection_id=connection.id, staff_id=staff.id, customer_id=customer.id,
        user_id=customer.telegram_id, message_id=sent.message_id, sent_at=sent.date,
        day=_day(sent.date, staff),
        line=f"{format_time(sent.date)} {staff.name}: {text}" if staff.keep_business_texts
        else None, now=now)
    await query.answer(_("Sent."))
    await reply(update, _("📨 Sent to {name} as you on Telegram:").format(
        name=f"<b>{esc(display_name(customer))}</b>") + f"\n<i>{esc(text)}</i>")
