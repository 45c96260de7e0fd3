"""Translations and locale-aware formatting for the language of the update being handled.

The catalogs are the committed ``.po`` files, compiled in memory at start-up, so a fresh
checkout needs no build step. The active language and time zone live in context variables,
set once per update by the access gate (or per recipient by the dispatcher), so handlers
simply call ``_()`` and the ``format_*`` helpers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_interval, format_skeleton
from babel.dates import format_time as babel_format_time
from babel.lists import format_list as babel_format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations

from core.languages import LANGUAGE_NAMES, LANGUAGES, from_telegram

__all__ = ["LANGUAGES", "LANGUAGE_NAMES"]

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"

# Catalogs compiled at start-up. Taiwan's and Hong Kong's hold only the texts their market
# words its own way; anything else comes from the shared Traditional catalog.
CATALOGS = ("vi", "zh_Hans", "zh_Hant", "zh_Hant_TW", "zh_Hant_HK", "en")
FALLBACKS = {"zh_Hant_TW": "zh_Hant", "zh_Hant_HK": "zh_Hant"}
# Babel locales used for dates and numbers; the shared zh_Hant (customer greetings) is Taiwan's.
BABEL_LOCALES = {
    "vi": Locale.parse("vi_VN"),
    "zh_Hans": Locale.parse("zh_Hans_CN"),
    "zh_Hant": Locale.parse("zh_Hant_TW"),
    "zh_Hant_TW": Locale.parse("zh_Hant_TW"),
    "zh_Hant_HK": Locale.parse("zh_Hant_HK"),
    "en": Locale.parse("en_US"),
}


@dataclass(frozen=True)
class DateStyle:
    """How a market writes dates: Babel patterns (or skeletons, marked ``~``).

    CLDR's medium formats read like a machine's in Vietnamese ("Th 2, 7 thg 12, 2026"), and
    Hong Kong writes the weekday in brackets, so each language picks its own.
    """

    date: str       # 07/12/2026 · 2026年12月7日
    day: str        # a date with its weekday: thứ Hai, 07/12/2026 · 2026年12月7日周一
    moment: str     # a day and a time, {day} and {time}: 08:53 thứ Hai, 07/12/2026
    heading: str    # a heading for one of the coming days: Thứ Hai, 07/12 · 12月7日周一
    # A range within one year: (first day's pattern, last day's pattern, between); None: Babel's.
    range_in_year: tuple[str, str, str] | None = None


DATE_STYLES = {
    "vi": DateStyle(date="dd/MM/y", day="EEEE, dd/MM/y", moment="{time} {day}",
                    heading="EEEE, dd/MM", range_in_year=("dd/MM", "dd/MM/y", "–")),
    "zh_Hans": DateStyle(date="~yMMMd", day="~yMMMEd", moment="{day} {time}",
                         heading="~MMMEd"),
    "zh_Hant_TW": DateStyle(date="~yMMMd", day="~yMMMEd", moment="{day} {time}",
                            heading="~MMMEd"),
    "zh_Hant_HK": DateStyle(date="~yMMMd", day="y年M月d日（EEEE）", moment="{day}{time}",
                            heading="M月d日（EEEE）"),
    "en": DateStyle(date="~yMMMd", day="~yMMMEd", moment="{day}, {time}", heading="~MMMEd"),
}
DATE_STYLES["zh_Hant"] = DATE_STYLES["zh_Hant_TW"]
# CLDR writes Vietnamese weekdays "Thứ Hai", "Chủ Nhật"; Vietnamese write "Chủ nhật", and
# "thứ Hai" inside a sentence (a heading keeps its capital).
WEEKDAY_SPELLING: dict[str, tuple[tuple[str, str], ...]] = {"vi": (("Chủ Nhật", "Chủ nhật"),)}
MID_SENTENCE_WEEKDAYS: dict[str, tuple[tuple[str, str], ...]] = {"vi": (("Thứ ", "thứ "),)}

ListStyle = Literal["standard", "or", "plain"]

# Banks quote these in whole units (CLDR still gives TWD two decimals).
WHOLE_UNIT_CURRENCIES = frozenset({"VND", "TWD"})

_current_language: ContextVar[str] = ContextVar("language", default="en")
_current_timezone: ContextVar[str] = ContextVar("timezone", default="UTC")
_catalogs: dict[str, NullTranslations] = {}
_compiled_from: list[Path] = []  # the folder the catalogs above were compiled from


def _compile(po_path: Path, language: str) -> Translations:
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=language)
    for message in list(catalog):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.id and not all(strings):
            # Untranslated here: leave it to the fallback (write_mo would keep a plural entry
            # with empty forms and answer with the English source).
            del catalog[message.id]
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def load_catalogs(directory: Path = LOCALES_DIR) -> None:
    """Compile every catalog in memory, once per process and folder; a regional one falls
    back to its shared catalog, and English to the source text."""
    if _compiled_from == [directory]:
        return
    for language in CATALOGS:
        po_path = directory / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        _catalogs[language] = (_compile(po_path, language) if po_path.is_file()
                               else NullTranslations())
    for language, fallback in FALLBACKS.items():
        _catalogs[language].add_fallback(_catalogs[fallback])
    _compiled_from[:] = [directory]


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


def _known(language: str) -> str:
    # zh_Hant (the shared catalog) is spoken only for texts written once for every market.
    return language if language in BABEL_LOCALES else "en"


def activate(language: str, timezone: str) -> None:
    """Make this language and time zone current for the rest of the task."""
    _current_language.set(_known(language))
    _current_timezone.set(timezone)


@contextlib.contextmanager
def active(language: str, timezone: str) -> Iterator[None]:
    """Use a language and time zone for one block (pushes to several recipients)."""
    language_token = _current_language.set(_known(language))
    timezone_token = _current_timezone.set(timezone)
    try:
        yield
    finally:
        _current_language.reset(language_token)
        _current_timezone.reset(timezone_token)


def language_from_telegram(code: str | None, region: str | None = None) -> str | None:
    """Map Telegram's IETF language_code to one of ours, or None if we do not speak it."""
    return from_telegram(code, region)


def _locale() -> Locale:
    return BABEL_LOCALES.get(_current_language.get(), BABEL_LOCALES["en"])


def _style() -> DateStyle:
    return DATE_STYLES.get(_current_language.get(), DATE_STYLES["en"])


def local(moment: datetime) -> datetime:
    """The moment in the current user's time zone (naive values are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(current_timezone())


def _pattern(day: date, pattern: str, *, heading: bool = False) -> str:
    locale = _locale()
    text = (format_skeleton(pattern[1:], day, locale=locale) if pattern.startswith("~")
            else babel_format_date(day, pattern, locale=locale))
    language = _current_language.get()
    fixes = WEEKDAY_SPELLING.get(language, ())
    if not heading:
        fixes += MID_SENTENCE_WEEKDAYS.get(language, ())
    for wrong, right in fixes:
        text = text.replace(wrong, right)
    return text


def _day_of(day: date | datetime) -> date:
    return local(day).date() if isinstance(day, datetime) else day


def format_datetime(moment: datetime) -> str:
    """A day and a time in the user's zone and language: '09:00 thứ Ba, 24/11/2026',
    '2026年11月24日周二 09:00'."""
    return _style().moment.format(day=format_day(moment), time=format_time(moment))


def format_date(day: date | datetime) -> str:
    """A date: '24/11/2026', '2026年11月24日', 'Nov 24, 2026'."""
    return _pattern(_day_of(day), _style().date)


def format_day(day: date | datetime) -> str:
    """A date with its weekday: 'thứ Ba, 24/11/2026', '2026年11月24日（星期二）'."""
    return _pattern(_day_of(day), _style().day)


def format_day_heading(day: date | datetime) -> str:
    """A weekday and a date without the year, heading a day of the agenda: 'Thứ Ba, 24/11'."""
    return _pattern(_day_of(day), _style().heading, heading=True)


def format_date_range(first: date, last: date) -> str:
    """Two dates as one span: '07/12–13/12/2026', '2026年12月7日至13日', 'Dec 7 – 13, 2026'."""
    style = _style()
    if style.range_in_year is not None:
        start, end, between = style.range_in_year
        if first.year != last.year:
            start = end
        return f"{_pattern(first, start)}{between}{_pattern(last, end)}"
    return format_interval(first, last, "yMMMd", locale=_locale())


def format_month_day(day: date | datetime) -> str:
    """A day and month, for a chart's axis: '16/11' (vi), '11/16' (zh), '11/16' (en)."""
    return format_skeleton("Md", _day_of(day), locale=_locale())


def format_weekday(day: date) -> str:
    """The weekday's name: 'thứ Hai', '星期一', 'Monday'."""
    return _pattern(day, "EEEE")


def format_time(moment: datetime) -> str:
    return babel_format_time(local(moment), "HH:mm", locale=_locale())


def format_list(items: Iterable[str], style: ListStyle = "standard") -> str:
    """Items as this language enumerates them: 'A, B và C', 'A、B和C'; style "or" for
    choices, "plain" for a listing with no conjunction ('A, B, C', 'A、B、C')."""
    values = list(items)
    if style != "plain":
        return babel_format_list(values, style=style, locale=_locale())
    middle = _locale().list_patterns["standard"]["middle"]
    text = values[0] if values else ""
    for value in values[1:]:
        text = middle.format(text, value)
    return text


def label_value(label: str, value: str) -> str:
    """'Label: value' with this language's colon (Chinese writes a full-width one)."""
    return _("{label}: {value}").format(label=label, value=value)


def label_count(label: str, count: int | str) -> str:
    """'Label (3)' with this language's brackets, for buttons built from a label."""
    return _("{label} ({count})").format(label=label, count=count)


def render(message: str, params: Mapping[str, object]) -> str:
    """A stored message (marked with N_) in the current language; tuple parameters are
    enumerated as the language does ('client_ref, week và volume')."""
    values = {name: format_list(value) if isinstance(value, tuple) else value
              for name, value in params.items()}
    return _(message).format(**values)


def format_zone(zone: str, moment: datetime, place: str | None = None) -> str:
    """A time zone as people know it, never its IANA id: 'Việt Nam (GMT+7)', '纽约（GMT-5）'.
    ``place`` is its market's name when the caller knows it; else the zone's city."""
    if place is None:
        place = (_locale().time_zones.get(zone, {}).get("city")
                 or zone.rsplit("/", 1)[-1].replace("_", " "))
    offset = moment.astimezone(ZoneInfo(zone)).utcoffset()
    minutes = int(offset.total_seconds()) // 60 if offset is not None else 0
    hours, rest = divmod(abs(minutes), 60)
    gmt = f"GMT{'-' if minutes < 0 else '+'}{hours}" + (f":{rest:02d}" if rest else "")
    return _("{place} ({offset})").format(place=place, offset=gmt)


def format_territory(code: str) -> str:
    """A country or territory's name in the current language ('VN' → 'Việt Nam')."""
    return _locale().territories.get(code.upper(), code)


def format_number(value: int | float | Decimal) -> str:
    return format_decimal(value, locale=_locale())


def format_money(amount: int | float | Decimal, currency: str) -> str:
    """Money in the user's conventions; VND and TWD amounts are shown without decimals."""
    locale = _locale()
    if currency in WHOLE_UNIT_CURRENCIES:
        pattern = locale.currency_formats["standard"].pattern.replace(".00", "")
        return format_currency(amount, currency, pattern, locale=locale, currency_digits=False)
    return format_currency(amount, currency, locale=locale)
