"""Reading one uploaded Excel workbook, in a process of its own: ``python -m core.workbook_worker``
(started by core.workbooks, never imported by the bot).

An .xlsx file is a zip of XML parts, and a small one can stand for a great deal: a 1.5 MB file
whose shared-strings part unpacks to gigabytes took 3 GB of memory in openpyxl (which loads
that table whole, even in read-only mode); 0.3 MB of empty rows took a minute. So the archive
is checked before it is opened (how many parts, how large each is unpacked: the shared-strings
table and the sheets most of all), the sheet is read streaming with hard caps (rows, empty
rows, columns, cells, bytes of text), and all of it runs here, under a memory limit, while
the bot only waits (with a time limit) for the answer. Whatever the file does, the worst it
can do is end this process.

Protocol: stdin holds one line of JSON, ``{"prefer": "Customers", "also": ["Deals"],
"max_rows": 20001}`` (and ``"memory_mb"`` to lower the memory limit), then the file's bytes;
stdout gets one JSON object, ``{"rows": [[row number, [cell, ...]], ...], "others": {"Deals":
[...]}}``: the preferred sheet's rows (else the first sheet's) and those of each sheet of
``also`` the workbook has (the rows that are not empty, numbered as Excel shows them; a date or
time cell is ``{"date": "2026-11-23"}``, ``{"datetime": …}`` or ``{"time": …}``), or
``{"refusal": {"message": …, "params": {…}}}`` with an English text that the bot translates.
The caps hold for all the sheets read together.
"""

from __future__ import annotations

import io
import json
import resource
import sys
import zipfile
from datetime import date, datetime, time
from typing import Any

from core.i18n import N_

# The archive: an export from Excel or from /export has about a dozen parts.
MAX_PARTS = 200
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
# One part unpacked: a sheet, or the shared-strings table (every text of every sheet).
MAX_PART_BYTES = 64 * 1024 * 1024
# The sheet: columns read (the rest must be empty), empty rows skipped, cells, text.
MAX_COLUMNS = 64
MAX_EMPTY_ROWS = 10_000
MAX_CELLS = 1_000_000
MAX_TEXT_BYTES = 32 * 1024 * 1024
# What this process may take: more raises MemoryError (answered as a refusal), and CPU time
# beyond this ends it (the bot's own time limit is shorter).
MEMORY_BYTES = 1024 * 1024 * 1024
CPU_SECONDS = 60

Refusal = dict[str, Any]
Cell = None | bool | int | float | str | dict[str, str]


def refusal(message: str, **params: object) -> Refusal:
    return {"refusal": {"message": message, "params": params}}


def check_archive(data: bytes) -> Refusal | None:
    """Refuse, from the zip's directory alone, a workbook that unpacks to too much."""
    try:
        parts = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return refusal(N_("This file is damaged or is not an Excel .xlsx file."))
    if len(parts) > MAX_PARTS:
        return refusal(N_("The workbook has {count} parts (sheets, pictures, styles), more than "
                          "the {limit} I read. Copy only your table into a new workbook and "
                          "send that."), count=len(parts), limit=MAX_PARTS)
    largest = max((part.file_size for part in parts), default=0)
    total = sum(part.file_size for part in parts)
    size, limit = ((largest, MAX_PART_BYTES) if largest > MAX_PART_BYTES
                   else (total, MAX_UNPACKED_BYTES))
    if size > limit:
        return refusal(N_("The workbook unpacks to {size} MB, more than the {limit} MB I read: "
                          "it holds far more than a table of customers. Copy only your table "
                          "into a new workbook and send that."),
                       size=size // (1024 * 1024), limit=limit // (1024 * 1024))
    return None


def _size_from_the_head(sheet: Any) -> None:
    """openpyxl's ReadOnlyWorksheet._get_size, stopping where <sheetData> starts.

    openpyxl looks for <dimension> until <sheetData> *ends*: a sheet without one (as a bomb
    has) is parsed to its end before the first row is read, a minute for 20 MB. The schema
    puts <dimension> before <sheetData>, so the head of the part is enough (openpyxl 3.1).
    """
    from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG
    from openpyxl.worksheet.dimensions import SheetDimension
    from openpyxl.xml.functions import iterparse

    with sheet._get_source() as source:
        for _event, element in iterparse(source, events=("start",)):
            if element.tag == DIMENSION_TAG:
                bounds = SheetDimension.from_tree(element).boundaries
                sheet._min_column, sheet._min_row, sheet._max_column, sheet._max_row = bounds
                return
            if element.tag == DATA_TAG:
                return


def _cell(value: Any) -> Cell:
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, time):
        return {"time": value.isoformat()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_rows(data: bytes, prefer: str | None, max_rows: int,
              also: list[str] | None = None) -> dict[str, Any]:
    """The non-empty rows of the preferred sheet (else the first) and of the sheets of
    ``also`` the workbook has, each at most ``max_rows`` (the caller says "too many rows"
    when it gets them all), or a refusal."""
    problem = check_archive(data)
    if problem is not None:
        return problem
    from openpyxl import load_workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    ReadOnlyWorksheet._get_size = _size_from_the_head
    damaged = refusal(N_("This file is damaged or is not an Excel .xlsx file."))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except MemoryError:
        raise
    except Exception:  # not a workbook, or openpyxl's own errors for broken parts
        return damaged
    try:
        if prefer is not None and prefer in workbook.sheetnames:
            main = workbook[prefer]
        elif workbook.worksheets:
            main = workbook.worksheets[0]
        else:
            return damaged
        budget = _Budget()
        answer: dict[str, Any] = {"others": {}}
        for title, sheet in [(None, main), *((name, workbook[name]) for name in also or ()
                                             if name in workbook.sheetnames)]:
            read = _read_sheet(sheet, max_rows, budget)
            if isinstance(read, dict):
                return read
            if title is None:
                answer["rows"] = read
            else:
                answer["others"][title] = read
        return answer
    except MemoryError:
        raise
    except Exception:
        return damaged
    finally:
        workbook.close()


class _Budget:
    """What the sheets read so far took: cells and bytes of text, against the caps."""

    def __init__(self) -> None:
        self.cells = 0
        self.text = 0


def _read_sheet(sheet: Any, max_rows: int,
                budget: _Budget) -> list[tuple[int, list[Cell]]] | dict[str, Any]:
    rows: list[tuple[int, list[Cell]]] = []
    empty = 0
    # One column more than read: a value there means the table is wider than allowed.
    for number, row in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True),
                                 start=1):
        if all(_blank(value) for value in row):
            empty += 1
            if empty > MAX_EMPTY_ROWS:
                return refusal(N_("The sheet has more than {limit} empty rows. Delete the "
                                  "empty rows (and any formatting) below your table and send "
                                  "it again."), limit=MAX_EMPTY_ROWS)
            continue
        if len(row) > MAX_COLUMNS and not _blank(row[MAX_COLUMNS]):
            return refusal(N_("Row {row} has a value beyond column {limit}. Delete what is "
                              "to the right of your table and send it again."),
                           row=number, limit=MAX_COLUMNS)
        values = [_cell(value) for value in row[:MAX_COLUMNS]]
        while values and _blank(values[-1]):
            values.pop()
        budget.cells += len(values)
        budget.text += sum(len(value.encode()) for value in values if isinstance(value, str))
        if budget.cells > MAX_CELLS or budget.text > MAX_TEXT_BYTES:
            return refusal(N_("The sheet holds more than I read at once ({cells} cells, "
                              "{size} MB of text). Split it into several files."),
                           cells=MAX_CELLS, size=MAX_TEXT_BYTES // (1024 * 1024))
        rows.append((number, values))
        if len(rows) >= max_rows:
            break
    return rows


def main() -> int:
    header = json.loads(sys.stdin.buffer.readline())
    # The caller may lower the memory limit (never raise it).
    lower = header.get("memory_mb")
    memory = min(MEMORY_BYTES, int(lower) * 1024 * 1024) if lower else MEMORY_BYTES
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    data = sys.stdin.buffer.read()
    try:
        answer = read_rows(data, header.get("prefer"), int(header["max_rows"]),
                           header.get("also"))
    except MemoryError:
        answer = refusal(N_("This file needs more memory to read than I may use. Copy only "
                            "your table into a new workbook and send that."))
    sys.stdout.write(json.dumps(answer, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
