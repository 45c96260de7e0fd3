"""The customer file's vocabulary: stages, segments, grades, sources, fields and their limits.

Labels are marked with N_ and translated where shown; the stored values never change.
"""

from __future__ import annotations

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
# What came out of a call, visit or meeting, one tap each (on the card's contact and after ✅
# on a reminder): kept in the interaction's detail as {"outcome": key}, its text the label in
# the RM's language.
OUTCOMES: dict[str, str] = {
    "na": N_("No answer"),
    "cb": N_("Call back"),
    "in": N_("Interested"),
    "ni": N_("Not interested"),
    "ds": N_("Documents sent"),
}
OUTCOME_ICONS = {"na": "📵", "cb": "🔁", "in": "👍", "ni": "👎", "ds": "📄"}
KIND_ICONS = {"call": "📞", "visit": "🚶", "meeting": "🤝", "message": "💬", "note": "📝",
              "complaint": "⚠️", "stage": "➡️", "file": "📎"}

MAX_NAME = 120
MAX_FIELD = 1000
MAX_NOTE = 20_000
# What a note's author may correct or delete from the history: what they typed (stage
# changes, complaints, files and a Telegram Business chat's lines have records of their own).
CORRECTABLE_KINDS = ("note", "call", "visit", "meeting")


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
    Field("zalo", "Zalo", limit=40),
    Field("wechat", N_("WeChat"), limit=40),
    Field("line", "LINE", limit=40),
    Field("whatsapp", "WhatsApp", limit=40),
    Field("id_expiry", N_("ID document expiry"), limit=40),
    Field("risk_expiry", N_("Risk-profile assessment expiry"), limit=40),
    Field("kyc_due", N_("Periodic KYC review"), limit=40),
]
# Fields holding a calendar date (YYYY-MM-DD); chat apps holding an ID or a number.
DATE_FIELDS = ("id_expiry", "risk_expiry", "kyc_due")
CHANNEL_FIELDS = ("zalo", "wechat", "line", "whatsapp")
FIELDS_BY_NAME = {field.name: field for field in FIELDS}


def split_name_and_note(text: str) -> tuple[str, str]:
    """Without a phone number to split at, a name ends at a line break, comma or colon."""
    match = re.search(r"\n|[,;:，；：]| - ", text)
    if match is None:
        return text.strip(), ""
    return text[: match.start()].strip(), text[match.end():].strip()


def has_letters(name: str) -> bool:
    """Whether a name has a letter of any script: 😀 or ... alone is not a name."""
    return any(char.isalpha() for char in name)
