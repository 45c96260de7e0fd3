"""Everything the bot does on its own schedule, on PTB's JobQueue (APScheduler underneath).

The database is the only record of what is due; the scheduler only runs periodic ticks that
read it, so nothing is lost on a restart and no job store is shared between processes.
"""

from __future__ import annotations

import os
import socket
import time
from datetime import timedelta

from telegram import Bot

from core.context import BotData, Ctx, RapportApp, Services
from scheduler.agenda import queue_agendas
from scheduler.care import apply_care_rules
from scheduler.dispatcher import Dispatcher
from scheduler.group_posts import GroupPoster
from scheduler.housekeeping import leave_groups_tick, tidy_up
from scheduler.rate_gate import RateGate
from scheduler.review import queue_reviews

DISPATCH_EVERY = timedelta(seconds=1)


class Sending:
    """This process's sending side: the reminder dispatcher and the group poster, through one
    rate gate. Made at the first tick, once the services are open; stopped at shut-down."""

    def __init__(self, bot: Bot, services: Services) -> None:
        worker = f"{socket.gethostname()}:{os.getpid()}"
        self.gate = RateGate(services.storage, services.clock, worker)
        self.dispatcher = Dispatcher(bot, services.storage, services.clock,
                                     services.settings.default_language, gate=self.gate)
        self.poster = GroupPoster(bot, services.storage, services.clock, worker, self.gate)

    async def stop(self) -> None:
        """Let the sends under way finish (briefly), then hand the rate share back."""
        await self.dispatcher.stop()
        await self.gate.leave()


class Scheduler:
    """The ticks that send (reminders every second, group posts every few seconds) and the
    sending side they drive, which needs the services: made at start-up, stopped at
    shut-down before the database closes."""

    def __init__(self, bot: Bot, data: BotData) -> None:
        self.bot = bot
        self.data = data
        self._sending: Sending | None = None

    async def start(self) -> None:
        services = self.data.services
        if services is None:
            raise RuntimeError("the scheduler starts once the services are open")
        self._sending = Sending(self.bot, services)

    async def stop(self) -> None:
        sending, self._sending = self._sending, None
        if sending is not None:
            await sending.stop()

    @property
    def sending(self) -> Sending:
        if self._sending is None:
            raise RuntimeError("the scheduler was not started")
        return self._sending

    async def dispatch_due(self, context: Ctx) -> None:
        """Start sending due reminders (a drain already running is left to finish)."""
        context.bot_data.dispatch_ticked_at = time.monotonic()
        dispatcher = self.sending.dispatcher
        await dispatcher.heartbeat()
        dispatcher.kick()

    async def dispatch_posts(self, context: Ctx) -> None:
        """Send the group posts that are due and within each group's per-minute allowance."""
        await self.sending.poster.drain()


async def agenda_tick(context: Ctx) -> None:
    """Queue the daily agendas whose time has come."""
    await queue_agendas(context.storage, context.clock.now())


async def review_tick(context: Ctx) -> None:
    """Queue the weekly reviews whose time has come (once per team and week)."""
    await queue_reviews(context.storage, context.clock.now())


async def care_tick(context: Ctx) -> None:
    """Create the reminders the care rules call for."""
    await apply_care_rules(context.storage, context.clock.now())


def schedule_jobs(application: RapportApp) -> Scheduler:
    """Register the periodic ticks (they run once the application starts); the scheduler
    returned is to be started once the services are open, and stopped before they close."""
    job_queue = application.job_queue
    if job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    scheduler = Scheduler(application.bot, application.bot_data)
    # The first sweep right after start-up delivers what came due while the bot was down.
    job_queue.run_repeating(scheduler.dispatch_due, interval=DISPATCH_EVERY,
                            first=timedelta(seconds=1), name="dispatch")
    job_queue.run_repeating(scheduler.dispatch_posts, interval=timedelta(seconds=3),
                            first=timedelta(seconds=2), name="group-posts")
    job_queue.run_repeating(agenda_tick, interval=timedelta(minutes=1),
                            first=timedelta(seconds=5), name="agenda")
    job_queue.run_repeating(review_tick, interval=timedelta(minutes=1),
                            first=timedelta(seconds=15), name="weekly-review")
    job_queue.run_repeating(care_tick, interval=timedelta(minutes=15),
                            first=timedelta(seconds=10), name="care-rules")
    job_queue.run_repeating(leave_groups_tick, interval=timedelta(minutes=1),
                            first=timedelta(seconds=20), name="unlinked-groups")
    job_queue.run_repeating(tidy_up, interval=timedelta(hours=1), first=timedelta(minutes=1),
                            name="housekeeping")
    return scheduler
