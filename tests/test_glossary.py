"""Each market's words, as locales/glossary.yaml lists them: the catalogs use the preferred
translation of key texts and none of the words a native reader of that market stops at."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from core.i18n import CATALOGS
from tests.catalogs import LOCALES, effective

GLOSSARY: dict[str, dict[str, Any]] = yaml.safe_load(
    (LOCALES / "glossary.yaml").read_text(encoding="utf-8"))


def _rules(language: str, kind: str) -> dict[str, str]:
    """This language's rules of one kind, with those of the catalog it falls back to."""
    entry = GLOSSARY[language]
    inherited = _rules(entry["inherits"], kind) if "inherits" in entry else {}
    return inherited | (entry.get(kind) or {})


def test_the_glossary_covers_every_catalog() -> None:
    assert set(GLOSSARY) == set(CATALOGS)


@pytest.mark.parametrize("language", CATALOGS)
def test_key_texts_use_the_markets_word(language: str) -> None:
    catalog = effective(language)
    wrong = {msgid: (catalog.get(msgid), term)
             for msgid, term in (GLOSSARY[language].get("terms") or {}).items()
             if catalog.get(msgid) != (term,)}
    assert not wrong, f"{language}: (catalog, glossary) {wrong}"


@pytest.mark.parametrize("language", CATALOGS)
def test_no_forbidden_word(language: str) -> None:
    offences = [
        f"{word!r} (use {instead}) in {msgid!r}: {text!r}"
        for word, instead in _rules(language, "forbidden").items()
        for msgid, texts in effective(language).items() for text in texts if word in text
    ] + [
        f"/{pattern}/ ({why}) in {msgid!r}: {text!r}"
        for pattern, why in _rules(language, "patterns").items()
        for msgid, texts in effective(language).items() for text in texts
        if re.search(pattern, text)
    ]
    assert not offences, f"{language}: {len(offences)}\n" + "\n".join(offences)
