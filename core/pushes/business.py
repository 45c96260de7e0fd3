"""Care reminders of an RM connected through Telegram Business: birthdays, maturities and
holidays with their suggested message and, where Telegram lets the bot send as the RM, the
button that does it (handlers/business.send_care).

Telegram allows it when the RM granted replies and the customer wrote within the last 24
hours; otherwise the reminder is the plain one, with a word on why there is no button when
only the 24 hours are missing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core.actions import SendCare
from core.buttons import keyboard
from core.i18n import _, active, current_language, current_timezone, format_date
from core.messages import esc
from core.pushes.base import Push
from core.pushes.reminders import BIRTHDAY_GREETING, reminder_message, render_holiday
from domain.care import GREETINGS, MATURITY_NOTICE
from domain.pushes import Kind
from storage import Storage
from storage.business import Connection
from storage.reminders import Reminder
from storage.staff import Staff

# Telegram lets a business bot send as the account only this long after the other person's
# last message in the chat.
REPLY_WINDOW = timedelta(hours=24)
# A holiday greeting is offered to at most this many open chats, one button each.
HOLIDAY_BUTTONS = 6


def care_text(reminder: Reminder, language: str) -> str | None:
    """The message a care reminder suggests sending, in the customer's language."""
    with active(language, current_timezone().key):
        if reminder.kind == Kind.BIRTHDAY:
            return _(BIRTHDAY_GREETING)
        if reminder.kind == Kind.HOLIDAY:
            greeting = GREETINGS.get(reminder.text.split("|", 1)[0])
            return _(greeting) if greeting else None
        if reminder.kind == Kind.MATURITY and " · " in reminder.text:
            product, day = reminder.text.rsplit(" · ", 1)
            try:
                when = format_date(date.fromisoformat(day))
            except ValueError:
                return None
            return _(MATURITY_NOTICE).format(product=product, date=when)
    return None


async def replies_allowed(storage: Storage, staff: Staff) -> Connection | None:
    """The RM's connection, if it is on and lets the bot send as them."""
    connection = await storage.business.connection_of(staff.id)
    return connection if connection and connection.enabled and connection.can_reply else None


async def render_customer_care(storage: Storage, staff: Staff, reminder: Reminder,
                               now: datetime) -> Push:
    """A birthday or maturity reminder, with the message to send as the RM in one tap when
    Telegram allows it."""
    text, markup = reminder_message(reminder, now)
    connection = await replies_allowed(storage, staff)
    customer = (await storage.customers.get(staff.id, reminder.customer_id)
                if connection and reminder.customer_id else None)
    if customer is None or customer.telegram_id is None:
        return Push(text, markup)
    message = care_text(reminder, reminder.customer_language or current_language())
    if message is None:
        return Push(text, markup)
    lines = [text]
    if reminder.kind == Kind.MATURITY:
        lines += [_("Suggested message:"), f"<i>{esc(message)}</i>"]
    if not await storage.business.open_chats(staff.id, [customer.telegram_id],
                                             now - REPLY_WINDOW):
        lines.append(_("Telegram lets me send as you only within 24 hours of the customer's "
                       "last message to you; send it yourself this time."))
        return Push("\n".join(lines), markup)
    row = [SendCare(reminder.id, customer.id).button(_("📨 Send it as you on Telegram"))]
    return Push("\n".join(lines), keyboard([row, *_rows(markup)]))


async def render_holiday_greetings(storage: Storage, staff: Staff, reminder: Reminder,
                                   now: datetime) -> Push:
    """Holiday greetings, with one button per customer whose chat is open for a reply."""
    push = await render_holiday(storage, staff, reminder, now)
    if await replies_allowed(storage, staff) is None:
        return push
    customers = await storage.business.open_customers(staff.id, now - REPLY_WINDOW,
                                                      HOLIDAY_BUTTONS)
    if not customers:
        return push
    rows = [[SendCare(reminder.id, c.id).button(
        _("📨 {name}").format(name=(c.name or _("(no name)"))[:40]))] for c in customers]
    text = push.text + "\n" + _("Send the greeting as you on Telegram, one tap per customer:")
    return Push(text, keyboard([*rows, *_rows(push.markup)]))


def _rows(markup: InlineKeyboardMarkup | None) -> list[list[InlineKeyboardButton]]:
    return [list(row) for row in markup.inline_keyboard] if markup else []
