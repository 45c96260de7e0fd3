"""The alternative design, for comparison: one PTB ``job_queue.run_once`` job per reminder.

    python bench/run_once_jobs.py DB

Builds an Application (no network: the bot is never initialised), starts its JobQueue,
reads every pending reminder from DB and schedules one job each, as a bot keeping its
reminders in APScheduler would at start-up. Prints one JSON line: times and memory.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
import time
from datetime import datetime
from pathlib import Path

from telegram.ext import ApplicationBuilder, ContextTypes


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def remind(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Never runs here (every job is due in the future)."""


async def main(db: Path) -> dict[str, float]:
    started = time.perf_counter()
    application = ApplicationBuilder().token("123:ABC").build()
    job_queue = application.job_queue
    assert job_queue is not None
    await job_queue.start()
    ready = time.perf_counter()
    rss_empty = rss_kib()

    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT id, staff_id, text, due_at FROM reminders WHERE status = 'pending'").fetchall()
    conn.close()
    loaded = time.perf_counter()
    for reminder_id, staff_id, text, due_at in rows:
        job_queue.run_once(remind, when=datetime.fromisoformat(due_at), chat_id=staff_id,
                           data=text, name=f"reminder:{reminder_id}")
    scheduled = time.perf_counter()
    jobs = len(job_queue.jobs())
    listed = time.perf_counter()
    result = {
        "jobs": jobs,
        "build_and_start_s": ready - started,
        "load_rows_s": loaded - ready,
        "run_once_s": scheduled - loaded,
        "list_jobs_s": listed - scheduled,
        "rss_empty_mib": rss_empty / 1024,
        "rss_mib": rss_kib() / 1024,
    }
    await job_queue.stop(wait=False)
    return result


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(Path(sys.argv[1])))))
