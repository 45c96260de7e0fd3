"""The one error handler (handlers/errors.py) and a misbehaving Bot API: a failure is logged and
the user gets one apology in their language; 429s, 5xx, timeouts and a blocked bot are survived."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from telegram.error import NetworkError, RetryAfter, TimedOut

from bot import build_application, startup
from core import rate_limit
from core.clock import FrozenClock
from core.config import Settings
from core.i18n import LANGUAGE_NAMES
from playground.fake_api import FakeBotApi
from playground.fake_updates import Person, UpdateFactory
from tests.harness import Harness, close_harness, of, only_message, tr
from tests.staff import APOLOGY, HELP_TITLE, as_admin, visible_translation

# -- the error handler -------------------------------------------------------------------------


def _break_teams(bot: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken() -> list[Any]:
        raise RuntimeError("database is on fire")

    monkeypatch.setattr(bot.storage.teams, "list_all", broken)


def _error_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records
            if record.levelno >= logging.ERROR and record.name == "handlers.errors"]


@pytest.mark.parametrize("language", ["vi", "zh_Hans", "zh_Hant_TW", "zh_Hant_HK", "en"])
async def test_failure_is_logged_and_the_user_gets_an_apology(
    bot: Harness, admin: Person, language: str, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    visible_translation(language, APOLOGY)
    await as_admin(bot, admin)
    await bot.storage.staff.set_language(admin.id, language)
    _break_teams(bot, monkeypatch)
    with caplog.at_level(logging.WARNING):
        calls = await bot.send(admin, "/teams")
    message = only_message(calls)
    assert message.text == tr(language, APOLOGY)
    assert message.chat_id == admin.id and not message.buttons
    records = _error_records(caplog)
    assert len(records) == 1
    assert records[0].exc_info is not None and records[0].exc_info[0] is RuntimeError
    assert "database is on fire" in caplog.text
    # The application is still up.
    monkeypatch.undo()
    await bot.send(admin, "/newteam Bến Thành")
    assert tr(language, "<b>Teams</b>") in only_message(await bot.send(admin, "/teams")).text


async def test_failure_in_a_button_answers_the_button(
    bot: Harness, admin: Person, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await as_admin(bot, admin)
    await bot.send(admin, "/invite")
    _break_teams(bot, monkeypatch)
    with caplog.at_level(logging.WARNING):
        calls = await bot.press(admin, tr("vi", "Relationship manager"))
    answers = of(calls, "answerCallbackQuery")
    assert answers[-1].params["text"] == tr("vi", APOLOGY)
    assert answers[-1].params.get("show_alert") is True
    assert len(_error_records(caplog)) == 1


async def test_apology_reaches_the_chat_when_the_button_was_already_answered(
    bot: Harness, admin: Person, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A handler answers its button first; Telegram refuses a second answer to the same query."""
    await as_admin(bot, admin)
    await bot.send(admin, "/invite")

    async def broken() -> list[Any]:
        bot.api.fail_next("answerCallbackQuery", 400)  # the error handler's answer fails
        raise RuntimeError("database is on fire")

    monkeypatch.setattr(bot.storage.teams, "list_all", broken)
    with caplog.at_level(logging.WARNING):
        calls = await bot.press(admin, tr("vi", "Relationship manager"))
    assert of(calls, "sendMessage")[-1].text == tr("vi", APOLOGY)
    assert of(calls, "sendMessage")[-1].chat_id == admin.id

# -- a misbehaving Bot API ---------------------------------------------------------------------


async def _check_still_working(bot: Harness, person: Person, language: str) -> None:
    message = only_message(await bot.send(person, "/help"))
    assert tr(language, HELP_TITLE) in message.text


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
@pytest.mark.parametrize(
    ("arm", "error"),
    [
        (lambda api: api.fail_next("sendMessage", 500), NetworkError),
        (lambda api: api.fail_next("sendMessage", 502), NetworkError),
        (lambda api: api.fail_next("sendMessage", 429, retry_after=1), RetryAfter),
        (lambda api: api.time_out_next("sendMessage"), TimedOut),
    ],
    ids=["500", "502", "429", "timeout"],
)
async def test_api_failure_is_logged_and_the_bot_carries_on(
    bot: Harness, rm: Person, caplog: pytest.LogCaptureFixture, arm: Any, error: type
) -> None:
    await bot.register(rm, language="zh_Hans")
    arm(bot.api)
    with caplog.at_level(logging.WARNING):
        calls = await bot.send(rm, "/help")
    records = _error_records(caplog)
    assert len(records) == 1
    assert records[0].exc_info is not None
    assert records[0].exc_info[0] is not None and issubclass(records[0].exc_info[0], error)
    sends = of(calls, "sendMessage")
    assert len(sends) == 2  # the failed answer, then the apology
    assert sends[1].text == tr("zh_Hans", APOLOGY)
    await _check_still_working(bot, rm, "zh_Hans")


async def test_apology_that_cannot_be_sent_is_logged_too(
    bot: Harness, rm: Person, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.register(rm, language="vi")
    bot.api.fail_next("sendMessage", 500, count=2)
    with caplog.at_level(logging.WARNING):
        calls = await bot.send(rm, "/help")
    assert len(of(calls, "sendMessage")) == 2
    assert len(_error_records(caplog)) == 1
    assert "could not tell the user about the error" in caplog.text
    await _check_still_working(bot, rm, "vi")


async def test_blocked_bot_is_logged_without_an_apology(
    bot: Harness, rm: Person, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.register(rm, language="vi")
    bot.api.fail_next("sendMessage", 403)
    with caplog.at_level(logging.WARNING):
        calls = await bot.send(rm, "/help")
    assert len(of(calls, "sendMessage")) == 1  # no apology to someone who blocked us
    assert len(_error_records(caplog)) == 1
    await _check_still_working(bot, rm, "vi")


async def test_failed_button_answer_is_survived(
    bot: Harness, rm: Person, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.register(rm, language="en")
    await bot.send(rm, "/language")
    bot.api.time_out_next("answerCallbackQuery")
    with caplog.at_level(logging.WARNING):
        await bot.press(rm, LANGUAGE_NAMES["vi"])
    assert len(_error_records(caplog)) == 1
    await _check_still_working(bot, rm, "vi")


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_a_burst_of_429s_is_survived(
    bot: Harness, rm: Person, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.register(rm, language="en")
    bot.api.fail_next("sendMessage", 429, retry_after=1, count=5)
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            await bot.send(rm, "/help")
    assert len(_error_records(caplog)) == 3
    await _check_still_working(bot, rm, "en")


class _InstantAsyncio:
    """asyncio for the rate limiter, whose sleeps are recorded instead of waited for."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    async def sleep(self, delay: float) -> None:
        self.slept.append(delay)
        await asyncio.sleep(0)


async def test_production_rate_limiter_retries_a_429(
    settings: Settings, clock: FrozenClock, rm: Person, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    instant = _InstantAsyncio()
    monkeypatch.setattr(rate_limit, "asyncio", instant)
    api = FakeBotApi()
    app = build_application(settings, request=api, clock=clock, rate_limit=True)
    await app.initialize()
    await startup(app)
    limited = Harness(app=app, api=api, make=UpdateFactory(app.bot), clock=clock)
    try:
        await limited.register(rm, language="vi")
        api.fail_next("sendMessage", 429, retry_after=2)
        with caplog.at_level(logging.WARNING):
            calls = await limited.send(rm, "/help")
        sends = of(calls, "sendMessage")
        assert len(sends) == 2 and tr("vi", HELP_TITLE) in sends[1].text  # retried, delivered
        assert instant.slept and instant.slept[0] >= 2
        assert _error_records(caplog) == []
        # Past the retries, the error handler takes over and the apology goes out.
        api.fail_next("sendMessage", 429, retry_after=1, count=4)
        with caplog.at_level(logging.WARNING):
            calls = await limited.send(rm, "/help")
        assert of(calls, "sendMessage")[-1].text == tr("vi", APOLOGY)
        assert len(_error_records(caplog)) == 1
        await _check_still_working(limited, rm, "vi")
    finally:
        await close_harness(limited)
