"""Inline buttons whose callback data is signed, so a forged or foreign button is refused.

Callback data is ``action:arg:arg|sig`` where ``sig`` is an HMAC of the payload and the user
the button was made for; a button any group member may press (``public``) is signed for
nobody in particular. Everything fits Telegram's 64-byte limit, checked when the button is made.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from contextvars import ContextVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

MAX_CALLBACK_BYTES = 64
_SIG_LEN = 8
_PUBLIC = "*"

_secret = b"unset"
_owner: ContextVar[int] = ContextVar("button_owner", default=0)


def configure(secret: str) -> None:
    """Use the installation's secret (from the database, so every replica agrees)."""
    global _secret
    _secret = secret.encode()


def set_owner(user_id: int) -> None:
    """Buttons made from now on in this task are for this user."""
    _owner.set(user_id)


def _sign(payload: str, owner: int | str) -> str:
    digest = hmac.new(_secret, f"{owner}\x00{payload}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:_SIG_LEN]


def pack(action: str, *args: str | int, owner: int | None = None, public: bool = False) -> str:
    """The signed callback data for an action and its arguments."""
    payload = ":".join([action, *(str(arg) for arg in args)])
    if "|" in payload:
        raise ValueError("callback arguments may not contain '|'")
    if public:
        data = f"{payload}|{_PUBLIC}{_sign(payload, _PUBLIC)}"
    else:
        data = f"{payload}|{_sign(payload, _owner.get() if owner is None else owner)}"
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data too long ({len(data.encode())} bytes): {payload!r}")
    return data


def unpack(data: str | None, user_id: int) -> list[str] | None:
    """The action and arguments if the button is genuine and meant for this user, else None."""
    if not data or "|" not in data:
        return None
    payload, sig = data.rsplit("|", 1)
    if sig.startswith(_PUBLIC):
        expected = _PUBLIC + _sign(payload, _PUBLIC)
    else:
        expected = _sign(payload, user_id)
    if not hmac.compare_digest(sig, expected):
        return None
    return payload.split(":")


def button(label: str, action: str, *args: str | int, public: bool = False) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=pack(action, *args, public=public))


def url_button(label: str, url: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, url=url)


def keyboard(rows: Sequence[Sequence[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([list(row) for row in rows if row])


def pattern(action: str) -> str:
    """The regex a CallbackQueryHandler uses to receive one action."""
    return rf"^{action}(:|\|)"
