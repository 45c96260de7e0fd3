"""Sending replies: HTML escaping, splitting under Telegram's 4096-character limit, and a
picture with a text that may be longer than a caption."""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, Message, Update
from telegram.constants import MessageLimit
from telegram.error import BadRequest

LIMIT = MessageLimit.MAX_TEXT_LENGTH  # 4096
CAPTION_LIMIT = MessageLimit.CAPTION_LENGTH  # 1024
_TAG_OR_ENTITY = re.compile(r"<[^<>]*>|&[#\w]+;")


def esc(text: object) -> str:
    """Escape user-supplied text for an HTML message."""
    return html.escape(str(text), quote=False)


def _safe_cut(line: str, limit: int) -> int:
    """The last index ≤ limit that does not fall inside a tag or an entity."""
    cut = limit
    for match in _TAG_OR_ENTITY.finditer(line):
        if match.start() < cut < match.end():
            cut = match.start()
    return max(cut, 1)


def _open_tags(text: str) -> list[tuple[str, str]]:
    """The tags still open at the end: (name, opening tag as written, with its attributes)."""
    stack: list[tuple[str, str]] = []
    for match in re.finditer(r"<(/?)([\w-]+)[^<>]*>", text):
        closing, name = match.group(1), match.group(2)
        if closing and stack and stack[-1][0] == name:
            stack.pop()
        elif not closing:
            stack.append((name, match.group(0)))
    return stack


def split_text(text: str, limit: int = LIMIT, _reserve: int = 64) -> list[str]:
    """Cut a long HTML text into chunks under the limit, at line ends where possible.

    A chunk that would leave a tag open is closed and the tag reopened in the next chunk,
    so every chunk is valid HTML for Telegram.
    """
    room = limit - _reserve  # leave space for re-opened and closed tags
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = line if not current else f"{current}\n{line}"
        if len(candidate) <= room:
            current = candidate
            continue
        if current:
            chunks.append(current)
            current = ""
        while len(line) > room:
            cut = _safe_cut(line, room)
            chunks.append(line[:cut])
            line = line[cut:]
        current = line
    if current or not chunks:
        chunks.append(current)
    balanced: list[str] = []
    carry: list[tuple[str, str]] = []
    for chunk in chunks:
        chunk = "".join(opening for _name, opening in carry) + chunk
        carry = _open_tags(chunk)
        balanced.append(chunk + "".join(f"</{name}>" for name, _opening in reversed(carry)))
    if any(len(chunk) > limit for chunk in balanced) and _reserve * 2 < limit:
        # Deeply nested or long re-opened tags did not fit the reserve: cut smaller.
        return split_text(text, limit, _reserve * 2)
    return balanced


async def reply(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Answer in the chat the update came from; the buttons go on the last chunk."""
    chat = update.effective_chat
    if chat is None:
        return None
    chunks = split_text(text)
    sent: Message | None = None
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        sent = await chat.send_message(chunk, reply_markup=markup if last else None)
    return sent


async def edit_or_reply(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Replace the message a button was pressed on, or send a new one if that is impossible."""
    query = update.callback_query
    if query is not None and query.message is not None and len(text) <= LIMIT - 64:
        try:
            await query.edit_message_text(text, reply_markup=markup)
            return
        except BadRequest as error:
            if "not modified" in error.message.lower():
                return
            # Too old to edit, or deleted: the answer still has to reach the user.
    await reply(update, text, markup)


# Sends one request to a chat: at once, or in the chat's turn (the scheduler's pacing).
Send = Callable[[int, Coroutine[Any, Any, Message]], Awaitable[Message]]


async def at_once(chat_id: int, request: Coroutine[Any, Any, Message]) -> Message:
    """Send now (no pacing)."""
    return await request


async def send_photo_text(bot: Bot, chat_id: int, photo: bytes | str, text: str,
                          markup: InlineKeyboardMarkup | None = None, *, send: Send = at_once,
                          **first: Any) -> Message:
    """The photo with the text as its caption; a text longer than a caption may be follows the
    photo instead, split like any reply. The buttons go under the last message, which is
    returned; `first` (a reply_to_message_id, say) applies to the first message."""
    if len(text) <= CAPTION_LIMIT:
        return await send(chat_id, bot.send_photo(chat_id, photo, caption=text or None,
                                                  reply_markup=markup, **first))
    await send(chat_id, bot.send_photo(chat_id, photo, **first))
    chunks = split_text(text)
    sent: Message | None = None
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        sent = await send(chat_id, bot.send_message(chat_id, chunk,
                                                    reply_markup=markup if last else None))
    assert sent is not None
    return sent
