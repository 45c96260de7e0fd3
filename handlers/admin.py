"""Administration: invite links, teams, and the staff's roles and access."""

from __future__ import annotations

from datetime import timedelta

from telegram import Update

from core.buttons import button, keyboard
from core.context import Ctx
from core.i18n import _, format_datetime, ngettext
from core.languages import language_of
from core.messages import edit_or_reply, esc, reply
from handlers.common import expired
from handlers.menu import publish_menu, remove_menu
from handlers.preferences import ROLE_NAMES
from storage.staff import ROLES, Staff

PAGE_SIZE = 10
_CHANGES = {"stfr": "staff.role", "stft": "staff.team", "stfa": "staff.access"}
MAX_TEAM_NAME = 60


async def _require_admin(update: Update, context: Ctx) -> bool:
    if context.me.is_admin:
        return True
    text = _("Only an administrator can do this.")
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await reply(update, text)
    return False


async def start_invite(update: Update, context: Ctx) -> None:
    """Ask which role the invited colleague will have."""
    if not await _require_admin(update, context):
        return
    markup = keyboard([[button(_(ROLE_NAMES[role]), "inv", role)] for role in ROLES])
    await reply(update, _("Who is the invite for?"), markup)


async def pick_invite_team(update: Update, context: Ctx) -> None:
    """Ask for the team after the role, then create the link."""
    assert update.callback_query is not None and context.button is not None
    if not await _require_admin(update, context):
        return
    args = context.button[1:]
    if not args or args[0] not in ROLES:
        await expired(update)
        return
    await update.callback_query.answer()
    role = args[0]
    teams = await context.storage.teams.list_all()
    if len(args) == 1 and teams:
        rows = [[button(team.name, "inv", role, team.id)] for team in teams]
        rows.append([button(_("No team"), "inv", role, 0)])
        await edit_or_reply(update, _("Which team will they join?"), keyboard(rows))
        return
    team_id = int(args[1]) if len(args) > 1 and args[1].isdigit() and args[1] != "0" else None
    if team_id is not None and await context.storage.teams.get(team_id) is None:
        await edit_or_reply(update, _("This team no longer exists. Please start again."))
        return
    now = context.clock.now()
    invite = await context.storage.invites.create(
        role=role, team_id=team_id, created_by=context.me.id, now=now,
        ttl=timedelta(hours=context.settings.invite_ttl_hours),
    )
    await context.storage.audit.record(
        actor_id=context.me.id, action="invite.created", entity="invite", entity_id=invite.code,
        now=now, detail={"role": role, "team_id": team_id},
    )
    link = f"https://t.me/{context.bot.username}?start={invite.code}"
    await edit_or_reply(update, _(
        "Here is a single-use invite link ({role}). Send it to your colleague in a private "
        "message; it expires on {expires}.\n\n{link}"
    ).format(role=_(ROLE_NAMES[role]), expires=format_datetime(invite.expires_at),
             link=link))


async def list_invites(update: Update, context: Ctx) -> None:
    """List the invite links nobody has used yet, each with a button to revoke it."""
    if not await _require_admin(update, context):
        return
    invites = await context.storage.invites.list_open(context.clock.now())
    if not invites:
        await reply(update, _("There are no open invite links. Create one with /invite."))
        return
    lines = [_("<b>Open invite links</b>")]
    rows = []
    for number, invite in enumerate(invites, start=1):
        lines.append(_("{number}. {role}, expires {expires}").format(
            number=number, role=_(ROLE_NAMES[invite.role]),
            expires=format_datetime(invite.expires_at)))
        rows.append([button(_("Revoke {number}").format(number=number), "invrev", invite.code)])
    await reply(update, "\n".join(lines), keyboard(rows))


async def revoke_invite(update: Update, context: Ctx) -> None:
    """Make an open invite link unusable."""
    assert update.callback_query is not None and context.button is not None
    if not await _require_admin(update, context):
        return
    code = context.button[1] if len(context.button) > 1 else ""
    now = context.clock.now()
    revoked = await context.storage.invites.revoke(code, now)
    await update.callback_query.answer()
    if revoked:
        await context.storage.audit.record(
            actor_id=context.me.id, action="invite.revoked", entity="invite", entity_id=code,
            now=now,
        )
        await edit_or_reply(update, _("The invite link was revoked."))
    else:
        await edit_or_reply(update, _("This invite link was already used or has expired."))


async def create_team(update: Update, context: Ctx) -> None:
    """Create a team: /newteam <name>."""
    if not await _require_admin(update, context):
        return
    name = " ".join(context.args or []).strip()
    if not name or len(name) > MAX_TEAM_NAME:
        await reply(update, _(
            "Please give the team a name of at most {limit} characters, for example: {example}"
        ).format(limit=MAX_TEAM_NAME, example=_("/newteam Ben Thanh retail")))
        return
    now = context.clock.now()
    team = await context.storage.teams.create(name, now)
    if team is None:
        await reply(update, _("A team called “{name}” already exists.").format(name=esc(name)))
        return
    await context.storage.audit.record(
        actor_id=context.me.id, action="team.created", entity="team", entity_id=team.id, now=now,
        detail={"name": name},
    )
    await reply(update, _("Team “{name}” created. Invite its members with /invite.").format(
        name=esc(name)))


async def list_teams(update: Update, context: Ctx) -> None:
    """List the teams and how many active members each has."""
    if not await _require_admin(update, context):
        return
    teams = await context.storage.teams.list_all()
    if not teams:
        await reply(update, _(
            "There are no teams yet. Create one with /newteam followed by its name."))
        return
    lines = [_("<b>Teams</b>")]
    lines += [ngettext("{name}: {count} member", "{name}: {count} members", team.members).format(
        name=esc(team.name), count=team.members)
              for team in teams]
    await reply(update, "\n".join(lines))


def _staff_line(member: Staff, team_names: dict[int, str]) -> str:
    team = team_names.get(member.team_id or 0, _("no team"))
    state = "" if member.active else _(" (access off)")
    return f"{esc(member.name)} · {_(ROLE_NAMES[member.role])} · {esc(team)}{state}"


async def list_staff(update: Update, context: Ctx) -> None:
    """List the staff, a page at a time, with a button to manage each person."""
    if not await _require_admin(update, context):
        return
    page = 0
    if context.button is not None and len(context.button) > 1 and context.button[1].isdigit():
        page = int(context.button[1])
        assert update.callback_query is not None
        await update.callback_query.answer()
    members = await context.storage.staff.list_all()
    team_names = {team.id: team.name for team in await context.storage.teams.list_all()}
    shown = members[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
    lines = [_("<b>Staff</b> ({count})").format(count=len(members))]
    lines += [_staff_line(member, team_names) for member in shown]
    rows = [[button(member.name[:40], "stf", member.id)] for member in shown]
    pager = []
    if page > 0:
        pager.append(button(_("◀ Previous"), "stfs", page - 1))
    if (page + 1) * PAGE_SIZE < len(members):
        pager.append(button(_("Next ▶"), "stfs", page + 1))
    rows.append(pager)
    await edit_or_reply(update, "\n".join(lines), keyboard(rows))


async def _show_member(update: Update, context: Ctx, member: Staff) -> None:
    team_names = {team.id: team.name for team in await context.storage.teams.list_all()}
    rows = [[button(_(ROLE_NAMES[role]), "stfr", member.id, role)
             for role in ROLES if role != member.role]]
    rows += [[button(name, "stft", member.id, team_id)]
             for team_id, name in team_names.items() if team_id != member.team_id]
    if member.team_id is not None:
        rows.append([button(_("Remove from team"), "stft", member.id, 0)])
    if member.active:
        rows.append([button(_("Turn off access"), "stfa", member.id, 0)])
    else:
        rows.append([button(_("Restore access"), "stfa", member.id, 1)])
    await edit_or_reply(update, _staff_line(member, team_names), keyboard(rows))


async def _member_from_button(update: Update, context: Ctx) -> Staff | None:
    assert update.callback_query is not None and context.button is not None
    if not await _require_admin(update, context):
        return None
    raw = context.button[1] if len(context.button) > 1 else ""
    member = await context.storage.staff.get(int(raw)) if raw.isdigit() else None
    if member is None:
        await expired(update)
        return None
    return member


async def show_member(update: Update, context: Ctx) -> None:
    """Show one member of staff with buttons to change role, team or access."""
    member = await _member_from_button(update, context)
    if member is None:
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    await _show_member(update, context, member)


async def change_member(update: Update, context: Ctx) -> None:
    """Apply a role, team or access change to a member of staff."""
    member = await _member_from_button(update, context)
    if member is None:
        return
    assert update.callback_query is not None and context.button is not None
    action, value = context.button[0], context.button[2] if len(context.button) > 2 else ""
    if member.id == context.me.id and action in ("stfr", "stfa"):
        await update.callback_query.answer(
            _("You cannot change your own role or access; ask another administrator."),
            show_alert=True)
        return
    staff_repo = context.storage.staff
    if action == "stfr" and value in ROLES:
        await staff_repo.set_role(member.id, value)
    elif action == "stft" and value.isdigit():
        team_id = int(value) or None
        if team_id is not None and await context.storage.teams.get(team_id) is None:
            await update.callback_query.answer(_("This team no longer exists. Please start again."))
            return
        await staff_repo.set_team(member.id, team_id)
    elif action == "stfa" and value in ("0", "1"):
        await staff_repo.set_active(member.id, value == "1")
    else:
        await expired(update)
        return
    await context.storage.audit.record(
        actor_id=context.me.id, action=_CHANGES[action], entity="staff", entity_id=member.id,
        now=context.clock.now(), detail={"value": value},
    )
    await update.callback_query.answer(_("Saved."))
    updated = await staff_repo.get(member.id)
    assert updated is not None
    if action == "stfa" and not updated.active:
        await remove_menu(context.bot, updated.id)
    elif action in ("stfr", "stfa"):
        await publish_menu(context.bot, updated,
                           language_of(updated, context.settings.default_language))
    await _show_member(update, context, updated)
