"""Helpers shared by the reminder benchmarks and the end-to-end reminder tests.

Seed a database with RMs and reminders (bulk SQL after the real migrations), start the real
``python bot.py`` process against the emulator in ``tests/emulator.py``, and read back what
the emulator received. Everything runs on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from storage import open_storage
from tests.emulator import BotApiEmulator, Call

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123:ABC"
FIRST_RM = 500_000
TAG = re.compile(r"\[R(\d+)\]")
"""Every seeded reminder's text carries ``[R<id>]``; digests list each reminder's text."""


def db_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_db_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def _migrate(path: Path) -> None:
    storage = await open_storage(path)
    await storage.close()


def migrate(path: Path) -> None:
    """Create the database with the bot's own migrations."""
    asyncio.run(_migrate(path))


def _agenda_time_never_due(now: datetime) -> str:
    # The agenda is queued from agenda_time to agenda_time + 4 h local: pick a time 8 h ahead
    # (the RMs live in UTC here), so no agenda message mixes into what is measured.
    at = now.astimezone(UTC) + timedelta(hours=8)
    return f"{at.hour:02d}:{at.minute:02d}"


def seed(path: Path, *, rms: int, due: Iterable[tuple[int, datetime]], urgent: bool = True,
         first_rm: int = FIRST_RM) -> list[int]:
    """RMs ``first_rm .. first_rm+rms-1`` and one reminder per ``(rm index, due_at)``.

    RMs: language en, UTC, region XX (no holiday greetings), no quiet hours, agenda never
    due during a run. Reminder ids are 1..n in the order given; text ``... [R<id>]``.
    Returns the reminder ids.
    """
    migrate(path)
    now = datetime.now(UTC)
    stamp = db_time(now)
    agenda = _agenda_time_never_due(now)
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.executemany(
                "INSERT INTO staff (id, name, role, language, timezone, region, created_at,"
                " agenda_time, quiet_start, quiet_end) VALUES (?, ?, 'rm', 'en', 'UTC', 'XX',"
                " ?, ?, '00:00', '00:00')",
                [(first_rm + n, f"RM {n}", stamp, agenda) for n in range(rms)],
            )
            start = (conn.execute("SELECT COALESCE(MAX(id), 0) FROM reminders").fetchone()[0]
                     + 1)
            rows = [(start + i, first_rm + rm, f"call back [R{start + i}]", db_time(at),
                     int(urgent), stamp) for i, (rm, at) in enumerate(due)]
            conn.executemany(
                "INSERT INTO reminders (id, staff_id, kind, text, due_at, urgent, created_at)"
                " VALUES (?, ?, 'followup', ?, ?, ?, ?)", rows)
    finally:
        conn.close()
    return [row[0] for row in rows]


def statuses(path: Path) -> Counter[str]:
    conn = sqlite3.connect(path, timeout=10)
    try:
        return Counter(dict(conn.execute(
            "SELECT status, COUNT(*) FROM reminders GROUP BY status").fetchall()))
    finally:
        conn.close()


def query(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path, timeout=10)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def bot_environment(emu: BotApiEmulator, db: Path, **extra: str) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("TELEGRAM_", "RAPPORT_"))}
    environment.update({
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": emu.url,
        "RAPPORT_DB": str(db),
        "RAPPORT_DEFAULT_LANGUAGE": "en",
        "RAPPORT_LOG_LEVEL": "INFO",
        **extra,
    })
    return environment


@dataclass
class BotProcess:
    """The real ``python bot.py``, its output in a log file (a pipe could fill and block)."""

    process: subprocess.Popen[bytes]
    log_path: Path
    log_file: TextIO
    started: float

    @classmethod
    def start(cls, emu: BotApiEmulator, db: Path, log_path: Path, *, root: Path = ROOT,
              **extra: str) -> BotProcess:
        """Start ``root/bot.py`` (another checkout of the bot can be compared)."""
        log_file = log_path.open("a", encoding="utf-8")
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, str(root / "bot.py")], cwd=db.parent,
            env=bot_environment(emu, db, **extra), stdout=log_file, stderr=subprocess.STDOUT)
        return cls(process, log_path, log_file, started)

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_kib(self) -> int:
        """Resident memory now (VmRSS from /proc), in KiB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def cpu_seconds(self) -> float:
        """User + system CPU time used so far (from /proc/<pid>/stat)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def kill9(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.log_file.close()

    def stop(self) -> int:
        """SIGINT (what Ctrl-C does), then SIGKILL if it does not stop within 15 s."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log_file.close()
        return self.process.returncode

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


class TimedEmulator(BotApiEmulator):
    """The emulator, noting when the first getUpdates arrived (the bot is up and polling)."""

    first_poll: float | None = None

    def _get_updates(self, params: dict[str, Any],
                     handler: Any = None) -> list[dict[str, Any]] | None:
        if self.first_poll is None:
            self.first_poll = time.monotonic()
        return super()._get_updates(params, handler)


def accepted(emu: BotApiEmulator, since: int = 0) -> list[Call]:
    """Successful sendMessage calls (Telegram accepted the message), from index ``since``."""
    return [c for c in emu.calls()[since:] if c.method == "sendMessage" and c.status == 200]


def reminder_ids(call: Call) -> list[int]:
    return [int(found) for found in TAG.findall(str(call.params.get("text", "")))]


def id_counts(calls: Iterable[Call]) -> Counter[int]:
    counts: Counter[int] = Counter()
    for call in calls:
        counts.update(reminder_ids(call))
    return counts


def wait_until(condition: Callable[[], bool], timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]
