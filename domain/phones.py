"""Phone numbers: parsing, extraction from free text, search forms, region guessing.

Built on ``phonenumbers`` core only (no ``geocoder``/``carrier``: they add 100+ MB of data).
Only *valid* numbers (per the libphonenumber metadata) are accepted. The ``region`` argument
(ISO 3166 alpha-2: ``VN``, ``CN``, ``HK``, ``TW``, ``SG``...) decides how numbers written
without a country code are read (``0912 345 678`` is a VN number for ``VN`` and a TW number
for ``TW``); a number written with ``+``/``00`` and a country code overrides it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher

__all__ = [
    "MARKETS",
    "Phone",
    "extract_phone",
    "is_checked",
    "parse_phone",
    "parse_phone_any_market",
    "phone_digits",
    "phone_international",
    "region_for_timezone",
    "search_forms",
    "split_at_number",
]


@dataclass(frozen=True)
class Phone:
    e164: str  # +84901234567
    national: str  # formatted for display in its region: 090 123 45 67 / 138 0013 8000


def _to_phone(number: phonenumbers.PhoneNumber) -> Phone:
    return Phone(
        e164=phonenumbers.format_number(number, PhoneNumberFormat.E164),
        national=phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL),
    )


def _parse_valid(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region.upper() if region else None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return number


def parse_phone(text: str, region: str) -> Phone | None:
    """Parse one phone number (whole text); ``None`` unless it is a valid number.

    >>> parse_phone("0901.234.567", "VN")
    Phone(e164='+84901234567', national='0901 234 567')
    """
    if not text or not text.strip():
        return None
    number = _parse_valid(text.strip(), region)
    return _to_phone(number) if number is not None else None


# The markets Rapport serves, in the order a number that is not valid in the RM's own is tried
# (a mainland mobile in a Vietnamese RM's book, a Taiwanese one in a Hong Kong RM's).
MARKETS = ("VN", "CN", "TW", "HK", "SG", "MY")


def parse_phone_any_market(text: str, region: str) -> Phone | None:
    """A valid number in the RM's region, else in the one other market where it is one.

    Only when that reading is certain: a number written with the RM's own trunk prefix
    (``0123 456 789`` in Vietnam, an old number) is theirs, not read as Malaysian; one valid
    in two markets (``9123 4567``: Hong Kong and Singapore) is nobody's.

    >>> parse_phone_any_market("13800138000", "VN")
    Phone(e164='+8613800138000', national='138 0013 8000')
    >>> parse_phone_any_market("0123 456 789", "VN") is None
    True
    """
    region = region.upper()
    home = parse_phone(text, region)
    if home is not None or text.lstrip().startswith(("+", "00")):
        return home
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    trunk = metadata.national_prefix if metadata is not None else None
    if trunk and phone_digits(text).startswith(trunk):
        return None
    found = {phone for market in MARKETS if market != region
             if (phone := parse_phone(text, market)) is not None}
    return found.pop() if len(found) == 1 else None


def is_checked(stored: str) -> bool:
    """Whether a stored phone is a valid number (E.164), not one kept as typed."""
    return stored.startswith("+") and parse_phone(stored, "") is not None


# Labels glued to a number ("SĐT0901234567", "tel:+84...") stop libphonenumber from matching,
# since it refuses numbers touching a Latin letter; they are blanked out before matching and
# removed together with the number.
_LABEL_RE = re.compile(
    r"(?:\b(?:s[đd]t|[đd]t(?:d[đd])?|đi[eệ]n\s*tho[aạ]i|dien\s*thoai|tel|phone|mobile|mob"
    r"|hotline|zalo|hp|cell)|电话号码|电话|電話|手机号码|手机号|手機號碼|手机|手機|联系方式|聯絡電話)"
    r"\s*[:：.\-]?\s*$",
    re.IGNORECASE,
)
_GLUED_LABEL_RE = re.compile(
    r"\b(?:s[đd]t|[đd]t|tel|phone|mobile|mob|hotline|zalo|hp|cell)(?=\+?\d)", re.IGNORECASE
)
# Characters that make a candidate "not a phone": dates 15/12/2026.
_BREAKERS = str.maketrans({"/": "|", "\\": "|"})
_CJK_EDGE_RE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]$")
_CJK_START_RE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
_SPACE_BEFORE_PUNCT_RE = re.compile(r"\s+([,.;:!?，。；：！？、)）])")
_REPEATED_PUNCT_RE = re.compile(r"([,;，；、\-–—])(?:\s*[,;，；、\-–—])+")
_EDGE_PUNCT = " \t\n,;:-–—，；：、"


def _tidy(text: str) -> str:
    text = " ".join(text.split())
    text = _SPACE_BEFORE_PUNCT_RE.sub(r"\1", text)
    text = _REPEATED_PUNCT_RE.sub(r"\1", text)
    return text.strip(_EDGE_PUNCT)


def _find(text: str, region: str) -> tuple[int, int, Phone] | None:
    """Span (label included) and value of the first valid phone number in the text."""
    if not text:
        return None
    # Same length as `text`, so match offsets apply to the original.
    work = _GLUED_LABEL_RE.sub(lambda m: " " * len(m.group()), text.translate(_BREAKERS))
    try:
        matcher = PhoneNumberMatcher(work, region.upper() if region else None, Leniency.VALID)
        for match in matcher:
            start = match.start
            label = _LABEL_RE.search(text, 0, start)
            if label is not None:
                start = label.start()
            return start, match.end, _to_phone(match.number)
    except phonenumbers.NumberParseException:  # pragma: no cover - matcher swallows these
        return None
    return None


def find_phones(text: str, region: str) -> list[tuple[int, int, Phone]]:
    """Every valid phone number in free text, with its span (a label before it included):
    ``'SĐT mới 0903 456 789, nhà 028 3823 4567'`` gives both numbers."""
    found: list[tuple[int, int, Phone]] = []
    if not text:
        return found
    work = _GLUED_LABEL_RE.sub(lambda m: " " * len(m.group()), text.translate(_BREAKERS))
    try:
        for match in PhoneNumberMatcher(work, region.upper() if region else None,
                                        Leniency.VALID):
            label = _LABEL_RE.search(text, 0, match.start)
            start = label.start() if label is not None else match.start
            found.append((start, match.end, _to_phone(match.number)))
    except phonenumbers.NumberParseException:  # pragma: no cover - matcher swallows these
        return found
    return found


def split_at_phone(text: str, region: str) -> tuple[str, Phone, str] | None:
    """Split free text at its first valid phone number: (text before, phone, text after).

    A phone label right before the number ("SĐT:", "tel", "电话") goes with the number. Amounts
    (``2 tỷ``, ``500.000.000``), years and dates (``15/12/2026``) are not phone numbers.

    >>> split_at_phone("Nguyễn Văn An 0901 234 567 vay mua nhà 2 tỷ", "VN")
    ('Nguyễn Văn An', Phone(e164='+84901234567', national='0901 234 567'), 'vay mua nhà 2 tỷ')
    """
    found = _find(text, region)
    if found is None:
        return None
    start, end, phone = found
    return _tidy(text[:start]), phone, _tidy(text[end:])


# A run of 7 or more digits, with the spaces, dots, dashes and brackets people write in
# phone numbers, and a leading '+': in a line like /add's, it is a phone number.
_RUN_RE = re.compile(r"(?<![\w+])\+?\(?\d[\d .\-()]*\d\)?(?!\w)")
_MIN_RUN_DIGITS = 7
# 500.000.000 and 1,000,000 are amounts; so is a run followed by a unit (2 tỷ, 50 万).
_AMOUNT_RE = re.compile(r"[1-9]\d{0,2}(?:([.,])\d{3})(?:\1\d{3})*")
_UNIT_RE = re.compile(
    r"\s*(?:tỷ|ty\b|triệu|trieu|tr\b|nghìn|nghin|ngàn|ngan|k\b|đ\b|đồng|dong\b|vnd|usd|"
    r"\$|%|万|萬|亿|億|元|块|塊|千|百)", re.IGNORECASE)


def _number_runs(text: str) -> list[tuple[int, int]]:
    """Spans of the digit runs that may be phone numbers (not amounts)."""
    runs = []
    for match in _RUN_RE.finditer(text.translate(_BREAKERS)):
        start, end = match.span()
        if _UNIT_RE.match(text, end):
            # '0912345 2 tỷ': the last group is the amount's, not the number's.
            cut = text.rfind(" ", start, end)
            if cut <= start:
                continue
            end = cut
        run = text[start:end].strip(" .-")
        end = start + len(text[start:end].rstrip(" .-"))
        if len(phone_digits(run)) < _MIN_RUN_DIGITS or _AMOUNT_RE.fullmatch(run):
            continue
        runs.append((start, end))
    return runs


def split_at_number(text: str, region: str) -> tuple[str, Phone | str, str] | None:
    """Split a line at its first phone number: (text before, phone, text after).

    A valid number in the RM's region is found as :func:`split_at_phone` finds it; a run of
    7+ digits that is not (``13800138000`` in Vietnam) is read in the other markets, and if no
    market has such a number it is returned as typed (a ``str``), never left in the text
    around it: digits are never part of a name.

    >>> split_at_number("Vương Vĩ 13800138000 khách Trung Quốc", "VN")
    ('Vương Vĩ', Phone(e164='+8613800138000', national='138 0013 8000'), 'khách Trung Quốc')
    >>> split_at_number("Ngô Thị Lụa 0123 456 789 số cũ", "VN")
    ('Ngô Thị Lụa', '0123 456 789', 'số cũ')
    """
    found = _find(text, region)
    runs = _number_runs(text)
    if found is not None and (not runs or found[0] <= runs[0][0]):
        start, end, phone = found
        return _tidy(text[:start]), phone, _tidy(text[end:])
    if not runs:
        return None
    start, end = runs[0]
    typed = " ".join(text[start:end].split())
    label = _LABEL_RE.search(text, 0, start)
    if label is not None:
        start = label.start()
    checked = parse_phone_any_market(typed, region)
    return _tidy(text[:start]), checked if checked is not None else typed, _tidy(text[end:])


def extract_phone(text: str, region: str) -> tuple[Phone, str] | None:
    """Find the first valid phone number in free text and return it with the rest of the text.

    >>> extract_phone("Nguyễn Văn An 0901 234 567 vay mua nhà 2 tỷ", "VN")
    (Phone(e164='+84901234567', national='0901 234 567'), 'Nguyễn Văn An vay mua nhà 2 tỷ')
    """
    found = _find(text, region)
    if found is None:
        return None
    start, end, phone = found
    before, after = text[:start], text[end:]
    glue = "" if _CJK_EDGE_RE.search(before) or _CJK_START_RE.match(after) else " "
    return phone, _tidy(before + glue + after)


def phone_digits(text: str) -> str:
    """Digits only, for search: ``'0901.234.567'`` -> ``'0901234567'`` (full-width too)."""
    out: list[str] = []
    for ch in text:
        if "0" <= ch <= "9":
            out.append(ch)
        elif ch.isdecimal():  # full-width / other-script decimal digits
            out.append(str(unicodedata.decimal(ch)))
    return "".join(out)


def search_forms(e164: str, region: str) -> list[str]:
    """The digit strings a user might type for a stored number: national with trunk 0
    (``0901234567``), without it (``901234567``) and international (``84901234567``).

    ``region`` is only used to read ``e164`` if it lacks the ``+``. Numbers whose national
    dialling has no trunk prefix (CN mobiles, HK, SG) give just two forms. Unparseable input
    falls back to its digits.
    """
    try:
        number = phonenumbers.parse(e164, region.upper() if region else None)
    except phonenumbers.NumberParseException:
        digits = phone_digits(e164)
        return [digits] if digits else []
    nsn = phonenumbers.national_significant_number(number)
    national = phone_digits(phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL))
    forms: list[str] = []
    for form in (national, nsn, f"{number.country_code}{nsn}"):
        if form and form not in forms:
            forms.append(form)
    return forms


_TZ_REGIONS: dict[str, str] = {
    "Asia/Ho_Chi_Minh": "VN",
    "Asia/Saigon": "VN",
    "Asia/Shanghai": "CN",
    "Asia/Chongqing": "CN",
    "Asia/Chungking": "CN",
    "Asia/Urumqi": "CN",
    "Asia/Harbin": "CN",
    "Asia/Kashgar": "CN",
    "PRC": "CN",
    "Asia/Hong_Kong": "HK",
    "Hongkong": "HK",
    "Asia/Macau": "MO",
    "Asia/Macao": "MO",
    "Asia/Taipei": "TW",
    "ROC": "TW",
    "Asia/Singapore": "SG",
    "Singapore": "SG",
    "Asia/Kuala_Lumpur": "MY",
    "Asia/Kuching": "MY",
}


def region_for_timezone(tz: str, default: str) -> str:
    """Phone region for an IANA time zone name (``Asia/Saigon`` -> ``VN``), else ``default``."""
    return _TZ_REGIONS.get(tz.strip(), default) if tz else default


def display_phone(e164: str, region: str) -> str:
    """How the RM reads a stored number: national format at home, international otherwise."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    home = phonenumbers.region_code_for_number(number) == region.upper()
    style = PhoneNumberFormat.NATIONAL if home else PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


def phone_international(e164: str) -> str:
    """'+84 90 123 45 67': the international form, which Telegram makes tappable to call."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
