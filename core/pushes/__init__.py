"""Everything the bot pushes on its own, as messages: one renderer per kind of reminder row.

The scheduler's dispatcher renders each due row at send time, with the recipient's language
and time zone active, and sends the text (with the picture, if the renderer drew one). The
table below is the one place a kind finds its renderer; tests check that every kind has one.
"""

from __future__ import annotations

from datetime import datetime

from core.pushes import (
    agenda,
    business,
    churn,
    complaints,
    leads,
    reassign,
    referrals,
    reminders,
    review,
)
from core.pushes.base import Push, Renderer
from core.pushes.reminders import digest
from domain.pushes import Kind
from storage import Storage
from storage.reminders import Reminder
from storage.staff import Staff

__all__ = ["RENDERERS", "Push", "Renderer", "digest", "render"]

RENDERERS: dict[Kind, Renderer] = {
    Kind.FOLLOWUP: reminders.render_reminder,
    Kind.APPOINTMENT: reminders.render_reminder,
    Kind.TOUCH: reminders.render_reminder,
    Kind.CARE: reminders.render_reminder,
    Kind.BIRTHDAY: business.render_customer_care,
    Kind.HOLIDAY: business.render_holiday_greetings,
    Kind.MATURITY: business.render_customer_care,
    Kind.REPAYMENT: reminders.render_reminder,
    Kind.ANNIVERSARY: reminders.render_reminder,
    Kind.DEBIT: reminders.render_reminder,
    Kind.COMPLIANCE: reminders.render_reminder,
    Kind.COMPLAINT: complaints.render_complaint,
    Kind.ESCALATION: complaints.render_escalation,
    Kind.THANKS: referrals.render_thanks,
    Kind.LEAD: reminders.render_reminder,
    Kind.LEAD_MESSAGE: leads.render_lead_message,
    Kind.QUESTION: reminders.render_reminder,
    Kind.MYCARD: reminders.render_reminder,
    Kind.CHURN: churn.render_churn,
    Kind.AGENDA: agenda.render_agenda,
    Kind.REVIEW: review.render_review,
    Kind.TEAM_REVIEW: review.render_team_review,
    Kind.HANDOVER: reassign.render_handover,
    Kind.SHARED_REF: churn.render_shared_ref,
}


async def render(storage: Storage, staff: Staff, reminder: Reminder, now: datetime) -> Push:
    """The message for a due reminder."""
    try:
        renderer = RENDERERS[Kind(reminder.kind)]
    except ValueError:  # a kind this version does not know: its title and text
        renderer = reminders.render_reminder
    return await renderer(storage, staff, reminder, now)
