"""Messaging apps on the customer file: what is stored and the links that open a chat."""

from __future__ import annotations

import pytest

from domain.channels import link, normalise


@pytest.mark.parametrize(("channel", "typed", "region", "stored"), [
    ("zalo", "0901 234 567", "VN", "+84901234567"),
    ("whatsapp", "9123 4567", "HK", "+85291234567"),
    ("whatsapp", "+852 9123 4567", "VN", "+85291234567"),
    ("line", "~lin.mei-tw", "TW", "lin.mei-tw"),
    ("line", "@shop123", "TW", "@shop123"),
    ("wechat", "wangwei_88", "CN", "wangwei_88"),
    ("wechat", "138 0013 8000", "CN", "+8613800138000"),
    ("zalo", "not a phone", "VN", None),
    ("line", "a b c", "TW", None),
])
def test_what_is_stored(channel: str, typed: str, region: str, stored: str | None) -> None:
    assert normalise(channel, typed, region) == stored


def test_links_open_a_chat_where_the_app_has_one() -> None:
    assert link("zalo", "+84901234567") == "https://zalo.me/0901234567"
    assert link("whatsapp", "+85291234567") == "https://wa.me/85291234567"
    assert link("line", "lin.mei-tw") == "https://line.me/ti/p/~lin.mei-tw"
    assert link("wechat", "wangwei_88") is None
