"""What a renderer makes of a reminder row: the text, its buttons, and maybe a picture."""

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


# Called at send time with the recipient's language and time zone already active.
Renderer = Callable[[Storage, Staff, Reminder, datetime], Awaitable[Push]]
