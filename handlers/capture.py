"""Adding prospects: /add in one line or step by step, shared contacts, and duplicates."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update

from core.actions import CreateDuplicate, OpenDuplicate, SkipStep
from core.buttons import keyboard
from core.context import Ctx
from core.i18n import _, format_list
from core.messages import esc, reply
from domain.customers import MAX_NAME, has_letters, split_name_and_note
from domain.names import full_name
from domain.phones import Phone, parse_phone, parse_phone_any_market, split_at_number
from handlers import suggestions
from handlers.access import recorded, send_answer
from handlers.cards import card_answer, display_name, own_customer, show_card
from handlers.common import ask, expired, note_too_long

ADD_FLOW = "add"        # guided add: data {"step": "name" | "phone" | "note", "customer_id"}
DUPLICATE_FLOW = "dup"  # a draft waiting for "open existing" or "create anyway"


def _example() -> str:
    return _("For example: /add Nguyễn Văn An 0901 234 567 vay mua nhà 2 tỷ")


async def _invalid(update: Update, name: str, note: str) -> bool:
    """Answer and return True if the draft cannot be saved as it is."""
    if name and not has_letters(name):
        await reply(update, _(
            "“{name}” has no letters: a name needs them. Type the customer's name, for "
            "example: {example}").format(name=esc(name[:40]), example=_example()))
        return True
    if len(name) > MAX_NAME:
        await reply(update, _(
            "That name is {length} characters long; a name can have at most {limit}. Put the "
            "details after the phone number or on a new line, so they become a note."
        ).format(length=len(name), limit=MAX_NAME))
        return True
    return await note_too_long(update, note)


def parse_quick_add(text: str, region: str) -> tuple[str, str | None, str]:
    """Name, phone and note from one line: the name comes before the phone. The phone is
    E.164 when it is a valid number (in the RM's market or, certainly, another), else kept as
    typed, and shown on the card as not checked: digits never become part of the name."""
    split = split_at_number(text, region)
    if split is None:
        name, note = split_name_and_note(text)
        return name, None, note
    before, phone, after = split
    if not before:
        before, after = split_name_and_note(after)
    return before, phone.e164 if isinstance(phone, Phone) else phone, after


async def add_customer(update: Update, context: Ctx) -> None:
    """Create a prospect from '/add name phone note', or start the guided add."""
    message = context.message
    assert message.text is not None  # a command
    parts = message.text.split(maxsplit=1)
    text = parts[1].strip() if len(parts) > 1 else ""
    if not text:
        await ask(update, context, ADD_FLOW, {"step": "name"},
                  _("What is the new prospect's name? (/cancel to stop)"))
        return
    name, phone, note = parse_quick_add(text, context.me.region)
    if await _invalid(update, name, note):
        return
    if not name and not phone:
        await reply(update, _("I could not find a name or a phone number. {example}").format(
            example=_example()))
        return
    await create_or_flag(update, context, {"name": name, "phone": phone, "note": note})


async def add_from_contact(update: Update, context: Ctx) -> None:
    """A contact shared with the bot becomes a prospect."""
    message = update.effective_message
    assert message is not None and message.contact is not None
    contact = message.contact
    # Chinese and Vietnamese names are family name first (王伟, Lê Minh Tuấn), so they match
    # the same name typed with /add.
    name = full_name(contact.first_name, contact.last_name, context.me.region)
    phone = parse_phone_any_market(contact.phone_number, context.me.region)
    if phone is None and contact.phone_number:
        phone = parse_phone("+" + contact.phone_number.lstrip("+"), context.me.region)
    await create_or_flag(update, context, {
        # A number no market has is kept as shared, and shown as not checked.
        "name": name[:MAX_NAME],
        "phone": phone.e164 if phone else (contact.phone_number or "").strip() or None,
        "note": "",
    })


async def create_or_flag(update: Update, context: Ctx, draft: dict[str, Any]) -> None:
    """Save the draft, unless it matches an existing customer: then let the RM choose."""
    staff = context.me
    duplicates = await context.storage.customers.duplicates(staff.id, draft["name"],
                                                            draft["phone"])
    if duplicates:
        chat = context.chat
        # The customers it matched go with the draft: erasing one of them drops it.
        await context.storage.states.set(
            staff.id, chat.id, DUPLICATE_FLOW,
            {**draft, "duplicate_ids": [c.id for c in duplicates]}, context.clock.now())
        rows = [[OpenDuplicate(c.id).button(_("Open {name}").format(name=display_name(c)[:40]))]
                for c in duplicates]
        rows.append([CreateDuplicate().button(_("Create a new prospect anyway"))])
        names = format_list(f"<b>{esc(display_name(c))}</b>" for c in duplicates)
        await reply(update, _(
            "You already have a customer with this name or phone: {names}. Open the existing "
            "file (your note will be added there) or create a new prospect?"
        ).format(names=names), keyboard(rows))
        return
    await _create(update, context, draft)


async def _create(update: Update, context: Ctx, draft: dict[str, Any], *,
                  edit: bool = False) -> None:
    """Save the new prospect and show its card (in place of the pressed button's message
    with ``edit``)."""
    staff, now = context.me, context.clock.now()
    async with recorded(update, context) as record:
        extra = {field: draft[field] for field in ("company", "language") if draft.get(field)}
        created = await context.storage.create_prospect(
            owner_id=staff.id, name=draft["name"], phone=draft["phone"], region=staff.region,
            now=now, source=draft.get("source"), note=draft.get("note"), **extra)
        await _file_photo(context, draft, created.id)
        customer = await context.storage.customers.get(staff.id, created.id) or created
        record.keep_answer(*await card_answer(context, customer, _("✅ New prospect saved.")),
                           card=customer.id)
    await send_answer(update, context, record, edit=edit)
    await suggestions.offer_from_note(update, context, customer, str(draft.get("note") or ""))


async def _file_photo(context: Ctx, draft: dict[str, Any], customer_id: int) -> None:
    """A draft read from a card photo: the photo (still in the inbox) goes on the file."""
    if draft.get("item_id"):
        await context.storage.file_inbox_item(context.me.id, int(draft["item_id"]), customer_id,
                                              context.clock.now(), text=draft.get("item_text"))


async def _take_draft(update: Update, context: Ctx) -> dict[str, Any] | None:
    state = await context.storage.states.get(context.me.id, context.chat.id)
    if state is None or state.flow != DUPLICATE_FLOW:
        await expired(update)
        return None
    await context.storage.states.clear(context.me.id, context.chat.id)
    await context.query.answer()
    return state.data


async def open_duplicate(update: Update, context: Ctx) -> None:
    """Keep the existing customer; the draft's note goes into their file."""
    customer = await own_customer(update, context, context.action(OpenDuplicate).customer_id)
    if customer is None:
        return
    draft = await _take_draft(update, context)
    if draft is None:
        return
    prefix = ""
    if draft.get("note"):
        await context.storage.add_interaction(staff_id=context.me.id, customer_id=customer.id,
                                              kind="note", now=context.clock.now(),
                                              text=draft["note"])
        prefix = _("📝 Note added to the existing file.")
    if draft.get("item_id"):
        await _file_photo(context, draft, customer.id)
        prefix = _("📇 The card's photo was added to the existing file.")
    await show_card(update, context, customer, edit=True, prefix=prefix)


async def create_duplicate(update: Update, context: Ctx) -> None:
    """Create the prospect although it looks like an existing customer."""
    draft = await _take_draft(update, context)
    if draft is None:
        return
    await _create(update, context, draft, edit=True)


async def guided_step(update: Update, context: Ctx, data: dict[str, Any]) -> None:
    """Take the answer to the current guided-add question and ask the next one."""
    message = context.message
    text = (message.text or "").strip()
    await _advance(update, context, data, text)


async def skip_step(update: Update, context: Ctx) -> None:
    """Skip the current guided-add question."""
    state = await context.storage.states.get(context.me.id, context.chat.id)
    # The button names the question it skips: a second tap, or a Skip left from an earlier
    # add, must not skip the question asked now (or create a prospect without a name).
    step = context.action(SkipStep).step
    if state is None or state.flow != ADD_FLOW or state.data.get("step") != step:
        await expired(update)
        return
    await context.query.answer()
    await _advance(update, context, state.data, None)


async def skip_typed(update: Update, context: Ctx, data: dict[str, Any]) -> None:
    """"Skip" typed at a guided-add question: the next question (a name cannot be skipped:
    skipping it stops the add, with nothing saved)."""
    if data.get("step") == "name":
        await context.storage.states.clear(context.me.id, context.chat.id)
        await reply(update, _("Skipped: nothing was saved."))
        return
    await _advance(update, context, data, None)


def _skip(step: str) -> InlineKeyboardMarkup:
    return keyboard([[SkipStep(step).button(_("Skip"))]])


async def _advance(update: Update, context: Ctx, data: dict[str, Any], text: str | None) -> None:
    staff, now = context.me, context.clock.now()
    chat = context.chat
    states, customers = context.storage.states, context.storage.customers
    step = data.get("step")
    if step == "name":
        name = text or ""
        if await _invalid(update, name, ""):
            return
        # Saved at once, so nothing typed is lost if the RM walks away mid-way.
        async with recorded(update, context) as record:
            customer = await context.storage.create_prospect(
                owner_id=staff.id, name=name, phone=None, region=staff.region, now=now)
            await states.set(staff.id, chat.id, ADD_FLOW, {"step": "phone", "customer_id":
                                                           customer.id}, now)
            # The name was typed a message ago: the question still says whose phone it files.
            record.keep_answer(_("Saved {name}. Their phone number?").format(
                name=f"<b>{esc(customer.name)}</b>"), _skip("phone"))
        await send_answer(update, context, record)
        return
    found = await customers.get(staff.id, int(data.get("customer_id", 0)))
    if found is None:
        await states.clear(staff.id, chat.id)
        await reply(update, _("This prospect no longer exists. Start again with /add."))
        return
    customer = found
    if step == "phone":
        if text:
            phone = parse_phone_any_market(text, staff.region)
            if phone is None:
                await reply(update, _(
                    "“{text}” is not a phone number I can use. Type it like 0901 234 567 or "
                    "+84 901 234 567, or skip."
                ).format(text=esc(text[:50])), _skip("phone"))
                return
            await context.storage.update_customer(staff.id, customer.id, now, staff.region,
                                                  phone=phone.e164)
        # The Skip button names this step (a stale one must not skip the next question).
        await ask(update, context, ADD_FLOW, {"step": "note", "customer_id": customer.id},
                  _("What do they need? (a first note, or skip)"), _skip("note"),
                  file_of=esc(customer.name), skip=False)
        return
    if text:
        if await _invalid(update, "", text):
            return
        await context.storage.add_interaction(staff_id=staff.id, customer_id=customer.id,
                                              kind="note", now=now, text=text)
    await states.clear(staff.id, chat.id)
    refreshed = await customers.get(staff.id, customer.id) or customer
    await show_card(update, context, refreshed, prefix=_("✅ New prospect saved."))

