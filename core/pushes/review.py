"""The weekly review: the numbers of one RM or a team, their texts and charts, and the
'review' and 'team_review' pushes (the same views /review and /team show on demand).

Texts are made in the current language and time zone (set by the handler, or per recipient by
the dispatcher). Charts are PNG pictures drawn with matplotlib's Agg canvas at a fixed size.
"""

from __future__ import annotations

import asyncio
import textwrap
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import BytesIO
from typing import Any

from core.actions import StartReassign
from core.buttons import keyboard
from core.fonts import chart_families
from core.i18n import (
    _,
    active,
    current_language,
    current_timezone,
    format_date_range,
    format_list,
    format_month_day,
    format_number,
    label_value,
    ngettext,
)
from core.messages import esc
from core.pushes.base import Push
from domain.customers import STAGES
from domain.deals import LOST_REASONS, add_totals, format_totals
from domain.review import (
    ACTIVITIES,
    TREND_WEEKS,
    first_week,
    last_week,
    met,
    trend_weeks,
    week_bounds,
    week_from_ref,
)
from storage import Storage
from storage.reminders import Reminder
from storage.staff import Staff

CHART_WIDTH, CHART_HEIGHT, CHART_DPI = 800, 450, 100
ACTIVITY_ICONS = {"prospects": "🆕", "contacts": "👋", "consults": "💬", "followups": "🔁",
                  "closes": "🤝", "crosssells": "➕"}


@dataclass(frozen=True)
class Report:
    """One RM's week: their counts, their team's minimums, and the weeks before."""

    staff: Staff
    monday: date
    counts: dict[str, int]
    targets: dict[str, int]
    trend: list[tuple[date, int]]      # (Monday, all activities) for TREND_WEEKS weeks
    current: bool                      # the week is still running
    won: int = 0                       # deals won in the week
    won_amounts: dict[str, Decimal] = field(default_factory=dict)  # per currency


@dataclass(frozen=True)
class MemberLine:
    staff: Staff
    counts: dict[str, int]
    pipeline: dict[str, int]
    overdue: int


@dataclass(frozen=True)
class TeamReport:
    team_id: int
    team_name: str
    monday: date
    targets: dict[str, int]           # per RM
    members: list[MemberLine]
    trend: list[tuple[date, int]]     # the team's total per week
    current: bool
    totals: dict[str, int] = field(default_factory=dict)
    won: int = 0
    won_amounts: dict[str, Decimal] = field(default_factory=dict)
    lost_reasons: dict[str, int] = field(default_factory=dict)  # deals lost, by reason

    @property
    def team_targets(self) -> dict[str, int]:
        """What the team as a whole should reach: each RM's minimum times the RMs."""
        return {key: value * len(self.members) for key, value in self.targets.items()}


def _total(counts: dict[str, int]) -> int:
    return sum(counts.get(key, 0) for key in ACTIVITIES)


async def joined_week(storage: Storage, staff: Staff) -> date | None:
    """The Monday of the week the staff member joined (in their zone): none is reviewed
    before it."""
    joined = (await storage.review.joined_at([staff.id])).get(staff.id)
    return first_week(joined, staff.timezone) if joined is not None else None


async def _trend(storage: Storage, staff: Staff, monday: date) -> list[tuple[date, int]]:
    """The weeks up to this Monday, from the week they joined at the earliest (weeks before
    it would pull their average down with zeros)."""
    start = await joined_week(storage, staff)
    weeks = [week for week in trend_weeks(monday, TREND_WEEKS)
             if start is None or week >= start or week == monday]
    counts = await storage.review.weeks_counts(
        staff.id, [week_bounds(week, staff.timezone) for week in weeks])
    return [(week, _total(count)) for week, count in zip(weeks, counts, strict=True)]


async def rm_report(storage: Storage, staff: Staff, monday: date, now: datetime) -> Report:
    """The RM's week (Monday–Sunday in their zone) against their team's minimums."""
    start, end = week_bounds(monday, staff.timezone)
    counts = await storage.review.week_counts(staff.id, start, end)
    targets = await storage.review.targets(staff.team_id)
    trend = await _trend(storage, staff, monday)
    won, amounts = await storage.deals.won_between([staff.id], start, end)
    return Report(staff=staff, monday=monday, counts=counts, targets=targets, trend=trend,
                  current=start <= now < end, won=won, won_amounts=amounts)


async def team_report(storage: Storage, team_id: int, monday: date,
                      now: datetime) -> TeamReport | None:
    """Every RM of the team: the week's counts (each in their own zone), pipeline, overdue."""
    schedule = await storage.review.schedule(team_id)
    if schedule is None:
        return None
    members = [m for m in await storage.staff.list_team(team_id) if m.role == "rm"]
    # Someone who joined after that week was not in the team then.
    joined = await storage.review.joined_at([m.id for m in members])
    members = [m for m in members
               if m.id not in joined or first_week(joined[m.id], m.timezone) <= monday]
    ids = [m.id for m in members]
    pipelines = await storage.review.pipeline(ids)
    overdue = await storage.review.overdue_follow_ups(ids, now)
    lines = []
    trend_totals = dict.fromkeys(trend_weeks(monday, TREND_WEEKS), 0)
    totals = dict.fromkeys(ACTIVITIES, 0)
    current = False
    won, won_amounts, lost = 0, dict[str, Decimal](), dict[str, int]()
    for member in members:
        start, end = week_bounds(monday, member.timezone)
        current = current or start <= now < end
        member_won, amounts = await storage.deals.won_between([member.id], start, end)
        won, won_amounts = won + member_won, add_totals(won_amounts, amounts)
        for reason, count in (await storage.deals.lost_reasons([member.id], start,
                                                               end)).items():
            lost[reason] = lost.get(reason, 0) + count
        counts = await storage.review.week_counts(member.id, start, end)
        for key in ACTIVITIES:
            totals[key] += counts[key]
        for week, total in await _trend(storage, member, monday):
            trend_totals[week] += total
        lines.append(MemberLine(member, counts, pipelines.get(member.id, {}),
                                overdue.get(member.id, 0)))
    if not members:
        start, end = week_bounds(monday, current_timezone().key)
        current = start <= now < end
    return TeamReport(team_id=team_id, team_name=schedule.name, monday=monday,
                      targets=await storage.review.targets(team_id), members=lines,
                      trend=sorted(trend_totals.items()), current=current, totals=totals,
                      won=won, won_amounts=won_amounts, lost_reasons=lost)


# -- texts ---------------------------------------------------------------------------------
def week_label(monday: date, current: bool) -> str:
    """'Tuần 16/11–22/11/2026', '2026年11月16日至22日当周'."""
    dates = format_date_range(monday, monday + timedelta(days=6))
    if current:
        return _("This week so far ({dates})").format(dates=dates)
    return _("Week {dates}").format(dates=dates)


def _activity_lines(counts: dict[str, int], targets: dict[str, int]) -> list[str]:
    lines = []
    for key, label in ACTIVITIES.items():
        count, target = counts.get(key, 0), targets.get(key, 0)
        mark = "✅" if count >= target else "▫️"
        lines.append(f"{mark} " + label_value(f"{ACTIVITY_ICONS[key]} {_(label)}",
                                              f"<b>{count}</b> / {target}"))
    return lines


def review_text(report: Report) -> str:
    """The RM's review: each activity against its minimum, and what to do about the gaps."""
    lines = [_("📊 <b>Weekly activity review</b>"), week_label(report.monday, report.current),
             ""]
    lines += _activity_lines(report.counts, report.targets)
    lines += _won_lines(report.won, report.won_amounts)
    reached = met(report.counts, report.targets)
    lines.append("")
    lines.append(_("Minimums reached: {met} of {total}.").format(met=reached,
                                                                  total=len(ACTIVITIES)))
    behind = [_(ACTIVITIES[key]) for key in ACTIVITIES
              if report.counts.get(key, 0) < report.targets.get(key, 0)]
    if behind and report.current:
        lines.append(_("Still to do this week: {steps}.").format(steps=format_list(behind)))
    elif behind:
        lines.append(_("Below the minimum: {steps}.").format(steps=format_list(behind)))
    else:
        lines.append(_("Every minimum reached. Well done!"))
    previous = [total for _week, total in report.trend[:-1]]
    if previous:
        average = sum(previous) / len(previous)
        lines.append(ngettext(
            "Activities: {count} (average of the {weeks} week before: {average})",
            "Activities: {count} (average of the {weeks} weeks before: {average})",
            len(previous)).format(count=report.trend[-1][1], weeks=len(previous),
                                  average=format_number(round(average, 1))))
    return "\n".join(lines)


def _won_lines(won: int, amounts: dict[str, Decimal]) -> list[str]:
    if not won:
        return []
    deals = ngettext("{count} deal", "{count} deals", won).format(count=won)
    return [_("🏆 Won: <b>{deals}</b> · {amount}").format(
        deals=deals, amount=format_totals(amounts, current_language()))]


def _lost_line(reasons: dict[str, int]) -> list[str]:
    if not reasons:
        return []
    counted = " · ".join(f"{_(label)} {reasons[code]}" for code, label in LOST_REASONS.items()
                         if reasons.get(code))
    return [_("❌ Lost deals by reason: {reasons}").format(reasons=counted)]


def targets_text(targets: dict[str, int], team_name: str | None) -> str:
    title = (_("🎯 <b>Weekly minimums per RM: {team}</b>").format(team=esc(team_name))
             if team_name else _("🎯 <b>Weekly minimums per RM</b>"))
    lines = [title]
    lines += [label_value(f"{ACTIVITY_ICONS[key]} {_(label)}", f"<b>{targets[key]}</b>")
              for key, label in ACTIVITIES.items()]
    return "\n".join(lines)


def _compact_counts(counts: dict[str, int], targets: dict[str, int]) -> str:
    return " · ".join(f"{ACTIVITY_ICONS[key]} {counts.get(key, 0)}/{targets.get(key, 0)}"
                      for key in ACTIVITIES)


def team_text(report: TeamReport) -> str:
    """The lead's view: per RM the week against the minimums, the pipeline and overdue items."""
    lines = [f"👥 <b>{esc(report.team_name)}</b>",
             week_label(report.monday, report.current)]
    if not report.members:
        lines.append(_("No relationship managers in this team yet."))
        return "\n".join(lines)
    legend = " · ".join(f"{ACTIVITY_ICONS[key]} {_(label)}" for key, label in ACTIVITIES.items())
    lines.append(f"<i>{legend}</i>")
    for line in report.members:
        reached = met(line.counts, report.targets)
        lines.append("")
        lines.append(_("<b>{name}</b>: minimums reached {met} of {total}").format(
            name=esc(line.staff.name), met=reached, total=len(ACTIVITIES)))
        lines.append(_compact_counts(line.counts, report.targets))
        stages = " · ".join(f"{_(label)} {line.pipeline[stage]}"
                            for stage, label in STAGES.items() if line.pipeline.get(stage))
        lines.append(_("Pipeline: {stages}").format(stages=stages or _("empty")))
        if line.overdue:
            lines.append(_("⏰ Overdue follow-ups: <b>{count}</b>").format(count=line.overdue))
        else:
            lines.append(_("⏰ No overdue follow-ups"))
    lines.append("")
    lines.append(_("<b>Team total</b>: {counts}").format(
        counts=_compact_counts(report.totals, report.team_targets)))
    lines += _won_lines(report.won, report.won_amounts)
    lines += _lost_line(report.lost_reasons)
    return "\n".join(lines)


def group_summary_text(report: TeamReport) -> str:
    """For the team's group chat: counts only, never a customer."""
    lines = [_("📊 <b>{team}: weekly activity</b>").format(team=esc(report.team_name)),
             week_label(report.monday, report.current), ""]
    lines += _activity_lines(report.totals, report.team_targets)
    if report.members:
        lines.append("")
        lines.append(_("Minimums reached per RM:"))
        lines += ["• " + label_value(esc(line.staff.name),
                                     f"{met(line.counts, report.targets)}/{len(ACTIVITIES)}")
                  for line in report.members]
    return "\n".join(lines)


# -- charts --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChartTexts:
    """Everything written on a chart, already translated."""

    title: str
    labels: list[str]
    actual: str
    target: str
    trend_title: str
    fonts: list[str]  # families, best first (core.fonts)
    weeks: list[str] = field(default_factory=list)  # the trend's weeks, written locally


def chart_texts(monday: date, team: str | None = None) -> ChartTexts:
    """The chart's words in the current language (in English only on a machine without a
    Chinese font, which scripts/setup.sh installs)."""
    language = current_language()
    fonts = chart_families(language)
    if not fonts:
        language, fonts = "en", chart_families("en")
    if team is not None and language == "en" and not _latin(team):
        team = None  # a Chinese team name would come out as boxes
    with active(language, current_timezone().key):
        dates = format_date_range(monday, monday + timedelta(days=6))
        title = (_("{team}, week {dates}").format(team=team, dates=dates) if team
                 else _("Week {dates}").format(dates=dates))
        return ChartTexts(
            title=title, labels=[_(label) for label in ACTIVITIES.values()],
            actual=_("Done"), target=_("Minimum"),
            trend_title=_("All activities, last {weeks} weeks").format(weeks=TREND_WEEKS),
            fonts=fonts,
            weeks=[format_month_day(monday - timedelta(weeks=n))
                   for n in range(TREND_WEEKS - 1, -1, -1)])


def _latin(text: str) -> bool:
    """True if DejaVu Sans can draw it (Latin with Vietnamese accents and the like)."""
    return all(ord(char) < 0x2E80 for char in text)


def draw_chart(texts: ChartTexts, counts: dict[str, int], targets: dict[str, int],
               trend: list[tuple[date, int]], trend_target: int) -> bytes:
    """A PNG (800×450): this week's activities against the minimums, and the weekly trend."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    font: dict[str, Any] = {"family": texts.fonts}
    figure = Figure(figsize=(CHART_WIDTH / CHART_DPI, CHART_HEIGHT / CHART_DPI), dpi=CHART_DPI)
    FigureCanvasAgg(figure)
    bars, line = figure.subplots(1, 2, gridspec_kw={"width_ratios": [5, 3]})
    keys = list(ACTIVITIES)
    positions = list(range(len(keys)))
    width = 0.38
    done = [counts.get(key, 0) for key in keys]
    minimum = [targets.get(key, 0) for key in keys]
    colours = ["#2e7d32" if d >= m else "#ef6c00" for d, m in zip(done, minimum, strict=True)]
    bars.bar([p - width / 2 for p in positions], done, width, color=colours, label=texts.actual)
    bars.bar([p + width / 2 for p in positions], minimum, width, color="#b0bec5",
             label=texts.target)
    for position, value in zip(positions, done, strict=True):
        bars.annotate(str(value), (position - width / 2, value), ha="center", va="bottom",
                      fontsize=8, xytext=(0, 2), textcoords="offset points")
    bars.set_xticks(positions)
    bars.set_xticklabels([_wrap(label) for label in texts.labels], fontsize=7.5, **font)
    bars.set_title(texts.title, fontsize=11, **font)
    bars.legend(fontsize=8, prop=_legend_font(texts.fonts))
    bars.set_ylim(0, max([*done, *minimum, 1]) * 1.2)
    bars.spines[["top", "right"]].set_visible(False)
    written = dict(zip(_trend_mondays(texts, trend), texts.weeks, strict=False))
    weeks = [written.get(week, week.strftime("%d/%m")) for week, _total in trend]
    values = [total for _week, total in trend]
    line.plot(weeks, values, marker="o", color="#1565c0")
    line.axhline(trend_target, color="#90a4ae", linestyle="--", linewidth=1,
                 label=texts.target)
    line.legend(fontsize=8, prop=_legend_font(texts.fonts), loc="lower left")
    line.set_title(texts.trend_title, fontsize=10, **font)
    line.tick_params(axis="x", labelsize=7, rotation=45)
    line.set_ylim(0, max([*values, trend_target, 1]) * 1.2)
    line.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=CHART_DPI)
    return buffer.getvalue()


def _trend_mondays(texts: ChartTexts, trend: list[tuple[date, int]]) -> list[date]:
    """The Mondays texts.weeks names (the last one is the chart's week)."""
    if not trend:
        return []
    last = trend[-1][0]
    return [last - timedelta(weeks=n) for n in range(len(texts.weeks) - 1, -1, -1)]


def _legend_font(fonts: list[str]) -> Any:
    from matplotlib.font_manager import FontProperties

    return FontProperties(family=fonts, size=8)


def _wrap(label: str, width: int = 13) -> str:
    """Break a long label over lines at spaces (CJK labels are short already)."""
    return "\n".join(textwrap.wrap(label, width)) or label


async def report_chart(report: Report) -> bytes:
    """The RM's chart, drawn off the event loop."""
    texts = chart_texts(report.monday)
    return await asyncio.to_thread(draw_chart, texts, report.counts, report.targets,
                                   report.trend, sum(report.targets.values()))


async def team_chart(report: TeamReport) -> bytes:
    texts = chart_texts(report.monday, report.team_name)
    return await asyncio.to_thread(draw_chart, texts, report.totals, report.team_targets,
                                   report.trend, sum(report.team_targets.values()))


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


# -- pushes --------------------------------------------------------------------------------


async def render_review(storage: Storage, staff: Staff, reminder: Reminder,
                        now: datetime) -> Push:
    """The RM's week against the team's minimums, with the chart."""
    monday = week_from_ref(reminder.ref_id) or last_week(now, staff.timezone)
    report = await rm_report(storage, staff, monday, now)
    return Push(review_text(report), None, await report_chart(report))


async def render_team_review(storage: Storage, staff: Staff, reminder: Reminder,
                             now: datetime) -> Push:
    """The lead's view of the team's week, with the team chart."""
    monday = week_from_ref(reminder.ref_id) or last_week(now, staff.timezone)
    report = (await team_report(storage, staff.team_id, monday, now)
              if staff.team_id is not None and staff.is_lead else None)
    if report is None:
        return Push(_("You no longer lead a team, so there is no team review for you."))
    markup = keyboard([[StartReassign().button(_("🔁 Hand over customers"))]])
    if not report.members:
        return Push(team_text(report), markup)
    return Push(team_text(report), markup, await team_chart(report))
