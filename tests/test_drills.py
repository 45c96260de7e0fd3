"""Fault drills: the real ``python bot.py`` process, the HTTP Bot API emulator, and things
going wrong at the worst moment: kill -9, 429/500/502/timeouts, the API gone for a minute,
an RM who blocked the bot, the PostgreSQL server restarted.

The in-process suites (tests/test_reminders.py) check each fault's handling on its own;
these drills put the faults under load on the real process and check what a user would
notice: a note they were told was saved is saved, once; a reminder arrives, once; the bot
answers afterwards. The kill drills run on both engines (``RAPPORT_TEST_ENGINES`` narrows
them), the API drills on SQLite (the engine plays no part in them), the restart drill on
PostgreSQL. All carry the ``process`` marker: ``-m "not process"`` leaves them out.
"""

from __future__ import annotations

import random
import re
import shutil
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from scheduler.dispatcher import BATCH, REFILL_AT, WINDOW_LIMIT
from storage.db import to_db_time
from testkit.emulator import ApiError, BotApiEmulator, RateLimits
from testkit.process import TOKEN, BotProcess, wait_until
from testkit.store import FIRST_RM, Store, accepted, id_counts, reminder_ids
from tests.engines import ENGINES, pg_schema

pytestmark = pytest.mark.process

# Two-word customer names, none a substring of another, so "/note Tran Binh …" names
# exactly one customer of the RM.
GIVEN_NAMES = ("Binh", "Chau", "Dung", "Giang", "Hoa", "Khai", "Lam", "Minh", "Nga", "Phuc",
               "Quan", "Sang", "Tam", "Uyen", "Vinh", "Xuan", "Duc", "Kiet", "Loc", "Thao")
NOTE_TAG = re.compile(r"\bN(\d{4})\b")
SAVED = re.compile(r"saved for <b>(.+?)</b>")
APOLOGY = "something went wrong on my side"
CHAINED = ("The above exception was", "During handling of the above exception")
DIGEST_HEADING = "While I was away"


def notes(store: Store) -> Counter[int]:
    """How often each tagged note (``N0001``) is in the customers' files."""
    rows = store.rows("SELECT text FROM interactions WHERE kind = 'note'")
    return Counter(int(tag) for (text,) in rows for tag in NOTE_TAG.findall(text or ""))


def handled_updates(store: Store) -> set[int]:
    return {row[0] for row in store.rows("SELECT update_id FROM processed_updates")}


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


class Emulator(BotApiEmulator):
    """The emulator, answering 403 "bot was blocked by the user" to every message for the
    chats in ``blocked``, as Telegram does once someone blocked the bot."""

    blocked: frozenset[int] = frozenset()

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        if int(params.get("chat_id") or 0) in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return super()._send_message(params)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    emu = Emulator(token=TOKEN)
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture
def limited_emulator() -> Iterator[Emulator]:
    """The emulator enforcing Telegram's flood limits (30/s, 1/s per chat, 20/min per group)."""
    emu = Emulator(token=TOKEN, limits=RateLimits())
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


def push_notes(emu: Emulator, rms: int, names: Iterable[str], text: str,
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


def acknowledged(emu: Emulator, notes: Iterable[tuple[int, str, int]]) -> Counter[int]:
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


def start_polling(store: Store, emu: Emulator, log_name: str) -> BotProcess:
    """Start the bot and wait until it polls (so a stop that follows finds it running)."""
    since = emu.mark()
    bot = store.start(emu, log_name)
    assert wait_until(lambda: any(c.method == "getUpdates" for c in emu.calls()[since:]),
                      timeout=30), bot.output()[-3000:]
    return bot


def note_is_answered(emu: Emulator, rm: int, name: str, text: str,
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
        store: Store, emulator: Emulator) -> None:
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
            if latest in note_of and note_of[latest] not in notes(store):
                caught = note_of[latest]
            return caught is not None

        pause_when(first, between_update_and_note, timeout=5)
    finally:
        first.kill9()
    time.sleep(0.5)  # answers already on the wire are recorded
    acked_before, stored_before = acknowledged(emulator, sent.values()), notes(store)
    missing = sorted(set(acked_before) - set(stored_before))
    assert not missing, f"acknowledged but not stored after kill -9: {missing}"

    second = start_polling(store, emulator, "second.log")
    try:
        # Until Telegram holds nothing more and no note has been added for 3 s.
        settled = Settled(lambda: (emulator.pending_updates(), sum(notes(store).values())),
                          quiet=3.0)
        wait_until(settled, timeout=120, step=0.5)
    finally:
        finish(second)
    stored, acked = notes(store), acknowledged(emulator, sent.values())
    where = f"caught saving N{caught:04d}" if caught is not None else \
        "never caught between an update's record and its note"
    print(f"\nkill -9 after {sum(acked_before.values())} of {total} notes were acknowledged "
          f"({sum(stored_before.values())} stored; {where}); after the restart {len(stored)} "
          f"stored, {len(acked)} acknowledged")
    assert set(acked) <= set(stored)
    assert not [n for n, count in stored.items() if count > 1], "notes stored twice"
    # Every stored note is acknowledged: a note stored before the kill whose confirmation had
    # not gone out is confirmed when its update comes back. Twice only if the kill fell
    # between a confirmation and its record (Telegram has no idempotency key): the updates
    # in hand at that moment, one per chat at most (a chat's updates are handled in turn).
    assert set(stored) <= set(acked), sorted(set(stored) - set(acked))[:10]
    twice = [n for n, count in acked.items() if count > 1]
    rm_of = {number: rm for rm, _, number in sent.values()}
    assert max(Counter(rm_of[n] for n in twice).values(), default=0) <= 1, twice
    handled = handled_updates(store)
    lost = {number: "recorded as handled" if update_id in handled else "never handled"
            for update_id, number in note_of.items() if number not in stored}
    assert not lost, f"{len(lost)} notes lost ({where}): {dict(list(lost.items())[:10])}"


def stored_claim(store: Store, update_id: int) -> bool:
    return store.rows("SELECT status FROM processed_updates WHERE update_id = ?",
                      (update_id,)) == [("stored",)]


def test_kill_9_between_a_stored_note_and_its_confirmation_answers_again(
        store: Store, emulator: Emulator) -> None:
    """The note is stored and its confirmation is on its way (Telegram holds the request)
    when the process is killed. The update comes back after the restart (it was never
    confirmed to Telegram) and is answered with the same confirmation; the note stays stored
    once. Before: dropped as already handled, the RM never told (298 of 300 in a drill)."""
    store.seed(rms=1, customers=["Tran Binh"])
    note = (FIRST_RM, "Tran Binh", 1)
    first = start_polling(store, emulator, "first.log")
    try:
        emulator.hang_next("sendMessage", 4.0)
        update_id = emulator.push_text(FIRST_RM, "/note Tran Binh N0001 sent the salary slips")
        assert wait_until(lambda: stored_claim(store, update_id), timeout=30, step=0.05), (
            first.output()[-3000:])
    finally:
        first.kill9()
    assert notes(store) == Counter({1: 1})
    time.sleep(4.5)  # the held request is dropped, never carried out
    assert not acknowledged(emulator, [note])

    second = start_polling(store, emulator, "second.log")
    try:
        assert wait_until(lambda: acknowledged(emulator, [note]) == Counter({1: 1}),
                          timeout=30), second.output()[-3000:]
        assert wait_until(lambda: store.rows(
            "SELECT status FROM processed_updates WHERE update_id = ?", (update_id,))
            == [("done",)], timeout=10)
    finally:
        finish(second)
    assert notes(store) == Counter({1: 1})
    confirmation = [call for call in accepted(emulator) if "saved for" in
                    str(call.params.get("text"))]
    assert len(confirmation) == 1 and "Set a follow-up?" in str(confirmation[0].params["text"])
    assert confirmation[0].params.get("reply_markup"), "the buttons came back too"


# -- drill 2: kill -9 during a sweep of reminders -----------------------------------------

def test_kill_9_during_a_sweep_of_5000_reminders_loses_none_and_repeats_only_the_unknowable(
        store: Store, limited_emulator: Emulator) -> None:
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
    arrive folded into one "While I was away" message: 500 messages, with Telegram's flood
    limits on. The process is killed after 150 messages, when it is caught with a message
    accepted but not yet written down (so the one case that can repeat is exercised), or
    after 5 s of trying. It leaves at most one claimed batch behind, which the restarted
    process takes over once the lease runs out.
    """
    emulator = limited_emulator
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
    claimed = store.statuses()["sending"]
    assert 0 < len(delivered) < len(ids)
    assert marked <= set(delivered), "marked sent but never accepted by Telegram"
    assert len(unmarked_messages) <= WINDOW_LIMIT
    assert claimed <= BATCH + REFILL_AT, "the dead process held more than a batch"

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
          f"signal, {claimed} rows left claimed), {len(twice)} reminders delivered twice")
    assert set(counts) == set(ids), "lost reminders"
    assert max(counts.values()) <= 2
    assert twice == unmarked
    # Late reminders, before the kill and after the restart, came folded per RM.
    sent = accepted(emulator)
    digests = [call for call in sent if DIGEST_HEADING in str(call.params.get("text"))]
    assert len(sent) < len(ids) / 2
    assert all(len(reminder_ids(call)) >= 2 for call in digests)
    folded = {rid for call in digests for rid in reminder_ids(call)}
    late = {row[0] for row in store.rows("SELECT id FROM reminders WHERE late = 1")}
    assert folded and late >= folded
    assert emulator.stats.rate_limited <= 3, emulator.stats.as_dict()


# -- drill 3: the Bot API answering 429, 500, 502, 403, timing out, and going away --------

def test_429_500_502_and_timeouts_under_load_deliver_everything_once(
        sqlite: Store, emulator: Emulator) -> None:
    """While 200 reminders go out, sendMessage answers 429 (retry_after 2 s), 500, and is
    held longer than the bot's read timeout (5 s); getUpdates answers 500 and is held past
    its long-poll timeout. The server never carries out a request whose client gave up, so
    a timeout here is a message that did not arrive: each reminder must arrive once. Then
    a proxy in front of the API answers 502 to everything while 40 more fall due: nothing
    arrives while it does, and each arrives once after."""
    ids = sqlite.seed(rms=200, due=[(rm, datetime.now(UTC)) for rm in range(200)],
                      customers=["Tran Binh"])
    later = sqlite.seed(rms=0, due=[(rm, datetime.now(UTC) + timedelta(hours=1))
                                    for rm in range(40)])
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

        emulator.set_down(True)
        down = emulator.mark()
        sqlite.execute_many("UPDATE reminders SET due_at = ? WHERE id = ?",
                            [(to_db_time(datetime.now(UTC)), rid) for rid in later])
        assert wait_until(lambda: any(c.method == "sendMessage" and c.status == 502
                                      for c in emulator.calls()[down:]), timeout=15)
        time.sleep(5)
        assert not accepted(emulator, down)
        emulator.set_down(False)
        assert wait_until(lambda: sqlite.all_sent(len(ids) + len(later)), timeout=60,
                          step=0.5), sqlite.statuses()
        time.sleep(1.5)  # nothing more arrives
        assert bot.process.poll() is None
    finally:
        # PTB hands a failed getUpdates to the error handler, which logs its traceback.
        finish(bot, expected=("telegram.error.NetworkError: Internal Server Error",
                              "telegram.error.NetworkError: Bad Gateway"))
    sends = Counter(call.status for call in emulator.calls("sendMessage"))
    polls = Counter(call.status for call in emulator.calls("getUpdates"))
    assert sends[499] == 3 and sends[429] >= 6 and sends[500] == 10 and sends[502], sends
    assert polls[499] == 1 and polls[500] == 3, polls
    assert id_counts(accepted(emulator)) == Counter({rid: 1 for rid in [*ids, *later]})


def test_an_rm_who_blocked_the_bot_is_not_retried_in_a_loop(
        sqlite: Store, emulator: Emulator) -> None:
    """Telegram answers 403 to every message for an RM who blocked the bot: the RM is
    marked unreachable after one or two tries and their reminders wait (never marked
    sent); everyone else's arrive once."""
    blocked = FIRST_RM  # RM 0: two reminders; RMs 1 and 2: one each
    emulator.blocked = frozenset({blocked})
    now = datetime.now(UTC)
    ids = sqlite.seed(rms=3, due=[(0, now), (0, now), (1, now), (2, now)])
    bot = sqlite.start(emulator, "bot.log")
    try:
        assert wait_until(lambda: sqlite.statuses().get("sent", 0) == 2, timeout=30), \
            sqlite.statuses()
        time.sleep(5)
        reachable = sqlite.rows("SELECT reachable FROM staff WHERE id = ?", (blocked,))[0][0]
    finally:
        finish(bot)
    to_blocked = [c for c in emulator.calls("sendMessage")
                  if int(c.params.get("chat_id") or 0) == blocked]
    assert 1 <= len(to_blocked) <= 2 and all(c.status == 403 for c in to_blocked)
    assert reachable == 0
    assert id_counts(accepted(emulator)) == Counter({ids[2]: 1, ids[3]: 1})
    waiting = sqlite.rows("SELECT status FROM reminders WHERE staff_id = ?", (blocked,))
    assert all(row[0] != "sent" for row in waiting)


def test_api_gone_for_a_minute_then_everything_is_delivered_once(
        sqlite: Store, emulator: Emulator) -> None:
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
                            [(to_db_time(start + timedelta(seconds=n)), rid)
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
        postgres: Store, emulator: Emulator) -> None:
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
    stored, acked = notes(postgres), acknowledged(emulator, sent.values())
    apologies = len([text for text in emulator.sent_texts() if APOLOGY in text])
    print(f"\nPostgreSQL restarted 3 times ({', '.join(f'{t:.1f}' for t in took)} s): "
          f"{len(acked)} of {len(sent)} notes acknowledged, {apologies} apologies, "
          f"{len(stored) - 1} stored")
    assert not [n for n, count in stored.items() if count > 1], "notes stored twice"
    assert not [n for n, count in acked.items() if count > 1], "notes acknowledged twice"
    assert set(stored) - {9300} == set(acked), "stored notes differ from those acknowledged"
    assert len(sent) - len(acked) <= apologies
    assert id_counts(accepted(emulator)) == Counter({rid: 1 for rid in ids})
