"""Every text a user can see exists in every language, with the same placeholders and tags.

Taiwan's and Hong Kong's catalogs hold only what their market words its own way; what a user
of either reads is that entry, else the shared zh_Hant one (``effective``).
"""

from __future__ import annotations

import re
import string
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from core.i18n import (
    CATALOGS,
    LANGUAGES,
    _,
    active,
    format_date,
    format_date_range,
    format_datetime,
    format_day_heading,
    format_money,
    format_number,
    language_from_telegram,
    ngettext,
)
from core.languages import resolve
from tests.catalogs import effective
from tests.catalogs import entries as _catalog

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


CODE_MESSAGES = _code_messages()


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def _tags(text: str) -> list[str]:
    return sorted(re.findall(r"</?\w+>", text))


def test_code_has_messages() -> None:
    assert len(CODE_MESSAGES) > 50


@pytest.mark.parametrize("language", [*LANGUAGES, "zh_Hant"])
def test_every_message_is_translated(language: str) -> None:
    catalog = effective(language)
    missing = sorted(m for m in CODE_MESSAGES if not all(catalog.get(m, [""])))
    assert not missing, f"{language}: {len(missing)} untranslated, e.g. {missing[:5]}"


@pytest.mark.parametrize("language", CATALOGS)
def test_catalogs_hold_only_texts_of_the_code(language: str) -> None:
    stale = sorted(set(_catalog(language)) - CODE_MESSAGES)
    assert not stale, f"{language}: run make messages; gone from the code: {stale[:5]}"


@pytest.mark.parametrize("language", CATALOGS)
def test_translations_keep_placeholders_and_tags(language: str) -> None:
    for msgid, strings in _catalog(language).items():
        for translated in strings:
            assert _fields(translated) == _fields(msgid), (language, msgid, translated)
            assert _tags(translated) == _tags(msgid), (language, msgid, translated)


def test_chinese_catalogs_are_in_their_own_script() -> None:
    hans, hant = _catalog("zh_Hans"), _catalog("zh_Hant")
    assert hans["Relationship manager"] == ("客户经理",)
    assert effective("zh_Hant_HK")["Relationship manager"] == ("客戶經理",)
    assert effective("zh_Hant_TW")["Relationship manager"] == ("理專",)
    differing = sum(hans[k] != hant[k] for k in hans if re.search(r"[\u4e00-\u9fff]", hans[k][0]))
    assert differing > len(hans) // 2


def test_regional_catalogs_fall_back_to_the_shared_one() -> None:
    shared = _catalog("zh_Hant")
    assert "Saved." not in _catalog("zh_Hant_TW") and "Saved." not in _catalog("zh_Hant_HK")
    for language in ("zh_Hant_TW", "zh_Hant_HK"):
        with active(language, "UTC"):
            assert _("Saved.") == shared["Saved."][0]
            assert _("Follow-ups") == effective(language)["Follow-ups"][0]
    with active("zh_Hant_TW", "UTC"):
        assert _("Follow-ups") == "追蹤"
    with active("zh_Hant_HK", "UTC"):
        assert _("Follow-ups") == "跟進"


def test_an_untranslated_regional_plural_falls_back(tmp_path: Path) -> None:
    """write_mo keeps a plural entry with empty forms (answering in English); the loader
    must drop it so the shared catalog answers."""
    from core import i18n

    for language in CATALOGS:
        source = ROOT / "locales" / language / "LC_MESSAGES" / "messages.po"
        target = tmp_path / language / "LC_MESSAGES" / "messages.po"
        target.parent.mkdir(parents=True)
        target.write_bytes(source.read_bytes())
    plural = '\nmsgid "{count} cup"\nmsgid_plural "{count} cups"\nmsgstr[0] "%s"\n'
    for language, text in (("zh_Hant", "{count} 杯"), ("zh_Hant_HK", "")):
        with (tmp_path / language / "LC_MESSAGES" / "messages.po").open("a") as handle:
            handle.write(plural % text)
    try:
        i18n.load_catalogs(tmp_path)
        with active("zh_Hant_HK", "UTC"):
            assert ngettext("{count} cup", "{count} cups", 2) == "{count} 杯"
    finally:
        i18n.load_catalogs()


@pytest.mark.parametrize(
    ("code", "region", "language"),
    [("vi", "VN", "vi"), ("vi-VN", "TW", "vi"), ("zh-hans", "HK", "zh_Hans"),
     ("zh-cn", "TW", "zh_Hans"), ("zh-CN", "VN", "zh_Hans"), ("zh-sg", "VN", "zh_Hans"),
     ("zh", "VN", "zh_Hans"), ("zh", "CN", "zh_Hans"), ("zh", "TW", "zh_Hant_TW"),
     ("zh", "HK", "zh_Hant_HK"), ("zh-hant", "VN", "zh_Hant_TW"),
     ("zh-hant", "TW", "zh_Hant_TW"), ("zh-hant", "HK", "zh_Hant_HK"),
     ("zh-hant", "MO", "zh_Hant_HK"), ("zh-hk", "VN", "zh_Hant_HK"),
     ("zh-tw", "HK", "zh_Hant_TW"), ("zh-hant-tw", "VN", "zh_Hant_TW"),
     ("zh-Hant-HK", "TW", "zh_Hant_HK"), ("zh-mo", "VN", "zh_Hant_HK"),
     ("zh-hans-hk", "HK", "zh_Hans"), ("en", "VN", "en"), ("en-GB", "HK", "en"),
     ("en-US-x-twain", "VN", "en"), ("fr", "VN", None), ("", "VN", None), (None, "VN", None)],
)
def test_telegram_language_codes(code: str | None, region: str, language: str | None) -> None:
    assert language_from_telegram(code, region) == language


@pytest.mark.parametrize(
    ("chosen", "telegram", "region", "default", "language"),
    [("vi", "zh-hk", "HK", "en", "vi"),                  # a choice wins
     ("zh_Hant", None, "HK", "vi", "zh_Hant_HK"),        # chosen before the markets split
     ("zh_Hant", "en", "TW", "vi", "zh_Hant_TW"),
     (None, "zh-hant", "HK", "vi", "zh_Hant_HK"),        # Telegram's, by the market
     (None, "fr", "TW", "zh_Hant", "zh_Hant_TW"),        # the default, by the market
     (None, None, "VN", "vi", "vi"),
     ("xx", "de", "VN", "en", "en")],
)
def test_who_speaks_what(chosen: str | None, telegram: str | None, region: str, default: str,
                         language: str) -> None:
    assert resolve(chosen, telegram, region, default) == language


def test_formatting_follows_language_and_zone() -> None:
    moment = datetime(2026, 12, 7, 1, 53, tzinfo=UTC)
    with active("vi", "Asia/Ho_Chi_Minh"):
        assert format_datetime(moment) == "08:53 thứ Hai, 07/12/2026"
        assert format_date(moment) == "07/12/2026"
        assert format_date_range(date(2026, 12, 7), date(2026, 12, 13)) == "07/12–13/12/2026"
        assert format_date_range(date(2026, 12, 28), date(2027, 1, 3)) == (
            "28/12/2026–03/01/2027")
        assert format_day_heading(date(2026, 12, 13)) == "Chủ nhật, 13/12"
        assert format_money(2_000_000_000, "VND") == "2.000.000.000\xa0₫"
        assert format_number(12.5) == "12,5"
        assert _("Saved.") == "Đã lưu."
    with active("zh_Hans", "Asia/Shanghai"):
        assert format_datetime(moment) == "2026年12月7日周一 09:53"
        assert format_date_range(date(2026, 12, 7), date(2026, 12, 13)) == "2026年12月7日至13日"
        assert format_money(1234.5, "CNY") == "¥1,234.50"
    with active("zh_Hant_TW", "Asia/Taipei"):
        assert format_datetime(moment) == "2026年12月7日 週一 09:53"
        assert format_money(1200, "TWD").endswith("1,200")
        assert _("Saved.") == "已儲存。"
    with active("zh_Hant_HK", "Asia/Hong_Kong"):
        assert format_datetime(moment) == "2026年12月7日（星期一）09:53"
        assert format_money(99.5, "HKD") == "HK$99.50"
    with active("en", "Asia/Hong_Kong"):
        assert format_money(99.5, "HKD") == "HK$99.50"
        assert format_datetime(moment) == "Mon, Dec 7, 2026, 09:53"
