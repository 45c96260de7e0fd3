"""The 'thanks' push: a referred customer was won, so thank whoever referred them, with a
suggested message in the referrer's language."""

from __future__ import annotations

from datetime import datetime

from core.actions import MarkDone, OpenCard
from core.buttons import keyboard
from core.i18n import N_, _, active, current_language, current_timezone
from core.messages import esc
from core.pushes.base import Push
from storage import Storage
from storage.reminders import Reminder
from storage.staff import Staff

# The message the RM may send the referrer, in the referrer's language.
THANKS = N_("Thank you for introducing {name} to us! We truly appreciate your trust and will "
            "take good care of them.")
THANKS_NO_NAME = N_("Thank you for your introduction! We truly appreciate your trust.")


async def render_thanks(storage: Storage, staff: Staff, reminder: Reminder,
                        now: datetime) -> Push:
    """A referred customer was won: thank the referrer, with a message in their language."""
    names = await storage.referrals.names([reminder.ref_id]) if reminder.ref_id else {}
    referred = names.get(reminder.ref_id or 0, "")
    referrer = esc(reminder.customer_name or "")
    lines = [_("🙏 <b>Thank the referrer</b>"),
             _("{referred}, whom {referrer} referred, is now a customer: a good moment to "
               "thank {referrer}.").format(referred=f"<b>{esc(referred)}</b>",
                                           referrer=f"<b>{referrer}</b>")]
    with active(reminder.customer_language or current_language(), current_timezone().key):
        greeting = _(THANKS).format(name=esc(referred)) if referred else _(THANKS_NO_NAME)
    lines += [_("Suggested message:"), f"<i>{greeting}</i>"]
    row = [MarkDone(reminder.id, reminder.version).button(_("✅ Done"))]
    if reminder.customer_id:
        row.append(OpenCard(reminder.customer_id).button(
            f"👤 {(reminder.customer_name or '')[:30]}"))
    return Push("\n".join(lines), keyboard([row]))
