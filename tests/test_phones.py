"""Tests for domain.phones: parsing, extraction, search forms, regions."""

from __future__ import annotations

import sys

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from domain.phones import (
    Phone,
    extract_phone,
    find_phones,
    is_checked,
    parse_phone,
    phone_digits,
    region_for_timezone,
    search_forms,
    split_at_number,
)

# ---------------------------------------------------------------- parse_phone

VALID = [
    # Vietnam mobiles, every prefix family
    ("0321234567", "VN", "+84321234567"),
    ("0386 123 456", "VN", "+84386123456"),
    ("0561234567", "VN", "+84561234567"),
    ("0587 654 321", "VN", "+84587654321"),
    ("0701234567", "VN", "+84701234567"),
    ("0771234567", "VN", "+84771234567"),
    ("0812345678", "VN", "+84812345678"),
    ("0886 123 456", "VN", "+84886123456"),
    ("0901234567", "VN", "+84901234567"),
    ("0912 345 678", "VN", "+84912345678"),
    ("0987.654.321", "VN", "+84987654321"),
    ("0901-234-567", "VN", "+84901234567"),
    ("090 123 45 67", "VN", "+84901234567"),
    # Vietnam landlines: Hà Nội 024, TP.HCM 028
    ("024 3812 3456", "VN", "+842438123456"),
    ("(028) 3812 3456", "VN", "+842838123456"),
    ("02838123456", "VN", "+842838123456"),
    # +84 with spaces, and international prefix 00
    ("+84 90 123 45 67", "VN", "+84901234567"),
    ("+84 901 234 567", "CN", "+84901234567"),
    ("+84-901-234-567", "SG", "+84901234567"),
    ("0084 901 234 567", "VN", "+84901234567"),
    # China mobiles 13x-19x, +86, landline
    ("13800138000", "CN", "+8613800138000"),
    ("138 0013 8000", "CN", "+8613800138000"),
    ("14712345678", "CN", "+8614712345678"),
    ("15012345678", "CN", "+8615012345678"),
    ("16612345678", "CN", "+8616612345678"),
    ("17712345678", "CN", "+8617712345678"),
    ("18612345678", "CN", "+8618612345678"),
    ("19912345678", "CN", "+8619912345678"),
    ("+86 138 0013 8000", "VN", "+8613800138000"),
    ("+86-138-0013-8000", "SG", "+8613800138000"),
    ("021 1234 5678", "CN", "+862112345678"),
    ("１３８００１３８０００", "CN", "+8613800138000"),
    # Hong Kong 8 digits
    ("9123 4567", "HK", "+85291234567"),
    ("6123 4567", "HK", "+85261234567"),
    ("2123 4567", "HK", "+85221234567"),
    ("+852 9123 4567", "VN", "+85291234567"),
    # Taiwan mobiles 09xx
    ("0912 345 678", "TW", "+886912345678"),
    ("0987-654-321", "TW", "+886987654321"),
    ("+886 912 345 678", "VN", "+886912345678"),
    # Singapore
    ("8123 4567", "SG", "+6581234567"),
    ("9123 4567", "SG", "+6591234567"),
    ("6123 4567", "SG", "+6561234567"),
    ("+65 8123 4567", "VN", "+6581234567"),
    # region is case-insensitive
    ("0901234567", "vn", "+84901234567"),
]


@pytest.mark.parametrize(("text", "region", "e164"), VALID)
def test_parse_valid(text: str, region: str, e164: str) -> None:
    phone = parse_phone(text, region)
    assert phone is not None
    assert phone.e164 == e164


@pytest.mark.parametrize(
    ("text", "region", "national"),
    [
        ("+84901234567", "VN", "0901 234 567"),
        ("0912345678", "VN", "0912 345 678"),
        ("02838123456", "VN", "028 3812 3456"),
        ("13800138000", "CN", "138 0013 8000"),
        ("91234567", "HK", "9123 4567"),
        ("0912345678", "TW", "0912 345 678"),
        ("81234567", "SG", "8123 4567"),
        # national format is that of the number's own region, not the default one
        ("+8613800138000", "VN", "138 0013 8000"),
    ],
)
def test_parse_national_display(text: str, region: str, national: str) -> None:
    phone = parse_phone(text, region)
    assert phone is not None
    assert phone.national == national
    assert isinstance(phone, Phone)


def test_region_decides_ambiguous_number() -> None:
    vn = parse_phone("0912 345 678", "VN")
    tw = parse_phone("0912 345 678", "TW")
    assert vn is not None and vn.e164 == "+84912345678"
    assert tw is not None and tw.e164 == "+886912345678"


def test_country_code_overrides_region() -> None:
    for region in ("VN", "CN", "HK", "TW", "SG"):
        phone = parse_phone("+84 912 345 678", region)
        assert phone is not None and phone.e164 == "+84912345678"


INVALID = [
    ("", "VN"),
    ("   ", "VN"),
    ("0000", "VN"),
    ("123", "VN"),
    ("0901 234", "VN"),  # too short
    ("090123456789", "VN"),  # too long
    ("0123456789", "VN"),  # 012x no longer a VN mobile prefix
    ("0241234567", "VN"),  # Hà Nội landline missing a digit
    ("2026", "VN"),
    ("15/12", "VN"),
    ("15/12/2026", "VN"),
    ("2 tỷ", "VN"),
    ("500 triệu", "VN"),
    ("500.000.000", "VN"),
    ("100万", "CN"),
    ("1380013800", "CN"),  # 10 digits
    ("12345678901", "CN"),  # 12x is not a mobile prefix
    ("1234 5678", "HK"),
    ("13800138000", "VN"),  # CN mobile without +86 is not VN
    ("abc", "VN"),
    ("0901234567", ""),  # no region, no country code
    ("0901234567", "ZZ"),
]


@pytest.mark.parametrize(("text", "region"), INVALID)
def test_parse_invalid(text: str, region: str) -> None:
    assert parse_phone(text, region) is None


# ---------------------------------------------------------------- extract_phone

EXTRACT = [
    (
        "Nguyễn Văn An 0901 234 567 vay mua nhà 2 tỷ",
        "VN",
        "+84901234567",
        "Nguyễn Văn An vay mua nhà 2 tỷ",
    ),
    ("王伟 13800138000 想办信用卡", "CN", "+8613800138000", "王伟 想办信用卡"),
    ("王伟13800138000想办信用卡", "CN", "+8613800138000", "王伟想办信用卡"),
    ("王偉，電話：138-0013-8000，想辦房貸", "CN", "+8613800138000", "王偉，想辦房貸"),
    (
        "Anh An, SĐT: 0901.234.567, vay 500 triệu",
        "VN",
        "+84901234567",
        "Anh An, vay 500 triệu",
    ),
    ("chị Lan sdt0901234567 gửi tiết kiệm", "VN", "+84901234567", "chị Lan gửi tiết kiệm"),
    ("Trần Thị Bình - 0386.123.456 - mở thẻ", "VN", "+84386123456", "Trần Thị Bình - mở thẻ"),
    ("0987654321 Lê Văn Cường", "VN", "+84987654321", "Lê Văn Cường"),
    ("Lê Văn Cường 0987654321", "VN", "+84987654321", "Lê Văn Cường"),
    (
        "Phạm Minh Tuấn +84 90 123 45 67 cần vay 3 tỷ ngày 15/12",
        "VN",
        "+84901234567",
        "Phạm Minh Tuấn cần vay 3 tỷ ngày 15/12",
    ),
    (
        "hẹn 15/12/2026 gặp anh Hùng 0912 345 678 tại CN Q1",
        "VN",
        "+84912345678",
        "hẹn 15/12/2026 gặp anh Hùng tại CN Q1",
    ),
    ("năm 2026 vay 2 tỷ, dt 024 3812 3456", "VN", "+842438123456", "năm 2026 vay 2 tỷ"),
    (
        "张先生 手机 +86 138 0013 8000 存款100万 2026年到期",
        "VN",
        "+8613800138000",
        "张先生 存款100万 2026年到期",
    ),
    ("陳太 9123 4567 想做按揭", "HK", "+85291234567", "陳太 想做按揭"),
    ("林先生 0912-345-678 信用卡", "TW", "+886912345678", "林先生 信用卡"),
    ("Mr Tan 8123 4567 wants a loan", "SG", "+6581234567", "Mr Tan wants a loan"),
    # first number wins
    ("0901234567 hoặc 0912345678", "VN", "+84901234567", "hoặc 0912345678"),
    # full-width digits
    ("王伟 １３８００１３８０００", "CN", "+8613800138000", "王伟"),
]


@pytest.mark.parametrize(("text", "region", "e164", "rest"), EXTRACT)
def test_extract(text: str, region: str, e164: str, rest: str) -> None:
    found = extract_phone(text, region)
    assert found is not None
    phone, remainder = found
    assert phone.e164 == e164
    assert remainder == rest


def test_extract_region_decides() -> None:
    vn = extract_phone("Hùng 0912 345 678", "VN")
    tw = extract_phone("Hùng 0912 345 678", "TW")
    assert vn is not None and vn[0].e164 == "+84912345678"
    assert tw is not None and tw[0].e164 == "+886912345678"


NO_PHONE = [
    ("Nguyễn Văn An vay mua nhà 2 tỷ", "VN"),
    ("vay 500 triệu trong 2026", "VN"),
    ("chuyển 1.500.000.000 đ ngày 15/12/2026", "VN"),
    ("hẹn 15/12 lúc 9:30", "VN"),
    ("lãi suất 7,5% năm 2026, kỳ hạn 12 tháng", "VN"),
    ("số 0901 234 thiếu", "VN"),
    ("mã 0000 và 123", "VN"),
    ("王伟 存款100万 2026年 15/12", "CN"),
    ("100万 2026年 15/12 0901 234", "CN"),
    ("合同号 12345678 金额100万", "CN"),
    ("2026 2027 2028", "VN"),
    ("", "VN"),
    ("   ", "VN"),
    ("13800138000", "VN"),  # a CN mobile written without +86 is not a VN number
]


@pytest.mark.parametrize(("text", "region"), NO_PHONE)
def test_extract_nothing(text: str, region: str) -> None:
    assert extract_phone(text, region) is None


# ---------------------------------------------------------------- digits & search forms


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("0901.234.567", "0901234567"),
        ("0901 234 567", "0901234567"),
        ("+84 (90) 123-45-67", "84901234567"),
        ("１３８ ００１３ ８０００", "13800138000"),
        ("abc", ""),
        ("", ""),
        ("x²", ""),  # superscripts are not digits
    ],
)
def test_phone_digits(text: str, digits: str) -> None:
    assert phone_digits(text) == digits


@pytest.mark.parametrize(
    ("e164", "region", "forms"),
    [
        ("+84901234567", "VN", ["0901234567", "901234567", "84901234567"]),
        ("+842838123456", "VN", ["02838123456", "2838123456", "842838123456"]),
        ("+8613800138000", "CN", ["13800138000", "8613800138000"]),
        ("+8613800138000", "VN", ["13800138000", "8613800138000"]),
        ("+862112345678", "CN", ["02112345678", "2112345678", "862112345678"]),
        ("+85291234567", "HK", ["91234567", "85291234567"]),
        ("+886912345678", "TW", ["0912345678", "912345678", "886912345678"]),
        ("+6581234567", "SG", ["81234567", "6581234567"]),
        ("0901234567", "VN", ["0901234567", "901234567", "84901234567"]),  # no '+'
        ("garbage", "VN", []),
    ],
)
def test_search_forms(e164: str, region: str, forms: list[str]) -> None:
    assert search_forms(e164, region) == forms


@pytest.mark.parametrize(
    "typed",
    ["0901234567", "0901.234.567", "090 123 45 67", "901234567", "+84 901 234 567", "234567"],
)
def test_typed_digits_find_stored_number(typed: str) -> None:
    """Storage LIKE-matches the typed digits against the stored search forms."""
    forms = search_forms("+84901234567", "VN")
    assert any(phone_digits(typed) in form for form in forms)


# ---------------------------------------------------------------- regions


@pytest.mark.parametrize(
    ("tz", "region"),
    [
        ("Asia/Ho_Chi_Minh", "VN"),
        ("Asia/Saigon", "VN"),
        ("Asia/Shanghai", "CN"),
        ("Asia/Chongqing", "CN"),
        ("Asia/Urumqi", "CN"),
        ("Asia/Hong_Kong", "HK"),
        ("Asia/Macau", "MO"),
        ("Asia/Taipei", "TW"),
        ("Asia/Singapore", "SG"),
        ("Asia/Kuala_Lumpur", "MY"),
        ("Europe/London", "VN"),
        ("UTC", "VN"),
        ("", "VN"),
        ("asia/saigon", "VN"),  # unknown spelling -> default
    ],
)
def test_region_for_timezone(tz: str, region: str) -> None:
    assert region_for_timezone(tz, "VN") == region


def test_region_for_timezone_default_passthrough() -> None:
    assert region_for_timezone("America/New_York", "SG") == "SG"


# ---------------------------------------------------------------- hygiene & properties


def test_no_heavy_phonenumbers_modules() -> None:
    import domain.phones  # noqa: F401

    assert "phonenumbers.geocoder" not in sys.modules
    assert "phonenumbers.carrier" not in sys.modules


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.sampled_from(["VN", "CN", "HK", "TW", "SG", "MO", "MY", ""]))
def test_never_raises(text: str, region: str) -> None:
    phone = parse_phone(text, region)
    if phone is not None:
        assert phone.e164.startswith("+")
        assert parse_phone(phone.e164, region) == phone
    found = extract_phone(text, region)
    if found is not None:
        assert found[0].e164.startswith("+")
        assert found[1] == found[1].strip()
    phone_digits(text)
    search_forms(text, region)


@settings(max_examples=200, deadline=None)
@given(
    st.from_regex(r"0(3[2-9]|5[689]|7[06-9]|8[1-9]|9[0-9])[0-9]{7}", fullmatch=True),
    st.text(st.sampled_from("abc đăng tỷ 王伟想办 "), max_size=15),
    st.text(st.sampled_from("abc đăng tỷ 王伟想办 "), max_size=15),
)
def test_vn_mobile_found_in_any_text(number: str, before: str, after: str) -> None:
    assume(parse_phone(number, "VN") is not None)  # not every block is allocated
    found = extract_phone(f"{before} {number} {after}", "VN")
    assert found is not None
    assert found[0].e164 == "+84" + number[1:]
    assert number not in found[1]


def test_find_phones_finds_every_number_with_its_label() -> None:
    text = "Nhà riêng 028 3823 4567, di động SĐT: 0903 456 789; vay 2 tỷ, năm 2026"
    found = [(text[start:end], phone.e164) for start, end, phone in find_phones(text, "VN")]
    assert found == [("028 3823 4567", "+842838234567"), ("SĐT: 0903 456 789", "+84903456789")]
    assert find_phones("", "VN") == []


@pytest.mark.parametrize(("text", "region", "expected"), [
    # Valid in the RM's market: as split_at_phone reads it.
    ("Nguyễn Văn An 0901 234 567 vay mua nhà 2 tỷ", "VN",
     ("Nguyễn Văn An", "+84901234567", "vay mua nhà 2 tỷ")),
    # Valid in exactly one other market.
    ("Vương Vĩ 13800138000 khách Trung Quốc", "VN",
     ("Vương Vĩ", "+8613800138000", "khách Trung Quốc")),
    # Written with the RM's own leading 0: theirs, kept as typed (not read as Malaysian).
    ("Ngô Thị Lụa 0123 456 789 số cũ", "VN", ("Ngô Thị Lụa", "0123 456 789", "số cũ")),
    ("Lê Bình SĐT: 0123.456.789, khách cũ", "VN", ("Lê Bình", "0123.456.789", "khách cũ")),
    # Too short for any market.
    ("蔡依林 0912345 電話不完整", "TW", ("蔡依林", "0912345", "電話不完整")),
    # Valid in two other markets (Vietnam and Taiwan) for a Hong Kong RM: nobody's.
    ("陳小明 0912 345 678 客戶", "HK", ("陳小明", "0912 345 678", "客戶")),
    # The amount after an incomplete number stays in the note.
    ("Trần An 0912345 2 tỷ", "VN", ("Trần An", "0912345", "2 tỷ")),
])
def test_split_at_number(text: str, region: str, expected: tuple[str, str, str]) -> None:
    split = split_at_number(text, region)
    assert split is not None
    before, phone, after = split
    assert (before, phone.e164 if isinstance(phone, Phone) else phone, after) == expected


@pytest.mark.parametrize("text", ["Trần An vay 500.000.000", "An 12.000.000 đ",
                                  "王伟 贷款 5000000 万", "Trần An sinh 15/12/1980",
                                  "Hoa 123456"])
def test_amounts_dates_and_short_numbers_are_not_phones(text: str) -> None:
    assert split_at_number(text, "VN") is None


def test_a_checked_phone_is_a_valid_e164_number() -> None:
    assert is_checked("+84901234567")
    assert not is_checked("0123 456 789") and not is_checked("+84123")
