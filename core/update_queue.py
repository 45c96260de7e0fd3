"""Updates in hand: handled concurrently across chats and in order within each chat, confirmed
to Telegram only once handled, and claimed by id in the database before they are handled, so
that whichever process gets an update, it is handled once.

The claim itself is the first gate (handlers/access.py); this module holds what PTB runs
around the handlers: ``RapportApplication.process_update`` finishes the claim once every
handler is done with the update (or lets it lapse if one failed), and renews the leases of
the claims it holds while their updates are being handled.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from telegram import Bot, Update
from telegram.constants import ChatType
from telegram.ext import Application, BaseUpdateProcessor, Updater

from core.budgets import Budget

log = logging.getLogger(__name__)

# A claim is a lease: renewed while the update is being handled, taken over once it lapses
# (the process holding it died; on this host, at once: see ``gone``).
LEASE = timedelta(seconds=20)
RENEW_EVERY = 5.0
# Updates in hand at once, waiting for their chat's turn included: polling has at most 100
# (one getUpdates batch) and a webhook 40 (Telegram's connections) per replica.
CONCURRENT_UPDATES = 1024


def this_worker() -> str:
    """This process among the replicas: host:pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


def gone(holder: str) -> bool:
    """A worker on this host whose process no longer exists (killed, restarted)."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or holder == this_worker():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # someone else's process: alive
        return False
    return False


@dataclass
class Claim:
    """The update being handled, as the claim gate left it: ``mine`` once this process holds
    its claim, ``failed`` once a handler raised."""

    update_id: int
    mine: bool = False
    failed: bool = False
    # Called once the update's handler only waits for its chat's turn to send.
    only_sending: Callable[[], None] | None = None
    # Its writes committed with a confirmation to send again should it be delivered again.
    kept_answer: bool = False


_claim: ContextVar[Claim | None] = ContextVar("update_claim", default=None)


def current_claim() -> Claim | None:
    return _claim.get()


# Ends the current update's turn in its chat (ChatOrder), early.
_end_turn: ContextVar[Callable[[], None] | None] = ContextVar("chat_turn", default=None)


def waiting_to_send() -> None:
    """The update being handled now waits for its chat's turn to send a reply (what it wrote
    is written). Unless it kept a confirmation (a note stored, say: that one is confirmed to
    Telegram only once it went out, so that a crash has it delivered and answered again), it
    may be confirmed now, so that a chat waiting long for its turn (a group at its 20 a minute,
    someone sending faster than one a second) does not hold back the confirmation of the
    updates polled after it; a crash before its reply leaves loses only that reply. Either
    way the chat's next update is handled meanwhile: its replies queue behind this one's in
    the chat's turn to send."""
    claim = _claim.get()
    if claim is not None and claim.only_sending is not None and not claim.kept_answer:
        claim.only_sending()
    end_turn = _end_turn.get()
    if end_turn is not None:
        end_turn()


class HandledQueue(asyncio.Queue[object]):
    """The update queue, which knows which updates are still in hand.

    A webhook's ``put`` returns (and Telegram gets its 200) once that update has been handled.
    Polling confirms a batch by asking for the next offset, so the poller
    (:class:`ConfirmingUpdater`) never asks past the first update still in hand: a process
    killed mid-burst gets every update it had not finished again, and the update log drops
    the ones done. Asking from there returns the updates in hand again: ``put`` skips them.
    """

    def __init__(self) -> None:
        super().__init__()
        self.polling = False
        self._in_hand: dict[int, asyncio.Future[None]] = {}
        # In hand, but only waiting for their chat's turn to send: may be confirmed.
        self._sending: set[int] = set()
        # Handled, and perhaps polled again: from the offset last asked for on.
        self._done: set[int] = set()
        self._progress = asyncio.Event()

    def first_in_hand(self) -> int | None:
        """The first update that may not be confirmed yet."""
        return min((update_id for update_id in self._in_hand if update_id not in self._sending),
                   default=None)

    def only_sending(self, update_id: int) -> None:
        done = self._in_hand.get(update_id)
        if done is None or update_id in self._sending:
            return
        self._sending.add(update_id)
        if not done.done():
            done.set_result(None)
        self._progress.set()

    def asking_from(self, offset: int) -> None:
        """The poller asks Telegram for the updates from ``offset`` on."""
        self._done = {done for done in self._done if done >= offset}

    def is_new(self, update_id: int) -> bool:
        return update_id not in self._in_hand and update_id not in self._done

    async def progress(self, timeout: float) -> None:
        """Until an update is handled, or ``timeout`` seconds."""
        self._progress.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._progress.wait(), timeout)

    async def put(self, item: object) -> None:
        if not isinstance(item, Update):
            await super().put(item)
            return
        update_id = item.update_id
        if not self.is_new(update_id):
            return
        done = asyncio.get_running_loop().create_future()
        self._in_hand[update_id] = done
        await super().put(item)
        if not self.polling:
            await asyncio.shield(done)

    def handled(self, update_id: int) -> None:
        """The update's handlers are all done (or failed): it may be confirmed."""
        done = self._in_hand.pop(update_id, None)
        self._sending.discard(update_id)
        if done is None:
            return
        if not done.done():
            done.set_result(None)
        if self.polling:
            self._done.add(update_id)
        self._progress.set()


# While every update Telegram holds is one in hand, how often to ask for new ones at most.
REPOLL_EVERY = 0.05


class ConfirmingUpdater(Updater):
    """PTB's poller, asking Telegram for updates from the first one still in hand (asking
    from an offset confirms every update before it)."""

    __slots__ = ("_polled_to",)

    @property
    def _last_update_id(self) -> int:
        queue = self.update_queue
        if not isinstance(queue, HandledQueue):
            return self._polled_to
        first = queue.first_in_hand()
        offset = self._polled_to if first is None else min(first, self._polled_to)
        # Read just before each getUpdates: what it returns starts there.
        queue.asking_from(offset)
        return offset

    @_last_update_id.setter
    def _last_update_id(self, value: int) -> None:
        self._polled_to = value

    async def start_polling(self, *args: Any, **kwargs: Any) -> asyncio.Queue[object]:
        if isinstance(self.update_queue, HandledQueue):
            self.update_queue.polling = True
            self.bot = cast(Bot, _PollingBot(self.bot, self.update_queue, self))
        return await super().start_polling(*args, **kwargs)

    async def stop(self) -> None:
        await super().stop()
        if isinstance(self.bot, _PollingBot):
            self.bot = self.bot.bot


class _PollingBot:
    """The bot as the poller sees it: updates already in hand are not returned again, and
    while Telegram holds no others, asking again waits for one in hand to be done."""

    def __init__(self, bot: Bot, queue: HandledQueue, updater: ConfirmingUpdater) -> None:
        self.bot = bot
        self.queue = queue
        self.updater = updater

    def __getattr__(self, name: str) -> Any:
        return getattr(self.bot, name)

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        while True:
            updates = await self.bot.get_updates(*args, **kwargs)
            fresh = tuple(update for update in updates if self.queue.is_new(update.update_id))
            if fresh or not updates or not self.updater.running:
                return fresh
            await self.queue.progress(REPOLL_EVERY)
            kwargs["offset"] = self.updater._last_update_id


def chat_of(update: object) -> int | None:
    """Whose updates must be handled in order: the chat's (an inline query's user's)."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None


def _budgeted(update: Update) -> bool:
    """What someone sends (not what happens to the bot, like being added to a group)."""
    return (update.message is not None or update.edited_message is not None
            or update.callback_query is not None or update.inline_query is not None)


class ChatOrder(BaseUpdateProcessor):
    """Different chats' updates at the same time, each chat's one after another in the order
    they came: a chat that floods, or waits for its turn to be answered, holds up only
    itself. What a user or a group sends beyond their budget is dropped before it waits for
    its turn (so it is not in hand, holding back the poller's confirmations, meanwhile)."""

    def __init__(self, queue: HandledQueue, *, user: Budget | None = None,
                 group: Budget | None = None,
                 max_concurrent_updates: int = CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self.queue = queue
        self.budgets = (user, group)
        # Staff the access gate has recognised: their own budget never drops what they send
        # (an RM forwarding a chat's history sends a hundred messages in seconds, and every
        # one is a note to keep). Their groups still have the group's budget.
        self._staff: set[int] = set()
        self._turns: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    def know_staff(self, user_id: int, staff: bool) -> None:
        """Record what the access gate found: whether this user is active staff."""
        if staff:
            self._staff.add(user_id)
        else:
            self._staff.discard(user_id)

    def _within_budget(self, update: object) -> bool:
        if not isinstance(update, Update) or not _budgeted(update):
            return True
        user_budget, group_budget = self.budgets
        user, chat = update.effective_user, update.effective_chat
        if (user_budget is not None and user is not None and user.id not in self._staff
                and not user_budget.spend(user.id)):
            return False
        return (group_budget is None or chat is None or chat.type == ChatType.PRIVATE
                or group_budget.spend(chat.id))

    async def do_process_update(self, update: object, coroutine: Any) -> None:
        if not self._within_budget(update):
            coroutine.close()
            if isinstance(update, Update):
                self.queue.handled(update.update_id)
            return
        chat = chat_of(update)
        if chat is None:
            await coroutine
            return
        turn = self._turns.setdefault(chat, asyncio.Lock())
        self._waiting[chat] = self._waiting.get(chat, 0) + 1
        ended = False

        def end_turn() -> None:
            nonlocal ended
            if not ended:
                ended = True
                turn.release()

        try:
            await turn.acquire()
            token = _end_turn.set(end_turn)
            try:
                await coroutine
            finally:
                _end_turn.reset(token)
                end_turn()
        finally:
            self._waiting[chat] -= 1
            if not self._waiting[chat]:
                del self._waiting[chat], self._turns[chat]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


class RapportApplication(Application):
    """PTB's Application, settling each update's claim once its handlers are done."""

    def __init__(self, **kwargs: Any) -> None:
        updater = kwargs.get("updater")
        if updater is not None and not isinstance(updater, ConfirmingUpdater):
            kwargs["updater"] = ConfirmingUpdater(updater.bot, updater.update_queue)
        super().__init__(**kwargs)
        self._held: dict[int, Claim] = {}
        self._renewer: asyncio.Task[None] | None = None

    async def process_update(self, update: object) -> None:
        claim = Claim(update.update_id) if isinstance(update, Update) else None
        if claim is not None and isinstance(self.update_queue, HandledQueue):
            claim.only_sending = functools.partial(self.update_queue.only_sending,
                                                   claim.update_id)
        token = _claim.set(claim)
        if claim is not None:
            self._held[claim.update_id] = claim
            if self._renewer is None or self._renewer.done():
                self._renewer = asyncio.create_task(self._renew_leases())
        try:
            await super().process_update(update)
        finally:
            _claim.reset(token)
            if claim is not None:
                self._held.pop(claim.update_id, None)
                try:
                    if claim.mine:
                        await self._settle(claim)
                finally:
                    if isinstance(self.update_queue, HandledQueue):
                        self.update_queue.handled(claim.update_id)

    async def _settle(self, claim: Claim) -> None:
        services = self.bot_data.services
        if services is None:
            return
        updates = services.storage.updates
        try:
            if claim.failed:
                await updates.release(claim.update_id, self.bot_data.worker)
                # A writing button pressed in this update may be pressed again.
                await services.storage.presses.release(claim.update_id)
            else:
                await updates.finish(claim.update_id, self.bot_data.worker)
        except Exception:  # the database may be what failed; the lease lapses anyway
            log.warning("could not settle the claim of update %s", claim.update_id,
                        exc_info=True)

    async def _renew_leases(self) -> None:
        """While this process handles updates it claimed, keep their leases from lapsing."""
        while self._held:
            await asyncio.sleep(RENEW_EVERY)
            services = self.bot_data.services
            mine = sorted(update_id for update_id, claim in self._held.items() if claim.mine)
            if services is None or not mine:
                continue
            with contextlib.suppress(Exception):  # the next round tries again
                await services.storage.updates.renew(mine, self.bot_data.worker,
                                                     services.clock.now() + LEASE)
