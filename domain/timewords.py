"""Word tables for the follow-up time parser (domain/timeparse.py)."""

from __future__ import annotations

import unicodedata

# Keys of the Vietnamese and English tables are *folded* (no diacritics, đ -> d, lowercase),
# because the parser matches on folded text so that "thu 5" and "thứ 5" read the same.
# Chinese keys are Simplified: Traditional input is mapped to Simplified while folding.

# Parts of the day. Each maps to the hour used when no clock time is given (the spec's
# defaults: morning 09:00, noon 12:00, afternoon 14:00, evening 19:00).
PART_DEFAULT_HOUR: dict[str, int] = {
    "early": 6,
    "morning": 9,
    "noon": 12,
    "afternoon": 14,
    "evening": 19,
    "night": 22,
}

VI_PARTS: dict[str, str] = {
    "buoi sang": "morning",
    "sang": "morning",
    "buoi trua": "noon",
    "trua": "noon",
    "buoi chieu": "afternoon",
    "chieu": "afternoon",
    "buoi toi": "evening",
    "toi": "evening",
    "dem": "night",
    "khuya": "night",
}

EN_PARTS: dict[str, str] = {
    "in the morning": "morning",
    "morning": "morning",
    "noon": "noon",
    "midday": "noon",
    "in the afternoon": "afternoon",
    "afternoon": "afternoon",
    "in the evening": "evening",
    "evening": "evening",
    "at night": "night",
    "night": "night",
}

ZH_PARTS: dict[str, str] = {
    "凌晨": "early",
    "清晨": "morning",
    "早上": "morning",
    "早晨": "morning",
    "上午": "morning",
    "中午": "noon",
    "下午": "afternoon",
    "傍晚": "evening",
    "晚上": "evening",
    "晚间": "evening",
    "夜里": "night",
    "夜间": "night",
    "深夜": "night",
}

# Day words: (days from today, part of day or None).
VI_DAYS: dict[str, tuple[int, str | None]] = {
    "hom nay": (0, None),
    "nay": (0, None),
    "ngay mai": (1, None),
    "mai": (1, None),
    "ngay mot": (2, None),
    "mot": (2, None),
    "ngay kia": (2, None),
}

EN_DAYS: dict[str, tuple[int, str | None]] = {
    "today": (0, None),
    "tonight": (0, "evening"),
    "this morning": (0, "morning"),
    "this afternoon": (0, "afternoon"),
    "this evening": (0, "evening"),
    "tomorrow": (1, None),
    "tomorow": (1, None),
    "tommorow": (1, None),
    "tommorrow": (1, None),
    "tmrw": (1, None),
    "tmr": (1, None),
    "the day after tomorrow": (2, None),
    "day after tomorrow": (2, None),
}

ZH_DAYS: dict[str, tuple[int, str | None]] = {
    "今天": (0, None),
    "今日": (0, None),
    "今早": (0, "morning"),
    "今晚": (0, "evening"),
    "明天": (1, None),
    "明日": (1, None),
    "明早": (1, "morning"),
    "明晚": (1, "evening"),
    "后天": (2, None),
    "大后天": (3, None),
}

# Weekdays as Python's date.weekday(): Monday = 0.
VI_WEEKDAY_WORDS: dict[str, int] = {
    "hai": 0,
    "ba": 1,
    "tu": 2,
    "nam": 3,
    "sau": 4,
    "bay": 5,
}

EN_WEEKDAYS: dict[str, int] = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tues": 1,
    "tue": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thurs": 3,
    "thur": 3,
    "thu": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
}

ZH_WEEKDAYS: dict[str, int] = {
    "一": 0,
    "二": 1,
    "三": 2,
    "四": 3,
    "五": 4,
    "六": 5,
    "日": 6,
    "天": 6,
    "1": 0,
    "2": 1,
    "3": 2,
    "4": 3,
    "5": 4,
    "6": 5,
    "7": 6,
}

EN_MONTHS: dict[str, int] = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}

VI_NUMBERS: dict[str, float] = {
    "nua": 0.5,
    "mot": 1,
    "hai": 2,
    "ba": 3,
    "bon": 4,
    "tu": 4,
    "nam": 5,
    "sau": 6,
    "bay": 7,
    "tam": 8,
    "chin": 9,
    "muoi": 10,
}

EN_NUMBERS: dict[str, float] = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}

CN_DIGITS: dict[str, int] = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}

# Units of relative offsets -> "minutes", "hours", "days", "weeks" or "months".
VI_UNITS: dict[str, str] = {
    "phut": "minutes",
    "tieng": "hours",
    "gio": "hours",
    "ngay": "days",
    "tuan": "weeks",
    "thang": "months",
}

EN_UNITS: dict[str, str] = {
    "minutes": "minutes",
    "minute": "minutes",
    "mins": "minutes",
    "min": "minutes",
    "m": "minutes",
    "hours": "hours",
    "hour": "hours",
    "hrs": "hours",
    "hr": "hours",
    "h": "hours",
    "days": "days",
    "day": "days",
    "d": "days",
    "weeks": "weeks",
    "week": "weeks",
    "wks": "weeks",
    "wk": "weeks",
    "w": "weeks",
    "months": "months",
    "month": "months",
}

ZH_UNITS: dict[str, str] = {
    "分钟": "minutes",
    "分": "minutes",
    "小时": "hours",
    "钟头": "hours",
    "天": "days",
    "日": "days",
    "星期": "weeks",
    "礼拜": "weeks",
    "周": "weeks",
    "月": "months",
}

# Chinese week modifiers: weeks ahead of the current calendar week.
ZH_WEEK_PREFIX: dict[str, int] = {
    "下下个": 2,
    "下下": 2,
    "下个": 1,
    "下": 1,
    "这个": 0,
    "这": 0,
    "本": 0,
}

# Traditional -> Simplified for the characters the grammar uses, so one grammar serves both.
TRAD_TO_SIMP: dict[str, str] = {
    "後": "后",
    "點": "点",
    "週": "周",
    "個": "个",
    "鐘": "钟",
    "兩": "两",
    "禮": "礼",
    "號": "号",
    "這": "这",
    "時": "时",
    "裡": "里",
    "裏": "里",
    "間": "间",
    "於": "于",
}

# Accented spellings accepted for each folded Vietnamese word. Typing with full accents or with
# none is fine; a *different* accent means a different word ("một" = one, not "mốt"; "tôi" = I,
# not "tối"), so such input must not be read as a time word.
VI_SPELLINGS: dict[str, frozenset[str]] = {
    word: frozenset(unicodedata.normalize("NFC", form) for form in forms.split())
    for word, forms in {
        "hom": "hôm",
        "nay": "nay này",
        "ngay": "ngày",
        "mai": "mai",
        "mot": "mốt một",
        "kia": "kia kìa",
        "thu": "thứ",
        "hai": "hai",
        "ba": "ba",
        "tu": "tư",
        "nam": "năm",
        "sau": "sau sáu",
        "bay": "bảy bẩy",
        "chu": "chủ",
        "nhat": "nhật",
        "tuan": "tuần",
        "toi": "tối tới",
        "cuoi": "cuối",
        "dau": "đầu",
        "thang": "tháng",
        "luc": "lúc",
        "vao": "vào",
        "gio": "giờ",
        "phut": "phút",
        "tieng": "tiếng",
        "nua": "nữa nửa",
        "ruoi": "rưỡi",
        "kem": "kém",
        "sang": "sáng",
        "trua": "trưa",
        "chieu": "chiều",
        "dem": "đêm",
        "khuya": "khuya",
        "buoi": "buổi",
        "bon": "bốn",
        "tam": "tám",
        "chin": "chín",
        "muoi": "mười",
        "mung": "mùng",
        "mong": "mồng",
        "khoang": "khoảng",
    }.items()
}
