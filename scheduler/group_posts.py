"""The dispatcher's group side: queued posts and answers, 20 a minute per group at most."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from core.actions import Interested
from core.buttons import keyboard
from core.clock import Clock
from core.i18n import _, active
from core.messages import Send, at_once, send_photo_text
from scheduler.rate_gate import RateGate
from storage import Storage
from storage.posts import Post

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
BATCH = 100
MAX_BACKOFF = 300


class GroupPoster:
    """Claims due posts (never more per group than its minute allows) and sends them."""

    def __init__(self, bot: Bot, storage: Storage, clock: Clock, worker: str,
                 gate: RateGate | None = None) -> None:
        self.bot = bot
        self.storage = storage
        self.clock = clock
        self.worker = worker
        # The gate the reminder dispatcher sends through, so together they stay under 30/s.
        self.send: Send = gate.send if gate is not None else at_once

    async def drain(self) -> int:
        """Send the posts that are due and allowed now; return how many went out."""
        now = self.clock.now()
        posts = await self.storage.posts.claim_due(now, self.worker, now + LEASE, BATCH)
        by_chat: dict[int, list[Post]] = {}
        for post in posts:
            by_chat.setdefault(post.chat_id, []).append(post)
        results = await asyncio.gather(*(self._send_all(items) for items in by_chat.values()))
        return sum(results)

    async def _send_all(self, posts: list[Post]) -> int:
        sent = 0
        for post in posts:
            sent += await self._send(post)
        return sent

    async def _markup(self, post: Post, language: str) -> InlineKeyboardMarkup | None:
        if post.reply_to is not None:
            return None  # an answer to a question, not an offer
        if await self.storage.review.team_of_group(post.chat_id) is not None:
            return None  # a team's own group (its weekly summary): staff, not prospects
        with active(language, "UTC"):
            return keyboard([[Interested(post.id).button(_("🙋 I'm interested"))]])

    async def _send(self, post: Post) -> int:
        group = await self.storage.groups.get(post.chat_id)
        if group is None or not group.active:
            await self.storage.posts.fail(post.id, "group not linked")
            return 0
        markup = await self._markup(post, group.language)
        try:
            message: Message
            if post.photo_file_id:
                message = await send_photo_text(
                    self.bot, post.chat_id, post.photo_file_id, post.text, markup,
                    send=self.send, reply_to_message_id=post.reply_to,
                    allow_sending_without_reply=True)
            else:
                message = await self.send(post.chat_id, self.bot.send_message(
                    post.chat_id, post.text, reply_markup=markup,
                    reply_to_message_id=post.reply_to, allow_sending_without_reply=True))
        except RetryAfter as error:
            seconds = error.retry_after
            wait = seconds.total_seconds() if isinstance(seconds, timedelta) else float(seconds)
            await self.storage.posts.retry_later(
                post.id, self.worker, self.clock.now() + timedelta(seconds=wait), "429")
            return 0
        except ChatMigrated as error:
            # The group became a supergroup before its service message reached us: follow it
            # now (the post moves with the group) and send again on the next drain.
            new_chat_id = int(error.new_chat_id)
            log.info("group %s migrated to %s", post.chat_id, new_chat_id)
            if not await self.storage.migrate_group(post.chat_id, new_chat_id, self.clock.now()):
                await self.storage.posts.fail(post.id, "group migrated")
                await self.storage.set_group_active(None, post.chat_id, False, self.clock.now())
                return 0
            await self.storage.posts.retry_later(post.id, self.worker, self.clock.now(),
                                                 "migrated")
            return 0
        except (Forbidden, BadRequest) as error:
            # The bot was removed, or the group is gone: stop, and say so in the RM's view.
            log.warning("post %s to %s refused: %s", post.id, post.chat_id, error.message)
            await self.storage.posts.fail(post.id, error.message)
            if isinstance(error, Forbidden) or "chat not found" in error.message.lower():
                await self.storage.set_group_active(None, post.chat_id, False, self.clock.now())
            return 0
        except TelegramError as error:
            backoff = min(2 ** post.attempts, MAX_BACKOFF)
            await self.storage.posts.retry_later(
                post.id, self.worker, self.clock.now() + timedelta(seconds=backoff), str(error))
            return 0
        await self.storage.posts.mark_sent(post.id, self.worker, self.clock.now(),
                                           message.message_id)
        return 1
