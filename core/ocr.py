"""Reading the text in a photo (a business card, a shop sign), without loading OCR into the bot.

The engines (core/ocr_worker.py: RapidOCR on ONNX Runtime, and Tesseract) take about 250 MiB
and a second or two to load. An installation that never receives a photo should not pay for
that, and a crash in their native code must not take the bot down, so they run in a worker
process: started on the first photo, fed one image at a time over a pipe, ended after
``IDLE_SECONDS`` without work (the memory goes back to the system) and when the bot stops.
Nothing here imports the engines; :func:`missing` only looks for them.

Nothing leaves the machine: the models come with the packages (RapidOCR's wheel ships its
ONNX files; Tesseract's come from Debian's tesseract-ocr-* packages, see
scripts/setup-system.sh), and the worker is never asked to fetch anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import logging
import os
import struct
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
# Where Debian (12: tesseract 5; 11: 4.00) and other systems put Tesseract's models;
# TESSDATA_PREFIX, Tesseract's own variable, comes first.
TESSDATA_DIRS = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
                 "/usr/share/tessdata", "/usr/local/share/tessdata")
# Tesseract reads the Latin lines with its Vietnamese model (English is within it).
TESSERACT_MODELS = ("vie",)
PYTHON_MODULES = ("rapidocr", "onnxruntime", "tesserocr", "cv2")
# The first image also waits for the worker to start and load its models.
START_SECONDS = 60.0
READ_SECONDS = 30.0
IDLE_SECONDS = 600.0
MAX_IMAGE_BYTES = 20 * 1024 * 1024


# Marked letters RapidOCR's recogniser (PP-OCRv6) reads as surely as Tesseract: those of
# French and Spanish. Its dictionary has ă đ ơ ư too, but it reads them as a, d, o, u, and
# it lacks the rest (ả ạ ắ ầ ệ ố ộ ờ ự ...). tests/test_ocr.py checks them against the model.
RAPID_SURE = frozenset("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")


def _fold(word: str) -> str:
    word = unicodedata.normalize("NFD", word.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in word if not unicodedata.combining(c)).lower()


def _marked(word: str) -> int:
    """How many letters of a word carry Vietnamese marks (or are đ)."""
    return sum(1 for c in word if c in "đĐ" or _fold(c) != c.lower())


def _same_word(latin: str, rapid: str) -> bool:
    """Whether RapidOCR's reading is the same word as Tesseract's, short of the marked letters
    it cannot read (``Nguyn`` for ``Nguyễn``, ``Trung`` for ``Trưởng``, ``S`` for ``Số``)."""
    full, seen = _fold(latin), _fold(rapid)
    if full == seen:
        return True
    if len(full) - len(seen) > _marked(latin) or not _marked(latin):
        return False
    letters = iter(full)
    return all(c in letters for c in seen)  # a subsequence


def _marks_of(latin: str, rapid: str) -> str:
    """The same word from both: a letter RapidOCR could have read is taken from it, since
    Tesseract's Vietnamese model puts marks on English words ("Lê Duan Street")."""
    if len(latin) != len(rapid):
        return latin  # RapidOCR dropped letters it cannot read
    return "".join(r if t != r and t in RAPID_SURE else t
                   for t, r in zip(latin, rapid, strict=True))


def merge_readings(latin: str, rapid: str) -> str:
    """One line read by both engines: Tesseract's words where RapidOCR agrees with them (they
    keep their Vietnamese marks), RapidOCR's where they disagree (it reads digits, e-mail
    addresses and plain Latin more surely, and Tesseract turns noise into letters).

    >>> merge_readings("Nguyễn Thị Hồng", "Nguyn Th Hồng")
    'Nguyễn Thị Hồng'
    >>> merge_readings("Hotline: 0935 714 455", "Hotline: 0935 774 455")
    'Hotline: 0935 774 455'
    """
    ours, theirs = latin.split(), rapid.split()
    if not ours:
        return rapid
    # Needleman-Wunsch over words: a pair of the same word costs 0, two of Tesseract's words
    # that RapidOCR ran together ("hàngĐin") 0 too, any other pair or a word on one side only
    # costs 1.
    inf = len(ours) + len(theirs) + 1
    rows, cols = len(ours) + 1, len(theirs) + 1
    cost = [[inf] * cols for _ in range(rows)]
    step: list[list[str]] = [[""] * cols for _ in range(rows)]
    for i in range(rows):
        for j in range(cols):
            if i == 0 and j == 0:
                cost[0][0] = 0
                continue
            options = []
            if i and j:
                same = _same_word(ours[i - 1], theirs[j - 1])
                options.append((cost[i - 1][j - 1] + (0 if same else 1), "same" if same else "sub"))
            if i >= 2 and j and _same_word(ours[i - 2] + ours[i - 1], theirs[j - 1]):
                options.append((cost[i - 2][j - 1], "two"))
            if j:
                options.append((cost[i][j - 1] + 1, "theirs"))
            if i:
                options.append((cost[i - 1][j] + 1, "ours"))
            cost[i][j], step[i][j] = min(options)
    words: list[str | None] = []  # None: a word only Tesseract saw, decided below
    alone: list[str] = []
    agreed = 0
    i, j = len(ours), len(theirs)
    while i or j:
        move = step[i][j]
        if move == "same":
            words.append(_marks_of(ours[i - 1], theirs[j - 1]))
            agreed += 1
            i, j = i - 1, j - 1
        elif move == "sub":
            words.append(theirs[j - 1])
            i, j = i - 1, j - 1
        elif move == "two":
            words.extend((ours[i - 1], ours[i - 2]))
            agreed += 1
            i, j = i - 2, j - 1
        elif move == "theirs":
            words.append(theirs[j - 1])
            j -= 1
        else:
            words.append(None)
            alone.append(ours[i - 1])
            i -= 1
    # A word only Tesseract saw: RapidOCR drops a word made mostly of letters it cannot read
    # ("Cổ", "Ở"), so it is kept when the two readings otherwise agree; when they do not,
    # Tesseract was reading noise.
    trusted = agreed * 2 >= len(theirs)
    kept = iter(alone)
    merged = []
    for word in words:
        if word is None:
            ours_word = next(kept)
            if trusted and _marked(ours_word) * 2 >= len(ours_word):
                merged.append(ours_word)
        else:
            merged.append(word)
    return " ".join(reversed(merged))


class OcrUnavailable(Exception):
    """The engines are not installed here, or the worker cannot start."""


class OcrFailed(Exception):
    """This image could not be read (not an image, too large, the worker died or hung)."""


def tessdata_dir() -> str | None:
    """The folder holding Tesseract's Vietnamese model, or None."""
    prefix = os.environ.get("TESSDATA_PREFIX")
    candidates = [prefix, str(Path(prefix) / "tessdata")] if prefix else []
    for folder in [*candidates, *TESSDATA_DIRS]:
        if all((Path(folder) / f"{model}.traineddata").is_file() for model in TESSERACT_MODELS):
            return folder
    return None


def missing() -> str | None:
    """Why photos cannot be read on this installation (for the log and for tests), or None."""
    absent = [name for name in PYTHON_MODULES if importlib.util.find_spec(name) is None]
    if absent:
        return f"Python packages missing: {', '.join(absent)} (pip install -r requirements.txt)"
    if tessdata_dir() is None:
        return ("Tesseract's Vietnamese model (vie.traineddata) not found: run "
                "scripts/setup-system.sh, or set TESSDATA_PREFIX")
    return None


class TextReader:
    """Reads the text lines of images in one worker process, one image at a time."""

    def __init__(self, idle_seconds: float = IDLE_SECONDS) -> None:
        self._idle_seconds = idle_seconds
        self._process: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()
        self._last_used = 0.0
        self._idle_task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        """Whether a worker is alive (its memory in use) right now."""
        return self._process is not None and self._process.returncode is None

    @property
    def worker_pid(self) -> int | None:
        return self._process.pid if self.running and self._process else None

    async def read(self, image: bytes) -> list[dict[str, Any]]:
        """The text lines of an image, as the worker reports them (see core/ocr_worker.py)."""
        if len(image) > MAX_IMAGE_BYTES:
            raise OcrFailed(f"image of {len(image)} bytes")
        async with self._lock:
            started = self.running
            process = await self._ensure_worker()
            timeout = READ_SECONDS if started else START_SECONDS
            try:
                answer = await asyncio.wait_for(self._ask(process, image), timeout)
            except (TimeoutError, OSError, EOFError, asyncio.IncompleteReadError) as exc:
                await self._stop()
                raise OcrFailed(f"the OCR worker did not answer: {exc!r}") from exc
            finally:
                self._last_used = time.monotonic()
        if "error" in answer:
            raise OcrFailed(str(answer["error"]))
        lines: list[dict[str, Any]] = answer.get("lines", [])
        return lines

    async def close(self) -> None:
        """End the worker (the bot is stopping)."""
        if self._idle_task is not None:
            self._idle_task.cancel()
            self._idle_task = None
        async with self._lock:
            await self._stop()

    async def _ensure_worker(self) -> asyncio.subprocess.Process:
        if self._process is not None and self._process.returncode is None:
            return self._process
        reason = missing()
        if reason:
            raise OcrUnavailable(reason)
        try:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "core.ocr_worker", tessdata_dir() or "",
                cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        except OSError as exc:
            raise OcrUnavailable(f"the OCR worker could not start: {exc!r}") from exc
        log.info("OCR worker started (pid %s)", self._process.pid)
        if self._idle_task is None or self._idle_task.done():
            self._idle_task = asyncio.create_task(self._stop_when_idle())
        return self._process

    @staticmethod
    async def _ask(process: asyncio.subprocess.Process, image: bytes) -> dict[str, Any]:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(struct.pack(">I", len(image)) + image)
        await process.stdin.drain()
        (size,) = struct.unpack(">I", await process.stdout.readexactly(4))
        answer: dict[str, Any] = json.loads(await process.stdout.readexactly(size))
        return answer

    async def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.returncode is not None:
            return
        # Closing stdin ends the worker's loop; a worker stuck in native code is killed.
        if process.stdin is not None:
            process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 5)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
        log.info("OCR worker stopped (pid %s)", process.pid)

    async def _stop_when_idle(self) -> None:
        while self.running:
            wait = self._last_used + self._idle_seconds - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            async with self._lock:
                if time.monotonic() - self._last_used >= self._idle_seconds:
                    await self._stop()
