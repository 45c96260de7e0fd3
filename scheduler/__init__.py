"""Everything the bot does on its own schedule, on PTB's JobQueue (APScheduler underneath).

The database is the only record of what is due; the scheduler only runs periodic ticks that
read it, so nothing is lost on a restart and no job store is shared between processes.
"""

from __future__ import annotations

from datetime import timedelta

from core.context import RapportApp
from scheduler.housekeeping import tidy_up


def schedule_jobs(application: RapportApp) -> None:
    """Register the periodic ticks; they start with the application."""
    job_queue = application.job_queue
    if job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    job_queue.run_repeating(
        tidy_up, interval=timedelta(hours=1), first=timedelta(minutes=1), name="housekeeping"
    )
