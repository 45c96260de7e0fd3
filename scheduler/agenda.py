"""Queue each RM's daily agenda at their chosen local time, as a reminder row."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from domain.pushes import Kind
from domain.quiet import parse_hhmm
from storage import Storage

# If the bot was down at agenda time, the agenda still goes out if it is back this soon.
CATCH_UP = timedelta(hours=4)


async def queue_agendas(storage: Storage, now: datetime) -> int:
    """Create today's agenda reminder for every RM whose agenda time has come."""
    created = 0
    for staff in await storage.staff.list_active():
        zone = ZoneInfo(staff.timezone)
        local_now = now.astimezone(zone)
        at = parse_hhmm(staff.agenda_time)
        if at is None:
            continue
        due = datetime.combine(local_now.date(), at, tzinfo=zone)
        if not due <= local_now < due + CATCH_UP:
            continue
        reminder_id = await storage.reminders.create(
            staff_id=staff.id, customer_id=None, kind=Kind.AGENDA, text="", due_at=due, now=now,
            rule_key=f"agenda:{staff.id}:{local_now.date().isoformat()}")
        created += reminder_id is not None
    return created
