"""The RM's agenda: today, the coming week, and what is overdue (pushed and on demand)."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardMarkup

from core.i18n import _
from core.notices import agenda_message, local_day_bounds
from storage import Storage
from storage.reminders import NOTICE_KINDS
from storage.staff import Staff

Rendered = tuple[str, InlineKeyboardMarkup | None]


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
