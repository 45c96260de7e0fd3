"""Translations and locale-aware formatting for the language of the update being handled.

The catalogs are the committed ``.po`` files, compiled in memory at start-up, so a fresh
checkout needs no build step. The active language and time zone live in context variables,
set once per update by the access gate (or per recipient by the dispatcher), so handlers
simply call ``_()`` and the ``format_*`` helpers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_skeleton
from babel.dates import format_time as babel_format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations

from core.config import LANGUAGES

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"

# The language names are shown in their own script so anyone can find theirs.
LANGUAGE_NAMES = {
    "vi": "Tiếng Việt",
    "zh_Hans": "简体中文",
    "zh_Hant": "繁體中文",
    "en": "English",
}
# Babel locales used for dates and numbers; Traditional defaults to Taiwan's conventions.
BABEL_LOCALES = {
    "vi": Locale.parse("vi_VN"),
    "zh_Hans": Locale.parse("zh_Hans_CN"),
    "zh_Hant": Locale.parse("zh_Hant_TW"),
    "en": Locale.parse("en_US"),
}
# Telegram's set_my_commands accepts only two-letter codes, so "zh" means Simplified there.
TELEGRAM_MENU_CODES = {"vi": "vi", "zh_Hans": "zh", "en": "en"}

# Banks quote these in whole units (CLDR still gives TWD two decimals).
WHOLE_UNIT_CURRENCIES = frozenset({"VND", "TWD"})

_current_language: ContextVar[str] = ContextVar("language", default="en")
_current_timezone: ContextVar[str] = ContextVar("timezone", default="UTC")
_catalogs: dict[str, NullTranslations] = {}


def load_catalogs(directory: Path = LOCALES_DIR) -> None:
    """Compile every language's .po file in memory; English falls back to the source text."""
    for language in LANGUAGES:
        po_path = directory / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not po_path.is_file():
            _catalogs[language] = NullTranslations()
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=language)
        buffer = BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        _catalogs[language] = Translations(buffer, domain=DOMAIN)


def _catalog() -> NullTranslations:
    if not _catalogs:
        load_catalogs()
    return _catalogs.get(_current_language.get()) or NullTranslations()


def _(message: str) -> str:
    """Translate into the current language."""
    return _catalog().gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """Translate a message whose form depends on a count."""
    return _catalog().ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Mark a module-level text for extraction; translate it later with ``_()``."""
    return message


def current_language() -> str:
    return _current_language.get()


def current_timezone() -> ZoneInfo:
    return ZoneInfo(_current_timezone.get())


def activate(language: str, timezone: str) -> None:
    """Make this language and time zone current for the rest of the task."""
    _current_language.set(language if language in LANGUAGES else "en")
    _current_timezone.set(timezone)


@contextlib.contextmanager
def active(language: str, timezone: str) -> Iterator[None]:
    """Use a language and time zone for one block (pushes to several recipients)."""
    language_token = _current_language.set(language if language in LANGUAGES else "en")
    timezone_token = _current_timezone.set(timezone)
    try:
        yield
    finally:
        _current_language.reset(language_token)
        _current_timezone.reset(timezone_token)


def language_from_telegram(code: str | None) -> str | None:
    """Map Telegram's IETF language_code to one of ours, or None if we do not speak it."""
    if not code:
        return None
    parts = code.strip().lower().replace("_", "-").split("-")
    if parts[0] == "vi":
        return "vi"
    if parts[0] == "en":
        return "en"
    if parts[0] != "zh":
        return None
    rest = set(parts[1:])
    if rest & {"hant", "hk", "tw", "mo"}:
        return "zh_Hant"
    return "zh_Hans"


def _locale() -> Locale:
    return BABEL_LOCALES.get(_current_language.get(), BABEL_LOCALES["en"])


def local(moment: datetime) -> datetime:
    """The moment in the current user's time zone (naive values are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(current_timezone())


def format_datetime(moment: datetime) -> str:
    """Weekday, date and time in the user's zone and language: 'Th 3, 24 thg 11, 2026 09:00'."""
    moment = local(moment)
    return f"{format_skeleton('yMMMEd', moment, locale=_locale())} {format_time(moment)}"


def format_date(day: date | datetime) -> str:
    if isinstance(day, datetime):
        day = local(day).date()
    return babel_format_date(day, "medium", locale=_locale())


def format_time(moment: datetime) -> str:
    return babel_format_time(local(moment), "HH:mm", locale=_locale())


def format_number(value: int | float | Decimal) -> str:
    return format_decimal(value, locale=_locale())


def format_money(amount: int | float | Decimal, currency: str) -> str:
    """Money in the user's conventions; VND and TWD amounts are shown without decimals."""
    locale = _locale()
    if currency in WHOLE_UNIT_CURRENCIES:
        pattern = locale.currency_formats["standard"].pattern.replace(".00", "")
        return format_currency(amount, currency, pattern, locale=locale, currency_digits=False)
    return format_currency(amount, currency, locale=locale)
