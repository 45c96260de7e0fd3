"""Leads and questions from group chats: "I'm interested", the phone deep link, answers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update

from core.actions import AnswerQuestion, Interested
from core.context import Ctx
from core.i18n import _, active, label_value
from core.languages import language_of
from core.messages import esc, reply
from domain.customers import MAX_NOTE
from domain.phones import parse_phone
from domain.pushes import Kind
from handlers import mycard
from handlers.capture import add_from_contact
from handlers.common import ask, expired
from handlers.posts import product_name
from storage.staff import Staff

# A member's questions before an answer, folded into the first for this long.
FOLD_QUESTIONS_FOR = timedelta(hours=1)
ANSWER_FLOW = "answer"  # data {"question_id"}: the next text is posted in the group


async def press_interested(update: Update, context: Ctx) -> None:
    """A group member wants the offer: one prospect for the owning RM, however often pressed."""
    query, chat = context.query, context.chat
    post = await context.storage.posts.get(context.action(Interested).post_id)
    group = await context.storage.groups.get(chat.id)
    owner = await context.storage.staff.get(group.owner_id) if group is not None else None
    if post is None or group is None or owner is None or post.chat_id != chat.id:
        await expired(update)
        return
    lead = await context.storage.register_interest(
        post_id=post.id, chat_id=group.chat_id, member_id=query.from_user.id, owner=owner,
        now=context.clock.now())
    # Opens a private chat with the bot, where the member may leave a phone number.
    await query.answer(url=f"https://t.me/{context.bot.username}?start=lead_{lead.token}")


async def _interest_note(context: Ctx, owner: Staff, post_id: int) -> str:
    """What goes on the prospect's card for one offer, in the owning RM's language."""
    language = language_of(owner, context.settings.default_language)
    post = await context.storage.posts.get(post_id)
    group = await context.storage.groups.get(post.chat_id) if post is not None else None
    product = (await product_name(context.storage, post.product_id, language)
               if post is not None and post.product_id else "")
    with active(language, owner.timezone):
        return _("Interested in {product} (group “{group}”).").format(
            product=product or _("an offer"), group=group.title if group else "?")


async def start_lead(update: Update, context: Ctx, token: str) -> None:
    """/start lead_<token>: thank the member and offer to share a phone number."""
    lead = await context.storage.leads.by_token(token)
    user = update.effective_user
    if lead is None or user is None or lead.user_id != user.id:
        await reply(update, _("This link is no longer valid."))
        return
    owner = await context.storage.staff.get(lead.owner_id)
    markup = ReplyKeyboardMarkup(
        [[KeyboardButton(_("📞 Share my phone number"), request_contact=True)]],
        one_time_keyboard=True, resize_keyboard=True)
    chat = context.chat
    await chat.send_message(_(
        "Thank you for your interest! {name}, your relationship manager at the bank, will "
        "contact you. If you would like a call back, share your phone number with the button "
        "below: by sharing it you agree that the bank keeps it to contact you about this offer."
    ).format(name=esc(owner.name if owner else "")), reply_markup=markup)


async def route_contact(update: Update, context: Ctx) -> None:
    """A contact from staff is a new prospect; from a group member, their phone for a lead."""
    if context.staff is not None:
        await add_from_contact(update, context)
        return
    message, user = update.effective_message, update.effective_user
    assert message is not None and message.contact is not None and user is not None
    lead = await context.storage.leads.waiting_for_phone(user.id)
    if lead is None and await mycard.receive_contact(update, context):
        return
    if lead is None or message.contact.user_id != user.id:
        await reply(update, _("Please share your own phone number with the button."))
        return
    owner = await context.storage.staff.get(lead.owner_id)
    region = owner.region if owner else context.settings.default_region
    phone = parse_phone(message.contact.phone_number, region) or parse_phone(
        "+" + message.contact.phone_number.lstrip("+"), region)
    if phone is None:
        await reply(update, _("Sorry, I could not read that phone number."))
        return
    note, interests = "", []
    if owner is not None:
        for waiting in await context.storage.leads.waiting_of(user.id, owner.id):
            interests.append((waiting.id, await _interest_note(context, owner, waiting.post_id)))
        with active(language_of(owner, context.settings.default_language), owner.timezone):
            note = _("Left their phone number {phone} and agreed to be contacted.").format(
                phone=phone.national)
    await context.storage.record_consent(
        lead, owner, member_name=user.full_name, phone=phone.e164, interests=interests,
        note=note, now=context.clock.now())
    chat = context.chat
    await chat.send_message(_("Thank you! {name} will call you soon.").format(
        name=esc(owner.name if owner else "")), reply_markup=ReplyKeyboardRemove())


async def answer_known_lead(update: Update, context: Ctx) -> bool:
    """Someone who became a lead in a group ("I'm interested") writes to the bot privately:
    they are a customer, not a stranger, and get a customer's answer in their language. Once
    they have shared their number, what they wrote goes to the owning RM as a notice; before
    that, nothing of theirs reaches the RM (their consent is the number), so they are asked
    for it. False if they are no known lead, or their RM is gone (then they are a stranger)."""
    message, user = update.message, update.effective_user
    if message is None or user is None:
        return False
    lead = await context.storage.leads.latest_of(user.id)
    owner = await context.storage.staff.get(lead.owner_id) if lead is not None else None
    if lead is None or owner is None or not owner.active:
        return False
    name = esc(owner.name)
    text = (message.text or message.caption or "").strip()
    if lead.phone is None:
        markup = ReplyKeyboardMarkup(
            [[KeyboardButton(_("📞 Share my phone number"), request_contact=True)]],
            one_time_keyboard=True, resize_keyboard=True)
        await context.chat.send_message(_(
            "Thank you for writing! So that {name}, your relationship manager at the bank, can "
            "answer you, first share your phone number with the button below: by sharing it "
            "you agree that the bank keeps it to contact you. Until then your message stays "
            "with me.").format(name=name), reply_markup=markup)
        return True
    if text.startswith("/"):
        # /start, /help: what they can do here, nothing passed on.
        await reply(update, _("Hello! Write your question here and I will pass it on to "
                              "{name}, your relationship manager at the bank.").format(name=name))
        return True
    who = user.full_name + (f" (@{user.username})" if user.username else "")
    with active(language_of(owner, context.settings.default_language), owner.timezone):
        said = text[:1000] or _("(a photo, a sticker or a file, without words)")
        notice = label_value(who, said)
    now = context.clock.now()
    await context.storage.reminders.create(
        staff_id=owner.id, customer_id=lead.customer_id, kind=Kind.LEAD_MESSAGE, text=notice,
        due_at=now, now=now, ref_id=lead.id)
    await reply(update, _("Thank you for your message! I have passed it on to {name}, your "
                          "relationship manager at the bank, who will get back to you "
                          "soon.").format(name=name))
    return True


async def ask_question(update: Update, context: Ctx) -> None:
    """A member's question to the bot in a linked group goes privately to the owning RM."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    assert message is not None and chat is not None and user is not None
    group = await context.storage.groups.get(chat.id)
    if group is None or not group.active or not _addressed_to_bot(update, context):
        return
    if user.id == group.owner_id:
        return  # the owning RM showing the bot to her group: no question of hers to herself
    text = (message.text or message.caption or "").strip()
    if not text:
        return
    now = context.clock.now()
    # The same member asking again before an answer: kept with the first, one push, and no
    # second thank-you in the group.
    again = await context.storage.groups.asked_lately(chat.id, user.id,
                                                      now - FOLD_QUESTIONS_FOR)
    question_id = await context.storage.groups.add_question(
        chat_id=chat.id, message_id=message.message_id, user_id=user.id,
        user_name=user.full_name,
        text=text[:MAX_NOTE], owner_id=group.owner_id, now=now)
    if again:
        return
    owner = await context.storage.staff.get(group.owner_id)
    # Written for the owner, in their language's punctuation ("商户群 · 陈美玲：请问…").
    with active(language_of(owner, context.settings.default_language) if owner else "en", "UTC"):
        reminder_text = label_value(f"{group.title} · {user.full_name}", text[:1000])
    await context.storage.reminders.create(
        staff_id=group.owner_id, customer_id=None, kind=Kind.QUESTION,
        text=reminder_text, due_at=now, now=now, ref_id=question_id)
    await message.reply_text(_("Thank you for your question! {name} will answer here "
                               "shortly.").format(name=esc(owner.name if owner else "")))


def _addressed_to_bot(update: Update, context: Ctx) -> bool:
    message = context.message
    replied = message.reply_to_message
    if (replied is not None and replied.from_user is not None
            and replied.from_user.id == context.bot.id):
        return True
    mention = f"@{context.bot.username}".lower()
    return mention in (message.text or message.caption or "").lower()


async def start_answer(update: Update, context: Ctx) -> None:
    """'Answer in the group' on a question: ask for the answer's text."""
    question = await context.storage.groups.question(
        context.me.id, context.action(AnswerQuestion).question_id)
    if question is None:
        await expired(update)
        return
    await context.query.answer()
    await ask(update, context, ANSWER_FLOW, {"question_id": question.id},
              _("Type your answer to {name}; I will post it in the group as a reply to their "
                "question. (/cancel to stop)").format(name=esc(question.user_name)))


async def type_answer(update: Update, context: Ctx, data: dict[str, Any]) -> None:
    """Queue the typed answer as a reply in the group."""
    message = context.message
    question = await context.storage.groups.question(context.me.id,
                                                     int(data.get("question_id", 0)))
    await context.storage.states.clear(context.me.id, message.chat_id)
    text = (message.text or "").strip()
    if question is None or not text:
        await reply(update, _("This question is no longer available."))
        return
    now = context.clock.now()
    await context.storage.posts.create(staff_id=context.me.id, chat_id=question.chat_id,
                                       text=esc(text[:4000]), due_at=now, now=now,
                                       reply_to=question.message_id)
    await context.storage.groups.mark_answered(question.id, now)
    await reply(update, _("Your answer is queued and will appear in the group in a moment."))
