"""Reminder delivery throughput on either engine, with one bot process or several replicas.

``N`` reminders fall due at the same second for ``rms`` RMs; the real ``python bot.py``
processes (one, or several sharing one database) send them to the emulator, which enforces
Telegram's limits. Every reminder carries ``[R<id>]``, so the emulator's record tells which
arrived and how often. See bench/README.md.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.load import migrated_schema
from testkit.emulator import BotApiEmulator, Call, RateLimits
from testkit.postgres import drop_schema
from testkit.process import ROOT, TOKEN, BotProcess, free_port
from testkit.store import Store, reminder_ids

TELEGRAM_RATE = 30.0
Add = Callable[..., None]
"""``add(scenario, metric, value, target="", ok=None)``: one row of the printed table."""


@contextmanager
def sqlite_store(work: Path) -> Iterator[Store]:
    """A new SQLite file in ``work`` (created by the first seed)."""
    work.mkdir(parents=True)
    yield Store(work / "rapport.db", work)


@contextmanager
def postgres_store(work: Path, base_url: str, schema: str) -> Iterator[Store]:
    """A schema of its own, created with the bot's migrations and dropped afterwards."""
    work.mkdir(parents=True)
    url = asyncio.run(migrated_schema(base_url, schema))
    try:
        yield Store(url, work)
    finally:
        asyncio.run(drop_schema(base_url, schema))


class CountingEmulator(BotApiEmulator):
    """The emulator, counting accepted messages per ``Host`` header: each replica is given
    the emulator under a name of its own (``127.0.0.1``, ``localhost``), so the record shows
    which replica sent what."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent_by_host: Counter[str] = Counter()
        self._count_lock = threading.Lock()  # requests are handled on several threads

    def _dispatch(self, path: str, params: dict[str, Any],
                  handler: Any) -> tuple[int, dict[str, Any]] | None:
        answer = super()._dispatch(path, params, handler)
        if path.endswith("/sendMessage") and answer is not None and answer[0] == 200:
            host = str(handler.headers.get("Host", "")).split(":")[0]
            with self._count_lock:
                self.sent_by_host[host] += 1
        return answer

    def url_for(self, replica: int) -> str:
        return self.url if replica == 0 else f"http://{HOSTS[replica]}:{self.port}"


HOSTS = ("127.0.0.1", "localhost")


class Watch:
    """Follows the emulator's record incrementally (cheap: the emulator shares our GIL)."""

    def __init__(self, emu: BotApiEmulator) -> None:
        self.emu = emu
        self.index = 0
        self.counts: Counter[int] = Counter()
        self.sent: list[Call] = []

    def poll(self) -> int:
        calls = self.emu.calls()
        for call in calls[self.index:]:
            if call.method == "sendMessage" and call.status == 200:
                self.sent.append(call)
                self.counts.update(reminder_ids(call))
        self.index = len(calls)
        return len(self.counts)

    def until_delivered(self, total: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.poll() >= total:
                return True
            time.sleep(1.0)
        return self.poll() >= total


def replica_environment(index: int, replicas: int) -> dict[str, str]:
    """Several replicas cannot all long-poll one bot (Telegram answers 409 Conflict): they
    run as webhook servers with the same public URL and secret, as in production (no update
    is posted here, so the load balancer in front of them stays idle)."""
    if replicas == 1:
        return {}
    return {
        "RAPPORT_WEBHOOK_URL": "https://rapport.example/telegram",
        "RAPPORT_WEBHOOK_SECRET": "bench-secret",
        "RAPPORT_WEBHOOK_PORT": str(free_port()),
        "RAPPORT_HEALTH_PORT": str(free_port()),
        "RAPPORT_REPLICA_NAME": f"replica-{index + 1}",
    }


def throughput(add: Add, store: Store, *, reminders: int, rms: int, replicas: int = 1,
               label: str = "", root: Path = ROOT) -> None:
    """``reminders`` due at the same moment for ``rms`` RMs, Telegram's limits on."""
    if replicas > len(HOSTS):
        raise ValueError(f"at most {len(HOSTS)} replicas")
    name = f"{reminders:,} due at once, {rms:,} RMs{label}"
    due_at = datetime.now(UTC).replace(microsecond=0)
    plan = [(n % rms, due_at) for n in range(reminders)]
    random.Random(7).shuffle(plan)  # the RMs' reminders in no particular order
    store.seed(rms=rms, due=plan)
    emu = CountingEmulator(token=TOKEN, limits=RateLimits())
    emu.start()
    bots = [store.start(emu, f"bot-{n + 1}.log", root=root, TELEGRAM_API_URL=emu.url_for(n),
                        **replica_environment(n, replicas))
            for n in range(replicas)]
    watch = Watch(emu)
    try:
        watch.until_delivered(reminders, timeout=reminders / 20 + 120)
        time.sleep(2)
        watch.poll()
    finally:
        for bot in bots:
            bot.stop()
        emu.stop()
    _report(add, name, watch, emu, bots, reminders, store.statuses())
    if replicas > 1:
        add(name, "messages sent by each replica", " / ".join(
            f"{emu.sent_by_host[HOSTS[n]]:,}" for n in range(replicas)))
        sharing = sum("sharing the bot-wide rate" in bot.output() for bot in bots)
        add(name, "replicas that saw another one sending", f"{sharing} of {replicas}")


def _report(add: Add, name: str, watch: Watch, emu: BotApiEmulator, bots: list[BotProcess],
            reminders: int, left: Counter[str]) -> None:
    sent = watch.sent
    if not sent:
        add(name, "delivered", "nothing", ok=False)
        for bot in bots:
            print(bot.output()[-3000:])
        return
    span = sent[-1].at - sent[0].at
    rate = (len(sent) - 1) / span if span > 0 else float("nan")
    lost = reminders - len(watch.counts)
    duplicated = sum(1 for n in watch.counts.values() if n > 1)
    digests = sum(1 for call in sent if len(reminder_ids(call)) > 1)
    limited = emu.stats.rate_limited
    attempts = len(emu.calls("sendMessage"))
    started = min(bot.started for bot in bots)
    add(name, "wall time, bot start to last delivery", f"{sent[-1].at - started:.1f} s")
    add(name, "wall time, first to last message", f"{span:.1f} s")
    add(name, "messages (late digests among them)", f"{len(sent):,} ({digests})")
    add(name, "messages/s, % of 30/s", f"{rate:.2f}/s, {100 * rate / TELEGRAM_RATE:.1f}%",
        ">= 90%", rate >= 0.9 * TELEGRAM_RATE)
    add(name, "lost (never sent)", str(lost), "0", lost == 0)
    add(name, "duplicated reminder ids", str(duplicated), "0", duplicated == 0)
    add(name, "429s answered / sendMessage calls", f"{limited} / {attempts:,}", "rare",
        limited <= attempts // 100)
    add(name, "rows not 'sent' afterwards", str(sum(left.values()) - left["sent"]), "0",
        left["sent"] == reminders)
