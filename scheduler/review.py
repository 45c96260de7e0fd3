"""The weekly review, pushed: each RM's review, each lead's team view, and the team group's
summary (counts only), queued once per team and week at the team's review time."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from core.i18n import active
from core.pushes.review import group_summary_text, team_report
from domain.pushes import Kind
from domain.quiet import parse_hhmm
from domain.review import first_week, last_review_moment, reviewed_week, week_ref
from storage import Storage
from storage.staff import Staff

log = logging.getLogger(__name__)

# If the bot was down at review time, the review still goes out if it is back this soon.
CATCH_UP = timedelta(hours=24)
DEFAULT_REVIEW_TIME = time(8, 0)


async def queue_reviews(storage: Storage, now: datetime) -> int:
    """Create, once per team and week, a 'review' for each active RM of the team and a
    'team_review' for each of its leads, due at the team's review time in the lead's zone;
    and queue the summary for the team's group. Returns how many reminders were new."""
    created = 0
    for team in await storage.review.schedules():
        members = await storage.staff.list_team(team.team_id)
        if not members:
            continue
        leads = [m for m in members if m.role == "lead"]
        rms = [m for m in members if m.role == "rm"]
        zone = (leads or members)[0].timezone
        at = parse_hhmm(team.review_time) or DEFAULT_REVIEW_TIME
        due = last_review_moment(now, zone, team.review_day, at)
        if now - due > CATCH_UP:
            continue
        monday = reviewed_week(due)
        week = monday.isoformat()
        joined = await storage.review.joined_at([rm.id for rm in rms])
        for rm in rms:
            if rm.id in joined and first_week(joined[rm.id], rm.timezone) > monday:
                continue  # joined after that week: no review of a week before they existed
            made = await storage.reminders.create(
                staff_id=rm.id, customer_id=None, kind=Kind.REVIEW, text="", due_at=due, now=now,
                rule_key=f"review:{rm.id}:{week}", ref_id=week_ref(monday))
            created += made is not None
        for lead in leads:
            made = await storage.reminders.create(
                staff_id=lead.id, customer_id=None, kind=Kind.TEAM_REVIEW, text="", due_at=due,
                now=now, rule_key=f"team_review:{team.team_id}:{lead.id}:{week}",
                ref_id=week_ref(monday))
            created += made is not None
        if team.group_chat_id is not None:
            await _queue_group_summary(storage, team.team_id, team.group_chat_id,
                                       (leads or members)[0], monday, zone, now)
    if created:
        log.info("queued %s weekly reviews", created)
    return created


async def _queue_group_summary(storage: Storage, team_id: int, chat_id: int, sender: Staff,
                               monday: date, zone: str, now: datetime) -> None:
    """The team's counts for its group, in the group's language, once per week."""
    group = await storage.groups.get(chat_id)
    if group is None or not group.active:
        return
    async with storage.db.transaction():
        if not await storage.review.claim_group_week(team_id, monday.isoformat()):
            return
        report = await team_report(storage, team_id, monday, now)
        if report is None:
            return
        with active(group.language, zone):
            text = group_summary_text(report)
        await storage.posts.create(staff_id=sender.id, chat_id=chat_id, text=text, due_at=now,
                                   now=now)
