"""Setting follow-ups: from the card, after a logged contact, or with /remind in one line."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

from telegram import Update

from core.actions import (
    AskFollowUp,
    CorrectFollowUp,
    FollowUpPreset,
    OpenCard,
    PickRemindCustomer,
)
from core.buttons import keyboard
from core.context import Ctx
from core.i18n import _, current_language, current_timezone, format_datetime, format_list
from core.messages import esc, reply
from core.pushes.reminders import manage_buttons
from domain.customers import MAX_FIELD
from domain.timeparse import (
    MAX_YEARS_AHEAD,
    ParsedTime,
    Problem,
    TimeProblem,
    find_time,
    read_time,
    scan_time,
)
from handlers.cards import display_name, own_customer
from handlers.common import ask, expired
from handlers.lookup import matches, split_customer
from storage.customers import Customer

FOLLOW_UP_FLOW = "followup"  # data {"customer_id"}: the next text is "<when> <what>"
# data {"text", "rest"}: a /remind whose customer words also read as a time; the next text
# names the customer of the time read from the whole text, a button picks one of the
# customers those words name (with the time read after them).
REMIND_PICK_FLOW = "remind_pick"
PRESETS = {"1d": 1, "3d": 3, "1w": 7}  # FollowUpPreset.preset: days ahead
START_OF_DAY = time(9, 0)


def examples() -> str:
    return _("For example: tomorrow 9am, next friday 2:30pm, in 2 hours.")


def problem_text(problem: TimeProblem, text: str) -> str:
    """Why the time phrase in `text` cannot be scheduled, in the user's language (HTML)."""
    phrase = esc(text[problem.start:problem.end][:80])
    if problem.problem is Problem.NO_SUCH_DAY:
        if problem.lunar:
            return _("“{text}” does not exist: that lunar month has only {days} days.").format(
                text=phrase, days=problem.days or 29)
        return _("“{text}” does not exist: that month has only {days} days.").format(
            text=phrase, days=problem.days)
    if problem.problem is Problem.TOO_FAR:
        return _("“{text}” is more than {years} years ahead: please check the year.").format(
            text=phrase, years=MAX_YEARS_AHEAD)
    assert problem.when is not None
    if problem.problem is Problem.WEEKDAY_MISMATCH:
        return _("“{text}” does not add up: that date is {when}. Please check the day of the "
                 "week or the date.").format(text=phrase, when=format_datetime(problem.when))
    return _("“{text}” has already passed ({when}). Please give a time ahead.").format(
        text=phrase, when=format_datetime(problem.when))


async def read_when(update: Update, context: Ctx) -> datetime | None:
    """The time the whole message names, or None after answering with examples that work."""
    message = context.message
    text = (message.text or "").strip()
    now = context.clock.now()
    found = read_time(text, current_language(), now.astimezone(current_timezone()),
                      region=context.me.region)
    if isinstance(found, ParsedTime):
        return found.when
    if isinstance(found, TimeProblem):
        await reply(update, problem_text(found, text))
    else:
        await reply(update, _("I could not understand the time in “{text}”. {examples}").format(
            text=esc(text[:80]), examples=examples()))
    return None


async def ask_when(update: Update, context: Ctx) -> None:
    """Ask when to follow up with the customer on the card."""
    customer = await own_customer(update, context, context.action(AskFollowUp).customer_id)
    if customer is None:
        return
    await context.query.answer()
    name = esc(display_name(customer))
    await ask(update, context, FOLLOW_UP_FLOW, {"customer_id": customer.id}, _(
        "When should I remind you about {name}? Write the time, then what to do if you like. "
        "{examples} (/cancel to stop)"
    ).format(name=name, examples=examples()), file_of=name)


async def type_when(update: Update, context: Ctx, data: dict[str, Any]) -> None:
    """Read '<when> <what>' typed after 'Follow-up' and create the reminder."""
    message = context.message
    customer = await context.storage.customers.get(context.me.id,
                                                   int(data.get("customer_id", 0)))
    if customer is None:
        await context.storage.states.clear(context.me.id, message.chat_id)
        await reply(update, _("This customer is no longer in your list."))
        return
    if await _schedule_from_text(update, context, customer, (message.text or "").strip()):
        await context.storage.states.clear(context.me.id, message.chat_id)


async def _schedule_from_text(update: Update, context: Ctx, customer: Customer,
                              text: str) -> bool:
    """Create the reminder from text that holds a time phrase; False after explaining."""
    local_now = context.clock.now().astimezone(current_timezone())
    found = scan_time(text, current_language(), local_now, region=context.me.region)
    if isinstance(found, TimeProblem):
        await reply(update, problem_text(found, text))
        return False
    if found is None:
        await reply(update, _("I could not understand the time in “{text}”. {examples}").format(
            text=esc(text[:80]), examples=examples()))
        return False
    what = (text[:found.start] + " " + text[found.end:]).strip(" ,.-:")
    await schedule(update, context, customer, found.when, what)
    return True


async def schedule(update: Update, context: Ctx, customer: Customer, when: datetime,
                   what: str) -> None:
    """Store the follow-up and echo the understood time, with a button to correct it."""
    staff, now = context.me, context.clock.now()
    reminder_id = await context.storage.schedule_follow_up(staff.id, customer.id,
                                                           what[:MAX_FIELD], when, now)
    reminder = await context.storage.reminders.get(staff.id, reminder_id or 0)
    rows = [[CorrectFollowUp(reminder_id or 0, customer.id).button(_("Change the time")),
             OpenCard(customer.id).button(_("Open the card"))]]
    if reminder is not None:  # done early, moved or cancelled from here too
        rows.insert(0, manage_buttons(reminder, _("Done early")))
    markup = keyboard(rows)
    text = _("⏰ I will remind you about {name} on {when}.").format(
        name=f"<b>{esc(display_name(customer))}</b>", when=f"<b>{format_datetime(when)}</b>")
    if what:
        text += "\n" + esc(what)
    await reply(update, text, markup)


async def preset(update: Update, context: Ctx) -> None:
    """Follow up tomorrow, in 3 days or next week, at the start of the working day."""
    action = context.action(FollowUpPreset)
    customer = await own_customer(update, context, action.customer_id)
    if customer is None:
        return
    days = PRESETS[action.preset]
    await context.query.answer()
    zone = current_timezone()
    day = context.clock.now().astimezone(zone).date() + timedelta(days=days)
    await schedule(update, context, customer, datetime.combine(day, START_OF_DAY, tzinfo=zone),
                   "")


async def correct_time(update: Update, context: Ctx) -> None:
    """Cancel a just-made follow-up and ask for the right time."""
    action = context.action(CorrectFollowUp)
    reminder = await context.storage.reminders.get(context.me.id, action.reminder_id)
    customer = await context.storage.customers.get(context.me.id, action.customer_id)
    if reminder is None or customer is None or reminder.status != "pending":
        await expired(update)
        return
    await context.storage.reminders.cancel(context.me.id, reminder.id, context.clock.now())
    await context.query.answer()
    await ask(update, context, FOLLOW_UP_FLOW, {"customer_id": customer.id},
              _("Which time is right? {examples}").format(examples=examples()),
              file_of=esc(display_name(customer)))


async def remind_command(update: Update, context: Ctx) -> None:
    """Set a follow-up in one line: /remind <customer> <when> <what>."""
    message = context.message
    assert message.text is not None  # a command
    parts = message.text.split(maxsplit=1)
    text = parts[1].strip() if len(parts) > 1 else ""
    if not text:
        await reply(update, _("Write the customer, the time and what to do, for example: "
                              "{example}").format(example=_("/remind Nguyễn Văn An mai 9h gọi "
                                                            "lại báo lãi suất")))
        return
    candidates, rest = await split_customer(context, text)
    if len(candidates) == 1 and await _ask_if_name_is_a_time(update, context, text, rest):
        return
    if len(candidates) != 1:
        if candidates:
            names = format_list((esc(display_name(c)) for c in candidates[:6]), style="or")
            await reply(update, _("Several customers match: {names}. Please write more of the "
                                  "name, or the phone number.").format(names=names))
        else:
            await reply(update, _("I could not find that customer among yours. Check the name "
                                  "or use the phone number."))
        return
    await _schedule_from_text(update, context, candidates[0], rest)


async def _ask_if_name_is_a_time(update: Update, context: Ctx, text: str, rest: str) -> bool:
    """When the words naming the customer also read as a time ('/remind mai 9h gọi lại' and a
    customer Mai), ask which customer rather than guess; True if asked."""
    words = list(re.finditer(r"\S+", text))
    named = len(words) - len(rest.split())
    if named <= 0:
        return False
    name_end = words[named - 1].end()
    local_now = context.clock.now().astimezone(current_timezone())
    whole = find_time(text, current_language(), local_now, region=context.me.region)
    if whole is None or whole.start != 0 or whole.end < name_end:
        return False
    name = text[:name_end]
    after = find_time(rest, current_language(), local_now, region=context.me.region)
    rows = []
    if after is not None:  # each customer those words name, with the time read after them
        label = format_datetime(after.when)
        rows = [[PickRemindCustomer(c.id).button(f"{display_name(c)} · {label}")]
                for c in await matches(context, name)]
    await ask(update, context, REMIND_PICK_FLOW, {"text": text, "rest": rest}, _(
        "“{name}” is a customer's name and also a time: {when}. Which customer is this "
        "follow-up for? Tap them, or type the customer's name for {when}. (/cancel to stop)"
    ).format(name=esc(name), when=format_datetime(whole.when)), keyboard(rows))
    return True


async def pick_remind_customer(update: Update, context: Ctx) -> None:
    """Set the /remind follow-up for the customer picked among those its words name."""
    customer = await own_customer(update, context,
                                  context.action(PickRemindCustomer).customer_id)
    if customer is None:
        return
    state = await context.storage.states.get(context.me.id, context.chat.id)
    if state is None or state.flow != REMIND_PICK_FLOW:
        await expired(update)
        return
    await context.query.answer()
    await context.storage.states.clear(context.me.id, context.chat.id)
    await _schedule_from_text(update, context, customer, str(state.data.get("rest", "")))


async def type_remind_customer(update: Update, context: Ctx, data: dict[str, Any]) -> None:
    """The customer typed for a /remind whose first words were a time: the whole text's time."""
    message = context.message
    query = (message.text or "").strip()
    found = await matches(context, query) if query else []
    if len(found) != 1:
        if found:
            names = ", ".join(esc(display_name(c)) for c in found[:6])
            await reply(update, _("Several customers match: {names}. Please write more of the "
                                  "name, or the phone number.").format(names=names))
        else:
            await reply(update, _("I could not find that customer among yours. Check the name "
                                  "or use the phone number."))
        return
    await context.storage.states.clear(context.me.id, message.chat_id)
    await _schedule_from_text(update, context, found[0], str(data.get("text", "")))
