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
    "Phone",
    "extract_phone",
    "parse_phone",
    "phone_digits",
    "phone_international",
    "region_for_timezone",
    "search_forms",
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
