"""Updates in hand (core/update_queue.py): different chats at the same time, each chat in order,
confirmed only once handled; sending paced per chat (core/rate_limit.py)."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from core.clock import FrozenClock
from core.config import Settings
from core.rate_limit import ChatRateLimiter
from core.update_queue import HandledQueue
from playground.fake_updates import Person
from testkit.emulator import BotApiEmulator, RateLimits, to_chat
from testkit.process import TOKEN, BotProcess
from tests.harness import Harness, close_harness, open_harness

FLOODER = Person(2002, "Minh", "Lê", username="minh_rm", language_code="en")
OTHER = Person(2003, "Hoa", "Phạm", username="hoa_rm", language_code="en")
SLOW = 0.25  # each answer to the flooding chat (Telegram making it wait its turn)


async def _push(bot: Harness, update: Update) -> asyncio.Task[None]:
    """Put the update on the queue as the webhook does (put returns once it is handled)."""
    task = asyncio.create_task(bot.app.update_queue.put(update))
    await asyncio.sleep(0)
    return task


async def _answered(bot: Harness, chat_id: int, count: int, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while len(bot.api.messages(chat_id)) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{chat_id}: {bot.api.texts(chat_id)}")
        await asyncio.sleep(0.01)
    return time.monotonic()


@pytest.fixture
async def running(bot: Harness, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The bot's Application handling its update queue, with answers to FLOODER slow."""
    await bot.register(FLOODER, language="en")
    await bot.register(OTHER, language="en")
    real = bot.api.do_request

    async def slow_for_flooder(url: str, method: str, request_data: Any = None,
                               *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        params = request_data.parameters if request_data else {}
        if url.endswith("/sendMessage") and params.get("chat_id") == FLOODER.id:
            await asyncio.sleep(SLOW)
        return await real(url, method, request_data, *args, **kwargs)

    monkeypatch.setattr(bot.api, "do_request", slow_for_flooder)
    await bot.app.start()
    yield bot
    await bot.app.stop()


async def test_a_flooding_chat_does_not_delay_another_chats_reply(running: Harness) -> None:
    bot = running
    flood = [await _push(bot, bot.make.message(FLOODER, f"/find zzq{n}")) for n in range(12)]
    started = time.monotonic()
    other = await _push(bot, bot.make.message(OTHER, "/find zzqother"))
    answered = await _answered(bot, OTHER.id, 1, timeout=10)
    # Handled one at a time, the other chat's reply would wait for 12 slow answers (3 s).
    assert answered - started < 1.0
    assert len(bot.api.messages(FLOODER.id)) < 12
    await asyncio.gather(other, *flood)
    # The flooding chat's own updates were handled one after another, in the order sent.
    texts = bot.api.texts(FLOODER.id)
    assert [f"zzq{n}" in text for n, text in enumerate(texts)] == [True] * 12


async def test_put_returns_once_its_update_is_handled(running: Harness) -> None:
    bot = running
    queue = bot.app.update_queue
    assert isinstance(queue, HandledQueue)
    await queue.put(bot.make.message(FLOODER, "/find zzqhandled"))
    # The webhook answers Telegram only now: the reply left before.
    assert "zzqhandled" in bot.api.texts(FLOODER.id)[-1]
    assert queue.first_in_hand() is None


async def test_polling_confirms_only_up_to_the_first_update_in_hand(running: Harness) -> None:
    bot = running
    queue = bot.app.update_queue
    assert isinstance(queue, HandledQueue) and bot.app.updater is not None
    updater = bot.app.updater
    queue.polling = True
    try:
        slow = bot.make.message(FLOODER, "/find zzqslow")
        fast = bot.make.message(OTHER, "/find zzqfast")
        await queue.put(slow)
        await queue.put(fast)
        updater._last_update_id = fast.update_id + 1  # what PTB's poller sets after a batch
        await _answered(bot, OTHER.id, 1, timeout=5)
        # The other chat's update is done, the slow one is not: asking from the slow one's id
        # confirms nothing unhandled, and it comes back again without being handled twice.
        assert updater._last_update_id == slow.update_id
        await queue.put(slow)
        await queue.put(fast)
        await _answered(bot, FLOODER.id, 1, timeout=5)
        await asyncio.sleep(0.1)
        assert updater._last_update_id == fast.update_id + 1
        assert len(bot.api.texts(FLOODER.id)) == 1 and len(bot.api.texts(OTHER.id)) == 1
    finally:
        queue.polling = False


async def test_a_chat_waits_its_own_turn_without_holding_back_others() -> None:
    limiter = ChatRateLimiter()
    sent: list[tuple[int, float]] = []

    async def send(chat_id: int) -> bool:
        sent.append((chat_id, time.monotonic()))
        return True

    start = time.monotonic()
    # A private chat: a burst of 3, then one a second; the other chat is not held back.
    busy = [asyncio.create_task(limiter.process_request(send, (1,), {}, "sendMessage",
                                                        {"chat_id": 1}, None))
            for _ in range(5)]
    await asyncio.sleep(0.05)
    await limiter.process_request(send, (2,), {}, "sendMessage", {"chat_id": 2}, None)
    assert sent[-1][0] == 2 and sent[-1][1] - start < 0.5
    await asyncio.gather(*busy)
    times = [at for chat, at in sent if chat == 1]
    assert times[3] - times[0] >= ChatRateLimiter.PRIVATE[1] - 0.01


@pytest.mark.process
def test_the_real_bot_answers_another_chat_while_one_floods(tmp_path: Path) -> None:
    with BotApiEmulator(token=TOKEN, limits=RateLimits()) as emu:
        bot = BotProcess.start(emu, tmp_path / "rapport.db", tmp_path / "bot.log",
                               RAPPORT_ADMIN_IDS="100,101")
        try:
            emu.push_text(101, "/help")
            emu.wait_for(to_chat(101, "/find"), timeout=30)
            for n in range(30):
                emu.push_text(100, f"/find zzq{n}")
            time.sleep(0.5)
            asked = time.monotonic()
            emu.push_text(101, "/find zzqother")
            emu.wait_for(to_chat(101, "zzqother"), timeout=60)
            waited = time.monotonic() - asked
            emu.wait_for(to_chat(100, "zzq29"), timeout=60)
            texts = [text for text in emu.sent_texts(100) if "zzq" in text]
        finally:
            status = bot.stop()
        output = bot.output()
    assert status == 0, output
    # One at a time, the other chat waited for the flood's 30 answers (1 a second at best).
    assert waited < 2.0, output
    assert [f"zzq{n}" in text for n, text in enumerate(texts)] == [True] * 30
    assert emu.stats["429"] == 0


async def test_beyond_the_budget_a_user_gets_silence_logged_once(
        settings: Settings, clock: FrozenClock, caplog: pytest.LogCaptureFixture) -> None:
    bot = await open_harness(replace(settings, user_budget=5), clock)
    try:
        await bot.app.start()
        caplog.set_level(logging.INFO)
        # A stranger: one refusal, and beyond the budget his updates are not even looked up.
        looked_up = 0
        real_get = bot.storage.staff.get

        async def counting_get(staff_id: int) -> Any:
            nonlocal looked_up
            looked_up += 1
            return await real_get(staff_id)

        bot.storage.staff.get = counting_get  # type: ignore[method-assign]
        await asyncio.gather(*[await _push(bot, bot.make.message(OTHER, f"/find zzq{n}"))
                               for n in range(8)])
        assert looked_up == 5 and len(bot.api.texts(OTHER.id)) == 1
        over = [record.getMessage() for record in caplog.records
                if record.name == "core.budgets"]
        assert len(over) == 1 and str(OTHER.id) not in over[0] and "Hoa" not in over[0]
        assert bot.app.update_queue.first_in_hand() is None  # type: ignore[attr-defined]
    finally:
        await bot.app.stop()
        await close_harness(bot)


async def test_staff_are_answered_beyond_the_user_budget(
        settings: Settings, clock: FrozenClock) -> None:
    """An RM forwarding a chat's history sends dozens of messages at once: none is dropped."""
    bot = await open_harness(replace(settings, user_budget=5), clock)
    try:
        await bot.register(OTHER, language="en")
        await bot.app.start()
        await (await _push(bot, bot.make.message(OTHER, "/find zzq-first")))
        await asyncio.gather(*[await _push(bot, bot.make.message(OTHER, f"/find zzq{n}"))
                               for n in range(8)])
        texts = bot.api.texts(OTHER.id)
        assert len(texts) == 9 and [f"zzq{n}" in text for n, text in enumerate(texts[1:])] == [
            True] * 8
    finally:
        await bot.app.stop()
        await close_harness(bot)
