"""The 'handover' push: customers were handed over to this RM (/reassign), or what waited on
someone whose access was turned off is now theirs."""

from __future__ import annotations

from datetime import datetime

from core.actions import OpenCard
from core.buttons import keyboard
from core.i18n import _, ngettext
from core.messages import esc
from core.pushes.base import Push
from storage import Storage
from storage.reassign import read_departure_note
from storage.reminders import Reminder
from storage.staff import Staff


async def render_handover(storage: Storage, staff: Staff, reminder: Reminder,
                          now: datetime) -> Push:
    """Tell an RM that customers were handed over to them."""
    previous = await storage.staff.get(reminder.ref_id) if reminder.ref_id else None
    name = esc(previous.name) if previous else "?"
    departure = read_departure_note(reminder.text)
    if departure is not None:
        return Push(await _departure_text(storage, previous, name, departure))
    if reminder.customer_id is not None and reminder.customer_name is not None:
        text = _("🔁 <b>A customer was handed over to you</b>\n{customer}, until now a customer "
                 "of {name}. Their history is on the card.").format(
            customer=f"<b>{esc(reminder.customer_name or _('(no name)'))}</b>", name=name)
        return Push(text, keyboard([[OpenCard(reminder.customer_id).button(_("Open the card"))]]))
    text = _("🔁 <b>Customers were handed over to you</b>\nThe customers of {name} are now "
             "yours, with their history and open follow-ups. See /pipeline and /overdue.").format(
        name=name)
    return Push(text)


async def _departure_text(storage: Storage, previous: Staff | None, name: str,
                          counts: tuple[int, int, int, int]) -> str:
    groups, questions, leads, posts = counts
    lines = [_("🔁 <b>{name} no longer has access</b>").format(name=name)]
    if any(counts):
        lines.append(_("What waited on them is now yours: merchant groups {groups}, open "
                       "questions {questions}, group leads {leads}, queued posts {posts}. "
                       "See /groups.").format(groups=groups, questions=questions, leads=leads,
                                              posts=posts))
    remaining = await storage.reassign.count_owned(previous.id) if previous else 0
    if remaining:
        lines.append(ngettext(
            "{count} customer of theirs still has to be handed over to an RM: send /reassign.",
            "{count} customers of theirs still have to be handed over to an RM: send "
            "/reassign.", remaining).format(count=remaining))
    return "\n".join(lines)
