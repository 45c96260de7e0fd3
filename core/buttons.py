"""Inline buttons whose callback data is signed, so a forged or foreign button is refused,
and typed actions that pack into it and parse back out of it.

Callback data is ``action:arg:arg|sig`` where ``sig`` is an HMAC of the payload and the user
the button was made for; a button any group member may press (``public``) is signed for
nobody in particular. Everything fits Telegram's 64-byte limit, checked when the button is made.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import re
import types
import typing
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any, ClassVar, Literal, Self

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
    """An untyped button, for tests of the signing; the bot makes buttons from typed actions."""
    return InlineKeyboardButton(label, callback_data=pack(action, *args, public=public))


def url_button(label: str, url: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, url=url)


def keyboard(rows: Sequence[Sequence[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([list(row) for row in rows if row])


def pattern(action: str) -> str:
    """The regex a CallbackQueryHandler uses to receive one action."""
    return rf"^{action}(:|\|)"


# -- typed actions -------------------------------------------------------------------------

ACTIONS: dict[str, type[Action]] = {}
_PREFIX = re.compile(r"[a-z]{1,6}")


class Action:
    """A button's action with typed arguments, like aiogram's CallbackData::

        @dataclass(frozen=True)
        class OpenCard(Action, prefix="c", writes=False):
            customer_id: int

    ``OpenCard(7).button(_("Open"))`` is the button (callback data ``c:7|<sig>``, signed for
    the user the buttons are being made for, or for nobody if the class is ``public``). The
    access gate parses a pressed button back into ``OpenCard(customer_id=7)`` or refuses it;
    ``context.action(OpenCard)`` hands it to the handler handlers/__init__.py registers for it.
    A button works only in its user's private chat with the bot unless the class says
    ``public`` (anyone, anywhere) or ``in_groups`` (its user, in a group too).
    Arguments are ``int``, ``str``, ``bool`` or a ``Literal`` of strings, or ``None`` (empty;
    left out at the end); fields with defaults may be missing from the data.
    """

    prefix: ClassVar[str]
    public: ClassVar[bool]
    in_groups: ClassVar[bool]
    # Whether pressing it writes (a contact, a stage, a reminder done, a setting): such a
    # press is claimed once per message (the access gate), so a double tap, an old message's
    # button or the same tap on two replicas has one effect. Every action must say, so a
    # new writing button cannot be left unguarded by omission.
    writes: ClassVar[bool]
    # Writing buttons of one group on one message are one choice (an outcome, or logging
    # without one; one of the follow-up presets): the first press counts, whichever it is.
    group: ClassVar[str | None]

    def __init_subclass__(cls, *, prefix: str, writes: bool, public: bool = False,
                          in_groups: bool = False, group: str | None = None,
                          **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not _PREFIX.fullmatch(prefix) or prefix in ACTIONS:
            raise ValueError(f"{cls.__name__}: prefix {prefix!r} is not a new 1-6 letter code")
        # Personal (the default): answered only in the private chat of the user it was made
        # for, so a card forwarded into a group never shows customer data there.
        cls.prefix, cls.public, cls.in_groups = prefix, public, public or in_groups
        cls.writes, cls.group = writes, group
        ACTIONS[prefix] = cls

    def pack(self, owner: int | None = None) -> str:
        """The signed callback data (for the current button owner unless told)."""
        values = [getattr(self, field.name) for field in dataclasses.fields(self)]  # type: ignore[arg-type]
        while values and values[-1] is None:
            values.pop()
        return pack(self.prefix, *(_encode(value) for value in values), owner=owner,
                    public=self.public)

    def button(self, label: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=self.pack())

    @classmethod
    def parse(cls, args: Sequence[str]) -> Self | None:
        """The action from the arguments after the prefix, or None if they do not fit."""
        fields = _fields(cls)
        if len(args) > len(fields):
            return None
        values: dict[str, Any] = {}
        for index, (name, decode, has_default) in enumerate(fields):
            if index >= len(args):
                if not has_default:
                    return None
                continue
            value = decode(args[index])
            if value is _INVALID:
                return None
            values[name] = value
        return cls(**values)

    @classmethod
    def pattern(cls) -> str:
        """The regex a CallbackQueryHandler uses to receive this action."""
        return pattern(cls.prefix)


def parse_action(payload: Sequence[str]) -> Action | None:
    """A verified button's action (see unpack), or None if no action fits it."""
    kind = ACTIONS.get(payload[0]) if payload else None
    return kind.parse(payload[1:]) if kind is not None else None


_INVALID: Any = object()
Decoder = Callable[[str], Any]


def _encode(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if value is None:
        return ""
    text = str(value)
    if ":" in text:
        raise ValueError(f"button arguments may not contain ':': {text!r}")
    return text


def _decoder(annotation: Any) -> Decoder:
    if annotation is int:
        return lambda raw: int(raw) if re.fullmatch(r"-?\d{1,19}", raw) else _INVALID
    if annotation is str:
        return lambda raw: raw
    if annotation is bool:
        return lambda raw: {"1": True, "0": False}.get(raw, _INVALID)
    if annotation is type(None):
        return lambda raw: None if raw == "" else _INVALID
    if typing.get_origin(annotation) is Literal:
        allowed = typing.get_args(annotation)
        return lambda raw: raw if raw in allowed else _INVALID
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        options = typing.get_args(annotation)
        optional = type(None) in options
        members = [_decoder(option) for option in options if option is not type(None)]

        def union(raw: str) -> Any:
            if optional and raw == "":
                return None
            for decode in members:
                value = decode(raw)
                if value is not _INVALID:
                    return value
            return _INVALID
        return union
    raise TypeError(f"a button argument cannot be {annotation!r}")


_FIELDS: dict[type, list[tuple[str, Decoder, bool]]] = {}


def _fields(cls: type) -> list[tuple[str, Decoder, bool]]:
    """(name, decoder, has a default) of each argument, worked out on first use."""
    if cls not in _FIELDS:
        hints = typing.get_type_hints(cls)
        _FIELDS[cls] = [(field.name, _decoder(hints[field.name]),
                         field.default is not dataclasses.MISSING)
                        for field in dataclasses.fields(cls)]
    return _FIELDS[cls]
