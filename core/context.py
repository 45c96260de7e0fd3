"""The typed context every handler receives: services, the clock and the current staff member."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol, TypeVar

from telegram import CallbackQuery, Chat, Message, Update
from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from core.budgets import Once
from core.buttons import Action
from core.clock import Clock
from core.config import Settings
from core.ocr import TextReader
from storage import Storage
from storage.staff import Staff


@dataclass
class Services:
    settings: Settings
    storage: Storage
    clock: Clock
    # Reads photos of cards in a worker process started on the first photo (core/ocr.py).
    ocr: TextReader = field(default_factory=TextReader)


class Background(Protocol):
    """A part that runs beside the handlers (the scheduler's sending, the health endpoint):
    started once the services are open, stopped before they close."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class BotData:
    """Application-wide state: settings and clock from the start, services once opened."""

    def __init__(self) -> None:
        self.settings: Settings | None = None
        self.clock: Clock = Clock()
        self.services: Services | None = None
        # Started in this order after the services open, stopped in reverse before they
        # close; bot.py puts them here (core imports neither the scheduler nor the web server).
        self.background: list[Background] = []
        # time.monotonic() of the scheduler's last dispatch tick, read by the health check.
        self.dispatch_ticked_at: float | None = None
        # Strangers refused lately: one refusal a day each, then silence.
        self.refused = Once(REFUSE_STRANGERS_EVERY)
        # This process among the replicas (host:pid): who holds a claim or a lease.
        self.worker = f"{socket.gethostname()}:{os.getpid()}"


REFUSE_STRANGERS_EVERY = timedelta(days=1)

A = TypeVar("A", bound=Action)


class Ctx(CallbackContext[ExtBot[None], dict, dict, BotData]):
    """CallbackContext with the services, the staff member and the update's parts resolved."""

    staff: Staff | None = None
    # The pressed button's action, verified and parsed by the access gate.
    button: Action | None = None
    _update: Update | None = None

    @classmethod
    def from_update(cls, update: object, application: Any) -> Ctx:
        context = super().from_update(update, application)
        if isinstance(update, Update):
            context._update = update
        return context

    @property
    def services(self) -> Services:
        services = self.bot_data.services
        if services is None:
            raise RuntimeError("services are not initialised (post_init has not run)")
        return services

    @property
    def storage(self) -> Storage:
        return self.services.storage

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def clock(self) -> Clock:
        return self.services.clock

    @property
    def ocr(self) -> TextReader:
        return self.services.ocr

    @property
    def me(self) -> Staff:
        """The registered staff member behind this update (the access gate guarantees one)."""
        if self.staff is None:
            raise RuntimeError("handler reached without a registered staff member")
        return self.staff

    @property
    def query(self) -> CallbackQuery:
        """The pressed button's query (for a handler registered for a button)."""
        query = self._update.callback_query if self._update is not None else None
        if query is None:
            raise RuntimeError("handler reached without a callback query")
        return query

    @property
    def chat(self) -> Chat:
        """The chat the update came from."""
        chat = self._update.effective_chat if self._update is not None else None
        if chat is None:
            raise RuntimeError("handler reached without a chat")
        return chat

    @property
    def message(self) -> Message:
        """The message the update brings (a text, a file, a command)."""
        message = self._update.effective_message if self._update is not None else None
        if message is None:
            raise RuntimeError("handler reached without a message")
        return message

    def action(self, kind: type[A]) -> A:
        """The pressed button's action (the handler registered for `kind` receives only it)."""
        if not isinstance(self.button, kind):
            raise RuntimeError(f"{kind.__name__} expected, the button was {self.button!r}")
        return self.button


RapportApp = Application[ExtBot[None], Ctx, dict, dict, BotData, JobQueue[Ctx]]
