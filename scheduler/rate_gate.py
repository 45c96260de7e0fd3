"""Telegram's sending limits for this process: the bot-wide rate, split with the other replicas
sending at the same time, and one message a second to a chat.

The reminder dispatcher and the group poster send through the same gate, so together they
stay under the limits; AIORateLimiter (a 30/s bucket that lets bursts through; every 429 then
halts all sending for over a second) rarely has to act.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

from telegram import Message

from core.clock import Clock
from storage import Storage

log = logging.getLogger(__name__)

# Telegram's bot-wide limit: 30 messages in any second, counted when they arrive. A send may
# start only if fewer than WINDOW_LIMIT others are in flight or were answered within WINDOW
# (a message arrives before its answer, so none of those can be outside Telegram's window
# for it but inside ours): sound whatever the network jitter or event-loop stalls. Sends are
# also spaced evenly.
WINDOW = 1.02
WINDOW_LIMIT = 30
MAX_RATE = WINDOW_LIMIT / WINDOW
# A replica counts as sending until this long after its last heartbeat that said so.
SENDING_GRACE = timedelta(seconds=3)
# Heartbeats come with the dispatch tick, once a second: how long others may take to notice.
HEARTBEAT_LAG = 1.2


class RateGate:
    """Hands out send slots: one chat's turn, then a bot-wide slot of this replica's share."""

    def __init__(self, storage: Storage, clock: Clock, worker: str, *,
                 per_chat_interval: float = 1.0, max_rate: float = MAX_RATE) -> None:
        self.storage = storage
        self.clock = clock
        self.worker = worker
        # Telegram allows about one message a second to one private chat.
        self.per_chat_interval = per_chat_interval
        self.send_interval = 1.0 / max_rate if max_rate > 0 else 0.0
        # Replicas sending at the same time split Telegram's bot-wide limit between them.
        self.share = 1
        self.announced = False  # the last heartbeat said this replica is sending
        self._hold_until = 0.0  # monotonic time before which this replica sends nothing
        self._lock = asyncio.Lock()
        self._previous_send = 0.0
        self._in_flight = 0
        self._answered: deque[float] = deque()  # when recent sends were answered
        # When the last message to each chat was answered (monotonic seconds).
        self._last_sent: dict[int, float] = {}

    async def heartbeat(self, busy: bool) -> None:
        """Tell the other replicas this one is alive (and whether it is sending), and take a
        fair share of the bot-wide rate: all of it alone, half of it while another sends."""
        now = self.clock.now()
        try:
            await self.storage.replicas.beat(self.worker, now, now + SENDING_GRACE if busy
                                             else None)
            senders = await self.storage.replicas.sending(now) if busy else 1
        except Exception:
            log.warning("replica heartbeat failed; keeping a share of 1/%s", self.share,
                        exc_info=True)
            return
        self.announced = busy
        share = max(1, senders)
        if share > self.share:
            # The others learn of this replica at their next heartbeat (within a tick):
            # until then they still send at their old rate, so this one waits.
            self._hold_until = time.monotonic() + HEARTBEAT_LAG
        if share != self.share:
            log.info("now sharing the bot-wide rate with %s other replica(s)", share - 1)
            self.share = share

    async def leave(self) -> None:
        """Hand this replica's share back at shut-down (the row would expire anyway)."""
        try:
            await self.storage.replicas.leave(self.worker)
        except Exception:  # the database may be what is failing
            log.warning("could not remove replica %s", self.worker, exc_info=True)

    async def send(self, chat_id: int, request: Coroutine[Any, Any, Message]) -> Message:
        """Send a request in this chat's turn and within the bot-wide rate."""
        try:
            await self._wait_turn(chat_id)
        except BaseException:
            request.close()
            raise
        try:
            return await request
        finally:
            answered = time.monotonic()
            self._last_sent[chat_id] = answered
            if self.send_interval > 0:
                self._in_flight -= 1
                self._answered.append(answered)

    def forget_idle_chats(self) -> None:
        """Drop the chats whose turn has come anyway (the map would grow without end)."""
        horizon = time.monotonic() - self.per_chat_interval
        for chat_id in [chat for chat, at in self._last_sent.items() if at < horizon]:
            del self._last_sent[chat_id]

    async def _wait_turn(self, chat_id: int) -> None:
        """Wait for this chat's turn, then for a bot-wide send slot.

        One chat: a second after the previous message to it was *answered* (so it arrived
        more than a second before this one), however long that message waited for a slot;
        the chat is paced first so waiting for a slot never wastes its turn. Bot-wide: see
        WINDOW; slots are also ``send_interval`` apart, handed out in order, each measured
        from the previous one's time, so a stalled event loop never releases a burst.
        """
        wait = max(self._last_sent.get(chat_id, 0.0) + self.per_chat_interval,
                   self._hold_until) - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        if self.send_interval <= 0:
            return
        async with self._lock:
            while True:
                now = time.monotonic()
                while self._answered and self._answered[0] <= now - WINDOW:
                    self._answered.popleft()
                slot = max(self._previous_send + self.send_interval * self.share, now)
                if self._in_flight + len(self._answered) >= WINDOW_LIMIT // self.share:
                    # Until the oldest answer leaves the window, or a send in flight ends.
                    until = self._answered[0] + WINDOW if self._answered else now + 0.01
                    slot = max(slot, min(until, now + 0.01))
                elif slot <= now:
                    break
                await asyncio.sleep(slot - now)
            self._previous_send = now
            self._in_flight += 1
