"""The update queue: PTB confirms an update to Telegram only once it was handled."""

from __future__ import annotations

import asyncio


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
