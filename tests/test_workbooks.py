"""Uploaded Excel workbooks cannot sink the bot: bombs generated here (nothing large is kept
in the repository) are refused with a reason, quickly, by a worker process with a memory
limit and a time limit; /import and /volumes both read through it."""

from __future__ import annotations

import asyncio
import io
import os
import time
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook

from core import workbook_worker
from core.i18n import _, active
from core.workbooks import Refusal, Sheet, read_workbook
from playground.fake_updates import Person
from tests.harness import Harness, shown

pytestmark = pytest.mark.process

MB = 1024 * 1024
RM = Person(2001, "Lan", "Nguyễn", language_code="vi")
XML = '<?xml version="1.0" encoding="UTF-8"?>'
OOXML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = (
    f'{XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{OOXML}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{OOXML}.worksheet+xml"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{OOXML}.sharedStrings+xml"/>'
    '</Types>')
RELS = (f'{XML}<Relationships xmlns="{PACKAGE_RELS}">'
        f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
        '</Relationships>')
WORKBOOK = (f'{XML}<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
            f' xmlns:r="{REL}"><sheets><sheet name="Customers" sheetId="1" r:id="rId1"/>'
            '</sheets></workbook>')
WORKBOOK_RELS = (
    f'{XML}<Relationships xmlns="{PACKAGE_RELS}">'
    f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    '</Relationships>')
SHEET_START = ('<?xml version="1.0" encoding="UTF-8"?><worksheet '
               'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_END = "</sheetData></worksheet>"
HEADER_ROW = ('<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c>'
              '<c r="B1" t="inlineStr"><is><t>phone</t></is></c></row>')


def workbook(sheet: Iterable[str], strings: Iterable[str] = ('<sst count="0"/>',)) -> bytes:
    """An .xlsx whose sheet and shared-strings parts are written piece by piece (a part of
    hundreds of megabytes never sits in memory: only its compressed bytes do)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in (("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS),
                           ("xl/workbook.xml", WORKBOOK),
                           ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)):
            archive.writestr(name, text)
        for name, pieces in (("xl/worksheets/sheet1.xml", sheet),
                             ("xl/sharedStrings.xml", strings)):
            with archive.open(name, "w", force_zip64=True) as part:
                for piece in pieces:
                    part.write(piece.encode())
    return buffer.getvalue()


def shared_strings_bomb(megabytes: int) -> bytes:
    """1.5 MB that openpyxl unpacked into 3 GB: one shared string of ``megabytes`` MB."""
    def strings() -> Iterator[str]:
        yield '<?xml version="1.0" encoding="UTF-8"?><sst count="1" uniqueCount="1"><si><t>'
        for _megabyte in range(megabytes):
            yield "A" * MB
        yield "</t></si></sst>"

    return workbook([SHEET_START, HEADER_ROW, '<row r="2"><c r="A2" t="s"><v>0</v></c></row>',
                     SHEET_END], strings())


def empty_rows_bomb(rows: int) -> bytes:
    """A few hundred KB of rows with nothing in them (a sheet's formatting can do this)."""
    def sheet() -> Iterator[str]:
        yield SHEET_START + HEADER_ROW
        for start in range(2, rows + 2, 10_000):
            yield "".join(f'<row r="{n}"><c r="A{n}" s="1"/></row>'
                          for n in range(start, min(start + 10_000, rows + 2)))
        yield '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>An</t></is></c></row>'
        yield SHEET_END

    return workbook(sheet())


def text_bomb(rows: int, cell_bytes: int) -> bytes:
    """Rows of long inline strings: a sheet under every part-size limit, yet far more text
    than a customer file holds."""
    text = "x" * cell_bytes

    def sheet() -> Iterator[str]:
        yield SHEET_START + HEADER_ROW
        for n in range(2, rows + 2):
            yield (f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{text}</t></is></c>'
                   f'<c r="B{n}" t="inlineStr"><is><t>{text}</t></is></c></row>')
        yield SHEET_END

    return workbook(sheet())


def many_parts(parts: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number in range(parts):
            archive.writestr(f"xl/media/image{number}.png", b"")
    return buffer.getvalue()


def tr(text: str, **params: object) -> str:
    with active("vi", "Asia/Ho_Chi_Minh"):
        return _(text).format(**params)


def refused(result: Sheet | Refusal, start: str) -> Refusal:
    assert isinstance(result, Refusal), result
    assert result.message.format(**result.params).startswith(start), result
    return result


def peak_rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")


# -- the reader, on bombs ----------------------------------------------------------------------


async def test_a_shared_strings_bomb_is_refused_from_the_archive_directory() -> None:
    """A shared-strings part of 300 MB in a file of about 0.3 MB: refused before anything is
    unpacked (openpyxl loaded such a table whole: 3 GB for a 1.5 MB file)."""
    data = shared_strings_bomb(300)
    assert len(data) < 2 * MB
    before = peak_rss_kib()
    started = time.monotonic()
    result = await read_workbook(data, prefer="Customers", max_rows=100)
    elapsed = time.monotonic() - started
    refused(result, "The workbook unpacks to 300 MB")
    assert elapsed < 5, elapsed
    assert peak_rss_kib() - before < 50 * 1024  # the bot's own memory did not grow
    print(f"\nshared-strings bomb: {len(data) / MB:.2f} MB file, 300 MB unpacked; "
          f"refused in {elapsed:.2f} s")


async def test_a_sheet_of_empty_rows_is_refused_after_counting_a_few() -> None:
    """Empty rows are counted, not skipped for ever (before: a 0.3 MB file took a minute)."""
    data = empty_rows_bomb(500_000)
    started = time.monotonic()
    result = await read_workbook(data, prefer="Customers", max_rows=100)
    elapsed = time.monotonic() - started
    refused(result, "The sheet has more than 10000 empty rows")
    assert elapsed < 10, elapsed
    print(f"\nempty-rows bomb: {len(data) / MB:.2f} MB file, 500,000 empty rows "
          f"(and a last one at row 1,048,576); refused in {elapsed:.2f} s")


async def test_too_much_text_is_refused() -> None:
    data = text_bomb(rows=1_200, cell_bytes=16 * 1024)  # 37.5 MB of text in 2,400 cells
    started = time.monotonic()
    refused(await read_workbook(data, prefer="Customers", max_rows=20_002),
            "The sheet holds more than I read at once")
    print(f"\ntext bomb: {len(data) / MB:.2f} MB file, 37.5 MB of text; refused in "
          f"{time.monotonic() - started:.2f} s")


async def test_too_many_parts_and_what_is_not_a_workbook_are_refused() -> None:
    refused(await read_workbook(many_parts(workbook_worker.MAX_PARTS + 1), prefer=None,
                                max_rows=10), "The workbook has 201 parts")
    refused(await read_workbook(b"PK\x03\x04 not really", prefer=None, max_rows=10),
            "This file is damaged")
    refused(await read_workbook(b"", prefer=None, max_rows=10), "This file is damaged")


async def test_the_worker_is_held_to_its_memory_limit() -> None:
    """A workbook within every size limit that still needs more memory than the worker may
    take: the worker says so (MemoryError), the bot carries on."""
    data = shared_strings_bomb(40)  # one 40 MB string, parsed by openpyxl
    refused(await read_workbook(data, prefer="Customers", max_rows=10, memory_mb=200),
            "This file needs more memory to read than I may use")


async def test_a_worker_that_does_not_answer_in_time_is_ended(tmp_path: Path) -> None:
    """The bot waits a bounded time, then ends the worker (it is not left running)."""
    started = time.monotonic()
    result = await read_workbook(b"", prefer=None, max_rows=1, worker="tests.stalled_worker",
                                 seconds=1.0)
    assert time.monotonic() - started < 5
    refused(result, "This file took longer than 1 seconds to read")
    await asyncio.sleep(0.2)
    survivors = [pid for pid in os.listdir("/proc") if pid.isdigit()
                 and "tests.stalled_worker" in _cmdline(pid)]
    assert not survivors


def _cmdline(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


async def test_a_good_workbook_reads_with_types_and_row_numbers() -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "Customers"
    sheet.append(["name", "phone", "birthday"])
    sheet.append([])
    sheet.append(["Nguyễn Văn An", 901234567, __import__("datetime").date(1985, 3, 15)])
    buffer = io.BytesIO()
    book.save(buffer)
    result = await read_workbook(buffer.getvalue(), prefer="Customers", max_rows=10)
    assert isinstance(result, Sheet)
    assert result.rows[0] == (1, ("name", "phone", "birthday"))
    number, cells = result.rows[1]
    assert number == 3 and cells[:2] == ("Nguyễn Văn An", 901234567)
    assert str(cells[2]).startswith("1985-03-15")


# -- through /import and /volumes --------------------------------------------------------------


async def send_file(bot: Harness, data: bytes, name: str, file_id: str) -> str:
    bot.api.files[file_id] = data
    calls = await bot.send_update(bot.make.message(RM, document={
        "file_id": file_id, "file_unique_id": file_id, "file_name": name}))
    messages = shown(calls)
    assert messages, calls
    return messages[-1].text


@pytest.mark.parametrize("command", ["/import", "/volumes"])
async def test_import_and_volumes_refuse_bombs_with_a_reason(bot: Harness, command: str) -> None:
    await bot.register(RM, language="vi")
    for data, reason, params in (
            (shared_strings_bomb(300), "The workbook unpacks to {size} MB, more than the "
             "{limit} MB I read: it holds far more than a table of customers. Copy only your "
             "table into a new workbook and send that.",
             {"size": 300, "limit": workbook_worker.MAX_PART_BYTES // MB}),
            (empty_rows_bomb(200_000), "The sheet has more than {limit} empty rows. Delete the "
             "empty rows (and any formatting) below your table and send it again.",
             {"limit": workbook_worker.MAX_EMPTY_ROWS})):
        await bot.send(RM, command)
        answer = await send_file(bot, data, "khach_hang.xlsx", f"bomb-{len(data)}")
        assert tr(reason, **params) in answer, answer
    # The bot is still itself afterwards.
    assert "/add" in (await bot.send(RM, "/help"))[-1].text
