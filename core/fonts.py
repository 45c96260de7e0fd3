"""The font a chart is drawn in, so that Chinese labels come out as characters, not boxes.

matplotlib's own font (DejaVu Sans) has Vietnamese but no Chinese. The project's setup
(scripts/setup.sh) installs Debian's fonts-noto-cjk, whose collections hold Simplified,
Taiwan's and Hong Kong's glyph forms as separate faces; each Chinese language is drawn in its
own. matplotlib keeps a font cache that may predate the install and that ignores .ttc
collections on some versions, so the files are added to it here, once, by path.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

# The face each language's characters are drawn with (regional glyph forms), best first.
CJK_FAMILIES = {
    "zh_Hans": ("Noto Sans CJK SC",),
    "zh_Hant_TW": ("Noto Sans CJK TC",),
    "zh_Hant_HK": ("Noto Sans CJK HK", "Noto Sans CJK TC"),
    "zh_Hant": ("Noto Sans CJK TC",),
}
# Other fonts with Chinese characters, should a machine have one of these instead.
OTHER_CJK = ("Noto Sans CJK SC", "Noto Sans CJK TC", "Source Han Sans SC", "Source Han Sans TC",
             "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC",
             "SimHei", "AR PL UMing CN")
LATIN = "DejaVu Sans"  # matplotlib's own: Latin with Vietnamese letters
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))


@cache
def _available() -> frozenset[str]:
    """The families matplotlib can draw with, the installed CJK collections added."""
    from matplotlib import font_manager

    for directory in FONT_DIRS:
        for path in sorted(directory.rglob("*CJK*")) if directory.is_dir() else ():
            if path.suffix.lower() in (".ttc", ".otf", ".ttf"):
                font_manager.fontManager.addfont(str(path))
    return frozenset(font.name for font in font_manager.fontManager.ttflist)


def chart_families(language: str) -> list[str]:
    """The font families for a chart's text in this language, with Latin last; a Chinese
    language with no Chinese font installed gets [], and the caller says so."""
    if not language.startswith("zh"):
        return [LATIN]
    available = _available()
    wanted = (*CJK_FAMILIES.get(language, ()), *OTHER_CJK)
    found = next((family for family in wanted if family in available), None)
    return [found, LATIN] if found else []
