"""Build real Telegram ``Update`` objects, for the terminal playground and the tests."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot, Update


@dataclass
class Person:
    id: int
    first_name: str = "Lan"
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "vi"

    def as_dict(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                user[key] = getattr(self, key)
        return user


@dataclass
class UpdateFactory:
    """Makes updates with increasing ids, as Telegram would send them."""

    bot: Bot
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def continue_after(self, update_id: int) -> None:
        """Number the next updates (and the user's messages) after ``update_id``, as Telegram
        does across a restart: an id the bot handled before would be dropped as handled."""
        self._update_ids = itertools.count(update_id + 1)
        self._message_ids = itertools.count(update_id + 1)

    def _wrap(self, body: dict[str, Any], update_id: int | None = None) -> Update:
        body["update_id"] = update_id if update_id is not None else next(self._update_ids)
        update = Update.de_json(body, self.bot)
        assert update is not None
        return update

    def _chat(self, person: Person, group: dict[str, Any] | None) -> dict[str, Any]:
        if group is not None:
            return group
        return {"id": person.id, "type": "private", "first_name": person.first_name}

    def message(
        self,
        person: Person,
        text: str | None = None,
        *,
        group: dict[str, Any] | None = None,
        reply_to: dict[str, Any] | None = None,
        update_id: int | None = None,
        **extra: Any,
    ) -> Update:
        """A message: text (a leading /command gets its entity), or any other content."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(person, group),
            "from": person.as_dict(),
            **extra,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                length = len(text.split()[0]) if text.split() else 1
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        return self._wrap({"message": message}, update_id)

    def command(self, person: Person, command: str, **kwargs: Any) -> Update:
        return self.message(person, command, **kwargs)

    def callback(
        self, person: Person, data: str, *, message: dict[str, Any] | None = None,
        group: dict[str, Any] | None = None,
    ) -> Update:
        """A button press on a message the bot sent (its JSON as the fake API returned it)."""
        if message is None:
            message = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": self._chat(person, group),
                "text": "…",
            }
        query = {
            "id": str(next(self._update_ids) * 7),
            "from": person.as_dict(),
            "chat_instance": str(message["chat"]["id"]),
            "data": data,
            "message": message,
        }
        return self._wrap({"callback_query": query})

    def contact(self, person: Person, phone: str, first_name: str, last_name: str = "",
                user_id: int | None = None) -> Update:
        """A shared contact; ``user_id`` is set when it is a Telegram user's own number (the
        request_contact button always sets it to the sender)."""
        contact: dict[str, Any] = {"phone_number": phone, "first_name": first_name}
        if last_name:
            contact["last_name"] = last_name
        if user_id is not None:
            contact["user_id"] = user_id
        return self.message(person, contact=contact)

    def document(self, person: Person, file_name: str, file_id: str = "doc-1",
                 caption: str | None = None) -> Update:
        extra: dict[str, Any] = {"document": {"file_id": file_id, "file_unique_id": file_id,
                                               "file_name": file_name}}
        if caption:
            extra["caption"] = caption
        return self.message(person, **extra)

    def photo(self, person: Person, file_id: str = "photo-1", caption: str | None = None,
              **kwargs: Any) -> Update:
        """A photo as Telegram sends it: sizes from small to large, the last the largest."""
        sizes = [{"file_id": f"{file_id}-s", "file_unique_id": f"{file_id}-s", "width": 320,
                  "height": 180},
                 {"file_id": file_id, "file_unique_id": file_id, "width": 1280, "height": 720}]
        if caption:
            kwargs["caption"] = caption
        return self.message(person, photo=sizes, **kwargs)

    def group_chat(self, chat_id: int, title: str = "Hội tiểu thương chợ Bến Thành",
                   kind: str = "supergroup") -> dict[str, Any]:
        return {"id": chat_id, "type": kind, "title": title}

    def my_chat_member(self, person: Person, status: str, *, group: dict[str, Any] | None = None,
                       old_status: str = "member") -> Update:
        """The bot's own membership changed: added to or removed from a group ("member",
        "left", "kicked"), or a private chat blocked ("kicked") or unblocked ("member")."""
        me = self.bot.bot.to_dict()

        def member(state: str) -> dict[str, Any]:
            body: dict[str, Any] = {"status": state, "user": me}
            if state == "kicked":
                body["until_date"] = 0
            return body

        change = {
            "chat": self._chat(person, group),
            "from": person.as_dict(),
            "date": int(time.time()),
            "old_chat_member": member(old_status),
            "new_chat_member": member(status),
        }
        return self._wrap({"my_chat_member": change})

    def migration(self, person: Person, old_chat_id: int, new_chat_id: int, *,
                  title: str = "Hội tiểu thương chợ Bến Thành", side: str = "old") -> Update:
        """A group became a supergroup: the service message in the old chat (``side="old"``,
        migrate_to_chat_id) or the first one in the new supergroup (migrate_from_chat_id)."""
        if side == "old":
            return self.message(person, group=self.group_chat(old_chat_id, title, "group"),
                                migrate_to_chat_id=new_chat_id)
        return self.message(person, group=self.group_chat(new_chat_id, title, "supergroup"),
                            migrate_from_chat_id=old_chat_id)

    # -- Telegram Business: an RM's own account connected to the bot ------------------------
    def business_connection(self, person: Person, connection_id: str = "bc-1", *,
                            enabled: bool = True, can_reply: bool = True,
                            date: int | None = None) -> Update:
        """``person`` connected (or disconnected, or changed the rights of) the bot as the
        chatbot of their Telegram account."""
        return self._wrap({"business_connection": {
            "id": connection_id, "user": person.as_dict(), "user_chat_id": person.id,
            "date": date or int(time.time()), "is_enabled": enabled,
            "rights": {"can_reply": can_reply}}})

    def business_message(self, connection_id: str, sender: Person, other: Person,
                         text: str | None = None, *, date: int | None = None,
                         message_id: int | None = None, **extra: Any) -> Update:
        """A message in the private chat between the account owner and ``other``, sent by
        ``sender`` (one of the two), seen through the connection."""
        message: dict[str, Any] = {
            "message_id": message_id if message_id is not None else next(self._message_ids),
            "date": date or int(time.time()), "business_connection_id": connection_id,
            "chat": {"id": other.id, "type": "private", "first_name": other.first_name},
            "from": sender.as_dict(), **extra}
        if text is not None:
            message["text"] = text
        return self._wrap({"business_message": message})

    def edited_business_message(self, connection_id: str, sender: Person, other: Person,
                                message_id: int, text: str, *, date: int | None = None
                                ) -> Update:
        now = int(time.time())
        return self._wrap({"edited_business_message": {
            "message_id": message_id, "date": date or now, "edit_date": now,
            "business_connection_id": connection_id,
            "chat": {"id": other.id, "type": "private", "first_name": other.first_name},
            "from": sender.as_dict(), "text": text}})

    def deleted_business_messages(self, connection_id: str, other: Person,
                                  message_ids: list[int]) -> Update:
        return self._wrap({"deleted_business_messages": {
            "business_connection_id": connection_id,
            "chat": {"id": other.id, "type": "private", "first_name": other.first_name},
            "message_ids": message_ids}})
