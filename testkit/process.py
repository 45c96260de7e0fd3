"""The real ``python bot.py``: started against the emulator (``BotProcess``), or run once to
see how it exits (``run_bot``). Each starts from the caller's environment without any of the
bot's own settings, so a developer's ``TELEGRAM_*``/``RAPPORT_*``/``DATABASE_URL`` never leak in.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from testkit.emulator import BotApiEmulator

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123:ABC"


def free_port() -> int:
    """A TCP port nothing listens on right now (for a webhook or health server)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Callable[[], bool], timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def environment(**settings: str) -> dict[str, str]:
    """The caller's environment without the bot's settings, plus ``settings``."""
    clean = {key: value for key, value in os.environ.items()
             if not key.startswith(("TELEGRAM_", "RAPPORT_")) and key != "DATABASE_URL"}
    clean.update(settings)
    return clean


def run_bot(*args: str, cwd: Path, env: dict[str, str] | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``python bot.py ARGS`` run to its end in ``cwd``; its exit status and output."""
    return subprocess.run([sys.executable, str(ROOT / "bot.py"), *args], cwd=cwd,
                          env=environment() if env is None else env, capture_output=True,
                          text=True, timeout=timeout, check=False)


@dataclass
class BotProcess:
    """The real ``python bot.py``, its output in a log file (a pipe could fill and block)."""

    process: subprocess.Popen[bytes]
    log_path: Path
    log_file: TextIO
    started: float

    @classmethod
    def start(cls, emu: BotApiEmulator, db: Path, log_path: Path, *, root: Path = ROOT,
              **settings: str) -> BotProcess:
        """Start ``root/bot.py`` (another checkout can be compared) in ``db``'s folder, on the
        SQLite file ``db`` unless ``settings`` give a ``DATABASE_URL``; ``settings`` may
        override any of the defaults (token, API URL, English, INFO logs)."""
        log_file = log_path.open("a", encoding="utf-8")
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, str(root / "bot.py")], cwd=db.parent,
            env=environment(**{"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": emu.url,
                               "RAPPORT_DB": str(db), "RAPPORT_DEFAULT_LANGUAGE": "en",
                               "RAPPORT_LOG_LEVEL": "INFO", **settings}),
            stdout=log_file, stderr=subprocess.STDOUT)
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
        if not self.log_file.closed:
            self.log_file.close()
        return self.process.returncode

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")
