"""The 'handover' push: customers were handed over to this RM (/reassign)."""

from __future__ import annotations

from datetime import datetime

from core.actions import OpenCard
from core.buttons import keyboard
from core.i18n import _
from core.messages import esc
from core.pushes.base import Push
from storage import Storage
from storage.reminders import Reminder
from storage.staff import Staff


async def render_handover(storage: Storage, staff: Staff, reminder: Reminder,
                          now: datetime) -> Push:
    """Tell an RM that customers were handed over to them."""
    previous = await storage.staff.get(reminder.ref_id) if reminder.ref_id else None
    name = esc(previous.name) if previous else "?"
    if reminder.customer_id is not None and reminder.customer_name is not None:
        text = _("🔁 <b>A customer was handed over to you</b>\n{customer}, until now a customer "
                 "of {name}. Their history is on the card.").format(
            customer=f"<b>{esc(reminder.customer_name or _('(no name)'))}</b>", name=name)
        return Push(text, keyboard([[OpenCard(reminder.customer_id).button(_("Open the card"))]]))
    text = _("🔁 <b>Customers were handed over to you</b>\nThe customers of {name} are now "
             "yours, with their history and open follow-ups. See /pipeline and /overdue.").format(
        name=name)
    return Push(text)
