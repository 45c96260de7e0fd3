"""The catalogs as translators wrote them and as users read them (for the translation tests)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

from core.i18n import FALLBACKS

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"


@cache
def entries(language: str) -> dict[str, tuple[str, ...]]:
    """The translated entries of one .po file: msgid (the singular) → its forms."""
    path = LOCALES / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    found = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        raw = message.string or ""
        strings = (raw,) if isinstance(raw, str) else tuple(raw)
        if all(strings):
            found[key] = strings
    return found


@cache
def effective(language: str) -> dict[str, tuple[str, ...]]:
    """What a user of this language reads: the regional entry, else the shared one."""
    base = effective(FALLBACKS[language]) if language in FALLBACKS else {}
    return base | entries(language)
