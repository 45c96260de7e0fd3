"""The rate gate: one per process, shared by the reminder dispatcher and the group poster, so
together they stay within Telegram's limits; its share of the bot-wide rate follows the
replicas sending at the same time."""

from __future__ import annotations

from scheduler import Scheduler
from scheduler.rate_gate import RateGate
from tests.harness import Harness


async def test_reminders_and_group_posts_go_through_one_gate(bot: Harness) -> None:
    scheduler = next(part for part in bot.app.bot_data.background
                     if isinstance(part, Scheduler))
    sending = scheduler.sending  # started with the services
    assert sending.dispatcher.gate is sending.gate
    assert sending.poster.send == sending.gate.send


async def test_the_rate_is_shared_with_replicas_sending_too(bot: Harness) -> None:
    gate = RateGate(bot.storage, bot.clock, "replica-a")
    other = RateGate(bot.storage, bot.clock, "replica-b")
    await gate.heartbeat(busy=True)
    assert gate.share == 1 and gate.announced
    await other.heartbeat(busy=True)
    await gate.heartbeat(busy=True)
    assert gate.share == other.share == 2
    await other.leave()
    await gate.heartbeat(busy=True)
    assert gate.share == 1
