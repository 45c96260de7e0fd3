"""Business cards and shop signs: how well a photo becomes a prospect, per language.

    python bench/cardscan.py                 # 30 images per language (about 3 minutes idle)
    python bench/cardscan.py --per-language 8 --show   # fewer, and print each miss
    python bench/cardscan.py --worker        # through the worker process, as the bot reads

The images are made at run time (testkit/cardscan.py: cards and signs in Vietnamese,
Simplified and Traditional Chinese and English, turned, blurred, JPEG-compressed, at low
resolution). Each goes through the same code as a photo sent to the bot: the OCR engines
(core/ocr_worker.py, in this process unless ``--worker``) and the field rules
(domain/cardscan.py), the RM's market being the card's. It prints, per language, the share
of names read exactly, of phones found (exact E.164; a number taken that is not on the card
counts as a miss), of companies read exactly (case aside), and the seconds per image (wall
and CPU: the machine is shared, and CPU seconds do not grow with other people's load);
exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from domain.cardscan import Line
from testkit.cardscan import Reader, Score, evaluate, fonts_missing, in_process_reader, make_samples

TARGETS = {"name": 0.90, "phone": 0.95, "seconds": 2.0}


def worker_reader() -> tuple[Reader, Callable[[], float], Callable[[], None]]:
    """The real path: core.ocr's reader and its worker process (and that process's CPU)."""
    from core.ocr import TextReader

    reader = TextReader()
    loop = asyncio.new_event_loop()
    ticks = os.sysconf("SC_CLK_TCK")

    def read(data: bytes) -> list[Line]:
        return [Line.from_json(item) for item in loop.run_until_complete(reader.read(data))]

    def cpu() -> float:
        fields = Path(f"/proc/{reader.worker_pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime

    def close() -> None:
        loop.run_until_complete(reader.close())
        loop.close()

    return read, cpu, close


def report(scores: dict[str, Score]) -> bool:
    """Print the table; True when every target is met."""
    ok = True
    print(f"{'language':<9} {'images':>6} {'name exact':>11} {'phones':>8} {'company':>8} "
          f"{'s/image':>8} {'p95 s':>6} {'CPU s/image':>12}")
    for language, score in scores.items():
        mean = statistics.fmean(score.seconds)
        p95 = sorted(score.seconds)[max(0, round(0.95 * len(score.seconds)) - 1)]
        # The seconds target is checked on CPU seconds: on an otherwise idle machine the
        # wall time is at most that (ONNX Runtime uses both cores), while on this shared
        # machine the wall time mostly measures everyone else's work.
        met = (score.name_rate >= TARGETS["name"] and score.phone_rate >= TARGETS["phone"]
               and statistics.fmean(score.cpu_seconds) <= TARGETS["seconds"])
        ok = ok and met
        print(f"{language:<9} {score.images:>6} {score.name_rate:>10.0%} "
              f"{score.phone_rate:>8.0%} {score.company_rate:>8.0%} {mean:>8.2f} {p95:>6.2f}"
              f" {statistics.fmean(score.cpu_seconds):>12.2f}{'' if met else '  MISSED'}")
    print(f"targets: names >= {TARGETS['name']:.0%} exact per language, phones >= "
          f"{TARGETS['phone']:.0%}, <= {TARGETS['seconds']} CPU s per image; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return ok


def memory(photo: bytes) -> None:
    """Run bench/cardscan_memory.py in a process of its own and print its figures."""
    with tempfile.NamedTemporaryFile(suffix=".jpg") as file:
        file.write(photo)
        file.flush()
        out = subprocess.run([sys.executable, str(Path(__file__).with_name(
            "cardscan_memory.py")), file.name], capture_output=True, text=True, check=True)
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"bot resident after start-up: {figures['bot_started_mib']:.0f} MiB; after a photo "
          f"read: {figures['bot_after_photo_mib']:.0f} MiB; OCR worker while it lives: "
          f"{figures['worker_mib']:.0f} MiB, {figures['worker_peak_mib']:.0f} MiB at its peak "
          f"(it ends after 10 idle minutes)")
    print(f"first photo {figures['first_photo_seconds']:.1f} s (worker start included), "
          f"next {figures['next_photo_seconds']:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-language", type=int, default=30)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--worker", action="store_true",
                        help="read through the worker process, as the bot does")
    parser.add_argument("--show", action="store_true", help="print every miss")
    parser.add_argument("--save", type=Path, help="write the images to this folder")
    parser.add_argument("--memory", action="store_true",
                        help="also the bot's memory with and without a photo read")
    args = parser.parse_args()
    from core.ocr import missing

    reason = missing() or fonts_missing()
    if reason:
        print(f"cannot run: {reason}")
        return 2
    samples = make_samples(args.per_language, args.seed)
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        for i, sample in enumerate(samples):
            (args.save / f"{i:03d}-{sample.language}-{sample.condition}.jpg").write_bytes(
                sample.image)
    close: Callable[[], None] = lambda: None  # noqa: E731
    cpu: Callable[[], float] = time.process_time
    if args.worker:
        read, cpu, close = worker_reader()
    else:
        read = in_process_reader()
    read(samples[0].image)  # engines loaded before the clock starts
    try:
        scores = evaluate(samples, read, cpu)
    finally:
        close()
    ok = report(scores)
    if args.memory:
        memory(samples[0].image)
    if args.show:
        for score in scores.values():
            for miss in score.misses:
                print("  " + miss)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
