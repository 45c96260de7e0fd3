"""Log set-up: readable lines for a terminal, or one JSON object per line for a log shipper.

Log messages are for IT and stay in English. Every JSON line carries ``replica`` so the lines
of several bot processes can be told apart once collected in one place.

Logs leave the machine (journald, a log shipper) and are kept longer than anyone thinks, so
they hold neither secrets nor customers' data, at any level. ``Redactor``, a filter on every
handler, sees each record before it is written: the bot token, the webhook secret and the
database password (in any URL form) become ``***``; what libraries log about an API call or
an update (PTB at DEBUG logs every request's parameters and every update whole) is cut down
to its shape (``<dict: chat_id, text>``, ``<Update 1234>``); and what the user of the update
being handled typed or shared (texts, phone numbers, names) is blanked wherever it appears,
tracebacks included. Rapport's own log lines name ids, never values.
"""

from __future__ import annotations

import logging
import re
import sys
import urllib.parse
from collections.abc import Iterable
from contextvars import ContextVar
from types import TracebackType
from typing import Any

from pythonjsonlogger.json import JsonFormatter
from telegram import TelegramObject, Update

MASK = "***"
# Loggers whose messages Rapport writes itself: their arguments are ids and counts.
OWN_LOGGERS = ("rapport", "bot", "__main__", "core", "domain", "handlers", "scheduler",
               "storage")
# Always secret, whoever logs them: a bot token anywhere, a URL's password, password=….
_TOKEN = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}")
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/?#@\s]*):[^@/?#\s]*@", re.IGNORECASE)
_PASSWORD_FIELD = re.compile(r"((?:^|[?&;\s,{(])[\"']?(?:password|passwd|pgpassword)[\"']?"
                             r"\s*[=:]\s*[\"']?)[^&;\s\"',})]+", re.IGNORECASE)
_PLAIN = re.compile(r"[\w.:/@`~+-]{0,80}")
# What the user of the update in hand typed or shared, blanked in every line logged for it.
_personal: ContextVar[tuple[str, ...]] = ContextVar("personal_values", default=())
MIN_PERSONAL = 3


def redact_url(url: str) -> str:
    """A database URL for logs: the password (user:…@ or ?password=…) replaced by ***."""
    return _PASSWORD_FIELD.sub(rf"\1{MASK}", _URL_PASSWORD.sub(rf"\1:{MASK}@", url))


def url_secrets(url: str) -> list[str]:
    """The password in a URL, as written and decoded (user:pw@ or ?password=pw)."""
    if not url:
        return []
    parts = urllib.parse.urlsplit(url)
    found = [parts.password or ""]
    found += [value for key, value in urllib.parse.parse_qsl(parts.query)
              if key.lower() == "password"]
    netloc_password = parts.netloc.rpartition("@")[0].partition(":")[2]
    found.append(netloc_password)
    return [variant for secret in found if secret
            for variant in (secret, urllib.parse.unquote(secret), urllib.parse.quote(secret))]


def keep_out_of_logs(update: object) -> None:
    """Blank what this update's user typed or shared in every line logged while it is
    handled (the task's context; tasks it starts inherit it)."""
    if not isinstance(update, Update):
        return
    values: list[str] = []
    message = update.effective_message
    if message is not None:
        values += [message.text or "", message.caption or ""]
        if message.contact is not None:
            contact = message.contact
            values += [contact.phone_number, contact.first_name, contact.last_name or ""]
        if message.document is not None:
            values.append(message.document.file_name or "")
    user = update.effective_user
    if user is not None:
        values += [user.first_name, user.last_name or "", user.username or ""]
    chat = update.effective_chat
    if chat is not None:
        values.append(chat.title or "")
    pieces = {piece for value in values if value for piece in _pieces(value)}
    _personal.set(tuple(sorted(pieces, key=len, reverse=True)))


def _pieces(value: str) -> list[str]:
    """The value and each of its lines; what follows each of its first words ('/note An
    <the note>': the note alone); its words that look like names or numbers (so a part
    quoted in a traceback is blanked too, but not every "the"); its phone digits."""
    split = value.split()
    words = [word for word in split
             if not word.isascii() or word[:1].isupper() or any(c.isdigit() for c in word)]
    words += [" ".join(split[start:]) for start in range(1, min(len(split), 8))]
    digits = "".join(c for c in value if c.isdigit())
    numbers = [digits, digits.lstrip("0")] if len(digits) >= 7 else []
    parts = [value, *value.splitlines(), *words, *numbers]
    return [part.strip() for part in parts if len(part.strip()) >= MIN_PERSONAL]


def _shape(value: object) -> object:
    """An argument of a library's log line, without its content."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, BaseException):
        return value  # their messages are short; the secrets in them are masked below
    if isinstance(value, str):
        return value if _PLAIN.fullmatch(value) else f"<text, {len(value)} characters>"
    if isinstance(value, bytes | bytearray):
        return f"<{len(value)} bytes>"
    if isinstance(value, Update):
        return f"<Update {value.update_id}>"
    if isinstance(value, TelegramObject):
        return f"<{type(value).__name__}>"
    if isinstance(value, dict):
        keys = ", ".join(str(key) for key in list(value)[:20] if _PLAIN.fullmatch(str(key)))
        return f"<dict: {keys}>"
    if isinstance(value, list | tuple | set | frozenset):
        return f"<{type(value).__name__} of {len(value)}>"
    return f"<{type(value).__name__}>"


class Redactor(logging.Filter):
    """Keeps secrets and personal data out of every record a handler writes (see above)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # Longest first, so a secret containing another is masked whole.
        self.secrets = sorted({secret for secret in secrets if len(secret) >= 4}, key=len,
                              reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        text = redact_url(_TOKEN.sub(MASK, text))
        for value in _personal.get():
            text = text.replace(value, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "redacted", False):
            return True  # a record another handler already went through
        if record.args and not record.name.startswith(OWN_LOGGERS):
            args = record.args
            record.args = (tuple(_shape(arg) for arg in args) if isinstance(args, tuple)
                           else {key: _shape(arg) for key, arg in args.items()})
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed call: keep its pieces, shaped
            message = f"{record.msg!s} {_shape(record.args)}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info:
            # The traceback as text, redacted; formatters print exc_text when exc_info is
            # gone, so no handler formats the raw exception again.
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_text, record.exc_info = self.redact(text), None
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        record.redacted = True
        return True

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def json_formatter(replica: str) -> JsonFormatter:
    """time (ISO-8601 UTC), level, logger, message, replica, then any extras and the traceback."""
    return JsonFormatter(
        ["levelname", "name", "message"],
        rename_fields={"levelname": "level", "name": "logger", "exc_info": "exception"},
        static_fields={"replica": replica},
        timestamp="time",
        json_ensure_ascii=False,
    )


def configure_logging(level: str, log_format: str = "text", replica: str = "",
                      secrets: Iterable[str] = ()) -> None:
    """Send every log line to stderr in the chosen format (systemd's journal takes it there),
    through the redactor, which masks ``secrets`` (and see the module docstring)."""
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(json_formatter(replica))
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    # A crash's traceback goes through the redactor too (and is one JSON line in JSON).
    sys.excepthook = _log_uncaught
    logging.basicConfig(level=level, handlers=[handler], force=True)
    redactor = Redactor(secrets)
    for each in logging.getLogger().handlers:
        each.addFilter(redactor)
    # Python's warnings too, so a JSON log stays one object per line.
    logging.captureWarnings(True)
    # httpx logs every poll, APScheduler every run of a job (the dispatcher's is each second),
    # at INFO; that drowns what matters. Their warnings and errors still come through.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)


def _log_uncaught(kind: type[BaseException], error: BaseException,
                  trace: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):  # Ctrl-C is not a crash
        sys.__excepthook__(kind, error, trace)
        return
    logging.getLogger("rapport").critical("uncaught exception", exc_info=(kind, error, trace))


def update_fields(update: object) -> dict[str, Any]:
    """update_id, chat_id and user_id of an update, as ``extra=`` for a log call."""
    if not isinstance(update, Update):
        return {}
    fields: dict[str, Any] = {"update_id": update.update_id}
    if update.effective_chat is not None:
        fields["chat_id"] = update.effective_chat.id
    if update.effective_user is not None:
        fields["user_id"] = update.effective_user.id
    return fields
