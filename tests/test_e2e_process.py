"""The real `python bot.py` process against the local HTTP Bot API emulator on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.emulator import BotApiEmulator, Call

ROOT = Path(__file__).resolve().parent.parent
ADMIN = 100
NEWCOMER = 200


@pytest.fixture
def emulator() -> Iterator[BotApiEmulator]:
    with BotApiEmulator(token="123:ABC") as emu:
        yield emu


def start_bot(emu: BotApiEmulator, db: Path, **env: str) -> subprocess.Popen[str]:
    environment = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "RAPPORT_"))
    }
    environment.update({
        "TELEGRAM_BOT_TOKEN": "123:ABC",
        "TELEGRAM_API_URL": emu.url,
        "RAPPORT_DB": str(db),
        "RAPPORT_ADMIN_IDS": str(ADMIN),
        "RAPPORT_DEFAULT_LANGUAGE": "en",
        **env,
    })
    return subprocess.Popen(
        [sys.executable, str(ROOT / "bot.py")], cwd=db.parent, env=environment,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def stop_bot(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    try:
        output, _ = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output


def to_chat(chat_id: int, contains: str) -> Callable[[Call], bool]:
    def match(call: Call) -> bool:
        return (
            call.method in ("sendMessage", "editMessageText")
            and str(call.params.get("chat_id")) == str(chat_id)
            and contains in str(call.params.get("text", ""))
            and call.status == 200
        )
    return match


def first_button(call: Call, label: str) -> str:
    markup = call.params.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if label in button["text"]:
                return str(button["callback_data"])
    raise AssertionError(f"no button {label!r} in {markup}")


def test_invite_and_start_in_traditional_chinese(emulator: BotApiEmulator, tmp_path: Path) -> None:
    process = start_bot(emulator, tmp_path / "rapport.db")
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
        output = stop_bot(process)
    assert process.returncode == 0, output
    assert "Traceback" not in output, output


def test_missing_token_is_one_clear_line(tmp_path: Path) -> None:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "RAPPORT_"))
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "bot.py")], cwd=tmp_path, env=environment,
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith("rapport: TELEGRAM_BOT_TOKEN")
