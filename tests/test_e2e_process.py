"""The real `python bot.py` process against the local HTTP Bot API emulator on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit.emulator import BotApiEmulator, first_button, to_chat
from testkit.process import TOKEN, BotProcess, run_bot

pytestmark = pytest.mark.process

ADMIN = 100
NEWCOMER = 200


@pytest.fixture
def emulator() -> Iterator[BotApiEmulator]:
    with BotApiEmulator(token=TOKEN) as emu:
        yield emu


def test_invite_and_start_in_traditional_chinese(emulator: BotApiEmulator, tmp_path: Path) -> None:
    bot = BotProcess.start(emulator, tmp_path / "rapport.db", tmp_path / "bot.log",
                           RAPPORT_ADMIN_IDS=str(ADMIN))
    try:
        emulator.push_text(ADMIN, "/invite", language_code="en", first_name="Hung")
        question = emulator.wait_for(to_chat(ADMIN, "Who is the invite for?"), timeout=20)
        data = first_button(question, "Relationship manager")
        emulator.push_callback(ADMIN, data, emulator.last_sent_message(ADMIN))
        link_call = emulator.wait_for(to_chat(ADMIN, "?start="))
        code = str(link_call.params["text"]).split("?start=")[1].split()[0]

        emulator.push_text(NEWCOMER, f"/start {code}", language_code="zh-hant",
                           first_name="美玲")
        welcome = emulator.wait_for(to_chat(NEWCOMER, "歡迎使用 Rapport，美玲"))
        assert "<" not in str(welcome.params["text"])
        menus = [c for c in emulator.calls("setMyCommands")
                 if "200" in str(c.params.get("scope"))]
        assert menus, "the newcomer's command menu was not set"

        emulator.push_callback(NEWCOMER, first_button(welcome, "Tiếng Việt"),
                               emulator.last_sent_message(NEWCOMER), language_code="zh-hant")
        emulator.wait_for(to_chat(NEWCOMER, "múi giờ"))

        emulator.push_text(9999, "/help", language_code="vi")
        emulator.wait_for(to_chat(9999, "chỉ dành cho cán bộ ngân hàng"))
    finally:
        status = bot.stop()
    output = bot.output()
    assert status == 0, output
    assert "Traceback" not in output, output


def test_missing_token_is_one_clear_line(tmp_path: Path) -> None:
    result = run_bot(cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith("rapport: TELEGRAM_BOT_TOKEN")
