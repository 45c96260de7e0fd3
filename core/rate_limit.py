"""Telegram's sending limits, kept per chat: a chat that waits for its turn (a group's 20 a
minute, a private chat's one a second) holds up only its own messages.

PTB's AIORateLimiter paces a group with a bucket that lets 20 through and then one every three
seconds (Telegram answers the 21st within a minute with 429), paces no private chat, and halts
every chat's sending while it sleeps off any 429. Here each chat has a window of its own and
the bot-wide window is kept too, so a 429 is rare; one holds back only the chat it answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from core.update_queue import waiting_to_send

log = logging.getLogger(__name__)

JSON = bool | dict[str, Any] | list[dict[str, Any]]


class Window:
    """At most ``limit`` sends in any ``seconds``: a send waits for its place in line."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self.sent: deque[float] = deque()
        self.hold_until = 0.0
        self.lock = asyncio.Lock()
        # One request at a time, retries included: the chat's messages leave in order.
        self.turn = asyncio.Lock()

    async def take(self) -> None:
        async with self.lock:  # first come, first served
            while True:
                now = time.monotonic()
                while self.sent and self.sent[0] <= now - self.seconds:
                    self.sent.popleft()
                until = self.hold_until
                if len(self.sent) >= self.limit:
                    until = max(until, self.sent[0] + self.seconds)
                if until <= now:
                    self.sent.append(now)
                    return
                await asyncio.sleep(until - now)

    def must_wait(self) -> bool:
        now = time.monotonic()
        recent = sum(1 for sent in self.sent if sent > now - self.seconds)
        return (self.turn.locked() or self.lock.locked() or self.hold_until > now
                or recent >= self.limit)

    def hold(self, seconds: float) -> None:
        self.hold_until = max(self.hold_until, time.monotonic() + seconds)

    def idle(self, now: float) -> bool:
        return (not self.turn.locked() and not self.lock.locked() and self.hold_until <= now
                and (not self.sent or self.sent[-1] <= now - self.seconds))


def _sends_a_message(endpoint: str) -> bool:
    return endpoint.startswith(("send", "edit", "copy", "forward")) and endpoint != "sendChatAction"


class ChatRateLimiter(BaseRateLimiter[int]):
    """Telegram's limits: 30 messages a second bot-wide, 20 a minute in a group, and bursts of
    3 then one a second in a private chat; a 429 is retried ``max_retries`` times."""

    # A little over Telegram's windows: its clock counts arrivals, ours departures.
    OVERALL = (30, 1.05)
    GROUP = (20, 61.0)
    PRIVATE = (3, 3.15)

    def __init__(self, max_retries: int = 3) -> None:
        self.max_retries = max_retries
        self.overall = Window(*self.OVERALL)
        self.chats: dict[int | str, Window] = {}
        self._last_sweep = time.monotonic()

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def _window(self, chat_id: int | str) -> Window:
        now = time.monotonic()
        if now - self._last_sweep > 60:
            self._last_sweep = now
            for idle in [chat for chat, window in self.chats.items() if window.idle(now)]:
                del self.chats[idle]
        window = self.chats.get(chat_id)
        if window is None:
            private = isinstance(chat_id, int) and chat_id > 0
            window = self.chats[chat_id] = Window(*(self.PRIVATE if private else self.GROUP))
        return window

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSON:
        chat_id = data.get("chat_id")
        if chat_id is None or not _sends_a_message(endpoint):
            return await callback(*args, **kwargs)
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)
        chat = self._window(chat_id)
        retries = rate_limit_args or self.max_retries
        if chat.must_wait():
            waiting_to_send()
        async with chat.turn:
            for attempt in range(retries + 1):
                # The chat's turn first, so waiting for it never holds a bot-wide place.
                await chat.take()
                await self.overall.take()
                if chat.sent:  # counted from when it leaves, after the bot-wide wait
                    chat.sent[-1] = time.monotonic()
                try:
                    return await callback(*args, **kwargs)
                except RetryAfter as error:
                    if attempt == retries:
                        raise
                    pause = error._retry_after.total_seconds() + 0.1
                    log.info("Telegram asked to wait %.1f s before sending to a chat again",
                             pause)
                    chat.hold(pause)
        raise AssertionError("unreachable")
