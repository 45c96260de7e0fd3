"""The texts and buttons of what the bot pushes on its own: reminders, digests, the agenda.

Used by the scheduler's dispatcher (and by /today, /week, /overdue) with the recipient's
language and time zone already active.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core.buttons import button, keyboard
from core.i18n import (
    N_,
    _,
    active,
    current_language,
    current_timezone,
    format_date,
    format_datetime,
    format_day_heading,
    format_time,
    local,
)
from core.messages import esc
from domain.care import GREETINGS, OCCASION_NAMES
from domain.compliance import COMPLIANCE_FIELDS
from storage.reminders import Reminder

KIND_TITLES = {
    "followup": N_("Follow-up"),
    "appointment": N_("Appointment"),
    "touch": N_("Time to get in touch"),
    "care": N_("After-sales care"),
    "birthday": N_("Birthday"),
    "holiday": N_("Holiday greetings"),
    "maturity": N_("Product maturing"),
    "complaint": N_("Complaint follow-up"),
    "lead": N_("New lead from a group"),
    "churn": N_("Churn early warning"),
    "question": N_("Question in a group"),
    "escalation": N_("Overdue complaint"),
    "thanks": N_("Thank the referrer"),
    "repayment": N_("Loan repayment"),
    "anniversary": N_("Policy anniversary"),
    "debit": N_("Recurring investment debit"),
    "compliance": N_("Compliance date"),
    "mycard": N_("New contact from your QR code"),
}
KIND_ICONS = {"followup": "⏰", "appointment": "📅", "touch": "👋", "care": "💐",
              "birthday": "🎂", "holiday": "🎉", "maturity": "💰", "complaint": "⚠️",
              "lead": "🙋", "churn": "📉", "question": "❓", "escalation": "🚨", "thanks": "🙏",
              "repayment": "🏦", "anniversary": "🛡", "debit": "📈", "compliance": "🪪",
              "mycard": "📇"}
START_OF_DAY = time(9, 0)
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
    if reminder.kind == "holiday" and "|" in reminder.text:
        occasion, day = reminder.text.split("|", 1)
        lines = [_("{occasion} on {date}: a good moment to greet your customers.").format(
            occasion=_(OCCASION_NAMES.get(occasion, occasion)),
            date=format_date(date.fromisoformat(day)))]
        greeting = GREETINGS.get(occasion)
        if greeting:
            lines.append(_("Suggested greeting:"))
            lines += [f"<i>{esc(_greeting(greeting, language))}</i>" for language in languages]
        return lines
    if reminder.kind == "birthday" and reminder.text:
        lines = [_("Birthday on {date}.").format(date=format_date(date.fromisoformat(
            reminder.text)))]
        language = reminder.customer_language or (languages[0] if languages else "en")
        lines.append(_("Suggested greeting:"))
        lines.append(f"<i>{esc(_greeting(BIRTHDAY_GREETING, language))}</i>")
        return lines
    if reminder.kind == "compliance" and "|" in reminder.text:
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
    if reminder.kind in ("lead", "question", "mycard"):
        return "\n".join(lines), _group_buttons(reminder)
    rows = [
        [button(_("✅ Done"), "rd", rid, version)],
        [button(_("In 1 hour"), "rs", rid, version, "1h"),
         button(_("Tomorrow morning"), "rs", rid, version, "tm"),
         button(_("Next week"), "rs", rid, version, "nw")],
        [button(_("Another time…"), "rs", rid, version, "x")],
    ]
    if reminder.customer_id:
        rows[-1].append(button(_("Open the card"), "c", reminder.customer_id))
    return "\n".join(lines), keyboard(rows)


def _group_buttons(reminder: Reminder) -> InlineKeyboardMarkup:
    """A lead opens its new prospect; a question can be answered in the group."""
    row = []
    if reminder.kind == "question" and reminder.ref_id:
        row.append(button(_("💬 Answer in the group"), "qa", reminder.ref_id))
    if reminder.customer_id:
        row.append(button(_("Open the card"), "c", reminder.customer_id))
    return keyboard([row, [button(_("✅ Done"), "rd", reminder.id, reminder.version)]])


def digest_message(reminders: Sequence[Reminder]) -> tuple[str, InlineKeyboardMarkup]:
    """Several late reminders for one RM folded into one message (after downtime)."""
    lines = [_("<b>While I was away, {count} reminders came due:</b>").format(
        count=len(reminders))]
    rows = []
    for reminder in reminders:
        line = reminder_line(reminder, with_time=False)
        lines.append(f"{format_datetime(reminder.due_at)} · {line}")
    for reminder in list(reminders)[:8]:
        label = reminder.customer_name or _(KIND_TITLES.get(reminder.kind, "Follow-up"))
        row = [button(_("✅ Done: {what}").format(what=label[:24]), "rd", reminder.id,
                      reminder.version)]
        if reminder.customer_id:
            row.append(button(_("Open"), "c", reminder.customer_id))
        rows.append(row)
    lines.append(_("Send /overdue to see everything still open."))
    return "\n".join(lines), keyboard(rows)


def local_day_bounds(now: datetime, days: int = 1) -> tuple[datetime, datetime]:
    """Start of today and of the day `days` later, in the current user's zone."""
    zone = current_timezone()
    today = local(now).date()
    start = datetime.combine(today, time(0), tzinfo=zone)
    end = datetime.combine(today + timedelta(days=days), time(0), tzinfo=zone)
    return start, end


def agenda_message(title: str, due: Sequence[Reminder], overdue: Sequence[Reminder],
                   empty: str, by_day: bool = False) -> tuple[str, InlineKeyboardMarkup | None]:
    """The agenda: what is due (grouped by day for a week) and what is overdue."""
    lines = [f"<b>{title}</b>"]
    if not due and not overdue:
        lines.append(empty)
        return "\n".join(lines), None
    day_shown = None
    for reminder in due:
        if by_day:
            day = local(reminder.due_at).date()
            if day != day_shown:
                lines.append(f"\n<b>{format_day_heading(reminder.due_at)}</b>")
                day_shown = day
        lines.append(reminder_line(reminder))
    if overdue:
        lines.append("\n" + _("<b>Overdue</b> ({count})").format(count=len(overdue)))
        lines.extend(f"{format_datetime(r.due_at)} · {reminder_line(r, with_time=False)}"
                     for r in overdue[:20])
        if len(overdue) > 20:
            lines.append(_("…and {count} more: /overdue").format(count=len(overdue) - 20))
    seen: set[int] = set()
    rows: list[list[InlineKeyboardButton]] = []
    for reminder in [*overdue, *due]:
        if reminder.customer_id and reminder.customer_id not in seen and len(rows) < 8:
            seen.add(reminder.customer_id)
            rows.append([button(f"{KIND_ICONS.get(reminder.kind, '•')} "
                                f"{(reminder.customer_name or '')[:30]}", "c",
                                reminder.customer_id)])
    return "\n".join(lines), keyboard(rows) if rows else None
