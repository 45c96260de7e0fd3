"""Apply the care rules: each creates reminder rows with a rule key, so never twice."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.care import (
    CADENCE_DAYS,
    HOLIDAY_NOTICE_DAYS,
    POST_SALE_DAYS,
    START_OF_DAY,
    birthday_reminder,
    upcoming_occasions,
)
from domain.complaints import complaint_reminder_day
from domain.compliance import DAYS_BEFORE as COMPLIANCE_DAYS_BEFORE
from domain.holdings import DAYS_BEFORE as HOLDING_DAYS_BEFORE
from domain.holdings import upcoming_dates
from domain.pushes import Kind
from storage import Storage
from storage.care import CareSubject
from storage.complaints import OpenComplaint

log = logging.getLogger(__name__)

# A won referral older than this (entered late, or before this rule) is not thanked for.
REFERRAL_LOOKBACK = timedelta(days=7)


def _at_nine(day: date, zone: str) -> datetime:
    return datetime.combine(day, START_OF_DAY, tzinfo=ZoneInfo(zone))


async def apply_care_rules(storage: Storage, now: datetime) -> int:
    """Create whatever reminders the rules call for now; return how many were new."""
    created = 0
    subjects = await storage.care.subjects()
    for subject in subjects:
        created += await _stay_in_touch(storage, subject, now)
        created += await _birthday(storage, subject, now)
    created += await _post_sale(storage, now)
    created += await _holding_dates(storage, now)
    created += await _compliance(storage, now)
    created += await _holidays(storage, now)
    created += await _complaints(storage, now)
    created += await _referral_thanks(storage, now)
    if created:
        log.info("care rules created %s reminders", created)
    return created


async def _create(storage: Storage, *, staff_id: int, customer_id: int | None, kind: Kind,
                  due: datetime, now: datetime, key: str, text: str = "") -> int:
    made = await storage.reminders.create(staff_id=staff_id, customer_id=customer_id, kind=kind,
                                          text=text, due_at=max(due, now), now=now, rule_key=key)
    return int(made is not None)


async def _stay_in_touch(storage: Storage, subject: CareSubject, now: datetime) -> int:
    """A graded customer not contacted for their cadence gets a reminder; any contact
    moves the base date, which makes a new rule key and withdraws the old reminder."""
    days = CADENCE_DAYS.get(subject.grade or "")
    if days is None:
        return 0
    zone = ZoneInfo(subject.timezone)
    base_day = subject.last_contact_at.astimezone(zone).date()
    key = f"touch:{subject.customer_id}:{base_day.isoformat()}"
    await storage.reminders.cancel_rule(subject.customer_id, "touch", keep_key=key)
    due = _at_nine(base_day + timedelta(days=days), subject.timezone)
    return await _create(storage, staff_id=subject.owner_id, customer_id=subject.customer_id,
                         kind=Kind.TOUCH, due=due, now=now, key=key)


async def _birthday(storage: Storage, subject: CareSubject, now: datetime) -> int:
    if not subject.birthday:
        return 0
    due = birthday_reminder(subject.customer_id, subject.birthday, subject.birthday_lunar,
                            subject.birthday_leap, subject.timezone, subject.language, now)
    if due is None:
        return 0
    return await _create(storage, staff_id=subject.owner_id, customer_id=subject.customer_id,
                         kind=Kind.BIRTHDAY, due=due.due_at, now=now, key=due.rule_key,
                         text=due.day.isoformat())


async def _post_sale(storage: Storage, now: datetime) -> int:
    created = 0
    for sale in await storage.care.sales_since(now - timedelta(days=max(POST_SALE_DAYS) + 1)):
        won_day = sale.won_at.astimezone(ZoneInfo(sale.timezone)).date()
        for days in POST_SALE_DAYS:
            due = _at_nine(won_day + timedelta(days=days), sale.timezone)
            if due < now - timedelta(days=1):
                continue  # long past: the RM was told then, or the sale was entered late
            created += await _create(storage, staff_id=sale.owner_id,
                                     customer_id=sale.customer_id, kind=Kind.CARE, due=due, now=now,
                                     key=f"care:{sale.interaction_id}:{days}")
    return created


async def _holding_dates(storage: Storage, now: datetime) -> int:
    """Remind before each date a holding is chased for: a maturity (7 and 1 days before), a
    loan repayment and a recurring investment debit (each month), a policy anniversary."""
    created = 0
    for item in await storage.holdings.dated():
        holding = item.holding
        today = now.astimezone(ZoneInfo(item.timezone)).date()
        dates = upcoming_dates(
            holding.kind,
            date.fromisoformat(holding.maturity_date) if holding.maturity_date else None,
            date.fromisoformat(holding.start_date) if holding.start_date else None,
            holding.monthly_day, today)
        for due_date in dates:
            for days in HOLDING_DAYS_BEFORE[due_date.kind]:
                due = _at_nine(due_date.day - timedelta(days=days), item.timezone)
                if due < now - timedelta(days=1):
                    continue
                # A maturity happens once (the key of the existing rule); the others recur.
                key = (f"maturity:{holding.id}:{days}" if due_date.kind == "maturity" else
                       f"{due_date.kind}:{holding.id}:{due_date.day.isoformat()}:{days}")
                created += await _create(storage, staff_id=item.owner_id,
                                         customer_id=holding.customer_id,
                                         kind=Kind(due_date.kind),
                                         due=due, now=now, key=key,
                                         text=f"{holding.product} · {due_date.day.isoformat()}")
    return created


async def _compliance(storage: Storage, now: datetime) -> int:
    """Remind 30 and 7 days before an ID document or a risk profile expires, and before
    the bank's periodic KYC review of the file."""
    created = 0
    today = now.date()
    horizon = today + timedelta(days=max(COMPLIANCE_DAYS_BEFORE) + 1)
    for item in await storage.care.compliance_dates(today.isoformat(), horizon.isoformat()):
        day = date.fromisoformat(item.day)
        for days in COMPLIANCE_DAYS_BEFORE:
            due = _at_nine(day - timedelta(days=days), item.timezone)
            if due < now - timedelta(days=1):
                continue
            created += await _create(
                storage, staff_id=item.owner_id, customer_id=item.customer_id,
                kind=Kind.COMPLIANCE, due=due, now=now,
                key=f"compliance:{item.customer_id}:{item.field}:{item.day}:{days}",
                text=f"{item.field}|{item.day}")
    return created


async def _holidays(storage: Storage, now: datetime) -> int:
    created = 0
    for staff in await storage.staff.list_active():
        today = now.astimezone(ZoneInfo(staff.timezone)).date()
        for occasion in upcoming_occasions(staff.region, today, HOLIDAY_NOTICE_DAYS):
            notice_day = max(today, occasion.day - timedelta(days=HOLIDAY_NOTICE_DAYS))
            created += await _create(
                storage, staff_id=staff.id, customer_id=None, kind=Kind.HOLIDAY,
                due=_at_nine(notice_day, staff.timezone), now=now,
                key=f"holiday:{staff.id}:{occasion.key}:{occasion.day.isoformat()}",
                text=f"{occasion.key}|{occasion.day.isoformat()}")
    return created


async def _complaints(storage: Storage, now: datetime) -> int:
    """Remind the RM of every unresolved complaint the working day after it was opened,
    then on the due day and every working day after it; tell the team lead once when late."""
    created = 0
    for complaint in await storage.complaints.open_complaints():
        created += await _complaint_reminder(storage, complaint, now)
        if now > complaint.due_at and not complaint.escalated:
            created += await _escalate(storage, complaint, now)
    return created


async def _complaint_reminder(storage: Storage, complaint: OpenComplaint, now: datetime) -> int:
    zone = ZoneInfo(complaint.timezone)
    day = complaint_reminder_day(complaint.opened_at.astimezone(zone).date(),
                                 complaint.due_at.astimezone(zone).date(),
                                 now.astimezone(zone).date(), complaint.region)
    made = await storage.reminders.create(
        staff_id=complaint.owner_id, customer_id=complaint.customer_id, kind=Kind.COMPLAINT,
        text=complaint.text[:200], due_at=max(_at_nine(day, complaint.timezone), now), now=now,
        rule_key=f"complaint:{complaint.id}:{day.isoformat()}", ref_id=complaint.id)
    if made is None:
        return 0
    # The new reminder replaces the earlier ones, which the RM need not tick off.
    await storage.complaints.supersede_reminders(complaint.id, made)
    return 1


async def _escalate(storage: Storage, complaint: OpenComplaint, now: datetime) -> int:
    if complaint.team_id is None:
        return 0
    leads = [member for member in await storage.staff.list_team(complaint.team_id)
             if member.is_lead and member.id != complaint.owner_id]
    created = 0
    for lead in leads:
        made = await storage.reminders.create(
            staff_id=lead.id, customer_id=None, kind=Kind.ESCALATION, text="", due_at=now,
            now=now, rule_key=f"escalation:{complaint.id}:{lead.id}",
            ref_id=complaint.id)
        created += int(made is not None)
    if leads:
        await storage.complaints.mark_escalated(complaint.id, now)
    return created


async def _referral_thanks(storage: Storage, now: datetime) -> int:
    """A referred customer just won: remind the RM to thank the referrer, once."""
    created = 0
    for win in await storage.referrals.referral_wins(now - REFERRAL_LOOKBACK):
        made = await storage.reminders.create(
            staff_id=win.owner_id, customer_id=win.referrer_id, kind=Kind.THANKS, text="",
            due_at=now, now=now, rule_key=f"thanks:{win.customer_id}", ref_id=win.customer_id)
        created += int(made is not None)
    return created
