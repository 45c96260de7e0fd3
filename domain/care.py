"""Care rules: how often to stay in touch, post-sale follow-ups, birthdays and holidays.

Lunar birthdays use China's calendar or, for Vietnamese customers, Vietnam's (domain/calendars.py):
the two differ in some years (Tết 2030: 2 vs 3 February).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

from core.i18n import N_
from domain.calendars import lunar_to_solar

# The two-week file review of DOMAIN.md for the best clients; less often for the rest.
CADENCE_DAYS = {"VIP": 14, "A": 14, "B": 30, "C": 90}
POST_SALE_DAYS = (3, 30, 90)
HOLIDAY_NOTICE_DAYS = 2
# Care reminders fall at the start of the RM's working day (or at once, when set later).
START_OF_DAY = time(9, 0)
BIRTHDAY_LOOKAHEAD = timedelta(days=7)


def next_birthday(month: int, day: int, lunar: bool, leap: bool, today: date,
                  vietnamese: bool) -> date:
    """The next birthday on or after `today`, as a solar date."""
    for year in (today.year - 1, today.year, today.year + 1):
        if lunar:
            candidate = lunar_to_solar(year, month, day, leap, vietnamese)
        else:
            # Born on 29 February: celebrated on the 28th in ordinary years.
            safe_day = day if day <= 28 or month != 2 or _is_leap(year) else 28
            candidate = date(year, month, safe_day)
        if candidate >= today:
            return candidate
    raise AssertionError("a birthday always comes within a year")


@dataclass(frozen=True)
class BirthdayReminder:
    day: date        # the birthday, as a solar date in the RM's zone
    due_at: datetime
    rule_key: str    # one reminder per customer and birthday, whoever creates it first


def birthday_reminder(customer_id: int, birthday: str, lunar: bool, leap: bool, zone: str,
                      language: str | None, now: datetime) -> BirthdayReminder | None:
    """The reminder of a birthday coming within a week (today's included), else None.

    Due at 9:00 on the day in the RM's zone, or at once when that is past: a birthday set,
    or a customer filed, on the day itself is still reminded that day.

    >>> from datetime import UTC
    >>> birthday_reminder(7, "1985-11-23", False, False, "Asia/Ho_Chi_Minh", "vi",
    ...                   datetime(2026, 11, 23, 5, 0, tzinfo=UTC)).due_at.isoformat()
    '2026-11-23T05:00:00+00:00'
    """
    _year, month, day = birthday.rsplit("-", 2)
    local_zone = ZoneInfo(zone)
    today = now.astimezone(local_zone).date()
    vietnamese = language == "vi" or (language is None and zone == "Asia/Ho_Chi_Minh")
    when = next_birthday(int(month), int(day), lunar, leap, today, vietnamese)
    if when - today > BIRTHDAY_LOOKAHEAD:
        return None
    due = max(datetime.combine(when, START_OF_DAY, tzinfo=local_zone), now)
    return BirthdayReminder(when, due, f"birthday:{customer_id}:{when.isoformat()}")


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


# Occasions worth a greeting, by the English names the holidays package uses.
OCCASIONS: dict[str, str] = {
    "Lunar New Year": "lunar_new_year",
    "Chinese New Year (Spring Festival)": "lunar_new_year",
    "Chinese New Year": "lunar_new_year",
    "Mid-Autumn Festival": "mid_autumn",
    "Dragon Boat Festival": "dragon_boat",
    "New Year's Day": "new_year",
    "National Day": "national_day",
}
OCCASION_NAMES = {
    "lunar_new_year": N_("Lunar New Year"),
    "mid_autumn": N_("Mid-Autumn Festival"),
    "dragon_boat": N_("Dragon Boat Festival"),
    "new_year": N_("New Year's Day"),
    "national_day": N_("National Day"),
}
# Greeting suggestions, translated into the customer's language by the catalogs.
GREETINGS = {
    "lunar_new_year": N_("Happy Lunar New Year! Wishing you and your family health, peace "
                         "and prosperity in the new year."),
    "mid_autumn": N_("Happy Mid-Autumn Festival! Wishing you and your family a warm and "
                     "joyful reunion."),
    "dragon_boat": N_("Happy Dragon Boat Festival! Wishing you good health and every success."),
    "new_year": N_("Happy New Year! Thank you for your trust; we wish you a successful year."),
    "national_day": N_("Best wishes for the National Day holiday to you and your family."),
}

# A maturity notice an RM may send the customer (Telegram Business), in the customer's language.
MATURITY_NOTICE = N_("Your {product} matures on {date}. I would be glad to help you decide "
                     "what comes next: renew it, or choose another product.")


@dataclass(frozen=True)
class Occasion:
    day: date
    key: str


def upcoming_occasions(region: str, today: date, days: int) -> list[Occasion]:
    """Greeting occasions in the RM's market from today to `days` ahead."""
    found: dict[str, Occasion] = {}
    end = today + timedelta(days=days)
    if region in ("VN", "CN", "HK", "TW"):
        calendar = holidays.country_holidays(region, years=[today.year, end.year],
                                             language="en_US")
        for day, name in sorted(calendar.items()):
            key = OCCASIONS.get(name)
            if key and today <= day <= end and key not in found:
                found[key] = Occasion(day, key)
        if region in ("VN", "HK"):
            # Mid-Autumn is no public holiday there (HK only rests the day after): 15/8 lunar.
            for year in (today.year, end.year):
                day = lunar_to_solar(year, 8, 15, False, vietnamese=region == "VN")
                if today <= day <= end:
                    found.setdefault("mid_autumn", Occasion(day, "mid_autumn"))
    return sorted(found.values(), key=lambda occasion: occasion.day)
