"""Inline pitches through the real `python bot.py` process against the Bot API emulator:
`@bot vay mua nhà` lists catalog products in the RM's language, or in the customer's when the
query names one; strangers get nothing; no result ever carries anything about a customer; a
picked pitch is noted in the named customer's history."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from testkit.emulator import BotApiEmulator, Call, to_chat
from testkit.process import TOKEN, BotProcess

pytestmark = pytest.mark.process

ADMIN, STRANGER = 100, 999


@pytest.fixture
def emulator() -> Iterator[BotApiEmulator]:
    with BotApiEmulator(token=TOKEN) as emu:
        yield emu


def answer(emu: BotApiEmulator, query_id: str, timeout: float = 20) -> list[dict[str, Any]]:
    def answered(call: Call) -> bool:
        return (call.method == "answerInlineQuery"
                and call.params.get("inline_query_id") == query_id)

    call = emu.wait_for(answered, timeout=timeout)
    assert call.status == 200, call.description
    results = emu.inline_answer(query_id)
    assert results is not None
    return results


def wait_for_rows(db: Path, sql: str, expected: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with sqlite3.connect(db) as conn:
            count = conn.execute(sql).fetchone()[0]
        if count == expected or time.monotonic() > deadline:
            assert count == expected, sql
            return
        time.sleep(0.2)


def test_inline_pitches(emulator: BotApiEmulator, tmp_path: Path) -> None:
    db = tmp_path / "rapport.db"
    bot = BotProcess.start(emulator, db, tmp_path / "bot.log", RAPPORT_ADMIN_IDS=str(ADMIN),
                           RAPPORT_DEFAULT_LANGUAGE="vi")
    try:
        emulator.push_text(ADMIN, "/add Wang Wei 0901 234 567", language_code="vi")
        emulator.wait_for(to_chat(ADMIN, "Wang Wei"), timeout=30)
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE customers SET language = 'zh_Hans' WHERE name = 'Wang Wei'")

        # The RM's own language.
        results = answer(emulator, emulator.push_inline_query(ADMIN, "vay mua nhà",
                                                              language_code="vi"))
        assert [r["title"] for r in results] == ["Vay mua nhà"]
        pitch = results[0]["input_message_content"]["message_text"]
        assert "Vay mua nhà" in pitch and "Liên hệ tư vấn" in pitch

        # Naming a customer: their language, and nothing about them in the results.
        results = answer(emulator, emulator.push_inline_query(ADMIN, "vay mua nhà Wang Wei",
                                                              language_code="vi"))
        assert [r["title"] for r in results] == ["住房贷款"]
        shown = json.dumps(results, ensure_ascii=False)
        assert "Wang" not in shown and "234 567" not in shown
        assert all(r["id"].startswith("pitch:") and r["id"].count(":") == 1 for r in results)

        # Not staff: no results at all.
        assert answer(emulator, emulator.push_inline_query(STRANGER, "vay mua nhà")) == []

        # The RM sent the pitch to Wang Wei: noted in his history, once.
        emulator.push_chosen_inline_result(ADMIN, results[0]["id"], "vay mua nhà Wang Wei",
                                           language_code="vi")
        wait_for_rows(db, "SELECT COUNT(*) FROM interactions i JOIN customers c"
                          " ON c.id = i.customer_id WHERE c.name = 'Wang Wei'"
                          " AND i.kind = 'message'", 1)
    finally:
        bot.stop()
    assert "Traceback" not in bot.output(), bot.output()
