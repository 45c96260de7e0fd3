"""/export and /import: the customer file as a spreadsheet, out and back in.

``/export`` sends an .xlsx file (customers and their notes): an RM's own customers, a team
lead's team, an administrator's everyone. ``/import`` waits for a file in that layout (or CSV),
shows what it would change (new, updated, unchanged, rejected rows with their reasons) and
changes nothing until the RM presses Apply; a second press does nothing.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InputFile, Update

from core.actions import ApplyImport, CancelImport
from core.buttons import keyboard
from core.context import Ctx
from core.i18n import N_, _, current_language, current_timezone, local, ngettext
from core.messages import edit_or_reply, esc, reply
from core.workbooks import Refusal, Sheet, read_workbook
from domain.spreadsheets import (
    CUSTOMERS_SHEET,
    DEAL_COLUMNS,
    DEALS_SHEET,
    HOLDING_COLUMNS,
    HOLDINGS_SHEET,
    MAX_FILE_BYTES,
    MAX_ROWS,
    Plan,
    RowError,
    SheetPlan,
    Table,
    check_file,
    deal_row,
    holding_row,
    is_workbook,
    plan_deals,
    plan_holdings,
    plan_import,
    read_table,
    table_from_sheet,
)
from domain.spreadsheets import write_workbook as write_xlsx
from handlers.common import expired

IMPORT_FLOW = "import"  # waiting for the file; data {}
IMPORT_TTL = timedelta(days=1)  # a preview older than this can no longer be applied
MAX_REJECTED_SHOWN = 20


async def _owner_ids(context: Ctx) -> list[int] | None:
    """Whose customers this person exports: their own, their team's, or (None) everyone's."""
    me = context.me
    if me.is_admin:
        return None
    if me.role == "lead" and me.team_id is not None:
        team = await context.storage.staff.list_team(me.team_id)
        return sorted({me.id, *(member.id for member in team)})
    return [me.id]


async def export_customers(update: Update, context: Ctx) -> None:
    """Send the customers (and their notes) as an .xlsx file (/export)."""
    chat = context.chat
    owner_ids = await _owner_ids(context)
    storage = context.storage
    customers = await storage.spreadsheets.customers(owner_ids)
    notes = await storage.spreadsheets.interactions(owner_ids)
    names = {member.id: member.name for member in await storage.staff.list_all()}
    rows = [{**vars(customer), "owner_name": names.get(customer.owner_id, "")}
            for customer in customers]
    zone = ZoneInfo(context.me.timezone)
    codes = await storage.catalog.codes()
    deals = [deal_row(vars(deal), codes, zone) for deal in await storage.deals.of_owners(
        owner_ids)]
    holdings = [holding_row(vars(holding))
                for holding in await storage.holdings.of_owners(owner_ids)]
    # Writing 10,000 rows takes a moment: keep the event loop free for other users meanwhile.
    data = await asyncio.to_thread(write_xlsx, rows, [vars(note) for note in notes], zone,
                                   deals, holdings)
    now = context.clock.now()
    file_name = f"rapport_{local(now).date().isoformat()}.xlsx"
    caption = _("📤 Customers: {customers}, notes: {notes}. To change your customers, edit "
                "the file and send it back after /import.").format(
        customers=len(customers), notes=len(notes))
    await chat.send_document(InputFile(data, filename=file_name), caption=caption)
    await storage.record_export(context.me.id, customers=len(customers), notes=len(notes),
                                scope="all" if owner_ids is None else len(owner_ids), now=now)


async def start_import(update: Update, context: Ctx) -> None:
    """Ask for the file to import (/import)."""
    chat = context.chat
    await context.storage.states.set(context.me.id, chat.id, IMPORT_FLOW, {},
                                     context.clock.now())
    await reply(update, _(
        "Send me the customer file: the .xlsx from /export, edited as you like, or a CSV file "
        "with the same column names in its first row. I will show what would change before "
        "anything is saved. (/cancel to stop)"))


def _reason(error: RowError) -> str:
    if error.row <= 0:
        return esc(error.text())
    return _("Row {row}: {reason}").format(row=error.row, reason=esc(error.text()))


def _rejections(errors: list[RowError]) -> list[str]:
    lines = [_reason(error) for error in errors[:MAX_REJECTED_SHOWN]]
    if len(errors) > MAX_REJECTED_SHOWN:
        lines.append(_("… and {count} more.").format(count=len(errors) - MAX_REJECTED_SHOWN))
    return lines


async def receive_import_file(update: Update, context: Ctx, data: dict[str, Any]) -> None:
    """Read and check the file sent after /import, then show what Apply would change."""
    message = update.effective_message
    assert message is not None and message.document is not None
    document, me = message.document, context.me
    file_name = document.file_name or ""
    if (document.file_size or 0) > MAX_FILE_BYTES:
        errors = [RowError(0, N_("The file is larger than {limit} MB."),
                           {"limit": MAX_FILE_BYTES // (1024 * 1024)})]
        await _refuse(update, errors)
        return
    raw = bytes(await (await context.bot.get_file(document.file_id)).download_as_bytearray())
    table: Table | list[RowError]
    workbook: Sheet | None = None
    if check_file(raw, file_name) or not is_workbook(raw, file_name):
        table = await asyncio.to_thread(read_table, raw, file_name)
    else:
        read = await read_workbook(raw, prefer=CUSTOMERS_SHEET, max_rows=MAX_ROWS + 2,
                                   also=(DEALS_SHEET, HOLDINGS_SHEET))
        if isinstance(read, Refusal):
            table = [RowError(0, read.message, read.params)]
        else:
            workbook, table = read, table_from_sheet(read.rows)
    if isinstance(table, list):
        await _refuse(update, table)
        return
    customers = await context.storage.spreadsheets.customers([me.id])
    held = await context.storage.spreadsheets.held_refs(
        me.id, [values.get("client_ref", "") for _row, values in table.rows])
    today = context.clock.now().astimezone(current_timezone()).date()
    plan = await asyncio.to_thread(plan_import, table, {c.id: vars(c) for c in customers},
                                   me.region, language=current_language(), today=today,
                                   held_refs=held)
    sheets, unreadable = await _plan_sheets(context, workbook, {c.id for c in customers})
    if unreadable:
        await _refuse(update, unreadable)
        return
    await context.storage.states.clear(me.id, message.chat_id)
    text = "\n\n".join([_preview(file_name, plan), *(_sheet_preview(s) for s in sheets)])
    if not plan.creates and not plan.updates and not any(s.changes for s in sheets):
        await reply(update, text + "\n\n" + _("There is nothing to change."))
        return
    import_id = await context.storage.spreadsheets.save_import(
        owner_id=me.id, file_name=file_name, creates=plan.creates,
        updates=[(change.customer_id, change.changes) for change in plan.updates],
        unchanged=plan.unchanged, rejected=len(plan.rejected), now=context.clock.now(),
        sheets={("deals" if s.sheet == DEALS_SHEET else "holdings"):
                {"creates": s.creates, "updates": s.updates} for s in sheets})
    markup = keyboard([[ApplyImport(import_id).button(_("✅ Apply")),
                        CancelImport(import_id).button(_("✖️ Cancel"))]])
    note = _("Nothing is saved until you press Apply.")
    if plan.rejected or any(s.rejected for s in sheets):
        note += " " + _("Rejected rows are left out.")
    await reply(update, text + "\n\n" + note, markup)


async def _plan_sheets(context: Ctx, workbook: Sheet | None,
                       customer_ids: set[int]) -> tuple[list[SheetPlan], list[RowError]]:
    """Plans for the Deals and Holdings sheets the file has (an .xlsx from /export)."""
    me, storage = context.me, context.storage
    language = current_language()
    plans: list[SheetPlan] = []
    for title, columns in ((DEALS_SHEET, DEAL_COLUMNS), (HOLDINGS_SHEET, HOLDING_COLUMNS)):
        rows = workbook.others.get(title) if workbook is not None else None
        if rows is None:
            continue
        table = table_from_sheet(rows, columns, required=("customer_id", "id"))
        if isinstance(table, list):
            return [], table
        if title == DEALS_SHEET:
            deals = {d.id: vars(d) for d in await storage.deals.of_owners([me.id])}
            codes = {code: product_id for product_id, code in
                     (await storage.catalog.codes()).items()}
            plans.append(plan_deals(table, deals, customer_ids, codes, language, me.region))
        else:
            holdings = {h.id: vars(h) for h in await storage.holdings.of_owners([me.id])}
            plans.append(plan_holdings(table, holdings, customer_ids, language, me.region))
    return plans, []


def _sheet_preview(plan: SheetPlan) -> str:
    title = _("<b>Deals</b>") if plan.sheet == DEALS_SHEET else _("<b>Products held</b>")
    lines = [title,
             _("New: {count}").format(count=len(plan.creates)),
             _("Updated: {count}").format(count=len(plan.updates)),
             _("Unchanged: {count}").format(count=plan.unchanged),
             _("Rejected: {count}").format(count=len(plan.rejected))]
    if plan.rejected:
        lines += ["", *_rejections(plan.rejected)]
    return "\n".join(lines)


async def _refuse(update: Update, errors: list[RowError]) -> None:
    lines = [_("I could not import this file; nothing was changed."), *_rejections(errors),
             "", _("Send a corrected file, or /cancel.")]
    await reply(update, "\n".join(lines))


def _preview(file_name: str, plan: Plan) -> str:
    lines = [ngettext("📥 <b>{file}</b>: {rows} row checked.",
                      "📥 <b>{file}</b>: {rows} rows checked.", plan.rows).format(
                 file=esc(file_name), rows=plan.rows),
             _("New customers: {count}").format(count=len(plan.creates)),
             _("Updated: {count}").format(count=len(plan.updates)),
             _("Unchanged: {count}").format(count=plan.unchanged),
             _("Rejected: {count}").format(count=len(plan.rejected))]
    if plan.rejected:
        lines += ["", *_rejections(plan.rejected)]
    return "\n".join(lines)


async def confirm_import(update: Update, context: Ctx) -> None:
    """Apply a previewed import, once."""
    query = context.query
    me = context.me
    outcome = await context.storage.spreadsheets.apply_saved(
        me.id, context.action(ApplyImport).import_id, region=me.region,
        now=context.clock.now(), ttl=IMPORT_TTL)
    if outcome.status == "missing":
        await expired(update)
        return
    if outcome.applied is None:
        alerts = {
            "already": _("This import was already applied."),
            "cancelled": _("This import was cancelled. Send /import to start again."),
            "expired": _("This preview is more than a day old. Send the file again after "
                         "/import."),
        }
        await query.answer(alerts[outcome.status], show_alert=True)
        return
    await query.answer()
    applied = outcome.applied
    text = ngettext("✅ Import applied: {created} new customer, {updated} updated.",
                    "✅ Import applied: {created} new customers, {updated} updated.",
                    applied.created).format(created=applied.created, updated=applied.updated)
    if applied.deals or applied.holdings:
        text += "\n" + _("Deals created or changed: {deals}; products held: {holdings}.").format(
            deals=applied.deals, holdings=applied.holdings)
    if applied.skipped:
        text += "\n" + ngettext(
            "{count} customer was no longer in your list and was left out.",
            "{count} customers were no longer in your list and were left out.",
            applied.skipped).format(count=applied.skipped)
    await edit_or_reply(update, text)


async def cancel_import(update: Update, context: Ctx) -> None:
    """Drop a previewed import without changing anything."""
    query = context.query
    saved = await context.storage.spreadsheets.get_import(
        context.me.id, context.action(CancelImport).import_id)
    if saved is None:
        await expired(update)
        return
    if not await context.storage.spreadsheets.cancel_import(context.me.id, saved.id,
                                                        context.clock.now()):
        await query.answer(_("This import was already applied.") if saved.status == "applied"
                           else _("This import was cancelled. Send /import to start again."),
                           show_alert=True)
        return
    await query.answer()
    await edit_or_reply(update, _("Import cancelled. Nothing was changed."))
