"""Which language a person or a group is spoken to in.

Traditional Chinese is two languages here: Taiwan and Hong Kong write it with different
words (追蹤 / 跟進, 簡訊 / 短訊, 理專 / 客戶經理), so each market has its own catalog over a
shared ``zh_Hant`` one. A bare ``zh_Hant`` — chosen before the markets were told apart, or
Telegram's ``zh-hant`` — is read by the person's market (their phone region).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

from babel import Locale, UnknownLocaleError

# The languages a person or a group can choose, in the order the pickers show them.
LANGUAGES = ("vi", "zh_Hans", "zh_Hant_TW", "zh_Hant_HK", "en")
# Texts written once for every market (the product catalog, a customer's language).
CONTENT_LANGUAGES = ("vi", "zh_Hans", "zh_Hant", "en")
# Each language's name in its own script, so anyone finds theirs.
LANGUAGE_NAMES = {
    "vi": "Tiếng Việt",
    "zh_Hans": "简体中文",
    "zh_Hant_TW": "繁體中文（台灣）",
    "zh_Hant_HK": "繁體中文（香港）",
    "en": "English",
}
# Where Traditional Chinese is written the Hong Kong way; everywhere else, Taiwan's.
HONG_KONG_REGIONS = frozenset({"HK", "MO"})
TRADITIONAL_REGIONS = HONG_KONG_REGIONS | {"TW"}


def traditional_for(region: str | None) -> str:
    """The Traditional Chinese of this market."""
    return "zh_Hant_HK" if (region or "").upper() in HONG_KONG_REGIONS else "zh_Hant_TW"


def regional(language: str | None, region: str | None) -> str | None:
    """One of LANGUAGES for a stored or configured code (``zh_Hant`` by the market), or None."""
    if language == "zh_Hant":
        return traditional_for(region)
    return language if language in LANGUAGES else None


def content_language(language: str) -> str:
    """The language of texts written once for every market: zh_Hant_TW → zh_Hant."""
    return "zh_Hant" if language.startswith("zh_Hant") else language


@lru_cache(maxsize=256)
def from_telegram(code: str | None, region: str | None) -> str | None:
    """Telegram's IETF ``language_code`` as one of LANGUAGES, or None if we do not speak it.

    ``zh-tw`` and ``zh-hant-tw`` are Taiwan's, ``zh-hk`` and ``zh-mo`` Hong Kong's; a bare
    ``zh-hant`` is the market's Traditional, and a bare ``zh`` is Simplified except in a
    Traditional market (Telegram sends ``zh`` for every Chinese interface it has no code for).
    """
    if not code:
        return None
    tag = code.strip().replace("_", "-")
    try:
        locale = Locale.parse(tag, sep="-")
    except (ValueError, UnknownLocaleError):
        try:  # private-use or unknown subtags after a language we may know ("en-US-x-…")
            locale = Locale.parse(tag.split("-")[0])
        except (ValueError, UnknownLocaleError):
            return None
    if locale.language in ("vi", "en"):
        return locale.language
    if locale.language != "zh":
        return None
    if locale.script == "Hans":
        return "zh_Hans"
    if locale.territory in TRADITIONAL_REGIONS:
        return traditional_for(locale.territory)
    if locale.script == "Hant" or (region or "").upper() in TRADITIONAL_REGIONS:
        return traditional_for(region)
    return "zh_Hans"


def resolve(chosen: str | None, telegram_code: str | None, region: str | None,
            default: str) -> str:
    """The language to speak: the person's choice, else their Telegram app's, else the
    installation's default (each read by the person's market)."""
    return (regional(chosen, region) or from_telegram(telegram_code, region)
            or regional(default, region) or "en")


class Speaker(Protocol):
    """Someone the bot speaks to (a member of staff)."""

    @property
    def language(self) -> str | None: ...
    @property
    def telegram_language(self) -> str | None: ...
    @property
    def region(self) -> str: ...


def language_of(person: Speaker, default: str) -> str:
    """The language pushes to this person use: the same as their replies."""
    return resolve(person.language, person.telegram_language, person.region, default)
