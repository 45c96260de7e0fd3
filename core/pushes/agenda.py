"""The RM's agenda: today, the coming week, and what is overdue (pushed daily, and on demand
with /today, /week and /overdue)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core.actions import OpenCard
from core.buttons import keyboard
from core.i18n import _, current_timezone, format_datetime, format_day_heading, local
from core.pushes.base import Push
from core.pushes.reminders import KIND_ICONS, manage_buttons, reminder_line, short_when
from domain.pushes import NOTICE_KINDS
from storage import Storage
from storage.reminders import Reminder
from storage.staff import Staff

Rendered = tuple[str, InlineKeyboardMarkup | None]
MANAGED_KINDS = ("followup", "appointment")
MANAGED_ROWS = 6


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
            label = (f"{KIND_ICONS.get(reminder.kind, '•')} "
                     f"{(reminder.customer_name or '')[:30]}")
            rows.append([OpenCard(reminder.customer_id).button(label)])
    # Each follow-up listed can be done, moved or cancelled from here.
    managed = [r for r in [*overdue, *due] if r.kind in MANAGED_KINDS][:MANAGED_ROWS]
    rows += [manage_buttons(r, f"{short_when(r)} {(r.customer_name or '')[:16]}".strip())
             for r in managed]
    return "\n".join(lines), keyboard(rows) if rows else None


async def render_today(storage: Storage, staff: Staff, now: datetime) -> Rendered:
    """Today's appointments, follow-ups, birthdays and maturities, and what is overdue."""
    start, end = local_day_bounds(now)
    due = [r for r in await storage.reminders.open_between(staff.id, start, end)
           if r.kind not in NOTICE_KINDS]
    overdue = await storage.reminders.overdue(staff.id, start)
    return agenda_message(_("Your day"), due, overdue,
                          _("Nothing planned today. A good day to call a prospect!"))


async def render_week(storage: Storage, staff: Staff, now: datetime) -> Rendered:
    """The next seven days, day by day."""
    start, end = local_day_bounds(now, days=7)
    due = [r for r in await storage.reminders.open_between(staff.id, start, end)
           if r.kind not in NOTICE_KINDS]
    return agenda_message(_("Your week"), due, [], _("Nothing planned in the next seven days."),
                          by_day=True)


async def render_overdue(storage: Storage, staff: Staff, now: datetime) -> Rendered:
    """Every reminder that came due and is not done yet."""
    overdue = await storage.reminders.overdue(staff.id, now)
    return agenda_message(_("Overdue"), [], overdue, _("Nothing overdue. Well done!"))


async def render_agenda(storage: Storage, staff: Staff, reminder: Reminder,
                        now: datetime) -> Push:
    """The daily agenda, pushed at the RM's agenda time: today's view."""
    return Push(*await render_today(storage, staff, now))
