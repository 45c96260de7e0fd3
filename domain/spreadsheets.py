"""The customer spreadsheet: one column per field of the customer file, read and written.

``/export`` writes an .xlsx workbook with a "Customers" sheet (the columns below, headed by
their English codes, so a file works whatever the RM's language) and a "Notes" sheet (every
interaction). ``/import`` reads the same layout from .xlsx or CSV (UTF-8 with or without a
BOM; comma, semicolon or tab) and plans the changes row by row: each row is a new customer,
an update of an existing one (by ``id``, else by phone among the RM's customers), unchanged,
or rejected with its row number and a reason (an English text marked with ``N_``, shown in
the RM's language).

Columns missing from an imported file leave those fields as they are; an empty cell in a
present column clears the field (``segment`` and ``stage``, which always have a value, keep
theirs). ``owner``, ``owner_name``, ``created_at`` and ``last_contact_at`` are informative
and never imported. The Notes sheet is for reading: an import ignores it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from core.i18n import N_, _, active, render
from core.languages import LANGUAGES
from domain.channels import CHANNELS
from domain.channels import normalise as channel_value
from domain.customers import (
    CUSTOMER_LANGUAGES,
    GRADES,
    MAX_FIELD,
    MAX_NAME,
    SEGMENTS,
    SOURCES,
    STAGES,
    has_letters,
)
from domain.datefields import DateKind, DateRefusal, FieldDate, Refusal, parse_date_field
from domain.deals import DEAL_STAGES, LOST_REASONS, OPEN_STAGES, from_minor, parse_amount
from domain.holdings import HOLDING_KINDS
from domain.phones import parse_phone

CUSTOMERS_SHEET = "Customers"
NOTES_SHEET = "Notes"
DEALS_SHEET = "Deals"
HOLDINGS_SHEET = "Holdings"
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_EMPTY_ROWS = 10_000

COLUMNS: list[str] = [
    "id", "owner", "owner_name", "name", "phone", "segment", "grade", "stage", "lost_reason",
    "source", "referred_by", "referrer", "birthday", "birthday_lunar", "birthday_leap",
    "company", "family", "income", "products_held", "products_wanted", "tags", "about",
    "language", "client_ref", "zalo", "wechat", "line", "whatsapp", "id_expiry", "risk_expiry",
    "kyc_due", "swot_strengths", "swot_weaknesses", "swot_opportunities", "swot_threats",
    "created_at", "last_contact_at", "archived",
]
NOTE_COLUMNS: list[str] = ["customer_id", "when", "kind", "text", "file_name"]
# Deals and holdings: amounts as plain numbers in the unit of the currency (2000000000 VND).
DEAL_COLUMNS: list[str] = ["id", "customer_id", "product", "amount", "currency",
                           "expected_close", "stage", "lost_reason", "closed_at"]
HOLDING_COLUMNS: list[str] = ["id", "customer_id", "kind", "product", "amount", "currency",
                              "maturity_date", "start_date", "monthly_day"]
# Shown for information; an import never changes them.
READ_ONLY = frozenset({"owner", "owner_name", "created_at", "last_contact_at"})
# Free text: at most MAX_FIELD characters each.
TEXT_FIELDS = ("lost_reason", "referrer", "company", "family", "income", "products_held",
               "products_wanted", "tags", "about", "swot_strengths", "swot_weaknesses",
               "swot_opportunities", "swot_threats")
# Dates of the compliance calendar: YYYY-MM-DD (or DD/MM/YYYY) in a cell.
COMPLIANCE_DATES = ("id_expiry", "risk_expiry", "kyc_due")
MAX_CLIENT_REF = 64
_WIDTHS = {"id": 8, "owner": 12, "name": 28, "phone": 16, "about": 40, "created_at": 26,
           "last_contact_at": 26, "archived": 26}
_NOTE_WIDTHS = {"customer_id": 12, "when": 26, "kind": 10, "text": 80, "file_name": 24}
# Characters an .xlsx file cannot hold (XML 1.0 control characters).
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_FALSE = frozenset({"", "0", "false", "no", "n", "không", "khong", "否", "-"})


@dataclass(frozen=True)
class RowError:
    """Why a row (or, with row 0, the whole file) cannot be imported."""

    row: int
    message: str  # an English text marked with N_, with {placeholders}
    params: Mapping[str, str | int | tuple[str, ...]] = field(default_factory=dict)

    def text(self) -> str:
        """The reason in the current language."""
        return render(self.message, self.params)


@dataclass(frozen=True)
class Table:
    """The rows of an imported file: (row number as the RM sees it, {column: text})."""

    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]
    overfull: set[int] = field(default_factory=set)  # rows with more values than columns


@dataclass(frozen=True)
class Change:
    customer_id: int
    changes: dict[str, Any]


@dataclass
class Plan:
    """What an import would do: new customers, changes to existing ones, and rejections."""

    creates: list[dict[str, Any]] = field(default_factory=list)
    updates: list[Change] = field(default_factory=list)
    unchanged: int = 0
    rejected: list[RowError] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.creates) + len(self.updates) + self.unchanged + len(self.rejected)


# -- writing ------------------------------------------------------------------------------------


def _stamp(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat(timespec="seconds") if moment else ""


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return _ILLEGAL_XML.sub("", value)
    return value


def customer_row(customer: Mapping[str, Any], zone: ZoneInfo) -> list[Any]:
    """One row of the Customers sheet, in COLUMNS order, from the customer's stored fields
    (plus ``owner_name``); times in the RM's zone."""
    values: dict[str, Any] = {
        **customer,
        "owner": customer["owner_id"],
        "birthday_lunar": int(bool(customer["birthday_lunar"])),
        "birthday_leap": int(bool(customer["birthday_leap"])),
        "created_at": _stamp(customer["created_at"], zone),
        "last_contact_at": _stamp(customer["last_contact_at"], zone),
        "archived": _stamp(customer["archived_at"], zone),
    }
    return [_cell(values.get(column)) for column in COLUMNS]


def note_row(note: Mapping[str, Any], zone: ZoneInfo) -> list[Any]:
    return [note["customer_id"], _stamp(note["happened_at"], zone), note["kind"],
            _cell(note["text"] or ""), _cell(note["file_name"] or "")]


def write_workbook(customers: Iterable[Mapping[str, Any]], notes: Iterable[Mapping[str, Any]],
                   zone: ZoneInfo, deals: Iterable[list[Any]] = (),
                   holdings: Iterable[list[Any]] = ()) -> bytes:
    """The .xlsx file: sheets "Customers", "Notes", "Deals" and "Holdings", streamed
    (write-only mode); deal and holding rows come made by ``deal_row``/``holding_row``."""
    # openpyxl is large: loaded on the first export or import, not at start-up.
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheets: tuple[tuple[str, list[str], dict[str, int], Iterable[list[Any]]], ...] = (
        (CUSTOMERS_SHEET, COLUMNS, _WIDTHS, (customer_row(c, zone) for c in customers)),
        (NOTES_SHEET, NOTE_COLUMNS, _NOTE_WIDTHS, (note_row(n, zone) for n in notes)),
        (DEALS_SHEET, DEAL_COLUMNS, {}, deals),
        (HOLDINGS_SHEET, HOLDING_COLUMNS, {}, holdings))
    for title, columns, widths, rows in sheets:
        sheet = workbook.create_sheet(title)
        for index, column in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = widths.get(column, 18)
        sheet.freeze_panes = "A2"
        sheet.append(columns)
        for row in rows:
            # A text starting with '=' is text, never a formula run by whoever opens the file.
            sheet.append([_as_text(sheet, value) if isinstance(value, str)
                          and value.startswith("=") else value for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _as_text(sheet: Any, value: str) -> Any:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


# -- reading ------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A cell as the text the RM sees."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _header(cells: Iterable[Any]) -> list[str]:
    return [_text(cell).strip().lstrip("\ufeff").casefold().replace(" ", "_") for cell in cells]


def check_file(data: bytes, file_name: str) -> list[RowError]:
    """Why a file is refused before it is read (its size, its type); empty if it may be."""
    name = file_name.lower()
    if len(data) > MAX_FILE_BYTES:
        return [RowError(0, N_("The file is larger than {limit} MB."),
                         {"limit": MAX_FILE_BYTES // (1024 * 1024)})]
    if name.endswith(".xls"):
        return [RowError(0, N_("This is the old .xls format. Save it as .xlsx or as CSV UTF-8 "
                               "and send it again."))]
    if is_workbook(data, file_name) or name.endswith((".csv", ".txt")) or "." not in name:
        return []
    return [RowError(0, N_("Send an .xlsx file (like the one from /export) or a CSV file."))]


def is_workbook(data: bytes, file_name: str) -> bool:
    """An Excel workbook (read by core.workbooks, in a worker process), not a CSV file."""
    return file_name.lower().endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04"


def read_table(data: bytes, file_name: str) -> Table | list[RowError]:
    """The rows of a CSV file, or why the file cannot be read (a workbook's rows come from
    core.workbooks and go to :func:`table_from_sheet`)."""
    problems = check_file(data, file_name)
    if problems:
        return problems
    if is_workbook(data, file_name):
        raise ValueError("a workbook is read in a worker process: core.workbooks")
    return _read_csv(data)


def table_from_sheet(rows: Iterable[tuple[int, Iterable[Any]]], columns: list[str] | None = None,
                     required: tuple[str, ...] = ("name", "id", "phone"),
                     ) -> Table | list[RowError]:
    """The table in a workbook sheet's non-empty rows (numbered as Excel shows them): the
    Customers sheet, or with ``columns`` and ``required`` one more (Deals, Holdings)."""
    return _table(((number, [_text(cell) for cell in cells]) for number, cells in rows),
                  columns, required)


def _read_csv(data: bytes) -> Table | list[RowError]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [RowError(0, N_("The CSV file is not in UTF-8. In Excel choose “Save as” → "
                               "“CSV UTF-8” and send it again."))]
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _table(enumerate(reader, start=1))
    except csv.Error as problem:
        return [RowError(reader.line_num, N_("This is not valid CSV: {reason}"),
                         {"reason": str(problem)})]


def _table(rows: Iterable[tuple[int, list[str]]], columns: list[str] | None = None,
           required: tuple[str, ...] = ("name", "id", "phone")) -> Table | list[RowError]:
    columns = columns or COLUMNS
    iterator = iter(rows)
    first, cells = next(iterator, (1, []))
    header = _header(cells)
    while header and not header[-1]:
        header.pop()
    if not any(header):
        return [RowError(first, N_("The first row must name the columns, like the file from "
                                   "/export: id, name, phone…"))]
    unknown = [column for column in header if column and column not in columns]
    named = [column for column in header if column]
    twice = sorted({column for column in named if named.count(column) > 1})
    errors = []
    if unknown:
        errors.append(RowError(first, N_("Unknown columns: {columns}."),
                               {"columns": tuple(unknown)[:20]}))
    if twice:
        errors.append(RowError(first, N_("Columns named twice: {columns}."),
                               {"columns": tuple(twice)[:20]}))
    if not any(column in header for column in required):
        errors.append(RowError(first, N_("Missing columns: {columns}."),
                               {"columns": required[0]}))
    if errors:
        return errors
    table: list[tuple[int, dict[str, str]]] = []
    overfull: set[int] = set()
    empty = 0
    for number, cells in iterator:
        values = [cell.strip() if isinstance(cell, str) else _text(cell).strip()
                  for cell in cells]
        if not any(values):
            empty += 1
            if empty > MAX_EMPTY_ROWS:  # a file of empty lines: counted, not read to its end
                return [RowError(0, N_("The file has more than {limit} empty rows. Delete "
                                       "them and send it again."), {"limit": MAX_EMPTY_ROWS})]
            continue
        if len(table) >= MAX_ROWS:
            return [RowError(0, N_("The file has more than {limit} rows. Split it into several "
                                   "files."), {"limit": MAX_ROWS})]
        row = {column: value for column, value in zip(header, values, strict=False) if column}
        if any(values[len(header):]):
            overfull.add(number)
        table.append((number, row))
    return Table(columns=named, rows=table, overfull=overfull)


# -- planning -----------------------------------------------------------------------------------


@cache
def _aliases() -> dict[str, dict[str, str]]:
    """For each choice field, every accepted spelling (code or label in any language)."""
    result: dict[str, dict[str, str]] = {}
    for column, choices in (("segment", SEGMENTS), ("stage", STAGES), ("source", SOURCES),
                            ("grade", GRADES)):
        spellings = {code.casefold(): code for code in choices}
        for language in LANGUAGES:
            with active(language, "UTC"):
                for code, label in choices.items():
                    spellings.setdefault(_(label).strip().casefold(), code)
        result[column] = spellings
    languages = {code.casefold(): code for code in CUSTOMER_LANGUAGES}
    languages.update({code.casefold().replace("_", "-"): code for code in CUSTOMER_LANGUAGES})
    languages.update({name.casefold(): code for code, name in CUSTOMER_LANGUAGES.items()})
    languages.update({"zh": "zh_Hans", "zh-cn": "zh_Hans", "zh-tw": "zh_Hant",
                      "zh-hk": "zh_Hant"})
    result["language"] = languages
    return result


def _truthy(text: str) -> bool:
    return text.strip().casefold() not in _FALSE


def _phone(text: str, region: str) -> str | None:
    phone = parse_phone(text, region)
    if phone is None and text.isdigit():
        phone = parse_phone("+" + text, region)  # a spreadsheet dropped the '+'
    return phone.e164 if phone else None


class _RowReader:
    """Turns one row's texts into stored values, collecting the first problem found."""

    def __init__(self, number: int, values: dict[str, str], region: str,
                 existing: Mapping[int, Mapping[str, Any]], language: str, today: date) -> None:
        self.number = number
        self.values = values
        self.region = region
        self.existing = existing
        self.language = language
        self.today = today
        self.error: RowError | None = None

    def fail(self, message: str, **params: str | int) -> None:
        if self.error is None:
            self.error = RowError(self.number, message, params)

    def fields(self) -> dict[str, Any]:
        """The stored value of every importable column present in the row's file."""
        values = self.values
        out: dict[str, Any] = {}
        aliases = _aliases()
        if "name" in values:
            if len(values["name"]) > MAX_NAME:
                self.fail(N_("The name is {length} characters long; at most {limit}."),
                          length=len(values["name"]), limit=MAX_NAME)
            elif values["name"] and not has_letters(values["name"]):
                self.fail(N_("The name “{name}” has no letters: a name needs them."),
                          name=values["name"][:40])
            out["name"] = values["name"]
        if "phone" in values:
            out["phone"] = None
            if values["phone"]:
                out["phone"] = _phone(values["phone"], self.region)
                if out["phone"] is None:
                    self.fail(N_("“{phone}” is not a valid phone number."),
                              phone=values["phone"][:40])
        for column in ("segment", "stage", "source", "grade", "language"):
            if column not in values:
                continue
            text = values[column]
            if not text:
                out[column] = None
                continue
            code = aliases[column].get(text.casefold())
            if code is None:
                self.fail(N_("Unknown {column} “{value}”."), column=column, value=text[:40])
            out[column] = code
        for column in TEXT_FIELDS:
            if column in values:
                if len(values[column]) > MAX_FIELD:
                    self.fail(N_("{column} is longer than {limit} characters."),
                              column=column, limit=MAX_FIELD)
                out[column] = values[column] or None
        if "client_ref" in values:
            if len(values["client_ref"]) > MAX_CLIENT_REF:
                self.fail(N_("{column} is longer than {limit} characters."),
                          column="client_ref", limit=MAX_CLIENT_REF)
            out["client_ref"] = values["client_ref"] or None
        for column in CHANNELS:
            if column in values:
                out[column] = None
                if values[column]:
                    out[column] = channel_value(column, values[column], self.region)
                    if out[column] is None:
                        self.fail(N_("“{value}” is not a phone number or an ID {column} can "
                                     "use."), value=values[column][:40], column=column)
        for column in COMPLIANCE_DATES:
            if column in values:
                out[column] = _date_cell(values[column]) if values[column] else None
                if values[column] and out[column] is None:
                    self.fail(N_("{column}: “{value}” is not a date. Write 2031-12-20 or "
                                 "20/12/2031."), column=column, value=values[column][:40])
        if "referred_by" in values:
            out["referred_by"] = self._referred_by(values["referred_by"])
        if "birthday" in values:
            out.update(self._birthday())
        if "archived" in values:
            out["archived"] = _truthy(values["archived"])
        return out

    def _referred_by(self, text: str) -> int | None:
        if not text:
            return None
        if not text.isdigit() or int(text) not in self.existing:
            self.fail(N_("The referrer id {id} is not one of your customers."), id=text[:20])
            return None
        return int(text)

    def _birthday(self) -> dict[str, Any]:
        text = self.values["birthday"]
        if not text:
            return {"birthday": None, "birthday_lunar": 0, "birthday_leap": 0}
        lunar = _truthy(self.values.get("birthday_lunar", ""))
        leap = _truthy(self.values.get("birthday_leap", ""))
        birthday = parse_date_field(text, DateKind.BIRTHDAY, self.language, self.today,
                                    self.region)
        if isinstance(birthday, FieldDate) and (lunar or leap) and not birthday.lunar:
            # The lunar and leap columns count for a date written without the words.
            birthday = FieldDate(birthday.month, birthday.day, birthday.year, True, leap)
        if isinstance(birthday, DateRefusal):
            if birthday.reason is Refusal.NOT_A_DATE:
                self.fail(N_("“{birthday}” is not a date. Write 15/03/1985, 1985-03-15 or a "
                             "lunar date such as âm 15/8."), birthday=text[:40])
            else:
                message, params = birthday.message()
                self.fail(message, **params)
            return {}
        return {"birthday": birthday.stored(), "birthday_lunar": int(birthday.lunar),
                "birthday_leap": int(birthday.leap)}


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, str) or isinstance(new, str):
        return (str(old).strip() if old else "") == (str(new).strip() if new else "")
    if isinstance(old, bool) or isinstance(new, bool):
        return bool(old) == bool(new)
    return bool(old == new)


def _changes(current: Mapping[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for column, value in wanted.items():
        if column in ("segment", "stage") and value is None:
            continue  # always set: an empty cell keeps the value
        if column == "archived":
            if bool(value) != (current.get("archived_at") is not None):
                changes["archived"] = bool(value)
            continue
        if not _same(current.get(column), value):
            changes[column] = value
    return changes


def plan_import(table: Table, existing: Mapping[int, Mapping[str, Any]],
                region: str, *, language: str, today: date,
                held_refs: Mapping[str, int] | None = None) -> Plan:
    """Sort every row into new, updated, unchanged or rejected (with its reason).

    ``existing``: the RM's customers by id (their stored fields, ``archived_at`` included);
    any other id is answered alike, whether it is another RM's customer or nobody's (the
    answer must not tell what is in someone else's book). ``held_refs``: the client
    references in the file that a customer already holds (lower case → customer id; a
    reference belongs to one customer in the whole bank); ``language`` and ``region`` read
    the RM's dates (day/month order, calendar), ``today`` (the RM's local date) bounds them.
    """
    plan = Plan()
    by_phone: dict[str, list[int]] = {}
    for customer_id, customer in existing.items():
        if customer.get("phone"):
            by_phone.setdefault(customer["phone"], []).append(customer_id)
    targets: dict[int, int] = {}       # customer id → first row that changes it
    new_phones: dict[str, int] = {}    # phone of a new customer → its row
    refs: dict[str, int] = {}          # client reference → first row that sets it
    for number, values in table.rows:
        reader = _RowReader(number, values, region, existing, language, today)
        if number in table.overfull:
            reader.fail(N_("This row has more values than the header has columns."))
        wanted = reader.fields()
        target = _target(reader, values, wanted, existing, by_phone)
        if reader.error is None and target is None:
            if not wanted.get("name") and not wanted.get("phone"):
                reader.fail(N_("A new customer needs a name or a phone number."))
            elif wanted.get("phone") in new_phones:
                reader.fail(N_("The phone {phone} is already on row {first}."),
                            phone=wanted["phone"], first=new_phones[wanted["phone"]])
            elif wanted.get("phone"):
                new_phones[wanted["phone"]] = number
        if reader.error is None and target is not None:
            if target in targets:
                reader.fail(N_("Customer {id} is already on row {first}."), id=target,
                            first=targets[target])
            targets.setdefault(target, number)
        if reader.error is None and wanted.get("client_ref"):
            _check_ref(reader, wanted["client_ref"], target, held_refs or {}, refs)
        if reader.error is not None:
            plan.rejected.append(reader.error)
        elif target is None:
            plan.creates.append(_new(wanted))
        elif changes := _changes(existing[target], wanted):
            plan.updates.append(Change(target, changes))
        else:
            plan.unchanged += 1
    return plan


def _check_ref(reader: _RowReader, ref: str, target: int | None, held: Mapping[str, int],
               refs: dict[str, int]) -> None:
    """A client reference names one customer: not one another customer holds, nor one an
    earlier row of the file sets."""
    key = ref.strip().lower()
    holder = held.get(key)
    if holder is not None and holder != target:
        reader.fail(N_("Another customer already has the client reference “{ref}”."),
                    ref=ref[:40])
    elif key in refs:
        reader.fail(N_("The client reference {ref} is already on row {first}."),
                    ref=ref[:40], first=refs[key])
    else:
        refs[key] = reader.number


def _target(reader: _RowReader, values: dict[str, str], wanted: dict[str, Any],
            existing: Mapping[int, Mapping[str, Any]],
            by_phone: dict[str, list[int]]) -> int | None:
    """The existing customer a row changes (by id, else by phone), or None for a new one."""
    raw_id = values.get("id", "")
    if raw_id:
        if not raw_id.isdigit():
            reader.fail(N_("The id “{id}” is not a number."), id=raw_id[:20])
            return None
        customer_id = int(raw_id)
        if customer_id in existing:
            return customer_id
        reader.fail(N_("There is no customer {id} in your list."), id=customer_id)
        return None
    matches = by_phone.get(wanted.get("phone") or "", [])
    if len(matches) > 1:
        reader.fail(N_("Several of your customers have the phone {phone}: add the id column "
                       "to say which."), phone=wanted["phone"])
    return matches[0] if len(matches) == 1 else None


def _new(wanted: dict[str, Any]) -> dict[str, Any]:
    created = {column: value for column, value in wanted.items() if value not in (None, "")}
    created.setdefault("name", "")
    created.setdefault("segment", "individual")
    created.setdefault("stage", "find")
    return created


# -- deals and holdings ------------------------------------------------------------------------
_DATE_CELL = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$|^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")


def _amount_text(minor: int | None) -> str:
    return "" if minor is None else str(from_minor(minor))


def deal_row(deal: Mapping[str, Any], product_codes: Mapping[int, str],
             zone: ZoneInfo) -> list[Any]:
    """One row of the Deals sheet, in DEAL_COLUMNS order."""
    return [deal["id"], deal["customer_id"], product_codes.get(deal["product_id"] or 0, ""),
            _amount_text(deal["amount_minor"]), deal["currency"] or "",
            deal["expected_close"] or "", deal["stage"], deal["lost_reason"] or "",
            _stamp(deal["closed_at"], zone)]


def holding_row(holding: Mapping[str, Any]) -> list[Any]:
    """One row of the Holdings sheet, in HOLDING_COLUMNS order."""
    return [holding["id"], holding["customer_id"], holding["kind"], _cell(holding["product"]),
            _amount_text(holding["amount_minor"]), holding["currency"] or "",
            holding["maturity_date"] or "", holding["start_date"] or "",
            holding["monthly_day"] or ""]


@dataclass
class SheetPlan:
    """What an import would do to one more sheet (deals, holdings)."""

    sheet: str
    creates: list[dict[str, Any]] = field(default_factory=list)
    updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0
    rejected: list[RowError] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return len(self.creates) + len(self.updates)


def _date_cell(text: str) -> str | None:
    """'2026-12-31' or '31/12/2026' as YYYY-MM-DD; None if it is not a date."""
    match = _DATE_CELL.match(text.strip())
    if match is None:
        return None
    year, month, day = ((match[1], match[2], match[3]) if match[1]
                        else (match[6], match[5], match[4]))
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def _code(text: str, choices: Mapping[str, str]) -> str | None:
    """A choice written as its code or its label in any language."""
    folded = text.strip().casefold()
    for code in choices:
        if code.casefold() == folded:
            return code
    for language in LANGUAGES:
        with active(language, "UTC"):
            for code, label in choices.items():
                if _(label).strip().casefold() == folded:
                    return code
    return None


class _SheetRow:
    """One row of the Deals or Holdings sheet read into stored values."""

    def __init__(self, number: int, values: dict[str, str], customer_ids: set[int],
                 language: str, region: str) -> None:
        self.number, self.values = number, values
        self.customer_ids, self.language, self.region = customer_ids, language, region
        self.error: RowError | None = None

    def fail(self, message: str, **params: str | int) -> None:
        if self.error is None:
            self.error = RowError(self.number, message, params)

    def customer(self) -> int | None:
        text = self.values.get("customer_id", "")
        if not text.isdigit() or int(text) not in self.customer_ids:
            self.fail(N_("The customer id “{id}” is not one of your customers."),
                      id=text[:20] or "—")
            return None
        return int(text)

    def amount(self) -> dict[str, Any]:
        if "amount" not in self.values:
            return {}
        text, currency = self.values["amount"], self.values.get("currency", "").upper()
        if not text:
            return {"amount_minor": None, "currency": None}
        amount = parse_amount(f"{text} {currency}".strip(), self.language, self.region)
        if amount is None or (currency and amount.currency != currency):
            self.fail(N_("“{amount}” is not an amount (write it like 2000000000 with the "
                         "currency VND, CNY, TWD, HKD or USD)."),
                      amount=f"{text} {currency}".strip()[:40])
            return {}
        return {"amount_minor": amount.minor, "currency": amount.currency}

    def day(self, column: str) -> dict[str, Any]:
        if column not in self.values:
            return {}
        text = self.values[column]
        if not text:
            return {column: None}
        value = _date_cell(text)
        if value is None:
            self.fail(N_("“{date}” is not a date: write 2026-12-31 or 31/12/2026."),
                      date=text[:40])
            return {}
        return {column: value}


def _existing_id(row: _SheetRow, existing: Mapping[int, Any], missing: str) -> int | None:
    text = row.values.get("id", "")
    if not text:
        return None
    if not text.isdigit() or int(text) not in existing:
        row.fail(missing, id=text[:20])
        return None
    return int(text)


def _sheet_changes(current: Mapping[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    return {column: value for column, value in wanted.items()
            if not _same(current.get(column), value)}


def plan_deals(table: Table, existing: Mapping[int, Mapping[str, Any]], customer_ids: set[int],
               products: Mapping[str, int], language: str, region: str) -> SheetPlan:
    """New open deals, changes to open ones, and the closed ones left as they are; a deal is
    won or lost on its card (where its holding and after-sales care are recorded)."""
    plan = SheetPlan(DEALS_SHEET)
    for number, values in table.rows:
        row = _SheetRow(number, values, customer_ids, language, region)
        deal_id = _existing_id(row, existing, N_("There is no deal {id} in your list."))
        wanted: dict[str, Any] = {}
        if "product" in values:
            wanted["product_id"] = products.get(values["product"].strip().lower()) \
                if values["product"] else None
            if values["product"] and wanted["product_id"] is None:
                row.fail(N_("There is no product “{code}” in the catalog."),
                         code=values["product"][:40])
        wanted.update(row.amount())
        wanted.update(row.day("expected_close"))
        if values.get("stage"):
            wanted["stage"] = _code(values["stage"], {s: STAGES[s] for s in DEAL_STAGES})
            if wanted["stage"] is None:
                row.fail(N_("Unknown {column} “{value}”."), column="stage",
                         value=values["stage"][:40])
        if values.get("lost_reason"):
            wanted["lost_reason"] = _code(values["lost_reason"], LOST_REASONS)
        current = existing.get(deal_id) if deal_id is not None else None
        if current is None and row.error is None:
            row.customer()
        changes = _sheet_changes(current, wanted) if current is not None else wanted
        closing = changes.get("stage") in ("won", "lost")
        if row.error is None and current is not None and current["stage"] not in OPEN_STAGES:
            if changes:
                row.fail(N_("Deal {id} is closed; it can no longer be changed."), id=deal_id or 0)
        elif row.error is None and closing:
            row.fail(N_("Win or lose a deal on its card, where its holding and after-sales "
                        "care are recorded."))
        changes.pop("lost_reason", None)
        if row.error is not None:
            plan.rejected.append(row.error)
        elif current is None:
            plan.creates.append({"customer_id": int(values["customer_id"]),
                                 **{k: v for k, v in changes.items() if v is not None}})
        elif changes:
            plan.updates.append((deal_id or 0, changes))
        else:
            plan.unchanged += 1
    return plan


def plan_holdings(table: Table, existing: Mapping[int, Mapping[str, Any]],
                  customer_ids: set[int], language: str, region: str) -> SheetPlan:
    """New holdings and changes to existing ones (their product, amount and dates)."""
    plan = SheetPlan(HOLDINGS_SHEET)
    for number, values in table.rows:
        row = _SheetRow(number, values, customer_ids, language, region)
        holding_id = _existing_id(row, existing,
                                  N_("There is no product held {id} in your list."))
        wanted: dict[str, Any] = {}
        if values.get("kind"):
            wanted["kind"] = _code(values["kind"], HOLDING_KINDS)
            if wanted["kind"] is None:
                row.fail(N_("Unknown {column} “{value}”."), column="kind",
                         value=values["kind"][:40])
        if "product" in values:
            if not values["product"] or len(values["product"]) > MAX_FIELD:
                row.fail(N_("A product held needs its name (at most {limit} characters)."),
                         limit=MAX_FIELD)
            wanted["product"] = values["product"]
        wanted.update(row.amount())
        for column in ("maturity_date", "start_date"):
            wanted.update(row.day(column))
        if "monthly_day" in values:
            text = values["monthly_day"]
            wanted["monthly_day"] = int(text) if text.isdigit() else None
            if text and (not text.isdigit() or not 1 <= int(text) <= 31):
                row.fail(N_("The day of the month must be from 1 to 31, not “{day}”."),
                         day=text[:10])
        current = existing.get(holding_id) if holding_id is not None else None
        if current is None and row.error is None:
            row.customer()
            if not wanted.get("product"):
                row.fail(N_("A product held needs its name (at most {limit} characters)."),
                         limit=MAX_FIELD)
        if row.error is not None:
            plan.rejected.append(row.error)
        elif current is None:
            plan.creates.append({"customer_id": int(values["customer_id"]),
                                 **{k: v for k, v in wanted.items() if v is not None}})
        elif changes := _sheet_changes(current, wanted):
            plan.updates.append((holding_id or 0, changes))
        else:
            plan.unchanged += 1
    return plan
