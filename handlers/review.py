"""The weekly review (the sales meeting's numbers): /review, the lead's /team, /targets,
/reviewtime, and /teamgroup (the team's group gets the weekly counts)."""

from __future__ import annotations

from datetime import date, timedelta

from telegram import Update
from telegram.constants import ChatType

from core.actions import StartReassign, TurnReviewWeek
from core.buttons import keyboard
from core.context import Ctx
from core.i18n import N_, _, current_language, format_date, format_list
from core.messages import esc, reply, send_photo_text
from core.pushes.review import (
    joined_week,
    report_chart,
    review_text,
    rm_report,
    targets_text,
    team_chart,
    team_report,
    team_text,
)
from domain.review import (
    ACTIVITIES,
    compact,
    day_names,
    last_week,
    parse_review_time,
    parse_targets,
    this_week,
    week_from_ref,
    week_ref,
)
from handlers.common import expired, lead_team

# Each language's own examples (the catalogs give them in its words, which are accepted).
TARGETS_EXAMPLE = N_("/targets prospects 12 contacts 10")
TARGETS_RESET = N_("/targets reset")
REVIEWTIME_EXAMPLE = N_("/reviewtime mon 08:00")
# "/review last", "/team trước", "/review 上周", "/review 上星期": the week that ended (folded).
LAST_WORDS = frozenset({"last", "lastweek", "prev", "previous", "truoc", "tuantruoc", "上周",
                        "上星期", "上礼拜", "上个星期", "上个礼拜", "上一周", "上一星期"})
RESET_WORDS = frozenset({"reset", "default", "defaults", "macdinh", "默认", "预设", "恢复默认",
                         "恢复预设"})
OFF_WORDS = frozenset({"off", "stop", "tat", "huy", "取消", "关闭", "停止"})


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
    monday = week_from_ref(context.action(TurnReviewWeek).week)
    now = context.clock.now()
    if (monday is None or monday.weekday() != 0
            or monday > this_week(now, context.me.timezone)):
        await expired(update)
        return
    await context.query.answer()
    await _send_review(update, context, monday)


async def _send_review(update: Update, context: Ctx, monday: date) -> None:
    me, now = context.me, context.clock.now()
    first = await joined_week(context.storage, me)
    current = this_week(now, me.timezone)
    if first is not None and monday < first:
        # Never a row of zeros for a week before they existed.
        await reply(update, _("You joined in the week of {date}: there is no review of a week "
                              "before it. /review shows this week so far.").format(
            date=format_date(first)))
        return
    report = await rm_report(context.storage, me, monday, now)
    png = await report_chart(report)
    row = []
    if first is None or monday - timedelta(days=7) >= first:
        row.append(TurnReviewWeek(week_ref(monday - timedelta(days=7))).button(
            _("◀ Week before")))
    if monday < current:
        row.append(TurnReviewWeek(week_ref(current)).button(_("This week")))
    chat = context.chat
    await send_photo_text(context.bot, chat.id, png, review_text(report),
                          keyboard([row]) if row else None)


# -- /team -------------------------------------------------------------------------------------
async def show_team(update: Update, context: Ctx) -> None:
    """/team: each RM's week against the minimums, their pipeline and overdue follow-ups."""
    team_id = await lead_team(update, context)
    if team_id is None:
        return
    me, now = context.me, context.clock.now()
    monday = last_week(now, me.timezone) if _wants_last_week(context) \
        else this_week(now, me.timezone)
    report = await team_report(context.storage, team_id, monday, now)
    if report is None:
        await reply(update, _("This team no longer exists."))
        return
    markup = keyboard([[StartReassign().button(_("🔁 Hand over customers"))]])
    if not report.members:
        await reply(update, team_text(report), markup)
        return
    png = await team_chart(report)
    # The header is said once: in the caption, or (a long team) in the text after the chart.
    await send_photo_text(context.bot, context.chat.id, png, team_text(report), markup)


# -- /targets and /reviewtime ----------------------------------------------------------------
async def show_or_set_targets(update: Update, context: Ctx) -> None:
    """/targets: the team's weekly minimums; a lead changes them: /targets prospects 12 …"""
    me = context.me
    text = " ".join(context.args or []).strip()
    schedule = await context.storage.review.schedule(me.team_id) if me.team_id else None
    team_name = schedule.name if schedule else None
    if not text:
        targets = await context.storage.review.targets(me.team_id)
        lines = [targets_text(targets, team_name)]
        if me.is_lead and me.team_id:
            lines.append("")
            lines.append(_("To change them: {example}. To go back to the defaults: {reset}.")
                         .format(example=f"<code>{_(TARGETS_EXAMPLE)}</code>",
                                 reset=f"<code>{_(TARGETS_RESET)}</code>"))
        await reply(update, "\n".join(lines))
        return
    team_id = await lead_team(update, context)
    if team_id is None:
        return
    now = context.clock.now()
    if compact(text) in RESET_WORDS:
        await context.storage.reset_targets(me.id, team_id, now)
    else:
        values, unknown = parse_targets(text)
        if unknown or not values:
            await reply(update, _(
                "I did not understand “{text}”. Write each step and its weekly minimum, for "
                "example {example}. The steps: {steps}."
            ).format(text=esc(format_list(unknown) if unknown else text)[:200],
                     example=f"<code>{_(TARGETS_EXAMPLE)}</code>",
                     steps=format_list(_(label) for label in ACTIVITIES.values())))
            return
        await context.storage.set_targets(me.id, team_id, values, now)
    targets = await context.storage.review.targets(team_id)
    await reply(update, _("Saved.") + "\n\n" + targets_text(targets, team_name))


def _day_name(day: int) -> str:
    return day_names()[day]


async def set_review_time(update: Update, context: Ctx) -> None:
    """/reviewtime: when the weekly review arrives; a lead changes it: /reviewtime mon 08:00."""
    me = context.me
    args = context.args or []
    schedule = await context.storage.review.schedule(me.team_id) if me.team_id else None
    if not args:
        if schedule is None:
            await reply(update, _("You are not in a team yet. An administrator can set your "
                                  "team in /staff."))
            return
        await reply(update, _(
            "The weekly review of {team} arrives on {day} at {time} (the team lead's time) and "
            "covers the week that ended. A team lead changes it with, for example, {example}."
        ).format(team=esc(schedule.name), day=_day_name(schedule.review_day),
                 time=schedule.review_time, example=f"<code>{_(REVIEWTIME_EXAMPLE)}</code>"))
        return
    team_id = await lead_team(update, context)
    if team_id is None:
        return
    parsed = parse_review_time(" ".join(args), current_language(), context.clock.now())
    if parsed is None:
        await reply(update, _("Please give a day and a time, for example {example} "
                              "(days: {days}).").format(
            example=f"<code>{_(REVIEWTIME_EXAMPLE)}</code>",
            days=format_list(day_names(), style="or")))
        return
    day, at = parsed
    await context.storage.set_review_time(me.id, team_id, day, at.strftime("%H:%M"),
                                          context.clock.now())
    await reply(update, _("Done: the weekly review will arrive on {day} at {time}.").format(
        day=_day_name(day), time=at.strftime("%H:%M")))


# -- /teamgroup --------------------------------------------------------------------------------
async def link_team_group(update: Update, context: Ctx) -> None:
    """/teamgroup in a group: the lead makes it the team's group (weekly counts, no customers);
    /teamgroup off stops it."""
    chat = context.chat
    if chat.type == ChatType.PRIVATE:
        await reply(update, _("Send /teamgroup in your team's group chat: it then gets the "
                              "team's weekly activity counts (never customer data)."))
        return
    me = context.staff
    if me is None or not me.is_lead or me.team_id is None:
        await reply(update, _("Only a team lead can make this the team's group."))
        return
    storage, now = context.storage, context.clock.now()
    schedule = await storage.review.schedule(me.team_id)
    assert schedule is not None
    if context.args and compact(" ".join(context.args)) in OFF_WORDS:
        if await storage.review.team_of_group(chat.id) == me.team_id:
            await storage.unlink_team_group(me.id, me.team_id, chat.id, now)
        await reply(update, _("This group no longer gets the weekly summary of {team}.").format(
            team=esc(schedule.name)))
        return
    group = await storage.groups.get(chat.id)
    if group is not None and group.active and group.owner_id != me.id:
        await reply(update, _("This group is linked to a relationship manager as a merchant "
                              "group: a team's summary is not shown here."))
        return
    # A group the bot is not linked to yet is linked to the lead, in its language so far.
    language = None
    if group is None or not group.active:
        language = group.language if group is not None else current_language()
    await storage.link_team_group(me.id, me.team_id, chat.id, now, title=chat.title or "",
                                  language=language)
    await reply(update, _("This is now the group of {team}. Every week it gets the team's "
                          "activity counts, never customer data. /teamgroup off stops it.")
                .format(team=esc(schedule.name)))
