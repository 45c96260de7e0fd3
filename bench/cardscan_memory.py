"""The bot's memory with and without a card photo read (run by ``bench/cardscan.py --memory``).

    python bench/cardscan_memory.py PHOTO.jpg

Builds the real Application (every handler, the scheduler's jobs, the database) on the fake
Bot API, as ``python bot.py`` does on the real one, registers an RM and prints, as JSON: the
bot process's resident memory after start-up, after a photo has been read into a draft, and
the OCR worker's while it lives; and the seconds the first photo (worker start included) and
a second one took. Imports nothing else, so the figures are the bot's own.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def rss_mib(pid: int | str = "self", field: str = "VmRSS") -> float:
    """Resident memory now (VmRSS) or at its highest (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field}")


async def measure(photo: bytes) -> dict[str, float]:
    from bot import build_application, shutdown, startup
    from core.config import load_settings
    from playground.fake_api import FakeBotApi
    from playground.fake_updates import Person, UpdateFactory

    folder = tempfile.mkdtemp(prefix="rapport-cardscan-")
    os.environ.update(TELEGRAM_BOT_TOKEN="123:BENCH", RAPPORT_DB=f"{folder}/rapport.db",
                      RAPPORT_ADMIN_IDS="1", RAPPORT_LOG_LEVEL="WARNING")
    api = FakeBotApi()
    app = build_application(load_settings(env_file=None), request=api, rate_limit=False)
    await app.initialize()
    await startup(app)
    make = UpdateFactory(app.bot)
    admin = Person(1, "Hùng", "Trần", language_code="vi")
    await app.process_update(make.message(admin, "/start"))
    figures = {"bot_started_mib": rss_mib()}
    for n, key in ((1, "first_photo_seconds"), (2, "next_photo_seconds")):
        api.files[f"card-{n}"] = photo
        started = time.perf_counter()
        await app.process_update(make.photo(admin, f"card-{n}"))
        tasks = [t for t in asyncio.all_tasks() if (t.get_name() or "").startswith("cardscan")]
        await asyncio.gather(*tasks)
        figures[key] = time.perf_counter() - started
    services = app.bot_data.services
    assert services is not None
    figures["bot_after_photo_mib"] = rss_mib()
    figures["worker_mib"] = rss_mib(services.ocr.worker_pid or 0)
    figures["worker_peak_mib"] = rss_mib(services.ocr.worker_pid or 0, "VmHWM")
    await shutdown(app)
    await app.shutdown()
    figures["bot_after_worker_stopped_mib"] = rss_mib()
    return {key: round(value, 2) for key, value in figures.items()}


if __name__ == "__main__":
    # The Application is driven without being started, as in the tests; the photo's
    # background reading is awaited above.
    warnings.filterwarnings("ignore", "Tasks created via `Application.create_task`")
    print(json.dumps(asyncio.run(measure(Path(sys.argv[1]).read_bytes()))))
