"""Log set-up: readable lines for a terminal, or one JSON object per line for a log shipper.

Log messages are for IT and stay in English. Every JSON line carries ``replica`` so the lines
of several bot processes can be told apart once collected in one place.
"""

from __future__ import annotations

import logging
import sys
from types import TracebackType
from typing import Any

from pythonjsonlogger.json import JsonFormatter
from telegram import Update

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


def configure_logging(level: str, log_format: str = "text", replica: str = "") -> None:
    """Send every log line to stderr in the chosen format (systemd's journal takes it there)."""
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(json_formatter(replica))
        # A crash's traceback becomes one JSON line too, not thirty lines of plain text.
        sys.excepthook = _log_uncaught
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)
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
