"""Administration (handlers/admin.py): teams, invite links, the staff list, roles and access; an
RM cannot use any of it, even with a validly signed button."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import buttons
from core.i18n import active
from handlers.menu import menu_for
from playground.fake_updates import Person
from tests.harness import Harness, answer_of, of, only_message, shown, tr
from tests.staff import ONLY_ADMIN, as_admin, commands_in, invite_link_code, scope_chat

# -- administration ----------------------------------------------------------------------------


async def test_newteam_validation(bot: Harness, admin: Person) -> None:
    await as_admin(bot, admin)
    hint = tr("vi", "Please give the team a name of at most {limit} characters, for example: "
                    "{example}").format(limit=60, example=tr("vi", "/newteam Ben Thanh retail"))
    assert only_message(await bot.send(admin, "/newteam")).text == hint
    assert only_message(await bot.send(admin, "/newteam    ")).text == hint
    assert only_message(await bot.send(admin, "/newteam " + "x" * 61)).text == hint
    assert await bot.storage.teams.list_all() == []
    ok = only_message(await bot.send(admin, "/newteam " + "y" * 60))
    assert "y" * 60 in ok.text and ok.text != hint
    created = only_message(await bot.send(admin, "/newteam Nhóm Bến Thành"))
    assert "Nhóm Bến Thành" in created.text
    duplicate = only_message(await bot.send(admin, "/newteam nhóm bến thành"))
    assert duplicate.text == tr("vi", "A team called “{name}” already exists.").format(
        name="nhóm bến thành")
    teams = await bot.storage.teams.list_all()
    assert sorted(team.name for team in teams) == sorted(["y" * 60, "Nhóm Bến Thành"])
    team_id = next(team.id for team in teams if team.name == "Nhóm Bến Thành")
    assert await bot.storage.audit.actions_for("team", team_id) == ["team.created"]


async def test_teams_list(bot: Harness, admin: Person, rm: Person) -> None:
    await as_admin(bot, admin)
    empty = only_message(await bot.send(admin, "/teams"))
    assert empty.text == tr("vi", "There are no teams yet. Create one with /newteam followed by "
                                  "its name.")
    team = await bot.storage.teams.create("Bến Thành", bot.clock.now())
    await bot.storage.teams.create("Chợ Lớn", bot.clock.now())
    assert team is not None
    await bot.register(rm, team_id=team.id)
    listing = only_message(await bot.send(admin, "/teams")).text
    assert tr("vi", "<b>Teams</b>") in listing
    assert "Bến Thành: 1 thành viên" in listing and "Chợ Lớn: 0 thành viên" in listing


async def test_invite_for_a_team(bot: Harness, admin: Person, rm: Person) -> None:
    await as_admin(bot, admin)
    await bot.send(admin, "/newteam Bến Thành")
    await bot.send(admin, "/invite")
    role_calls = await bot.press(admin, tr("vi", "Relationship manager"))
    labels = [label for label, _data in only_message(role_calls).buttons]
    assert labels == ["Bến Thành", tr("vi", "No team")]
    code = (await _press_and_read_code(bot, admin, "Bến Thành"))
    team = (await bot.storage.teams.list_all())[0]
    calls = await bot.send(rm, f"/start {code}")
    assert any(call.method == "setMyCommands" and scope_chat(call) == rm.id for call in calls)
    staff = await bot.storage.staff.get(rm.id)
    assert staff is not None and (staff.role, staff.team_id) == ("rm", team.id)
    assert "staff.registered" in await bot.storage.audit.actions_for("staff", rm.id)
    assert len(await bot.storage.audit.db.fetch_all(
        "SELECT * FROM audit_log WHERE action = 'invite.created'")) == 1


async def _press_and_read_code(bot: Harness, admin: Person, label: str) -> str:
    calls = await bot.press(admin, label)
    text = only_message(calls).text
    assert "https://t.me/rapport_bot?start=" in text
    return text.split("?start=")[1].split()[0]


async def test_invite_without_teams_needs_no_team_step(bot: Harness, admin: Person) -> None:
    await as_admin(bot, admin)
    code = await invite_link_code(bot, admin, tr("vi", "Team lead"))
    invites = await bot.storage.invites.list_open(bot.clock.now())
    assert [(i.code, i.role, i.team_id) for i in invites] == [(code, "lead", None)]
    assert invites[0].expires_at == bot.clock.now() + timedelta(hours=72)


async def test_invites_list_and_revoke(bot: Harness, admin: Person, rm: Person) -> None:
    await as_admin(bot, admin)
    empty = only_message(await bot.send(admin, "/invites"))
    assert empty.text == tr("vi", "There are no open invite links. Create one with /invite.")
    code = await invite_link_code(bot, admin, tr("vi", "Relationship manager"))
    await invite_link_code(bot, admin, tr("vi", "Admin"))
    listing = only_message(await bot.send(admin, "/invites"))
    assert tr("vi", "<b>Open invite links</b>") in listing.text
    assert [label for label, _data in listing.buttons] == [
        tr("vi", "Revoke {number}").format(number=n) for n in (1, 2)]
    assert code not in listing.text  # the links themselves are not repeated
    calls = await bot.press(admin, tr("vi", "Revoke {number}").format(number=1), listing)
    assert only_message(calls).text == tr("vi", "The invite link was revoked.")
    open_codes = [i.code for i in await bot.storage.invites.list_open(bot.clock.now())]
    assert code not in open_codes and len(open_codes) == 1
    assert "invite.revoked" in await bot.storage.audit.actions_for("invite", code)
    again = await bot.press(admin, tr("vi", "Revoke {number}").format(number=1), listing)
    assert answer_of(again).params["text"] == tr("vi", "Already handled.")
    assert shown(again) == []
    refused = only_message(await bot.send(rm, f"/start {code}"))
    assert "Chào mừng" not in refused.text
    assert await bot.storage.staff.get(rm.id) is None


async def test_expired_invite_link(bot: Harness, admin: Person, rm: Person) -> None:
    await as_admin(bot, admin)
    code = await invite_link_code(bot, admin, tr("vi", "Relationship manager"))
    bot.clock.advance(hours=73)
    await bot.send(rm, f"/start {code}")
    assert await bot.storage.staff.get(rm.id) is None


async def _fill_staff(bot: Harness, count: int) -> list[str]:
    names = [f"Staff {number:02d}" for number in range(1, count + 1)]
    for number, name in enumerate(names, start=1):
        await bot.storage.staff.register(
            staff_id=5000 + number, name=name, username=None, role="rm", team_id=None,
            timezone="Asia/Ho_Chi_Minh", region="VN", invited_by=None, now=bot.clock.now())
    return names


async def test_staff_paging(bot: Harness, admin: Person) -> None:
    await as_admin(bot, admin)
    names = ["Hùng Trần", *await _fill_staff(bot, 24)]
    nxt, prev = tr("vi", "Next ▶"), tr("vi", "◀ Previous")
    page = only_message(await bot.send(admin, "/staff"))
    assert tr("vi", "<b>Staff</b> ({count})").format(count=25) in page.text
    assert [label for label, _data in page.buttons] == [*names[:10], nxt]
    calls = await bot.press(admin, nxt, page)
    page = only_message(calls)
    assert page.method == "editMessageText"
    assert [label for label, _data in page.buttons] == [*names[10:20], prev, nxt]
    page = only_message(await bot.press(admin, nxt, page))
    assert [label for label, _data in page.buttons] == [*names[20:], prev]
    assert all(name in page.text for name in names[20:])
    assert names[0] not in page.text
    page = only_message(await bot.press(admin, prev, page))
    assert [label for label, _data in page.buttons][:10] == names[10:20]


async def test_admin_changes_a_role(bot: Harness, admin: Person, rm: Person) -> None:
    await as_admin(bot, admin)
    await bot.register(rm, language="zh_Hans")
    await bot.send(admin, "/staff")
    member = only_message(await bot.press(admin, "Lan"))
    role_labels = [label for label, _data in member.buttons][:2]
    assert role_labels == [tr("vi", "Team lead"), tr("vi", "Admin")]
    calls = await bot.press(admin, tr("vi", "Team lead"), member)
    staff = await bot.storage.staff.get(rm.id)
    assert staff is not None and staff.role == "lead"
    menus = of(calls, "setMyCommands")
    assert len(menus) == 1 and scope_chat(menus[0]) == rm.id
    with active("zh_Hans", "UTC"):
        expected = [(c.command, c.description) for c in menu_for("lead")]
    assert commands_in(menus[0]) == expected
    assert tr("vi", "Team lead") in only_message(calls).text
    assert "staff.role" in await bot.storage.audit.actions_for("staff", rm.id)
    # Promoted to admin, they can use the admin tools.
    await bot.press(admin, tr("vi", "Admin"), bot.last_for(admin))
    assert tr("zh_Hans", "<b>Staff</b> ({count})").format(count=2) in only_message(
        await bot.send(rm, "/staff")).text


async def test_admin_cannot_change_their_own_role_or_access(
    bot: Harness, admin: Person
) -> None:
    await as_admin(bot, admin)
    await bot.send(admin, "/staff")
    member = only_message(await bot.press(admin, "Hùng"))
    own = tr("vi", "You cannot change your own role or access; ask another administrator.")
    for label in (tr("vi", "Relationship manager"), tr("vi", "Turn off access")):
        calls = await bot.press(admin, label, member)
        answer = answer_of(calls)
        assert answer.params["text"] == own and answer.params.get("show_alert") is True
        assert shown(calls) == [] and of(calls, "deleteMyCommands") == []
    staff = await bot.storage.staff.get(admin.id)
    assert staff is not None and staff.role == "admin" and staff.active


async def test_admin_moves_a_member_between_teams(bot: Harness, admin: Person, rm: Person) -> None:
    await as_admin(bot, admin)
    await bot.send(admin, "/newteam Bến Thành")
    await bot.register(rm)
    await bot.send(admin, "/staff")
    member = only_message(await bot.press(admin, "Lan"))
    calls = await bot.press(admin, "Bến Thành", member)
    staff = await bot.storage.staff.get(rm.id)
    assert staff is not None and staff.team_id is not None
    calls = await bot.press(admin, tr("vi", "Remove from team"), only_message(calls))
    staff = await bot.storage.staff.get(rm.id)
    assert staff is not None and staff.team_id is None
    assert of(calls, "setMyCommands") == []  # a team change does not touch the menu


@pytest.mark.parametrize("command", ["/invite", "/invites", "/staff", "/teams", "/newteam X"])
async def test_rm_cannot_use_admin_commands(
    bot: Harness, admin: Person, rm: Person, command: str
) -> None:
    await as_admin(bot, admin)
    await bot.register(rm, language="zh_Hans")
    message = only_message(await bot.send(rm, command))
    assert message.text == tr("zh_Hans", ONLY_ADMIN)
    assert not message.buttons
    assert await bot.storage.teams.list_all() == []


async def test_validly_signed_admin_buttons_are_refused_to_an_rm(
    bot: Harness, admin: Person, rm: Person
) -> None:
    await as_admin(bot, admin)
    await bot.register(rm, language="vi")
    team = await bot.storage.teams.create("Bến Thành", bot.clock.now())
    invite = await bot.storage.invites.create(role="rm", team_id=None, created_by=admin.id,
                                              now=bot.clock.now(), ttl=timedelta(hours=1))
    assert team is not None
    stale = [
        buttons.pack("inv", "admin", owner=rm.id),
        buttons.pack("inv", "admin", team.id, owner=rm.id),
        buttons.pack("invrev", invite.code, owner=rm.id),
        buttons.pack("stfs", 1, owner=rm.id),
        buttons.pack("stf", admin.id, owner=rm.id),
        buttons.pack("stfr", rm.id, "admin", owner=rm.id),
        buttons.pack("stfr", admin.id, "rm", owner=rm.id),
        buttons.pack("stft", rm.id, team.id, owner=rm.id),
        buttons.pack("stfa", admin.id, 0, owner=rm.id),
    ]
    for data in stale:
        calls = await bot.press_data(rm, data)
        answer = answer_of(calls)
        assert answer.params["text"] == tr("vi", ONLY_ADMIN), data
        assert answer.params.get("show_alert") is True
        assert shown(calls) == [], data
    me, boss = await bot.storage.staff.get(rm.id), await bot.storage.staff.get(admin.id)
    assert me is not None and (me.role, me.team_id) == ("rm", None)
    assert boss is not None and boss.role == "admin" and boss.active
    assert [i.code for i in await bot.storage.invites.list_open(bot.clock.now())] == [invite.code]


async def test_demoted_admin_keeps_dead_buttons(bot: Harness, admin: Person) -> None:
    second = Person(1001, "Quân", language_code="en")
    await as_admin(bot, admin)
    await bot.register(second, role="admin", language="en")
    await bot.send(second, "/staff")
    their_list = bot.last_for(second)
    await bot.send(admin, "/staff")
    await bot.press(admin, "Quân")
    await bot.press(admin, tr("vi", "Relationship manager"))
    demoted = await bot.storage.staff.get(second.id)
    assert demoted is not None and demoted.role == "rm"
    calls = await bot.press(second, "Hùng", their_list)
    assert answer_of(calls).params["text"] == ONLY_ADMIN
    assert shown(calls) == []


# -- invites and access ------------------------------------------------------------------------

INVALID_INVITE = ("This invite link is not valid: it may have been used already or have expired. "
                  "Please ask your administrator for a new one.")
ACCESS_OFF = ("Your access to Rapport has been turned off, and an invite link cannot turn it "
              "back on. Please ask an administrator to restore your access.")


async def test_invites_go_with_their_makers_access(bot: Harness, admin: Person) -> None:
    """A second administrator makes an admin invite, then leaves: the invite stops working."""
    await as_admin(bot, admin)
    deputy = Person(2500, "Thảo", "Vũ", language_code="vi")
    await bot.register(deputy, "admin", language="vi")
    code = await invite_link_code(bot, deputy, tr("vi", "Admin"))
    rm_code = await invite_link_code(bot, deputy, tr("vi", "Relationship manager"))
    await bot.send(admin, "/staff")
    await bot.press(admin, "Thảo")
    await bot.press(admin, tr("vi", "Turn off access"))
    assert await bot.storage.invites.list_open(bot.clock.now()) == []
    assert "invite.revoked" in await bot.storage.audit.actions_for("staff", deputy.id)
    newcomer = Person(2600, "Mallory", language_code="en")
    for used in (code, rm_code):
        assert only_message(await bot.send(newcomer, f"/start {used}")).text == tr(
            "en", INVALID_INVITE)
    assert await bot.storage.staff.get(newcomer.id) is None
    # An invite made before its maker left (access turned off elsewhere) does not work either.
    late = await bot.storage.invites.create(role="admin", team_id=None, created_by=deputy.id,
                                            now=bot.clock.now(), ttl=timedelta(hours=1))
    assert only_message(await bot.send(newcomer, f"/start {late.code}")).text == tr(
        "en", INVALID_INVITE)
    assert await bot.storage.staff.get(newcomer.id) is None


@pytest.mark.parametrize("language", ["vi", "zh_Hans", "zh_Hant"])
async def test_a_deactivated_rm_cannot_come_back_with_an_invite(
        bot: Harness, admin: Person, language: str) -> None:
    await as_admin(bot, admin)
    lan = Person(2001, "Lan", "Nguyễn", language_code=language.replace("_", "-").lower())
    await bot.register(lan, "rm", language=language)
    await bot.send(admin, "/staff")
    await bot.press(admin, "Lan")
    await bot.press(admin, tr("vi", "Turn off access"))
    code = await invite_link_code(bot, admin, tr("vi", "Admin"))
    answer = only_message(await bot.send(lan, f"/start {code}"))
    assert answer.text == tr(language, ACCESS_OFF)
    assert answer.text != ACCESS_OFF
    staff = await bot.storage.staff.get(lan.id)
    assert staff is not None and not staff.active and staff.role == "rm"
    assert [i.code for i in await bot.storage.invites.list_open(bot.clock.now())] == [code]
    # An administrator restores access: that is the way back.
    await bot.send(admin, "/staff")
    await bot.press(admin, "Lan")
    await bot.press(admin, tr("vi", "Restore access"))
    staff = await bot.storage.staff.get(lan.id)
    assert staff is not None and staff.active
