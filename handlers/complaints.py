"""Complaints: /complaint opens one with a due date, reminded until resolved; then CSAT and NPS,
and /service shows the service-quality figures."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update

from core.actions import AnswerCsat, AnswerNps, OpenCard, PickComplaintCustomer, ResolveComplaint
from core.buttons import keyboard
from core.context import Ctx
from core.i18n import _, format_datetime, format_number, local, ngettext
from core.messages import edit_or_reply, esc, reply
from domain.complaints import (
    COMPLAINT_DUE_WORKING_DAYS,
    CSAT_SCORES,
    NPS_SCORES,
    WINDOW_DAYS,
    Resolution,
    ServiceFigures,
    ServicePart,
    add_working_days,
    service_figures,
    working_days_between,
)
from domain.customers import MAX_NOTE
from domain.names import fold
from handlers.access import recorded, send_answer
from handlers.cards import display_name, own_customer
from handlers.common import ask, expired, note_too_long, undo_button
from handlers.lookup import split_customer
from storage import Storage
from storage.customers import Customer
from storage.staff import Staff

COMPLAINT_FLOW = "complaint"  # data {"customer_id"}: the next text is the complaint
RESOLVE_FLOW = "resolve"      # data {"complaint_id", "first"}: the next text is the resolution
# Not a question: the text of a /complaint whose customer the RM is picking (data {"text"}).
PICK_STATE = "complaint_pick"
About = Literal["c", "s"]  # what a score is asked after: a complaint, or a sale
CONTEXTS = {"c": "complaint", "s": "sale"}
NO_FIGURE = "—"


# -- opening a complaint ----------------------------------------------------------------------


async def complaint_command(update: Update, context: Ctx) -> None:
    """Open a complaint in one line: /complaint <customer> <text>."""
    message = context.message
    assert message.text is not None  # a command
    parts = message.text.split(maxsplit=1)
    text = parts[1].strip() if len(parts) > 1 else ""
    if not text:
        await reply(update, _("Write the customer and the complaint, for example: {example}")
                    .format(example=_("/complaint Nguyễn Văn An phí chuyển tiền bị trừ 2 lần")))
        return
    candidates, rest = await split_customer(context, text)
    if len(candidates) == 1 and rest:
        await open_complaint(update, context, candidates[0], rest)
        return
    if len(candidates) == 1:
        await ask_complaint(update, context, candidates[0])
        return
    if not candidates:
        await reply(update, _("No customer matches “{query}”.").format(
            query=esc(text.split()[0][:50])))
        return
    await context.storage.states.set(context.me.id, message.chat_id, PICK_STATE,
                                     {"text": text}, context.clock.now())
    rows = [[PickComplaintCustomer(c.id).button(display_name(c)[:40])] for c in candidates[:6]]
    await reply(update, _("Which customer is the complaint from?"), keyboard(rows))


async def pick_customer(update: Update, context: Ctx) -> None:
    """Open the /complaint typed earlier for the customer picked from several."""
    customer = await own_customer(update, context,
                                  context.action(PickComplaintCustomer).customer_id)
    if customer is None:
        return
    await context.query.answer()
    chat = context.chat
    state = await context.storage.states.get(context.me.id, chat.id)
    text = _without_name(str(state.data.get("text", "")), customer) if (
        state is not None and state.flow == PICK_STATE) else ""
    await context.storage.states.clear(context.me.id, chat.id)
    if not text:
        await ask_complaint(update, context, customer)
        return
    await open_complaint(update, context, customer, text)


def _without_name(text: str, customer: Customer) -> str:
    """The complaint without the leading words that named the customer."""
    name_words = set(fold(customer.name).split())
    words = text.split()
    while words and fold(words[0]) in name_words:
        words.pop(0)
    return " ".join(words)


async def ask_complaint(update: Update, context: Ctx, customer: Customer) -> None:
    """Ask what the customer complains about: the next text is it."""
    name = esc(display_name(customer))
    await ask(update, context, COMPLAINT_FLOW, {"customer_id": customer.id},
              _("What is {name}'s complaint? Type it in a few words. (/cancel to stop)")
              .format(name=name), file_of=name)


async def type_complaint(update: Update, context: Ctx, data: dict[str, Any]) -> None:
    """Take the typed complaint of the customer asked about."""
    message = context.message
    text = (message.text or "").strip()
    customer = await context.storage.customers.get(context.me.id,
                                                   int(data.get("customer_id", 0)))
    await context.storage.states.clear(context.me.id, message.chat_id)
    if customer is None:
        await reply(update, _("This customer is no longer in your list."))
        return
    await open_complaint(update, context, customer, text)


async def open_complaint(update: Update, context: Ctx, customer: Customer, text: str) -> None:
    """Record the complaint in the customer's history and open it, due in two working days."""
    if not text.strip():
        await reply(update, _("A complaint needs its content: what is it about?"))
        await ask_complaint(update, context, customer)
        return
    if await note_too_long(update, text):
        return
    staff, now = context.me, context.clock.now()
    due = add_working_days(now.astimezone(ZoneInfo(staff.timezone)),
                           COMPLAINT_DUE_WORKING_DAYS, staff.region)
    async with recorded(update, context) as record:
        complaint_id = await context.storage.open_complaint(staff.id, customer.id, text, now,
                                                            due)
        markup = keyboard([[ResolveComplaint(complaint_id, True).button(
                                _("✅ Resolved on the spot")),
                            OpenCard(customer.id).button(_("Open the card"))],
                           [undo_button("k", complaint_id)]])
        record.keep_answer(_(
            "⚠️ Complaint recorded for {name}. To resolve by {due}: I will remind you until it "
            "is resolved, and tell your team lead if it is late."
        ).format(name=f"<b>{esc(display_name(customer))}</b>",
                 due=f"<b>{format_datetime(due)}</b>"), markup)
    await send_answer(update, context, record)


# -- resolving it -----------------------------------------------------------------------------


async def ask_resolution(update: Update, context: Ctx) -> None:
    """Ask how a complaint was resolved ('✅ Resolved')."""
    action = context.action(ResolveComplaint)
    complaint = await context.storage.complaints.get(context.me.id, action.complaint_id)
    if complaint is None:
        await expired(update)
        return
    if complaint.resolved_at is not None:
        await context.query.answer(_("This complaint is already resolved."), show_alert=True)
        return
    await context.query.answer()
    name = esc(complaint.customer_name)
    await ask(update, context, RESOLVE_FLOW,
              {"complaint_id": complaint.id, "first": action.at_first_contact},
              _("How was {name}'s complaint resolved? Type a short note for the file. "
                "(/cancel to stop)").format(name=name), file_of=name)


async def type_resolution(update: Update, context: Ctx, data: dict[str, Any]) -> None:
    """Resolve the complaint with the typed note, then ask for the customer's scores."""
    message = context.message
    text = (message.text or "").strip()
    if not text:
        await reply(update, _("Please type how it was resolved, or /cancel."))
        return
    staff, now = context.me, context.clock.now()
    complaint = await context.storage.complaints.get(staff.id, int(data.get("complaint_id", 0)))
    await context.storage.states.clear(staff.id, message.chat_id)
    if complaint is None:
        await reply(update, _("This customer is no longer in your list."))
        return
    # At first contact: resolved there and then, the day it was raised.
    first = bool(data.get("first")) and local(complaint.opened_at).date() == local(now).date()
    if not await context.storage.resolve_complaint(staff.id, complaint.id, complaint.customer_id,
                                                   now, text[:MAX_NOTE], first):
        await reply(update, _("This complaint is already resolved."))
        return
    name = esc(complaint.customer_name)
    await reply(update, _("✅ Complaint resolved for {name}; the note is in the file.").format(
        name=f"<b>{name}</b>") + "\n\n" + csat_question(name), csat_buttons("c", complaint.id))


# -- satisfaction -----------------------------------------------------------------------------


def csat_question(name: str) -> str:
    return _("Ask {name}: how satisfied are you with our service? Tap their answer "
             "(1 = very dissatisfied, 5 = very satisfied).").format(name=f"<b>{name}</b>")


def nps_question(name: str) -> str:
    return _("Ask {name}: how likely are you to recommend us to a friend or colleague? Tap "
             "their answer (0 = not at all, 10 = extremely likely).").format(
        name=f"<b>{name}</b>")


def csat_buttons(about: About, ref: int) -> InlineKeyboardMarkup:
    """Score buttons 1–5 and skip, about a complaint ('c') or a sale ('s')."""
    return keyboard([[AnswerCsat(about, ref, score).button(str(score)) for score in CSAT_SCORES],
                     [AnswerCsat(about, ref).button(_("Skip"))]])


def nps_buttons(about: About, ref: int) -> InlineKeyboardMarkup:
    scores = list(NPS_SCORES)
    return keyboard([[AnswerNps(about, ref, s).button(str(s)) for s in scores[:6]],
                     [AnswerNps(about, ref, s).button(str(s)) for s in scores[6:]],
                     [AnswerNps(about, ref).button(_("Skip"))]])


async def ask_after_sale(context: Ctx, customer: Customer, interaction_id: int) -> None:
    """After a won deal, offer the CSAT and NPS questions (ref: the stage change)."""
    name = esc(display_name(customer))
    await context.bot.send_message(
        context.me.id, _("🎉 {name} is now a customer. While it is fresh, ask for their "
                         "feedback.").format(name=f"<b>{name}</b>") + "\n\n" + csat_question(name),
        reply_markup=csat_buttons("s", interaction_id))


async def _scored_customer(update: Update, context: Ctx,
                           answer: AnswerCsat | AnswerNps) -> Customer | None:
    """The customer a score button is about (its complaint or its sale), or None."""
    customer_id = None
    if answer.about == "c":
        complaint = await context.storage.complaints.get(context.me.id, answer.ref_id)
        customer_id = complaint.customer_id if complaint else None
    else:
        sale = await context.storage.interactions.get(context.me.id, answer.ref_id)
        customer_id = sale.customer_id if sale and sale.kind == "stage" else None
    customer = (await context.storage.customers.get(context.me.id, customer_id)
                if customer_id else None)
    if customer is None:
        await expired(update)
    return customer


async def _record(update: Update, context: Ctx, customer: Customer, kind: str,
                  scores: range, answer: AnswerCsat | AnswerNps) -> bool:
    """Record the pressed score (or skip); False if nothing more should happen."""
    if answer.score is None:
        await context.query.answer()
        return True
    if answer.score not in scores:
        await expired(update)
        return False
    if not await context.storage.record_score(
            customer_id=customer.id, owner_id=context.me.id, kind=kind, score=answer.score,
            context=CONTEXTS[answer.about], ref_id=answer.ref_id, now=context.clock.now()):
        await context.query.answer(_("Already recorded."), show_alert=True)
        return False
    await context.query.answer(_("Saved."))
    return True


async def answer_csat(update: Update, context: Ctx) -> None:
    """Record the customer's satisfaction (1–5), then ask the NPS question."""
    answer = context.action(AnswerCsat)
    customer = await _scored_customer(update, context, answer)
    if customer is None or not await _record(update, context, customer, "csat", CSAT_SCORES,
                                             answer):
        return
    await edit_or_reply(update, nps_question(esc(display_name(customer))),
                        nps_buttons(answer.about, answer.ref_id))


async def answer_nps(update: Update, context: Ctx) -> None:
    """Record how likely the customer is to recommend us (0–10)."""
    answer = context.action(AnswerNps)
    customer = await _scored_customer(update, context, answer)
    if customer is None or not await _record(update, context, customer, "nps", NPS_SCORES,
                                             answer):
        return
    await edit_or_reply(update, _("Thank you: {name}'s feedback is recorded. /service shows "
                                  "your figures.").format(name=esc(display_name(customer))))


# -- /service ---------------------------------------------------------------------------------


async def _part(storage: Storage, staff: Staff, now: datetime) -> ServicePart:
    rows = await storage.complaints.rows(staff.id, now, now - timedelta(days=WINDOW_DAYS))
    zone = ZoneInfo(staff.timezone)
    resolutions = [Resolution(row.resolved_at, working_days_between(
        row.opened_at.astimezone(zone).date(), row.resolved_at.astimezone(zone).date(),
        staff.region), row.first_contact) for row in rows.resolved]
    return ServicePart(rows.open, rows.overdue, resolutions, rows.csat, rows.nps)


def _one_decimal(value: float | None) -> str:
    return format_number(round(value, 1)) if value is not None else NO_FIGURE


def _percent(value: int | None) -> str:
    return f"{format_number(value)}%" if value is not None else NO_FIGURE


def _nps(value: int | None) -> str:
    return format_number(value) if value is not None else NO_FIGURE


def figures_text(figures: ServiceFigures) -> list[str]:
    """The lines of one block of figures."""
    return [
        _("⚠️ Open complaints: {open} (overdue: {overdue})").format(
            open=figures.open, overdue=figures.overdue),
        _("✅ Resolved: {recent} in the last 30 days, {window} in the last 90 days").format(
            recent=figures.resolved_recent, window=figures.resolved_window),
        ngettext("⏱ Average resolution time: {days} working day",
                 "⏱ Average resolution time: {days} working days",
                 1 if figures.average_working_days == 1 else 2).format(
            days=_one_decimal(figures.average_working_days)),
        _("🎯 Resolved at first contact: {rate}").format(
            rate=_percent(figures.first_contact_rate)),
        ngettext("😊 CSAT: {score} / 5 ({count} answer)", "😊 CSAT: {score} / 5 ({count} answers)",
                 figures.csat_answers).format(
            score=_one_decimal(figures.csat), count=figures.csat_answers),
        ngettext("📣 NPS: {score} ({count} answer)", "📣 NPS: {score} ({count} answers)",
                 figures.nps_answers).format(score=_nps(figures.nps), count=figures.nps_answers),
    ]


def _member_line(member: Staff, figures: ServiceFigures) -> str:
    return _("<b>{name}</b>: {open} open, {overdue} overdue · {resolved} resolved in 30 days · "
             "CSAT {csat} · NPS {nps}").format(
        name=esc(member.name), open=figures.open, overdue=figures.overdue,
        resolved=figures.resolved_recent, csat=_one_decimal(figures.csat),
        nps=_nps(figures.nps))


async def show_service(update: Update, context: Ctx) -> None:
    """Show the RM's service figures; a team lead sees the team's and each RM's."""
    staff, now = context.me, context.clock.now()
    note = _("Averages and scores over the last 90 days.")
    team = await context.storage.teams.get(staff.team_id) if (
        staff.is_lead and staff.team_id is not None) else None
    if team is None:
        figures = service_figures([await _part(context.storage, staff, now)], now)
        lines = [_("<b>Service quality</b>"), *figures_text(figures), "", note]
        await reply(update, "\n".join(lines))
        return
    members = await context.storage.staff.list_team(team.id)
    parts = [await _part(context.storage, member, now) for member in members]
    lines = [_("<b>Service quality: {team}</b>").format(team=esc(team.name)),
             *figures_text(service_figures(parts, now)), "", _("<b>By RM</b>")]
    lines += [_member_line(member, service_figures([part], now))
              for member, part in zip(members, parts, strict=True)]
    lines += ["", note]
    await reply(update, "\n".join(lines))
