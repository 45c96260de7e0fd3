"""The 'complaint' push (an open complaint, until it is resolved) and the 'escalation' push
(to the team lead: an RM's complaint is overdue)."""

from __future__ import annotations

from datetime import datetime

from core.actions import MarkDone, OpenCard, ResolveComplaint
from core.buttons import keyboard
from core.i18n import _, format_date, format_datetime
from core.messages import esc
from core.pushes.base import Push
from core.pushes.reminders import reminder_message
from storage import Storage
from storage.complaints import Complaint
from storage.reminders import Reminder
from storage.staff import Staff


def _complaint_lines(complaint: Complaint, now: datetime) -> list[str]:
    lines = [f"<i>{esc(complaint.text[:500])}</i>"] if complaint.text else []
    lines.append(_("Opened {opened}; to resolve by {due}.").format(
        opened=format_date(complaint.opened_at), due=format_datetime(complaint.due_at)))
    if now > complaint.due_at:
        lines.append(_("⏰ Overdue."))
    return lines


async def render_complaint(storage: Storage, staff: Staff, reminder: Reminder,
                           now: datetime) -> Push:
    """A complaint still open: resolve it, or open the customer's card."""
    complaint = (await storage.complaints.get(staff.id, reminder.ref_id)
                 if reminder.ref_id else None)
    if complaint is None:
        return Push(*reminder_message(reminder, now))
    lines = [_("⚠️ <b>Complaint to resolve</b>"),
             _("Customer: {name}").format(name=f"<b>{esc(complaint.customer_name)}</b>"),
             *_complaint_lines(complaint, now)]
    markup = keyboard([[ResolveComplaint(complaint.id).button(_("✅ Resolved")),
                        OpenCard(complaint.customer_id).button(_("Open the card"))]])
    return Push("\n".join(lines), markup)


async def render_escalation(storage: Storage, staff: Staff, reminder: Reminder,
                            now: datetime) -> Push:
    """Tell a team lead that an RM's complaint is overdue."""
    complaint = (await storage.complaints.get_for_team(staff.team_id, reminder.ref_id)
                 if reminder.ref_id and staff.team_id is not None else None)
    if complaint is None:
        return Push(*reminder_message(reminder, now))
    owner = await storage.staff.get(complaint.owner_id)
    lines = [_("🚨 <b>Overdue complaint</b>"),
             _("{rm} has not resolved the complaint of {name} in time.").format(
                 rm=f"<b>{esc(owner.name if owner else '')}</b>",
                 name=f"<b>{esc(complaint.customer_name)}</b>"),
             *_complaint_lines(complaint, now)]
    markup = keyboard([[MarkDone(reminder.id, reminder.version).button(_("✅ Done"))]])
    return Push("\n".join(lines), markup)
