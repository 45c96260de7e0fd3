"""`python bot.py shell`, the terminal playground, run in-process on its own database."""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import _shell_application
from playground.shell import SHELL_DB, run_shell
from tests.conftest import make_settings


def _typing(lines: list[str]) -> Iterator[str]:
    yield from lines


async def _session(lines: list[str], monkeypatch: pytest.MonkeyPatch,
                   capsys: pytest.CaptureFixture[str]) -> str:
    """Run the shell until the typed lines run out; what it printed."""
    typed = _typing(lines)

    def fake_input(prompt: str = "") -> str:
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr(builtins, "input", fake_input)
    capsys.readouterr()
    assert await run_shell(make_settings(Path("unused.db")), _shell_application) == 0
    return capsys.readouterr().out


async def test_the_shell_remembers_you_after_a_restart(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A second session on the same data/shell.db answers its first messages: its update ids
    go on from the first session's, never from 1 again (those are dropped as handled)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RAPPORT_DB", raising=False)
    first = await _session(["/help", "/add Nguyễn Văn An 0901 234 567"], monkeypatch, capsys)
    assert first.count("🤖") >= 2, first
    second = await _session(["/help", "/find an"], monkeypatch, capsys)
    assert (tmp_path / SHELL_DB).exists()
    answers = second.split("🤖")[1:]
    assert len(answers) >= 2, second
    assert "Nguyễn Văn An" in second
