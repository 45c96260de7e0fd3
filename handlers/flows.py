"""Plain text in private chat: the answer to a question the bot asked, a note on a card, or
(per the RM's setting) a search or a note.

A question (asked with handlers.common.ask) takes the next text for ten minutes; "skip" in
any language, or its Skip button, passes it; a text that is another customer's name is held
until the RM says where it goes. Confirmations carry ↩️ Undo (undo_change) for five minutes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from telegram import Message, Update

from core.actions import AboutOther, FileAnswer, SearchAnswer, SkipPrompt, UndoChange
from core.buttons import keyboard
from core.context import Ctx
from core.i18n import _, ngettext
from core.messages import edit_or_reply, esc, reply
from domain.customers import INTERACTION_KINDS
from domain.flows import PROMPT_TIMEOUT, UNDO_WINDOW, is_skip
from domain.names import fold
from handlers import (
    capture,
    cards,
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
    lookup,
    notes,
    posts,
    preferences,
    reminders,
    search,
    spreadsheets,
    swot,
)
from handlers.cards import display_name
from handlers.common import expired
from storage.bookkeeping import ChatState
from storage.customers import Customer

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
# Questions asked with Skip and Cancel buttons of their own (each names the step it skips),
# rather than through handlers.common.ask.
OWN_SKIP = frozenset({deals.DEAL_FLOW, holdings.HOLDING_FLOW, swot.SWOT_FLOW,
                      household.HOUSEHOLD_FLOW})
# What "skip" typed (domain/flows.py: bỏ qua, 跳过, 跳過, skip…) does where it is more than
# dropping the question: the next question, or logging a call without a note.
SKIPS: dict[str, Step] = {
    capture.ADD_FLOW: capture.skip_typed,
    notes.NOTE_FLOW: notes.skip_note,
    deals.DEAL_FLOW: deals.skip_typed,
}


async def skip_question(update: Update, context: Ctx, data: dict[str, Any]) -> None:
    """Drop the question asked: nothing is saved from it."""
    await context.storage.states.clear(context.me.id, context.chat.id)
    await reply(update, _("Skipped: nothing was saved."))


# States that wait for a button, not for text: the next text is read as usual (a search or
# a note), and the buttons check the state themselves.
WAITING_FOR_BUTTONS = frozenset({
    capture.DUPLICATE_FLOW,   # open the existing customer, or create anyway
    cardscan.CARD_FLOW,       # a business card's draft: correct a field, save or discard
    complaints.PICK_STATE,    # which customer the /complaint typed is from
    preferences.ONBOARDING,   # the language, then the time zone
})
# A file a flow waits for (an import, weekly volumes) is looked for and exported first: it
# waits longer than a typed answer (domain.flows.PROMPT_TIMEOUT).
FLOW_TIMEOUT = timedelta(minutes=30)
# Questions whose answer is a name (of a customer to find or link, or of a new one): a
# customer's name typed there is the answer, not a sign the RM moved on.
NAME_ANSWERS = frozenset({
    notes.PICK_FLOW, followups.REMIND_PICK_FLOW, household.HOUSEHOLD_FLOW,
    customer_edit.EDIT_FLOW, cardscan.CARD_EDIT_FLOW,
})
MAX_NAME_TEXT = 80
HELD = "held"  # the state's key for a text held back until the RM says where it goes


def fresh(updated_at: datetime | None, now: datetime) -> bool:
    """Whether a question asked at ``updated_at`` still takes the next text."""
    return updated_at is None or now - updated_at < PROMPT_TIMEOUT


async def route_text(update: Update, context: Ctx) -> None:
    """Send a plain text to the open question, the replied-to card, or search/note."""
    message = context.message
    state = await context.storage.states.get(context.me.id, message.chat_id)
    if state is not None and state.flow in STEPS:
        if fresh(state.updated_at, context.clock.now()):
            text = (message.text or "").strip()
            data = {key: value for key, value in state.data.items() if key != HELD}
            if is_skip(text):
                await SKIPS.get(state.flow, skip_question)(update, context, data)
                return
            if await _hold_if_about_another(update, context, state.flow, data, text):
                return
            await STEPS[state.flow](update, context, data)
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


async def question_customer(context: Ctx, data: dict[str, Any]) -> Customer | None:
    """The customer whose file the answer to a question goes to, if it has one."""
    me = context.me.id
    customer_id = data.get("customer_id")
    if customer_id is None and data.get("reminder_id") is not None:
        reminder = await context.storage.reminders.get(me, int(data["reminder_id"]))
        customer_id = reminder.customer_id if reminder is not None else None
    if customer_id is None and data.get("complaint_id") is not None:
        complaint = await context.storage.complaints.get(me, int(data["complaint_id"]))
        customer_id = complaint.customer_id if complaint is not None else None
    if customer_id is None and data.get("deal_id") is not None:
        deal = await context.storage.deals.get(me, int(data["deal_id"]))
        customer_id = deal.customer_id if deal is not None else None
    return await context.storage.customers.get(me, int(customer_id)) if customer_id else None


async def _hold_if_about_another(update: Update, context: Ctx, flow: str, data: dict[str, Any],
                                 text: str) -> bool:
    """A text that is another customer's name is not filed as the answer to a question about
    someone else: it is held, and the RM says where it goes."""
    if flow in NAME_ANSWERS or (flow == capture.ADD_FLOW and data.get("step") == "name"):
        return False
    if not text or len(text) > MAX_NAME_TEXT or len(text.split()) > lookup.MAX_NAME_WORDS:
        return False
    target = await question_customer(context, data)
    folded = fold(text)
    others = [c for c in await lookup.matches(context, text)
              if fold(c.name) == folded and (target is None or c.id != target.id)]
    if not others:
        return False
    await context.storage.states.set(context.me.id, context.chat.id, flow,
                                     {**data, HELD: text}, context.clock.now())
    rows = [[AboutOther(other.id).button(_("👤 It is about {name}").format(
        name=display_name(other)[:40]))] for other in others[:3]]
    if target is not None:
        rows.insert(0, [FileAnswer(flow).button(_("📁 File it for {name}").format(
            name=display_name(target)[:40]))])
    else:
        rows.insert(0, [FileAnswer(flow).button(_("✍️ It is my answer"))])
    rows.append([SearchAnswer().button(_("🔎 Search for it")), SkipPrompt(flow).button(_("Skip"))])
    await reply(update, _("“{text}” is the name of another customer. Where does it go?").format(
        text=esc(text)), keyboard(rows))
    return True


async def _held(update: Update, context: Ctx, flow: str | None) -> tuple[ChatState, str] | None:
    """The question still open with its held text (``flow``: the one the button names)."""
    state = await context.storage.states.get(context.me.id, context.chat.id)
    if (state is None or state.flow not in STEPS or (flow is not None and state.flow != flow)
            or not fresh(state.updated_at, context.clock.now())
            or not isinstance(state.data.get(HELD), str)):
        await context.query.answer(_("This question was already answered, skipped or has "
                                     "expired."), show_alert=True)
        return None
    return state, str(state.data[HELD])


async def file_answer(update: Update, context: Ctx) -> None:
    """File the held text as the answer to the question, as if it had been typed now."""
    held = await _held(update, context, context.action(FileAnswer).flow)
    if held is None:
        return
    state, text = held
    await context.query.answer()
    data = {key: value for key, value in state.data.items() if key != HELD}
    query = context.query
    typed = Message(message_id=query.message.message_id if query.message else 0,
                    date=context.clock.now(), chat=context.chat, from_user=query.from_user,
                    text=text)
    typed.set_bot(context.bot)
    answered = Update(update_id=update.update_id, message=typed)
    # The question's step reads the text from the update: it gets the held one.
    original, context._update = context._update, answered
    try:
        await STEPS[state.flow](answered, context, data)
    finally:
        context._update = original


async def about_other(update: Update, context: Ctx) -> None:
    """The held text named the customer it was about: drop the question, open their card."""
    if await _held(update, context, None) is None:
        return
    customer = await context.storage.customers.get(context.me.id,
                                                   context.action(AboutOther).customer_id)
    await context.storage.states.clear(context.me.id, context.chat.id)
    if customer is None:
        await expired(update)
        return
    await context.query.answer()
    await cards.show_card(update, context, customer)


async def search_answer(update: Update, context: Ctx) -> None:
    """The held text was a search: drop the question and search for it."""
    held = await _held(update, context, None)
    if held is None:
        return
    await context.storage.states.clear(context.me.id, context.chat.id)
    await context.query.answer()
    await search.run_search(update, context, held[1], offer_alternatives=True)


async def undo_change(update: Update, context: Ctx) -> None:
    """↩️ Undo on a confirmation: take the note, contact, stage change or complaint back,
    once, within domain.flows.UNDO_WINDOW."""
    action = context.action(UndoChange)
    storage, me, now = context.storage, context.me.id, context.clock.now()
    since = now - UNDO_WINDOW
    if action.kind == "i":
        undone = await storage.undo_interaction(me, action.ref_id, since, now)
    elif action.kind == "s":
        undone = await storage.undo_stage(me, action.ref_id, since, now)
    elif action.kind == "k":
        undone = await storage.undo_complaint(me, action.ref_id, since, now)
    else:
        await expired(update)
        return
    if undone.outcome == "gone":
        await context.query.answer(_("Already undone, or changed since."), show_alert=True)
        return
    if undone.outcome == "late":
        minutes = int(UNDO_WINDOW.total_seconds() // 60)
        await context.query.answer(ngettext(
            "Too late to undo: that was saved more than {minutes} minute ago. Change it "
            "from the card.", "Too late to undo: that was saved more than {minutes} minutes "
            "ago. Change it from the card.", minutes).format(minutes=minutes), show_alert=True)
        return
    await context.query.answer(_("Undone."))
    customer = await storage.customers.get(me, undone.customer_id or 0)
    name = f"<b>{esc(display_name(customer))}</b>" if customer else ""
    if undone.kind == "stage" and customer is not None:
        await cards.show_card(update, context, customer, edit=True, prefix=_(
            "↩️ Undone: {name} is back at the stage before.").format(name=name))
    elif undone.kind == "complaint":
        await edit_or_reply(update, _("↩️ Undone: the complaint for {name} was taken back.")
                            .format(name=name))
    else:
        await edit_or_reply(update, _("↩️ Undone: the {kind} for {name} was taken back.")
                            .format(kind=_(INTERACTION_KINDS.get(undone.kind, "Note")).lower(),
                                    name=name))


async def skip_pressed(update: Update, context: Ctx) -> None:
    """Skip on a question: as "skip" typed, if that question is still the open one."""
    state = await context.storage.states.get(context.me.id, context.chat.id)
    if (state is None or state.flow != context.action(SkipPrompt).flow
            or not fresh(state.updated_at, context.clock.now())):
        await context.query.answer(_("This question was already answered, skipped or has "
                                     "expired."), show_alert=True)
        return
    await context.query.answer()
    data = {key: value for key, value in state.data.items() if key != HELD}
    await SKIPS.get(state.flow, skip_question)(update, context, data)


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
    waiting = state is not None and (state.updated_at is None
                                     or context.clock.now() - state.updated_at < FLOW_TIMEOUT)
    if state is not None and waiting:
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
