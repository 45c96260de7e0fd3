"""The one dispatcher every push goes through: due reminders, late digests and the agenda.

Each tick claims due rows with a lease, sends them within Telegram's limits, and marks them
sent only once Telegram accepted; failures keep the claim until a retry time, so a crash or
an outage loses nothing. Several late reminders for one RM are folded into one message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time as clock_time
from collections import defaultdict
from datetime import datetime, timedelta

from telegram import Bot, Message
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from core import buttons
from core.clock import Clock
from core.i18n import active, local
from core.languages import language_of
from core.messages import send_photo_text
from core.pushes import Push, digest, render
from domain.pushes import NOTICE_KINDS
from domain.quiet import parse_hhmm, quiet_until
from scheduler.rate_gate import MAX_RATE, RateGate

# Re-exported: the drills count the sends in flight against it.
from scheduler.rate_gate import WINDOW_LIMIT as WINDOW_LIMIT
from storage import Storage
from storage.reminders import Reminder
from storage.staff import Staff

log = logging.getLogger(__name__)

# A claim is a lease the live process renews every RENEW_EVERY while it still holds the rows,
# so a process that died (kill -9, power loss) frees its rows after at most LEASE.
LEASE = timedelta(seconds=30)
RENEW_EVERY = 10.0
LATE_AFTER = timedelta(minutes=2)
# How long a process that Telegram accepted a message from keeps trying to record that.
RECORD_FOR_SECONDS = 300.0
BATCH = 200
REFILL_AT = 50
MAX_BACKOFF = 300
# Late reminders per digest message: each line can be ~300 characters, a message 4096.
DIGEST_MAX = 10
# On shutdown, how long sends under way may take before they are cancelled.
STOP_GRACE = 5.0


class Dispatcher:
    """Delivers due reminders; one instance per process, any number of processes."""

    def __init__(self, bot: Bot, storage: Storage, clock: Clock, default_language: str, *,
                 per_chat_interval: float = 1.0, concurrency: int = 40,
                 max_rate: float = MAX_RATE, gate: RateGate | None = None) -> None:
        self.bot = bot
        self.storage = storage
        self.clock = clock
        self.default_language = default_language
        self.worker = gate.worker if gate else f"{socket.gethostname()}:{os.getpid()}"
        self.gate = gate or RateGate(storage, clock, self.worker,
                                     per_chat_interval=per_chat_interval, max_rate=max_rate)
        self._slots = asyncio.Semaphore(concurrency)
        # Rows this drain claimed and has not finished with: their leases are renewed.
        self._held: set[int] = set()
        self._task: asyncio.Task[int] | None = None
        self._stopping = False

    async def heartbeat(self) -> None:
        """Tell the other replicas this one is alive, and whether it is sending."""
        busy = bool(self._held) or (self._task is not None and not self._task.done())
        await self.gate.heartbeat(busy)

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """Stop claiming; let the sends under way finish for a moment, then cancel the rest
        (their leases run out and whichever replica sweeps next sends them)."""
        self._stopping = True
        task = self._task
        if task is None or task.done():
            return
        done, _pending = await asyncio.wait({task}, timeout=grace)
        if not done:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def kick(self) -> None:
        """Start draining due reminders unless a drain is already running."""
        if self._stopping:
            return
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.drain())

    async def drain(self) -> int:
        """Send everything that is due now; return how many messages went out.

        The next batch is claimed while the previous one is still going out (once no more
        than REFILL_AT of its rows are left), so sending does not pause between batches for
        the last RMs' paced messages; an RM in two batches is served by one task after the
        other, in order.
        """
        sent = 0
        running: set[asyncio.Task[int]] = set()
        last_task: dict[int, asyncio.Task[int]] = {}
        renewer = asyncio.create_task(self._renew_leases())
        more = True
        try:
            while True:
                if more and len(self._held) <= REFILL_AT and not self._stopping:
                    now = self.clock.now()
                    due = await self.storage.reminders.claim_due(
                        now, self.worker, now + LEASE, BATCH, per_turn=DIGEST_MAX)
                    more = len(due) == BATCH
                    self._held.update(reminder.id for reminder in due)
                    if due and not self.gate.announced:
                        await self.heartbeat()  # before the first send, not a tick later
                    by_staff: dict[int, list[Reminder]] = defaultdict(list)
                    for reminder in due:
                        by_staff[reminder.staff_id].append(reminder)
                    for staff_id, items in by_staff.items():
                        task = asyncio.create_task(
                            self._deliver_after(last_task.get(staff_id), staff_id, items))
                        last_task[staff_id] = task
                        running.add(task)
                if not running:
                    self.gate.forget_idle_chats()
                    return sent
                done, _pending = await asyncio.wait(running, timeout=0.25,
                                                    return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    running.discard(task)
                    sent += task.result()
                for staff_id in [s for s, task in last_task.items() if task.done()]:
                    del last_task[staff_id]
        except asyncio.CancelledError:
            # Stopping: the sends still waiting for their turn are dropped; their rows keep
            # a lease that runs out, and the next sweep (any replica) sends them.
            for task in running:
                task.cancel()
            raise
        finally:
            if running:
                await asyncio.wait(running)
            renewer.cancel()
            self._held.clear()

    async def _deliver_after(self, previous: asyncio.Task[int] | None, staff_id: int,
                             reminders: list[Reminder]) -> int:
        if previous is not None:
            await asyncio.wait({previous})
        return await self._deliver_to(staff_id, reminders)

    async def _renew_leases(self) -> None:
        """Extend the leases of the rows this drain still holds, while it runs."""
        while True:
            await asyncio.sleep(RENEW_EVERY)
            if self._held:
                now = self.clock.now()
                try:
                    await self.storage.reminders.renew(sorted(self._held), self.worker,
                                                       now + LEASE)
                except Exception:
                    log.exception("could not renew the leases of %s reminders",
                                  len(self._held))

    async def _deliver_to(self, staff_id: int, reminders: list[Reminder]) -> int:
        async with self._slots:
            try:
                return await self._deliver_to_staff(staff_id, reminders)
            except Exception:
                # One reminder that cannot be rendered must not stop everyone else's.
                ids = [r.id for r in reminders if r.id in self._held]
                log.exception("delivering reminders %s failed", ids)
                if ids:
                    attempts = max(r.attempts for r in reminders)
                    await self.storage.reminders.retry_later(
                        ids, self.worker,
                        self.clock.now() + timedelta(seconds=min(2 ** attempts, MAX_BACKOFF)),
                        "internal error")
                    self._held.difference_update(ids)
                return 0

    async def _deliver_to_staff(self, staff_id: int, reminders: list[Reminder]) -> int:
        staff = await self.storage.staff.get(staff_id)
        if staff is None or not staff.active or not staff.reachable:
            # Blocked the bot while these waited (in a second batch): not tried again.
            ids = [r.id for r in reminders]
            await self.storage.reminders.retry_later(ids, self.worker, self.clock.now(),
                                                     "unreachable")
            self._held.difference_update(ids)
            return 0
        language = language_of(staff, self.default_language)
        with active(language, staff.timezone):
            buttons.set_owner(staff.id)
            now = self.clock.now()
            ready = [r for r in reminders if not await self._deferred(staff, r, now)]
            late = [r for r in ready
                    if now - r.due_at > LATE_AFTER and r.kind not in NOTICE_KINDS]
            messages: list[tuple[list[Reminder], Push, bool]] = []
            if len(late) >= 2:
                ready = [r for r in ready if r not in late]
                for start in range(0, len(late), DIGEST_MAX):
                    chunk = late[start:start + DIGEST_MAX]
                    if len(chunk) == 1:
                        ready.insert(0, chunk[0])
                        continue
                    messages.append((chunk, digest(chunk), True))
            for reminder in ready:
                push = await render(self.storage, staff, reminder, now)
                messages.append(([reminder], push, now - reminder.due_at > LATE_AFTER))
            sent = 0
            for index, (items, push, late_flag) in enumerate(messages):
                outcome = await self._send(staff, items, push, late=late_flag)
                if outcome is None:
                    # They blocked the bot: the rest waits too, nothing is tried in a loop.
                    rest = [r.id for later, *_ in messages[index + 1:] for r in later]
                    if rest:
                        await self.storage.reminders.retry_later(
                            rest, self.worker, self.clock.now(), "unreachable")
                        self._held.difference_update(rest)
                    break
                sent += outcome
            return sent

    async def _deferred(self, staff: Staff, reminder: Reminder, now: datetime) -> bool:
        """Put back a non-urgent reminder that falls in the RM's quiet hours."""
        if reminder.urgent:
            return False
        start, end = parse_hhmm(staff.quiet_start), parse_hhmm(staff.quiet_end)
        if start is None or end is None:
            return False
        until = quiet_until(local(now), start, end)
        if until is None:
            return False
        await self.storage.reminders.defer(reminder.id, until)
        self._held.discard(reminder.id)
        return True

    async def _post(self, chat_id: int, push: Push) -> Message:
        """Send a push (its picture, if it has one, with the text), each request paced."""
        if push.photo is not None:
            return await send_photo_text(self.bot, chat_id, push.photo, push.text, push.markup,
                                         send=self.gate.send)
        return await self.gate.send(chat_id, self.bot.send_message(chat_id, push.text,
                                                                   reply_markup=push.markup))

    async def _send(self, staff: Staff, reminders: list[Reminder], push: Push, *,
                    late: bool) -> int | None:
        """1 if Telegram accepted the message, 0 if it is to be retried, None if the RM
        cannot be reached (blocked the bot)."""
        ids = [reminder.id for reminder in reminders]
        try:
            return await self._send_once(staff, reminders, ids, push, late=late)
        finally:
            self._held.difference_update(ids)

    async def _send_once(self, staff: Staff, reminders: list[Reminder], ids: list[int],
                         push: Push, *, late: bool) -> int | None:
        repo = self.storage.reminders
        try:
            message = await self._post(staff.id, push)
        except RetryAfter as error:
            seconds = error.retry_after
            wait = seconds.total_seconds() if isinstance(seconds, timedelta) else float(seconds)
            await repo.retry_later(ids, self.worker, self.clock.now() + timedelta(seconds=wait),
                                   "429")
            return 0
        except (Forbidden, BadRequest) as error:
            if isinstance(error, Forbidden) or "chat not found" in error.message.lower():
                # Blocked (or never started): stop pushing until they write to the bot again.
                log.info("staff %s cannot be reached (%s); pausing their pushes", staff.id,
                         error.message)
                await self.storage.staff.set_reachable(staff.id, False)
                await repo.retry_later(ids, self.worker, self.clock.now(), error.message)
                return None
            # Telegram refused this message itself: sending it again at once would be
            # refused again, every second; back off like any other failure.
            attempts = max(reminder.attempts for reminder in reminders)
            backoff = min(2 ** attempts, MAX_BACKOFF)
            log.error("reminders %s refused by Telegram: %s; retry in %ss", ids, error.message,
                      backoff)
            await repo.retry_later(ids, self.worker,
                                   self.clock.now() + timedelta(seconds=backoff), error.message)
            return 0
        except TelegramError as error:
            attempts = max(reminder.attempts for reminder in reminders)
            backoff = min(2 ** attempts, MAX_BACKOFF)
            await repo.retry_later(ids, self.worker,
                                   self.clock.now() + timedelta(seconds=backoff), str(error))
            log.warning("sending reminders %s failed (%s); retry in %ss", ids, error, backoff)
            return 0
        await self._record_sent(ids, message.message_id, late)
        return 1

    async def _record_sent(self, ids: list[int], message_id: int, late: bool) -> None:
        """Write down that Telegram accepted these reminders, waiting out a database that is
        away (restarting): rows left unmarked would be sent a second time once their lease
        ran out. They stay held meanwhile, so their lease is renewed whenever it can be."""
        deadline = clock_time.monotonic() + RECORD_FOR_SECONDS
        pause = 0.25
        while True:
            try:
                await self.storage.reminders.mark_sent(ids, self.worker, self.clock.now(),
                                                       message_id, late)
                return
            except Exception as error:
                if clock_time.monotonic() + pause > deadline:
                    raise
                log.warning("could not mark reminders %s sent (%s: %s); trying again in %.2f s",
                            ids, type(error).__name__, error, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)
