"""Merchant group chats: linking, the group's language, membership changes, and privacy.

Nothing about a customer, a note or an RM's pipeline is ever sent to a group.
"""

from __future__ import annotations

from telegram import ChatMemberUpdated, Update
from telegram.constants import ChatMemberStatus

from core.actions import ChooseGroupLanguage
from core.buttons import keyboard
from core.context import Ctx
from core.i18n import LANGUAGE_NAMES, LANGUAGES, _, activate, current_language
from core.messages import edit_or_reply, esc, reply
from handlers.catalog import list_for_group
from handlers.common import expired


async def redirect_to_private(update: Update, context: Ctx) -> None:
    """Ask for private chat when someone uses a personal command in a group."""
    await reply(update, _(
        "Please use this command in a private chat with me: I never show customer data "
        "in groups."
    ))


async def explain_in_group(update: Update, context: Ctx) -> None:
    """/help or /start in a group: what members can do there, in the group's language."""
    group = await context.storage.groups.get(context.chat.id)
    owner = (await context.storage.staff.get(group.owner_id)
             if group is not None and group.active else None)
    if group is None or owner is None:
        await reply(update, _(
            "I am the bank's assistant. A member of the bank's staff can link this group with "
            "/link; then everyone here can see our products with /products and ask me "
            "questions."))
        return
    await reply(update, _(
        "I am the bank's assistant for {name}, the relationship manager of this group. "
        "Here you can:\n"
        "• send /products to see our products, and tap one to read about it;\n"
        "• ask a question: reply to one of my messages, or mention @{bot} — {name} answers "
        "here;\n"
        "• under an offer, tap “{interested}” to be contacted in private.\n"
        "Nothing personal is ever shown in this group.").format(
        name=esc(owner.name), bot=context.bot.username, interested=_("🙋 I'm interested")))


async def link_group(update: Update, context: Ctx) -> None:
    """/link in a group: the RM who sends it owns the group's leads and questions."""
    chat = context.chat
    if context.staff is None:
        await reply(update, _("Only the bank's staff can link this group."))
        return
    groups, now = context.storage.groups, context.clock.now()
    existing = await groups.get(chat.id)
    owner = (await context.storage.staff.get(existing.owner_id)
             if existing is not None and existing.owner_id != context.me.id else None)
    # A group whose owner no longer has access is free to link: nobody would answer it.
    if existing is not None and existing.active and owner is not None and owner.active:
        await reply(update, _("This group is already linked to {name}. A team lead can "
                              "reassign it with /groups in private chat.").format(
            name=esc(owner.name)))
        return
    language = existing.language if existing else current_language()
    await context.storage.link_group(context.me.id, chat.id, chat.title or "", language, now)
    activate(language, context.me.timezone)
    markup = keyboard([[ChooseGroupLanguage(code).button(LANGUAGE_NAMES[code])]
                       for code in LANGUAGES])
    await reply(update, _("This group is now linked to {name}. Members can ask me about our "
                          "products with /products. Which language should I use here?").format(
        name=esc(context.me.name)), markup)


async def choose_group_language(update: Update, context: Ctx) -> None:
    """The owning RM picks the language the bot speaks in the group."""
    chat = context.chat
    group = await context.storage.groups.get(chat.id)
    language = context.action(ChooseGroupLanguage).language
    if (group is None or context.staff is None or group.owner_id != context.me.id
            or language not in LANGUAGES):
        await expired(update)
        return
    await context.storage.set_group_language(context.me.id, chat.id, language,
                                             context.clock.now())
    activate(language, context.me.timezone)
    await context.query.answer()
    await edit_or_reply(update, _("From now on I speak {language} in this group.").format(
        language=LANGUAGE_NAMES[language]))


def _left(change: ChatMemberUpdated) -> bool:
    return change.new_chat_member.status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)


async def track_membership(update: Update, context: Ctx) -> None:
    """Follow the bot's membership: a group it left, or a private chat that blocked it."""
    change = update.my_chat_member
    if change is None:
        return
    if change.chat.type == "private":
        # Blocking the bot, or unblocking it: pushes pause or resume at once.
        if await context.storage.staff.get(change.chat.id) is not None:
            await context.storage.staff.set_reachable(change.chat.id, not _left(change))
        return
    if change.chat.type not in ("group", "supergroup"):
        return
    group = await context.storage.groups.get(change.chat.id)
    if group is None or not group.active:
        if not _left(change):
            # Added to a group nobody linked: left unless staff links it in a few minutes.
            await context.storage.groups.note_joined(change.chat.id, context.clock.now())
        if group is None:
            return
    active = not _left(change)
    if active != group.active:
        await context.storage.set_group_active(change.from_user.id, change.chat.id, active,
                                               context.clock.now())


async def follow_migration(update: Update, context: Ctx) -> None:
    """A group became a supergroup: its link, queued posts and questions follow it."""
    message = context.message
    if message.migrate_to_chat_id:
        old, new = message.chat_id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat_id
    else:
        return
    await context.storage.migrate_group(old, new, context.clock.now())


async def show_products_in_group(update: Update, context: Ctx) -> None:
    """/products in a group: the catalog in the group's language, for everyone there."""
    chat = context.chat
    group = await context.storage.groups.get(chat.id)
    language = group.language if group else current_language()
    text, markup = await list_for_group(update, context, language)
    await reply(update, text, markup)
