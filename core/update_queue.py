"""Updates in hand: confirmed to Telegram only once handled, and claimed by id in the database
before they are handled, so that whichever process gets an update, it is handled once.

The claim itself is the first gate (handlers/access.py); this module holds what PTB runs
around the handlers: ``RapportApplication.process_update`` finishes the claim once every
handler is done with the update (or lets it lapse if one failed), and renews the leases of
the claims it holds while their updates are being handled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)

# A claim is a lease: renewed while the update is being handled, taken over once it lapses
# (the process holding it died; on this host, at once: see ``gone``).
LEASE = timedelta(seconds=20)
RENEW_EVERY = 5.0


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


_claim: ContextVar[Claim | None] = ContextVar("update_claim", default=None)


def current_claim() -> Claim | None:
    return _claim.get()


class HandledQueue(asyncio.Queue[object]):
    """An update queue whose ``put`` returns once every queued update has been handled.

    PTB's poller confirms a batch to Telegram (the next getUpdates offset) as soon as ``put``
    returned for each update, and its webhook answers Telegram 200 at the same moment; with a
    plain queue, a process killed mid-burst loses every update fetched but not yet handled.
    Waiting here means Telegram delivers those again; the update log drops the ones done.
    """

    async def put(self, item: object) -> None:
        await super().put(item)
        await self.join()


class RapportApplication(Application):
    """PTB's Application, settling each update's claim once its handlers are done."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._held: dict[int, Claim] = {}
        self._renewer: asyncio.Task[None] | None = None

    async def process_update(self, update: object) -> None:
        claim = Claim(update.update_id) if isinstance(update, Update) else None
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
                if claim.mine:
                    await self._settle(claim)

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
