"""Reminder delivery by the real `python bot.py` process against the HTTP Bot API emulator.

Crash in the middle of a sweep (kill -9), the API down for a while, 429 and 500 answers, an
RM who blocked the bot. Every seeded reminder's text carries ``[R<id>]``, so the emulator's
record says exactly which reminders arrived, and how often.
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bench.harness import (
    FIRST_RM,
    TOKEN,
    BotProcess,
    TimedEmulator,
    accepted,
    db_time,
    id_counts,
    query,
    reminder_ids,
    seed,
    statuses,
    wait_until,
)
from scheduler.dispatcher import BATCH, REFILL_AT, WINDOW_LIMIT
from tests.emulator import ApiError, RateLimits

DIGEST_HEADING = "While I was away"


class BlockingEmulator(TimedEmulator):
    """Answers 403 "bot was blocked by the user" to every message for the chats in
    ``blocked``, as Telegram does once someone blocked the bot."""

    blocked: frozenset[int] = frozenset()

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        if int(params.get("chat_id") or 0) in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return super()._send_message(params)


@pytest.fixture
def emulator() -> Iterator[BlockingEmulator]:
    emu = BlockingEmulator(token=TOKEN)
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture
def limited_emulator() -> Iterator[BlockingEmulator]:
    emu = BlockingEmulator(token=TOKEN, limits=RateLimits())
    emu.start()
    yield emu
    emu.stop()


def all_sent(db: Path, total: int) -> bool:
    return statuses(db).get("sent", 0) == total


def finish(bot: BotProcess) -> None:
    code = bot.stop()
    output = bot.output()
    assert code == 0, output[-3000:]
    assert "Traceback" not in output, output[-3000:]


def test_kill_9_in_the_middle_of_a_sweep_loses_nothing(
        limited_emulator: BlockingEmulator, tmp_path: Path) -> None:
    emu = limited_emulator
    db = tmp_path / "rapport.db"
    rms, per_rm = 500, 4
    # Each RM's four reminders next to each other (one claimed batch holds whole RMs), due
    # 105 s ago: on time (< 2 min) while the first process sends, late after the restart.
    due_at = datetime.now(UTC) - timedelta(seconds=105)
    ids = seed(db, rms=rms, due=[(rm, due_at) for rm in range(rms) for _ in range(per_rm)])
    total = len(ids)

    first = BotProcess.start(emu, db, tmp_path / "first.log")
    try:
        assert wait_until(lambda: len(accepted(emu)) >= 150, timeout=30, step=0.05), \
            emu.stats.as_dict()
    finally:
        first.kill9()
    time.sleep(0.5)  # requests already on the wire are answered and recorded
    kill_mark = emu.mark()
    before = id_counts(accepted(emu))
    assert 0 < sum(before.values()) < total
    marked = {row[0] for row in query(db, "SELECT id FROM reminders WHERE status = 'sent'")}
    orphans = query(db, "SELECT COUNT(*) FROM reminders WHERE status = 'sending'")[0][0]
    # Accepted by Telegram but not yet marked sent when the process died: the only
    # messages that can be sent twice (nothing tells which of them Telegram accepted).
    unmarked = set(before) - marked
    assert marked <= set(before)
    assert len(unmarked) <= WINDOW_LIMIT  # at most the sends in flight
    assert orphans <= BATCH + REFILL_AT

    # Back up a little later: by now every remaining reminder is more than 2 minutes late.
    wait_until(lambda: datetime.now(UTC) - due_at > timedelta(seconds=122), timeout=30)
    second = BotProcess.start(emu, db, tmp_path / "second.log")
    try:
        # Rows the dead process had claimed are free once its lease (30 s) runs out.
        assert wait_until(lambda: all_sent(db, total), timeout=60, step=0.5), statuses(db)
        time.sleep(1.5)  # nothing more arrives
    finally:
        finish(second)

    counts = id_counts(accepted(emu))
    assert set(counts) == set(ids), "lost reminders"
    duplicates = {rid for rid, n in counts.items() if n > 1}
    assert max(counts.values()) <= 2
    assert duplicates <= unmarked, (duplicates, unmarked)
    print(f"\nkill -9 after {sum(before.values())} reminders arrived: {len(unmarked)} accepted "
          f"but unmarked, {orphans} claimed by the dead process; {len(duplicates)} duplicated")

    # The second run's reminders were late: folded per RM into digests.
    after = accepted(emu, kill_mark)
    late_ids = [rid for call in after for rid in reminder_ids(call)]
    digests = [call for call in after if DIGEST_HEADING in str(call.params.get("text"))]
    assert digests and len(after) < len(late_ids) / 2
    assert all(len(reminder_ids(call)) >= 2 for call in digests)
    late_rows = query(db, "SELECT id FROM reminders WHERE late = 1")
    assert {row[0] for row in late_rows} >= set(late_ids) - duplicates
    assert emu.stats.rate_limited <= 3, emu.stats.as_dict()


def test_api_down_for_a_while_delivers_everything_once(
        emulator: BlockingEmulator, tmp_path: Path) -> None:
    db = tmp_path / "rapport.db"
    later = datetime.now(UTC) + timedelta(hours=1)
    ids = seed(db, rms=20, due=[(n % 20, later) for n in range(40)])
    bot = BotProcess.start(emulator, db, tmp_path / "bot.log")
    try:
        assert wait_until(lambda: emulator.first_poll is not None, timeout=20)
        emulator.set_down(True)
        # Due now, while the API is down (however long the bot took to start).
        with closing(sqlite3.connect(db, timeout=10)) as conn, conn:
            conn.execute("UPDATE reminders SET due_at = ?", (db_time(datetime.now(UTC)),))
        assert wait_until(lambda: any(c.method == "sendMessage" and c.status == 502
                                      for c in emulator.calls()), timeout=15)
        time.sleep(5)
        assert not accepted(emulator)
        emulator.set_down(False)
        assert wait_until(lambda: all_sent(db, len(ids)), timeout=30), statuses(db)
        time.sleep(1.5)
    finally:
        finish(bot)
    assert id_counts(accepted(emulator)) == Counter({rid: 1 for rid in ids})


def test_429_and_500_are_retried_and_delivered_once(
        emulator: BlockingEmulator, tmp_path: Path) -> None:
    db = tmp_path / "rapport.db"
    ids = seed(db, rms=3, due=[(n, datetime.now(UTC)) for n in range(3)])
    emulator.fail_next("sendMessage", 429, retry_after=1)
    emulator.fail_next("sendMessage", 500)
    bot = BotProcess.start(emulator, db, tmp_path / "bot.log")
    try:
        assert wait_until(lambda: all_sent(db, len(ids)), timeout=30), statuses(db)
        time.sleep(1.5)
    finally:
        finish(bot)
    sends = emulator.calls("sendMessage")
    assert sorted(c.status for c in sends) == [200, 200, 200, 429, 500]
    assert id_counts(accepted(emulator)) == Counter({rid: 1 for rid in ids})


def test_blocked_rm_is_not_retried_in_a_loop(emulator: BlockingEmulator, tmp_path: Path) -> None:
    db = tmp_path / "rapport.db"
    blocked = FIRST_RM  # RM 0: two reminders; RMs 1 and 2: one each
    emulator.blocked = frozenset({blocked})
    now = datetime.now(UTC)
    ids = seed(db, rms=3, due=[(0, now), (0, now), (1, now), (2, now)])
    bot = BotProcess.start(emulator, db, tmp_path / "bot.log")
    try:
        assert wait_until(lambda: statuses(db).get("sent", 0) == 2, timeout=30), statuses(db)
        time.sleep(5)
        reachable = query(db, "SELECT reachable FROM staff WHERE id = ?", (blocked,))[0][0]
    finally:
        finish(bot)
    to_blocked = [c for c in emulator.calls("sendMessage")
                  if int(c.params.get("chat_id") or 0) == blocked]
    assert 1 <= len(to_blocked) <= 2 and all(c.status == 403 for c in to_blocked)
    assert reachable == 0
    assert id_counts(accepted(emulator)) == Counter({ids[2]: 1, ids[3]: 1})
    waiting = query(db, "SELECT status FROM reminders WHERE staff_id = ?", (blocked,))
    assert all(row[0] != "sent" for row in waiting)
