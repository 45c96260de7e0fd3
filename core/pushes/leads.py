"""The 'lead_message' push: a known lead wrote to the bot privately, passed on to their RM."""

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


async def render_lead_message(storage: Storage, staff: Staff, reminder: Reminder,
                              now: datetime) -> Push:
    """What the lead wrote (who they are, then their words), with their card."""
    lines = [_("💬 <b>A lead wrote to you</b>")]
    if reminder.customer_name:
        lines.append(_("Customer: {name}").format(name=f"<b>{esc(reminder.customer_name)}</b>"))
    lines.append(esc(reminder.text))
    lines.append(_("They were told that you will get back to them. Reply to them yourself, by "
                   "phone or on Telegram: I do not pass answers back."))
    markup = (keyboard([[OpenCard(reminder.customer_id).button(_("Open the card"))]])
              if reminder.customer_id else None)
    return Push("\n".join(lines), markup)
