"""The customer file's vocabulary: stages, segments, grades, sources, fields and their limits.

Labels are marked with N_ and translated where shown; the stored values never change.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

from core.i18n import N_

# The sales process (DOMAIN.md), in order; "lost" ends a pipeline with a reason.
STAGES: dict[str, str] = {
    "find": N_("Prospecting"),
    "contact": N_("First contact"),
    "consult": N_("Consulting & negotiating"),
    "follow": N_("Following up"),
    "won": N_("Won"),
    "care": N_("After-sales care"),
    "lost": N_("Lost"),
}
SEGMENTS: dict[str, str] = {
    "individual": N_("Individual"),
    "household": N_("Household business"),
    "sme": N_("SME"),
    "corporate": N_("Large corporate"),
}
GRADES: dict[str, str] = {"VIP": "VIP", "A": "A", "B": "B", "C": "C"}
SOURCES: dict[str, str] = {
    "street": N_("Street canvassing"),
    "walkin": N_("Walk-in"),
    "referral": N_("Referral"),
    "merchant_group": N_("Merchant group"),
    "other": N_("Other"),
}
CUSTOMER_LANGUAGES: dict[str, str] = {
    "vi": "Tiếng Việt", "zh_Hans": "简体中文", "zh_Hant": "繁體中文", "en": "English",
}
INTERACTION_KINDS: dict[str, str] = {
    "call": N_("Call"),
    "visit": N_("Visit"),
    "meeting": N_("Meeting"),
    "message": N_("Message"),
    "note": N_("Note"),
    "complaint": N_("Complaint"),
    "stage": N_("Stage change"),
    "file": N_("Attachment"),
}
KIND_ICONS = {"call": "📞", "visit": "🚶", "meeting": "🤝", "message": "💬", "note": "📝",
              "complaint": "⚠️", "stage": "➡️", "file": "📎"}

MAX_NAME = 120
MAX_FIELD = 1000
MAX_NOTE = 20_000


@dataclass(frozen=True)
class Field:
    """One editable field of the customer file."""

    name: str
    label: str
    choices: dict[str, str] | None = None  # None: typed text
    limit: int = MAX_FIELD


# The order is the order of the edit menu.
FIELDS: list[Field] = [
    Field("name", N_("Name"), limit=MAX_NAME),
    Field("phone", N_("Phone")),
    Field("segment", N_("Segment"), SEGMENTS),
    Field("grade", N_("Grade"), GRADES),
    Field("source", N_("Source"), SOURCES),
    Field("referrer", N_("Referred by")),
    Field("birthday", N_("Birthday")),
    Field("company", N_("Company / business")),
    Field("client_ref", N_("Client reference"), limit=64),
    Field("family", N_("Family")),
    Field("income", N_("Income")),
    Field("products_held", N_("Products held")),
    Field("products_wanted", N_("Products of interest")),
    Field("tags", N_("Tags")),
    Field("about", N_("Personality, needs, potential")),
    Field("language", N_("Customer's language"), CUSTOMER_LANGUAGES),
]
FIELDS_BY_NAME = {field.name: field for field in FIELDS}


@dataclass(frozen=True)
class Birthday:
    month: int
    day: int
    year: int | None = None
    lunar: bool = False
    leap: bool = False

    def stored(self) -> str:
        year = f"{self.year:04d}" if self.year else "-"
        return f"{year}-{self.month:02d}-{self.day:02d}"


_LUNAR_WORDS = ("âm lịch", "am lich", "âm", "am", "âl", "al", "农历", "農曆", "阴历", "陰曆",
                "lunar")
_LEAP_WORDS = ("nhuận", "nhuan", "闰", "閏", "leap")
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})(?:[/.\-](\d{4}))?$")
_CJK_DATE = re.compile(r"^(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号號]?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def parse_birthday(text: str) -> Birthday | None:
    """Read '15/03/1985', '15/3', '1985-03-15', '3月15日', or a lunar date such as
    'âm 15/8', '农历8月15日', 'lunar 30/12 nhuận'. None if it is not a possible date."""
    raw = " ".join(text.strip().lower().split())
    lunar = leap = False
    for word in _LEAP_WORDS:
        if word in raw:
            leap, raw = True, raw.replace(word, " ")
    for word in _LUNAR_WORDS:
        if raw.startswith(word) or raw.endswith(word):
            lunar = True
            raw = raw[len(word):] if raw.startswith(word) else raw[: -len(word)]
            break
    raw = raw.replace(" ", "").strip(",:")
    day = month = 0
    year: int | None = None
    if match := _NUMERIC_DATE.match(raw):
        day, month = int(match[1]), int(match[2])
        year = int(match[3]) if match[3] else None
    elif match := _ISO_DATE.match(raw):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    elif match := _CJK_DATE.match(raw):
        year = int(match[1]) if match[1] else None
        month, day = int(match[2]), int(match[3])
    else:
        return None
    if leap and not lunar:
        lunar = True  # only lunar months are leap months
    if not 1 <= month <= 12 or not 1 <= day <= (30 if lunar else 31):
        return None
    if year is not None and not 1900 <= year <= 2100:
        return None
    if not lunar and not _solar_day_exists(year, month, day):
        return None
    return Birthday(month=month, day=day, year=year, lunar=lunar, leap=leap)


def _solar_day_exists(year: int | None, month: int, day: int) -> bool:
    # Without a year, 29 February is a real birthday (of someone born in a leap year).
    days = calendar.monthrange(year or 2024, month)[1]
    return day <= days


def split_name_and_note(text: str) -> tuple[str, str]:
    """Without a phone number to split at, a name ends at a line break, comma or colon."""
    match = re.search(r"\n|[,;:，；：]| - ", text)
    if match is None:
        return text.strip(), ""
    return text[: match.start()].strip(), text[match.end():].strip()
