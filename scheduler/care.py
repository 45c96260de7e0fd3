"""Apply the care rules: each creates reminder rows with a rule key, so never twice."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.care import (
    CADENCE_DAYS,
    COMPLAINT_FIRST_DAYS,
    COMPLAINT_REPEAT_DAYS,
    HOLIDAY_NOTICE_DAYS,
    MATURITY_DAYS_BEFORE,
    POST_SALE_DAYS,
    next_birthday,
    upcoming_occasions,
)
from storage import Storage
from storage.care import CareSubject

log = logging.getLogger(__name__)

START_OF_DAY = time(9, 0)
BIRTHDAY_LOOKAHEAD = timedelta(days=7)


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
    created += await _maturities(storage, now)
    created += await _holidays(storage, now)
    created += await _complaints(storage, now)
    if created:
        log.info("care rules created %s reminders", created)
    return created


async def _create(storage: Storage, *, staff_id: int, customer_id: int | None, kind: str,
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
                         kind="touch", due=due, now=now, key=key)


async def _birthday(storage: Storage, subject: CareSubject, now: datetime) -> int:
    if not subject.birthday:
        return 0
    _year, month, day = subject.birthday.rsplit("-", 2)
    today = now.astimezone(ZoneInfo(subject.timezone)).date()
    vietnamese = subject.language == "vi" or (subject.language is None
                                                and subject.timezone == "Asia/Ho_Chi_Minh")
    when = next_birthday(int(month), int(day), subject.birthday_lunar, subject.birthday_leap,
                         today, vietnamese)
    if when - today > BIRTHDAY_LOOKAHEAD:
        return 0
    return await _create(storage, staff_id=subject.owner_id, customer_id=subject.customer_id,
                         kind="birthday", due=_at_nine(when, subject.timezone), now=now,
                         key=f"birthday:{subject.customer_id}:{when.isoformat()}",
                         text=when.isoformat())


async def _post_sale(storage: Storage, now: datetime) -> int:
    created = 0
    for sale in await storage.care.sales_since(now - timedelta(days=max(POST_SALE_DAYS) + 1)):
        won_day = sale.won_at.astimezone(ZoneInfo(sale.timezone)).date()
        for days in POST_SALE_DAYS:
            due = _at_nine(won_day + timedelta(days=days), sale.timezone)
            if due < now - timedelta(days=1):
                continue  # long past: the RM was told then, or the sale was entered late
            created += await _create(storage, staff_id=sale.owner_id,
                                     customer_id=sale.customer_id, kind="care", due=due, now=now,
                                     key=f"care:{sale.interaction_id}:{days}")
    return created


async def _maturities(storage: Storage, now: datetime) -> int:
    created = 0
    today = now.date()
    horizon = today + timedelta(days=max(MATURITY_DAYS_BEFORE) + 1)
    for item in await storage.care.maturities(today.isoformat(), horizon.isoformat()):
        maturity = date.fromisoformat(item.maturity_date)
        for days in MATURITY_DAYS_BEFORE:
            due = _at_nine(maturity - timedelta(days=days), item.timezone)
            if due < now - timedelta(days=1):
                continue
            created += await _create(storage, staff_id=item.owner_id,
                                     customer_id=item.customer_id, kind="maturity", due=due,
                                     now=now, key=f"maturity:{item.holding_id}:{days}",
                                     text=f"{item.product} · {maturity.isoformat()}")
    return created


async def _holidays(storage: Storage, now: datetime) -> int:
    created = 0
    for staff in await storage.staff.list_active():
        today = now.astimezone(ZoneInfo(staff.timezone)).date()
        for occasion in upcoming_occasions(staff.region, today, HOLIDAY_NOTICE_DAYS):
            notice_day = max(today, occasion.day - timedelta(days=HOLIDAY_NOTICE_DAYS))
            created += await _create(
                storage, staff_id=staff.id, customer_id=None, kind="holiday",
                due=_at_nine(notice_day, staff.timezone), now=now,
                key=f"holiday:{staff.id}:{occasion.key}:{occasion.day.isoformat()}",
                text=f"{occasion.key}|{occasion.day.isoformat()}")
    return created


async def _complaints(storage: Storage, now: datetime) -> int:
    """Keep one follow-up open for every unresolved complaint, again and again until the RM
    marks one done (done on a complaint follow-up means resolved)."""
    created = 0
    for complaint in await storage.care.open_complaints():
        if complaint.open_reminder:
            continue
        zone = ZoneInfo(complaint.timezone)
        if complaint.reminders == 0:
            day = complaint.logged_at.astimezone(zone).date() + timedelta(
                days=COMPLAINT_FIRST_DAYS)
        else:
            day = now.astimezone(zone).date() + timedelta(days=COMPLAINT_REPEAT_DAYS)
        created += await _create(
            storage, staff_id=complaint.owner_id, customer_id=complaint.customer_id,
            kind="complaint", due=_at_nine(day, complaint.timezone), now=now,
            key=f"complaint:{complaint.interaction_id}:{complaint.reminders + 1}")
    return created
