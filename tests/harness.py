"""A Rapport application wired to the fake Bot API, driven the way Telegram would drive it."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import Update

from bot import build_application, shutdown, startup
from core.clock import FrozenClock
from core.config import Settings
from core.context import RapportApp
from core.i18n import _, active
from playground.fake_api import ApiCall, FakeBotApi
from playground.fake_updates import Person, UpdateFactory
from storage import Storage
from storage.db import Database

# Tables of staff and customer data: a change to one is audited (storage/changes.py).
DATA_TABLES = frozenset({
    "staff", "teams", "team_targets", "invites", "customers", "interactions", "holdings",
    "complaints", "satisfaction", "groups", "leads", "products", "product_groups",
    "weekly_volumes", "churn_alerts", "deals", "stage_probabilities", "household_links",
})
# What the bot writes for itself: the name and app language Telegram reports, whether the
# person can be reached (they blocked the bot, or wrote again); and a Telegram Business chat's
# later messages of a day, folded into that day's contact (audited with its first message).
SYSTEM_WRITES = ("UPDATE staff SET name = ?, username = ?", "UPDATE staff SET reachable = ?",
                 "UPDATE customers SET last_contact_at = CASE",
                 "UPDATE interactions SET text = ?, search_text = ?, detail = ? WHERE id = ?")
_WRITE = re.compile(r"\b(?:INSERT INTO|DELETE FROM|(?<!FOR )UPDATE)\s+(\w+)")


@contextlib.contextmanager
def audited_writes(db: Database) -> Iterator[set[str]]:
    """The tables written to (rows actually changed) while the block runs."""
    written: set[str] = set()

    def note(sql: str, changed: object) -> None:
        if changed and not sql.lstrip().startswith(SYSTEM_WRITES):
            written.update(match.group(1) for match in _WRITE.finditer(sql))

    def wrap(name: str) -> Callable[..., Awaitable[Any]]:
        original = getattr(db, name)

        async def watched(sql: str, params: Any = (), *args: Any) -> Any:
            if name == "execute_many":
                params = list(params)
            result = await original(sql, params, *args)
            note(sql, result if name != "execute_many" else params)
            return result
        return watched

    names = ("execute", "execute_many", "insert", "try_insert", "fetch_one", "fetch_all",
             "fetch_value")
    for name in names:
        setattr(db, name, wrap(name))
    try:
        yield written
    finally:
        for name in names:
            delattr(db, name)


# Calls that show the user something (new messages, edits, files).
SHOWN = ("sendMessage", "editMessageText", "editMessageReplyMarkup", "editMessageCaption",
         "sendPhoto", "sendDocument", "sendVoice", "sendVideo", "sendAudio")


def tr(language: str, text: str, zone: str = "UTC") -> str:
    """The text as a user of this language reads it (dates in it: in that time zone)."""
    with active(language, zone):
        return _(text)


def shown(calls: list[ApiCall]) -> list[ApiCall]:
    return [call for call in calls if call.method in SHOWN]


def of(calls: list[ApiCall], method: str) -> list[ApiCall]:
    return [call for call in calls if call.method == method]


def only_message(calls: list[ApiCall]) -> ApiCall:
    messages = shown(calls)
    assert len(messages) == 1, [(c.method, c.text) for c in calls]
    return messages[0]


def answer_of(calls: list[ApiCall]) -> ApiCall:
    answers = of(calls, "answerCallbackQuery")
    assert len(answers) == 1, [(c.method, c.params) for c in calls]
    return answers[0]


@dataclass
class Harness:
    app: RapportApp
    api: FakeBotApi
    make: UpdateFactory
    clock: FrozenClock

    @property
    def storage(self) -> Storage:
        services = self.app.bot_data.services
        assert services is not None
        return services.storage

    async def process(self, update: Update) -> None:
        """Handle an update; one that changed staff or customer data must have left an audit
        row in the same go (every handler, in every test, is checked)."""
        with audited_writes(self.storage.db) as written:
            await self.app.process_update(update)
        unaudited = written & DATA_TABLES
        assert not unaudited or "audit_log" in written, (
            f"update {update.update_id} changed {sorted(unaudited)} without an audit row")

    async def send(self, person: Person, text: str, **kwargs: Any) -> list[ApiCall]:
        """Send a text (or command) and return the API calls it caused."""
        before = len(self.api.calls)
        await self.process(self.make.message(person, text, **kwargs))
        return self.api.calls[before:]

    async def send_update(self, update: Update) -> list[ApiCall]:
        before = len(self.api.calls)
        await self.process(update)
        return self.api.calls[before:]

    def last_for(self, person: Person | int) -> ApiCall:
        chat_id = person if isinstance(person, int) else person.id
        return self.api.last(chat_id)

    async def press(self, person: Person, label: str, call: ApiCall | None = None,
                    **kwargs: Any) -> list[ApiCall]:
        """Press the button whose label contains `label` on the last message to this person."""
        call = call or self.last_for(person)
        for text, data in call.buttons:
            if label in text:
                return await self.press_data(person, data, call, **kwargs)
        raise AssertionError(f"no button {label!r} in {call.buttons}")

    async def press_data(self, person: Person, data: str, call: ApiCall | None = None,
                         group: dict[str, Any] | None = None) -> list[ApiCall]:
        message = call.result if call is not None and isinstance(call.result, dict) else None
        before = len(self.api.calls)
        await self.process(self.make.callback(person, data, message=message, group=group))
        return self.api.calls[before:]

    async def press_together(self, person: Person, data: str | list[str],
                             call: ApiCall | None = None, times: int = 2) -> list[ApiCall]:
        """Press one button several times at once (a double tap, or the same tap reaching
        two replicas), or several buttons of one message at once: the presses are handled
        concurrently, on the same message."""
        presses = [data] * times if isinstance(data, str) else data
        message = call.result if call is not None and isinstance(call.result, dict) else None
        if message is None:
            made = self.make.callback(person, presses[0]).callback_query
            assert made is not None
            message = made.to_dict()["message"]
        updates = [self.make.callback(person, pressed, message=message) for pressed in presses]
        before = len(self.api.calls)
        with audited_writes(self.storage.db) as written:
            await asyncio.gather(*(self.app.process_update(update) for update in updates))
        unaudited = written & DATA_TABLES
        assert not unaudited or "audit_log" in written, (
            f"presses changed {sorted(unaudited)} without an audit row")
        return self.api.calls[before:]

    async def register(self, person: Person, role: str = "rm", team_id: int | None = None,
                       language: str | None = None) -> None:
        """Register someone through a real invite and /start, then pick their language."""
        invite = await self.storage.invites.create(
            role=role, team_id=team_id, created_by=0, now=self.clock.now(), ttl=timedelta(hours=1)
        )
        await self.send(person, f"/start {invite.code}")
        if language is not None:
            await self.storage.staff.set_language(person.id, language)
        await self.storage.states.clear(person.id, person.id)
        self.api.clear()


async def open_harness(settings: Settings, clock: FrozenClock) -> Harness:
    api = FakeBotApi()
    app = build_application(settings, request=api, clock=clock, rate_limit=False)
    await app.initialize()
    await startup(app)
    return Harness(app=app, api=api, make=UpdateFactory(app.bot), clock=clock)


async def close_harness(harness: Harness) -> None:
    await shutdown(harness.app)
    await harness.app.shutdown()
