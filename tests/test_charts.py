"""Charts are labelled in the RM's language: Chinese characters drawn with a font that has
them (installed by scripts/setup.sh), each market in its own glyph forms, none missing."""

from __future__ import annotations

import warnings
from datetime import date, timedelta

import pytest

from core.fonts import chart_families
from core.i18n import _, active
from core.pushes.review import CHART_HEIGHT, CHART_WIDTH, chart_texts, draw_chart
from domain.review import ACTIVITIES, DEFAULT_TARGETS

MONDAY = date(2026, 11, 16)
TREND = [(MONDAY - timedelta(weeks=n), 20 + n) for n in range(7, -1, -1)]
COUNTS = {"prospects": 12, "contacts": 3, "consults": 5, "followups": 1, "closes": 2,
          "crosssells": 0}
TEAMS = {"zh_Hans": "浦东支行一组", "zh_Hant_TW": "信義分行業務一組",
         "zh_Hant_HK": "旺角分行一組", "vi": "KHCN Bến Thành", "en": "Ben Thanh retail"}
FACES = {"zh_Hans": "Noto Sans CJK SC", "zh_Hant_TW": "Noto Sans CJK TC",
         "zh_Hant_HK": "Noto Sans CJK HK"}


@pytest.mark.parametrize("language", list(TEAMS))
def test_a_chart_is_drawn_in_the_language_with_no_glyph_missing(language: str) -> None:
    if language in FACES and not chart_families(language):
        pytest.fail("no font with Chinese characters: run scripts/setup.sh (fonts-noto-cjk)")
    with active(language, "Asia/Shanghai"):
        texts = chart_texts(MONDAY, team=TEAMS[language])
        labels = [_(label) for label in ACTIVITIES.values()]
    assert texts.labels == labels and TEAMS[language] in texts.title
    if language in FACES:
        assert texts.fonts[0] == FACES[language]
    with warnings.catch_warnings():
        # matplotlib warns "Glyph 28526 (\\N{...}) missing from font(s) DejaVu Sans." and
        # draws a box: here that fails the test.
        warnings.simplefilter("error")
        png = draw_chart(texts, COUNTS, DEFAULT_TARGETS, TREND, sum(DEFAULT_TARGETS.values()))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (CHART_WIDTH, CHART_HEIGHT)


def test_a_missing_glyph_would_fail() -> None:
    """The check above works: a Chinese label in a Latin-only font raises."""
    with active("zh_Hans", "Asia/Shanghai"):
        texts = chart_texts(MONDAY)
    latin_only = type(texts)(**{**texts.__dict__, "fonts": ["DejaVu Sans"]})
    with warnings.catch_warnings(), pytest.raises(UserWarning, match="missing from font"):
        warnings.simplefilter("error")
        draw_chart(latin_only, COUNTS, DEFAULT_TARGETS, TREND, 30)
