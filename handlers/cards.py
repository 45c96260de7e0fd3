"""The customer card and its history: how a customer file is shown and opened."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from core.actions import (
    ArchiveCustomer,
    AskErase,
    AskFollowUp,
    AskNote,
    EditCustomer,
    LogContact,
    OpenCard,
    ResendFile,
    RestoreCustomer,
    ShowDeals,
    ShowHistory,
    ShowHoldings,
    ShowHousehold,
    ShowNote,
    ShowStages,
    ShowSwot,
)
from core.buttons import keyboard, url_button
from core.context import Ctx
from core.i18n import _, current_language, format_date, format_datetime, label_value
from core.messages import edit_or_reply, esc, reply
from core.pushes.reminders import KIND_TITLES, manage_buttons, short_when
from domain.care import next_birthday
from domain.channels import CHANNELS, link
from domain.compliance import COMPLIANCE_FIELDS
from domain.compliance import DAYS_BEFORE as COMPLIANCE_NOTICE
from domain.customers import CORRECTABLE_KINDS, INTERACTION_KINDS, KIND_ICONS, SEGMENTS, STAGES
from domain.deals import add_totals, format_amount, format_totals, from_minor
from domain.household import COMPANY_SEGMENTS, RELATIONS
from domain.mycard import SOURCES as QR_SOURCES
from domain.phones import display_phone, is_checked
from handlers.common import expired
from storage.customers import Customer
from storage.holdings import Holding
from storage.household import Member
from storage.reminders import Reminder

HISTORY_PAGE = 5
CARD_FOLLOW_UPS = 3  # open follow-ups listed (and managed) on the card
HISTORY_ENTRY_LIMIT = 700
# Family members' birthdays and care reminders this close are shown on the card.
FAMILY_AHEAD = timedelta(days=30)
FAMILY_REMINDER_KINDS = ("birthday", "care", "touch", "maturity", "repayment", "anniversary",
                         "debit", "compliance")


@dataclass
class CardExtras:
    """What the card shows besides the file itself: deals, products held, the household."""

    open_deals: int = 0
    pipeline: dict[str, Decimal] = field(default_factory=dict)  # currency → open amount
    holdings: list[str] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    family_dates: list[str] = field(default_factory=list)
    follow_ups: list[Reminder] = field(default_factory=list)  # open, soonest first


def holding_line(holding: Holding) -> str:
    """'Vay mua nhà · 2 tỷ ₫ · repayment on day 15 · matures 15/12/2030'."""
    parts = [f"<b>{esc(holding.product)}</b>"]
    if holding.amount_minor is not None and holding.currency is not None:
        parts.append(format_amount(from_minor(holding.amount_minor), holding.currency,
                                   current_language()))
    if holding.monthly_day is not None:
        template = (_("debit on day {day} of each month") if holding.kind == "investment"
                    else _("repayment on day {day} of each month"))
        parts.append(template.format(day=holding.monthly_day))
    if holding.start_date is not None:
        parts.append(_("policy since {date}").format(
            date=format_date(date.fromisoformat(holding.start_date))))
    if holding.maturity_date is not None:
        parts.append(_("matures {date}").format(
            date=format_date(date.fromisoformat(holding.maturity_date))))
    return " · ".join(parts)


def display_name(customer: Customer) -> str:
    return customer.name or _("(no name)")


def card_text(customer: Customer, next_follow_up: str | None, region: str,
              extras: CardExtras | None = None, today: date | None = None) -> str:
    extras = extras or CardExtras()
    grade = f" · {customer.grade}" if customer.grade else ""
    lines = [
        f"<b>{esc(display_name(customer))}</b>",
        f"{_(SEGMENTS[customer.segment])}{grade} · {_(STAGES[customer.stage])}",
    ]
    if customer.archived_at is not None:
        lines.append(_("🗄 Archived on {date}").format(date=format_date(customer.archived_at)))
    if customer.phone and is_checked(customer.phone):
        lines.append(f"📞 {esc(display_phone(customer.phone, region))}")
    elif customer.phone:
        # Kept as typed: no market has such a number (an old or incomplete one).
        lines.append("📞 " + _("{phone} (number not checked)").format(
            phone=esc(customer.phone)))
    channels = [f"{CHANNELS[name] if name in ('zalo', 'line', 'whatsapp') else _(CHANNELS[name])}"
                f" {esc(_channel_value(name, value, region))}"
                for name, value in _channels(customer)]
    if channels:
        lines.append("💬 " + " · ".join(channels))
    if customer.company:
        lines.append(f"🏢 {esc(customer.company)}")
    if customer.client_ref:
        lines.append(_("Client reference: {ref}").format(ref=esc(customer.client_ref)))
    last = (format_datetime(customer.last_contact_at) if customer.last_contact_at
            else _("never"))
    lines.append(_("Last contact: {when}").format(when=last))
    lines.append(_("Next follow-up: {when}").format(when=next_follow_up or _("none set")))
    # The later ones too: each has its row of buttons (done, move, cancel) below.
    lines += [f"⏰ {format_datetime(r.due_at)}" + (f" · {esc(r.text[:60])}" if r.text else "")
              for r in extras.follow_ups[1:CARD_FOLLOW_UPS]]
    if customer.products_held:
        lines.append(_("Products: {products}").format(products=esc(customer.products_held)))
    lines += [f"💰 {line}" for line in extras.holdings]
    if extras.open_deals:
        lines.append(_("💼 Open deals: {count} · {amount}").format(
            count=extras.open_deals, amount=format_totals(extras.pipeline, current_language())))
    if customer.qr_source:
        lines.append(_("Came through your QR code: {source}").format(
            source=_(QR_SOURCES[customer.qr_source])))
    lines += _compliance_lines(customer, today)
    if extras.members:
        lines.append(_("👨‍👩‍👧 Household: {members}").format(members=", ".join(
            f"{esc(m.name or _('(no name)'))} ({_(RELATIONS[m.relation])})"
            for m in extras.members)))
    lines += extras.family_dates
    if customer.stage == "lost" and customer.lost_reason:
        lines.append(_("Lost because: {reason}").format(reason=esc(customer.lost_reason)))
    return "\n".join(lines)


def _channels(customer: Customer) -> list[tuple[str, str]]:
    return [(name, value) for name in CHANNELS if (value := getattr(customer, name))]


def _channel_value(name: str, value: str, region: str) -> str:
    return display_phone(value, region) if value.startswith("+") else value


def _compliance_lines(customer: Customer, today: date | None) -> list[str]:
    """Each compliance date set on the file; ⚠️ when it is within the notice period."""
    parts = []
    for name, label in COMPLIANCE_FIELDS.items():
        raw = getattr(customer, name)
        if not raw:
            continue
        day = date.fromisoformat(raw)
        soon = today is not None and (day - today).days <= max(COMPLIANCE_NOTICE)
        parts.append(("⚠️ " if soon else "") + _("{what}: {date}").format(
            what=_(label), date=format_date(day)))
    return ["🪪 " + " · ".join(parts)] if parts else []


def card_buttons(customer: Customer, members: list[Member] | None = None,
                 follow_ups: list[Reminder] | None = None) -> InlineKeyboardMarkup:
    cid = customer.id
    if customer.archived_at is not None:
        return keyboard([
            [RestoreCustomer(cid).button(_("Restore")), ShowHistory(cid).button(_("History"))],
            [AskErase(cid).button(_("Delete for good"))],
        ])
    rows: list[list[InlineKeyboardButton]] = [
        [AskNote(cid).button(_("📝 Note")), LogContact(cid, "call").button(_("📞 Call")),
         LogContact(cid, "visit").button(_("🚶 Visit")),
         LogContact(cid, "meeting").button(_("🤝 Meeting"))],
        [AskFollowUp(cid).button(_("⏰ Follow-up")), ShowStages(cid).button(_("➡️ Stage")),
         LogContact(cid, "complaint").button(_("⚠️ Complaint"))],
        [ShowDeals(cid).button(_("💼 Deals")), ShowHoldings(cid).button(_("💰 Products")),
         ShowHousehold(cid).button(_("👨‍👩‍👧 Household"))],
        *(manage_buttons(r, short_when(r)) for r in (follow_ups or [])[:CARD_FOLLOW_UPS]),
    ]
    apps = [url_button(CHANNELS[name], url) for name, value in _channels(customer)
            if (url := link(name, value)) is not None]
    if apps:
        rows.append(apps)
    members_row = [OpenCard(m.customer_id).button(f"👤 {(m.name or _('(no name)'))[:20]}")
                   for m in (members or [])[:3]]
    if members_row:
        rows.append(members_row)
    last = [EditCustomer(cid).button(_("✏️ Edit")), ShowHistory(cid, 0).button(_("🕘 History")),
            ArchiveCustomer(cid).button(_("🗄 Archive"))]
    if customer.segment in COMPANY_SEGMENTS:
        last.insert(1, ShowSwot(cid).button(_("🧭 SWOT")))
    rows.append(last)
    return keyboard(rows)


async def card_extras(context: Ctx, customer: Customer) -> CardExtras:
    """The deals, holdings and household shown on the card."""
    storage, owner = context.storage, context.me.id
    extras = CardExtras()
    deals = [d for d in await storage.deals.for_customer(owner, customer.id) if d.is_open]
    extras.open_deals = len(deals)
    extras.pipeline = add_totals(*({d.currency: from_minor(d.amount_minor)}
                                   for d in deals if d.currency and d.amount_minor))
    extras.holdings = [holding_line(h) for h in
                       await storage.holdings.for_customer(owner, customer.id)][:5]
    extras.members = await storage.household.members(owner, customer.id)
    extras.follow_ups = await storage.reminders.open_follow_ups(owner, customer.id)
    if extras.members:
        extras.family_dates = await _family_dates(context, extras.members)
    return extras


async def _family_dates(context: Ctx, members: list[Member]) -> list[str]:
    """Family members' coming birthdays and care reminders, for the main customer's card."""
    now = context.clock.now()
    today = now.date()
    lines = []
    for member in members:
        if not member.birthday:
            continue
        _year, month, day = member.birthday.rsplit("-", 2)
        when = next_birthday(int(month), int(day), member.birthday_lunar, member.birthday_leap,
                             today, member.language == "vi")
        if when - today <= FAMILY_AHEAD:
            lines.append(_("🎂 {name} ({relation}): birthday {date}").format(
                name=esc(member.name), relation=_(RELATIONS[member.relation]),
                date=format_date(when)))
    reminders: list[Reminder] = await context.storage.reminders.open_for_customers(
        [m.customer_id for m in members], now + FAMILY_AHEAD, FAMILY_REMINDER_KINDS)
    relation = {m.customer_id: m.relation for m in members}
    for reminder in reminders[:5]:
        if reminder.kind == "birthday":
            continue  # shown above, from the birthday itself
        lines.append(_("⏰ {name} ({relation}): {what} {date}").format(
            name=esc(reminder.customer_name or ""),
            relation=_(RELATIONS[relation.get(reminder.customer_id or 0, "spouse")]),
            what=_(KIND_TITLES.get(reminder.kind, "Follow-up")),
            date=format_date(reminder.due_at)))
    return lines


async def card_answer(context: Ctx, customer: Customer,
                      prefix: str = "") -> tuple[str, InlineKeyboardMarkup]:
    """The card's text (after ``prefix``) and buttons."""
    reminder = await context.storage.reminders.next_for_customer(customer.id)
    follow_up = format_datetime(reminder.due_at) if reminder else None
    extras = await card_extras(context, customer)
    text = card_text(customer, follow_up, context.me.region, extras,
                     context.clock.now().date())
    if prefix:
        text = f"{prefix}\n\n{text}"
    return text, card_buttons(customer, extras.members, extras.follow_ups)


async def show_card(update: Update, context: Ctx, customer: Customer, *,
                    edit: bool = False, prefix: str = "",
                    undo: InlineKeyboardButton | None = None) -> None:
    """Send (or edit into) the card and remember it, so a reply to it becomes a note;
    ``undo`` takes back the change the card confirms."""
    text, markup = await card_answer(context, customer, prefix)
    if undo is not None:
        markup = InlineKeyboardMarkup([*markup.inline_keyboard, [undo]])
    if edit:
        await edit_or_reply(update, text, markup)
        query_message = update.callback_query.message if update.callback_query else None
        message = query_message if isinstance(query_message, Message) else None
    else:
        message = await reply(update, text, markup)
    if message is not None:
        await context.storage.customers.remember_card(
            message.chat_id, message.message_id, customer.id, context.clock.now())


async def own_customer(update: Update, context: Ctx, customer_id: int) -> Customer | None:
    """The RM's own customer a button names, or None after saying the button expired."""
    customer = await context.storage.customers.get(context.me.id, customer_id)
    if customer is None:
        await expired(update)
    return customer


async def open_card(update: Update, context: Ctx) -> None:
    """Show a customer's card from a button (search results, lists, notifications)."""
    customer = await own_customer(update, context, context.action(OpenCard).customer_id)
    if customer is None:
        return
    await context.query.answer()
    await show_card(update, context, customer)


def _history_line(kind: str, when: str, text: str, file_name: str | None) -> str:
    label = f"{KIND_ICONS.get(kind, '•')} <b>{_(INTERACTION_KINDS[kind])}</b> · {when}"
    body = text if len(text) <= HISTORY_ENTRY_LIMIT else text[:HISTORY_ENTRY_LIMIT] + "…"
    if file_name:
        body = f"{file_name}\n{body}".strip()
    return f"{label}\n{esc(body)}" if body else label


async def show_history(update: Update, context: Ctx) -> None:
    """Page through every interaction with the customer, newest first."""
    action = context.action(ShowHistory)
    customer = await own_customer(update, context, action.customer_id)
    if customer is None:
        return
    await context.query.answer()
    page = action.page
    items, total = await context.storage.interactions.history(
        context.me.id, customer.id, offset=page * HISTORY_PAGE, limit=HISTORY_PAGE)
    header = _("<b>History of {name}</b> ({count})").format(
        name=esc(display_name(customer)), count=total)
    if not items:
        await reply(update, header + "\n" + _("Nothing recorded yet."))
        return
    lines = [header]
    rows = []
    for item in items:
        if item.kind == "stage":
            item_text = " → ".join(_(STAGES[s]) for s in (item.detail.get("from"),
                                                           item.detail.get("to")) if s in STAGES)
            if item.text:
                item_text = label_value(item_text, item.text)
        else:
            item_text = item.text
        lines.append(_history_line(item.kind, format_datetime(item.happened_at), item_text,
                                   item.file_name))
        own = (item.staff_id == context.me.id and item.kind in CORRECTABLE_KINDS
               and "via" not in item.detail)
        if len(item.text) > HISTORY_ENTRY_LIMIT or own:
            # The whole of a long note, and Correct / Delete for the RM's own.
            label = (_("📖 Read in full: {kind}, {when}") if len(item.text) > HISTORY_ENTRY_LIMIT
                     else _("✏️ {kind}, {when}"))
            rows.append([ShowNote(item.id).button(label.format(
                kind=_(INTERACTION_KINDS[item.kind]), when=format_date(item.happened_at)))])
        if item.file_id:
            rows.append([ResendFile(item.id).button(_("📎 Send again: {what}").format(
                what=(item.file_name or _(INTERACTION_KINDS[item.kind]))[:30]))])
    pager = []
    if page > 0:
        pager.append(ShowHistory(customer.id, page - 1).button(_("◀ Newer")))
    if (page + 1) * HISTORY_PAGE < total:
        pager.append(ShowHistory(customer.id, page + 1).button(_("Older ▶")))
    rows.append(pager)
    rows.append([OpenCard(customer.id).button(_("Back to the card"))])
    await reply(update, "\n\n".join(lines), keyboard(rows))


async def resend_file(update: Update, context: Ctx) -> None:
    """Send a stored photo, voice note or document again, by its Telegram file id."""
    item = await context.storage.interactions.get(
        context.me.id, context.action(ResendFile).interaction_id)
    if item is None or not item.file_id:
        await expired(update)
        return
    await context.query.answer()
    chat = context.chat
    if item.file_type == "photo":
        await chat.send_photo(item.file_id)
    elif item.file_type == "voice":
        await chat.send_voice(item.file_id)
    elif item.file_type == "video":
        await chat.send_video(item.file_id)
    elif item.file_type == "audio":
        await chat.send_audio(item.file_id)
    else:
        await chat.send_document(item.file_id)
