"""Early warning on churn: /volumes imports weekly transaction volumes, alerts reach the RM
(and the team lead for A and VIP clients) with a chart, and /watch lists who is on alert.

Wiring: ``/volumes`` → start_volume_import, ``/watch`` → show_watch (private chat); the file
flow ``VOLUMES_FLOW`` → receive_volumes_file in ``handlers.flows.FILE_STEPS``; the button
``cw`` → show_watch_button (no argument: the list; an alert id: its figures and chart). The
'churn' push, the alert's texts and its chart are in ``core.pushes.churn``.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from core.actions import OpenCard, WatchChurn
from core.buttons import keyboard
from core.context import Ctx
from core.i18n import N_, _, active, format_date, label_value, local, ngettext
from core.languages import language_of
from core.messages import edit_or_reply, esc, reply, send_photo_text
from core.pushes.churn import alert_buttons, alert_chart, alert_text, amount, change
from core.workbooks import Refusal, read_workbook
from domain.churn import (
    LONG_WEEKS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    Comparison,
    ParsedFile,
    RowError,
    VolumeRow,
    compare,
    next_working_day,
    parse_volume_file,
    parse_volume_rows,
    ref_key,
)
from domain.pushes import Kind
from handlers.common import expired
from storage import Storage
from storage.churn import NewVolume, RefHolder
from storage.staff import Staff

VOLUMES_FLOW = "volumes"   # data {}: waiting for the volume file
ALERT_GRADES = ("A", "VIP")  # the team lead hears about these clients too
FOLLOW_UP_AT = time(9, 0)
MAX_ERRORS_SHOWN = 30
MAX_WATCH_BUTTONS = 20


# -- who sees what ------------------------------------------------------------------------------


async def visible_owners(storage: Storage, me: Staff) -> set[int] | None:
    """Whose customers this person may import for and watch (None: everyone's, an admin)."""
    if me.is_admin:
        return None
    if me.role == "lead" and me.team_id is not None:
        return {member.id for member in await storage.staff.list_team(me.team_id)} | {me.id}
    return {me.id}


async def _leads_of(storage: Storage, owner: Staff) -> list[Staff]:
    if owner.team_id is None:
        return []
    return [member for member in await storage.staff.list_team(owner.team_id)
            if member.role == "lead" and member.id != owner.id]


# -- /volumes and the file ----------------------------------------------------------------------


async def start_volume_import(update: Update, context: Ctx) -> None:
    """Wait for a weekly volume file (/volumes)."""
    chat = context.chat
    await context.storage.states.set(context.me.id, chat.id, VOLUMES_FLOW, {},
                                     context.clock.now())
    lines = [_("📊 Send me the weekly transaction volumes as an Excel (.xlsx) or CSV file."),
             _("The first row names the columns: client_ref, week, volume (currency is "
               "optional); their names in your language work too."),
             _("A week is written 2026-11-16, 16/11/2026 or 2026-W47; any day counts for its "
               "week. Importing a week again replaces its figures."),
             _("The client reference is set on the customer's card: ✏️ Edit → Client "
               "reference.")]
    if not context.me.is_lead:
        lines.append(_("Only your own customers' client references are accepted."))
    lines.append(_("(/cancel to stop)"))
    await reply(update, "\n\n".join(lines))


def _error_lines(errors: list[RowError]) -> list[str]:
    ordered = sorted(errors, key=lambda error: error.row)
    lines = [_("Row {row}: {reason}").format(row=error.row, reason=esc(error.text()))
             if error.row else esc(error.text()) for error in ordered[:MAX_ERRORS_SHOWN]]
    if len(ordered) > MAX_ERRORS_SHOWN:
        lines.append(_("… and {count} more.").format(count=len(ordered) - MAX_ERRORS_SHOWN))
    return lines


def _check_owners(rows: list[VolumeRow], holders: dict[str, list[RefHolder]],
                  allowed: set[int] | None) -> list[RowError]:
    """Each row's client reference must be a customer the importer can see. A reference
    held only in books the importer cannot see is answered as one nobody holds: the answer
    must not tell what is in someone else's book."""
    errors = []
    for row in rows:
        seen = _visible(holders.get(ref_key(row.client_ref), []), allowed)
        if allowed is not None and not seen:
            errors.append(RowError(row.row, N_("client “{ref}” is not one of your customers"),
                                   {"ref": row.client_ref}))
        elif not seen:
            errors.append(RowError(row.row, N_("no customer has the client reference “{ref}”"),
                                   {"ref": row.client_ref}))
    return errors


def _visible(holders: list[RefHolder], allowed: set[int] | None) -> list[RefHolder]:
    """The holders of a number in books the importer may see (None: every book)."""
    return [holder for holder in holders if allowed is None or holder.owner_id in allowed]


async def receive_volumes_file(update: Update, context: Ctx, data: dict[str, Any]) -> None:
    """Validate a weekly volume file row by row and store all of it or nothing; then alert."""
    message = update.effective_message
    chat = update.effective_chat
    assert message is not None and message.document is not None and chat is not None
    document = message.document
    name = (document.file_name or "").lower()
    me, now = context.me, context.clock.now()
    if not name.endswith((".csv", ".xlsx")):
        await reply(update, _("Please send the volumes as an Excel (.xlsx) or CSV file (or "
                              "/cancel)."))
        return
    if (document.file_size or 0) > MAX_FILE_BYTES:
        await reply(update, _("The file is larger than {limit} MB: split it and send the parts "
                              "one after the other.").format(limit=MAX_FILE_BYTES // 2**20))
        return
    raw = bytes(await (await context.bot.get_file(document.file_id)).download_as_bytearray())
    today = local(now).date()
    if name.endswith(".xlsx"):
        sheet = await read_workbook(raw, prefer=None, max_rows=MAX_ROWS + 2)
        parsed = (ParsedFile([], [RowError(0, sheet.message, sheet.params)])
                  if isinstance(sheet, Refusal) else parse_volume_rows(sheet.rows, today))
    else:
        parsed = await asyncio.to_thread(parse_volume_file, raw, name, today)
    holders = await context.storage.churn.holders(row.client_ref for row in parsed.rows)
    allowed = await visible_owners(context.storage, me)
    errors = parsed.errors + _check_owners(parsed.rows, holders, allowed)
    if errors:
        # Still waiting: the corrected file is the next thing they send.
        await context.storage.states.set(me.id, chat.id, VOLUMES_FLOW, data, now)
        lines = [ngettext(
            "❌ Nothing was imported: {count} problem found. Correct the file and send it "
            "again (or /cancel).",
            "❌ Nothing was imported: {count} problems found. Correct the file and send it "
            "again (or /cancel).", len(errors)).format(count=len(errors))]
        await reply(update, "\n".join(lines + _error_lines(errors)))
        return
    await context.storage.states.clear(me.id, chat.id)
    # The first customer on file spells the number for everyone: one series per client.
    rows = [NewVolume(holders[ref_key(row.client_ref)][0].client_ref, row.week, row.volume,
                      row.currency) for row in parsed.rows]
    replaced = await context.storage.import_volumes(me.id, rows, now)
    outcome = await evaluate_import(context.storage, rows, now,
                                    context.settings.churn_drop_percent,
                                    context.settings.default_language, allowed)
    await reply(update, _import_summary(rows, replaced, outcome))


def _import_summary(rows: list[NewVolume], replaced: int, outcome: ImportOutcome) -> str:
    clients = len({row.client_ref for row in rows})
    weeks = len({row.week for row in rows})
    lines = [_("✅ Imported {rows}: {clients}, {weeks}.").format(
                 rows=ngettext("{count} row", "{count} rows", len(rows)).format(count=len(rows)),
                 clients=ngettext("{count} client", "{count} clients", clients).format(
                     count=clients),
                 weeks=ngettext("{count} week", "{count} weeks", weeks).format(count=weeks)),
             _("Figures replaced (week already on record): {count}").format(count=replaced),
             _("Alerts raised: {count}").format(count=len(outcome.raised))]
    for holder, comparison in outcome.raised:
        lines.append("  " + label_value(
            f"📉 <b>{esc(holder.name)}</b> · {esc(holder.client_ref)}",
            _("week of {week}, {change}").format(
                week=format_date(comparison.week),
                change=change(comparison.volume, _worst_average(comparison)))))
    if outcome.already:
        lines.append(_("Already on alert for that week (not raised again): {count}").format(
            count=outcome.already))
    if outcome.short_history:
        lines.append(_("Clients with less than 4 weeks on record, not compared yet: "
                       "{count}").format(count=outcome.short_history))
    if outcome.long_history:
        lines.append(_("Clients with less than 13 weeks on record, compared with the 4-week "
                       "average only: {count}").format(count=outcome.long_history))
    return "\n".join(lines)


# -- evaluation and alerts ----------------------------------------------------------------------


@dataclass
class ImportOutcome:
    raised: list[tuple[RefHolder, Comparison]]
    already: int = 0
    short_history: int = 0
    long_history: int = 0


async def evaluate_import(storage: Storage, rows: Sequence[NewVolume], now: datetime,
                          threshold: int, default_language: str,
                          allowed: set[int] | None = None) -> ImportOutcome:
    """Compare each client's latest week, if it was just imported, with its averages.

    An older week imported (history filled in) is not alerted on: the alert is about where
    the client stands now. A drop raises one alert per client-week, however often the week
    is imported; a corrected week that no longer falls takes the client off the alert.
    A number two books hold alerts each holder in a book the importer may see (``allowed``;
    None: every book).
    """
    outcome = ImportOutcome(raised=[])
    weeks_by_client: dict[str, set[date]] = defaultdict(set)
    for row in rows:
        weeks_by_client[row.client_ref].add(row.week)
    holders = await storage.churn.holders(weeks_by_client)
    for ref, weeks in sorted(weeks_by_client.items()):
        span = await storage.churn.first_and_last_week(ref)
        seen = _visible(holders.get(ref_key(ref), []), allowed)
        if span is None or not seen or span[1] not in weeks:
            continue
        first, last = span
        history = await storage.churn.series(ref, last, LONG_WEEKS + 1)
        comparison = compare({item.week: item.volume for item in history}, last, first)
        if comparison is None:
            continue
        outcome.short_history += comparison.avg_4w is None
        outcome.long_history += comparison.avg_4w is not None and comparison.avg_13w is None
        if not comparison.alert(threshold):
            await storage.churn.clear_alert(ref, last)
            continue
        currency = history[-1].currency  # the week itself: compare() found it on record
        for holder in seen:
            alert_id, _new = await storage.churn.save_alert(
                client_ref=ref, week=last, customer_id=holder.customer_id,
                volume=comparison.volume, avg_4w=comparison.avg_4w, avg_13w=comparison.avg_13w,
                drop_4w=comparison.drop_4w, drop_13w=comparison.drop_13w, now=now)
            if await _notify(storage, holder, alert_id, comparison, currency, now,
                             default_language):
                outcome.raised.append((holder, comparison))
            else:
                outcome.already += 1
    return outcome


def _worst_average(comparison: Comparison) -> float | None:
    """The average the week fell furthest below."""
    drops = [(value, average) for value, average in ((comparison.drop_4w, comparison.avg_4w),
                                                     (comparison.drop_13w, comparison.avg_13w))
             if value is not None]
    return max(drops)[1] if drops else None


def _reminder_text(comparison: Comparison, currency: str | None) -> str:
    """What the alert says when it is shown as a plain reminder (in the current language)."""
    average = _worst_average(comparison)
    return _("Transaction volume {change} in the week of {week}: {volume} against an average "
             "of {average}.").format(
        change=change(comparison.volume, average), week=format_date(comparison.week),
        volume=amount(comparison.volume, currency), average=amount(average or 0, currency))


async def _notify(storage: Storage, holder: RefHolder, alert_id: int, comparison: Comparison,
                  currency: str | None, now: datetime, default_language: str) -> bool:
    """The churn reminders (the RM; the team leads for A/VIP) and the RM's follow-up on the
    next working day; False if this client-week had already been alerted."""
    owner = await storage.staff.get(holder.owner_id)
    if owner is None:
        return False
    key = f"churn:{holder.client_ref}:{comparison.week.isoformat()}"
    # The owner's first: if theirs was made before, so were the leads' (a lead of two books
    # holding the number is told of each customer).
    recipients = [(owner, f"{key}:{owner.id}")]
    if holder.grade in ALERT_GRADES:
        recipients += [(lead, f"{key}:{lead.id}:{holder.customer_id}")
                       for lead in await _leads_of(storage, owner)]
    for person, rule_key in recipients:
        with active(language_of(person, default_language), person.timezone):
            made = await storage.reminders.create(
                staff_id=person.id, customer_id=holder.customer_id, kind=Kind.CHURN,
                text=_reminder_text(comparison, currency), due_at=now, now=now,
                rule_key=rule_key, ref_id=alert_id)
        if made is None and person.id == owner.id:
            return False
    zone = ZoneInfo(owner.timezone)
    day = next_working_day(now.astimezone(zone).date(), owner.region)
    with active(language_of(owner, default_language), owner.timezone):
        text = _("Call about the drop in transaction volume (week of {week}).").format(
            week=format_date(comparison.week))
    await storage.reminders.create(
        staff_id=owner.id, customer_id=holder.customer_id, kind=Kind.FOLLOWUP, text=text,
        due_at=datetime.combine(day, FOLLOW_UP_AT, tzinfo=zone), now=now,
        urgent=False, rule_key=f"{key}:{owner.id}:followup")
    return True


# -- /watch ---------------------------------------------------------------------------------------


async def _watch_view(context: Ctx) -> tuple[str, InlineKeyboardMarkup | None]:
    me = context.me
    alerts = await context.storage.churn.on_alert(
        sorted(owners) if (owners := await visible_owners(context.storage, me)) is not None
        else None)
    if not alerts:
        return _("No client is on alert. Weekly volumes are imported with /volumes."), None
    names: dict[int, str] = {}
    lines = [_("📉 <b>Clients on alert</b>: {count}").format(count=len(alerts))]
    rows: list[list[InlineKeyboardButton]] = []
    for alert in alerts:
        line = (f"• <b>{esc(alert.customer_name)}</b> · {esc(alert.client_ref)}"
                + (f" · {alert.grade}" if alert.grade else "") + "\n  "
                + _("week of {week}: {volume}; 4 weeks {change_4w}, 13 weeks {change_13w}")
                .format(week=format_date(alert.week),
                        volume=amount(alert.volume, alert.currency),
                        change_4w=change(alert.volume, alert.avg_4w),
                        change_13w=change(alert.volume, alert.avg_13w)))
        if alert.owner_id != me.id:
            if alert.owner_id not in names:
                owner = await context.storage.staff.get(alert.owner_id)
                names[alert.owner_id] = owner.name if owner else "?"
            line += " · " + _("RM {name}").format(name=esc(names[alert.owner_id]))
        lines.append(line)
        if len(rows) < MAX_WATCH_BUTTONS:
            label = alert.customer_name[:40] or alert.client_ref
            if alert.owner_id == me.id:
                rows.append([OpenCard(alert.customer_id).button(label),
                             WatchChurn(alert.id).button("📈")])
            else:
                rows.append([WatchChurn(alert.id).button(f"📈 {label}")])
    return "\n".join(lines), keyboard(rows)


async def show_watch(update: Update, context: Ctx) -> None:
    """List the clients on alert: the RM's own, a lead's team's, everyone's for an admin."""
    await reply(update, *await _watch_view(context))


async def show_watch_button(update: Update, context: Ctx) -> None:
    """The list again (no argument), or one alert's figures and chart (an alert id)."""
    query = context.query
    alert_id = context.action(WatchChurn).alert_id
    if alert_id is None:
        await query.answer()
        await edit_or_reply(update, *await _watch_view(context))
        return
    alert = await context.storage.churn.alert(alert_id)
    allowed = await visible_owners(context.storage, context.me)
    if alert is None or (allowed is not None and alert.owner_id not in allowed):
        await expired(update)
        return
    await query.answer()
    me = context.me
    owner = None if alert.owner_id == me.id else await context.storage.staff.get(alert.owner_id)
    await send_photo_text(context.bot, context.chat.id, await alert_chart(context.storage, alert),
                          alert_text(alert, owner), alert_buttons(alert, me))
