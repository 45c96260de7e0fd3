"""Administration: invite links, teams, and the staff's roles and access."""

from __future__ import annotations

from datetime import timedelta

from telegram import Update

from core.actions import (
    ListStaff,
    PickInviteRole,
    RevokeInvite,
    SetAccess,
    SetRole,
    SetTeam,
    ShowMember,
)
from core.buttons import keyboard
from core.context import Ctx
from core.i18n import _, format_datetime, ngettext
from core.languages import language_of
from core.messages import edit_or_reply, esc, reply
from handlers.common import expired
from handlers.menu import publish_menu, remove_menu
from handlers.preferences import ROLE_NAMES
from storage.staff import ROLES, Staff

PAGE_SIZE = 10
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
    markup = keyboard([[PickInviteRole(role).button(_(ROLE_NAMES[role]))] for role in ROLES])
    await reply(update, _("Who is the invite for?"), markup)


async def pick_invite_team(update: Update, context: Ctx) -> None:
    """Ask for the team after the role, then create the link."""
    if not await _require_admin(update, context):
        return
    action = context.action(PickInviteRole)
    role = action.role
    if role not in ROLES:
        await expired(update)
        return
    await context.query.answer()
    teams = await context.storage.teams.list_all()
    if action.team_id is None and teams:
        rows = [[PickInviteRole(role, team.id).button(team.name)] for team in teams]
        rows.append([PickInviteRole(role, 0).button(_("No team"))])
        await edit_or_reply(update, _("Which team will they join?"), keyboard(rows))
        return
    team_id = action.team_id or None
    if team_id is not None and await context.storage.teams.get(team_id) is None:
        await edit_or_reply(update, _("This team no longer exists. Please start again."))
        return
    now = context.clock.now()
    invite = await context.storage.create_invite(
        context.me.id, role=role, team_id=team_id, now=now,
        ttl=timedelta(hours=context.settings.invite_ttl_hours))
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
        rows.append([RevokeInvite(invite.code).button(_("Revoke {number}").format(number=number))])
    await reply(update, "\n".join(lines), keyboard(rows))


async def revoke_invite(update: Update, context: Ctx) -> None:
    """Make an open invite link unusable."""
    if not await _require_admin(update, context):
        return
    code = context.action(RevokeInvite).code
    now = context.clock.now()
    revoked = await context.storage.revoke_invite(context.me.id, code, now)
    await context.query.answer()
    if revoked:
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
    team = await context.storage.create_team(context.me.id, name, now)
    if team is None:
        await reply(update, _("A team called “{name}” already exists.").format(name=esc(name)))
        return
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
    if isinstance(context.button, ListStaff):
        page = max(context.button.page, 0)
        await context.query.answer()
    members = await context.storage.staff.list_all()
    team_names = {team.id: team.name for team in await context.storage.teams.list_all()}
    shown = members[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
    lines = [_("<b>Staff</b> ({count})").format(count=len(members))]
    lines += [_staff_line(member, team_names) for member in shown]
    rows = [[ShowMember(member.id).button(member.name[:40])] for member in shown]
    pager = []
    if page > 0:
        pager.append(ListStaff(page - 1).button(_("◀ Previous")))
    if (page + 1) * PAGE_SIZE < len(members):
        pager.append(ListStaff(page + 1).button(_("Next ▶")))
    rows.append(pager)
    await edit_or_reply(update, "\n".join(lines), keyboard(rows))


async def _show_member(update: Update, context: Ctx, member: Staff) -> None:
    team_names = {team.id: team.name for team in await context.storage.teams.list_all()}
    rows = [[SetRole(member.id, role).button(_(ROLE_NAMES[role]))
             for role in ROLES if role != member.role]]
    rows += [[SetTeam(member.id, team_id).button(name)]
             for team_id, name in team_names.items() if team_id != member.team_id]
    if member.team_id is not None:
        rows.append([SetTeam(member.id, 0).button(_("Remove from team"))])
    if member.active:
        rows.append([SetAccess(member.id, False).button(_("Turn off access"))])
    else:
        rows.append([SetAccess(member.id, True).button(_("Restore access"))])
    await edit_or_reply(update, _staff_line(member, team_names), keyboard(rows))


async def _member(update: Update, context: Ctx, staff_id: int) -> Staff | None:
    """The member of staff a button names (for an administrator), or None after refusing."""
    if not await _require_admin(update, context):
        return None
    member = await context.storage.staff.get(staff_id)
    if member is None:
        await expired(update)
        return None
    return member


async def show_member(update: Update, context: Ctx) -> None:
    """Show one member of staff with buttons to change role, team or access."""
    member = await _member(update, context, context.action(ShowMember).staff_id)
    if member is None:
        return
    await context.query.answer()
    await _show_member(update, context, member)


async def set_role(update: Update, context: Ctx) -> None:
    """Give a member of staff another role."""
    action = context.action(SetRole)
    member = await _member(update, context, action.staff_id)
    if member is None or not await _not_self(context, member):
        return
    if action.role not in ROLES:
        await expired(update)
        return
    await context.storage.set_role(context.me.id, member.id, action.role, context.clock.now())
    await _changed(update, context, member, menu=True)


async def set_team(update: Update, context: Ctx) -> None:
    """Move a member of staff to another team, or out of any (team 0)."""
    action = context.action(SetTeam)
    member = await _member(update, context, action.staff_id)
    if member is None:
        return
    if action.team_id < 0:
        await expired(update)
        return
    team_id = action.team_id or None
    if team_id is not None and await context.storage.teams.get(team_id) is None:
        await context.query.answer(_("This team no longer exists. Please start again."))
        return
    await context.storage.set_team(context.me.id, member.id, team_id, context.clock.now())
    await _changed(update, context, member, menu=False)


async def set_access(update: Update, context: Ctx) -> None:
    """Turn a member's access off, or back on."""
    action = context.action(SetAccess)
    member = await _member(update, context, action.staff_id)
    if member is None or not await _not_self(context, member):
        return
    departure = await context.storage.set_access(context.me.id, member.id, action.active,
                                                 context.clock.now())
    note = None
    if departure is None or not departure.anything:
        pass
    elif departure.receiver_id != context.me.id:
        receiver = await context.storage.staff.get(departure.receiver_id)
        note = _("Saved. What waited on {name} (groups, questions, leads, queued posts) is "
                 "now {receiver}'s.").format(name=member.name,
                                             receiver=receiver.name if receiver else "?")
    else:
        note = _("Saved. What waited on {name} (groups, questions, leads, queued posts) is "
                 "now yours.").format(name=member.name)
    await _changed(update, context, member, menu=True, note=note)


async def _not_self(context: Ctx, member: Staff) -> bool:
    """An administrator cannot change their own role or access (someone must remain)."""
    if member.id != context.me.id:
        return True
    await context.query.answer(
        _("You cannot change your own role or access; ask another administrator."),
        show_alert=True)
    return False


async def _changed(update: Update, context: Ctx, member: Staff, *, menu: bool,
                   note: str | None = None) -> None:
    """Show the member again; after a change of role or access, update their command menu
    (none at all once their access is off)."""
    await context.query.answer(note or _("Saved."), show_alert=note is not None)
    updated = await context.storage.staff.get(member.id)
    assert updated is not None
    if menu and isinstance(context.button, SetAccess) and not updated.active:
        await remove_menu(context.bot, updated.id)
    elif menu:
        await publish_menu(context.bot, updated,
                           language_of(updated, context.settings.default_language))
    await _show_member(update, context, updated)
