"""Plain text in private chat: the answer to a question the bot asked, a note on a card, or
(per the RM's setting) a search or a note."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram import Update

from core.context import Ctx
from core.i18n import _
from core.messages import reply
from domain.flows import is_skip
from handlers import (
    capture,
    cardscan,
    catalog,
    churn,
    complaints,
    customer_edit,
    deals,
    followups,
    holdings,
    household,
    leads,
    notes,
    posts,
    preferences,
    reminders,
    search,
    spreadsheets,
    swot,
)

Step = Callable[[Update, Ctx, dict[str, Any]], Awaitable[None]]

# The question asked last decides what the next text means.
STEPS: dict[str, Step] = {
    capture.ADD_FLOW: capture.guided_step,
    cardscan.CARD_EDIT_FLOW: cardscan.type_field,
    customer_edit.EDIT_FLOW: customer_edit.type_value,
    customer_edit.LOST_FLOW: customer_edit.type_lost_reason,
    notes.NOTE_FLOW: notes.type_note,
    notes.NOTE_EDIT_FLOW: notes.type_correction,
    notes.PICK_FLOW: notes.type_pick_query,
    followups.FOLLOW_UP_FLOW: followups.type_when,
    followups.REMIND_PICK_FLOW: followups.type_remind_customer,
    reminders.OUTCOME_FLOW: reminders.type_outcome,
    reminders.SNOOZE_FLOW: reminders.type_snooze,
    posts.POST_FLOW: posts.receive_content,
    leads.ANSWER_FLOW: leads.type_answer,
    complaints.COMPLAINT_FLOW: complaints.type_complaint,
    complaints.RESOLVE_FLOW: complaints.type_resolution,
    deals.DEAL_FLOW: deals.type_deal_value,
    holdings.HOLDING_FLOW: holdings.type_holding_date,
    household.HOUSEHOLD_FLOW: household.type_member,
    swot.SWOT_FLOW: swot.type_part,
}
# What "skip" typed (domain/flows.py: bỏ qua, 跳过, 跳過, skip…) does where it is more than
# dropping the question: the next question, or logging a call without a note.
SKIPS: dict[str, Step] = {
    capture.ADD_FLOW: capture.skip_typed,
    notes.NOTE_FLOW: notes.skip_note,
    deals.DEAL_FLOW: deals.skip_typed,
}


async def skip_question(update: Update, context: Ctx, data: dict[str, Any]) -> None:
    """Drop the question asked: nothing is saved from it."""
    await context.storage.states.clear(context.me.id, context.message.chat_id)
    await reply(update, _("Skipped: nothing was saved."))


# States that wait for a button, not for text: the next text is read as usual (a search or
# a note), and the buttons check the state themselves.
WAITING_FOR_BUTTONS = frozenset({
    capture.DUPLICATE_FLOW,   # open the existing customer, or create anyway
    cardscan.CARD_FLOW,       # a business card's draft: correct a field, save or discard
    complaints.PICK_STATE,    # which customer the /complaint typed is from
    preferences.ONBOARDING,   # the language, then the time zone
})
# A question left unanswered this long no longer captures the next text: by then the RM has
# moved on, and a search typed a day later must not become a customer's name.
FLOW_TIMEOUT = timedelta(minutes=30)


async def route_text(update: Update, context: Ctx) -> None:
    """Send a plain text to the open question, the replied-to card, or search/note."""
    message = context.message
    state = await context.storage.states.get(context.me.id, message.chat_id)
    if state is not None and state.flow in STEPS:
        fresh = state.updated_at is None or context.clock.now() - state.updated_at < FLOW_TIMEOUT
        if fresh:
            if is_skip(message.text or ""):
                await SKIPS.get(state.flow, skip_question)(update, context, state.data)
                return
            await STEPS[state.flow](update, context, state.data)
            return
        await context.storage.states.clear(context.me.id, message.chat_id)
    if await notes.note_from_reply(update, context):
        return
    text = (message.text or "").strip()
    # A long text is a note, never a search: the search would cut it, and it must not be lost.
    if context.me.text_mode == "note" or len(text) > search.MAX_QUERY:
        item = await context.storage.inbox.add(staff_id=context.me.id, kind="note", text=text,
                                               now=context.clock.now())
        await notes.offer_customers(update, context, item,
                                    await context.storage.customers.recent(context.me.id))
        return
    await search.run_search(update, context, text, offer_alternatives=True)


async def forget_question(update: Update, context: Ctx) -> None:
    """A new command means the RM moved on: an unanswered question no longer takes text."""
    message = update.effective_message
    if context.staff is None or message is None or not message.text:
        return
    if message.text.split()[0].split("@")[0] == "/cancel":
        return  # /cancel reports what it cancelled
    state = await context.storage.states.get(context.me.id, message.chat_id)
    if state is not None and state.flow in STEPS:
        await context.storage.states.clear(context.me.id, message.chat_id)


# A file sent while the bot waits for one (an import, weekly volumes) goes to that flow.
FILE_STEPS: dict[str, Step] = {
    spreadsheets.IMPORT_FLOW: spreadsheets.receive_import_file,
    churn.VOLUMES_FLOW: churn.receive_volumes_file,
}


async def route_media(update: Update, context: Ctx) -> None:
    """A file or photo: for the flow waiting for it, the admin's catalog, a business card
    (a photo with no caption), or the inbox."""
    message = context.message
    state = await context.storage.states.get(context.me.id, message.chat_id)
    fresh = state is not None and (state.updated_at is None
                                   or context.clock.now() - state.updated_at < FLOW_TIMEOUT)
    if state is not None and fresh:
        if (state.flow == posts.POST_FLOW and state.data.get("step") == "content"
                and message.photo):
            await posts.receive_content(update, context, state.data)
            return
        if state.flow in FILE_STEPS and message.document is not None:
            await FILE_STEPS[state.flow](update, context, state.data)
            return
    if catalog.is_catalog_upload(update, context):
        await catalog.load_catalog(update, context)
        return
    if cardscan.is_card_photo(message):
        await cardscan.scan_card(update, context)
        return
    await notes.capture_message(update, context)
