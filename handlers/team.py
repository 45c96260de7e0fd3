"""The weekly sales meeting and the team lead's views: /review, /team, /targets, /reviewtime,
/reassign (hand customers over from an RM who leaves) and /teamgroup (in the team's group)."""

from __future__ import annotations

from datetime import date, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType, MessageLimit

from core.buttons import button, keyboard
from core.context import Ctx
from core.i18n import _, current_language
from core.messages import edit_or_reply, esc, reply
from core.review import (
    report_chart,
    review_text,
    rm_report,
    targets_text,
    team_chart,
    team_report,
    team_text,
    week_label,
)
from domain.activity import (
    ACTIVITIES,
    WEEKDAYS,
    compact,
    last_week,
    parse_targets,
    parse_weekday,
    this_week,
    week_from_ref,
    week_ref,
)
from domain.customers import STAGES
from domain.quiet import parse_hhmm
from handlers.common import button_int, expired
from storage.staff import Staff

CAPTION_LIMIT = MessageLimit.CAPTION_LENGTH  # 1024
PICK_PAGE = 8
# "/review last", "/team trước", "/review 上周": the week that ended.
LAST_WORDS = frozenset({"last", "prev", "previous", "truoc", "tuantruoc", "上周", "上星期",
                        "上礼拜"})
RESET_WORDS = frozenset({"reset", "default", "defaults", "macdinh", "默认"})
OFF_WORDS = frozenset({"off", "stop", "tat", "huy", "取消", "关闭"})


async def send_with_chart(update: Update, png: bytes, text: str,
                          markup: InlineKeyboardMarkup | None = None) -> None:
    """The chart with the text as its caption, or followed by the text when it is long."""
    chat = update.effective_chat
    assert chat is not None
    if len(text) <= CAPTION_LIMIT:
        await chat.send_photo(png, caption=text, reply_markup=markup)
        return
    await chat.send_photo(png)
    await reply(update, text, markup)


def _wants_last_week(context: Ctx) -> bool:
    return bool(context.args) and compact(" ".join(context.args or [])) in LAST_WORDS


# -- /review -----------------------------------------------------------------------------------
async def show_review(update: Update, context: Ctx) -> None:
    """/review: this week so far against the minimums, with a chart; /review last: last week."""
    me, now = context.me, context.clock.now()
    monday = last_week(now, me.timezone) if _wants_last_week(context) \
        else this_week(now, me.timezone)
    await _send_review(update, context, monday)


async def turn_review_week(update: Update, context: Ctx) -> None:
    """A week button under a review: show that week."""
    monday = week_from_ref(button_int(context, 1))
    now = context.clock.now()
    if (monday is None or monday.weekday() != 0
            or monday > this_week(now, context.me.timezone)):
        await expired(update)
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    await _send_review(update, context, monday)


async def _send_review(update: Update, context: Ctx, monday: date) -> None:
    me, now = context.me, context.clock.now()
    report = await rm_report(context.storage, me, monday, now)
    png = await report_chart(report)
    row = [button(_("◀ Week before"), "tmv", week_ref(monday - timedelta(days=7)))]
    current = this_week(now, me.timezone)
    if monday < current:
        row.append(button(_("This week"), "tmv", week_ref(current)))
    await send_with_chart(update, png, review_text(report), keyboard([row]))


# -- /team -------------------------------------------------------------------------------------
async def _lead_team(update: Update, context: Ctx) -> int | None:
    """The team of a lead (or an admin in a team); otherwise say why not and return None."""
    me = context.me
    if not me.is_lead:
        if update.callback_query is not None:
            await expired(update)
        else:
            await reply(update, _("Only a team lead can do this."))
        return None
    if me.team_id is None:
        await reply(update, _("You are not in a team yet. An administrator can set your team "
                              "in /staff."))
        return None
    return me.team_id


async def show_team(update: Update, context: Ctx) -> None:
    """/team: each RM's week against the minimums, their pipeline and overdue follow-ups."""
    team_id = await _lead_team(update, context)
    if team_id is None:
        return
    me, now = context.me, context.clock.now()
    monday = last_week(now, me.timezone) if _wants_last_week(context) \
        else this_week(now, me.timezone)
    report = await team_report(context.storage, team_id, monday, now)
    if report is None:
        await reply(update, _("This team no longer exists."))
        return
    markup = keyboard([[button(_("🔁 Hand over customers"), "tms")]])
    if not report.members:
        await reply(update, team_text(report), markup)
        return
    png = await team_chart(report)
    chat = update.effective_chat
    assert chat is not None
    await chat.send_photo(png, caption=_("👥 <b>Team {team}</b>").format(
        team=esc(report.team_name)) + "\n" + week_label(report.monday, report.current))
    await reply(update, team_text(report), markup)


# -- /targets and /reviewtime ----------------------------------------------------------------
async def show_or_set_targets(update: Update, context: Ctx) -> None:
    """/targets: the team's weekly minimums; a lead changes them: /targets prospects 12 …"""
    me = context.me
    text = " ".join(context.args or []).strip()
    schedule = await context.storage.activity.schedule(me.team_id) if me.team_id else None
    team_name = schedule.name if schedule else None
    if not text:
        targets = await context.storage.activity.targets(me.team_id)
        lines = [targets_text(targets, team_name)]
        if me.is_lead and me.team_id:
            lines.append("")
            lines.append(_("To change them: {example}. To go back to the defaults: {reset}.")
                         .format(example="<code>/targets prospects 12 contacts 10</code>",
                                 reset="<code>/targets reset</code>"))
        await reply(update, "\n".join(lines))
        return
    team_id = await _lead_team(update, context)
    if team_id is None:
        return
    now = context.clock.now()
    if compact(text) in RESET_WORDS:
        await context.storage.activity.reset_targets(team_id)
        await context.storage.audit.record(actor_id=me.id, action="team.targets_reset",
                                           entity="team", entity_id=team_id, now=now)
    else:
        values, unknown = parse_targets(text)
        if unknown or not values:
            await reply(update, _(
                "I did not understand “{text}”. Write each step and its weekly minimum, for "
                "example {example}. The steps: {steps}."
            ).format(text=esc(", ".join(unknown) or text)[:200],
                     example="<code>/targets prospects 12 contacts 10</code>",
                     steps=", ".join(f"<code>{key}</code>" for key in ACTIVITIES)))
            return
        await context.storage.activity.set_targets(team_id, values, me.id, now)
        await context.storage.audit.record(actor_id=me.id, action="team.targets",
                                           entity="team", entity_id=team_id, now=now,
                                           detail={"targets": values})
    targets = await context.storage.activity.targets(team_id)
    await reply(update, _("Saved.") + "\n\n" + targets_text(targets, team_name))


def _day_name(day: int) -> str:
    names = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"),
             _("Saturday"), _("Sunday")]
    return names[day]


async def set_review_time(update: Update, context: Ctx) -> None:
    """/reviewtime: when the weekly review arrives; a lead changes it: /reviewtime mon 08:00."""
    me = context.me
    args = context.args or []
    schedule = await context.storage.activity.schedule(me.team_id) if me.team_id else None
    if not args:
        if schedule is None:
            await reply(update, _("You are not in a team yet. An administrator can set your "
                                  "team in /staff."))
            return
        await reply(update, _(
            "The weekly review of {team} arrives on {day} at {time} (the team lead's time) and "
            "covers the week that ended. A team lead changes it with, for example, {example}."
        ).format(team=esc(schedule.name), day=_day_name(schedule.review_day),
                 time=schedule.review_time, example="<code>/reviewtime mon 08:00</code>"))
        return
    team_id = await _lead_team(update, context)
    if team_id is None:
        return
    at = parse_hhmm(args[-1])
    day = parse_weekday(" ".join(args[:-1])) if len(args) > 1 else None
    if at is None or day is None:
        await reply(update, _("Please give a day and a time, for example {example} "
                              "(days: {days}).").format(
            example="<code>/reviewtime mon 08:00</code>", days=", ".join(WEEKDAYS)))
        return
    await context.storage.activity.set_review_time(team_id, day, at.strftime("%H:%M"))
    now = context.clock.now()
    await context.storage.audit.record(actor_id=me.id, action="team.review_time", entity="team",
                                       entity_id=team_id, now=now,
                                       detail={"day": day, "time": at.strftime("%H:%M")})
    await reply(update, _("Done: the weekly review will arrive on {day} at {time}.").format(
        day=_day_name(day), time=at.strftime("%H:%M")))


# -- /reassign ---------------------------------------------------------------------------------
async def _members(context: Ctx, team_id: int) -> dict[int, Staff]:
    """Everyone in the team, also those whose access was turned off (who left)."""
    members = await context.storage.activity.team_members(team_id, with_inactive=True)
    return {member.id: member for member in members}


async def _from_member(update: Update, context: Ctx) -> tuple[dict[int, Staff], int] | None:
    """The lead's team members and the member named by the button; None after refusing."""
    team_id = await _lead_team(update, context)
    if team_id is None:
        return None
    members = await _members(context, team_id)
    from_id = button_int(context, 1)
    if from_id is None or from_id not in members:
        await expired(update)
        return None
    return members, from_id


def _can_receive(member: Staff) -> bool:
    """Customers go to an active relationship manager of the team."""
    return member.active and member.role == "rm"


def _member_label(member: Staff) -> str:
    return ("🚫 " if not member.active else "") + member.name[:40]


async def start_reassign(update: Update, context: Ctx) -> None:
    """/reassign (or the button under /team): whose customers are handed over?"""
    team_id = await _lead_team(update, context)
    if team_id is None:
        return
    members = await _members(context, team_id)
    rows: list[list[InlineKeyboardButton]] = []
    for member in members.values():
        count = await context.storage.activity.count_owned(member.id)
        if count:
            rows.append([button(f"{_member_label(member)} ({count})", "tmf", member.id)])
    if update.callback_query is not None:
        await update.callback_query.answer()
    if not rows:
        await reply(update, _("Nobody in your team has customers to hand over."))
        return
    rows.append([button(_("Cancel"), "tmq")])
    await edit_or_reply(update, _("Whose customers should be handed over? (🚫: access turned "
                                  "off)"), keyboard(rows))


async def pick_scope(update: Update, context: Ctx) -> None:
    """All of the RM's customers, or one of them?"""
    found = await _from_member(update, context)
    if found is None:
        return
    members, from_id = found
    count = await context.storage.activity.count_owned(from_id)
    assert update.callback_query is not None
    await update.callback_query.answer()
    if not count:
        await edit_or_reply(update, _("{name} has no customers left.").format(
            name=esc(members[from_id].name)))
        return
    await edit_or_reply(update, _("{name} has {count} customers. Hand over all of them, or "
                                  "one?").format(name=esc(members[from_id].name), count=count),
                        keyboard([[button(_("All {count} customers").format(count=count), "tmr",
                                          from_id, 0)],
                                  [button(_("Pick one customer"), "tmp", from_id, 0)],
                                  [button(_("Cancel"), "tmq")]]))


async def pick_customer(update: Update, context: Ctx) -> None:
    """One page of the RM's customers to pick from."""
    found = await _from_member(update, context)
    page = button_int(context, 2)
    if found is None or page is None:
        if found is not None:
            await expired(update)
        return
    members, from_id = found
    customers, total = await context.storage.activity.customers_of(
        from_id, offset=page * PICK_PAGE, limit=PICK_PAGE)
    assert update.callback_query is not None
    await update.callback_query.answer()
    rows = [[button(f"{'🗄 ' if c.archived else ''}{(c.name or _('(no name)'))[:32]} · "
                    f"{_(STAGES[c.stage])}"[:60], "tmr", from_id, c.id)] for c in customers]
    pager = []
    if page > 0:
        pager.append(button(_("◀ Back"), "tmp", from_id, page - 1))
    if (page + 1) * PICK_PAGE < total:
        pager.append(button(_("More ▶"), "tmp", from_id, page + 1))
    rows.append(pager)
    rows.append([button(_("Cancel"), "tmq")])
    await edit_or_reply(update, _("Which customer of {name}? ({count})").format(
        name=esc(members[from_id].name), count=total), keyboard(rows))


async def _scope_label(context: Ctx, from_member: Staff, customer_id: int) -> str | None:
    """'all 12 customers of Lan' or the customer's name; None if the customer is not theirs."""
    if customer_id == 0:
        count = await context.storage.activity.count_owned(from_member.id)
        return _("all {count} customers of {name}").format(count=count,
                                                           name=esc(from_member.name))
    customer = await context.storage.customers.get(from_member.id, customer_id)
    if customer is None:
        return None
    return _("{customer} (a customer of {name})").format(
        customer=f"<b>{esc(customer.name or _('(no name)'))}</b>", name=esc(from_member.name))


async def pick_receiver(update: Update, context: Ctx) -> None:
    """Which RM of the same team takes the customers over?"""
    found = await _from_member(update, context)
    customer_id = button_int(context, 2)
    if found is None or customer_id is None:
        if found is not None:
            await expired(update)
        return
    members, from_id = found
    what = await _scope_label(context, members[from_id], customer_id)
    receivers = [m for m in members.values() if _can_receive(m) and m.id != from_id]
    if what is None:
        await expired(update)
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    if not receivers:
        await edit_or_reply(update, _("There is nobody else in the team to hand over to."))
        return
    rows = [[button(m.name[:40], "tmt", from_id, customer_id, m.id)] for m in receivers]
    rows.append([button(_("Cancel"), "tmq")])
    await edit_or_reply(update, _("Who takes over {what}?").format(what=what), keyboard(rows))


async def _transfer_args(update: Update, context: Ctx) -> tuple[int, Staff, Staff, int] | None:
    """(team, from, to, customer or 0) from a confirm/execute button, all checked again."""
    team_id = await _lead_team(update, context)
    if team_id is None:
        return None
    from_id, customer_id, to_id = (button_int(context, 1), button_int(context, 2),
                                   button_int(context, 3))
    members = await _members(context, team_id)
    if (from_id not in members or to_id not in members or customer_id is None
            or from_id == to_id or not _can_receive(members[to_id])):
        await expired(update)
        return None
    return team_id, members[from_id], members[to_id], customer_id


async def confirm_transfer(update: Update, context: Ctx) -> None:
    """Ask once more before the customers change hands."""
    args = await _transfer_args(update, context)
    if args is None:
        return
    _team_id, from_member, to_member, customer_id = args
    what = await _scope_label(context, from_member, customer_id)
    if what is None:
        await expired(update)
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    await edit_or_reply(update, _(
        "Hand over {what} to {receiver}? Their history stays as it is; open follow-ups move "
        "to {receiver}, and {name} no longer sees them."
    ).format(what=what, receiver=f"<b>{esc(to_member.name)}</b>", name=esc(from_member.name)),
        keyboard([[button(_("Yes, hand over"), "tmx", from_member.id, customer_id,
                          to_member.id)],
                  [button(_("Cancel"), "tmq")]]))


async def transfer(update: Update, context: Ctx) -> None:
    """Move the customers, write the audit log and tell the RM who takes them over."""
    args = await _transfer_args(update, context)
    if args is None:
        return
    team_id, from_member, to_member, customer_id = args
    me, now = context.me, context.clock.now()
    moved = await context.storage.activity.reassign(from_member.id, to_member.id, now,
                                                    customer_id or None)
    assert update.callback_query is not None
    await update.callback_query.answer()
    if not moved:
        await edit_or_reply(update, _("Nothing left to hand over: this was done already."))
        return
    audit = context.storage.audit
    for moved_id in moved:
        await audit.record(actor_id=me.id, action="customer.reassigned", entity="customer",
                           entity_id=moved_id, now=now,
                           detail={"from": from_member.id, "to": to_member.id})
    if not customer_id:
        await audit.record(actor_id=me.id, action="staff.customers_reassigned", entity="staff",
                           entity_id=from_member.id, now=now,
                           detail={"to": to_member.id, "count": len(moved), "team": team_id})
    await context.storage.reminders.create(
        staff_id=to_member.id, customer_id=customer_id or None, kind="handover", text="",
        due_at=now, now=now, ref_id=from_member.id)
    await edit_or_reply(update, _("Done: {count} customers of {name} are now {receiver}'s. "
                                  "Their history was kept.").format(
        count=len(moved), name=esc(from_member.name), receiver=esc(to_member.name)))


async def cancel_reassign(update: Update, context: Ctx) -> None:
    """Leave the hand-over without changing anything."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    await edit_or_reply(update, _("Cancelled. Nothing was changed."))


# -- /teamgroup --------------------------------------------------------------------------------
async def link_team_group(update: Update, context: Ctx) -> None:
    """/teamgroup in a group: the lead makes it the team's group (weekly counts, no customers);
    /teamgroup off stops it."""
    chat = update.effective_chat
    assert chat is not None
    if chat.type == ChatType.PRIVATE:
        await reply(update, _("Send /teamgroup in your team's group chat: it then gets the "
                              "team's weekly activity counts (never customer data)."))
        return
    me = context.staff
    if me is None or not me.is_lead or me.team_id is None:
        await reply(update, _("Only a team lead can make this the team's group."))
        return
    storage, now = context.storage, context.clock.now()
    schedule = await storage.activity.schedule(me.team_id)
    assert schedule is not None
    if context.args and compact(" ".join(context.args)) in OFF_WORDS:
        if await storage.activity.team_of_group(chat.id) == me.team_id:
            await storage.activity.set_group(me.team_id, None)
            await storage.audit.record(actor_id=me.id, action="team.group_unlinked",
                                       entity="team", entity_id=me.team_id, now=now,
                                       detail={"chat_id": chat.id})
        await reply(update, _("This group no longer gets the weekly summary of {team}.").format(
            team=esc(schedule.name)))
        return
    group = await storage.groups.get(chat.id)
    if group is not None and group.active and group.owner_id != me.id:
        await reply(update, _("This group is linked to a relationship manager as a merchant "
                              "group: a team's summary is not shown here."))
        return
    if group is None or not group.active:
        language = group.language if group is not None else current_language()
        await storage.groups.link(chat.id, chat.title or "", me.id, language, now)
    await storage.activity.set_group(me.team_id, chat.id)
    await storage.audit.record(actor_id=me.id, action="team.group_linked", entity="team",
                               entity_id=me.team_id, now=now, detail={"chat_id": chat.id})
    await reply(update, _("This is now the group of {team}. Every week it gets the team's "
                          "activity counts, never customer data. /teamgroup off stops it.")
                .format(team=esc(schedule.name)))
