"""Changing a customer file: fields, pipeline stage, archive, restore and erasure."""

from __future__ import annotations

from typing import Any

from telegram import Update

from core.actions import (
    ArchiveCustomer,
    AskErase,
    ChooseValue,
    ClearValue,
    EditCustomer,
    EraseCustomer,
    OpenCard,
    PickField,
    RestoreCustomer,
    SetStage,
    ShowStages,
)
from core.buttons import keyboard
from core.context import Ctx
from core.i18n import _, current_language, current_timezone
from core.messages import edit_or_reply, esc, reply
from domain.channels import normalise
from domain.customers import (
    CHANNEL_FIELDS,
    DATE_FIELDS,
    FIELDS,
    FIELDS_BY_NAME,
    MAX_FIELD,
    STAGES,
    has_letters,
)
from domain.datefields import DateKind, DateRefusal, Refusal, parse_date_field
from domain.household import COMPANY_SEGMENTS
from domain.names import fold
from domain.phones import parse_phone_any_market
from handlers import complaints, referrals, swot
from handlers.cards import display_name, own_customer, show_card
from handlers.common import ask, closed_text, expired, read_date, undo_button
from storage.changes import StageChange
from storage.customers import Customer

EDIT_FLOW = "edit"   # data {"customer_id", "field"}
LOST_FLOW = "lost"   # data {"customer_id"}: waiting for the reason a deal was lost


async def show_edit_menu(update: Update, context: Ctx) -> None:
    """List the fields of the customer file as buttons."""
    customer = await own_customer(update, context, context.action(EditCustomer).customer_id)
    if customer is None:
        return
    await context.query.answer()
    rows, row = [], []
    for field in FIELDS:
        row.append(PickField(customer.id, field.name).button(_(field.label)))
        if len(row) == 2:
            rows.append(row)
            row = []
    rows.append(row)
    rows.append([OpenCard(customer.id).button(_("Back to the card"))])
    await edit_or_reply(update, _("What would you like to change for {name}?").format(
        name=f"<b>{esc(display_name(customer))}</b>"), keyboard(rows))


async def pick_field(update: Update, context: Ctx) -> None:
    """Offer the choices of a field, or ask for its new text."""
    action = context.action(PickField)
    customer = await own_customer(update, context, action.customer_id)
    field = FIELDS_BY_NAME.get(action.field)
    if customer is None:
        return
    if field is None:
        await expired(update)
        return
    await context.query.answer()
    label = _(field.label)
    if field.choices is not None:
        rows = [[ChooseValue(customer.id, field.name, value).button(_(text))]
                for value, text in field.choices.items()]
        rows.append([OpenCard(customer.id).button(_("Back to the card"))])
        await edit_or_reply(update, _("{field} of {name}:").format(
            field=label, name=esc(display_name(customer))), keyboard(rows))
        return
    hint = _field_hint(field.name)
    markup = keyboard([[ClearValue(customer.id, field.name).button(_("Clear this field"))]])
    name = esc(display_name(customer))
    await ask(update, context, EDIT_FLOW, {"customer_id": customer.id, "field": field.name},
              _("Type the new “{field}” for {name}. {hint}(/cancel to stop)").format(
                  field=label, name=name, hint=hint + " " if hint else ""), markup,
              file_of=name)


def _field_hint(field: str) -> str:
    if field == "birthday":
        return _("For example 15/03/1985, or a lunar date such as lunar 15/8.")
    if field == "phone":
        return _("For example 0901 234 567 or +86 138 0013 8000.")
    if field in ("products_held", "products_wanted", "tags"):
        return _("Separate several with commas.")
    if field in DATE_FIELDS:
        return _("For example 20/12/2031.")
    if field in ("zalo", "whatsapp"):
        return _("The phone number the customer uses on it, for example 0901 234 567.")
    if field in ("wechat", "line"):
        return _("The customer's ID on it.")
    return ""


async def choose_value(update: Update, context: Ctx) -> None:
    """Apply a value picked from a field's choices."""
    action = context.action(ChooseValue)
    customer = await own_customer(update, context, action.customer_id)
    if customer is None:
        return
    name, value = action.field, action.value
    field = FIELDS_BY_NAME.get(name)
    if field is None or field.choices is None or value not in field.choices:
        await expired(update)
        return
    await context.query.answer(_("Saved."))
    updated = await _save(context, customer, {name: value})
    await show_card(update, context, updated, edit=True)


async def clear_value(update: Update, context: Ctx) -> None:
    """Empty a text field."""
    action = context.action(ClearValue)
    customer = await own_customer(update, context, action.customer_id)
    if customer is None:
        return
    name = action.field
    if name not in FIELDS_BY_NAME or FIELDS_BY_NAME[name].choices is not None:
        await expired(update)
        return
    await context.storage.states.clear(context.me.id, context.chat.id)
    await context.query.answer(_("Saved."))
    changes: dict[str, Any] = {name: "" if name == "name" else None}
    if name == "birthday":
        changes.update(birthday_lunar=0, birthday_leap=0)
    if name == "referrer":
        changes["referred_by"] = None
    updated = await _save(context, customer, changes)
    await show_card(update, context, updated, edit=True)


async def type_value(update: Update, context: Ctx, data: dict[str, Any]) -> None:
    """Take the typed value of the field being edited."""
    message = context.message
    text = (message.text or "").strip()
    staff = context.me
    customer = await context.storage.customers.get(staff.id, int(data.get("customer_id", 0)))
    field = FIELDS_BY_NAME.get(str(data.get("field")))
    if customer is None or field is None:
        await context.storage.states.clear(staff.id, message.chat_id)
        await reply(update, _("This customer is no longer in your list."))
        return
    if len(text) > field.limit:
        await reply(update, _("That is too long: at most {limit} characters. Please try again.")
                    .format(limit=field.limit))
        return
    changes = await _parse_value(update, context, field.name, text, customer.id)
    if changes is None:
        return
    await context.storage.states.clear(staff.id, message.chat_id)
    updated = await _save(context, customer, changes)
    await show_card(update, context, updated, prefix=_("Saved."))
    if field.name == "referrer" and changes.get("referred_by") is None:
        await referrals.offer_referrers(update, context, updated, text)


async def _parse_value(update: Update, context: Ctx, field: str, text: str,
                       customer_id: int) -> dict[str, Any] | None:
    """The columns to change for a typed value, or None after explaining what is wrong."""
    if not text:
        await reply(update, _("Please type a value, or /cancel."))
        return None
    if field == "name" and not has_letters(text):
        await reply(update, _("“{name}” has no letters: a name needs them. Type the "
                              "customer's name, or /cancel.").format(name=esc(text[:40])))
        return None
    if field == "phone":
        phone = parse_phone_any_market(text, context.me.region)
        if phone is None:
            await reply(update, _(
                "“{text}” is not a phone number I can use. Type it like 0901 234 567 or "
                "+84 901 234 567, or skip."
            ).format(text=esc(text[:50])))
            return None
        return {"phone": phone.e164}
    if field == "birthday":
        today = context.clock.now().astimezone(current_timezone()).date()
        birthday = parse_date_field(text, DateKind.BIRTHDAY, current_language(), today,
                                    context.me.region)
        if isinstance(birthday, DateRefusal):
            if birthday.reason is Refusal.NOT_A_DATE:
                await reply(update, _(
                    "I could not read “{text}” as a date. For example 15/03/1985, or a lunar "
                    "date such as lunar 15/8."
                ).format(text=esc(text[:50])))
            else:
                await reply(update, esc(birthday.render()))
            return None
        return {"birthday": birthday.stored(), "birthday_lunar": int(birthday.lunar),
                "birthday_leap": int(birthday.leap)}
    if field in DATE_FIELDS:
        day = read_date(text, current_language(),
                        context.clock.now().astimezone(current_timezone()).date(),
                        context.me.region, past_ok=True)
        if isinstance(day, DateRefusal):
            await reply(update, _("I could not read “{text}” as a date. For example "
                                  "20/12/2031.").format(text=esc(text[:50]))
                        if day.reason is Refusal.NOT_A_DATE else esc(day.render()))
            return None
        return {field: day.isoformat()}
    if field in CHANNEL_FIELDS:
        value = normalise(field, text, context.me.region)
        if value is None:
            await reply(update, _("“{text}” is not a phone number or an ID I can use. {hint}")
                        .format(text=esc(text[:50]), hint=_field_hint(field)))
            return None
        return {field: value}
    if field == "client_ref" and await context.storage.churn.ref_taken(
            text, context.me.id, except_customer_id=customer_id):
        await reply(update, _("Another customer already has the client reference “{ref}”."
                              ).format(ref=esc(text[:50])))
        return None
    if field == "referrer":
        return {"referrer": text, "referred_by": await _referrer_id(context, text)}
    return {field: text[:MAX_FIELD]}


async def _referrer_id(context: Ctx, text: str) -> int | None:
    """Link the referrer to a customer on file when the name matches exactly one."""
    # Not a search: "An" is contained in many names, and the exact one must not be missed.
    same_name = await context.storage.customers.duplicates(context.me.id, text, None)
    exact = [c for c in same_name if fold(c.name) == fold(text)]
    return exact[0].id if len(exact) == 1 else None


async def _save(context: Ctx, customer: Customer, changes: dict[str, Any]) -> Customer:
    staff, now = context.me, context.clock.now()
    updated = await context.storage.update_customer(staff.id, customer.id, now, staff.region,
                                                    **changes)
    return updated or customer


async def show_stages(update: Update, context: Ctx) -> None:
    """Offer the pipeline stages."""
    customer = await own_customer(update, context, context.action(ShowStages).customer_id)
    if customer is None:
        return
    await context.query.answer()
    rows = [[SetStage(customer.id, stage).button(("• " if stage == customer.stage else "")
                                                 + _(label))]
            for stage, label in STAGES.items()]
    rows.append([OpenCard(customer.id).button(_("Back to the card"))])
    await edit_or_reply(update, _("Move {name} to which stage?").format(
        name=f"<b>{esc(display_name(customer))}</b>"), keyboard(rows))


async def set_stage(update: Update, context: Ctx) -> None:
    """Move the customer to a stage; 'lost' asks for the reason first."""
    action = context.action(SetStage)
    customer = await own_customer(update, context, action.customer_id)
    if customer is None:
        return
    stage = action.stage
    if stage not in STAGES:
        await expired(update)
        return
    await context.query.answer()
    if stage == customer.stage:
        await show_card(update, context, customer, edit=True)
        return
    if stage == "lost":
        name = esc(display_name(customer))
        await ask(update, context, LOST_FLOW, {"customer_id": customer.id}, _(
            "Why was {name} lost? Type the reason (price, chose another bank, no longer "
            "needs it…). /cancel to stop."
        ).format(name=name), file_of=name, edit=True)
        return
    updated, change = await record_stage_closing(context, customer, stage, None)
    await show_card(update, context, updated, edit=True,
                    undo=undo_button("s", change.interaction_id))
    if stage == "consult" and updated.segment in COMPANY_SEGMENTS:
        await swot.offer_swot(update, context, updated)


async def type_lost_reason(update: Update, context: Ctx, data: dict[str, Any]) -> None:
    """Take the reason a deal was lost and close the pipeline."""
    message = context.message
    reason = (message.text or "").strip()[:MAX_FIELD]
    staff = context.me
    customer = await context.storage.customers.get(staff.id, int(data.get("customer_id", 0)))
    await context.storage.states.clear(staff.id, message.chat_id)
    if customer is None:
        await reply(update, _("This customer is no longer in your list."))
        return
    updated, change = await record_stage_closing(context, customer, "lost", reason or None)
    await show_card(update, context, updated, prefix=closed_text(change.reminders_closed),
                    undo=undo_button("s", change.interaction_id))


async def record_stage(context: Ctx, customer: Customer, stage: str,
                       reason: str | None) -> Customer:
    """Change the stage and write it into the history and the audit log, dated now."""
    return (await record_stage_closing(context, customer, stage, reason))[0]


async def record_stage_closing(context: Ctx, customer: Customer, stage: str,
                               reason: str | None) -> tuple[Customer, StageChange]:
    """Change the stage; the customer as now, and the change (its history row, how many of
    the customer's reminders it closed)."""
    staff, now = context.me, context.clock.now()
    change = await context.storage.change_stage(staff.id, customer, stage, reason, now)
    if stage == "won":  # while it is fresh: the customer's satisfaction and NPS
        await complaints.ask_after_sale(context, customer, change.interaction_id)
    updated = await context.storage.customers.get(staff.id, customer.id) or customer
    return updated, change


async def archive(update: Update, context: Ctx) -> None:
    """Archive a customer: hidden from search and the pipeline until restored."""
    await _set_archived(update, context, context.action(ArchiveCustomer).customer_id, True)


async def restore(update: Update, context: Ctx) -> None:
    """Bring an archived customer back."""
    await _set_archived(update, context, context.action(RestoreCustomer).customer_id, False)


async def _set_archived(update: Update, context: Ctx, customer_id: int, archived: bool) -> None:
    customer = await own_customer(update, context, customer_id)
    if customer is None:
        return
    staff, now = context.me, context.clock.now()
    closed = await context.storage.set_archived(staff.id, customer.id, archived, now)
    done = _("Archived.") if archived else _("Restored.")
    await context.query.answer(f"{done} {closed_text(closed)}".strip())
    updated = await context.storage.customers.get(staff.id, customer.id) or customer
    await show_card(update, context, updated, edit=True,
                    prefix=f"{done} {closed_text(closed)}" if closed else "")


async def ask_delete(update: Update, context: Ctx) -> None:
    """Ask for confirmation before erasing a customer's personal data."""
    customer = await own_customer(update, context, context.action(AskErase).customer_id)
    if customer is None:
        return
    await context.query.answer()
    markup = keyboard([[EraseCustomer(customer.id).button(_("Yes, erase for good"))],
                       [OpenCard(customer.id).button(_("No, keep it"))]])
    await edit_or_reply(update, _(
        "Erase {name} for good? Their name, phone, notes and files are deleted and cannot be "
        "recovered; only anonymous counts stay in the statistics."
    ).format(name=f"<b>{esc(display_name(customer))}</b>"), markup)


async def delete(update: Update, context: Ctx) -> None:
    """Erase the customer's personal data (right to erasure), keeping anonymous counts."""
    customer = await own_customer(update, context, context.action(EraseCustomer).customer_id)
    if customer is None:
        return
    staff, now = context.me, context.clock.now()
    closed = await context.storage.erase_customer(staff.id, customer.id, now)
    await context.query.answer()
    text = _("The customer's personal data was erased.")
    await edit_or_reply(update, f"{text}\n{closed_text(closed)}" if closed else text)
