"""An in-process fake of the Telegram Bot API, for the terminal playground and the tests.

It records every call, answers like Telegram does (enough for python-telegram-bot to build
its objects) and can be told to fail: 429 with retry_after, 5xx, 403, or time-outs.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

BOT_ID = 7_000_000_001
_FILE_PATH = "/documents/"
_SHOWN = ("sendMessage", "editMessageText", "sendPhoto", "sendDocument", "editMessageCaption")


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]
    result: Any = None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def chat_id(self) -> int | None:
        chat_id = self.params.get("chat_id")
        return int(chat_id) if chat_id is not None else None

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data or url) for every inline button, row by row."""
        markup = self.params.get("reply_markup") or {}
        if isinstance(markup, str):
            markup = json.loads(markup)
        return [
            (b["text"], b.get("callback_data") or b.get("url") or "")
            for row in markup.get("inline_keyboard", [])
            for b in row
        ]


@dataclass
class _Failure:
    method: str
    status: int
    retry_after: int | None
    remaining: int
    timeout: bool = False
    migrate_to_chat_id: int | None = None


@dataclass
class FakeBotApi(BaseRequest):
    username: str = "rapport_bot"
    calls: list[ApiCall] = field(default_factory=list)
    on_call: Callable[[ApiCall], None] | None = None
    _failures: list[_Failure] = field(default_factory=list)
    _next_message_id: int = 100
    _messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    # Files users sent, by file_id: served by getFile and downloaded from the file URL.
    files: dict[str, bytes] = field(default_factory=dict)
    # Telegram Business connections by id (the BusinessConnection JSON), for
    # getBusinessConnection; a message sent through one carries its id.
    business_connections: dict[str, dict[str, Any]] = field(default_factory=dict)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return None

    # -- fault injection -------------------------------------------------------------------
    def fail_next(
        self, method: str, status: int, *, retry_after: int | None = None, count: int = 1,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        """Answer the next `count` calls of `method` with an HTTP error (with
        `migrate_to_chat_id`: "group chat was upgraded to a supergroup chat")."""
        self._failures.append(_Failure(method, status, retry_after, count,
                                       migrate_to_chat_id=migrate_to_chat_id))

    def time_out_next(self, method: str, count: int = 1) -> None:
        self._failures.append(_Failure(method, 0, None, count, timeout=True))

    # -- inspection --------------------------------------------------------------------------
    def of(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method == method]

    def messages(self, chat_id: int | None = None) -> list[ApiCall]:
        """Everything shown to a chat: new messages and edits, in order."""
        return [
            call for call in self.calls
            if call.method in _SHOWN and (chat_id is None or call.chat_id == chat_id)
        ]

    def last(self, chat_id: int | None = None) -> ApiCall:
        found = self.messages(chat_id)
        if not found:
            raise AssertionError(f"no message was sent to {chat_id}")
        return found[-1]

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [call.text for call in self.messages(chat_id)]

    def clear(self) -> None:
        self.calls.clear()

    # -- the API -----------------------------------------------------------------------------
    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        if method == "GET" and _FILE_PATH in url:
            return self._download(url)
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        call = ApiCall(api_method, params)
        failure = self._take_failure(api_method)
        if failure is not None:
            self.calls.append(call)
            if failure.timeout:
                raise TimedOut("fake time-out")
            return failure.status, self._error_body(failure)
        call.result = self._answer(api_method, params)
        self.calls.append(call)
        if self.on_call is not None:
            self.on_call(call)
        return 200, json.dumps({"ok": True, "result": call.result}).encode()

    def _download(self, url: str) -> tuple[int, bytes]:
        """A file download (GET base_file_url + token + '/' + file_path)."""
        file_id = urllib.parse.unquote(url.split(_FILE_PATH, 1)[1])
        self.calls.append(ApiCall("download", {"file_id": file_id}))
        if file_id not in self.files:
            return 404, json.dumps({"ok": False, "error_code": 404,
                                    "description": "Not Found"}).encode()
        return 200, self.files[file_id]

    def _take_failure(self, api_method: str) -> _Failure | None:
        for failure in self._failures:
            if failure.method == api_method and failure.remaining > 0:
                failure.remaining -= 1
                if failure.remaining == 0:
                    self._failures.remove(failure)
                return failure
        return None

    @staticmethod
    def _error_body(failure: _Failure) -> bytes:
        descriptions = {
            429: f"Too Many Requests: retry after {failure.retry_after}",
            403: "Forbidden: bot was blocked by the user",
            400: "Bad Request: message to edit not found",
        }
        body: dict[str, Any] = {
            "ok": False,
            "error_code": failure.status,
            "description": descriptions.get(failure.status, "Internal Server Error"),
        }
        if failure.retry_after is not None:
            body["parameters"] = {"retry_after": failure.retry_after}
        if failure.migrate_to_chat_id is not None:
            body["description"] = "Bad Request: group chat was upgraded to a supergroup chat"
            body["parameters"] = {"migrate_to_chat_id": failure.migrate_to_chat_id}
        return json.dumps(body).encode()

    def continue_after(self, message_id: int) -> None:
        """Number the bot's next messages after ``message_id`` (a restart on the same data)."""
        self._next_message_id = max(self._next_message_id, message_id)

    def bot_user(self) -> dict[str, Any]:
        return {
            "id": BOT_ID, "is_bot": True, "first_name": "Rapport", "username": self.username,
            "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _message(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        self._next_message_id += 1
        message = {
            "message_id": self._next_message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup",
                     "title": None if chat_id > 0 else "Group"},
            "from": self.bot_user(),
            **extra,
        }
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            # Like Telegram: a sent message carries only an inline keyboard, never a reply
            # keyboard (request_contact) or its removal.
            message["reply_markup"] = params["reply_markup"]
        self._messages[(chat_id, self._next_message_id)] = message
        return message

    def _answer(self, api_method: str, params: dict[str, Any]) -> Any:
        if api_method == "getMe":
            return self.bot_user()
        if api_method == "getUpdates":
            return []
        if api_method == "sendMessage":
            extra: dict[str, Any] = {}
            if params.get("business_connection_id"):
                extra = {"business_connection_id": params["business_connection_id"],
                         "sender_business_bot": self.bot_user()}
            return self._message(params, text=params.get("text", ""), **extra)
        if api_method == "getBusinessConnection":
            return self.business_connections[str(params["business_connection_id"])]
        if api_method in ("sendPhoto", "sendDocument", "sendVoice", "sendVideo", "sendAudio"):
            file_kind = {"sendPhoto": "photo", "sendDocument": "document"}.get(api_method, "voice")
            attachment: Any = {"file_id": f"sent-{self._next_message_id}",
                               "file_unique_id": f"u{self._next_message_id}"}
            if file_kind == "photo":
                attachment = [{**attachment, "width": 1, "height": 1}]
            elif file_kind == "voice":
                attachment = {**attachment, "duration": 1}
            return self._message(params, caption=params.get("caption"), **{file_kind: attachment})
        if api_method in ("copyMessage",):
            self._next_message_id += 1
            return {"message_id": self._next_message_id}
        if api_method in ("editMessageText", "editMessageReplyMarkup", "editMessageCaption"):
            key = (int(params.get("chat_id", 0)), int(params.get("message_id", 0)))
            message = self._messages.get(key) or self._message(params)
            if "text" in params:
                message["text"] = params["text"]
            message["reply_markup"] = params.get("reply_markup")
            message["edit_date"] = int(time.time())
            return message
        if api_method == "getFile":
            file_id = str(params["file_id"])
            return {"file_id": file_id, "file_unique_id": f"u-{file_id}",
                    "file_size": len(self.files.get(file_id, b"")),
                    "file_path": f"{_FILE_PATH.strip('/')}/{file_id}"}
        if api_method == "getChat":
            chat_id = int(params["chat_id"])
            return {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
        if api_method == "getChatMember":
            return {"status": "member", "user": {"id": int(params["user_id"]), "is_bot": False,
                                                 "first_name": "Member"}}
        if api_method in ("getMyCommands",):
            return []
        return True
