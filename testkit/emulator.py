"""A small, self-contained HTTP emulator of the Telegram Bot API (stdlib only).

Used by the real-process tests and the benchmarks: the bot process is pointed at
``TELEGRAM_API_URL=emulator.url`` and PTB then talks to ``POST /bot<token>/<method>``.

Quick reference::

    emu = BotApiEmulator(limits=RateLimits())   # limits=None disables flood control
    emu.start()                                  # 127.0.0.1, random port, daemon thread
    env["TELEGRAM_API_URL"] = emu.url
    emu.push_text(42, "/start")                  # returned by getUpdates
    call = emu.wait_for(lambda c: c.method == "sendMessage" and c.status == 200)
    emu.stop()

Behaviour worth knowing
-----------------------
* Requests: form-urlencoded, multipart/form-data (PTB), JSON bodies and GET query
  strings are accepted. Form values are JSON-decoded (PTB JSON-encodes numbers, booleans
  and nested objects) except for known free-text fields such as ``text`` / ``caption``.
* Every request to ``/bot<token>/<method>`` is recorded as a :class:`Call` (after it was
  answered, with its HTTP status and result). Long polls that were abandoned by the
  client (connection closed before the answer) are not recorded.
* ``getUpdates`` long-polls: it blocks up to ``min(timeout, MAX_POLL_TIMEOUT)`` seconds and
  wakes up immediately on ``push_update``/``stop``. Updates stay queued until confirmed by
  a later ``offset`` (like Telegram). A second concurrent ``getUpdates`` terminates the
  first with 409 Conflict, and ``getUpdates`` while a webhook is set answers 409 too.
* Sending methods return realistic ``Message`` objects: per-chat increasing ``message_id``,
  ``date`` in seconds, ``from`` = the bot. With ``parse_mode=HTML`` the text is validated
  like Telegram does (unsupported / unbalanced tags or a bare ``<`` -> 400 "can't parse
  entities") and the returned ``text`` is the plain text. Texts over 4096 chars, empty
  texts, captions over 1024 chars and ``callback_data`` over 64 bytes give the real 400s.
* ``editMessageText`` / ``editMessageReplyMarkup`` of a known message with identical
  content answer 400 "message is not modified" (like Telegram); editing an unknown
  message is lenient (a bot message is synthesised).
* ``set_down(True)``: every request is answered with **HTTP 502 Bad Gateway** (JSON body),
  which PTB raises as ``telegram.error.NetworkError``. The request is recorded with
  status 502. (502 was chosen over connection resets because it is deterministic.)
* ``fail_next(method, status)``: the next ``count`` calls of ``method`` (``"*"`` = any
  method except getUpdates) fail with ``status``; 429 carries ``parameters.retry_after``
  (default 1), 403 is "Forbidden: bot was blocked by the user", 500 "Internal Server
  Error", 400 "Bad Request: ...". Injected failures do not consume rate-limit budget.
* ``hang_next(method, seconds)``: the next ``count`` calls of ``method`` are held
  ``seconds`` before they are handled, like a Bot API server too busy to answer. A client
  that gave up meanwhile (its read timeout) is never answered and the request is not
  carried out (recorded with status 499, "client closed request"); one still waiting
  gets the normal, late answer.
* Files: ``push_photo``/``push_document`` queue a message carrying a file whose bytes the
  emulator keeps (uploads through ``sendPhoto``/``sendDocument`` are kept too). ``getFile``
  answers ``file_path`` for a known ``file_id`` (400 "invalid file_id" otherwise, 400 "file
  is too big" over 20 MB, as Telegram does), and ``GET /file/bot<token>/<file_path>`` serves
  the bytes (404 for an unknown path or another token), recorded as a ``downloadFile`` call.
* Telegram Business: ``push_business_connection`` connects a user's account to the bot
  (rights, enabled) and queues the ``business_connection`` update; ``push_business_message``,
  ``push_edited_business_message`` and ``push_deleted_business_messages`` queue what happens
  in that account's private chats. ``getBusinessConnection`` answers a known connection.
  ``sendMessage`` with ``business_connection_id`` sends as the account, as Telegram allows
  it: an enabled connection with ``rights.can_reply`` (else 400
  BUSINESS_CONNECTION_NOT_ALLOWED; unknown: BUSINESS_CONNECTION_INVALID), in a chat whose
  other side wrote within the last 24 hours (else 400 BUSINESS_PEER_USAGE_MISSING); the
  message has the account as ``from`` and the bot as ``sender_business_bot``.
* Rate limits: see :class:`RateLimits`.
* Webhooks: ``setWebhook`` keeps the URL and ``secret_token``. ``deliver(update, url,
  secret)`` POSTs one update like Telegram does and returns the HTTP status (0: no answer).
  ``set_webhook_targets([url1, url2])`` puts a round-robin load balancer in front of bot
  replicas: from then on ``push_update`` (so ``push_text``/``push_callback`` too) and
  ``push_webhook_update`` POST each update to the next target, moving on to the next one
  after any non-2xx answer or no answer, until one accepts it (like Telegram, which
  retries) or ``timeout`` passes. ``deliveries()`` lists every attempt.
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import html
import itertools
import json
import math
import re
import select
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = [
    "ApiError",
    "BotApiEmulator",
    "Call",
    "Delivery",
    "EmulatorStats",
    "RateLimits",
    "UploadedFile",
    "first_button",
    "to_chat",
]

MAX_POLL_TIMEOUT = 30.0
"""getUpdates never blocks longer than this, whatever ``timeout`` the client asks for."""

LIMITED_METHODS: frozenset[str] = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "editMessageText", "copyMessage"}
)
SENDING_METHODS: frozenset[str] = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "copyMessage", "forwardMessage"}
)

# Form fields whose values are free text and must never be JSON-decoded.
_STRING_FIELDS: frozenset[str] = frozenset(
    {
        "text",
        "inline_query_id",
        "caption",
        "parse_mode",
        "caption_parse_mode",
        "callback_query_id",
        "url",
        "secret_token",
        "language_code",
        "action",
        "photo",
        "document",
        "file_id",
        "description",
        "short_description",
        "name",
        "title",
        "inline_message_id",
        "message_effect_id",
        "business_connection_id",
        "ip_address",
        "emoji",
    }
)

_HTML_TAGS: frozenset[str] = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
    }
)
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)\s*>")


class ApiError(Exception):
    """Raised by method implementations; becomes ``{"ok": false, ...}`` with ``status``."""

    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def _bad_request(what: str) -> ApiError:
    return ApiError(400, f"Bad Request: {what}")


@dataclass
class Call:
    """One answered request. ``at`` is ``time.monotonic()`` when the request arrived."""

    method: str
    params: dict[str, Any]
    at: float
    status: int
    result: Any = None
    description: str | None = None


@dataclass
class Delivery:
    """One POST of an update to a webhook target, with the HTTP status (0: no answer)."""

    update_id: int
    url: str
    status: int


# Webhook targets are on 127.0.0.1: never through an HTTP proxy from the environment.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class UploadedFile:
    """A multipart file part; appears in ``Call.params`` under its field name."""

    filename: str | None
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


MAX_DOWNLOAD = 20 * 1024 * 1024
"""Telegram hands bots files up to 20 MB; getFile refuses larger ones."""


@dataclass
class _StoredFile:
    unique_id: str
    path: str
    data: bytes


@dataclass
class EmulatorStats:
    """Counters; ``stats["429"]`` is an alias of ``stats.rate_limited``."""

    requests: int = 0
    sent: int = 0  # successfully created messages (send*/copyMessage/forwardMessage)
    edited: int = 0
    rate_limited: int = 0  # every HTTP 429 answered (flood control or injected)
    errors: int = 0  # every other non-2xx answer

    def __getitem__(self, key: str) -> int:
        if key == "429":
            return self.rate_limited
        value = getattr(self, key)
        assert isinstance(value, int)
        return value

    def as_dict(self) -> dict[str, int]:
        return {
            "requests": self.requests,
            "sent": self.sent,
            "edited": self.edited,
            "429": self.rate_limited,
            "errors": self.errors,
        }


@dataclass
class RateLimits:
    """Telegram flood control, enforced with sliding windows (exact request logs).

    For ``methods`` (sendMessage, sendPhoto, sendDocument, editMessageText, copyMessage):

    * overall: at most ``global_limit`` (30) requests in any ``global_window`` (1 s);
    * per private chat (``chat_id > 0``): at most ``private_limit`` (3) in any
      ``private_window`` (3 s) - i.e. a burst of 3 is accepted, the long-run rate is 1/s;
    * per group (``chat_id < 0``): at most ``group_limit`` (20) in any ``group_window`` (60 s).

    A rejected request does not consume budget and is answered with HTTP 429
    ``{"ok": false, "error_code": 429, "description": "Too Many Requests: retry after N",
    "parameters": {"retry_after": N}}`` where N = seconds (rounded up, >= 1) until the
    oldest request of the violated window leaves it. ``clock`` is injectable for tests.
    """

    global_limit: int = 30
    global_window: float = 1.0
    private_limit: int = 3
    private_window: float = 3.0
    group_limit: int = 20
    group_window: float = 60.0
    methods: frozenset[str] = LIMITED_METHODS
    clock: Callable[[], float] = time.monotonic


class _RateLimiter:
    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self._lock = threading.Lock()
        self._global: deque[float] = deque()
        self._chats: dict[int, deque[float]] = {}

    @staticmethod
    def _retry_after(log: deque[float], now: float, limit: int, window: float) -> int | None:
        while log and log[0] <= now - window:
            log.popleft()
        if len(log) < limit:
            return None
        return max(1, math.ceil(log[0] + window - now))

    def acquire(self, chat_id: int | None) -> int | None:
        """Record a request; return ``retry_after`` seconds if it must be rejected instead."""
        lim = self.limits
        with self._lock:
            now = lim.clock()
            waits: list[int] = []
            wait = self._retry_after(self._global, now, lim.global_limit, lim.global_window)
            if wait is not None:
                waits.append(wait)
            chat_log: deque[float] | None = None
            if chat_id is not None and chat_id != 0:
                chat_log = self._chats.setdefault(chat_id, deque())
                if chat_id > 0:
                    limit, window = lim.private_limit, lim.private_window
                else:
                    limit, window = lim.group_limit, lim.group_window
                wait = self._retry_after(chat_log, now, limit, window)
                if wait is not None:
                    waits.append(wait)
            if waits:
                return max(waits)
            self._global.append(now)
            if chat_log is not None:
                chat_log.append(now)
            return None


@dataclass
class _Failure:
    status: int
    retry_after: int | None
    remaining: int


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _html_to_plain(text: str) -> str:
    """Validate Telegram-HTML like the Bot API does and return the plain text."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    while True:
        lt = text.find("<", pos)
        if lt < 0:
            out.append(text[pos:])
            break
        out.append(text[pos:lt])
        offset = len(text[:lt].encode())
        match = _TAG_RE.match(text, lt)
        if match is None:
            raise _bad_request(
                f'can\'t parse entities: Unsupported start tag "" at byte offset {offset}'
            )
        closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
        if closing:
            if not stack:
                raise _bad_request(
                    f"can't parse entities: Unexpected end tag at byte offset {offset}"
                )
            if stack[-1] != name:
                raise _bad_request(
                    f"can't parse entities: Unmatched end tag at byte offset {offset}, "
                    f'expected "</{stack[-1]}>", found "</{name}>"'
                )
            stack.pop()
        else:
            if name not in _HTML_TAGS:
                raise _bad_request(
                    f'can\'t parse entities: Unsupported start tag "{name}" at byte offset {offset}'
                )
            if name == "span" and "tg-spoiler" not in attrs:
                raise _bad_request(
                    f'can\'t parse entities: Tag "span" must have class "tg-spoiler" '
                    f"at byte offset {offset}"
                )
            stack.append(name)
        pos = match.end()
    if stack:
        raise _bad_request(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\""
        )
    return html.unescape("".join(out))


def _coerce(key: str, value: str) -> Any:
    if key in _STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _parse_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    params: dict[str, Any] = {}
    if not msg.is_multipart():
        return params
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None or part.get_content_type() not in ("text/plain",):
            params[name] = UploadedFile(filename, part.get_content_type(), data)
        else:
            params[name] = _coerce(name, data.decode("utf-8", "replace"))
    return params


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    emulator: BotApiEmulator

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, _Handler)
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def close_connections(self) -> None:
        """Drop keep-alive connections too, so a stopped emulator really is unreachable."""
        with self.connections_lock:
            connections = list(self.connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _read_params(self) -> dict[str, Any]:
        parsed = urllib.parse.urlsplit(self.path)
        params: dict[str, Any] = {
            k: _coerce(k, v) for k, v in urllib.parse.parse_qsl(parsed.query, True)
        }
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        if not body:
            return params
        ctype = self.headers.get("Content-Type", "")
        main_type = ctype.split(";", 1)[0].strip().lower()
        if main_type == "application/json":
            decoded = json.loads(body)
            if not isinstance(decoded, dict):
                raise _bad_request("request body must be a JSON object")
            params.update(decoded)
        elif main_type == "multipart/form-data":
            params.update(_parse_multipart(ctype, body))
        else:
            for k, v in urllib.parse.parse_qsl(body.decode("utf-8", "replace"), True):
                params[k] = _coerce(k, v)
        return params

    def client_gone(self) -> bool:
        """True if the client closed the connection (used by abandoned long polls)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if not readable:
                return False
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    def _handle(self) -> None:
        emu = self.server.emulator
        path = urllib.parse.urlsplit(self.path).path
        try:
            params = self._read_params()
        except (ValueError, ApiError) as exc:
            self._send(400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"})
            return
        if path.startswith("/file/"):
            data = emu._download(path)
            if data is not None:
                self.send_bytes(data)
                return
        outcome = emu._dispatch(path, params, self)
        if outcome is None:  # abandoned long poll: the client is gone
            self.close_connection = True
            return
        status, body = outcome
        self._send(status, body)

    def send_bytes(self, data: bytes) -> None:
        """A file download's answer: the bytes as they are."""
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True


class BotApiEmulator:
    """Telegram Bot API emulator on 127.0.0.1 (see the module docstring)."""

    def __init__(
        self,
        token: str = "123:ABC",
        username: str = "rapport_test_bot",
        limits: RateLimits | None = None,
    ) -> None:
        self.token = token
        self.username = username
        self.bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.bot_user: dict[str, Any] = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Rapport",
            "username": username,
        }
        self.limits = limits
        self._limiter = _RateLimiter(limits) if limits is not None else None
        self.stats = EmulatorStats()
        self.first_poll: float | None = None
        """When (``time.monotonic()``) the first getUpdates arrived: the bot is up and polling."""

        self._lock = threading.Lock()  # state: updates, messages, commands, failures
        self._updates_cond = threading.Condition(self._lock)
        self._updates: deque[dict[str, Any]] = deque()
        self._next_update_id = 1000
        self._poll_generation = 0
        self._webhook_url = ""
        self._webhook_secret = ""
        self._webhook_targets: list[str] = []
        self._target_secret: str | None = None
        self._next_target = 0
        self._deliveries: list[Delivery] = []
        self._messages: dict[tuple[int | str, int], dict[str, Any]] = {}
        self._last_msg_id: dict[int | str, int] = {}
        self._last_sent: dict[int | str, dict[str, Any]] = {}
        self._last_sent_any: dict[str, Any] | None = None
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._menu_buttons: dict[int | None, dict[str, Any]] = {}
        self._failures: dict[str, deque[_Failure]] = {}
        self._hangs: dict[str, deque[list[float]]] = {}  # method -> [[seconds, remaining]]
        self._file_ids = itertools.count(1)
        self._files: dict[str, _StoredFile] = {}  # by file_id
        self._business: dict[str, dict[str, Any]] = {}  # BusinessConnection JSON by id
        # (connection, chat): time.time() of the other side's last message; message ids
        self._business_incoming: dict[tuple[str, int], float] = {}
        self._business_ids: dict[tuple[str, int], int] = {}
        self.business_reply_window = 24 * 3600.0
        self._callback_ids = itertools.count(1)

        self._calls_cond = threading.Condition(threading.Lock())
        self._calls: list[Call] = []

        self._down = False
        self._delay = 0.0
        self._delay_methods: frozenset[str] | None = None
        self._stopped = threading.Event()
        self._server: _Server | None = None
        self._port: int | None = None
        self._thread: threading.Thread | None = None

        self._methods: dict[str, Callable[[dict[str, Any]], Any]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setWebhook": self._set_webhook,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._true,
            "answerInlineQuery": self._answer_inline_query,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            "setMyDescription": self._true,
            "setMyShortDescription": self._true,
            "setMyName": self._true,
            "sendChatAction": self._true,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "copyMessage": self._copy_message,
            "forwardMessage": self._forward_message,
            "getFile": self._get_file,
            "getBusinessConnection": self._get_business_connection,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "leaveChat": self._true,
            "close": self._true,
            "logOut": self._true,
        }
        self._canonical = {name.lower(): name for name in self._methods}
        self._inline_answers: dict[str, list[dict[str, Any]]] = {}

    # ------------------------------------------------------------------ lifecycle
    def start(self, port: int = 0) -> None:
        """Serve on 127.0.0.1 (``port=0``: a free port; pass the old port to restart)."""
        if self._server is not None:
            raise RuntimeError("emulator already started")
        self._stopped.clear()
        server = _Server(("127.0.0.1", port))
        server.emulator = self
        self._server = server
        self._port = int(server.server_address[1])
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="BotApiEmulator",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        with self._updates_cond:
            self._updates_cond.notify_all()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
            server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> BotApiEmulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` (still valid after ``stop()``, for restarts)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("emulator not started")
        return self._port

    # ------------------------------------------------------------------ feeding updates
    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update (``update_id`` is assigned/overwritten); returns the update_id."""
        if self._webhook_targets:
            return self.push_webhook_update(update)
        with self._updates_cond:
            update_id = self._next_update_id
            self._next_update_id += 1
            self._updates.append({**update, "update_id": update_id})
            self._updates_cond.notify_all()
        return update_id

    def user(
        self, user_id: int, *, first_name: str = "User", language_code: str | None = "en"
    ) -> dict[str, Any]:
        """A Bot API ``User`` object for a human user."""
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code is not None:
            user["language_code"] = language_code
        return user

    def push_text(
        self,
        user_id: int,
        text: str,
        *,
        language_code: str | None = "en",
        first_name: str = "User",
        chat_id: int | None = None,
        chat_type: str = "private",
    ) -> int:
        """Queue a text message from ``user_id`` (a leading /command gets its entity)."""
        chat_id = user_id if chat_id is None else chat_id
        if chat_type == "private":
            chat: dict[str, Any] = {"id": chat_id, "type": "private", "first_name": first_name}
        else:
            chat = {"id": chat_id, "type": chat_type, "title": f"Chat {chat_id}"}
        message: dict[str, Any] = {
            "from": self.user(user_id, first_name=first_name, language_code=language_code),
            "chat": chat,
            "date": int(time.time()),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0] if text.strip() else text
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
            ]
        with self._lock:
            message["message_id"] = self._new_message_id(chat_id)
            self._messages[(chat_id, message["message_id"])] = message
        return self.push_update({"message": message})

    def push_callback(
        self,
        user_id: int,
        data: str,
        message: dict[str, Any],
        *,
        language_code: str | None = "en",
        first_name: str = "User",
    ) -> int:
        """Queue a callback query (button press) on ``message`` (a Message dict)."""
        chat_id = message.get("chat", {}).get("id", user_id)
        query = {
            "id": f"{self.bot_id}{next(self._callback_ids):08d}",
            "from": self.user(user_id, first_name=first_name, language_code=language_code),
            "message": message,
            "chat_instance": str(-(abs(int(chat_id)) * 7919 + 424242)),
            "data": data,
        }
        return self.push_update({"callback_query": query})

    def push_inline_query(self, user_id: int, query: str, *, language_code: str | None = "en",
                          first_name: str = "User", chat_type: str = "sender") -> str:
        """Queue an inline query (``@bot query`` typed in any chat); returns its id, under
        which :meth:`inline_answer` finds what the bot answered."""
        query_id = f"{self.bot_id}{next(self._callback_ids):08d}"
        self.push_update({"inline_query": {
            "id": query_id,
            "from": self.user(user_id, first_name=first_name, language_code=language_code),
            "query": query, "offset": "", "chat_type": chat_type}})
        return query_id

    def push_chosen_inline_result(self, user_id: int, result_id: str, query: str, *,
                                  language_code: str | None = "en") -> int:
        """Queue the report that the user picked a result (sent only with inline feedback)."""
        return self.push_update({"chosen_inline_result": {
            "result_id": result_id, "query": query,
            "from": self.user(user_id, language_code=language_code)}})

    def inline_answer(self, query_id: str) -> list[dict[str, Any]] | None:
        """The results the bot answered an inline query with (None: not answered yet)."""
        with self._lock:
            return self._inline_answers.get(query_id)

    def add_file(self, data: bytes, kind: str = "photo", extension: str = "jpg") -> tuple[str, str]:
        """Keep ``data`` as a file users sent; its (file_id, file_unique_id)."""
        prefix = {"photo": "AgACPhoto", "document": "BQACDoc"}.get(kind, "CQACFile")
        file_id, unique_id = self._file_id(prefix)
        folder = "photos" if kind == "photo" else "documents"
        path = f"{folder}/file_{len(self._files)}.{extension}"
        with self._lock:
            self._files[file_id] = _StoredFile(unique_id, path, data)
        return file_id, unique_id

    def _push_message(self, user_id: int, content: dict[str, Any], *, language_code: str | None,
                      first_name: str) -> int:
        message: dict[str, Any] = {
            "from": self.user(user_id, first_name=first_name, language_code=language_code),
            "chat": {"id": user_id, "type": "private", "first_name": first_name},
            "date": int(time.time()),
            **content,
        }
        with self._lock:
            message["message_id"] = self._new_message_id(user_id)
            self._messages[(user_id, message["message_id"])] = message
        return self.push_update({"message": message})

    def push_photo(self, user_id: int, image: bytes, *, caption: str | None = None,
                   width: int = 1280, height: int = 960, language_code: str | None = "en",
                   first_name: str = "User") -> int:
        """Queue a photo from ``user_id`` in its private chat, as Telegram sends one: sizes
        from a thumbnail to the largest, each a file of its own (the emulator keeps the same
        bytes for each; Telegram would scale them down)."""
        sizes = []
        for scale in (8, 2, 1):
            file_id, unique_id = self.add_file(image, "photo")
            sizes.append({"file_id": file_id, "file_unique_id": unique_id,
                          "width": width // scale, "height": height // scale,
                          "file_size": len(image)})
        content: dict[str, Any] = {"photo": sizes}
        if caption:
            content["caption"] = caption
        return self._push_message(user_id, content, language_code=language_code,
                                  first_name=first_name)

    def push_document(self, user_id: int, data: bytes, file_name: str, mime_type: str, *,
                      caption: str | None = None, language_code: str | None = "en",
                      first_name: str = "User") -> int:
        """Queue a file sent as a document from ``user_id`` in its private chat."""
        extension = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
        file_id, unique_id = self.add_file(data, "document", extension)
        content: dict[str, Any] = {"document": {
            "file_id": file_id, "file_unique_id": unique_id, "file_name": file_name,
            "mime_type": mime_type, "file_size": len(data)}}
        if caption:
            content["caption"] = caption
        return self._push_message(user_id, content, language_code=language_code,
                                  first_name=first_name)

    # ------------------------------------------------------------------ Telegram Business
    def push_business_connection(self, user_id: int, connection_id: str | None = None, *,
                                 can_reply: bool = True, enabled: bool = True,
                                 first_name: str = "User",
                                 language_code: str | None = "en") -> str:
        """``user_id`` connects the bot to their account (or changes or ends it); returns the
        connection id."""
        connection_id = connection_id or f"bc{user_id}-emulator"
        with self._lock:
            before = self._business.get(connection_id)
        connection = {
            "id": connection_id,
            "user": self.user(user_id, first_name=first_name, language_code=language_code),
            "user_chat_id": user_id,
            "date": before["date"] if before else int(time.time()),
            "is_enabled": enabled,
            "rights": {"can_reply": can_reply},
        }
        with self._lock:
            self._business[connection_id] = connection
        self.push_update({"business_connection": connection})
        return connection_id

    def _business_message(self, connection_id: str, from_id: int, chat_id: int,
                          first_name: str, chat_name: str) -> dict[str, Any]:
        with self._lock:
            connection = self._business[connection_id]
            key = (connection_id, chat_id)
            self._business_ids[key] = self._business_ids.get(key, 0) + 1
            message_id = self._business_ids[key]
            if from_id != connection["user"]["id"]:
                self._business_incoming[key] = time.time()
        return {
            "message_id": message_id, "date": int(time.time()),
            "business_connection_id": connection_id,
            "chat": {"id": chat_id, "type": "private", "first_name": chat_name},
            "from": self.user(from_id, first_name=first_name),
        }

    def push_business_message(self, connection_id: str, from_id: int, chat_id: int,
                              text: str | None = None, *, first_name: str = "User",
                              chat_name: str = "User",
                              contact: dict[str, Any] | None = None) -> int:
        """Queue a message in the private chat between the account and ``chat_id``, sent by
        ``from_id`` (the account's owner or the other person); returns its message_id."""
        message = self._business_message(connection_id, from_id, chat_id, first_name,
                                          chat_name)
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0,
                                        "length": _utf16_len(text.split()[0])}]
        if contact is not None:
            message["contact"] = contact
        self.push_update({"business_message": message})
        return int(message["message_id"])

    def push_edited_business_message(self, connection_id: str, from_id: int, chat_id: int,
                                     message_id: int, text: str) -> int:
        message = {
            "message_id": message_id, "date": int(time.time()), "edit_date": int(time.time()),
            "business_connection_id": connection_id,
            "chat": {"id": chat_id, "type": "private", "first_name": "User"},
            "from": self.user(from_id), "text": text,
        }
        return self.push_update({"edited_business_message": message})

    def push_deleted_business_messages(self, connection_id: str, chat_id: int,
                                       message_ids: list[int]) -> int:
        return self.push_update({"deleted_business_messages": {
            "business_connection_id": connection_id,
            "chat": {"id": chat_id, "type": "private", "first_name": "User"},
            "message_ids": message_ids}})

    def _get_business_connection(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            connection = self._business.get(str(params.get("business_connection_id") or ""))
        if connection is None:
            raise _bad_request("BUSINESS_CONNECTION_INVALID")
        return dict(connection)

    def _send_as_business(self, params: dict[str, Any]) -> dict[str, Any]:
        connection_id = str(params["business_connection_id"])
        chat_id = self._chat_id(params)
        with self._lock:
            connection = self._business.get(connection_id)
            last = self._business_incoming.get((connection_id, int(chat_id)))
        if connection is None:
            raise _bad_request("BUSINESS_CONNECTION_INVALID")
        if not connection["is_enabled"] or not connection["rights"].get("can_reply"):
            raise _bad_request("BUSINESS_CONNECTION_NOT_ALLOWED")
        if last is None or time.time() - last > self.business_reply_window:
            raise _bad_request("BUSINESS_PEER_USAGE_MISSING")
        text, _ = self._prepare_text(params, "text", 4096)
        owner = connection["user"]
        message = self._business_message(connection_id, owner["id"], int(chat_id),
                                          owner["first_name"], "User")
        message.update({"from": owner, "sender_business_bot": self.bot_user, "text": text})
        return message

    def pending_updates(self) -> int:
        with self._lock:
            return len(self._updates)

    # ------------------------------------------------------------------ webhook delivery
    def deliver(
        self, update: dict[str, Any], url: str, secret: str | None = None, timeout: float = 10.0
    ) -> int:
        """POST ``update`` to ``url`` as Telegram does; the HTTP status (0: no answer)."""
        headers = {"Content-Type": "application/json"}
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        request = urllib.request.Request(
            url, data=json.dumps(update).encode(), headers=headers, method="POST"
        )
        try:
            with _DIRECT.open(request, timeout=timeout) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            error.close()
            return int(error.code)
        except OSError:  # refused, reset or timed out
            return 0

    def set_webhook_targets(self, urls: Iterable[str], secret: str | None = None) -> None:
        """Deliver updates round-robin to ``urls`` (``secret``: the one from setWebhook)."""
        with self._lock:
            self._webhook_targets = list(urls)
            self._target_secret = secret
            self._next_target = 0

    def push_webhook_update(self, update: dict[str, Any], timeout: float = 30.0) -> int:
        """Deliver an update to the targets until one accepts it; returns the update_id."""
        with self._lock:
            update_id = self._next_update_id
            self._next_update_id += 1
        body = {**update, "update_id": update_id}
        deadline = time.monotonic() + timeout
        failures = 0
        while True:
            with self._lock:
                targets = self._webhook_targets
                if not targets:
                    raise RuntimeError("no webhook targets: call set_webhook_targets first")
                url = targets[self._next_target % len(targets)]
                self._next_target += 1
                secret = self._target_secret
                if secret is None:
                    secret = self._webhook_secret
            wait = min(10.0, max(0.1, deadline - time.monotonic()))
            status = self.deliver(body, url, secret, timeout=wait)
            with self._lock:
                self._deliveries.append(Delivery(update_id, url, status))
            if 200 <= status < 300:
                return update_id
            failures += 1
            if time.monotonic() >= deadline:
                raise TimeoutError(f"update {update_id} not accepted within {timeout}s")
            if failures % len(targets) == 0:  # every target refused: wait before the next round
                time.sleep(min(0.1 * failures, 1.0))

    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._deliveries)

    # ------------------------------------------------------------------ observing
    def calls(self, method: str | None = None) -> list[Call]:
        with self._calls_cond:
            if method is None:
                return list(self._calls)
            return [c for c in self._calls if c.method == method]

    def mark(self) -> int:
        """Current number of recorded calls; pass as ``since`` to :meth:`wait_for`."""
        with self._calls_cond:
            return len(self._calls)

    def clear_calls(self) -> None:
        with self._calls_cond:
            self._calls.clear()

    def sent_texts(self, chat_id: int | str | None = None) -> list[str]:
        """Texts (as sent by the bot, markup included) of successful sendMessage calls."""
        return [
            str(c.params.get("text", ""))
            for c in self.calls("sendMessage")
            if c.status == 200 and (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))
        ]

    def last_sent_message(self, chat_id: int | str | None = None) -> dict[str, Any]:
        """Current state (edits applied) of the bot's latest message (in ``chat_id``)."""
        with self._lock:
            msg = self._last_sent_any if chat_id is None else self._last_sent.get(chat_id)
            if msg is None:
                raise LookupError(f"no message sent to {chat_id!r}")
            return json.loads(json.dumps(msg))

    def wait_for(
        self, predicate: Callable[[Call], bool], timeout: float = 10.0, *, since: int = 0
    ) -> Call:
        """Return the first recorded call (index >= ``since``) matching ``predicate``."""
        deadline = time.monotonic() + timeout
        index = since
        with self._calls_cond:
            while True:
                while index < len(self._calls):
                    call = self._calls[index]
                    index += 1
                    if predicate(call):
                        return call
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._calls_cond.wait(remaining)
            seen = self._calls[since:]
        raise TimeoutError(f"no matching call within {timeout}s; {self._summary(seen)}")

    @staticmethod
    def _summary(calls: Iterable[Call], last: int = 40) -> str:
        items = list(calls)
        lines = [f"{len(items)} call(s) seen:"]
        if len(items) > last:
            lines.append(f"  ... {len(items) - last} earlier call(s) omitted")
        for c in items[-last:]:
            params = {k: v for k, v in c.params.items() if k not in ("timeout", "allowed_updates")}
            text = repr(params)
            if len(text) > 160:
                text = text[:157] + "..."
            extra = f" ({c.description})" if c.description else ""
            lines.append(f"  {c.method} -> {c.status}{extra} {text}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ fault injection
    def fail_next(
        self, method: str, status: int, *, retry_after: int | None = None, count: int = 1
    ) -> None:
        """Make the next ``count`` calls of ``method`` ("*" = any but getUpdates) fail."""
        name = method if method == "*" else self._canonical.get(method.lower(), method)
        with self._lock:
            self._failures.setdefault(name, deque()).append(_Failure(status, retry_after, count))

    def set_down(self, down: bool) -> None:
        """While down, every request is answered with HTTP 502 Bad Gateway."""
        self._down = down

    def set_delay(self, seconds: float, *, methods: Iterable[str] | None = None) -> None:
        """Delay every answer (or only those of ``methods``) by ``seconds``."""
        self._delay = seconds
        self._delay_methods = frozenset(methods) if methods is not None else None

    def hang_next(self, method: str, seconds: float, *, count: int = 1) -> None:
        """Hold the next ``count`` calls of ``method`` for ``seconds`` before handling them."""
        name = self._canonical.get(method.lower(), method)
        with self._lock:
            self._hangs.setdefault(name, deque()).append([seconds, count])

    def _take_hang(self, method: str) -> float:
        with self._lock:
            queue = self._hangs.get(method)
            if not queue:
                return 0.0
            hang = queue[0]
            hang[1] -= 1
            if hang[1] <= 0:
                queue.popleft()
            return hang[0]

    def _held_until_abandoned(self, seconds: float, handler: _Handler) -> bool:
        """Hold a request; True if its client gave up meanwhile (then it is not handled)."""
        if not self._stopped.wait(seconds):
            return handler.client_gone()
        return True

    # ------------------------------------------------------------------ dispatch
    def _dispatch(
        self, path: str, params: dict[str, Any], handler: _Handler
    ) -> tuple[int, dict[str, Any]] | None:
        arrived = time.monotonic()
        prefix = f"/bot{self.token}/"
        if path.startswith("/file/"):
            status, reason = (502, "Bad Gateway") if self._down else (404, "Not Found")
            self._record(Call("downloadFile", {"path": path}, arrived, status, None, reason))
            return status, {"ok": False, "error_code": status, "description": reason}
        raw_method = path[len(prefix) :] if path.startswith(prefix) else None
        if raw_method is None:
            method = path.rsplit("/", 1)[-1] or "?"
        else:
            method = self._canonical.get(raw_method.lower(), raw_method)
        result: Any = None
        try:
            if self._down:
                raise ApiError(502, "Bad Gateway")
            if self._delay > 0 and (self._delay_methods is None or method in self._delay_methods):
                time.sleep(self._delay)
            if raw_method is None:
                raise (
                    ApiError(401, "Unauthorized")
                    if path.startswith("/bot")
                    else ApiError(404, "Not Found")
                )
            impl = self._methods.get(method)
            if impl is None:
                raise ApiError(404, "Not Found: method not found")
            hang = self._take_hang(method)
            if hang > 0 and self._held_until_abandoned(hang, handler):
                self._record(Call(method, params, arrived, 499, None,
                                  "client closed request while it was held"))
                return None
            self._inject_failure(method)
            if self._limiter is not None and method in self._limiter.limits.methods:
                wait = self._limiter.acquire(_int_or_none(params.get("chat_id")))
                if wait is not None:
                    raise ApiError(
                        429, f"Too Many Requests: retry after {wait}", {"retry_after": wait}
                    )
            if method == "getUpdates":
                result = self._get_updates(params, handler)
                if result is None:
                    return None
            else:
                result = impl(params)
            status, body = 200, {"ok": True, "result": result}
            description = None
        except ApiError as exc:
            status, description = exc.status, exc.description
            body = {"ok": False, "error_code": exc.status, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
            result = None
        except Exception as exc:  # malformed parameters the emulator could not digest
            status, description = 400, f"Bad Request: {exc!r}"
            body = {"ok": False, "error_code": 400, "description": description}
            result = None
        self._record(Call(method, params, arrived, status, result, description))
        return status, body

    def _inject_failure(self, method: str) -> None:
        with self._lock:
            queue = self._failures.get(method)
            if not queue and method != "getUpdates":
                queue = self._failures.get("*")
            if not queue:
                return
            failure = queue[0]
            failure.remaining -= 1
            if failure.remaining <= 0:
                queue.popleft()
        status = failure.status
        if status == 429:
            retry_after = failure.retry_after or 1
            raise ApiError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )
        descriptions = {
            400: "Bad Request: injected failure",
            401: "Unauthorized",
            403: "Forbidden: bot was blocked by the user",
            404: "Not Found",
            409: "Conflict: terminated by other getUpdates request; "
            "make sure that only one bot instance is running",
            500: "Internal Server Error",
            502: "Bad Gateway",
        }
        raise ApiError(status, descriptions.get(status, f"Error {status}"))

    def _record(self, call: Call) -> None:
        stats = self.stats
        with self._calls_cond:
            self._calls.append(call)
            stats.requests += 1
            if call.status == 200:
                if call.method in SENDING_METHODS:
                    stats.sent += 1
                elif call.method in ("editMessageText", "editMessageReplyMarkup"):
                    stats.edited += 1
            elif call.status == 429:
                stats.rate_limited += 1
            else:
                stats.errors += 1
            self._calls_cond.notify_all()

    # ------------------------------------------------------------------ helpers
    def _new_message_id(self, chat_id: int | str) -> int:
        # caller holds self._lock
        message_id = self._last_msg_id.get(chat_id, 0) + 1
        self._last_msg_id[chat_id] = message_id
        return message_id

    @staticmethod
    def _chat(chat_id: int | str) -> dict[str, Any]:
        if isinstance(chat_id, str):
            return {"id": -1001000000001, "type": "channel", "title": chat_id, "username": chat_id}
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "User"}
        if chat_id < -1_000_000_000_000:
            return {"id": chat_id, "type": "supergroup", "title": f"Group {chat_id}"}
        return {"id": chat_id, "type": "group", "title": f"Group {chat_id}"}

    @staticmethod
    def _chat_id(params: dict[str, Any], key: str = "chat_id") -> int | str:
        value = params.get(key)
        if value is None or value == "":
            raise _bad_request(f"{key} is empty")
        number = _int_or_none(value)
        if number is not None:
            return number
        if isinstance(value, str) and value.startswith("@"):
            return value
        raise _bad_request("chat not found")

    def _prepare_text(self, params: dict[str, Any], key: str, limit: int) -> tuple[str, bool]:
        raw = params.get(key)
        text = "" if raw is None else str(raw)
        mode = str(params.get("parse_mode") or "").lower()
        plain = _html_to_plain(text) if mode == "html" else text
        if key == "text" and not plain.strip():
            raise _bad_request("message text is empty")
        if _utf16_len(plain) > limit:
            raise _bad_request(
                "message is too long" if key == "text" else "message caption is too long"
            )
        return plain, bool(text)

    @staticmethod
    def _reply_markup(params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            try:
                markup = json.loads(markup)
            except ValueError as exc:
                raise _bad_request("can't parse reply keyboard markup JSON object") from exc
        if not isinstance(markup, dict) or "inline_keyboard" not in markup:
            return None  # reply keyboards etc. are not part of the returned Message
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise _bad_request('can\'t parse inline keyboard button: field "inline_keyboard"')
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise _bad_request("can't parse inline keyboard button: Text is empty")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise _bad_request("BUTTON_DATA_INVALID")
        return markup

    def _store_sent(self, chat_id: int | str, fields: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            message = {
                "message_id": self._new_message_id(chat_id),
                "from": self.bot_user,
                "chat": self._chat(chat_id),
                "date": int(time.time()),
                **fields,
            }
            self._messages[(chat_id, message["message_id"])] = message
            self._last_sent[chat_id] = message
            self._last_sent_any = message
            return dict(message)

    def _file_id(self, prefix: str) -> tuple[str, str]:
        n = next(self._file_ids)
        return f"{prefix}{n:012d}-emulator", f"U{prefix}{n:08d}"

    # ------------------------------------------------------------------ methods
    @staticmethod
    def _true(params: dict[str, Any]) -> bool:
        return True

    def _answer_inline_query(self, params: dict[str, Any]) -> bool:
        """Check the results as Telegram does (ids unique and at most 64 bytes, at most 50,
        an article's text within 4096 characters) and keep them for the test."""
        query_id = str(params.get("inline_query_id", ""))
        results = params.get("results")
        if not query_id or not isinstance(results, list):
            raise _bad_request("query is too old and response timeout expired or query ID "
                               "is invalid" if not query_id else "results must be an array")
        if len(results) > 50:
            raise _bad_request("too many results")
        ids = [str(result.get("id", "")) for result in results]
        if len(set(ids)) != len(ids) or any(not 1 <= len(i.encode()) <= 64 for i in ids):
            raise _bad_request("RESULT_ID_INVALID")
        for result in results:
            content = result.get("input_message_content") or {}
            text = str(content.get("message_text", ""))
            if result.get("type") == "article" and (not result.get("title") or not text):
                raise _bad_request("MESSAGE_EMPTY")
            if _utf16_len(text) > 4096:
                raise _bad_request("MESSAGE_TOO_LONG")
        with self._lock:
            self._inline_answers[query_id] = results
        return True

    def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": True,
            "has_main_web_app": False,
        }

    def _get_updates(
        self, params: dict[str, Any], handler: _Handler | None = None
    ) -> list[dict[str, Any]] | None:
        if self.first_poll is None:
            self.first_poll = time.monotonic()
        offset = _int_or_none(params.get("offset")) or 0
        limit = max(1, min(100, _int_or_none(params.get("limit")) or 100))
        timeout = max(0.0, min(MAX_POLL_TIMEOUT, float(params.get("timeout") or 0)))
        deadline = time.monotonic() + timeout
        with self._updates_cond:
            if self._webhook_url:
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            if offset > 0:
                while self._updates and self._updates[0]["update_id"] < offset:
                    self._updates.popleft()
            elif offset < 0:
                while len(self._updates) > -offset:
                    self._updates.popleft()
            self._poll_generation += 1
            generation = self._poll_generation
            self._updates_cond.notify_all()  # terminate an older concurrent long poll
            while not self._updates and not self._stopped.is_set():
                if generation != self._poll_generation:
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._updates_cond.wait(min(remaining, 0.5))
                if handler is not None and handler.client_gone():
                    return None
            if generation != self._poll_generation:
                if handler is not None and handler.client_gone():
                    return None
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            return list(itertools.islice(self._updates, limit))

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        with self._lock:
            self._webhook_url = ""
            if params.get("drop_pending_updates") is True:
                self._updates.clear()
        return True

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url") or "")
        if url and not url.startswith("https://"):
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        with self._lock:
            self._webhook_url = url
            self._webhook_secret = str(params.get("secret_token") or "")
            if params.get("drop_pending_updates") is True:
                self._updates.clear()
        return True

    def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            return {
                "url": self._webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("business_connection_id"):
            return self._send_as_business(params)
        chat_id = self._chat_id(params)
        text, _ = self._prepare_text(params, "text", 4096)
        fields: dict[str, Any] = {"text": text}
        markup = self._reply_markup(params)
        if markup is not None:
            fields["reply_markup"] = markup
        return self._store_sent(chat_id, fields)

    def _find_message(self, params: dict[str, Any]) -> tuple[tuple[int | str, int], Any] | None:
        """Locate the message to edit; None for inline messages."""
        if params.get("inline_message_id"):
            return None
        chat_id = self._chat_id(params)
        message_id = _int_or_none(params.get("message_id"))
        if message_id is None:
            raise _bad_request("message identifier is not specified")
        return (chat_id, message_id), self._messages.get((chat_id, message_id))

    def _apply_edit(self, params: dict[str, Any], changes: dict[str, Any]) -> Any:
        found = self._find_message(params)
        if found is None:
            return True
        key, _ = found
        with self._lock:
            message = self._messages.get(key)
            if message is None:  # lenient: unknown (e.g. fabricated) message
                message = {
                    "message_id": key[1],
                    "from": self.bot_user,
                    "chat": self._chat(key[0]),
                    "date": int(time.time()),
                }
                self._messages[key] = message
            elif all(message.get(k) == v for k, v in changes.items()):
                raise _bad_request(
                    "message is not modified: specified new message content and reply markup "
                    "are exactly the same as a content and reply markup of the current message"
                )
            for k, v in changes.items():
                if v is None:
                    message.pop(k, None)
                else:
                    message[k] = v
            message["edit_date"] = int(time.time())
            return json.loads(json.dumps(message))

    def _edit_message_text(self, params: dict[str, Any]) -> Any:
        text, _ = self._prepare_text(params, "text", 4096)
        return self._apply_edit(params, {"text": text, "reply_markup": self._reply_markup(params)})

    def _edit_message_reply_markup(self, params: dict[str, Any]) -> Any:
        return self._apply_edit(params, {"reply_markup": self._reply_markup(params)})

    def _delete_message(self, params: dict[str, Any]) -> bool:
        chat_id = self._chat_id(params)
        message_id = _int_or_none(params.get("message_id"))
        with self._lock:
            self._messages.pop((chat_id, message_id or 0), None)
        return True

    @staticmethod
    def _scope_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        if isinstance(scope, str):
            scope = json.loads(scope)
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if isinstance(commands, str):
            commands = json.loads(commands)
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad_request("commands must be a list of at most 100 BotCommand")
        for cmd in commands:
            name = str(cmd.get("command", "")) if isinstance(cmd, dict) else ""
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(cmd.get("description", ""))) <= 256:
                raise _bad_request("command description is empty")
        with self._lock:
            self._commands[self._scope_key(params)] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        return True

    def _get_my_commands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._commands.get(self._scope_key(params), []))

    def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        with self._lock:
            self._commands.pop(self._scope_key(params), None)
        return True

    def commands(
        self, language_code: str = "", scope: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Commands currently set for ``scope`` (default scope) and ``language_code``."""
        return self._get_my_commands({"scope": scope, "language_code": language_code})

    def _set_chat_menu_button(self, params: dict[str, Any]) -> bool:
        button = params.get("menu_button") or {"type": "default"}
        with self._lock:
            self._menu_buttons[_int_or_none(params.get("chat_id"))] = button
        return True

    def _get_chat_menu_button(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            button = self._menu_buttons.get(_int_or_none(params.get("chat_id")))
            return button or {"type": "commands"}

    def _media_fields(
        self, params: dict[str, Any], key: str
    ) -> tuple[int | str, Any, dict[str, Any]]:
        chat_id = self._chat_id(params)
        media = params.get(key)
        if isinstance(media, str) and media.startswith("attach://"):
            media = params.get(media[len("attach://") :])
        if media is None or media == "":
            raise _bad_request(f"there is no {key} in the request")
        fields: dict[str, Any] = {}
        if params.get("caption"):
            caption, _ = self._prepare_text(params, "caption", 1024)
            fields["caption"] = caption
        markup = self._reply_markup(params)
        if markup is not None:
            fields["reply_markup"] = markup
        return chat_id, media, fields

    def _send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, media, fields = self._media_fields(params, "photo")
        if isinstance(media, UploadedFile):
            file_id, unique_id = self.add_file(media.data, "photo")
            size = media.size
        else:
            file_id, unique_id, size = str(media), "U" + str(media)[:16], 1024
        fields["photo"] = [
            {
                "file_id": file_id,
                "file_unique_id": unique_id,
                "width": 320,
                "height": 240,
                "file_size": size,
            }
        ]
        return self._store_sent(chat_id, fields)

    def _send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, media, fields = self._media_fields(params, "document")
        document: dict[str, Any]
        if isinstance(media, UploadedFile):
            name = media.filename or "file"
            file_id, unique_id = self.add_file(
                media.data, "document", name.rsplit(".", 1)[-1] if "." in name else "bin")
            document = {
                "file_id": file_id,
                "file_unique_id": unique_id,
                "file_name": media.filename or "file",
                "mime_type": media.content_type,
                "file_size": media.size,
            }
        else:
            document = {"file_id": str(media), "file_unique_id": "U" + str(media)[:16]}
        fields["document"] = document
        return self._store_sent(chat_id, fields)

    def _source_message(self, params: dict[str, Any]) -> dict[str, Any]:
        from_chat = self._chat_id(params, "from_chat_id")
        message_id = _int_or_none(params.get("message_id"))
        with self._lock:
            source = self._messages.get((from_chat, message_id or 0))
        if source is None:
            raise _bad_request("message to copy not found")
        return source

    def _copy_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        source = self._source_message(params)
        content_keys = ("text", "entities", "photo", "document", "caption")
        fields = {k: source[k] for k in content_keys if k in source}
        if "caption" in params:
            fields["caption"] = params["caption"]
        markup = self._reply_markup(params)
        if markup is not None:
            fields["reply_markup"] = markup
        return {"message_id": self._store_sent(chat_id, fields)["message_id"]}

    def _forward_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        source = self._source_message(params)
        content_keys = ("text", "entities", "photo", "document", "caption")
        fields = {k: source[k] for k in content_keys if k in source}
        fields["forward_origin"] = {
            "type": "user",
            "date": source.get("date", int(time.time())),
            "sender_user": source.get("from", self.bot_user),
        }
        return self._store_sent(chat_id, fields)

    def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file_id") or "")
        with self._lock:
            stored = self._files.get(file_id)
        if stored is None:
            raise _bad_request("invalid file_id")
        if len(stored.data) > MAX_DOWNLOAD:
            raise _bad_request("file is too big")
        return {"file_id": file_id, "file_unique_id": stored.unique_id,
                "file_size": len(stored.data), "file_path": stored.path}

    def _download(self, path: str) -> bytes | None:
        """The bytes at ``/file/bot<token>/<file_path>``; None (answered 404) if unknown."""
        prefix = f"/file/bot{self.token}/"
        path = urllib.parse.unquote(path)  # httpx sends the token's ':' as %3A
        wanted = path[len(prefix):] if path.startswith(prefix) else None
        with self._lock:
            data = next((f.data for f in self._files.values() if f.path == wanted), None)
        if data is not None and not self._down:
            self._record(Call("downloadFile", {"file_path": wanted}, time.monotonic(), 200,
                              len(data)))
            return data
        return None

    def _get_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(self._chat_id(params))
        chat.update(
            {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }
        )
        return chat

    def _get_chat_member(self, params: dict[str, Any]) -> dict[str, Any]:
        self._chat_id(params)
        user_id = _int_or_none(params.get("user_id"))
        if user_id is None:
            raise _bad_request("user_id is empty")
        if user_id == self.bot_id:
            return {"status": "member", "user": self.bot_user}
        return {"status": "member", "user": self.user(user_id)}


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def to_chat(chat_id: int, contains: str) -> Callable[[Call], bool]:
    """For ``wait_for``: a message (or edit) Telegram accepted for ``chat_id`` with that text."""
    def match(call: Call) -> bool:
        return (
            call.method in ("sendMessage", "editMessageText")
            and str(call.params.get("chat_id")) == str(chat_id)
            and contains in str(call.params.get("text", ""))
            and call.status == 200
        )
    return match


def first_button(call: Call, label: str) -> str:
    """The callback data of the first button of ``call`` whose label contains ``label``."""
    markup = call.params.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if label in button["text"]:
                return str(button["callback_data"])
    raise AssertionError(f"no button {label!r} in {markup}")
