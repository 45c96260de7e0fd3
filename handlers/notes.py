"""Notes and interactions: typed notes, logged calls and visits, replies to cards, files."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram import InlineKeyboardButton, Message, Update

from core.actions import (
    AskDeleteNote,
    AskFollowUp,
    AskNote,
    CorrectNote,
    DeleteNote,
    DiscardItem,
    FileItem,
    FollowUpPreset,
    LogContact,
    LogOutcome,
    LogWithoutNote,
    OpenCard,
    SearchForItem,
    ShowHistory,
    ShowNote,
)
from core.buttons import keyboard
from core.context import Ctx
from core.i18n import _, format_datetime
from core.messages import edit_or_reply, esc, reply
from domain.customers import (
    CORRECTABLE_KINDS,
    INTERACTION_KINDS,
    KIND_ICONS,
    MAX_NOTE,
    OUTCOME_ICONS,
    OUTCOMES,
)
from domain.phones import phone_international
from handlers import complaints, suggestions
from handlers.access import recorded, send_answer
from handlers.cards import display_name, own_customer, show_card
from handlers.common import ask, expired, note_too_long, undo_button
from handlers.lookup import matches, split_customer
from storage.customers import Customer
from storage.inbox import InboxItem
from storage.interactions import Interaction

NOTE_FLOW = "note"  # data {"customer_id", "kind"}: the next text is that interaction's note
PICK_FLOW = "pick"  # data {"item_id"}: the next text searches for the customer to file under
LOGGED_KINDS = ("call", "visit", "meeting", "message", "note", "complaint")
CONTACT_KINDS = ("call", "visit", "meeting")  # logged with a one-tap outcome


def outcome_label(key: str) -> str:
    return f"{OUTCOME_ICONS[key]} {_(OUTCOMES[key])}"


def outcome_rows(customer_id: int, kind: str,
                 reminder_id: int | None = None) -> list[list[InlineKeyboardButton]]:
    """The one-tap outcomes of a contact (or of a done reminder: noted in the file)."""
    buttons = [LogOutcome(customer_id, kind, key, reminder_id).button(outcome_label(key))  # type: ignore[arg-type]
               for key in OUTCOMES]
    return [buttons[:3], buttons[3:]]


async def ask_note(update: Update, context: Ctx) -> None:
    """Ask for the text of a note (📝 on the card)."""
    await _ask(update, context, context.action(AskNote).customer_id, "note")


async def ask_contact_note(update: Update, context: Ctx) -> None:
    """Ask what came out of a call, visit or meeting (or a complaint) being logged."""
    action = context.action(LogContact)
    await _ask(update, context, action.customer_id, action.kind)


async def _ask(update: Update, context: Ctx, customer_id: int, kind: str) -> None:
    customer = await own_customer(update, context, customer_id)
    if customer is None:
        return
    if kind not in LOGGED_KINDS:
        await expired(update)
        return
    await context.query.answer()
    if kind == "complaint":  # a complaint needs its content: it cannot be logged without
        await complaints.ask_complaint(update, context, customer)
        return
    if kind == "note":
        await ask_note_text(update, context, customer)
        return
    name = esc(display_name(customer))
    rows = outcome_rows(customer.id, kind) if kind in CONTACT_KINDS else []
    markup = keyboard([*rows,
                       [LogWithoutNote(customer.id, kind).button(_("Log it without a note"))]])
    text = (_("{kind} with {name}: how did it go? Tap the outcome, or type what came out of "
              "it. (/cancel to stop)") if rows else
            _("{kind} with {name}: what came out of it? (/cancel to stop)")).format(
        kind=_(INTERACTION_KINDS[kind]), name=name)
    if kind == "call" and customer.phone:
        # Telegram's buttons cannot dial (no tel: links), but its apps make a number written
        # in international form tappable: the number comes first, to call from this message.
        text = f"📞 {esc(phone_international(customer.phone))}\n\n{text}"
    # "Log it without a note" is this question's skip.
    await ask(update, context, NOTE_FLOW, {"customer_id": customer.id, "kind": kind}, text,
              markup, file_of=name, skip=False)


async def ask_note_text(update: Update, context: Ctx, customer: Customer) -> None:
    """Ask for the text of a note on this customer: the next message is it."""
    name = esc(display_name(customer))
    await ask(update, context, NOTE_FLOW, {"customer_id": customer.id, "kind": "note"},
              _("Type the note for {name}. (/cancel to stop)").format(name=name), file_of=name)


async def skip_note(update: Update, context: Ctx, data: dict[str, Any]) -> None:
    """"Skip" typed for a note: a call, visit or meeting is logged without one."""
    kind = str(data.get("kind", "note"))
    customer = await context.storage.customers.get(context.me.id,
                                                   int(data.get("customer_id", 0)))
    await context.storage.states.clear(context.me.id, context.message.chat_id)
    if customer is None or kind not in ("call", "visit", "meeting"):
        await reply(update, _("Skipped: nothing was saved."))
        return
    await save_interaction(update, context, customer, kind, "")


async def type_note(update: Update, context: Ctx, data: dict[str, Any]) -> None:
    """Save the typed text as the note of the interaction being logged."""
    message = context.message
    customer = await context.storage.customers.get(context.me.id,
                                                   int(data.get("customer_id", 0)))
    await context.storage.states.clear(context.me.id, message.chat_id)
    if customer is None:
        await reply(update, _("This customer is no longer in your list."))
        return
    kind = str(data.get("kind", "note"))
    await save_interaction(update, context, customer, kind if kind in LOGGED_KINDS else "note",
                           message.text or "")


async def log_without_note(update: Update, context: Ctx) -> None:
    """Log a call, visit or meeting with no text."""
    action = context.action(LogWithoutNote)
    customer = await own_customer(update, context, action.customer_id)
    if customer is None:
        return
    kind = action.kind
    if kind not in LOGGED_KINDS:
        await expired(update)
        return
    if kind == "complaint":  # a button from before complaints needed their content
        await context.query.answer()
        await complaints.ask_complaint(update, context, customer)
        return
    await context.query.answer()
    await context.storage.states.clear(context.me.id, context.chat.id)
    await save_interaction(update, context, customer, kind, "")


async def log_outcome(update: Update, context: Ctx) -> None:
    """Log a call, visit or meeting (or a done reminder's outcome) with a one-tap outcome,
    in place of the question, and offer the next follow-up."""
    action = context.action(LogOutcome)
    customer = await own_customer(update, context, action.customer_id)
    if customer is None:
        return
    if action.kind not in (*CONTACT_KINDS, "note"):
        await expired(update)
        return
    await context.query.answer()
    state = await context.storage.states.get(context.me.id, context.chat.id)
    if state is not None and state.data.get("customer_id") == customer.id:
        await context.storage.states.clear(context.me.id, context.chat.id)
    if action.reminder_id:
        await context.storage.reminders.set_outcome(context.me.id, action.reminder_id,
                                                    _(OUTCOMES[action.outcome]))
    await save_interaction(update, context, customer, action.kind, _(OUTCOMES[action.outcome]),
                           outcome=action.outcome)


async def save_interaction(update: Update, context: Ctx, customer: Customer, kind: str,
                           text: str, *, outcome: str | None = None) -> None:
    """Record an interaction dated now, confirm, and offer a follow-up (and what the note
    mentions that the file lacks)."""
    if kind == "complaint":  # followed up by the complaint's own reminders
        await complaints.open_complaint(update, context, customer, text)
        await suggestions.offer_from_note(update, context, customer, text)
        return
    if await note_too_long(update, text):
        return
    async with recorded(update, context) as record:
        interaction_id = await context.storage.add_interaction(
            staff_id=context.me.id, customer_id=customer.id, kind=kind, now=context.clock.now(),
            text=text, detail={"outcome": outcome} if outcome else None)
        # What the note mentions that the file lacks is offered in the same message.
        lines, rows = ([], []) if outcome else await suggestions.offer_part(
            context, customer, await suggestions.offers_for(context, customer, text))
        name = f"<b>{esc(display_name(customer))}</b>"
        if outcome:
            saved = _("✅ {kind} saved for {name}: {outcome}. Set the next follow-up?").format(
                kind=_(INTERACTION_KINDS[kind]), name=name, outcome=outcome_label(outcome))
        else:
            saved = _("✅ {kind} saved for {name}. Set a follow-up?").format(
                kind=_(INTERACTION_KINDS[kind]), name=name)
        record.keep_answer("\n\n".join([saved, "\n".join(lines)]) if lines else saved,
                           keyboard([*rows, *follow_up_rows(customer),
                                     [undo_button("i", interaction_id)]]))
    # A tapped outcome replaces its question, so its buttons cannot be used again.
    await send_answer(update, context, record, edit=outcome is not None)


def follow_up_rows(customer: Customer) -> list[list[InlineKeyboardButton]]:
    return [
        [FollowUpPreset(customer.id, "1d").button(_("Tomorrow")),
         FollowUpPreset(customer.id, "3d").button(_("In 3 days")),
         FollowUpPreset(customer.id, "1w").button(_("Next week"))],
        [AskFollowUp(customer.id).button(_("Another time…")),
         OpenCard(customer.id).button(_("Open the card"))],
    ]


async def note_from_reply(update: Update, context: Ctx) -> bool:
    """A reply to a customer card adds a note to that customer; False if not a card."""
    message = update.effective_message
    if message is None or message.reply_to_message is None:
        return False
    customer_id = await context.storage.customers.card_customer(
        message.chat_id, message.reply_to_message.message_id)
    customer = (await context.storage.customers.get(context.me.id, customer_id)
                if customer_id else None)
    if customer is None:
        return False
    await save_interaction(update, context, customer, "note", message.text or message.caption
                           or "")
    return True


async def note_command(update: Update, context: Ctx) -> None:
    """Add a note in one line: /note <name or phone> <text>."""
    message = context.message
    assert message.text is not None  # a command
    parts = message.text.split(maxsplit=1)
    text = parts[1].strip() if len(parts) > 1 else ""
    if not text:
        await reply(update, _("Write the customer and the note, for example: {example}").format(
            example=_("/note Nguyễn Văn An đã gửi hồ sơ vay")))
        return
    candidates, rest = await split_customer(context, text)
    if len(candidates) == 1 and rest:
        await save_interaction(update, context, candidates[0], "note", rest)
        return
    if len(candidates) == 1:  # "/note Bảo": the customer, and no note yet
        await ask_note_text(update, context, candidates[0])
        return
    if candidates and len(text.split()) == 1:  # "/note An": which An, then the text
        rows = [[AskNote(c.id).button(display_name(c)[:40])] for c in candidates[:6]]
        await reply(update, _("Which customer is the note for? Then type the note."),
                    keyboard(rows))
        return
    # Not sure who it is about: keep the whole text and let the RM pick.
    item = await context.storage.inbox.add(staff_id=context.me.id, kind="note", text=text,
                                           now=context.clock.now())
    await offer_customers(update, context, item, candidates)


async def capture_message(update: Update, context: Ctx) -> None:
    """Keep a photo, voice note, document or forwarded message until the RM picks a customer."""
    message = context.message
    file_id, file_type, file_name = _attachment(message)
    text = message.text or message.caption or ""
    if file_id is None and not text:
        await reply(update, _("I cannot store this kind of message. Send a photo, a voice "
                              "note, a document or text."))
        return
    item = await context.storage.inbox.add(
        staff_id=context.me.id, kind="file" if file_id else "note", text=text[:MAX_NOTE],
        now=context.clock.now(), file_id=file_id, file_type=file_type, file_name=file_name)
    await offer_customers(update, context, item, await context.storage.customers.recent(
        context.me.id))


def _attachment(message: Message) -> tuple[str | None, str | None, str | None]:
    if message.photo:
        return message.photo[-1].file_id, "photo", None
    for kind in ("voice", "audio", "video", "document", "video_note"):
        media = getattr(message, kind)
        if media is not None:
            return media.file_id, "document" if kind == "document" else kind, \
                getattr(media, "file_name", None)
    return None, None, None


async def offer_customers(update: Update, context: Ctx, item: InboxItem,
                          candidates: list[Customer]) -> None:
    """Ask which customer an inbox item belongs to."""
    rows = [[FileItem(item.id, c.id).button(display_name(c)[:40])] for c in candidates[:6]]
    rows.append([SearchForItem(item.id).button(_("🔎 Another customer…")),
                 DiscardItem(item.id).button(_("Discard"))])
    await reply(update, _("Which customer is this for? It is kept in your /inbox until you "
                          "choose."), keyboard(rows))


async def _inbox_item(context: Ctx, item_id: int) -> InboxItem | None:
    """The RM's inbox item still waiting, or None after saying it was filed already."""
    item = await context.storage.inbox.get_open(context.me.id, item_id)
    if item is None:
        await context.query.answer(_("This was already filed."), show_alert=True)
    return item


async def file_item(update: Update, context: Ctx) -> None:
    """File an inbox item under the chosen customer (once, however often it is pressed)."""
    action = context.action(FileItem)
    item = await _inbox_item(context, action.item_id)
    if item is None:
        return
    customer = await own_customer(update, context, action.customer_id)
    if customer is None:
        return
    if not await context.storage.file_inbox_item(context.me.id, item.id, customer.id,
                                                 context.clock.now()):
        await context.query.answer(_("This was already filed."), show_alert=True)
        return
    await context.query.answer(_("Saved."))
    await show_card(update, context, customer, edit=True, prefix=_("✅ Added to {name}.").format(
        name=esc(display_name(customer))))
    await suggestions.offer_from_note(update, context, customer, item.text)


async def search_for_item(update: Update, context: Ctx) -> None:
    """Ask for a name or phone to find the customer an inbox item belongs to."""
    item = await _inbox_item(context, context.action(SearchForItem).item_id)
    if item is None:
        return
    await context.query.answer()
    await ask(update, context, PICK_FLOW, {"item_id": item.id},
              _("Type a name, phone number or company to find the customer."))


async def type_pick_query(update: Update, context: Ctx, data: dict[str, Any]) -> None:
    """Search with the typed text and offer the results for the inbox item."""
    message = context.message
    item = await context.storage.inbox.get_open(context.me.id, int(data.get("item_id", 0)))
    await context.storage.states.clear(context.me.id, message.chat_id)
    if item is None:
        await reply(update, _("This was already filed."))
        return
    found = await matches(context, (message.text or "").strip())
    if not found:
        await reply(update, _("No customer matches “{query}”.").format(
            query=esc((message.text or "")[:50])))
    await offer_customers(update, context, item, found)


async def discard_item(update: Update, context: Ctx) -> None:
    """Drop an inbox item the RM does not want to keep."""
    item = await _inbox_item(context, context.action(DiscardItem).item_id)
    if item is None:
        return
    await context.storage.inbox.discard(context.me.id, item.id, context.clock.now())
    await context.query.answer()
    await edit_or_reply(update, _("Discarded."))


async def show_inbox(update: Update, context: Ctx) -> None:
    """List what still waits to be filed under a customer."""
    items = await context.storage.inbox.list_open(context.me.id)
    if not items:
        await reply(update, _("Your inbox is empty: everything is filed."))
        return
    recent = await context.storage.customers.recent(context.me.id)
    await reply(update, _("<b>Waiting to be filed</b> ({count})").format(count=len(items)))
    for item in items[:10]:
        preview = item.file_name or item.file_type or ""
        text = f"{preview}\n{item.text}".strip()[:300]
        await reply(update, f"📥 {esc(text)}" if text else "📥")
        await offer_customers(update, context, item, recent)


# -- a note read in full, corrected or deleted (from the history) ----------------------------

NOTE_EDIT_FLOW = "note_edit"  # data {"interaction_id"}: the next text replaces that note's


def correctable(item: Interaction, staff_id: int) -> bool:
    return (item.staff_id == staff_id and item.kind in CORRECTABLE_KINDS
            and "via" not in item.detail)


async def _own_note(update: Update, context: Ctx, interaction_id: int,
                    *, author: bool) -> tuple[Interaction, Customer] | None:
    """The interaction (on the RM's own customer; written by them if ``author``), or None
    after saying it is gone."""
    item = await context.storage.interactions.get(context.me.id, interaction_id)
    customer = (await context.storage.customers.get(context.me.id, item.customer_id)
                if item is not None else None)
    if item is None or customer is None or (author and not correctable(item, context.me.id)):
        if update.callback_query is not None:
            await context.query.answer(_("This note no longer exists."), show_alert=True)
        else:
            await reply(update, _("This note no longer exists."))
        return None
    return item, customer


def note_text(item: Interaction, customer: Customer) -> str:
    """The whole note, with what it is, when, and on whom."""
    header = _("{icon} <b>{kind}</b> · {when} · {name}").format(
        icon=KIND_ICONS.get(item.kind, "•"), kind=_(INTERACTION_KINDS[item.kind]),
        when=format_datetime(item.happened_at), name=esc(display_name(customer)))
    lines = [header, esc(item.text) if item.text else _("(no text)")]
    corrected = item.detail.get("corrected_at")
    if isinstance(corrected, str):
        lines.append(_("<i>Corrected on {when}</i>").format(
            when=format_datetime(datetime.fromisoformat(corrected))))
    return "\n\n".join(lines)


def _note_buttons(item: Interaction, staff_id: int) -> list[list[InlineKeyboardButton]]:
    rows = []
    if correctable(item, staff_id):
        rows.append([CorrectNote(item.id).button(_("✏️ Correct")),
                     AskDeleteNote(item.id).button(_("🗑 Delete"))])
    rows.append([ShowHistory(item.customer_id, 0).button(_("🕘 History")),
                 OpenCard(item.customer_id).button(_("Back to the card"))])
    return rows


async def show_note(update: Update, context: Ctx) -> None:
    """The whole text of one entry of the history, with Correct and Delete for its author."""
    found = await _own_note(update, context, context.action(ShowNote).interaction_id,
                            author=False)
    if found is None:
        return
    item, customer = found
    await context.query.answer()
    state = await context.storage.states.get(context.me.id, context.chat.id)
    if state is not None and state.flow == NOTE_EDIT_FLOW:
        await context.storage.states.clear(context.me.id, context.chat.id)  # "keep it"
    await reply(update, note_text(item, customer), keyboard(_note_buttons(item, context.me.id)))


async def ask_correction(update: Update, context: Ctx) -> None:
    """Ask for the corrected text of the RM's own note."""
    found = await _own_note(update, context, context.action(CorrectNote).interaction_id,
                            author=True)
    if found is None:
        return
    item, customer = found
    await context.query.answer()
    # "Keep it as it is" is this question's skip.
    await ask(update, context, NOTE_EDIT_FLOW, {"interaction_id": item.id}, _(
        "Type the corrected text of this note on {name}: it replaces the text above. "
        "(/cancel to keep it)").format(name=f"<b>{esc(display_name(customer))}</b>"),
        keyboard([[ShowNote(item.id).button(_("Keep it as it is"))]]), skip=False)


async def type_correction(update: Update, context: Ctx, data: dict[str, Any]) -> None:
    """Replace the note's text with the typed one."""
    message = context.message
    text = (message.text or "").strip()
    if not text:
        await reply(update, _("Please type a value, or /cancel."))
        return
    if await note_too_long(update, text):
        return
    await context.storage.states.clear(context.me.id, message.chat_id)
    found = await _own_note(update, context, int(data.get("interaction_id", 0)), author=True)
    if found is None:
        return
    item, customer = found
    corrected = await context.storage.correct_interaction(context.me.id, item.id, text,
                                                          context.clock.now())
    if corrected is None:
        await reply(update, _("This note no longer exists."))
        return
    await reply(update, _("✅ Note corrected.") + "\n\n" + note_text(corrected, customer),
                keyboard(_note_buttons(corrected, context.me.id)))


async def ask_delete_note(update: Update, context: Ctx) -> None:
    """Ask before deleting the RM's own note."""
    found = await _own_note(update, context, context.action(AskDeleteNote).interaction_id,
                            author=True)
    if found is None:
        return
    item, customer = found
    await context.query.answer()
    await edit_or_reply(update, note_text(item, customer) + "\n\n" + _(
        "Delete this note for good? It cannot be undone."), keyboard([
            [DeleteNote(item.id).button(_("🗑 Yes, delete it")),
             ShowNote(item.id).button(_("Keep it"))]]))


async def delete_note(update: Update, context: Ctx) -> None:
    """Delete the RM's own note (once, however often it is pressed)."""
    found = await _own_note(update, context, context.action(DeleteNote).interaction_id,
                            author=True)
    if found is None:
        return
    item, customer = found
    if not await context.storage.delete_interaction(context.me.id, item.id,
                                                    context.clock.now()):
        await context.query.answer(_("This note no longer exists."), show_alert=True)
        return
    await context.query.answer(_("Deleted."))
    await edit_or_reply(update, _("🗑 The note on {name} was deleted.").format(
        name=f"<b>{esc(display_name(customer))}</b>"), keyboard([
            [ShowHistory(customer.id, 0).button(_("🕘 History")),
             OpenCard(customer.id).button(_("Back to the card"))]]))
