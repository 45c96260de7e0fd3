"""Reminders as messages: one due reminder with done, snooze and open-card buttons, care
reminders with a greeting to send, and several late ones folded into a digest.

Rendered with the recipient's language and time zone already active; reminder_line also
serves the agenda's lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core.actions import AnswerQuestion, CancelReminder, MarkDone, MoveReminder, OpenCard, Snooze
from core.buttons import keyboard
from core.i18n import (
    N_,
    _,
    active,
    current_language,
    current_timezone,
    format_date,
    format_datetime,
    format_month_day,
    format_time,
)
from core.languages import regional
from core.messages import esc
from core.pushes.base import Push
from domain.care import GREETINGS, OCCASION_NAMES
from domain.compliance import COMPLIANCE_FIELDS
from domain.pushes import Kind
from storage import Storage
from storage.reminders import Reminder
from storage.staff import Staff

KIND_TITLES: dict[str, str] = {
    Kind.FOLLOWUP: N_("Follow-up"),
    Kind.APPOINTMENT: N_("Appointment"),
    Kind.TOUCH: N_("Time to get in touch"),
    Kind.CARE: N_("After-sales care"),
    Kind.BIRTHDAY: N_("Birthday"),
    Kind.HOLIDAY: N_("Holiday greetings"),
    Kind.MATURITY: N_("Product maturing"),
    Kind.COMPLAINT: N_("Complaint follow-up"),
    Kind.LEAD: N_("New lead from a group"),
    Kind.CHURN: N_("Churn early warning"),
    Kind.QUESTION: N_("Question in a group"),
    Kind.ESCALATION: N_("Overdue complaint"),
    Kind.THANKS: N_("Thank the referrer"),
    Kind.REPAYMENT: N_("Loan repayment"),
    Kind.ANNIVERSARY: N_("Policy anniversary"),
    Kind.DEBIT: N_("Recurring investment debit"),
    Kind.COMPLIANCE: N_("Compliance date"),
    Kind.MYCARD: N_("New contact from your QR code"),
}
KIND_ICONS: dict[str, str] = {
    Kind.FOLLOWUP: "⏰", Kind.APPOINTMENT: "📅", Kind.TOUCH: "👋", Kind.CARE: "💐",
    Kind.BIRTHDAY: "🎂", Kind.HOLIDAY: "🎉", Kind.MATURITY: "💰", Kind.COMPLAINT: "⚠️",
    Kind.LEAD: "🙋", Kind.CHURN: "📉", Kind.QUESTION: "❓", Kind.ESCALATION: "🚨",
    Kind.THANKS: "🙏", Kind.REPAYMENT: "🏦", Kind.ANNIVERSARY: "🛡", Kind.DEBIT: "📈",
    Kind.COMPLIANCE: "🪪", Kind.MYCARD: "📇",
}
BIRTHDAY_GREETING = N_("Happy birthday! Wishing you good health, happiness and success.")


def _who(reminder: Reminder) -> str:
    return esc(reminder.customer_name) if reminder.customer_name else ""


def _what(reminder: Reminder) -> str:
    """What a reminder is about, as the RM reads it: care rules store dates as ISO text
    ('2026-12-15'), shown here as the RM's language writes dates."""
    text = reminder.text
    try:
        if reminder.kind == "birthday" and text:
            return _("Birthday on {date}.").format(date=format_date(date.fromisoformat(text)))
        if reminder.kind == "maturity" and " · " in text:
            product, day = text.rsplit(" · ", 1)
            return f"{product} · {format_date(date.fromisoformat(day))}"
        if reminder.kind == "holiday" and "|" in text:
            occasion, day = text.split("|", 1)
            name = _(OCCASION_NAMES.get(occasion, occasion))
            return f"{name} · {format_date(date.fromisoformat(day))}"
    except ValueError:
        pass  # written by hand or by an older version: shown as it is
    return text or _(KIND_TITLES.get(reminder.kind, "Follow-up"))


def short_when(reminder: Reminder) -> str:
    """'08/12 09:00': a reminder's moment short enough for a button."""
    return f"{format_month_day(reminder.due_at)} {format_time(reminder.due_at)}"


def manage_buttons(reminder: Reminder, label: str) -> list[InlineKeyboardButton]:
    """Done early, move, cancel: one follow-up's row on the card, the agenda and its
    confirmation (done keeps the message's other buttons)."""
    rid, version = reminder.id, reminder.version
    return [MarkDone(rid, version, True).button(f"✅ {label}"),
            MoveReminder(rid, version).button(_("🕘 Move")),
            CancelReminder(rid, version).button(_("✖ Cancel"))]


def reminder_line(reminder: Reminder, *, with_time: bool = True) -> str:
    """One line for lists: icon, time, customer, what."""
    parts = [KIND_ICONS.get(reminder.kind, "•")]
    if with_time:
        parts.append(format_time(reminder.due_at))
    if reminder.customer_name:
        parts.append(f"<b>{_who(reminder)}</b>")
    parts.append(esc(_what(reminder)[:120]))
    return " ".join(parts)


def _greeting(key: str, language: str) -> str:
    with active(language, current_timezone().key):
        return _(key)


def _body(reminder: Reminder, languages: Sequence[str]) -> list[str]:
    """What the reminder is about; care reminders carry a greeting to send."""
    if reminder.kind == Kind.HOLIDAY and "|" in reminder.text:
        occasion, day = reminder.text.split("|", 1)
        lines = [_("{occasion} on {date}: a good moment to greet your customers.").format(
            occasion=_(OCCASION_NAMES.get(occasion, occasion)),
            date=format_date(date.fromisoformat(day)))]
        greeting = GREETINGS.get(occasion)
        if greeting:
            lines.append(_("Suggested greeting:"))
            lines += [f"<i>{esc(_greeting(greeting, language))}</i>" for language in languages]
        return lines
    if reminder.kind == Kind.BIRTHDAY and reminder.text:
        lines = [_("Birthday on {date}.").format(date=format_date(date.fromisoformat(
            reminder.text)))]
        language = reminder.customer_language or (languages[0] if languages else "en")
        lines.append(_("Suggested greeting:"))
        lines.append(f"<i>{esc(_greeting(BIRTHDAY_GREETING, language))}</i>")
        return lines
    if reminder.kind == Kind.COMPLIANCE and "|" in reminder.text:
        field, day = reminder.text.split("|", 1)
        return [_("{what} on {date}: ask the customer to renew it in time.").format(
            what=_(COMPLIANCE_FIELDS.get(field, field)),
            date=format_date(date.fromisoformat(day)))]
    return [esc(_what(reminder))] if reminder.text else []


def reminder_message(reminder: Reminder, now: datetime,
                     languages: Sequence[str] = ()) -> tuple[str, InlineKeyboardMarkup]:
    """The message for one due reminder, with done, snooze and open-card buttons."""
    title = _(KIND_TITLES.get(reminder.kind, "Follow-up"))
    lines = [f"{KIND_ICONS.get(reminder.kind, '⏰')} <b>{title}</b>"]
    if reminder.customer_name:
        lines.append(_("Customer: {name}").format(name=f"<b>{_who(reminder)}</b>"))
    lines += _body(reminder, languages or [current_language()])
    if now - reminder.due_at > timedelta(minutes=5):
        lines.append(_("(late: this was due {when})").format(when=format_datetime(reminder.due_at)))
    rid, version = reminder.id, reminder.version
    if reminder.kind in (Kind.LEAD, Kind.QUESTION, Kind.MYCARD):
        return "\n".join(lines), _group_buttons(reminder)
    rows = [
        [MarkDone(rid, version).button(_("✅ Done"))],
        [Snooze(rid, version, "1h").button(_("In 1 hour")),
         Snooze(rid, version, "tm").button(_("Tomorrow morning")),
         Snooze(rid, version, "nw").button(_("Next week"))],
        [Snooze(rid, version, "x").button(_("Another time…"))],
    ]
    if reminder.customer_id:
        rows[-1].append(OpenCard(reminder.customer_id).button(_("Open the card")))
    return "\n".join(lines), keyboard(rows)


def _group_buttons(reminder: Reminder) -> InlineKeyboardMarkup:
    """A lead opens its new prospect; a question can be answered in the group."""
    row = []
    if reminder.kind == Kind.QUESTION and reminder.ref_id:
        row.append(AnswerQuestion(reminder.ref_id).button(_("💬 Answer in the group")))
    if reminder.customer_id:
        row.append(OpenCard(reminder.customer_id).button(_("Open the card")))
    return keyboard([row, [MarkDone(reminder.id, reminder.version).button(_("✅ Done"))]])


def digest(reminders: Sequence[Reminder]) -> Push:
    """Several late reminders for one RM folded into one message (after downtime)."""
    lines = [_("<b>While I was away, {count} reminders came due:</b>").format(
        count=len(reminders))]
    rows = []
    for reminder in reminders:
        line = reminder_line(reminder, with_time=False)
        lines.append(f"{format_datetime(reminder.due_at)} · {line}")
    for reminder in list(reminders)[:8]:
        label = reminder.customer_name or _(KIND_TITLES.get(reminder.kind, "Follow-up"))
        row = [MarkDone(reminder.id, reminder.version).button(
            _("✅ Done: {what}").format(what=label[:24]))]
        if reminder.customer_id:
            row.append(OpenCard(reminder.customer_id).button(_("Open")))
        rows.append(row)
    lines.append(_("Send /overdue to see everything still open."))
    return Push("\n".join(lines), keyboard(rows))


async def render_reminder(storage: Storage, staff: Staff, reminder: Reminder,
                          now: datetime) -> Push:
    """A reminder of any kind with no renderer of its own: its title, customer and text."""
    return Push(*reminder_message(reminder, now))


async def render_holiday(storage: Storage, staff: Staff, reminder: Reminder,
                         now: datetime) -> Push:
    """A holiday ahead, with the greeting in each language the RM's customers speak."""
    languages = [regional(language, staff.region) or language
                 for language in await storage.care.customer_languages(staff.id)]
    return Push(*reminder_message(reminder, now, languages or [current_language()]))
