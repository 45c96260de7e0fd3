"""What RMs type to find a customer: names with or without accents, pinyin, phone digits."""

from __future__ import annotations

import random
from dataclasses import dataclass

from bench.people import traditional
from domain.names import fold
from domain.phones import search_forms as phone_forms

_CJK_START, _CJK_END = "\u3400", "\u9fff"


@dataclass(frozen=True)
class Profile:
    """One customer as the benchmark needs it, read back from the loaded database."""

    id: int
    owner_id: int
    name: str
    phone: str | None
    company: str | None
    region: str

    @property
    def chinese(self) -> bool:
        return any(_CJK_START <= ch <= _CJK_END for ch in self.name)


def _cjk(text: str) -> str:
    return "".join(ch for ch in text if _CJK_START <= ch <= _CJK_END)


def name(rng: random.Random, who: Profile) -> str:
    """The way an RM types a name: whole or in part, with or without accents or in the other
    Chinese script."""
    roll = rng.random()
    if who.chinese:
        chars = _cjk(who.name)
        if roll < 0.5:
            return chars
        if roll < 0.75:
            return chars[-2:] if len(chars) > 2 else chars[1:]
        # Traditional typed for a Simplified name, or the other way round.
        other = traditional(chars)
        return other if other != chars else fold(chars)
    words = who.name.split()
    if roll < 0.4:
        return who.name
    if roll < 0.7:
        return fold(who.name)  # no accents, lower case
    if roll < 0.9:
        return " ".join(words[-2:])
    return fold(words[-1])


def pinyin(rng: random.Random, who: Profile) -> str:
    """Full pinyin (``chenwei``, ``chen wei``) or the initials (``cw``) of a Chinese name."""
    from pypinyin import lazy_pinyin

    syllables = lazy_pinyin(fold(_cjk(who.name)))
    roll = rng.random()
    if roll < 0.5:
        return "".join(syllables)
    if roll < 0.7:
        return " ".join(syllables)
    return "".join(s[:1] for s in syllables)


def phone(rng: random.Random, who: Profile) -> str:
    """The number as dialled at home, a part of it, or with the country code."""
    assert who.phone is not None
    national, *_ = phone_forms(who.phone, who.region)
    roll = rng.random()
    if roll < 0.35:
        return " ".join((national[:4], national[4:7], national[7:]))
    if roll < 0.6:
        return national[-6:]
    if roll < 0.85:
        return national[:7]
    return who.phone


def company(rng: random.Random, who: Profile) -> str:
    assert who.company is not None
    words = who.company.split()
    if who.chinese or len(words) < 3:
        text = _cjk(who.company)
        start = rng.randrange(max(1, len(text) - 3))
        return text[start:start + 4]
    return fold(" ".join(words[-2:]))


def short(rng: random.Random, who: Profile) -> str:
    """One or two letters: many customers match (a surname, a common syllable)."""
    if who.chinese:
        return _cjk(who.name)[:1]
    return fold(who.name.split()[-1])[:2]
