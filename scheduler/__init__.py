"""Everything the bot does on its own schedule, on PTB's JobQueue (APScheduler underneath).

The database is the only record of what is due; the scheduler only runs periodic ticks that
read it, so nothing is lost on a restart and no job store is shared between processes.
"""

from __future__ import annotations

import time
from datetime import timedelta

from core.context import Ctx, RapportApp
from scheduler.agenda import queue_agendas
from scheduler.care import apply_care_rules
from scheduler.dispatcher import Dispatcher
from scheduler.group_posts import GroupPoster
from scheduler.housekeeping import tidy_up
from scheduler.review import queue_reviews

DISPATCH_EVERY = timedelta(seconds=1)


def _dispatcher(context: Ctx) -> Dispatcher:
    dispatcher = context.bot_data.dispatcher
    if dispatcher is None:
        services = context.services
        dispatcher = Dispatcher(context.bot, services.storage, services.clock,
                                services.settings.default_language)
        context.bot_data.dispatcher = dispatcher
    assert isinstance(dispatcher, Dispatcher)
    return dispatcher


def _poster(context: Ctx) -> GroupPoster:
    dispatcher = _dispatcher(context)
    poster = getattr(dispatcher, "group_poster", None)
    if poster is None:
        poster = GroupPoster(context.bot, context.storage, context.clock, dispatcher.worker,
                             dispatcher.paced)
        dispatcher.group_poster = poster  # type: ignore[attr-defined]
    assert isinstance(poster, GroupPoster)
    return poster


async def dispatch_due(context: Ctx) -> None:
    """Start sending due reminders (a drain already running is left to finish)."""
    context.bot_data.dispatch_ticked_at = time.monotonic()
    dispatcher = _dispatcher(context)
    await dispatcher.heartbeat()
    dispatcher.kick()


async def dispatch_posts(context: Ctx) -> None:
    """Send the group posts that are due and within each group's per-minute allowance."""
    await _poster(context).drain()


async def agenda_tick(context: Ctx) -> None:
    """Queue the daily agendas whose time has come."""
    await queue_agendas(context.storage, context.clock.now())


async def review_tick(context: Ctx) -> None:
    """Queue the weekly reviews whose time has come (once per team and week)."""
    await queue_reviews(context.storage, context.clock.now())


async def care_tick(context: Ctx) -> None:
    """Create the reminders the care rules call for."""
    await apply_care_rules(context.storage, context.clock.now())


def schedule_jobs(application: RapportApp) -> None:
    """Register the periodic ticks; they start with the application."""
    job_queue = application.job_queue
    if job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    # The first sweep right after start-up delivers what came due while the bot was down.
    job_queue.run_repeating(dispatch_due, interval=DISPATCH_EVERY, first=timedelta(seconds=1),
                            name="dispatch")
    job_queue.run_repeating(dispatch_posts, interval=timedelta(seconds=3),
                            first=timedelta(seconds=2), name="group-posts")
    job_queue.run_repeating(agenda_tick, interval=timedelta(minutes=1),
                            first=timedelta(seconds=5), name="agenda")
    job_queue.run_repeating(review_tick, interval=timedelta(minutes=1),
                            first=timedelta(seconds=15), name="weekly-review")
    job_queue.run_repeating(care_tick, interval=timedelta(minutes=15),
                            first=timedelta(seconds=10), name="care-rules")
    job_queue.run_repeating(tidy_up, interval=timedelta(hours=1), first=timedelta(minutes=1),
                            name="housekeeping")
