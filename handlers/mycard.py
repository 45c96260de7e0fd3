"""/mycard: the RM's personal "contact me" link and QR code, one per place it is shown
(street, event, branch, merchant group).

A person who scans it opens the bot (``/start card_<token>``), reads who the RM is, and may
share their phone number with the button: that is their consent, recorded, and they become
the RM's prospect with that source, once, however often they share it. The RM is told at once.
"""

from __future__ import annotations

from telegram import InputFile, KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update

from core.actions import SendMyCard
from core.buttons import keyboard
from core.context import Ctx
from core.i18n import _, active
from core.messages import esc, reply
from domain.mycard import SOURCES, deep_link, qr_png
from domain.phones import parse_phone
from handlers.common import expired


async def show_mycard(update: Update, context: Ctx) -> None:
    """Ask where the QR code will be shown (/mycard)."""
    rows = [[SendMyCard(source).button(_(label))] for source, label in SOURCES.items()]
    await reply(update, _(
        "📇 <b>Your contact card</b>\nPeople who scan it can leave their name and phone "
        "number for you. Where will you show it? Each place gets its own code, so you see where "
        "your prospects come from."), keyboard(rows))


async def send_mycard(update: Update, context: Ctx) -> None:
    """Send the QR code and link for the picked place."""
    source = context.action(SendMyCard).source
    if source not in SOURCES:
        await expired(update)
        return
    await context.query.answer()
    card = await context.storage.mycard.card_for(context.me.id, source, context.clock.now())
    link = deep_link(context.bot.username, card.token)
    caption = _("📇 {name} — {source}\nScan to leave your name and phone number, or open: "
                "{link}").format(name=esc(context.me.name), source=_(SOURCES[source]), link=link)
    await context.chat.send_photo(InputFile(qr_png(link), filename="mycard.png"),
                                  caption=caption)


async def start_visit(update: Update, context: Ctx, token: str) -> None:
    """/start card_<token>: say whose card it is and offer to share a phone number."""
    card = await context.storage.mycard.by_token(token)
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    if card is None:
        await reply(update, _("This link is no longer valid."))
        return
    owner = await context.storage.staff.get(card.staff_id)
    if card.staff_id == user.id:
        await reply(update, _("This is your own contact card: show it to customers, they scan "
                              "it to leave you their phone number."))
        return
    await context.storage.mycard.visit(card, user.id, context.clock.now())
    markup = ReplyKeyboardMarkup(
        [[KeyboardButton(_("📞 Share my name and phone number"), request_contact=True)]],
        one_time_keyboard=True, resize_keyboard=True)
    await chat.send_message(_(
        "Hello! {name} is a relationship manager at the bank and would be glad to advise you. "
        "To be contacted, share your name and phone number with the button below: by sharing "
        "them you agree that the bank keeps them to contact you."
    ).format(name=f"<b>{esc(owner.name if owner else '')}</b>"), reply_markup=markup)


async def receive_contact(update: Update, context: Ctx) -> bool:
    """A visitor's own contact after opening a card: they become the RM's prospect. False
    if this person has no card visit waiting for a phone number."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and message.contact is not None and user is not None
    visit = await context.storage.mycard.waiting_visit(user.id)
    if visit is None:
        return False
    if message.contact.user_id != user.id:
        await reply(update, _("Please share your own phone number with the button."))
        return True
    owner = await context.storage.staff.get(visit.card.staff_id)
    region = owner.region if owner else context.settings.default_region
    contact = message.contact
    phone = parse_phone(contact.phone_number, region) or parse_phone(
        "+" + contact.phone_number.lstrip("+"), region)
    if phone is None or owner is None:
        await reply(update, _("Sorry, I could not read that phone number."))
        return True
    name = " ".join(p for p in (contact.first_name, contact.last_name) if p) or user.full_name
    with active(owner.language or context.settings.default_language, owner.timezone):
        note = _("Left their name and phone number through your QR code ({source}) and agreed "
                 "to be contacted.").format(source=_(SOURCES[visit.card.source]))
    await context.storage.mycard.become_prospect(
        visit, name=name, phone=phone.e164, region=region, note=note, now=context.clock.now())
    await update.effective_chat.send_message(  # type: ignore[union-attr]
        _("Thank you! {name} will contact you soon.").format(name=esc(owner.name)),
        reply_markup=ReplyKeyboardRemove())
    return True
