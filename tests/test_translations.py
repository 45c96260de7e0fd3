"""Every text a user can see exists in all four catalogs, with the same placeholders and tags."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from core.config import LANGUAGES
from core.i18n import _, active, format_datetime, format_money, language_from_telegram

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
SKIP_DIRS = {"tests", "data", "bench", ".git", "locales", ".venv", "build"}


def _code_messages() -> set[str]:
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map=[("**.py", "python")],
        keywords=KEYWORDS,
        directory_filter=lambda path: not (set(Path(path).relative_to(ROOT).parts) & SKIP_DIRS),
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _catalog(language: str) -> dict[str, list[str]]:
    path = ROOT / "locales" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    entries = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        raw = message.string or ""
        strings = [raw] if isinstance(raw, str) else list(raw)
        entries[key] = strings
    return entries


CODE_MESSAGES = _code_messages()


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def _tags(text: str) -> list[str]:
    return sorted(re.findall(r"</?\w+>", text))


def test_code_has_messages() -> None:
    assert len(CODE_MESSAGES) > 50


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(language: str) -> None:
    catalog = _catalog(language)
    missing = sorted(m for m in CODE_MESSAGES if not all(catalog.get(m, [""])))
    assert not missing, f"{language}: {len(missing)} untranslated, e.g. {missing[:5]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_placeholders_and_tags(language: str) -> None:
    for msgid, strings in _catalog(language).items():
        for translated in strings:
            assert _fields(translated) == _fields(msgid), (language, msgid, translated)
            assert _tags(translated) == _tags(msgid), (language, msgid, translated)


def test_chinese_catalogs_are_in_their_own_script() -> None:
    hans, hant = _catalog("zh_Hans"), _catalog("zh_Hant")
    assert hans["Relationship manager"] == ["客户经理"]
    assert hant["Relationship manager"] == ["客戶經理"]
    differing = sum(hans[k] != hant[k] for k in hans if re.search(r"[\u4e00-\u9fff]", hans[k][0]))
    assert differing > len(hans) // 2


@pytest.mark.parametrize(
    ("code", "language"),
    [("vi", "vi"), ("vi-VN", "vi"), ("zh", "zh_Hans"), ("zh-hans", "zh_Hans"),
     ("zh-cn", "zh_Hans"), ("zh-CN", "zh_Hans"), ("zh-sg", "zh_Hans"), ("zh-hant", "zh_Hant"),
     ("zh-hk", "zh_Hant"), ("zh-tw", "zh_Hant"), ("zh-hant-tw", "zh_Hant"), ("zh-mo", "zh_Hant"),
     ("en", "en"), ("en-GB", "en"), ("fr", None), ("", None), (None, None)],
)
def test_telegram_language_codes(code: str | None, language: str | None) -> None:
    assert language_from_telegram(code) == language


def test_formatting_follows_language_and_zone() -> None:
    moment = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    with active("vi", "Asia/Ho_Chi_Minh"):
        assert format_datetime(moment) == "Th 3, 24 thg 11, 2026 09:00"
        assert format_money(2_000_000_000, "VND") == "2.000.000.000\xa0₫"
        assert _("Saved.") == "Đã lưu."
    with active("zh_Hans", "Asia/Shanghai"):
        assert format_datetime(moment) == "2026年11月24日周二 10:00"
        assert format_money(1234.5, "CNY") == "¥1,234.50"
    with active("zh_Hant", "Asia/Taipei"):
        assert "週二" in format_datetime(moment)
        assert format_money(1200, "TWD").endswith("1,200")
        assert _("Saved.") == "已儲存。"
    with active("en", "Asia/Hong_Kong"):
        assert format_money(99.5, "HKD") == "HK$99.50"
        assert format_datetime(moment).endswith("10:00")
