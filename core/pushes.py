"""How a feature renders its own kind of reminder for the dispatcher (weekly review, alerts).

A feature registers a renderer for a reminder kind; the dispatcher calls it at send time, in
the recipient's language, and sends the text (with a picture if the renderer made one).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from telegram import InlineKeyboardMarkup

from storage import Storage
from storage.reminders import Reminder
from storage.staff import Staff


@dataclass(frozen=True)
class Push:
    text: str
    markup: InlineKeyboardMarkup | None = None
    photo: bytes | None = None  # a PNG; the text becomes its caption (or follows it if long)


Renderer = Callable[[Storage, Staff, Reminder, datetime], Awaitable[Push]]
RENDERERS: dict[str, Renderer] = {}


def renders(kind: str) -> Callable[[Renderer], Renderer]:
    """Register the renderer of a reminder kind (at import time)."""
    def register(renderer: Renderer) -> Renderer:
        RENDERERS[kind] = renderer
        return renderer
    return register
