"""The one dispatcher every push goes through: due reminders, late digests and the agenda.

Each tick claims due rows with a lease, sends them within Telegram's limits, and marks them
sent only once Telegram accepted; failures keep the claim until a retry time, so a crash or
an outage loses nothing. Several late reminders for one RM are folded into one message.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time as clock_time
from collections import defaultdict
from datetime import datetime, timedelta

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from core import buttons
from core.agenda import render_today
from core.clock import Clock
from core.i18n import active, local
from core.notices import digest_message, reminder_message
from domain.quiet import parse_hhmm, quiet_until
from storage import Storage
from storage.reminders import Reminder
from storage.staff import Staff

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=90)
LATE_AFTER = timedelta(minutes=2)
BATCH = 200
MAX_BACKOFF = 300


class Dispatcher:
    """Delivers due reminders; one instance per process, any number of processes."""

    def __init__(self, bot: Bot, storage: Storage, clock: Clock, default_language: str, *,
                 per_chat_interval: float = 1.0, concurrency: int = 40) -> None:
        self.bot = bot
        self.storage = storage
        self.clock = clock
        self.default_language = default_language
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        # Telegram allows about one message a second to one private chat.
        self.per_chat_interval = per_chat_interval
        self._slots = asyncio.Semaphore(concurrency)
        self._last_sent: dict[int, float] = {}
        self._task: asyncio.Task[int] | None = None

    def kick(self) -> None:
        """Start draining due reminders unless a drain is already running."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.drain())

    async def drain(self) -> int:
        """Send everything that is due now; return how many messages went out."""
        sent = 0
        while True:
            now = self.clock.now()
            due = await self.storage.reminders.claim_due(now, self.worker, now + LEASE, BATCH)
            if not due:
                return sent
            by_staff: dict[int, list[Reminder]] = defaultdict(list)
            for reminder in due:
                by_staff[reminder.staff_id].append(reminder)
            results = await asyncio.gather(
                *(self._deliver_to(staff_id, items) for staff_id, items in by_staff.items()))
            sent += sum(results)

    async def _deliver_to(self, staff_id: int, reminders: list[Reminder]) -> int:
        async with self._slots:
            staff = await self.storage.staff.get(staff_id)
            if staff is None:
                return 0
            language = staff.language or self.default_language
            with active(language, staff.timezone):
                buttons.set_owner(staff.id)
                now = self.clock.now()
                ready = [r for r in reminders if not await self._deferred(staff, r, now)]
                late = [r for r in ready if now - r.due_at > LATE_AFTER and r.kind != "agenda"]
                sent = 0
                if len(late) >= 2:
                    digest, digest_markup = digest_message(late)
                    sent += await self._send(staff, late, digest, digest_markup, late=True)
                    ready = [r for r in ready if r not in late]
                for reminder in ready:
                    text, markup = await self._render(staff, reminder, now)
                    sent += await self._send(staff, [reminder], text, markup,
                                             late=now - reminder.due_at > LATE_AFTER)
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
        return True

    async def _render(self, staff: Staff, reminder: Reminder,
                      now: datetime) -> tuple[str, InlineKeyboardMarkup | None]:
        if reminder.kind == "holiday":
            languages = await self.storage.care.customer_languages(staff.id)
            return reminder_message(reminder, now, languages or [staff.language
                                                                 or self.default_language])
        if reminder.kind != "agenda":
            return reminder_message(reminder, now)
        return await render_today(self.storage, staff, now)

    async def _pace(self, chat_id: int) -> None:
        wait = self._last_sent.get(chat_id, 0.0) + self.per_chat_interval - clock_time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        self._last_sent[chat_id] = clock_time.monotonic()

    async def _send(self, staff: Staff, reminders: list[Reminder], text: str,
                    markup: InlineKeyboardMarkup | None, *, late: bool) -> int:
        ids = [reminder.id for reminder in reminders]
        repo = self.storage.reminders
        await self._pace(staff.id)
        try:
            message = await self.bot.send_message(staff.id, text, reply_markup=markup)
        except RetryAfter as error:
            seconds = error.retry_after
            wait = seconds.total_seconds() if isinstance(seconds, timedelta) else float(seconds)
            await repo.retry_later(ids, self.worker, self.clock.now() + timedelta(seconds=wait),
                                   "429")
            return 0
        except (Forbidden, BadRequest) as error:
            if isinstance(error, BadRequest) and "chat not found" not in error.message.lower():
                log.error("reminders %s refused by Telegram: %s", ids, error.message)
            else:
                # Blocked (or never started): stop pushing until they write to the bot again.
                log.info("staff %s cannot be reached (%s); pausing their pushes", staff.id,
                         error.message)
                await self.storage.staff.set_reachable(staff.id, False)
            await repo.retry_later(ids, self.worker, self.clock.now(), error.message)
            return 0
        except TelegramError as error:
            attempts = max(reminder.attempts for reminder in reminders)
            backoff = min(2 ** attempts, MAX_BACKOFF)
            await repo.retry_later(ids, self.worker,
                                   self.clock.now() + timedelta(seconds=backoff), str(error))
            log.warning("sending reminders %s failed (%s); retry in %ss", ids, error, backoff)
            return 0
        await repo.mark_sent(ids, self.worker, self.clock.now(), message.message_id, late)
        return 1
