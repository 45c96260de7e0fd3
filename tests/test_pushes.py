"""Pushes: every kind of reminder row has its renderer and its rules, and a picture whose text
is longer than a caption may be is sent as the picture and then the text."""

from __future__ import annotations

from core.buttons import button, keyboard
from core.messages import CAPTION_LIMIT, send_photo_text
from core.pushes import RENDERERS
from domain.pushes import NOTICE_KINDS, Kind
from tests.harness import Harness, of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_every_kind_has_a_renderer() -> None:
    assert set(RENDERERS) == set(Kind)


def test_what_waits_for_quiet_hours_and_what_only_informs() -> None:
    # What a customer, a lead or the RM themselves is waiting on goes out at once; a group
    # member's question (anyone there can ask any number) waits for the end of quiet hours.
    assert {kind for kind in Kind if kind.urgent} == {
        Kind.FOLLOWUP, Kind.ESCALATION, Kind.LEAD, Kind.CHURN, Kind.MYCARD}
    assert set(NOTICE_KINDS) == {Kind.AGENDA, Kind.REVIEW, Kind.TEAM_REVIEW, Kind.HANDOVER,
                                 Kind.SHARED_REF, Kind.LEAD_MESSAGE}
    assert not any(kind.urgent and kind.notice for kind in Kind)


async def test_a_long_text_follows_its_picture(bot: Harness) -> None:
    markup = keyboard([[button("OK", "c", 1, public=True)]])
    await send_photo_text(bot.app.bot, 2001, PNG, "a" * CAPTION_LIMIT, markup)
    photo = of(bot.api.calls, "sendPhoto")[-1]
    assert photo.params.get("caption") == "a" * CAPTION_LIMIT and photo.buttons
    bot.api.clear()
    long_text = "\n".join(["b" * 100] * 60)  # 6,059 characters: a caption, then two messages
    await send_photo_text(bot.app.bot, 2001, PNG, long_text, markup)
    assert [call.method for call in bot.api.calls] == ["sendPhoto", "sendMessage", "sendMessage"]
    photo, first, second = bot.api.calls
    assert "caption" not in photo.params and not photo.buttons
    assert (first.text + "\n" + second.text) == long_text
    assert not first.buttons and second.buttons
