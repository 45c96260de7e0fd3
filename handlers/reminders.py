"""Acting on reminders (done, snooze), the agenda on demand, and when pushes may arrive."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Any

from telegram import Update
from telegram.error import TelegramError

from core import buttons
from core.actions import CancelReminder, MarkDone, MoveReminder, Snooze
from core.buttons import keyboard
from core.context import Ctx
from core.i18n import _, current_language, current_timezone, format_datetime
from core.messages import esc, reply
from core.pushes.agenda import render_overdue, render_today, render_week
from domain.customers import MAX_NOTE
from domain.quiet import read_quiet_hours, read_setting_time
from handlers.common import ask, expired, undo_button
from handlers.followups import START_OF_DAY, examples, read_when
from handlers.notes import follow_up_rows, outcome_rows
from storage.reminders import Reminder

OUTCOME_FLOW = "outcome"  # data {"reminder_id", "customer_id"}: optional note after done
SNOOZE_FLOW = "snooze"    # data {"reminder_id", "version"}: the next text is the new time


async def _reminder(update: Update, context: Ctx, reminder_id: int) -> Reminder | None:
    """The RM's own reminder a button names, or None after saying the button expired."""
    reminder = await context.storage.reminders.get(context.me.id, reminder_id)
    if reminder is None:
        await expired(update)
    return reminder


async def _drop_buttons(update: Update) -> None:
    query = update.callback_query
    if query is not None and query.message is not None:
        # An old or already edited message cannot lose its buttons; the action still stands.
        with contextlib.suppress(TelegramError):
            await query.edit_message_reply_markup(None)


async def _drop_reminder_buttons(update: Update, context: Ctx, reminder_id: int) -> None:
    """Take one reminder's buttons off a message that lists several (the card, the agenda,
    a confirmation), keeping the rest."""
    query = update.callback_query
    message = query.message if query is not None else None
    markup = getattr(message, "reply_markup", None)
    if query is None or markup is None:
        return
    rows = []
    for row in markup.inline_keyboard:
        kept = []
        for button in row:
            payload = (buttons.unpack(button.callback_data, query.from_user.id)
                       if isinstance(button.callback_data, str) else None)
            action = buttons.parse_action(payload) if payload else None
            if getattr(action, "reminder_id", None) != reminder_id:
                kept.append(button)
        if kept:
            rows.append(kept)
    with contextlib.suppress(TelegramError):
        await query.edit_message_reply_markup(keyboard(rows) if rows else None)


async def mark_done(update: Update, context: Ctx) -> None:
    """Mark a reminder done (once) and offer to note the outcome."""
    action = context.action(MarkDone)
    reminder = await _reminder(update, context, action.reminder_id)
    if reminder is None:
        return
    if not await context.storage.reminders.complete(context.me.id, reminder.id, action.version,
                                                    context.clock.now()):
        await context.query.answer(_("Already handled."), show_alert=True)
        return
    await context.query.answer(_("Done ✅"))
    if action.keep:
        await _drop_reminder_buttons(update, context, reminder.id)
    else:
        await _drop_buttons(update)
    if reminder.customer_id is None:
        return
    customer = await context.storage.customers.get(context.me.id, reminder.customer_id)
    # One tap for the outcome (noted in the file), one for the next follow-up.
    rows = ([*outcome_rows(customer.id, "note", reminder.id), *follow_up_rows(customer)]
            if customer is not None else [])
    name = esc(reminder.customer_name or "")
    await ask(update, context, OUTCOME_FLOW,
              {"reminder_id": reminder.id, "customer_id": reminder.customer_id},
              _("✅ Done. How did it go? Tap the outcome or type a short note for {name}'s "
                "file; or set the next follow-up.").format(name=name),
              keyboard(rows) if rows else None, file_of=name)


async def type_outcome(update: Update, context: Ctx, data: dict[str, Any]) -> None:
    """Store the outcome of a done reminder, as a note in the customer's file."""
    message = context.message
    await context.storage.states.clear(context.me.id, message.chat_id)
    text = (message.text or "").strip()[:MAX_NOTE]
    customer = await context.storage.customers.get(context.me.id,
                                                   int(data.get("customer_id", 0)))
    if customer is None or not text:
        await reply(update, _("This customer is no longer in your list."))
        return
    await context.storage.reminders.set_outcome(context.me.id, int(data.get("reminder_id", 0)),
                                                text)
    interaction_id = await context.storage.add_interaction(
        staff_id=context.me.id, customer_id=customer.id, kind="note", now=context.clock.now(),
        text=text)
    await reply(update, _("📝 Saved in {name}'s file.").format(name=esc(customer.name)),
                keyboard([[undo_button("i", interaction_id)]]))


def _snooze_until(preset: str, now: datetime) -> datetime | None:
    local_now = now.astimezone(current_timezone())
    if preset == "1h":
        return now + timedelta(hours=1)
    if preset == "tm":
        return datetime.combine(local_now.date() + timedelta(days=1), START_OF_DAY,
                                tzinfo=current_timezone())
    if preset == "nw":
        return datetime.combine(local_now.date() + timedelta(days=7), START_OF_DAY,
                                tzinfo=current_timezone())
    return None


async def snooze(update: Update, context: Ctx) -> None:
    """Snooze a reminder by a preset, or ask for a typed time."""
    action = context.action(Snooze)
    reminder = await _reminder(update, context, action.reminder_id)
    if reminder is None:
        return
    version, preset = action.version, action.preset
    now = context.clock.now()
    if preset == "x":
        if reminder.status not in ("pending", "sending", "sent") or reminder.version != version:
            await context.query.answer(_("Already handled."), show_alert=True)
            return
        await context.query.answer()
        await ask(update, context, SNOOZE_FLOW, {"reminder_id": reminder.id, "version": version},
                  _("When should I remind you again? {examples}").format(examples=examples()),
                  file_of=esc(reminder.customer_name) if reminder.customer_name else None)
        return
    until = _snooze_until(preset, now)
    if until is None:
        await expired(update)
        return
    if not await context.storage.reminders.snooze(context.me.id, reminder.id, version, until):
        await context.query.answer(_("Already handled."), show_alert=True)
        return
    await context.query.answer(_("I will remind you again on {when}.").format(
        when=format_datetime(until)))
    await _drop_buttons(update)


def _is_open(reminder: Reminder, version: int) -> bool:
    return reminder.status in ("pending", "sending", "sent") and reminder.version == version


async def offer_move(update: Update, context: Ctx) -> None:
    """Offer the times a follow-up can be moved to (from the card, the agenda or its
    confirmation)."""
    action = context.action(MoveReminder)
    reminder = await _reminder(update, context, action.reminder_id)
    if reminder is None:
        return
    if not _is_open(reminder, action.version):
        await context.query.answer(_("Already handled."), show_alert=True)
        return
    await context.query.answer()
    rid, version = reminder.id, reminder.version
    rows = [[Snooze(rid, version, "1h").button(_("In 1 hour")),
             Snooze(rid, version, "tm").button(_("Tomorrow morning")),
             Snooze(rid, version, "nw").button(_("Next week"))],
            [Snooze(rid, version, "x").button(_("Another time…"))]]
    await reply(update, _("Move the follow-up with {name} ({when}) to when?").format(
        name=esc(reminder.customer_name or ""), when=format_datetime(reminder.due_at)),
        keyboard(rows))


async def cancel_reminder(update: Update, context: Ctx) -> None:
    """Cancel a follow-up (from the card, the agenda or its confirmation), once."""
    action = context.action(CancelReminder)
    reminder = await _reminder(update, context, action.reminder_id)
    if reminder is None:
        return
    if not await context.storage.reminders.cancel_version(
            context.me.id, reminder.id, action.version, context.clock.now()):
        await context.query.answer(_("Already handled."), show_alert=True)
        return
    await context.query.answer(_("Follow-up cancelled: {name}, {when}.").format(
        name=reminder.customer_name or "", when=format_datetime(reminder.due_at)))
    await _drop_reminder_buttons(update, context, reminder.id)


async def type_snooze(update: Update, context: Ctx, data: dict[str, Any]) -> None:
    """Read the typed time for a snoozed reminder."""
    message = context.message
    when = await read_when(update, context)
    if when is None:
        return
    await context.storage.states.clear(context.me.id, message.chat_id)
    if not await context.storage.reminders.snooze(context.me.id, int(data.get("reminder_id", 0)),
                                                  int(data.get("version", -1)), when):
        await reply(update, _("Already handled."))
        return
    await reply(update, _("I will remind you again on {when}.").format(
        when=f"<b>{format_datetime(when)}</b>"))


async def show_today(update: Update, context: Ctx) -> None:
    """Today's agenda and what is overdue."""
    text, markup = await render_today(context.storage, context.me, context.clock.now())
    await reply(update, text, markup)


async def show_week(update: Update, context: Ctx) -> None:
    """The next seven days, day by day."""
    text, markup = await render_week(context.storage, context.me, context.clock.now())
    await reply(update, text, markup)


async def show_overdue(update: Update, context: Ctx) -> None:
    """Every reminder not done yet whose time has passed."""
    text, markup = await render_overdue(context.storage, context.me, context.clock.now())
    await reply(update, text, markup)


async def set_agenda_time(update: Update, context: Ctx) -> None:
    """Choose when the daily agenda arrives: /agenda 07:30 (or 7h30, 早上7点半, 7:30am)."""
    typed = " ".join(context.args or [])
    if not typed:
        await reply(update, _("Your daily agenda arrives at {time}. To change it, write for "
                              "example /agenda 07:30.").format(time=context.me.agenda_time))
        return
    at = read_setting_time(typed, current_language())
    if at is None:
        # Never the old setting again as if nothing was typed: say what was not understood.
        await reply(update, _("I did not understand “{text}” as a time of day, so your agenda "
                              "still arrives at {time}. Write for example /agenda 07:30.").format(
            text=esc(typed[:80]), time=context.me.agenda_time))
        return
    await context.storage.set_schedule(context.me.id, context.clock.now(),
                                       agenda_time=at.strftime("%H:%M"))
    await reply(update, _("Done: your daily agenda will arrive at {time}.").format(
        time=at.strftime("%H:%M")))


async def set_quiet_hours(update: Update, context: Ctx) -> None:
    """Choose the quiet hours: /quiet 21:00 07:30 (or 22h-7h, 晚上10点到早上7点, 10pm 7am)."""
    typed = " ".join(context.args or [])
    if not typed:
        await reply(update, _(
            "Quiet hours: {start}–{end}. Reminders you set yourself still arrive on time; care "
            "reminders and the agenda wait until the end. To change, write for example "
            "/quiet 21:00 07:30."
        ).format(start=context.me.quiet_start, end=context.me.quiet_end))
        return
    hours = read_quiet_hours(typed, current_language())
    if hours is None:
        await reply(update, _(
            "I did not understand “{text}” as quiet hours, so they stay {start}–{end}. Write "
            "when they start and when they end, for example /quiet 21:00 07:30."
        ).format(text=esc(typed[:80]), start=context.me.quiet_start, end=context.me.quiet_end))
        return
    start, end = hours
    await context.storage.set_schedule(context.me.id, context.clock.now(),
                                       quiet_start=start.strftime("%H:%M"),
                                       quiet_end=end.strftime("%H:%M"))
    await reply(update, _("Done: quiet hours are now {start}–{end}.").format(
        start=start.strftime("%H:%M"), end=end.strftime("%H:%M")))
