"""Finding the customer a one-line command is about: '/note An 0901… text', '/remind 王伟 …'."""

from __future__ import annotations

from core.context import Ctx
from domain.names import query_forms
from domain.phones import phone_digits
from storage.customers import Customer

MAX_NAME_WORDS = 6


def _is_number_word(word: str) -> bool:
    return any(c.isdecimal() for c in word) and all(c.isdecimal() or c in "+().-" for c in word)


async def matches(context: Ctx, query: str, limit: int = 6) -> list[Customer]:
    """The RM's active customers matching a name, company, tag or phone digits.

    The digits of the number words count as a phone only together with the other words
    ('An 0901…' is An with that phone), so '0901… đã gửi hồ sơ' does not match by the
    number alone and the note keeps its words.
    """
    words = query.split()
    digits = phone_digits("".join(w for w in words if _is_number_word(w)))
    others = " ".join(w for w in words if not _is_number_word(w))
    forms = query_forms(query) if others else []
    page = await context.storage.customers.search(
        context.me.id, forms, digits, offset=0, limit=limit,
        digits_with=query_forms(others) if others else None)
    return page.customers


async def split_customer(context: Ctx, text: str) -> tuple[list[Customer], str]:
    """Read the longest leading words that name exactly one customer; the rest is the text.

    Returns the candidates (one when unambiguous) and the remaining text. With no unique
    match, the candidates of the first word are returned so the RM can pick.
    """
    words = text.split()
    first: list[Customer] = []
    for count in range(min(len(words), MAX_NAME_WORDS), 0, -1):
        query = " ".join(words[:count])
        found = await matches(context, query)
        if count == 1:
            first = found
        if len(found) == 1:
            return found, " ".join(words[count:])
    return first, text
