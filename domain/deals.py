"""Deals: money as RMs type and read it, the stages of an opportunity, its forecast.

Amounts are typed the way RMs write them in a chat, and read back in the user's conventions:

- Vietnamese: ``2 tỷ``, ``500tr``, ``1,5 tỷ``, ``2tr5`` (2,5 triệu), ``2 tỷ 500`` (2,5 tỷ),
  ``50 củ``, ``300k``, ``2.000.000.000đ``, ``2 triệu đô``; shown as ``2 tỷ ₫`` or
  ``2.000.000.000 ₫``.
- Chinese: ``500万``, ``1.5亿``, ``30萬``, ``1亿2000万``, ``三万五``, ``50w``, ``港币30万``,
  ``NT$30萬``; shown as ``¥500万`` / ``$30萬`` (Babel's short compact forms).
- English: ``2M``, ``1.5bn``, ``500k``, ``USD 2,000,000``; shown as ``$2M``.

A separator followed by exactly three digits is a thousands separator unless the language
writes decimals that way; any other separator is the decimal point (``1.5 tỷ`` and
``1,5 tỷ`` are both one and a half). Currencies are VND, CNY, TWD, HKD and USD; without one,
the RM's market decides (``$`` is the Hong Kong dollar in Hong Kong, the New Taiwan dollar in
Taiwan, the US dollar elsewhere; ``元`` the market's yuan or dollar).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache

from babel import Locale
from babel.numbers import (
    format_compact_currency,
    format_compact_decimal,
    format_currency,
    get_currency_symbol,
)

from core.i18n import N_

CURRENCIES = ("VND", "CNY", "TWD", "HKD", "USD")
MARKET_CURRENCY = {"VN": "VND", "CN": "CNY", "TW": "TWD", "HK": "HKD", "US": "USD"}
# Banks quote these in whole units (CLDR still gives TWD two decimals).
WHOLE_UNITS = frozenset({"VND", "TWD"})
MAX_AMOUNT = Decimal(10) ** 15  # in units of the currency: stored ×100 in a 64-bit column
CENT = Decimal("0.01")

# -- the stages of an opportunity ---------------------------------------------------------------
# A deal moves through the customer's sales steps (domain.customers.STAGES) and ends won or
# lost; the customer's after-sales care is not a deal stage.
OPEN_STAGES = ("find", "contact", "consult", "follow")
DEAL_STAGES = (*OPEN_STAGES, "won", "lost")
DEFAULT_PROBABILITY: dict[str, int] = {
    "find": 10, "contact": 20, "consult": 40, "follow": 60, "won": 100, "lost": 0,
}
LOST_REASONS: dict[str, str] = {
    "rate": N_("Rate"),
    "fees": N_("Fees"),
    "competitor": N_("Went to a competitor"),
    "timing": N_("Timing"),
    "not_eligible": N_("Not eligible"),
    "not_needed": N_("No longer needed"),
}


def default_probabilities() -> dict[str, int]:
    return dict(DEFAULT_PROBABILITY)


# -- amounts -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Amount:
    value: Decimal
    currency: str

    @property
    def minor(self) -> int:
        """The amount in hundredths of the currency unit, as stored."""
        return to_minor(self.value)


def to_minor(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


def from_minor(minor: int) -> Decimal:
    return clean(Decimal(minor) / 100)


_DOLLAR = {"HK": "HKD", "TW": "TWD"}
_YUAN = {"HK": "HKD", "TW": "TWD"}
# Currency words, each mapped to a currency or to a rule (market's dollar, market's yuan).
_CURRENCY_WORDS: dict[str, str] = {
    "us$": "USD", "usd": "USD", "u.s.$": "USD", "đô la": "USD", "đô": "USD", "do la": "USD",
    "美元": "USD", "美金": "USD", "dollars": "$", "dollar": "$", "$": "$",
    "hk$": "HKD", "hkd": "HKD", "港币": "HKD", "港幣": "HKD", "港元": "HKD", "港紙": "HKD",
    "nt$": "TWD", "ntd": "TWD", "twd": "TWD", "新台币": "TWD", "新台幣": "TWD", "台币": "TWD",
    "台幣": "TWD", "新臺幣": "TWD", "臺幣": "TWD", "đài tệ": "TWD",
    "cn¥": "CNY", "rmb": "CNY", "cny": "CNY", "人民币": "CNY", "人民幣": "CNY",
    "nhân dân tệ": "CNY", "nhan dan te": "CNY", "tệ": "CNY", "¥": "CNY", "￥": "CNY",
    "元": "元", "块": "元", "塊": "元", "圆": "元", "圓": "元", "蚊": "HKD",
    "vnd": "VND", "vnđ": "VND", "₫": "VND", "đồng": "VND", "đ": "VND", "dong": "VND",
    "越南盾": "VND", "越盾": "VND",
}
# Magnitude words: (value, is a small unit that only multiplies within a section: 十百千).
_UNITS: dict[str, tuple[Decimal, bool]] = {
    "nghìn": (Decimal(10) ** 3, False), "nghin": (Decimal(10) ** 3, False),
    "ngàn": (Decimal(10) ** 3, False), "ngan": (Decimal(10) ** 3, False),
    "k": (Decimal(10) ** 3, False), "thousand": (Decimal(10) ** 3, False),
    "triệu": (Decimal(10) ** 6, False), "trieu": (Decimal(10) ** 6, False),
    "tr": (Decimal(10) ** 6, False), "củ": (Decimal(10) ** 6, False),
    "m": (Decimal(10) ** 6, False), "mn": (Decimal(10) ** 6, False),
    "mio": (Decimal(10) ** 6, False), "million": (Decimal(10) ** 6, False),
    "millions": (Decimal(10) ** 6, False),
    "tỷ": (Decimal(10) ** 9, False), "tỉ": (Decimal(10) ** 9, False),
    "ty": (Decimal(10) ** 9, False), "ti": (Decimal(10) ** 9, False),
    "b": (Decimal(10) ** 9, False), "bn": (Decimal(10) ** 9, False),
    "billion": (Decimal(10) ** 9, False), "billions": (Decimal(10) ** 9, False),
    "w": (Decimal(10) ** 4, False), "万": (Decimal(10) ** 4, False),
    "萬": (Decimal(10) ** 4, False), "亿": (Decimal(10) ** 8, False),
    "億": (Decimal(10) ** 8, False),
    "十": (Decimal(10), True), "拾": (Decimal(10), True), "百": (Decimal(100), True),
    "佰": (Decimal(100), True), "千": (Decimal(1000), True), "仟": (Decimal(1000), True),
}
_HALF_WORDS = ("rưỡi", "ruoi", "半")
_CJK_ZERO = "零〇"
_CJK_DIGITS = {"一": 1, "壹": 1, "二": 2, "贰": 2, "貳": 2, "两": 2, "兩": 2,
               "三": 3, "叁": 3, "參": 3, "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6,
               "陸": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9}
# The unit a bare number after a magnitude counts in: "2 tỷ 500" is 500 triệu, "1亿2000" is
# 2000万, "3万2000" is 2000.
_LOWER = {Decimal(10) ** 3: Decimal(1), Decimal(10) ** 4: Decimal(1),
          Decimal(10) ** 6: Decimal(10) ** 3, Decimal(10) ** 8: Decimal(10) ** 4,
          Decimal(10) ** 9: Decimal(10) ** 6}


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


_LETTER = r"[^\W\d_]"
_LATIN = re.compile(r"[a-zà-ỹđ. ]+", re.IGNORECASE)


def _word_pattern(words: Iterable[str]) -> str:
    """Latin words must not touch a letter (the 'm' of 'mua', the 'ty' of 'tuyệt'); CJK
    characters and symbols may touch anything."""
    latin = [w for w in words if _LATIN.fullmatch(w)]
    other = [w for w in words if not _LATIN.fullmatch(w)]
    parts = []
    if latin:
        parts.append(rf"(?<!{_LETTER})(?:{_alternation(latin)})(?!{_LETTER})")
    if other:
        parts.append(f"(?:{_alternation(other)})")
    return "|".join(parts)


_TOKEN = re.compile(
    rf"(?P<space>\s+)"
    rf"|(?P<currency>{_word_pattern(_CURRENCY_WORDS)})"
    rf"|(?P<half>{_word_pattern(_HALF_WORDS)})"
    rf"|(?P<unit>{_word_pattern(_UNITS)})"
    rf"|(?P<number>\d+(?:[.,]\d+)*)"
    rf"|(?P<cjk>[{''.join(_CJK_DIGITS)}])"
    rf"|(?P<zero>[{_CJK_ZERO}])",
    re.IGNORECASE,
)


@dataclass
class _Token:
    kind: str
    text: str
    start: int
    end: int
    value: Decimal = Decimal(0)
    small: bool = False
    digits: int = 0  # how many digits a bare number was written with


def _number(text: str, language: str) -> tuple[Decimal, int] | None:
    """A number written with digits and '.'/',' separators, and how many digits it has."""
    separators = [ch for ch in text if ch in ".,"]
    if not separators:
        return Decimal(text), len(text)
    groups = re.split(r"[.,]", text)
    if len(set(separators)) == 2:
        decimal_mark = separators[-1]
        if separators.count(decimal_mark) != 1 or text.rfind(decimal_mark) < max(
                text.rfind(s) for s in ".," if s != decimal_mark):
            return None
        whole, fraction = text.rsplit(decimal_mark, 1)
        grouping = whole.replace(".", "").replace(",", "")
        if any(len(group) != 3 for group in re.split(r"[.,]", whole)[1:]):
            return None
        return Decimal(f"{grouping}.{fraction}"), len(grouping)
    mark = separators[0]
    if len(separators) > 1:  # 2.000.000 or 2,000,000: grouping only
        if (any(len(group) != 3 for group in groups[1:]) or not 1 <= len(groups[0]) <= 3
                or groups[0].startswith("0")):
            return None
        digits = "".join(groups)
        return Decimal(digits), len(digits)
    whole, fraction = groups
    # One separator and three digits after it: a thousands separator where the language
    # groups with it (Vietnamese '.', Chinese and English ','), else a decimal point.
    grouping_mark = "." if language == "vi" else ","
    if (len(fraction) == 3 and mark == grouping_mark and 1 <= len(whole) <= 3
            and not whole.startswith("0")):
        return Decimal(whole + fraction), len(whole + fraction)
    return Decimal(f"{whole}.{fraction}"), len(whole)


def _tokens(text: str, language: str) -> list[_Token] | None:
    """Every token of the text, or None if something in it is not part of an amount."""
    tokens = []
    position = 0
    for match in _TOKEN.finditer(text):
        if match.start() != position:
            return None
        position = match.end()
        token = _make_token(match, language)
        if token is None:
            return None
        if token.kind != "space":
            tokens.append(token)
    return tokens if position == len(text) else None


def _make_token(match: re.Match[str], language: str) -> _Token | None:
    kind = match.lastgroup or ""
    text = match.group()
    token = _Token(kind, text, match.start(), match.end())
    if kind == "number":
        parsed = _number(text, language)
        if parsed is None:
            return None
        token.value, token.digits = parsed
    elif kind == "cjk":
        token.kind, token.value, token.digits = "number", Decimal(_CJK_DIGITS[text]), 1
    elif kind == "unit":
        token.value, token.small = _UNITS[text.lower()]
    return token


def _evaluate(tokens: Sequence[_Token]) -> Decimal | None:
    """The value of numbers and magnitude words: sections like Chinese numerals (一千五百万,
    1亿2000万, 2 tỷ 500 triệu), a bare trailing number in the next lower unit."""
    total = section = Decimal(0)
    number: _Token | None = None
    last_unit: _Token | None = None
    skipped_zero = False
    for token in tokens:
        if token.kind == "number":
            if number is not None:
                return None  # "2 500": two numbers in a row are not one amount
            number = token
        elif token.kind == "zero":
            # 一百零五万: the zero only says the tens are empty; the 五 is units, not tens.
            if last_unit is None or number is not None:
                return None
            skipped_zero = True
        elif token.kind == "unit":
            if number is None and last_unit is None and not token.small:
                return None  # "tỷ", "万": a magnitude needs a number (十万 is ten 万)
            count = number.value if number is not None else (
                Decimal(1) if last_unit is None or token.small else Decimal(0))
            if token.small:
                section += count * token.value
            else:
                scaled = section + count
                if 0 < total < token.value:  # 2 nghìn tỷ, 1万亿: the unit scales everything
                    total = (total + scaled) * token.value
                elif scaled == 0:
                    return None  # "万万", "tỷ tỷ"
                else:
                    total += scaled * token.value
                section = Decimal(0)
            number, last_unit, skipped_zero = None, token, False
        elif token.kind == "half":
            if last_unit is None or number is not None:
                return None
            if last_unit.small:
                section += last_unit.value / 2
            else:
                total += last_unit.value / 2
        else:
            return None
    if number is not None:
        trailing = number.value if skipped_zero else _trailing(number, last_unit)
        if trailing is None:
            return None
        if last_unit is not None and last_unit.small:
            section += trailing
        else:
            total += trailing
    return total + section


def _trailing(number: _Token, unit: _Token | None) -> Decimal | None:
    """A number after the last magnitude word: '2tr5' = 2,5 triệu, '三万五' = 35,000,
    '2 tỷ 500' = 2 tỷ 500 triệu; alone, just the number."""
    if unit is None:
        return number.value
    if number.value != number.value.to_integral_value():
        return None
    if number.digits == 1:
        return number.value * unit.value / 10
    if unit.small:
        return None
    lower = _LOWER.get(unit.value)
    if lower is None or number.value * lower >= unit.value:
        return None
    return number.value * lower


def _currency(words: Sequence[str], market: str) -> str | None:
    found = set()
    for word in words:
        rule = _CURRENCY_WORDS[word.lower()]
        if rule == "$":
            rule = _DOLLAR.get(market, "USD")
        elif rule == "元":
            rule = _YUAN.get(market, "CNY")
        found.add(rule)
    if len(found) > 1:
        return None
    return found.pop() if found else MARKET_CURRENCY.get(market, "USD")


def parse_amount(text: str, language: str, market: str) -> Amount | None:
    """The amount a whole text means, or None if it is not one amount (zero, negative, too
    big, or finer than the currency allows)."""
    tokens = _tokens(text.strip(), language)
    if not tokens:
        return None
    return _amount_of(tokens, market)


def _amount_of(tokens: Sequence[_Token], market: str) -> Amount | None:
    currencies = [t.text for t in tokens if t.kind == "currency"]
    body = [t for t in tokens if t.kind != "currency"]
    # A currency goes before or after the amount, not in the middle of it.
    inner = tokens[1:-1] if len(tokens) > 2 else []
    if not body or any(t.kind == "currency" for t in inner):
        return None
    if len(currencies) > 2:
        return None
    currency = _currency(currencies, market)
    value = _evaluate(body)
    if currency is None or value is None or not 0 < value < MAX_AMOUNT:
        return None
    if value != value.quantize(CENT) or (
            currency in WHOLE_UNITS and value != value.to_integral_value()):
        return None
    return Amount(clean(value), currency)


def clean(value: Decimal) -> Decimal:
    """Without trailing zeros or an exponent: 2000000000, 1.5, 12.3."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


@dataclass(frozen=True)
class Found:
    amount: Amount
    rest: str  # the text without the amount
    start: int = 0  # where the amount is in the text
    end: int = 0


def find_amount(text: str, language: str, market: str) -> Found | None:
    """The amount inside a longer line ('vay mua nhà 2 tỷ', '住房贷款500万'): the longest
    run of amount words that has a magnitude or a currency, or is at least 1,000 — so the
    '12' of 'tiền gửi 12 tháng' is never taken for money."""
    best: tuple[int, int, Amount] | None = None
    runs = _runs(text, language)
    for run in runs:
        for start in range(len(run)):
            for end in range(len(run), start, -1):
                part = run[start:end]
                if not _meaningful(part):
                    continue
                amount = _amount_of(part, market)
                if amount is None:
                    continue
                span = (part[0].start, part[-1].end)
                if best is None or span[1] - span[0] > best[1] - best[0]:
                    best = (span[0], span[1], amount)
                break
    if best is None:
        return None
    start, end, amount = best
    rest = " ".join((text[:start] + " " + text[end:]).split())
    return Found(amount, rest, start, end)


def _meaningful(tokens: Sequence[_Token]) -> bool:
    if not any(t.kind == "number" for t in tokens):
        return False
    if any(t.kind in ("unit", "currency") for t in tokens):
        return True
    return any(t.kind == "number" and t.value >= 1000 for t in tokens)


def _runs(text: str, language: str) -> list[list[_Token]]:
    """Consecutive amount tokens (spaces between them allowed), split by anything else."""
    runs: list[list[_Token]] = []
    current: list[_Token] = []
    position = 0
    for match in _TOKEN.finditer(text):
        if match.start() != position and current:
            runs.append(current)
            current = []
        position = match.end()
        token = _make_token(match, language)
        if token is None:
            if current:
                runs.append(current)
            current = []
            continue
        if token.kind != "space":
            current.append(token)
    if current:
        runs.append(current)
    return runs


# -- formatting ----------------------------------------------------------------------------------
@cache
def _locale(language: str) -> Locale:
    names = {"vi": "vi_VN", "zh_Hans": "zh_Hans_CN", "zh_Hant": "zh_Hant_TW", "en": "en_US"}
    return Locale.parse(names.get(language, language))


def _market_of(language: str) -> str:
    territory = _locale(language).territory or ""
    return territory if territory in MARKET_CURRENCY else ""


def format_full(value: Decimal, currency: str, language: str) -> str:
    """Every digit, in the language's conventions: '2.000.000.000 ₫', '¥5,000,000.00'."""
    locale = _locale(language)
    value = shown_value(value, currency)
    if value == value.to_integral_value():
        pattern = locale.currency_formats["standard"].pattern.replace(".00", "")
        return format_currency(value, currency, pattern, locale=locale, currency_digits=False)
    return format_currency(value, currency, locale=locale)


def shown_value(value: Decimal, currency: str) -> Decimal:
    """What is shown: whole units for VND and TWD, cents for the others."""
    return clean(value.quantize(Decimal(1) if currency in WHOLE_UNITS else CENT))


def _compact(value: Decimal, currency: str, language: str, digits: int) -> str:
    locale = _locale(language)
    if language == "vi":
        # Vietnamese say and write the words: "2 tỷ", "500 triệu", not CLDR's "2 T".
        number = format_compact_decimal(value, format_type="long", locale=locale,
                                        fraction_digits=digits)
        return f"{number}\xa0{get_currency_symbol(currency, locale=locale)}"
    if language.startswith("zh_Hant"):
        # Hong Kong's CLDR data abbreviates in English ("2.5M"); Chinese text writes 萬/億.
        number = format_compact_decimal(value, locale=_locale("zh_Hant"),
                                        fraction_digits=digits)
        return f"{get_currency_symbol(currency, locale=locale)}{number}"
    return format_compact_currency(value, currency, locale=locale, fraction_digits=digits)


def format_amount(value: Decimal, currency: str, language: str) -> str:
    """Short when that is exact ('2 tỷ ₫', '¥1.5亿', '$2M'), else every digit."""
    value = shown_value(value, currency)
    # Below the first magnitude word (nghìn / 万 / K) the short form is just the number.
    if value < (10_000 if language.startswith("zh") else 1_000):
        return format_full(value, currency, language)
    market = _reader_market(language, _market_of(language))
    for digits in (0, 1, 2):
        text = _compact(value, currency, language, digits)
        back = parse_amount(text, language, market)
        if back is not None and back.value == value and back.currency == currency:
            return text
    return format_full(value, currency, language)


def _reader_market(language: str, market: str) -> str:
    """The market whose '$' the language's own output means ('$' is NT$ in zh_Hant_TW)."""
    if market:
        return market
    return {"zh_Hant": "TW", "zh_Hans": "CN", "vi": "VN"}.get(language, "")


def format_totals(totals: dict[str, Decimal], language: str) -> str:
    """Totals in several currencies, each in its own: '2 tỷ ₫ + 50.000 US$'."""
    parts = [format_amount(totals[currency], currency, language)
             for currency in CURRENCIES if totals.get(currency)]
    return " + ".join(parts) if parts else "—"


# -- the forecast -------------------------------------------------------------------------------
@dataclass(frozen=True)
class DealValue:
    stage: str
    minor: int | None
    currency: str | None


@dataclass
class StageLine:
    count: int = 0
    total: dict[str, Decimal] = field(default_factory=dict)
    weighted: dict[str, Decimal] = field(default_factory=dict)


def forecast(deals: Iterable[DealValue],
             probabilities: dict[str, int]) -> dict[str, StageLine]:
    """Per open stage: how many deals, their total and the probability-weighted forecast,
    per currency (amounts in different currencies are never added together)."""
    lines = {stage: StageLine() for stage in OPEN_STAGES}
    for deal in deals:
        line = lines.get(deal.stage)
        if line is None:
            continue
        line.count += 1
        if deal.minor is None or deal.currency is None:
            continue
        value = from_minor(deal.minor)
        weight = Decimal(probabilities.get(deal.stage, DEFAULT_PROBABILITY[deal.stage])) / 100
        line.total[deal.currency] = line.total.get(deal.currency, Decimal(0)) + value
        line.weighted[deal.currency] = (line.weighted.get(deal.currency, Decimal(0))
                                        + (value * weight).quantize(CENT))
    return lines


def add_totals(*parts: dict[str, Decimal]) -> dict[str, Decimal]:
    summed: dict[str, Decimal] = {}
    for part in parts:
        for currency, value in part.items():
            summed[currency] = summed.get(currency, Decimal(0)) + value
    return summed


def parse_probability(text: str) -> int | None:
    """'40', '40%' → 40; None unless 0–100."""
    cleaned = text.strip().rstrip("%％").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if value != value.to_integral_value() or not 0 <= value <= 100:
        return None
    return int(value)
