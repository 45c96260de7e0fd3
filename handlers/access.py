"""The gate every update passes first: de-duplication, who is asking, and button checks."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from core import buttons
from core.context import Ctx
from core.i18n import _, activate
from core.languages import resolve
from core.logs import keep_out_of_logs
from core.messages import edit_or_reply, reply
from core.update_queue import LEASE, ChatOrder, current_claim, gone
from domain.phones import region_for_timezone

log = logging.getLogger(__name__)

# How long a second delivery waits for the process handling the first to finish (its lease is
# renewed while it works; if it dies, the claim is taken over as soon as its lease lapses).
WAIT_FOR_HOLDER = 120.0
HOLDER_POLL_SECONDS = 0.1


async def claim_update(update: Update, context: Ctx) -> None:
    """Claim the update by its id before anything handles it: handled once, whichever process
    (or how many at once) it reaches; one handled already but perhaps never confirmed to the
    user is answered again with its stored confirmation."""
    keep_out_of_logs(update)
    # Until the user is known, speak the installation's default (never the previous user's).
    activate(context.settings.default_language, context.settings.default_timezone)
    if update.edited_message is not None or update.edited_channel_post is not None:
        # An edit would run a command or store a note a second time; what was sent stands.
        raise ApplicationHandlerStop
    claim = current_claim()
    if claim is None:  # not through RapportApplication (never in the bot itself)
        raise RuntimeError("updates must be processed by RapportApplication")
    updates, worker = context.storage.updates, context.bot_data.worker
    patience = time.monotonic() + WAIT_FOR_HOLDER
    while True:
        now = context.clock.now()
        found = await updates.claim(update.update_id, worker, now, now + LEASE)
        if found.outcome == "busy" and found.holder is not None and gone(found.holder):
            found = await updates.take_over(update.update_id, found.holder, worker, now + LEASE)
        if found.outcome == "mine":
            claim.mine = True
            return
        if found.outcome == "answer":
            claim.mine = True
            log.info("update %s delivered again; answering with its confirmation",
                     update.update_id)
            await send_answer(update, context, found.answer)
            raise ApplicationHandlerStop
        if found.outcome == "done" or time.monotonic() > patience:
            log.info("update %s delivered twice; handled once", update.update_id)
            raise ApplicationHandlerStop
        # Another process (or this one) is handling it right now: wait to see it done, or
        # take it over if that process dies before it is.
        await asyncio.sleep(HOLDER_POLL_SECONDS)


class Recorded:
    """What a writing handler does with its update, committed with its writes (see
    :func:`recorded`): the confirmation to send, kept to send again after a crash."""

    def __init__(self) -> None:
        self.answer: dict[str, Any] | None = None

    def keep_answer(self, text: str, markup: InlineKeyboardMarkup | None = None, *,
                    card: int | None = None) -> None:
        """The confirmation (``card``: it shows that customer's card, so a reply to it is a
        note for them)."""
        self.answer = {"text": text, "markup": markup.to_dict() if markup else None,
                       "card": card}


@asynccontextmanager
async def recorded(update: Update, context: Ctx) -> AsyncIterator[Recorded]:
    """A transaction whose writes commit with the update's claim turned into "stored", and
    with the confirmation the handler kept: an update delivered again after a crash is not
    done twice, and answers again with the same confirmation (``claim_update``)."""
    record = Recorded()
    async with context.storage.db.transaction():
        yield record
        claim = current_claim()
        if claim is not None:
            claim.kept_answer = record.answer is not None
        if not await context.storage.updates.store(update.update_id, context.bot_data.worker,
                                                   record.answer):
            # This process's lease lapsed and another took the update over: that one does
            # it, and what this one wrote is rolled back.
            log.warning("update %s was taken over by another process; rolled back",
                        update.update_id)
            raise ApplicationHandlerStop


async def send_answer(update: Update, context: Ctx, answer: dict[str, Any] | Recorded | None,
                      *, edit: bool = False) -> None:
    """Send a kept confirmation (in place of the pressed button's message with ``edit``)."""
    if isinstance(answer, Recorded):
        answer = answer.answer
    if answer is None:
        return
    markup = (InlineKeyboardMarkup.de_json(answer["markup"], context.bot)
              if answer.get("markup") else None)
    message: Message | None
    if edit:
        await edit_or_reply(update, answer["text"], markup)
        query_message = update.callback_query.message if update.callback_query else None
        message = query_message if isinstance(query_message, Message) else None
    else:
        message = await reply(update, answer["text"], markup)
    if answer.get("card") and message is not None:
        await context.storage.customers.remember_card(
            message.chat_id, message.message_id, int(answer["card"]), context.clock.now())


def _is_invite_start(update: Update) -> bool:
    message = update.effective_message
    text = message.text if message and message.text else ""
    return text.startswith("/start ") and len(text.split()) == 2


async def _is_lead_phone(update: Update, context: Ctx) -> bool:
    """A group member sharing their number after pressing "I'm interested", or someone who
    opened an RM's contact card (/mycard)."""
    message, user = update.effective_message, update.effective_user
    if message is None or message.contact is None or user is None:
        return False
    return (await context.storage.leads.waiting_for_phone(user.id) is not None
            or await context.storage.mycard.waiting_visit(user.id) is not None)


async def _register_bootstrap_admin(update: Update, context: Ctx) -> None:
    """The ids in RAPPORT_ADMIN_IDS are admins from their first message: someone must invite."""
    user = update.effective_user
    assert user is not None
    timezone = context.settings.default_timezone
    context.staff = await context.storage.register_staff(
        staff_id=user.id, name=user.full_name, username=user.username, role="admin",
        team_id=None, timezone=timezone,
        region=region_for_timezone(timezone, context.settings.default_region),
        invited_by=None, now=context.clock.now(), telegram_language=user.language_code,
        action="staff.bootstrap_admin",
    )


async def identify_user(update: Update, context: Ctx) -> None:
    """Load the staff member, use their language and time zone, and turn strangers away."""
    user = update.effective_user
    chat = update.effective_chat
    # Inline mode (a query typed in any chat, the result picked) comes with a user, no chat.
    inline = update.inline_query is not None or update.chosen_inline_result is not None
    if user is None or (chat is None and not inline):
        raise ApplicationHandlerStop
    staff = await context.storage.staff.get(user.id)
    if staff is None and user.id in context.settings.admin_ids:
        await _register_bootstrap_admin(update, context)
        staff = context.staff
    if staff is not None and not staff.active:
        staff = None
    context.staff = staff
    processor = context.application.update_processor
    if isinstance(processor, ChatOrder):
        processor.know_staff(user.id, staff is not None)
    settings = context.settings
    language = resolve(staff.language if staff else None, user.language_code,
                       staff.region if staff else settings.default_region,
                       settings.default_language)
    activate(language, staff.timezone if staff else settings.default_timezone)
    buttons.set_owner(user.id)
    group = None
    if chat is not None and chat.type != ChatType.PRIVATE:
        # In a group the bot speaks the group's language, whoever writes.
        group = await context.storage.groups.get(chat.id)
        if group is not None:
            activate(group.language, context.settings.default_timezone)
    if staff is not None:
        if not staff.reachable:
            await context.storage.staff.set_reachable(staff.id, True)
        seen = (user.full_name, user.username, user.language_code)
        if (staff.name, staff.username, staff.telegram_language) != seen:
            await context.storage.staff.touch_profile(staff.id, *seen)
        return
    if chat is None:
        if update.inline_query is not None:
            # Strangers get no results: not even that the bot knows any product.
            await update.inline_query.answer([], cache_time=0, is_personal=True)
        raise ApplicationHandlerStop
    if chat.type != ChatType.PRIVATE:
        if update.my_chat_member is not None or (group is not None and group.active):
            # Group members who are not staff: only group features may answer them, and
            # only in a group linked by staff (the bot leaves the others soon).
            return
        raise ApplicationHandlerStop
    if _is_invite_start(update) or await _is_lead_phone(update, context):
        return
    # Imported here: handlers.leads reaches this module through handlers.capture.
    from handlers.leads import answer_known_lead
    if await answer_known_lead(update, context):
        raise ApplicationHandlerStop  # a group lead writing back is a customer, no stranger
    if update.message is not None or update.callback_query is not None:
        # Not for edits, or for blocking and unblocking the bot: one refusal a day, then
        # silence (someone sending a thousand messages gets one answer).
        if context.bot_data.refused.first(user.id, context.clock.now()):
            await refuse_stranger(update)
        elif update.callback_query is not None:
            await update.callback_query.answer()  # only the button's spinner stops
    raise ApplicationHandlerStop


async def refuse_stranger(update: Update) -> None:
    """One polite answer for anyone who is not registered staff."""
    text = _(
        "Sorry, this assistant is only for registered bank staff. If you work with us, "
        "ask your team lead or administrator for an invite link."
    )
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await reply(update, text)


async def check_button(update: Update, context: Ctx) -> None:
    """Refuse a forged, foreign or outdated button before any feature sees it, and parse the
    genuine one into its typed action."""
    query = update.callback_query
    if query is None:
        return
    unpacked = buttons.unpack(query.data, query.from_user.id)
    action = buttons.parse_action(unpacked) if unpacked is not None else None
    if action is None:
        # Forged, someone else's, or made by an earlier version with other arguments.
        log.warning("refused callback data %r from %s", query.data, query.from_user.id)
        await query.answer(_("This button has expired. Please start again."), show_alert=True)
        raise ApplicationHandlerStop
    if not action.in_groups and not _in_own_private_chat(update):
        # A card forwarded into a group keeps its buttons: they must not post customer data
        # there, so the one who pressed gets a notice only they see, and the group nothing.
        await query.answer(_("This button works only in your private chat with me: customer "
                             "data is never shown in a group."), show_alert=True)
        raise ApplicationHandlerStop
    context.button = action
    if action.writes and not await _claim_press(update, context, action):
        log.info("button %r pressed again; it acts once", query.data)
        await query.answer(_("Already handled."), show_alert=True)
        raise ApplicationHandlerStop


async def _claim_press(update: Update, context: Ctx, action: buttons.Action) -> bool:
    """Claim a writing button's press, once per message and action (per member, for a
    button anyone in a group may press): False if it was pressed before, here or on another
    replica. If the handler fails, the claim is given back with the update's (update_queue)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    payload = f"={action.group}" if action.group else query.data.rsplit("|", 1)[0]
    message = query.message
    if message is not None:
        chat_id, message_id = message.chat.id, message.message_id
    else:  # a message sent in inline mode: known by its own id only
        chat_id, message_id = 0, 0
        payload = f"{payload}@{query.inline_message_id}"
    if action.public:
        payload = f"{payload}@{query.from_user.id}"
    return await context.storage.presses.claim(chat_id, message_id, payload, update.update_id,
                                               query.from_user.id, context.clock.now())


def _in_own_private_chat(update: Update) -> bool:
    """Whether the pressed button's message is in the presser's own chat with the bot (a
    message sent inline has no chat to tell: it is not)."""
    query = update.callback_query
    message = query.message if query is not None else None
    return (query is not None and message is not None
            and message.chat.type == ChatType.PRIVATE and message.chat.id == query.from_user.id)
