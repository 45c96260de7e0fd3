"""Posting offers to the RM's groups from private chat, and managing who owns which group."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, Update

from core.actions import (
    CancelPost,
    PickGroupOwner,
    PickPostProduct,
    PreviewPost,
    ReassignGroup,
    SchedulePost,
    SendPostNow,
    TogglePostGroup,
)
from core.buttons import keyboard
from core.context import Ctx
from core.i18n import _, current_language, format_datetime, ngettext
from core.messages import edit_or_reply, esc, reply, send_photo_text
from domain.catalog import pick
from handlers.common import ask, expired
from handlers.followups import examples, read_when
from storage import Storage
from storage.changes import NewPost

POST_FLOW = "post"  # data {"step", "text", "photo", "product_id", "groups": [chat ids]}
MAX_POST = 3500     # leaves room for the product line (a longer caption follows its photo)
MAX_PRODUCTS_SHOWN = 20


async def product_name(storage: Storage, product_id: int | None, language: str) -> str:
    """A catalog product's name in a language (English, then any, when it lacks one)."""
    product = await storage.catalog.get(product_id) if product_id else None
    return pick(product.names, language) if product is not None else ""


async def start_post(update: Update, context: Ctx) -> None:
    """/post: compose an offer for one or more of the RM's groups."""
    groups = await context.storage.groups.owned_by([context.me.id])
    if not groups:
        await reply(update, _("You have no linked group yet. Add me to a merchant group and "
                              "send /link there."))
        return
    await ask(update, context, POST_FLOW, {"step": "content", "groups": []},
              _("Send the text of your post, or a photo with a caption. (/cancel to stop)"))


async def receive_content(update: Update, context: Ctx, data: dict[str, Any]) -> None:
    """Take the post's text (or photo and caption), then ask for the product."""
    message = context.message
    if data.get("step") == "when":
        await _schedule(update, context, data)
        return
    text = (message.text or message.caption or "").strip()
    photo = message.photo[-1].file_id if message.photo else None
    if not text and photo is None:
        await reply(update, _("Please send some text or a photo."))
        return
    if len(text) > MAX_POST:
        await reply(update, _("That post is too long ({length} characters, at most {limit})."
                              ).format(length=len(text), limit=MAX_POST))
        return
    data.update(step="product", text=text, photo=photo)
    await context.storage.states.set(context.me.id, message.chat_id, POST_FLOW, data,
                                     context.clock.now())
    products = await context.storage.catalog.active_products()
    rows = [[PickPostProduct(p.id).button(
        await product_name(context.storage, p.id, current_language()) or p.code)]
        for p in products[:MAX_PRODUCTS_SHOWN]]
    rows.append([PickPostProduct(0).button(_("No product"))])
    await reply(update, _("Which product is this post about? Interested members become leads "
                          "for it."), keyboard(rows))


async def _state(update: Update, context: Ctx) -> dict[str, Any] | None:
    state = await context.storage.states.get(context.me.id, context.chat.id)
    if state is None or state.flow != POST_FLOW:
        await expired(update)
        return None
    return state.data


async def _save(update: Update, context: Ctx, data: dict[str, Any]) -> None:
    chat = context.chat
    await context.storage.states.set(context.me.id, chat.id, POST_FLOW, data,
                                     context.clock.now())


async def pick_product(update: Update, context: Ctx) -> None:
    """Store the product, then offer the groups."""
    data = await _state(update, context)
    if data is None:
        return
    product_id = context.action(PickPostProduct).product_id or None
    if product_id is not None and await context.storage.catalog.get(product_id) is None:
        await expired(update)
        return
    data.update(step="groups", product_id=product_id)
    await _save(update, context, data)
    await context.query.answer()
    await _show_groups(update, context, data)


async def _show_groups(update: Update, context: Ctx, data: dict[str, Any]) -> None:
    chosen = set(data.get("groups", []))
    rows: list[list[InlineKeyboardButton]] = []
    for group in await context.storage.groups.owned_by([context.me.id]):
        mark = "✅" if group.chat_id in chosen else "⬜"
        rows.append([TogglePostGroup(group.chat_id).button(f"{mark} {group.title[:40]}")])
    if chosen:
        rows.append([PreviewPost().button(_("Preview ▶"))])
    await edit_or_reply(update, _("Post to which groups? Tap to select."), keyboard(rows))


async def toggle_group(update: Update, context: Ctx) -> None:
    """Select or unselect a group for the post."""
    data = await _state(update, context)
    if data is None:
        return
    chat_id = context.action(TogglePostGroup).chat_id
    group = await context.storage.groups.get(chat_id)
    if group is None or group.owner_id != context.me.id or not group.active:
        await expired(update)
        return
    chosen = set(data.get("groups", []))
    chosen ^= {chat_id}
    data["groups"] = sorted(chosen)
    await _save(update, context, data)
    await context.query.answer()
    await _show_groups(update, context, data)


async def _post_text(context: Ctx, data: dict[str, Any], language: str) -> str:
    text = esc(data.get("text", ""))
    name = await product_name(context.storage, data.get("product_id"), language)
    return f"{text}\n\n📌 <b>{esc(name)}</b>" if name else text


async def preview(update: Update, context: Ctx) -> None:
    """Show the post as the groups will see it, with send, schedule and cancel."""
    data = await _state(update, context)
    if data is None:
        return  # _state has answered "expired" already: a query is answered once
    if not data.get("groups"):
        await expired(update)
        return
    await context.query.answer()
    chat = context.chat
    text = await _post_text(context, data, current_language())
    if data.get("photo"):
        await send_photo_text(context.bot, chat.id, data["photo"], text)
    else:
        await chat.send_message(text or "…")
    count = len(data["groups"])
    await reply(update, ngettext(
        "This is how it will look ({count} group). Each post gets an “I'm interested” button "
        "in the group's language.",
        "This is how it will look ({count} groups). Each post gets an “I'm interested” button "
        "in the group's language.", count).format(count=count),
                keyboard([[SendPostNow().button(_("Send now")),
                           SchedulePost().button(_("Schedule…"))],
                          [CancelPost().button(_("Cancel"))]]))


async def _queue(update: Update, context: Ctx, data: dict[str, Any], due_now: bool,
                 when: Any = None) -> None:
    now = context.clock.now()
    due = now if due_now else when
    posts = []
    for chat_id in data.get("groups", []):
        group = await context.storage.groups.get(chat_id)
        if group is None or group.owner_id != context.me.id or not group.active:
            continue
        posts.append(NewPost(chat_id, await _post_text(context, data, group.language), due,
                             data.get("product_id"), data.get("photo")))
    await context.storage.states.clear(context.me.id, context.chat.id)
    queued = await context.storage.queue_posts(context.me.id, posts, now)
    if due_now:
        await reply(update, ngettext(
            "Queued for {count} group. Posts go out within Telegram's limits (20 a minute per "
            "group); none is dropped.",
            "Queued for {count} groups. Posts go out within Telegram's limits (20 a minute per "
            "group); none is dropped.", queued).format(count=queued))
    else:
        await reply(update, ngettext("Scheduled for {when} in {count} group.",
                                     "Scheduled for {when} in {count} groups.", queued).format(
            when=f"<b>{format_datetime(due)}</b>", count=queued))


async def send_now(update: Update, context: Ctx) -> None:
    """Queue the post for every selected group, now."""
    data = await _state(update, context)
    if data is None:
        return
    await context.query.answer()
    await _queue(update, context, data, due_now=True)


async def ask_schedule(update: Update, context: Ctx) -> None:
    """Ask when to send the post."""
    data = await _state(update, context)
    if data is None:
        return
    data["step"] = "when"
    await _save(update, context, data)
    await context.query.answer()
    await reply(update, _("When should it go out? {examples}").format(examples=examples()))


async def _schedule(update: Update, context: Ctx, data: dict[str, Any]) -> None:
    when = await read_when(update, context)
    if when is not None:
        await _queue(update, context, data, due_now=False, when=when)


async def cancel_post(update: Update, context: Ctx) -> None:
    """Drop the post being composed."""
    await context.storage.states.clear(context.me.id, context.chat.id)
    await context.query.answer()
    await edit_or_reply(update, _("Cancelled. Nothing was changed."))


async def list_groups(update: Update, context: Ctx) -> None:
    """/groups: the RM's linked groups; a team lead sees the team's and can reassign."""
    me = context.me
    # Those whose access was turned off too: a group they still own is shown, to reassign.
    members = (await context.storage.staff.list_team(me.team_id, with_inactive=True)
               if me.is_lead and me.team_id else [])
    owners = sorted({me.id, *(m.id for m in members)})
    groups = await context.storage.groups.owned_by(owners)
    if not groups:
        await reply(update, _("You have no linked group yet. Add me to a merchant group and "
                              "send /link there."))
        return
    names = {m.id: m.name for m in members} | {me.id: me.name}
    lines = [_("<b>Linked groups</b>")]
    rows = []
    for group in groups:
        lines.append(f"• {esc(group.title)} — {esc(names.get(group.owner_id, '?'))}")
        if me.is_lead and len(owners) > 1:
            rows.append([PickGroupOwner(group.chat_id).button(
                _("Reassign {title}").format(title=group.title[:30]))])
    await reply(update, "\n".join(lines), keyboard(rows) if rows else None)


async def pick_new_owner(update: Update, context: Ctx) -> None:
    """Offer the team's RMs as the group's new owner."""
    group = await context.storage.groups.get(context.action(PickGroupOwner).chat_id)
    me = context.me
    if group is None or not me.is_lead or me.team_id is None:
        await expired(update)
        return
    members = await context.storage.staff.list_team(me.team_id, with_inactive=True)
    if group.owner_id not in {m.id for m in members} | {me.id}:
        await expired(update)
        return
    await context.query.answer()
    rows = [[ReassignGroup(group.chat_id, m.id).button(m.name[:40])] for m in members
            if m.id != group.owner_id and m.active]
    await edit_or_reply(update, _("Who should own “{title}”?").format(title=esc(group.title)),
                        keyboard(rows))


async def reassign_group(update: Update, context: Ctx) -> None:
    """Give the group to another RM of the lead's team."""
    action = context.action(ReassignGroup)
    group = await context.storage.groups.get(action.chat_id)
    new_owner = action.owner_id
    me = context.me
    members = (await context.storage.staff.list_team(me.team_id, with_inactive=True)
               if me.team_id else [])
    team_ids = {m.id for m in members}
    active_ids = {m.id for m in members if m.active}
    if (group is None or not me.is_lead or new_owner not in active_ids
            or group.owner_id not in team_ids | {me.id}):
        await expired(update)
        return
    await context.storage.set_group_owner(me.id, group, new_owner, context.clock.now())
    await context.query.answer(_("Saved."))
    await list_groups(update, context)
