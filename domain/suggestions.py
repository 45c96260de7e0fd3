"""What a note says that the customer's file is missing, to offer the RM one tap each (the
file is never filled in silently: handlers/suggestions.py asks).

Rule-based, in Vietnamese, Chinese (Simplified, Traditional, Hong Kong's Cantonese) and
English:

- a phone number (domain/phones.py): ``SĐT mới 0903 456 789``, ``手机 138 0013 8000``;
- an amount with a product, for a deal: the amount as domain/deals.py reads it, the product
  by its catalog name, else by the kind of product the words name and the term they give —
  ``gửi 2 tỷ kỳ hạn 12 tháng`` (a 12-month term deposit), ``想买50万理财`` (an investment),
  ``vay mua nhà 3 tỷ``, ``想申請30萬信貸``; an amount with no product word is no deal
  (``lương 30 triệu``);
- a moment ahead, for a follow-up: ``hẹn thứ 6 gặp lại``, ``下周三再联系``, ``聽日下晝三點再傾``,
  ``call back next Tuesday 3pm`` (domain/timeparse.scan_times; a lone ``Mai`` is a name);
- a birthday after a birthday word, read as the birthday field reads it
  (domain/datefields.py): ``sinh nhật 12/5``, ``生日是农历八月十五``, ``birthday 3 March`` —
  but not a relative's (``sinh nhật vợ anh 12/5``, ``她儿子生日10月3号``).

Each part of the note is read once: a phone's digits are no amount, a birthday's date is no
follow-up, an amount's digits are no time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from core.i18n import N_
from domain.datefields import DateKind, FieldDate, parse_date_field
from domain.deals import Amount, find_amount
from domain.names import fold
from domain.phones import find_phones
from domain.timeparse import ParsedTime, scan_time, scan_times

KINDS = ("phone", "deal", "follow_up", "birthday")
# The product a deal is for when the catalog has none of that kind (holdings' kinds).
PRODUCT_KINDS: dict[str, str] = {
    "deposit": N_("Deposit"),
    "loan": N_("Loan"),
    "investment": N_("Investment"),
    "insurance": N_("Insurance"),
    "card": N_("Card"),
}
MAX_FOLLOW_UPS = 2
MAX_WHAT = 120
_BIRTHDAY_WINDOW = 30  # characters after a birthday word where its date is looked for
_RELATIVE_BEFORE = 12  # characters before it where a relative's word makes it theirs


@dataclass(frozen=True)
class CatalogProduct:
    """A product of the catalog as the rules see it: its kind and its names."""

    id: int
    kind: str  # domain.holdings.kind_for_product
    names: tuple[str, ...]


@dataclass(frozen=True)
class Suggestion:
    """One thing the note mentions. ``key`` says what it is (offered once per customer,
    never again once dismissed); ``value`` is what taking it writes (JSON)."""

    kind: str
    key: str
    value: dict[str, Any]
    start: int  # the words in the note
    end: int

    @property
    def phone(self) -> str:
        return str(self.value["phone"])

    @property
    def amount(self) -> Amount:
        return Amount(Decimal(self.value["amount"]), str(self.value["currency"]))

    @property
    def product_id(self) -> int | None:
        return self.value.get("product_id")

    @property
    def when(self) -> datetime:
        return datetime.fromisoformat(self.value["at"])

    @property
    def birthday(self) -> FieldDate:
        year, month, day = str(self.value["birthday"]).rsplit("-", 2)
        return FieldDate(int(month), int(day), int(year) if year not in ("", "-") else None,
                         bool(self.value.get("lunar")), bool(self.value.get("leap")))


def read_note(text: str, *, language: str, region: str, now: datetime,
              products: Sequence[CatalogProduct] = ()) -> list[Suggestion]:
    """Everything in the note a file could take: phones, a deal, follow-ups, a birthday.
    ``now`` is aware, in the RM's time zone; ``language`` the RM's (day and month order)."""
    found: list[Suggestion] = []
    taken: list[tuple[int, int]] = []

    def keep(suggestion: Suggestion) -> None:
        found.append(suggestion)
        taken.append((suggestion.start, suggestion.end))

    for start, end, phone in find_phones(text, region):
        keep(Suggestion("phone", phone.e164, {"phone": phone.e164}, start, end))
    birthday = _birthday(text, language, region, now.date(), taken)
    if birthday is not None:
        found.append(birthday)
    deal = _deal(_masked(text, taken), language, region, products)
    if deal is not None:
        keep(deal)
    for follow_up in _follow_ups(text, language, region, now, taken):
        keep(follow_up)
    return sorted(found, key=lambda s: (KINDS.index(s.kind), s.start))


def _masked(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """The text with what was read already blanked out (same length, same offsets)."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _overlaps(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in spans)


# -- birthdays -------------------------------------------------------------------------------
_BIRTHDAY_WORDS = re.compile(
    r"(?<![^\W\d_])(?:sinh nhật|sinh nhat|ngày sinh|ngay sinh|sinh ngày|sinh ngay|SN"
    r"|birthday|b-day|bday|date of birth|DOB|born on|born)(?![^\W\d_])"
    r"|生日|生辰|出生日期|出生于|出生於|出生", re.IGNORECASE)
_RELATIVES = re.compile(
    r"(?<![^\W\d_])(?:vợ|chồng|con trai|con gái|con|bố|mẹ|ba|má|cháu|anh trai|chị gái|em trai"
    r"|em gái|vo|chong|wife|husband|son|daughter|kid|kids|mother|father|mom|mum|dad|child"
    r"|children)(?![^\W\d_])"
    r"|老婆|老公|太太|妻子|丈夫|儿子|兒子|女儿|女兒|孩子|小孩|爸爸|妈妈|媽媽|父亲|父親|母亲|母親"
    r"|爸|妈|媽|孙子|孫子|孙女|孫女|女朋友|男朋友|囝|囡",
    re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?;。！？；\n]")
_CLAUSE_END = re.compile(r"[.!?;,。！？；，、\n]")


def _birthday(text: str, language: str, region: str, today: date,
              taken: list[tuple[int, int]]) -> Suggestion | None:
    """The customer's birthday written after a birthday word. Every date right after a
    birthday word is taken (a relative's too), so that none becomes a follow-up."""
    mine: Suggestion | None = None
    for word in _BIRTHDAY_WORDS.finditer(text):
        found = _date_after(text, word.end(), language, region, today, taken)
        if found is None:
            continue
        start, end, day = found
        taken.append((start, end))
        before = _CLAUSE_END.split(text[max(0, word.start() - _RELATIVE_BEFORE):word.start()])
        if mine is not None or _RELATIVES.search(before[-1]) or _RELATIVES.search(
                text[word.end():start]):
            continue
        key = day.stored() + ("L" if day.lunar else "") + ("+" if day.leap else "")
        mine = Suggestion("birthday", key, {"birthday": day.stored(), "lunar": day.lunar,
                                            "leap": day.leap}, start, end)
    return mine


def _date_after(text: str, position: int, language: str, region: str, today: date,
                taken: Sequence[tuple[int, int]]) -> tuple[int, int, FieldDate] | None:
    """The first day written in the clause after ``position`` that a birthday field takes:
    '… sinh nhật chị 12/5, …', '生日是农历八月十五', 'born on 3 March 1980'."""
    clause = _CLAUSE_END.split(text[position:position + _BIRTHDAY_WINDOW])[0]
    midnight = datetime.combine(today, time(0), tzinfo=UTC)
    for offset in range(len(clause)):
        if offset and clause[offset - 1].isalnum() and clause[offset].isalnum() \
                and not _is_cjk(clause[offset]):
            continue  # only at the start of a word (anywhere in Chinese)
        found = scan_time(clause[offset:], language, midnight, region=region)
        if found is None or found.start != 0:
            continue
        start, end = position + offset, position + offset + found.end
        if _overlaps(start, end, taken):
            continue
        day = parse_date_field(text[start:end], DateKind.BIRTHDAY, language, today, region)
        if isinstance(day, FieldDate):
            return start, end, day
    return None


def _is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff"


# -- deals -----------------------------------------------------------------------------------
_KIND_WORDS: dict[str, tuple[str, ...]] = {
    "insurance": ("bảo hiểm", "bao hiem", "insurance", "policy", "保险", "保險", "保单", "保單",
                  "储蓄险", "儲蓄險", "年金"),
    "investment": ("đầu tư", "dau tu", "chứng chỉ quỹ", "quỹ", "trái phiếu", "trai phieu",
                   "invest", "investment", "fund", "funds", "wealth management", "bond", "bonds",
                   "理财", "理財", "基金", "投资", "投資", "债券", "債券", "定投", "股票"),
    "loan": ("vay", "khoản vay", "cho vay", "giải ngân", "giai ngan", "thế chấp", "the chap",
             "loan", "loans", "mortgage", "borrow", "贷款", "貸款", "借款", "按揭", "房贷",
             "房貸", "车贷", "車貸", "信贷", "信貸", "经营贷", "經營貸", "融资", "融資", "贷", "貸",
             "借"),
    "card": ("thẻ tín dụng", "the tin dung", "mở thẻ", "thẻ", "credit card", "card", "信用卡",
             "借记卡", "借記卡", "金融卡", "办卡", "辦卡"),
    "deposit": ("gửi tiết kiệm", "gui tiet kiem", "tiết kiệm", "tiet kiem", "tiền gửi",
                "tien gui", "sổ tiết kiệm", "gửi", "gui", "deposit", "deposits", "savings",
                "fixed deposit", "time deposit", "term deposit", "存款", "定存", "定期", "存单",
                "存單", "大额存单", "大額存單", "储蓄", "儲蓄", "存"),
}


def _word_regex(words: Sequence[str]) -> re.Pattern[str]:
    ordered = sorted(words, key=len, reverse=True)
    parts = [re.escape(w) if re.search(r"[\u3400-\u9fff]", w)
             else rf"(?<![^\W\d_]){re.escape(w)}(?![^\W\d_])" for w in ordered]
    return re.compile("|".join(parts), re.IGNORECASE)


_KIND_RES = {kind: _word_regex(words) for kind, words in _KIND_WORDS.items()}
_CN_NUMBERS = {"一": 1, "两": 2, "兩": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
               "八": 8, "九": 9, "十": 10, "十二": 12, "十八": 18, "二十四": 24, "三十六": 36}
_TERMS = (
    (re.compile(r"(\d{1,3})\s*(?:-\s*)?(?:tháng|thang|个月|個月|月期|month|months|mo)"
                r"(?![^\W\d_])", re.IGNORECASE), 1),
    (re.compile(r"(\d{1,2})\s*(?:-\s*)?(?:năm|nam|年期|年|year|years|yr)(?![^\W\d_])",
                re.IGNORECASE), 12),
    (re.compile(r"(十二|十八|二十四|三十六|[一两兩二三四五六七八九十])个?個?月"), 1),
    (re.compile(r"([一两兩二三四五])年期?"), 12),
)


def _terms(text: str) -> set[int]:
    """The terms (in months) the text names: '12 tháng', '一年期', '6-month', '半年'."""
    months = {6} if "半年" in text else set()
    for pattern, factor in _TERMS:
        for match in pattern.finditer(text):
            raw = match.group(1)
            number = int(raw) if raw.isdigit() else _CN_NUMBERS.get(raw)
            if number:
                months.add(number * factor)
    return months


def _deal(text: str, language: str, region: str,
          products: Sequence[CatalogProduct]) -> Suggestion | None:
    """An amount with a product (or the kind of one) in the note."""
    found = find_amount(text, _amount_language(language), region)
    if found is None or re.fullmatch(r"[\d.,\s]+", text[found.start:found.end]):
        return None  # a bare number is a count, a year, an account number: not money
    product = _named_product(text, products)
    kind = product.kind if product else _nearest_kind(text, found.start, found.end)
    if product is None and kind is None:
        return None  # money with no product (an income, a price): no deal to offer
    if product is None:
        product = _product_of_kind(kind, _terms(text), products)
    amount = found.amount
    what = str(product.id) if product else str(kind)
    return Suggestion("deal", f"{what}:{amount.minor}:{amount.currency}",
                      {"amount": str(amount.value), "currency": amount.currency,
                       "product_id": product.id if product else None,
                       "product_kind": product.kind if product else kind},
                      found.start, found.end)


def _amount_language(language: str) -> str:
    """The number conventions of the RM's language (Vietnamese group with '.')."""
    return "vi" if language.startswith("vi") else "zh_Hans" if language.startswith("zh") \
        else "en"


def _named_product(text: str, products: Sequence[CatalogProduct]) -> CatalogProduct | None:
    """The catalog product whose name the note writes out, the longest name first."""
    folded = fold(text)
    best: tuple[int, CatalogProduct] | None = None
    for product in products:
        for name in product.names:
            name_folded = fold(name)
            if len(name_folded) >= 3 and name_folded in folded and (
                    best is None or len(name_folded) > best[0]):
                best = (len(name_folded), product)
    return best[1] if best else None


def _nearest_kind(text: str, start: int, end: int) -> str | None:
    """The kind of product named closest to the amount ('đã gửi hồ sơ vay 2 tỷ': a loan)."""
    best: tuple[int, str] | None = None
    for kind, pattern in _KIND_RES.items():
        for match in pattern.finditer(text):
            distance = start - match.end() if match.end() <= start else match.start() - end
            if distance < 0:
                continue
            # 'gửi' alone (also "send") counts only when nothing else names a product.
            generic = match.group().lower() in ("gửi", "gui", "存", "借")
            rank = distance + (1000 if generic else 0)
            if best is None or rank < best[0]:
                best = (rank, kind)
    return best[1] if best else None


def _product_of_kind(kind: str | None, terms: set[int],
                     products: Sequence[CatalogProduct]) -> CatalogProduct | None:
    """The catalog's product of that kind: the one with the note's term, else the only one."""
    of_kind = [p for p in products if p.kind == kind]
    if terms:
        with_term = [p for p in of_kind if terms & _terms(" ".join(p.names))]
        if len(with_term) == 1:
            return with_term[0]
    return of_kind[0] if len(of_kind) == 1 else None


# -- follow-ups ------------------------------------------------------------------------------
def _follow_ups(text: str, language: str, region: str, now: datetime,
                taken: Sequence[tuple[int, int]]) -> list[Suggestion]:
    found = []
    for phrase in scan_times(_masked(text, taken), language, now, region=region,
                             lone_words=False):
        if _overlaps(phrase.start, phrase.end, taken) or not isinstance(phrase, ParsedTime):
            continue
        end = phrase.end
        while end > phrase.start + 1 and text[end - 1] in ".,;:!?。，；：！？":
            end -= 1  # '3 p.m.' may end a sentence: its dot is the sentence's too
        phrase = ParsedTime(phrase.when, phrase.start, end, phrase.has_time)
        at = phrase.when.isoformat(timespec="minutes")
        found.append(Suggestion("follow_up", at, {"at": at, "what": _what(text, phrase)},
                                phrase.start, phrase.end))
        if len(found) == MAX_FOLLOW_UPS:
            break
    return found


def _what(text: str, phrase: ParsedTime) -> str:
    """What to do then: the clause the time phrase is in, without it ('hẹn thứ 6 gặp lại ký
    hồ sơ' -> 'hẹn gặp lại ký hồ sơ'), else its sentence."""
    for ends in (_CLAUSE_END, _SENTENCE_END):
        start = max((m.end() for m in ends.finditer(text, 0, phrase.start)), default=0)
        after = ends.search(text, phrase.end)
        end = after.start() if after else len(text)
        words = " ".join((text[start:phrase.start] + " " + text[phrase.end:end]).split())
        words = words.strip(" ,.-:，、：")
        if words:
            return words[:MAX_WHAT]
    return ""
