"""Uploaded Excel workbooks, read in a worker process (core/workbook_worker.py) that cannot
stall or sink the bot: it has a memory limit, it gets ``READ_SECONDS`` to answer and is ended
after that, and at most ``WORKERS`` run at once. What a file cannot be read for comes back as
a refusal to show the user, in their language.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from core.i18n import N_

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
WORKER = "core.workbook_worker"
READ_SECONDS = 30.0
WORKERS = 2
_slots: asyncio.Semaphore | None = None


@dataclass(frozen=True)
class Refusal:
    """Why a workbook is not read: an English text marked with N_, and its placeholders."""

    message: str
    params: dict[str, str | int] = field(default_factory=dict)


Rows = list[tuple[int, tuple[Any, ...]]]


@dataclass(frozen=True)
class Sheet:
    """The rows of the sheet read that are not empty, numbered as Excel shows them, and those
    of the other sheets asked for that the workbook has."""

    rows: Rows
    others: dict[str, Rows] = field(default_factory=dict)


def _value(cell: Any) -> Any:
    if isinstance(cell, dict):
        if "datetime" in cell:
            return datetime.fromisoformat(cell["datetime"])
        if "date" in cell:
            return date.fromisoformat(cell["date"])
        if "time" in cell:
            return time.fromisoformat(cell["time"])
    return cell


def _rows(rows: list[Any]) -> Rows:
    return [(int(number), tuple(_value(cell) for cell in cells)) for number, cells in rows]


def _answer(raw: bytes) -> Sheet | Refusal:
    answer = json.loads(raw)
    if "refusal" in answer:
        return Refusal(str(answer["refusal"]["message"]), dict(answer["refusal"]["params"]))
    return Sheet(_rows(answer["rows"]),
                 {title: _rows(rows) for title, rows in answer.get("others", {}).items()})


async def read_workbook(data: bytes, *, prefer: str | None, max_rows: int,
                        also: tuple[str, ...] = (), worker: str = WORKER,
                        seconds: float = READ_SECONDS,
                        memory_mb: int | None = None) -> Sheet | Refusal:
    """The rows of the sheet named ``prefer`` (else the first), and of the sheets named in
    ``also`` the workbook has, at most ``max_rows`` each; the worker's memory limit may be
    lowered to ``memory_mb``."""
    global _slots
    if _slots is None:
        _slots = asyncio.Semaphore(WORKERS)
    async with _slots:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", worker, cwd=ROOT, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        header = json.dumps({"prefer": prefer, "also": list(also), "max_rows": max_rows,
                             "memory_mb": memory_mb}).encode() + b"\n"
        try:
            output, _errors = await asyncio.wait_for(process.communicate(header + data),
                                                     seconds)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            log.warning("a workbook took longer than %s s to read; its worker was ended",
                        seconds)
            return Refusal(N_("This file took longer than {seconds} seconds to read. Copy "
                              "only your table into a new workbook and send that."),
                           {"seconds": int(seconds)})
        except BaseException:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            raise
    if process.returncode != 0 or not output:
        # Killed (CPU or memory) or crashed: its stderr may quote the file, so it stays out
        # of the log.
        log.warning("the workbook worker ended with status %s", process.returncode)
        return Refusal(N_("This file needs more memory to read than I may use. Copy only "
                          "your table into a new workbook and send that."))
    return _answer(output)
