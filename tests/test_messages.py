"""Replies (core/messages.py): split under Telegram's 4096 characters with HTML tags kept
balanced, and every user-supplied string escaped."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from core import buttons
from core.messages import LIMIT, reply, split_text
from playground.fake_updates import Person
from tests.harness import Harness, of, only_message, tr
from tests.staff import as_admin

# -- core.messages.split_text ------------------------------------------------------------------


_TAG = re.compile(r"<[^<>]*>")


def assert_valid_html_chunk(chunk: str) -> None:
    """Tags balanced and properly nested, no tag or entity cut in half, within the limit."""
    assert len(chunk) <= LIMIT
    assert "<" not in _TAG.sub("", chunk), "a tag was cut"
    assert re.search(r"&(?![#\w]+;)", chunk) is None, "an entity was cut"
    stack: list[str] = []
    for match in re.finditer(r"<(/?)([\w-]+)[^<>]*>", chunk):
        if match.group(1):
            assert stack and stack[-1] == match.group(2), chunk[:200]
            stack.pop()
        else:
            stack.append(match.group(2))
    assert stack == [], f"left open: {stack}"


def assert_rejoins(chunks: list[str], text: str) -> None:
    """Without tags, the chunks are the text in order; only newlines at cuts may be dropped."""
    plain = _TAG.sub("", text)
    position = 0
    for index, chunk in enumerate(chunks):
        body = _TAG.sub("", chunk)
        if index > 0 and not plain.startswith(body, position) and plain[position] == "\n":
            position += 1  # the chunk ended at a line end
        assert plain.startswith(body, position), f"chunk {index} does not continue the text"
        position += len(body)
    assert position == len(plain)


def test_short_text_is_one_chunk() -> None:
    text = "<b>Xin chào</b> &amp; 你好\nline two"
    assert split_text(text) == [text]
    assert split_text("") == [""]


def test_many_lines_are_cut_at_line_ends() -> None:
    lines = [f"{number:05d} Nguyễn Thị Lan · 客户 · +84 901 234 567" for number in range(600)]
    text = "\n".join(lines)
    chunks = split_text(text)
    assert len(chunks) > 1
    for chunk in chunks:
        assert_valid_html_chunk(chunk)
    assert "\n".join(chunks) == text  # every cut fell on a line end
    assert all(chunk.split("\n")[0] in lines for chunk in chunks)


def test_one_long_line_without_newline() -> None:
    text = ("Tiền gửi kỳ hạn 存款 " * 530)[:10_000]  # 10,000 characters, no newline
    assert len(text) == 10_000 and "\n" not in text
    chunks = split_text(text)
    assert len(chunks) >= 3
    for chunk in chunks:
        assert_valid_html_chunk(chunk)
    assert "".join(chunks) == text


def test_bold_spanning_a_cut_stays_balanced() -> None:
    text = "Intro\n<b>" + "đậm " * 2500 + "</b>\nTail"
    chunks = split_text(text)
    assert len(chunks) >= 4
    for chunk in chunks:
        assert_valid_html_chunk(chunk)
    assert chunks[0] == "Intro"  # the long line does not fit after it
    assert chunks[1].startswith("<b>đậm") and chunks[1].endswith("</b>")
    for chunk in chunks[2:-1]:
        assert chunk.startswith("<b>") and chunk.endswith("</b>")
    assert chunks[-1].startswith("<b>") and chunks[-1].endswith("</b>\nTail")
    assert_rejoins(chunks, text)


def test_nested_tags_spanning_cuts_stay_balanced() -> None:
    text = "<b>Tổng quan <i>" + "nghiêng " * 1200 + "</i> đậm</b> <code>x</code>\n" + "y" * 5000
    chunks = split_text(text)
    for chunk in chunks:
        assert_valid_html_chunk(chunk)
    assert chunks[1].startswith("<b><i>")
    assert_rejoins(chunks, text)


@pytest.mark.parametrize("offset", range(6))
def test_entities_are_never_cut_in_half(offset: int) -> None:
    text = "x" * offset + "&amp;&lt;&gt;&#39;" * 1000
    chunks = split_text(text)
    assert len(chunks) > 1
    for chunk in chunks:
        assert_valid_html_chunk(chunk)
    assert "".join(chunks) == text


@pytest.mark.parametrize("offset", range(0, 40, 7))
def test_tags_are_never_cut_in_half(offset: int) -> None:
    text = "x" * offset + '<a href="https://example.com/a/long/path?q=1">link</a> ' * 300
    chunks = split_text(text)
    for chunk in chunks:
        assert_valid_html_chunk(chunk)
    assert_rejoins(chunks, text)


def test_tags_with_attributes_are_reopened_with_them() -> None:
    text = ('<span class="tg-spoiler">' + "bí mật " * 1000 + "</span>\n"
            '<a href="https://example.com/">' + "liên kết " * 1000 + "</a>")
    chunks = split_text(text)
    for chunk in chunks:
        assert_valid_html_chunk(chunk)
        assert "<span>" not in chunk and "<a>" not in chunk
    assert any(chunk.startswith('<span class="tg-spoiler">') for chunk in chunks[1:])
    assert any(chunk.startswith('<a href="https://example.com/">') for chunk in chunks[1:])


def test_deeply_nested_tags_still_fit() -> None:
    opening = "<b><i><u><s><blockquote><code>"
    closing = "</code></blockquote></s></u></i></b>"
    text = opening + "z" * 12_000 + closing
    chunks = split_text(text)
    for chunk in chunks:
        assert_valid_html_chunk(chunk)
    assert "".join(_TAG.sub("", chunk) for chunk in chunks) == "z" * 12_000


def test_smaller_limits() -> None:
    text = "\n".join(f"<b>{n}</b> &amp; " + "w" * (n % 50) for n in range(400))
    for limit in (100, 300, 1000):
        chunks = split_text(text, limit)
        for chunk in chunks:
            assert len(chunk) <= limit
        assert_rejoins(chunks, text)


async def test_long_reply_is_sent_in_several_messages(bot: Harness, rm: Person) -> None:
    await bot.register(rm)
    text = "\n".join(f"<b>{n}</b>. Khách hàng Nguyễn Văn {n} &amp; 合作伙伴" for n in range(400))
    assert len(text) > 2 * LIMIT
    markup = buttons.keyboard([[buttons.button("OK", "noop")]])
    before = len(bot.api.calls)
    sent = await reply(bot.make.message(rm, "x"), text, markup)
    calls = of(bot.api.calls[before:], "sendMessage")
    assert len(calls) >= 3
    assert sent is not None and sent.message_id == calls[-1].result["message_id"]
    for call in calls:
        assert call.chat_id == rm.id
        assert_valid_html_chunk(call.text)
    assert_rejoins([call.text for call in calls], text)
    assert [bool(call.buttons) for call in calls] == [False] * (len(calls) - 1) + [True]


async def test_long_team_list_is_split(bot: Harness, admin: Person) -> None:
    await as_admin(bot, admin)
    names = [f"Nhóm khách hàng doanh nghiệp vừa và nhỏ số {n:03d} & đối tác" for n in range(120)]
    for name in names:
        assert await bot.storage.teams.create(name, bot.clock.now()) is not None
    calls = await bot.send(admin, "/teams")
    messages = of(calls, "sendMessage")
    assert len(messages) >= 2
    for call in messages:
        assert_valid_html_chunk(call.text)
    joined = "\n".join(call.text for call in messages)
    for name in names:
        assert name.replace("&", "&amp;") in joined

# -- HTML escaping -----------------------------------------------------------------------------


async def test_user_names_are_escaped(bot: Harness, admin: Person) -> None:
    await as_admin(bot, admin)
    evil = Person(4004, "<b>Evil</b> & Co", "<i>x</i>", language_code="en")
    invite = await bot.storage.invites.create(role="rm", team_id=None, created_by=admin.id,
                                              now=bot.clock.now(), ttl=timedelta(hours=1))
    calls = await bot.send(evil, f"/start {invite.code}")
    welcome = of(calls, "sendMessage")[-1].text
    assert "&lt;b&gt;Evil&lt;/b&gt; &amp; Co" in welcome
    assert "<b>Evil</b>" not in welcome
    again = await bot.send(evil, "/start")
    assert "&lt;b&gt;Evil&lt;/b&gt; &amp; Co" in only_message(again).text
    listing = only_message(await bot.send(admin, "/staff"))
    assert "&lt;b&gt;Evil&lt;/b&gt; &amp; Co &lt;i&gt;x&lt;/i&gt;" in listing.text
    assert "<b>Evil</b>" not in listing.text
    # Button labels are plain text for Telegram: they are not escaped.
    assert any(label == "<b>Evil</b> & Co <i>x</i>" for label, _data in listing.buttons)


async def test_team_names_are_escaped_in_text_but_not_on_buttons(
    bot: Harness, admin: Person, rm: Person
) -> None:
    await as_admin(bot, admin)
    name = "<i>Sales</i> & Co"
    created = only_message(await bot.send(admin, f"/newteam {name}"))
    assert "&lt;i&gt;Sales&lt;/i&gt; &amp; Co" in created.text and "<i>Sales" not in created.text
    teams = only_message(await bot.send(admin, "/teams"))
    assert "&lt;i&gt;Sales&lt;/i&gt; &amp; Co" in teams.text
    await bot.send(admin, "/invite")
    calls = await bot.press(admin, tr("vi", "Relationship manager"))
    assert name in [label for label, _data in only_message(calls).buttons]
    await bot.register(rm)
    await bot.send(admin, "/staff")
    calls = await bot.press(admin, "Lan")
    assert name in [label for label, _data in only_message(calls).buttons]


async def test_typed_arguments_are_escaped(bot: Harness, rm: Person) -> None:
    await bot.register(rm, language="en")
    message = only_message(await bot.send(rm, "/timezone <b>Asia</b>&Co"))
    assert "&lt;b&gt;Asia&lt;/b&gt;&amp;Co" in message.text
