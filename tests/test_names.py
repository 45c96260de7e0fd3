"""Tests for domain.names: folding, search keys and query forms."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.names import fold, full_name, query_forms, search_key


def _unescape(form: str) -> str:
    out: list[str] = []
    it = iter(form)
    for ch in it:
        out.append(next(it, "") if ch == "\\" else ch)
    return "".join(out)


def matches(key: str, query: str) -> bool:
    """Python emulation of `key LIKE '%' || form || '%' ESCAPE '\\'` for any query form."""
    return any(_unescape(form) in key for form in query_forms(query))


@pytest.fixture(scope="module")
def db() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(":memory:")
    yield conn
    conn.close()


def sql_matches(db: sqlite3.Connection, key: str, query: str) -> bool:
    """The real thing: SQLite LIKE with ESCAPE '\\', as storage is told to do it."""
    sql = "SELECT ? LIKE '%' || ? || '%' ESCAPE '\\'"
    return any(db.execute(sql, (key, form)).fetchone()[0] for form in query_forms(query))


# ---------------------------------------------------------------- fold


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # every Vietnamese vowel class and tone
        ("Nguyễn Văn An", "nguyen van an"),
        ("ă ắ ằ ẳ ẵ ặ", "a a a a a a"),
        ("â ấ ầ ẩ ẫ ậ", "a a a a a a"),
        ("ê ế ề ể ễ ệ", "e e e e e e"),
        ("ô ố ồ ổ ỗ ộ", "o o o o o o"),
        ("ơ ớ ờ ở ỡ ợ", "o o o o o o"),
        ("ư ứ ừ ử ữ ự", "u u u u u u"),
        ("á à ả ã ạ", "a a a a a"),
        ("í ì ỉ ĩ ị ý ỳ ỷ ỹ ỵ", "i i i i i y y y y y"),
        ("đ Đ", "d d"),
        ("ĐẶNG", "dang"),
        ("Đặng Thị Ngọc Ánh", "dang thi ngoc anh"),
        ("Trương Thị Hường", "truong thi huong"),
        ("Phạm Quốc Việt", "pham quoc viet"),
        ("Lữ Khắc Ưng", "lu khac ung"),
        # decomposed input (combining tone marks typed separately) folds the same
        ("Nguye\u0302\u0303n", "nguyen"),
        # whitespace collapsed, ends trimmed
        ("  Lê \t  Văn\n Tám  ", "le van tam"),
        # full-width Latin / digits
        ("Ｗａｎｇ １２３", "wang 123"),
        # Traditional -> Simplified
        ("陳", "陈"),
        ("張", "张"),
        ("黃", "黄"),
        ("劉", "刘"),
        ("楊", "杨"),
        ("吳", "吴"),
        ("鄭", "郑"),
        ("趙", "赵"),
        ("王偉", "王伟"),
        ("陳大文", "陈大文"),
        ("臺灣銀行", "台湾银行"),
        ("Công ty TNHH 王記", "cong ty tnhh 王记"),
        # key separator never survives
        ("a|b", "a b"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


@pytest.mark.parametrize("text", ["陈", "张伟", "王伟", "abc", "nguyen van an"])
def test_fold_leaves_simplified_and_plain_text_alone(text: str) -> None:
    assert fold(text) == text


# ---------------------------------------------------------------- search_key layout


def test_search_key_example_layout() -> None:
    assert search_key("王偉", "Công ty TNHH 王记", "vip") == (
        "|王伟|wangwei|ww|cong ty tnhh 王记|congtytnhh王记|congtytnhhwangji|wj|vip|"
    )


def test_search_key_vietnamese_has_folded_and_compact() -> None:
    # ... and the initials of a name of several words, as a Chinese name has them.
    assert search_key("Nguyễn Văn An") == "|nguyen van an|nguyenvanan|nva|"
    assert search_key("Đặng Thị Hồng", "Công ty Hồng Phát") == (
        "|dang thi hong|dangthihong|dth|cong ty hong phat|congtyhongphat|")


def test_search_key_single_word_is_stored_once() -> None:
    assert search_key("An") == "|an|"


def test_search_key_surname_has_both_readings() -> None:
    assert search_key("曾伟") == "|曾伟|cengwei|zengwei|cw|zw|"


def test_search_key_empty_parts() -> None:
    assert search_key() == ""
    assert search_key("", "  ") == ""
    assert search_key("", "An", "") == "|an|"


def test_search_key_dedupes_across_parts() -> None:
    assert search_key("vip", "VIP", "Vip") == "|vip|"


def test_search_key_contains_no_separator_inside_forms() -> None:
    key = search_key("a|b", "c | d")
    forms = key.strip("|").split("|")
    assert forms == ["a b", "ab", "c d", "cd"]


def test_search_key_u_umlaut_spellings() -> None:
    key = search_key("吕伟")
    assert "|lvwei|" in key
    assert "|luwei|" in key
    assert matches(key, "lü wei")


# ---------------------------------------------------------------- matching tables


VIETNAMESE_HITS = [
    ("Nguyễn Văn An", "nguyen van an"),
    ("Nguyễn Văn An", "Nguyen Van An"),
    ("Nguyễn Văn An", "NGUYỄN VĂN AN"),
    ("Nguyễn Văn An", "nguyễn"),
    ("Nguyễn Văn An", "van an"),
    ("Nguyễn Văn An", "vanan"),
    ("Nguyễn Văn An", "nguyenvanan"),
    ("Nguyễn Văn An", "an"),
    ("Nguyễn Văn An", "Nguyễn   Văn"),
    ("Đặng Thị Ngọc Ánh", "dang"),
    ("Đặng Thị Ngọc Ánh", "ĐẶNG"),
    ("Đặng Thị Ngọc Ánh", "đặng thị"),
    ("Đặng Thị Ngọc Ánh", "ngoc anh"),
    ("ĐẶNG VĂN LÂM", "dang van lam"),
    ("Trần Thị Bích Ngọc", "bich ngoc"),
    ("Lê Hữu Phước", "huu phuoc"),
    ("Phạm Thị Ưng", "ung"),
    ("Hồ Ơn", "ho on"),
    ("Võ Thị Sáu", "vo thi sau"),
    ("Bùi Xuân Huấn", "xuan huan"),
    ("Dương Quá", "duong qua"),
    ("Lý Thường Kiệt", "ly thuong kiet"),
    ("Huỳnh Tấn Phát", "huynh tan"),
]

VIETNAMESE_MISSES = [
    ("Nguyễn Văn An", "nguyen van binh"),
    ("Đặng Thị Ngọc Ánh", "dong"),
    ("Trần Văn Hùng", "tran thi"),
]


@pytest.mark.parametrize(("name", "query"), VIETNAMESE_HITS)
def test_vietnamese_hits(db: sqlite3.Connection, name: str, query: str) -> None:
    key = search_key(name)
    assert matches(key, query)
    assert sql_matches(db, key, query)


@pytest.mark.parametrize(("name", "query"), VIETNAMESE_MISSES)
def test_vietnamese_misses(db: sqlite3.Connection, name: str, query: str) -> None:
    key = search_key(name)
    assert not matches(key, query)
    assert not sql_matches(db, key, query)


SIMP_TRAD = [("陈", "陳"), ("张", "張"), ("黄", "黃"), ("刘", "劉"), ("杨", "楊"), ("吴", "吳"),
             ("郑", "鄭"), ("赵", "趙")]  # fmt: skip


@pytest.mark.parametrize(("simp", "trad"), SIMP_TRAD)
def test_simplified_traditional_equivalence(db: sqlite3.Connection, simp: str, trad: str) -> None:
    simp_key = search_key(simp + "大文")
    trad_key = search_key(trad + "大文")
    assert simp_key == trad_key
    for key in (simp_key, trad_key):
        for query in (simp, trad, simp + "大文", trad + "大文"):
            assert matches(key, query), (key, query)
            assert sql_matches(db, key, query)


CHINESE_HITS = [
    ("王伟", "wangwei"),
    ("王伟", "wang wei"),
    ("王伟", "Wang Wei"),
    ("王伟", "WANGWEI"),
    ("王伟", "ww"),
    ("王伟", "wang"),
    ("王伟", "王"),
    ("王伟", "偉"),
    ("王偉", "wangwei"),
    ("王偉", "ww"),
    ("王偉", "王伟"),
    ("王伟", "王偉"),
    ("王伟", "Wáng Wěi"),
    ("张小明", "zhangxiaoming"),
    ("张小明", "zxm"),
    ("张小明", "xiao ming"),
    ("張小明", "zhang xiao ming"),
    ("陳大文", "chendawen"),
    ("陳大文", "cdw"),
    ("欧阳娜娜", "ouyang"),
    ("欧阳娜娜", "oynn"),
    ("李 明", "liming"),
    ("李 明", "lm"),
    ("吕伟", "lvwei"),
    ("吕伟", "luwei"),
    ("Ｗａｎｇ Ｗｅｉ", "wangwei"),
]


@pytest.mark.parametrize(("name", "query"), CHINESE_HITS)
def test_chinese_hits(db: sqlite3.Connection, name: str, query: str) -> None:
    key = search_key(name)
    assert matches(key, query), key
    assert sql_matches(db, key, query)


CHINESE_MISSES = [
    ("王伟", "wangfang"),
    ("王伟", "wf"),
    ("王伟", "李"),
    ("陈大文", "chenxiaowen"),
]


@pytest.mark.parametrize(("name", "query"), CHINESE_MISSES)
def test_chinese_misses(name: str, query: str) -> None:
    assert not matches(search_key(name), query)


SURNAMES = [
    # (name, surname reading, pypinyin's default reading, initials of surname reading)
    ("曾伟", "zengwei", "cengwei", "zw"),
    ("单伟", "shanwei", "danwei", "sw"),
    ("区伟", "ouwei", "quwei", "ow"),
    ("仇伟", "qiuwei", "chouwei", "qw"),
    ("解伟", "xiewei", "jiewei", "xw"),
    ("查伟", "zhawei", "chawei", "zw"),
    ("朴伟", "piaowei", "puwei", "pw"),
    ("覃伟", "qinwei", "tanwei", "qw"),
    ("乐伟", "yuewei", "lewei", "yw"),
    ("缪伟", "miaowei", "mouwei", "mw"),
    ("翟伟", "zhaiwei", "diwei", "zw"),
    ("盖伟", "gewei", "gaiwei", "gw"),
    ("黑伟", "hewei", "heiwei", "hw"),
    ("召伟", "shaowei", "zhaowei", "sw"),
    ("繁伟", "powei", "fanwei", "pw"),
    ("员伟", "yunwei", "yuanwei", "yw"),
    ("种伟", "chongwei", "zhongwei", "cw"),
    ("秘伟", "biwei", "miwei", "bw"),
    ("折伟", "shewei", "zhewei", "sw"),
    ("尉伟", "yuwei", "weiwei", "yw"),
    ("藏伟", "zangwei", "cangwei", "zw"),
    ("尉迟恭", "yuchigong", "yuchigong", "ycg"),
    ("万俟卨", "moqixie", "moqixie", "mqx"),
    ("单于伟", "chanyuwei", "chanyuwei", "cyw"),
    ("長孫無忌", "zhangsunwuji", "zhangsunwuji", "zswj"),
    ("曾國藩", "zengguofan", "cengguofan", "zgf"),  # Traditional input
]


@pytest.mark.parametrize(("name", "surname_reading", "default_reading", "initials"), SURNAMES)
def test_surname_readings(
    db: sqlite3.Connection, name: str, surname_reading: str, default_reading: str, initials: str
) -> None:
    key = search_key(name)
    for query in (surname_reading, default_reading, initials):
        assert matches(key, query), (key, query)
        assert sql_matches(db, key, query)


def test_surname_reading_only_at_start_of_a_cjk_run() -> None:
    # 曾 inside a given name keeps pypinyin's reading only
    key = search_key("王曾")
    assert "wangceng" in key
    assert "wangzeng" not in key
    # ...but a surname after a space starts a new run
    assert matches(search_key("客户 曾伟"), "zengwei")


def test_surname_table_applies_to_pinyin_only_not_folded_text() -> None:
    key = search_key("曾伟")
    assert key.startswith("|曾伟|")


# ---------------------------------------------------------------- company, tags, mixed


CUSTOMER = ("Nguyễn Thị Hồng Nhung", "Công ty TNHH Thương mại Hoàng Phát", "VIP", "vay mua nhà")
CHINESE_CUSTOMER = ("陳志強", "Công ty TNHH 王記", "房貸", "信用卡")


@pytest.mark.parametrize(
    "query",
    [
        "hong nhung",
        "hoang phat",
        "Hoàng Phát",
        "cong ty tnhh",
        "thuong mai",
        "vip",
        "vay mua nha",
        "vaymuanha",
        "mua nhà",
    ],
)
def test_company_and_tags_match(db: sqlite3.Connection, query: str) -> None:
    key = search_key(*CUSTOMER)
    assert matches(key, query)
    assert sql_matches(db, key, query)


@pytest.mark.parametrize(
    "query",
    [
        "陈志强",
        "陳志強",
        "chenzhiqiang",
        "czq",
        "王記",
        "王记",
        "wangji",
        "tnhh wangji",
        "cong ty tnhh 王记",
        "房贷",
        "房貸",
        "fangdai",
        "fd",
        "xinyongka",
        "xyk",
        "信用卡",
    ],
)
def test_chinese_customer_fields(db: sqlite3.Connection, query: str) -> None:
    key = search_key(*CHINESE_CUSTOMER)
    assert matches(key, query), (key, query)
    assert sql_matches(db, key, query)


@pytest.mark.parametrize(
    "query",
    [
        "nhung cong",  # name tail + company head
        "nhungcong",
        "vip vay",
        "vipvay",
        "nhung|cong",
    ],
)
def test_query_never_matches_across_fields(db: sqlite3.Connection, query: str) -> None:
    key = search_key(*CUSTOMER)
    assert not matches(key, query)
    assert not sql_matches(db, key, query)


def test_punctuation_insensitive_compact_form() -> None:
    key = search_key("A.B.C Trading Co., Ltd.")
    assert matches(key, "abc")
    assert matches(key, "a.b.c")
    assert matches(key, "abc trading")
    assert matches(search_key("Nguyễn-Văn An"), "nguyen van")


# ---------------------------------------------------------------- query forms & escaping


def test_query_forms_basic() -> None:
    assert query_forms("Nguyễn Văn") == ["nguyen van", "nguyenvan"]
    assert query_forms("an") == ["an"]
    assert query_forms("陳") == ["陈"]
    assert query_forms("  wang   wei ") == ["wang wei", "wangwei"]


@pytest.mark.parametrize("query", ["", "   ", "\t\n", "|", "||"])
def test_query_forms_blank(query: str) -> None:
    assert query_forms(query) == []


def test_query_forms_escape() -> None:
    assert query_forms("50%") == ["50\\%", "50"]
    assert query_forms("a_b") == ["a\\_b", "ab"]
    assert query_forms("a\\b") == ["a\\\\b", "ab"]
    assert query_forms("%") == ["\\%"]
    assert query_forms("_") == ["\\_"]


@pytest.mark.parametrize(
    ("name", "query", "hit"),
    [
        ("axb", "a_b", False),  # '_' would be a wildcard
        ("a_b", "a_b", True),
        ("abcz", "a%z", False),  # '%' would be a wildcard
        ("a%z", "a%z", True),
        ("lãi 5%", "5%", True),
        ("a\\z", "a\\z", True),
        ("abz", "a\\z", False),
    ],
)
def test_like_escaping_in_sqlite(db: sqlite3.Connection, name: str, query: str, hit: bool) -> None:
    key = search_key(name)
    assert sql_matches(db, key, query) is hit
    assert matches(key, query) is hit


def test_unescaped_like_would_have_matched() -> None:
    """Sanity check of the test above: without escaping, '_' really is a wildcard."""
    conn = sqlite3.connect(":memory:")
    try:
        row = conn.execute("SELECT ? LIKE '%' || ? || '%'", (search_key("axb"), "a_b")).fetchone()
        assert row[0] == 1
    finally:
        conn.close()


# ---------------------------------------------------------------- properties

_ALPHABET = st.sampled_from(
    list("abcdefghijklmnopqrstuvwxyz ABCĐđăâêôơư áàảãạ ếềểễệ ộợựỹ %_\\|.-,'")
    + list("王伟偉陈陳张張黄黃刘劉杨楊吴吳郑鄭赵趙曾单區区仇解查朴覃尉迟万俟长長孙孫记記 ")
    + list("０１２３ＷＡ")
)
_MIXED_TEXT = st.one_of(st.text(_ALPHABET, max_size=30), st.text(max_size=30))


@settings(max_examples=300, deadline=None)
@given(_MIXED_TEXT)
def test_fold_never_raises_and_is_clean(text: str) -> None:
    folded = fold(text)
    assert "|" not in folded
    assert folded == folded.strip()
    assert "  " not in folded
    assert folded == folded.lower() or not folded.isascii()


@settings(max_examples=300, deadline=None)
@given(_MIXED_TEXT)
def test_name_matches_itself(text: str) -> None:
    key = search_key(text)
    forms = query_forms(text)
    if forms:
        assert matches(key, text), (key, forms)
    else:
        assert fold(text) == ""
        assert key == ""


@settings(max_examples=200, deadline=None)
@given(st.lists(_MIXED_TEXT, max_size=4))
def test_each_part_matches_itself(parts: list[str]) -> None:
    key = search_key(*parts)
    if key:
        assert key.startswith("|")
        assert key.endswith("|")
        assert "||" not in key
    for part in parts:
        if query_forms(part):
            assert matches(key, part), (key, part)


@settings(max_examples=200, deadline=None)
@given(_MIXED_TEXT)
def test_query_forms_are_escaped(text: str) -> None:
    for form in query_forms(text):
        assert form
        raw = _unescape(form)
        # every %, _ and \ in the raw text is preceded by a backslash in the form
        assert form.count("\\") == 2 * raw.count("\\") + raw.count("%") + raw.count("_")


@settings(max_examples=300, deadline=None)
@given(_MIXED_TEXT)
def test_fold_is_idempotent(text: str) -> None:
    once = fold(text)
    assert fold(once) == once
    # the folded name is a valid query for the original name
    if once:
        assert matches(search_key(text), once)


@pytest.mark.parametrize(("first", "last", "region", "name"), [
    ("Tuấn", "Lê Minh", "", "Lê Minh Tuấn"),
    ("Tuan", "Le Minh", "VN", "Le Minh Tuan"),
    ("Tuan", "Le Minh", "SG", "Tuan Le Minh"),
    ("伟", "王", "CN", "王伟"),
    ("大文", "陳", "HK", "陳大文"),
    ("Kevin", "Lam", "HK", "Kevin Lam"),
    ("John", "Smith", "VN", "John Smith"),
    ("An", "", "VN", "An"),
    ("", "Nguyễn", "VN", "Nguyễn"),
])
def test_full_name_puts_the_family_name_where_the_language_does(
        first: str, last: str, region: str, name: str) -> None:
    assert full_name(first, last, region) == name
