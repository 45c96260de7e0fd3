"""Signed inline buttons (core/buttons.py): packed, signed for their owner, checked against
tampering, another installation's secret and Telegram's 64 bytes."""

from __future__ import annotations

import re

import pytest

from core import buttons

# -- core.buttons ------------------------------------------------------------------------------


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(buttons, "_secret", b"test-secret")


def test_pack_and_unpack_round_trip(secret: None) -> None:
    data = buttons.pack("stfr", 2001, "lead", owner=1000)
    assert data.startswith("stfr:2001:lead|")
    assert buttons.unpack(data, 1000) == ["stfr", "2001", "lead"]
    assert buttons.unpack(data, 2001) is None
    assert buttons.unpack(buttons.pack("help", owner=5), 5) == ["help"]
    assert buttons.unpack(buttons.pack("tz", 0, owner=-100123), -100123) == ["tz", "0"]


def test_pack_signs_for_the_current_owner(secret: None) -> None:
    buttons.set_owner(42)
    data = buttons.pack("lang", "vi")
    assert buttons.unpack(data, 42) == ["lang", "vi"]
    assert buttons.unpack(data, 43) is None
    button = buttons.button("Tiếng Việt", "lang", "vi")
    assert buttons.unpack(button.callback_data, 42) == ["lang", "vi"]  # type: ignore[arg-type]


def test_public_buttons_verify_for_anyone(secret: None) -> None:
    data = buttons.pack("grp", "join", public=True)
    for user_id in (1, 2001, 6666, 10**12):
        assert buttons.unpack(data, user_id) == ["grp", "join"]
    # A public signature cannot be moved to other data.
    payload, sig = data.rsplit("|", 1)
    assert buttons.unpack(f"grp:leave|{sig}", 1) is None
    # Nor can a personal signature be passed off as public.
    personal = buttons.pack("grp", "join", owner=1)
    assert buttons.unpack(f"{payload}|*{personal.rsplit('|', 1)[1]}", 1) is None


def test_tampering_is_detected(secret: None) -> None:
    data = buttons.pack("stfr", 2001, "rm", owner=1000)
    payload, sig = data.rsplit("|", 1)
    assert buttons.unpack(f"stfr:2001:admin|{sig}", 1000) is None
    assert buttons.unpack(f"{payload}|{sig[:-1]}", 1000) is None
    assert buttons.unpack(f"{payload}|{sig}x", 1000) is None
    assert buttons.unpack(None, 1000) is None
    assert buttons.unpack("", 1000) is None


def test_another_installation_secret_refuses_the_button(
    secret: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = buttons.pack("lang", "vi", owner=1)
    monkeypatch.setattr(buttons, "_secret", b"other-installation")
    assert buttons.unpack(data, 1) is None


def test_pack_refuses_too_long_data(secret: None) -> None:
    fits = buttons.pack("a", "x" * (buttons.MAX_CALLBACK_BYTES - 2 - 1 - 8), owner=1)
    assert len(fits.encode()) == buttons.MAX_CALLBACK_BYTES
    with pytest.raises(ValueError, match="too long"):
        buttons.pack("a", "x" * (buttons.MAX_CALLBACK_BYTES - 2 - 8), owner=1)
    # Bytes, not characters: 20 Chinese characters take 60 bytes.
    assert len("inv:" + "客户" * 10 + "|12345678") < buttons.MAX_CALLBACK_BYTES
    with pytest.raises(ValueError, match="too long"):
        buttons.pack("inv", "客户" * 10, owner=1)
    with pytest.raises(ValueError, match="too long"):
        buttons.pack("a", "x" * 60, public=True)


def test_pack_refuses_a_bar_in_arguments(secret: None) -> None:
    with pytest.raises(ValueError, match=r"\|"):
        buttons.pack("lang", "vi|admin", owner=1)
    with pytest.raises(ValueError, match=r"\|"):
        buttons.pack("a|b", owner=1)


def test_patterns_do_not_catch_longer_actions() -> None:
    assert re.match(buttons.pattern("stf"), "stf:1|abcdefgh")
    assert re.match(buttons.pattern("stf"), "stfr:1:rm|abcdefgh") is None
    assert re.match(buttons.pattern("inv"), "invrev:code|abcdefgh") is None
    assert re.match(buttons.pattern("help"), "help|abcdefgh")
