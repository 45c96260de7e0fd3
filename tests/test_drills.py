"""Fault drills: the real ``python bot.py`` process, the HTTP Bot API emulator, and things
going wrong at the worst moment: kill -9, 429/500/timeouts, the API gone for a minute, the
PostgreSQL server restarted.

``tests/test_e2e_reminders.py`` covers single faults on a few reminders; these drills put
the same faults under load and check what a user would notice: a note they were told was
saved is saved, once; a reminder arrives, once; the bot answers afterwards. The kill drills
run on both engines (``RAPPORT_TEST_ENGINES`` narrows them), the API drills on SQLite (the
engine plays no part in them), the restart drill on PostgreSQL.
"""

from __future__ import annotations

import random
import re
import shutil
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest

from bench.harness import (
    FIRST_RM,
    TOKEN,
    BotProcess,
    TimedEmulator,
    accepted,
    db_time,
    id_counts,
    reminder_ids,
    wait_until,
)
from core.fake_updates import Person
from scheduler.dispatcher import WINDOW_LIMIT, Dispatcher
from storage import open_storage
from storage.db import Database, open_database
from tests.engines import ENGINES, pg_schema, run_sync
from tests.harness import Harness

T = TypeVar("T")

# Two-word customer names, none a substring of another, so "/note Tran Binh …" names
# exactly one customer of the RM.
GIVEN_NAMES = ("Binh", "Chau", "Dung", "Giang", "Hoa", "Khai", "Lam", "Minh", "Nga", "Phuc",
               "Quan", "Sang", "Tam", "Uyen", "Vinh", "Xuan", "Duc", "Kiet", "Loc", "Thao")
NOTE_TAG = re.compile(r"\bN(\d{4})\b")
SAVED = re.compile(r"saved for <b>(.+?)</b>")
APOLOGY = "something went wrong on my side"
CHAINED = ("The above exception was", "During handling of the above exception")


@dataclass
class Store:
    """Where the bot keeps its data during a drill: an SQLite file or a PostgreSQL schema.

    Rows are read and written through the bot's own database layer, so the same SQL runs
    on both engines.
    """

    location: str | Path
    folder: Path

    def start(self, emu: TimedEmulator, log_name: str) -> BotProcess:
        # An empty DATABASE_URL keeps the SQLite file even if the caller's environment has one.
        url = self.location if isinstance(self.location, str) else ""
        return BotProcess.start(emu, self.folder / "rapport.db", self.folder / log_name,
                                DATABASE_URL=url)

    def rows(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        async def fetch(db: Database) -> list[tuple[Any, ...]]:
            rows = await db.fetch_all(sql, list(params))
            return [tuple(row[i] for i in range(len(list(row.keys())))) for row in rows]

        return self._patiently(fetch)

    def execute_many(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        batch = [list(row) for row in rows]

        async def run(db: Database) -> None:
            await db.execute_many(sql, batch)

        self._patiently(run)

    def _patiently(self, work: Callable[[Database], Awaitable[T]]) -> T:
        """Run ``work`` on a fresh connection, waiting out a restarting server (30 s)."""
        async def attempt() -> T:
            db = await open_database(self.location)
            try:
                return await work(db)
            finally:
                await db.close()

        deadline = time.monotonic() + 30
        while True:
            try:
                return run_sync(attempt)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def statuses(self) -> Counter[str]:
        return Counter(dict(self.rows("SELECT status, COUNT(*) FROM reminders GROUP BY status")))

    def all_sent(self, total: int) -> bool:
        return self.statuses().get("sent", 0) == total

    def notes(self) -> Counter[int]:
        """How often each tagged note (``N0001``) is in the customers' files."""
        rows = self.rows("SELECT text FROM interactions WHERE kind = 'note'")
        return Counter(int(tag) for (text,) in rows for tag in NOTE_TAG.findall(text or ""))

    def handled_updates(self) -> set[int]:
        return {row[0] for row in self.rows("SELECT update_id FROM processed_updates")}

    def seed(self, *, rms: int, due: Iterable[tuple[int, datetime]] = (),
             customers: Iterable[str] = ()) -> list[int]:
        """RMs ``FIRST_RM + n`` (English, UTC, no quiet hours, no agenda during a drill),
        each with the named customers, and one reminder per ``(rm index, due_at)`` whose
        text carries ``[R<id>]``. Returns the reminder ids, in the order given."""
        return run_sync(lambda: self._seed(rms, list(due), list(customers)))

    async def _seed(self, rms: int, due: list[tuple[int, datetime]],
                    customers: list[str]) -> list[int]:
        storage = await open_storage(self.location)
        try:
            now = datetime.now(UTC)
            agenda = (now + timedelta(hours=8)).strftime("%H:%M")
            await storage.db.execute_many(
                "INSERT INTO staff (id, name, role, language, timezone, region, created_at,"
                " agenda_time, quiet_start, quiet_end) VALUES (?, ?, 'rm', 'en', 'UTC', 'XX',"
                " ?, ?, '00:00', '00:00')",
                [(FIRST_RM + n, f"RM {n}", db_time(now), agenda) for n in range(rms)])
            await storage.db.execute_many(
                "INSERT INTO reminders (staff_id, kind, text, due_at, urgent, created_at)"
                " VALUES (?, 'followup', 'seeded', ?, 1, ?)",
                [(FIRST_RM + rm, db_time(at), db_time(now)) for rm, at in due])
            await storage.db.execute(
                "UPDATE reminders SET text = 'call back [R' || CAST(id AS TEXT) || ']'"
                " WHERE text = 'seeded'")
            for n in range(rms):
                for name in customers:
                    await storage.customers.create(owner_id=FIRST_RM + n, name=name,
                                                   phone=None, region="XX", now=now)
            rows = await storage.db.fetch_all("SELECT id FROM reminders ORDER BY id")
            return [row[0] for row in rows]
        finally:
            await storage.close()


def postgres_store(folder: Path) -> Iterator[Store]:
    """A schema of its own on the local server, dropped afterwards."""
    with pg_schema("drill") as url:
        yield Store(url, folder)


@pytest.fixture(params=[pytest.param(engine, id=engine) for engine in ENGINES])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        yield Store(tmp_path / "rapport.db", tmp_path)
    else:
        yield from postgres_store(tmp_path)


@pytest.fixture
def postgres(tmp_path: Path) -> Iterator[Store]:
    yield from postgres_store(tmp_path)


@pytest.fixture
def sqlite(tmp_path: Path) -> Store:
    return Store(tmp_path / "rapport.db", tmp_path)


@pytest.fixture
def emulator() -> Iterator[TimedEmulator]:
    emu = TimedEmulator(token=TOKEN)
    emu.start()
    yield emu
    emu.stop()


def raised(output: str) -> list[str]:
    """The exception each traceback in a log ends with (the last of a chain)."""
    found = []
    for chunk in output.split("Traceback (most recent call last):")[1:]:
        lines = [line for line in chunk.splitlines() if line and not line.startswith(" ")]
        if not any(line.startswith(CHAINED) for line in lines):
            found.append(lines[0] if lines else "?")
    return found


def finish(bot: BotProcess, *, expected: tuple[str, ...] = ()) -> None:
    """Stop the bot with Ctrl-C; it must exit cleanly, its log showing no traceback but
    of the ``expected`` exceptions (the faults a drill injects)."""
    code = bot.stop()
    output = bot.output()
    assert code == 0, output[-3000:]
    unexpected = [line for line in raised(output) if not line.startswith(expected)]
    assert not unexpected, output[-3000:]


def push_notes(emu: TimedEmulator, rms: int, names: Iterable[str], text: str,
               first: int = 0) -> dict[int, tuple[int, str, int]]:
    """One ``/note <name> N<number> …`` per RM and customer, the RMs' messages interleaved
    as they would arrive; ``{update id: (rm, customer name, note number)}``."""
    sent: dict[int, tuple[int, str, int]] = {}
    number = first
    for name in names:
        for rm in range(FIRST_RM, FIRST_RM + rms):
            sent[emu.push_text(rm, f"/note {name} N{number:04d} {text}")] = (rm, name, number)
            number += 1
    return sent


def acknowledged(emu: TimedEmulator, notes: Iterable[tuple[int, str, int]]) -> Counter[int]:
    """Notes whose "✅ Note saved for <name>" reached the RM (one note per customer)."""
    number_of = {(rm, name): number for rm, name, number in notes}
    counts: Counter[int] = Counter()
    for call in emu.calls("sendMessage"):
        found = SAVED.search(str(call.params.get("text", ""))) if call.status == 200 else None
        number = number_of.get((int(call.params["chat_id"]), found.group(1))) if found else None
        if number is not None:
            counts[number] += 1
    return counts


class Settled:
    """True once ``probe`` has returned the same value for ``quiet`` seconds."""

    def __init__(self, probe: Callable[[], object], quiet: float) -> None:
        self.probe, self.quiet = probe, quiet
        self.value: object = None
        self.since = time.monotonic()

    def __call__(self) -> bool:
        value = self.probe()
        if value != self.value:
            self.value, self.since = value, time.monotonic()
        return time.monotonic() - self.since >= self.quiet


def start_polling(store: Store, emu: TimedEmulator, log_name: str) -> BotProcess:
    """Start the bot and wait until it polls (so a stop that follows finds it running)."""
    since = emu.mark()
    bot = store.start(emu, log_name)
    assert wait_until(lambda: any(c.method == "getUpdates" for c in emu.calls()[since:]),
                      timeout=30), bot.output()[-3000:]
    return bot


def note_is_answered(emu: TimedEmulator, rm: int, name: str, text: str,
                     timeout: float) -> bool:
    """Send a note as the RM; True once the bot confirmed it."""
    since = emu.mark()
    emu.push_text(rm, f"/note {name} {text}")
    try:
        emu.wait_for(lambda c: c.method == "sendMessage" and c.status == 200
                     and str(c.params.get("chat_id")) == str(rm)
                     and f"saved for <b>{name}</b>" in str(c.params.get("text")),
                     timeout=timeout, since=since)
    except TimeoutError:
        return False
    return True


# -- drill 1: kill -9 during a burst of notes ---------------------------------------------

def pause_when(bot: BotProcess, caught: Callable[[], bool], timeout: float) -> bool:
    """Stop the process (SIGSTOP) at random moments until ``caught()`` says it is where a
    kill hurts most; True with the process left stopped, False (running) if never."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        bot.process.send_signal(signal.SIGSTOP)
        if caught():
            return True
        bot.process.send_signal(signal.SIGCONT)
        time.sleep(random.uniform(0.0, 0.02))
    return False


def test_kill_9_during_a_burst_of_1000_notes_loses_and_doubles_nothing(
        store: Store, emulator: TimedEmulator) -> None:
    """50 RMs send 1,000 ``/note`` messages (one per customer), queued at Telegram. The
    process is killed once 400 were acknowledged, at the worst moment it can be caught in:
    an update recorded as handled whose note is not stored yet. Every note acknowledged
    before the kill is stored; after the restart all 1,000 are, each once (Telegram
    delivers again what the bot had not confirmed; the bot knows handled updates by id)."""
    names = [f"Tran {given}" for given in GIVEN_NAMES]
    store.seed(rms=50, customers=names)
    sent = push_notes(emulator, 50, names, "called about the home loan, sends the salary "
                      "slips on Monday")
    note_of = {update_id: number for update_id, (_, _, number) in sent.items()}
    total = len(sent)

    first = store.start(emulator, "first.log")
    caught: int | None = None
    try:
        assert wait_until(lambda: sum(acknowledged(emulator, sent.values()).values())
                          >= total * 0.4, timeout=90, step=0.05), first.output()[-3000:]
        def between_update_and_note() -> bool:
            nonlocal caught
            latest = store.rows("SELECT MAX(update_id) FROM processed_updates")[0][0]
            if latest in note_of and note_of[latest] not in store.notes():
                caught = note_of[latest]
            return caught is not None

        pause_when(first, between_update_and_note, timeout=5)
    finally:
        first.kill9()
    time.sleep(0.5)  # answers already on the wire are recorded
    acked_before, stored_before = acknowledged(emulator, sent.values()), store.notes()
    missing = sorted(set(acked_before) - set(stored_before))
    assert not missing, f"acknowledged but not stored after kill -9: {missing}"

    second = start_polling(store, emulator, "second.log")
    try:
        # Until Telegram holds nothing more and no note has been added for 3 s.
        settled = Settled(lambda: (emulator.pending_updates(), sum(store.notes().values())),
                          quiet=3.0)
        wait_until(settled, timeout=120, step=0.5)
    finally:
        finish(second)
    stored, acked = store.notes(), acknowledged(emulator, sent.values())
    where = f"caught saving N{caught:04d}" if caught is not None else \
        "never caught between an update's record and its note"
    print(f"\nkill -9 after {sum(acked_before.values())} of {total} notes were acknowledged "
          f"({sum(stored_before.values())} stored; {where}); after the restart {len(stored)} "
          f"stored, {len(acked)} acknowledged")
    assert set(acked) <= set(stored)
    assert not [n for n, count in stored.items() if count > 1], "notes stored twice"
    assert not [n for n, count in acked.items() if count > 1], "notes acknowledged twice"
    handled = store.handled_updates()
    lost = {number: "recorded as handled" if update_id in handled else "never handled"
            for update_id, number in note_of.items() if number not in stored}
    assert not lost, f"{len(lost)} notes lost ({where}): {dict(list(lost.items())[:10])}"


# -- drill 2: kill -9 during a sweep of reminders -----------------------------------------

def test_kill_9_during_a_sweep_of_5000_reminders_loses_none_and_repeats_only_the_unknowable(
        store: Store, emulator: TimedEmulator) -> None:
    """None lost; a reminder arrives twice only if its message was in flight at the kill.

    Telegram has no idempotency key: a message it accepted whose acceptance the process
    had not yet written down when it died cannot be told from one that never arrived, and
    dropping it instead would lose reminders. So the bot sends it again, and the property
    that holds is: the reminders delivered twice are exactly those Telegram accepted but
    the database did not show as sent right after the kill, each twice, no other twice.
    What keeps that set small is that the dispatcher marks the rows of each message sent
    as soon as Telegram answers (not per batch): it can only hold the messages in flight
    at the kill (those the API answered after the signal, and those whose row update the
    kill cut), never more than the dispatcher's WINDOW_LIMIT (30) sends in flight.

    5,000 reminders for 500 RMs, 3 to 11 minutes late (after an outage), so each RM's ten
    arrive folded into one message: 500 messages at Telegram's 30 a second. The process is
    killed after 150 messages, when it is caught with a message accepted but not yet
    written down (so the one case that can repeat is exercised), or after 5 s of trying.
    """
    rms, per_rm = 500, 10
    oldest = datetime.now(UTC) - timedelta(minutes=11)
    # A second apart per RM: a claim (ordered by due time) takes whole RMs on both engines.
    ids = store.seed(rms=rms, due=[(rm, oldest + timedelta(seconds=rm))
                                   for rm in range(rms) for _ in range(per_rm)])

    def unrecorded() -> bool:
        marked = {row[0] for row in store.rows("SELECT id FROM reminders WHERE status = 'sent'")}
        return bool(set(id_counts(accepted(emulator))) - marked)

    first = store.start(emulator, "first.log")
    try:
        assert wait_until(lambda: len(accepted(emulator)) >= 150, timeout=60, step=0.01)
        pause_when(first, unrecorded, timeout=5)
    finally:
        at_kill = emulator.mark()
        first.kill9()
    time.sleep(0.5)  # requests already on the wire are answered and recorded
    before = accepted(emulator)
    answered_after_kill = accepted(emulator, at_kill)
    marked = {row[0] for row in store.rows("SELECT id FROM reminders WHERE status = 'sent'")}
    delivered = id_counts(before)
    unmarked = set(delivered) - marked
    unmarked_messages = [c for c in before if set(reminder_ids(c)) & unmarked]
    assert marked <= set(delivered), "marked sent but never accepted by Telegram"
    assert len(unmarked_messages) <= WINDOW_LIMIT

    second = store.start(emulator, "second.log")
    try:
        # Rows the dead process had claimed are free once its lease (30 s) runs out.
        assert wait_until(lambda: store.all_sent(len(ids)), timeout=90, step=0.5), \
            store.statuses()
        time.sleep(1.5)  # nothing more arrives
    finally:
        finish(second)
    counts = id_counts(accepted(emulator))
    twice = {rid for rid, count in counts.items() if count > 1}
    print(f"\nkill -9 after {len(before)} of {rms} messages: {len(unmarked_messages)} "
          f"accepted but not marked sent ({len(answered_after_kill)} answered after the "
          f"signal), {len(twice)} reminders delivered twice")
    assert set(counts) == set(ids), "lost reminders"
    assert max(counts.values()) <= 2
    assert twice == unmarked


# -- drill 3: the Bot API answering 429, 500, timing out, and going away ------------------

def test_429_500_and_timeouts_under_load_deliver_everything_once(
        sqlite: Store, emulator: TimedEmulator) -> None:
    """While 200 reminders go out, sendMessage answers 429 (retry_after 2 s), 500, and is
    held longer than the bot's read timeout (5 s); getUpdates answers 500 and is held past
    its long-poll timeout. The server never carries out a request whose client gave up, so
    a timeout here is a message that did not arrive: each reminder must arrive once."""
    ids = sqlite.seed(rms=200, due=[(rm, datetime.now(UTC)) for rm in range(200)],
                      customers=["Tran Binh"])
    emulator.fail_next("getUpdates", 500, count=3)
    emulator.hang_next("getUpdates", 17.0)  # PTB waits 10 s (long poll) + 5 s
    emulator.hang_next("sendMessage", 7.0, count=3)
    emulator.fail_next("sendMessage", 429, retry_after=2, count=6)
    emulator.fail_next("sendMessage", 500, count=10)

    bot = sqlite.start(emulator, "bot.log")
    try:
        assert wait_until(lambda: sqlite.all_sent(len(ids)), timeout=90, step=0.5), \
            sqlite.statuses()
        assert note_is_answered(emulator, FIRST_RM, "Tran Binh", "N9001 after the storm",
                                timeout=30), bot.output()[-3000:]
        time.sleep(1.5)  # nothing more arrives
        assert bot.process.poll() is None
    finally:
        # PTB hands a failed getUpdates to the error handler, which logs its traceback.
        finish(bot, expected=("telegram.error.NetworkError: Internal Server Error",))
    sends = Counter(call.status for call in emulator.calls("sendMessage"))
    polls = Counter(call.status for call in emulator.calls("getUpdates"))
    assert sends[499] == 3 and sends[429] >= 6 and sends[500] == 10, sends
    assert polls[499] == 1 and polls[500] == 3, polls
    assert id_counts(accepted(emulator)) == Counter({rid: 1 for rid in ids})


def test_api_gone_for_a_minute_then_everything_is_delivered_once(
        sqlite: Store, emulator: TimedEmulator) -> None:
    """The Bot API's address refuses connections for a full minute (its listening socket
    is closed) while 60 reminders fall due, one a second, and five RMs write notes. The bot
    stays up; once the API is back every reminder arrives once and every note is answered.
    """
    rms = 60
    ids = sqlite.seed(rms=rms, due=[(rm, datetime.now(UTC) + timedelta(hours=1))
                                    for rm in range(rms)], customers=["Tran Binh"])
    bot = sqlite.start(emulator, "bot.log")
    try:
        assert wait_until(lambda: emulator.first_poll is not None, timeout=20)
        emulator.stop()
        gone = time.monotonic()
        start = datetime.now(UTC)
        sqlite.execute_many("UPDATE reminders SET due_at = ? WHERE id = ?",
                            [(db_time(start + timedelta(seconds=n)), rid)
                             for n, rid in enumerate(ids)])
        writers = push_notes(emulator, 5, ["Tran Binh"], "wrote while Telegram was away",
                             first=9100)
        while time.monotonic() - gone < 60:
            assert bot.process.poll() is None, bot.output()[-3000:]
            time.sleep(1)
        emulator.start(port=emulator.port)
        back = time.monotonic()

        assert wait_until(lambda: sqlite.all_sent(len(ids)), timeout=90, step=0.5), \
            sqlite.statuses()
        assert wait_until(lambda: len(acknowledged(emulator, writers.values()))
                          == len(writers), timeout=60), emulator.sent_texts()
        caught_up = time.monotonic() - back
        assert note_is_answered(emulator, FIRST_RM, "Tran Binh", "N9200 all good",
                                timeout=10)
        time.sleep(1.5)  # nothing more arrives
    finally:
        finish(bot, expected=("telegram.error.NetworkError",))
    print(f"\nAPI back after 60 s; everything delivered and answered {caught_up:.1f} s later")
    assert id_counts(accepted(emulator)) == Counter({rid: 1 for rid in ids})


# -- drill 4: PostgreSQL restarted under load ---------------------------------------------

async def test_a_send_telegram_accepted_is_written_down_once_the_database_is_back(
        bot: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """The database drops the connection just as Telegram accepts a reminder (what the
    restart drill below catches now and then): the dispatcher keeps trying to record it,
    instead of leaving the row to be sent again when its lease runs out."""
    rm = Person(2001, "Lan", "Nguyễn", language_code="vi")
    await bot.register(rm, language="vi")
    reminder_id = await bot.storage.reminders.create(
        staff_id=rm.id, customer_id=None, kind="followup", text="gọi lại",
        due_at=bot.clock.now(), now=bot.clock.now(), urgent=True)
    record = bot.storage.reminders.mark_sent
    failures = [ConnectionResetError("connection reset by peer")] * 2

    async def flaky(*args: Any, **kwargs: Any) -> None:
        if failures:
            raise failures.pop()
        await record(*args, **kwargs)

    monkeypatch.setattr(bot.storage.reminders, "mark_sent", flaky)
    worker = Dispatcher(bot.app.bot, bot.storage, bot.clock, "vi", per_chat_interval=0)
    assert await worker.drain() == 1
    assert not failures
    assert len(bot.api.of("sendMessage")) == 1
    reminder = await bot.storage.reminders.get(rm.id, reminder_id or 0)
    assert reminder is not None and reminder.status == "sent"


def restart_postgres() -> float:
    """Restart the local cluster the way the machine's tools do; the seconds it took."""
    version = sorted(Path("/etc/postgresql").glob("*"))[-1].name
    began = time.monotonic()
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
                   check=True, capture_output=True, timeout=120)
    return time.monotonic() - began


@pytest.mark.skipif(shutil.which("pg_ctlcluster") is None or not Path("/etc/postgresql").is_dir(),
                    reason="pg_ctlcluster is not available: this drill restarts the local "
                           "PostgreSQL cluster with it")
@pytest.mark.skipif("postgresql" not in ENGINES,
                    reason="RAPPORT_TEST_ENGINES leaves PostgreSQL out")
def test_postgresql_restarted_under_load_loses_nothing_acknowledged(
        postgres: Store, emulator: TimedEmulator) -> None:
    """100 RMs send 300 notes while 600 reminders fall due, 20 a second; the server is
    restarted three times in a row in the middle. The bot reconnects and answers
    afterwards; what it told each RM is true: every note it acknowledged is stored, once,
    and a note it apologised for is not stored (the RM sends it again); every reminder
    arrives exactly once."""
    names = [f"Tran {given}" for given in GIVEN_NAMES[:3]]
    rms = 100
    start = datetime.now(UTC)
    ids = postgres.seed(rms=rms, customers=[*names, "Tran Giang"], due=[
        (n % rms, start + timedelta(seconds=5 + n % 30)) for n in range(600)])
    sent = push_notes(emulator, rms, names, "met at the branch, opens a savings account")

    def answered() -> int:
        return len(acknowledged(emulator, sent.values())) + len(
            [text for text in emulator.sent_texts() if APOLOGY in text])

    bot = postgres.start(emulator, "bot.log")
    try:
        assert wait_until(lambda: len(acknowledged(emulator, sent.values())) >= 100
                          and len(accepted(emulator)) >= 150, timeout=60, step=0.1)
        took = [restart_postgres() for _ in range(3)]
        assert wait_until(lambda: postgres.all_sent(len(ids)), timeout=90, step=0.5), \
            postgres.statuses()
        assert wait_until(lambda: emulator.pending_updates() == 0 and answered() >= len(sent),
                          timeout=60, step=0.5)
        assert note_is_answered(emulator, FIRST_RM, "Tran Giang", "N9300 after the restarts",
                                timeout=30), bot.output()[-3000:]
        time.sleep(1.5)  # nothing more arrives
        assert bot.process.poll() is None
    finally:
        # asyncpg's pool logs each failed reconnection with its traceback.
        finish(bot, expected=("asyncpg.exceptions", "ConnectionRefusedError",
                              "ConnectionResetError", "OSError"))
    stored, acked = postgres.notes(), acknowledged(emulator, sent.values())
    apologies = len([text for text in emulator.sent_texts() if APOLOGY in text])
    print(f"\nPostgreSQL restarted 3 times ({', '.join(f'{t:.1f}' for t in took)} s): "
          f"{len(acked)} of {len(sent)} notes acknowledged, {apologies} apologies, "
          f"{len(stored) - 1} stored")
    assert not [n for n, count in stored.items() if count > 1], "notes stored twice"
    assert not [n for n, count in acked.items() if count > 1], "notes acknowledged twice"
    assert set(stored) - {9300} == set(acked), "stored notes differ from those acknowledged"
    assert len(sent) - len(acked) <= apologies
    assert id_counts(accepted(emulator)) == Counter({rid: 1 for rid in ids})
