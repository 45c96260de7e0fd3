"""Customer search keys: accent-, case-, script- and pinyin-insensitive matching.

Storage keeps ONE text column ``search_key`` per customer, built with :func:`search_key`,
and matches a user query with, for each form returned by :func:`query_forms`::

    search_key LIKE '%' || ? || '%' ESCAPE '\\'

A customer is a hit when ANY form matches. The ``ESCAPE '\\'`` clause is mandatory: the
forms have ``%``, ``_`` and ``\\`` escaped with a backslash so user text is matched literally.

Key layout: a flat list of *forms* joined by ``|`` with a leading and trailing ``|``::

    search_key("王偉", "Công ty TNHH 王记", "vip")
    == "|王伟|wangwei|ww|cong ty tnhh 王记|congtytnhh王记|congtytnhhwangji|wj|vip|"

For each part (name, company, tag...) the forms are, deduplicated:

* the folded text (:func:`fold`): lowercase, no diacritics, ``đ`` -> ``d``, Simplified Chinese;
* its *compact* form: the folded text without spaces and punctuation
  (``nguyenvanan``, ``abc`` for ``A.B.C``);
* when the part contains Chinese characters: the full pinyin with the CJK runs replaced by
  their toneless syllables and then compacted (``wangwei``), and the pinyin initials of the CJK
  characters (``ww``). A CJK run starting with a known surname (``曾``, ``单``, ``尉迟``...) gets
  a second reading with the surname pronunciation; ``ü`` (pypinyin ``v``) also gets a ``u``
  spelling (``lvwei``/``luwei``).

Every form is delimited by ``|`` and neither folded queries nor folded parts can contain
``|``, so a query never matches across two forms or two fields; ``'%|' || ? || '|%'``
matches a whole form exactly.

Queries are folded the same way; :func:`query_forms` returns the folded query and its compact
form (a query ``van an`` also tries ``vanan``, so it finds ``nguyenvanan``; ``wang wei`` tries
``wangwei``).
"""

from __future__ import annotations

import os
import re
import unicodedata
from functools import cache, lru_cache
from typing import Any

# pypinyin copies its dictionaries on import unless told not to (about 3 MiB saved); we never
# modify them. It is read when pypinyin is first imported.
os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "true")

__all__ = ["fold", "given_name", "name_key", "note_query", "note_snippet", "query_forms",
           "rank_patterns", "search_key"]

# CJK Unified Ideographs (+ Extension A, compatibility block, Extensions B-H) and 〇.
_CJK = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK_RE = re.compile(f"[{_CJK}]")
_CJK_RUN_RE = re.compile(f"[{_CJK}]+")
# Everything that is not a letter/digit/CJK char: whitespace, punctuation, symbols, '_'.
_NON_WORD_RE = re.compile(r"[\W_]+")

# đ/Đ do not decompose under NFD; ð (eth) is often typed for Đ. '|' is the key separator.
_CHAR_MAP = str.maketrans({"đ": "d", "ð": "d", "ɖ": "d", "|": " "})
_ASCII_MAP = str.maketrans({"|": " "})
_LIKE_ESCAPE = str.maketrans({"\\": "\\\\", "%": "\\%", "_": "\\_"})

# Surname readings that differ from pypinyin's default reading of the character, keyed by
# Simplified characters (text is folded to Simplified before lookup). Compound surnames are
# looked up first. Values are space-separated toneless syllables.
_COMPOUND_SURNAMES: dict[str, str] = {
    "尉迟": "yu chi",
    "万俟": "mo qi",
    "长孙": "zhang sun",
    "单于": "chan yu",
    "澹台": "tan tai",
    "乐正": "yue zheng",
    "令狐": "ling hu",
    "亓官": "qi guan",
    "濮阳": "pu yang",
    "仲孙": "zhong sun",
    "叱干": "chi gan",
    "宇文": "yu wen",
    "欧阳": "ou yang",
    "上官": "shang guan",
    "诸葛": "zhu ge",
    "司马": "si ma",
    "皇甫": "huang fu",
    "夏侯": "xia hou",
    "慕容": "mu rong",
    "公孙": "gong sun",
    "钟离": "zhong li",
    "端木": "duan mu",
}
_SINGLE_SURNAMES: dict[str, str] = {
    "曾": "zeng",
    "单": "shan",
    "区": "ou",
    "仇": "qiu",
    "解": "xie",
    "查": "zha",
    "朴": "piao",
    "覃": "qin",
    "乐": "yue",
    "缪": "miao",
    "翟": "zhai",
    "盖": "ge",
    "黑": "he",
    "召": "shao",
    "繁": "po",
    "员": "yun",
    "种": "chong",
    "重": "chong",
    "秘": "bi",
    "折": "she",
    "尉": "yu",
    "华": "hua",
    "任": "ren",
    "沈": "shen",
    "石": "shi",
    "贾": "jia",
    "藏": "zang",
    "郇": "huan",
    "隗": "wei",
    "句": "gou",
    "能": "nai",
    "都": "du",
    "阚": "kan",
    "洗": "xian",
    "蕃": "pi",
    "祭": "zhai",
    "宓": "fu",
    "牟": "mu",
    "柏": "bai",
    "薄": "bo",
    "卜": "bu",
    "燕": "yan",
    "那": "na",
    "过": "guo",
    "曲": "qu",
    "车": "che",
    "相": "xiang",
    "应": "ying",
    "便": "pian",
    "万": "wan",
}


@cache
def _t2s() -> Any:
    """The Traditional->Simplified converter (built once, on first use: it is slow to build)."""
    from opencc_purepy import OpenCC

    return OpenCC("t2s")


def fold(text: str) -> str:
    """Lowercase, NFD, drop combining marks, đ->d, Traditional->Simplified, collapse spaces.

    Also applies compatibility normalisation (full-width ``Ｗａｎｇ`` -> ``wang``) and turns
    ``|`` (the key separator) into a space.

    >>> fold("  Nguyễn   Văn ĐẶNG ")
    'nguyen van dang'
    >>> fold("陳大文")
    '陈大文'
    """
    if not text:
        return ""
    if text.isascii():
        s = text.lower().translate(_ASCII_MAP)
    else:
        s = unicodedata.normalize("NFKD", text).casefold()
        s = "".join(ch for ch in s if not unicodedata.combining(ch))
        s = unicodedata.normalize("NFC", s.translate(_CHAR_MAP))
        if _CJK_RE.search(s):
            s = _t2s().convert(s)
    return " ".join(s.split())


def _compact(folded: str) -> str:
    """The folded text without whitespace and punctuation ('a.b c' -> 'abc')."""
    return _NON_WORD_RE.sub("", folded)


def _surname_reading(run: str) -> tuple[int, list[str]] | None:
    """(number of characters, syllables) of a surname reading at the start of a CJK run."""
    compound = _COMPOUND_SURNAMES.get(run[:2]) if len(run) >= 2 else None
    if compound is not None:
        return 2, compound.split()
    single = _SINGLE_SURNAMES.get(run[0])
    if single is not None:
        return 1, [single]
    return None


@lru_cache(maxsize=16384)
def _run_pinyin(run: str) -> tuple[str, ...]:
    """pypinyin's toneless reading of one run of CJK characters (names repeat a lot)."""
    # pypinyin's dictionaries take about 43 MiB: loaded with the first Chinese name, so an
    # installation that only ever sees Vietnamese names never pays for them.
    from pypinyin import Style, lazy_pinyin

    return tuple(lazy_pinyin(run, style=Style.NORMAL))


def _pinyin_forms(folded: str) -> list[str]:
    """Full-pinyin and initials forms for folded text containing CJK characters."""
    # Two readings of the text as (piece, is_syllable) lists: pypinyin's, and one with
    # surname readings at the start of each CJK run. Non-CJK text is kept compacted.
    plain: list[tuple[str, bool]] = []
    alt: list[tuple[str, bool]] = []
    pos = 0
    for m in _CJK_RUN_RE.finditer(folded):
        if m.start() > pos:
            latin = (_compact(folded[pos : m.start()]), False)
            plain.append(latin)
            alt.append(latin)
        pos = m.end()
        run = m.group()
        sylls = list(_run_pinyin(run))
        plain.extend((s, True) for s in sylls)
        if len(sylls) == len(run):
            reading = _surname_reading(run)
            if reading is not None:
                n, surname = reading
                sylls = surname + sylls[n:]
        alt.extend((s, True) for s in sylls)
    if pos < len(folded):
        latin = (_compact(folded[pos:]), False)
        plain.append(latin)
        alt.append(latin)

    forms: list[str] = []
    for pieces in (plain, alt):
        forms.append("".join(p for p, _ in pieces))
        # pypinyin spells ü as 'v' (lv, nv); people also type 'u' (Lu, as in passports).
        if any(is_syll and "v" in p for p, is_syll in pieces):
            forms.append("".join(p.replace("v", "u") if s else p for p, s in pieces))
    for pieces in (plain, alt):
        forms.append("".join(p[:1] for p, is_syll in pieces if is_syll))
    return forms


# Stored forms are cut here, and a longer query form is not searched for: folding expands
# some characters (NFKD turns U+FDFA into 18 letters), and SQLite refuses LIKE patterns over
# 50,000 bytes ("pattern too complex") where PostgreSQL searched on. Real names, companies
# and tags fold to far less.
FORM_LIMIT = 2000


def _initials(folded: str) -> str:
    """The first letters of a name of several words ('dang thi hong' -> 'dth'), else ''."""
    words = [word for word in _NON_WORD_RE.split(folded) if word]
    return "".join(word[0] for word in words) if len(words) > 1 else ""


def search_key(*parts: str) -> str:
    """One string holding, for each part: the folded text, its no-space form, and for CJK text
    the full pinyin (no tones, no spaces) and the pinyin initials (for the first part, the
    name, written in Latin letters: the initials of its words, ``nva`` for Nguyễn Văn An);
    parts separated by '|' so a query never matches across two fields.

    Empty parts are skipped; duplicate forms are stored once. See the module docstring for
    the exact layout and the SQL to match it.
    """
    seen: dict[str, None] = {}
    for index, part in enumerate(parts):
        folded = fold(part)[:FORM_LIMIT]
        if not folded:
            continue
        seen[folded] = None
        compact = _compact(folded)
        if compact:
            seen[compact] = None
        if _CJK_RE.search(folded):
            for form in _pinyin_forms(folded):
                if form:
                    seen[form[:FORM_LIMIT]] = None
        elif index == 0 and (initials := _initials(folded)):
            seen[initials] = None  # the name's: 'dth' for Đặng Thị Hồng, as 'ww' for 王伟
    if not seen:
        return ""
    return "|" + "|".join(seen) + "|"


def query_forms(query: str) -> list[str]:
    """The forms to LIKE-match for a query (folded, and no-space folded); escape %, _ and \\ so
    user text is literal (document that storage must use ESCAPE '\\').

    Storage must match each form with ``search_key LIKE '%' || ? || '%' ESCAPE '\\'`` and
    treat a customer as a hit when any form matches. The no-space form also drops
    punctuation (``a.b.c`` -> ``abc``). An empty list means the query has nothing searchable
    (blank or punctuation only); storage should then return no customers.

    >>> query_forms("Nguyễn Văn")
    ['nguyen van', 'nguyenvan']
    >>> query_forms("50%_off")
    ['50\\\\%\\\\_off', '50off']
    """
    folded = fold(query)
    forms: list[str] = []
    for form in (folded, _compact(folded)):
        if len(form) > FORM_LIMIT:
            continue  # longer than any stored form: it cannot match
        escaped = form.translate(_LIKE_ESCAPE)
        if form and escaped not in forms:
            forms.append(escaped)
    return forms


# The most common Vietnamese family names, without accents (fold): with them a name typed
# without accents (Le Minh) is still read as Vietnamese.
_VIETNAMESE_SURNAMES = frozenset({
    "nguyen", "tran", "le", "pham", "hoang", "huynh", "phan", "vu", "vo", "dang", "bui", "do",
    "ho", "ngo", "duong", "ly", "dinh", "dao", "doan", "trinh", "truong", "lam", "luong",
    "mai", "cao", "ta", "chau", "quach", "thai", "la", "tang", "ton", "vuong", "ha", "kieu"
})
# Letters only Vietnamese writes among the Latin scripts.
_VIETNAMESE_LETTERS = re.compile(
    "[ăâđêôơưĂÂĐÊÔƠƯạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"
    "ẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸ]")


def full_name(first: str | None, last: str | None, region: str = "") -> str:
    """A person's name from a first and a last name (a shared contact's), in the order
    their language writes it: Chinese and Vietnamese names family name first (Chinese without
    a space), other names first name first. A name without Vietnamese letters is read as
    Vietnamese only by an RM in Vietnam (``region``), when it starts with a Vietnamese family
    name: ``Kevin Lam`` in Hong Kong stays as it is.

    >>> full_name("Tuấn", "Lê Minh")
    'Lê Minh Tuấn'
    >>> full_name("伟", "王")
    '王伟'
    >>> full_name("Tuan", "Le Minh", "VN")
    'Le Minh Tuan'
    >>> full_name("Kevin", "Lam", "HK")
    'Kevin Lam'
    >>> full_name("John", "Smith", "VN")
    'John Smith'
    """
    first, last = (first or "").strip(), (last or "").strip()
    if not first or not last:
        return first or last
    if _CJK_RE.search(first + last):
        return f"{last}{first}"
    family = fold(last).split()
    if _VIETNAMESE_LETTERS.search(first + last) or (
            region.upper() == "VN" and family and family[0] in _VIETNAMESE_SURNAMES):
        return f"{last} {first}"
    return f"{first} {last}"


# -- ranking /find's results, and notes ------------------------------------------------------

GIVEN_MARK = "~"


def given_name(name: str) -> str:
    """The name a person is called by, folded: a Vietnamese name's last word, a Chinese
    name's characters after the family name (two characters for a compound family name such
    as 欧阳 or 诸葛), another Latin name's first word.

    >>> given_name("Nguyễn Văn An")
    'an'
    >>> given_name("歐陽娜娜")
    '娜娜'
    >>> given_name("Kevin Lam")
    'kevin'
    """
    folded = fold(name)
    run = _CJK_RUN_RE.search(folded)
    if run is not None:
        chars = run.group()
        if len(chars) < 2:
            return ""
        surname = 2 if chars[:2] in _COMPOUND_SURNAMES and len(chars) > 2 else 1
        return chars[surname:]
    words = folded.split()
    if len(words) < 2:
        return ""
    vietnamese = _VIETNAMESE_LETTERS.search(name) or words[0] in _VIETNAMESE_SURNAMES
    return words[-1] if vietnamese else words[0]


def name_key(name: str) -> str:
    """The name alone, to rank /find's results: its forms (folded, no-space, pinyin; no
    initials) and its given name's forms marked with ``~``:
    ``|nguyen van an|nguyenvanan|~an|``. A query equal to a form is the full name; equal to a
    marked form, the given name; the start of a form or of a word in it, a prefix.

    >>> name_key("王偉")
    '|王伟|wangwei|~伟|~wei|'
    """
    forms = _name_forms(name)
    if not forms:
        return ""
    given = [GIVEN_MARK + form for form in _name_forms(given_name(name))]
    return "|" + "|".join(dict.fromkeys([*forms, *given])) + "|"


def _name_forms(name: str) -> list[str]:
    folded = fold(name)[:FORM_LIMIT]
    if not folded:
        return []
    forms = [folded, _compact(folded)]
    if _CJK_RE.search(folded):
        pinyin = _pinyin_forms(folded)
        forms += pinyin[:len(pinyin) - 2]  # the two initials forms come last
    return [form[:FORM_LIMIT] for form in dict.fromkeys(forms) if form]


def rank_patterns(forms: list[str]) -> tuple[list[str], list[str], list[str]]:
    """LIKE patterns over :func:`name_key` for query forms (as :func:`query_forms` gives
    them): the full name, the given name, and the start of the name or of one of its words."""
    exact = [f"%|{form}|%" for form in forms]
    given = [f"%|{GIVEN_MARK}{form}|%" for form in forms]
    prefix = [pattern for form in forms for pattern in (f"%|{form}%", f"% {form}%")]
    return exact, given, prefix


# A note is searched by its folded text; a query shorter than this (once folded) would match
# most notes of a book, so it searches names only.
NOTE_QUERY_MIN = 3
NOTE_QUERY_MIN_CJK = 2
SNIPPET = 80


def note_query(query: str) -> str:
    """The folded query, LIKE-escaped, to find in notes; '' when it is too short to."""
    folded = fold(query)
    if len(folded) > FORM_LIMIT:
        return ""  # SQLite refuses such a pattern; no one types a note's whole page to find it
    cjk = len(_CJK_RE.findall(folded))
    if len(folded.replace(" ", "")) < NOTE_QUERY_MIN and cjk < NOTE_QUERY_MIN_CJK:
        return ""
    return folded.translate(_LIKE_ESCAPE)


def _folded_chars(text: str) -> tuple[str, list[int]]:
    """``text`` folded one character at a time, and for each folded character the index of
    the character of ``text`` it came from (so a match in the folded text is found in the
    text itself)."""
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if char.isspace():
            if out and out[-1] != " ":
                out.append(" ")
                origin.append(index)
            continue
        piece = fold(char) if not char.isascii() else char.lower()
        for folded_char in piece:
            out.append(folded_char)
            origin.append(index)
    return "".join(out), origin


def note_snippet(text: str, query: str, width: int = SNIPPET) -> str:
    """The part of a note around the first place the query is found (accents, case and
    Chinese script aside), with '…' where it is cut; the note's start if not found.

    >>> note_snippet("Khách thích uống trà sữa, hỏi về Sổ Tiết Kiệm 12 tháng", "so tiet kiem", 30)
    '…, hỏi về Sổ Tiết Kiệm 12 tháng'
    """
    text = " ".join(text.split())
    folded, origin = _folded_chars(text)
    needle = fold(query)
    at = folded.find(needle) if needle else -1
    if at < 0:
        return text if len(text) <= width else text[:width].rstrip() + "…"
    start, end = origin[at], origin[min(at + len(needle), len(origin)) - 1] + 1
    end = min(end, start + width)  # a match longer than the snippet: its start
    room = max(0, width - (end - start))
    start = max(0, start - room // 3)
    end = min(len(text), max(end, start + width))
    start = max(0, min(start, end - width))
    piece = text[start:end].strip()
    return ("…" if start > 0 else "") + piece + ("…" if end < len(text) else "")
