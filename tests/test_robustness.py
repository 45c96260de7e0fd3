"""The foundation under stress: redelivery, forged buttons, long replies, escaping, errors,
strangers, languages, admin tools, group chats and a misbehaving Bot API."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import timedelta
from typing import Any

import pytest
from telegram import Update
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.ext import _aioratelimiter as aioratelimiter

from bot import build_application, startup
from core import buttons
from core.clock import FrozenClock
from core.config import Settings
from core.fake_api import ApiCall, FakeBotApi
from core.fake_updates import Person, UpdateFactory
from core.i18n import LANGUAGE_NAMES, _, active
from core.messages import LIMIT, reply, split_text
from handlers.menu import menu_for
from tests.harness import Harness, answer_of, close_harness, of, only_message, open_harness, shown

# -- the texts, in English as written in the code -----------------------------------------------
EXPIRED = "This button has expired. Please start again."
REFUSAL = (
    "Sorry, this assistant is only for registered bank staff. If you work with us, "
    "ask your team lead or administrator for an invite link."
)
APOLOGY = (
    "Sorry, something went wrong on my side and I could not finish that. Please try "
    "again in a moment; if it keeps happening, tell your administrator."
)
ONLY_ADMIN = "Only an administrator can do this."
USE_PRIVATE = (
    "Please use this command in a private chat with me: I never show customer data "
    "in groups."
)
HELP_TITLE = "<b>What I can do for you</b>"
SETTINGS_TITLE = "<b>Your settings</b>"
GROUP_ID = -100123


def tr(language: str, text: str) -> str:
    """The text as a user of this language reads it."""
    with active(language, "UTC"):
        return _(text)


def commands_in(call: ApiCall) -> list[tuple[str, str]]:
    return [(c["command"], c["description"]) for c in call.params["commands"]]


def scope_chat(call: ApiCall) -> int | None:
    scope = call.params.get("scope") or {}
    return int(scope["chat_id"]) if "chat_id" in scope else None


def visible_translation(language: str, text: str) -> None:
    """Guard against a test that passes only because a catalog fell back to English."""
    if language != "en":
        assert tr(language, text) != text, f"{text!r} is not translated into {language}"


async def as_admin(bot: Harness, admin: Person) -> None:
    """The first message registers the bootstrap administrator."""
    await bot.send(admin, "/help")
    bot.api.clear()


async def invite_link_code(bot: Harness, admin: Person, role_label: str,
                           team_label: str | None = None) -> str:
    await bot.send(admin, "/invite")
    await bot.press(admin, role_label)
    if team_label is not None:
        await bot.press(admin, team_label)
    text = bot.last_for(admin).text
    assert "?start=" in text, text
    return text.split("?start=")[1].split()[0]


# -- redelivery ----------------------------------------------------------------------------------


async def test_same_update_twice_gets_one_reply(bot: Harness, rm: Person) -> None:
    await bot.register(rm)
    update = bot.make.message(rm, "/help")
    first = await bot.send_update(update)
    second = await bot.send_update(update)
    assert len(of(first, "sendMessage")) == 1
    assert second == []


async def test_a_failing_gate_stops_the_update_after_the_apology(
        bot: Harness, rm: Person, monkeypatch: pytest.MonkeyPatch) -> None:
    await bot.register(rm, language="en")

    async def unavailable(update_id: int) -> bool:
        raise ConnectionError("database away")

    monkeypatch.setattr(bot.storage.updates, "handled", unavailable)
    update = bot.make.message(rm, "/help")
    calls = await bot.send_update(update)
    # The apology only (in the installation's language: the user is not known yet), no help
    # text after it, and the update is not marked handled, so Telegram's redelivery (or the
    # user's retry) is answered once the database is back.
    with active("vi", "Asia/Ho_Chi_Minh"):
        assert only_message(calls).text == _(APOLOGY)
    monkeypatch.undo()
    assert not await bot.storage.updates.handled(update.update_id)
    again = await bot.send_update(update)
    with active("en", "Asia/Ho_Chi_Minh"):
        assert only_message(again).text != _(APOLOGY)


async def test_two_updates_with_the_same_id_get_one_reply(bot: Harness, rm: Person) -> None:
    await bot.register(rm)
    first = await bot.send_update(bot.make.message(rm, "/settings", update_id=5000))
    second = await bot.send_update(bot.make.message(rm, "/help", update_id=5000))
    assert len(of(first, "sendMessage")) == 1
    assert second == []
    # The next id is handled normally.
    third = await bot.send_update(bot.make.message(rm, "/help", update_id=5001))
    assert len(of(third, "sendMessage")) == 1


async def test_redelivered_button_press_is_applied_once(bot: Harness, rm: Person) -> None:
    await bot.register(rm)
    await bot.send(rm, "/language")
    call = bot.last_for(rm)
    data = next(data for label, data in call.buttons if label == LANGUAGE_NAMES["en"])
    message = call.result if isinstance(call.result, dict) else None
    update = bot.make.callback(rm, data, message=message)
    first = await bot.send_update(update)
    second = await bot.send_update(update)
    assert len(of(first, "answerCallbackQuery")) == 1
    assert len(of(first, "setMyCommands")) == 1
    assert second == []


async def test_redelivery_is_caught_by_another_replica(
    bot: Harness, rm: Person, settings: Settings
) -> None:
    await bot.register(rm)
    first = await bot.send_update(bot.make.message(rm, "/help", update_id=777))
    assert len(of(first, "sendMessage")) == 1
    replica = await open_harness(settings, bot.clock)  # a second process on the same database
    try:
        again = await replica.send_update(replica.make.message(rm, "/help", update_id=777))
        assert again == []
        fresh = await replica.send_update(replica.make.message(rm, "/help", update_id=778))
        assert len(of(fresh, "sendMessage")) == 1
    finally:
        await close_harness(replica)


# -- forged and foreign buttons ------------------------------------------------------------------


@pytest.mark.parametrize("language", ["vi", "zh_Hans", "en"])
@pytest.mark.parametrize("kind", ["forged", "foreign", "unsigned", "garbage", "empty-sig"])
async def test_bad_button_gets_expired_and_nothing_else(
    bot: Harness, admin: Person, rm: Person, language: str, kind: str
) -> None:
    visible_translation(language, EXPIRED)
    await as_admin(bot, admin)
    await bot.register(rm, language=language)
    await bot.send(admin, "/invite")
    admin_call = bot.last_for(admin)
    admin_data = admin_call.buttons[0][1]
    assert buttons.unpack(admin_data, admin.id) is not None
    data = {
        "forged": "lang:en|AAAAAAAA",
        "foreign": admin_data,
        "unsigned": "lang:en",
        "garbage": "x" * 64,
        "empty-sig": "lang:en|",
    }[kind]
    before = await bot.storage.staff.get(rm.id)
    calls = await bot.press_data(rm, data, admin_call if kind == "foreign" else None)
    answer = answer_of(calls)
    assert answer.params["text"] == tr(language, EXPIRED)
    assert answer.params.get("show_alert") is True
    assert shown(calls) == []
    assert of(calls, "setMyCommands") == []
    dumped = repr([call.params for call in calls])
    assert "Hùng" not in dumped and str(admin.id) not in dumped and "start=" not in dumped
    assert await bot.storage.staff.get(rm.id) == before  # the forged language was not applied
    assert await bot.storage.invites.list_open(bot.clock.now()) == []


async def test_button_for_a_missing_action_expires(bot: Harness, rm: Person) -> None:
    await bot.register(rm, language="zh_Hans")
    calls = await bot.press_data(rm, buttons.pack("gone", 1, owner=rm.id))
    assert answer_of(calls).params["text"] == tr("zh_Hans", EXPIRED)
    assert shown(calls) == []


async def test_genuine_button_with_bad_arguments_expires(bot: Harness, rm: Person) -> None:
    await bot.register(rm, language="vi")
    for data in (buttons.pack("lang", "fr", owner=rm.id), buttons.pack("tz", 99, owner=rm.id),
                 buttons.pack("tz", "x", owner=rm.id), buttons.pack("lang", owner=rm.id)):
        calls = await bot.press_data(rm, data)
        assert answer_of(calls).params["text"] == tr("vi", EXPIRED), data
        assert shown(calls) == []
    staff = await bot.storage.staff.get(rm.id)
    assert staff is not None and staff.language == "vi"


# -- core.buttons --------------------------------------------------------------------------------


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


# -- core.messages.split_text --------------------------------------------------------------------

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


# -- HTML escaping -------------------------------------------------------------------------------


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


# -- the error handler ---------------------------------------------------------------------------


def _break_teams(bot: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken() -> list[Any]:
        raise RuntimeError("database is on fire")

    monkeypatch.setattr(bot.storage.teams, "list_all", broken)


def _error_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records
            if record.levelno >= logging.ERROR and record.name == "handlers.errors"]


@pytest.mark.parametrize("language", ["vi", "zh_Hans", "zh_Hant_TW", "zh_Hant_HK", "en"])
async def test_failure_is_logged_and_the_user_gets_an_apology(
    bot: Harness, admin: Person, language: str, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    visible_translation(language, APOLOGY)
    await as_admin(bot, admin)
    await bot.storage.staff.set_language(admin.id, language)
    _break_teams(bot, monkeypatch)
    with caplog.at_level(logging.WARNING):
        calls = await bot.send(admin, "/teams")
    message = only_message(calls)
    assert message.text == tr(language, APOLOGY)
    assert message.chat_id == admin.id and not message.buttons
    records = _error_records(caplog)
    assert len(records) == 1
    assert records[0].exc_info is not None and records[0].exc_info[0] is RuntimeError
    assert "database is on fire" in caplog.text
    # The application is still up.
    monkeypatch.undo()
    await bot.send(admin, "/newteam Bến Thành")
    assert tr(language, "<b>Teams</b>") in only_message(await bot.send(admin, "/teams")).text


async def test_failure_in_a_button_answers_the_button(
    bot: Harness, admin: Person, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await as_admin(bot, admin)
    await bot.send(admin, "/invite")
    _break_teams(bot, monkeypatch)
    with caplog.at_level(logging.WARNING):
        calls = await bot.press(admin, tr("vi", "Relationship manager"))
    answers = of(calls, "answerCallbackQuery")
    assert answers[-1].params["text"] == tr("vi", APOLOGY)
    assert answers[-1].params.get("show_alert") is True
    assert len(_error_records(caplog)) == 1


async def test_apology_reaches_the_chat_when_the_button_was_already_answered(
    bot: Harness, admin: Person, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A handler answers its button first; Telegram refuses a second answer to the same query."""
    await as_admin(bot, admin)
    await bot.send(admin, "/invite")

    async def broken() -> list[Any]:
        bot.api.fail_next("answerCallbackQuery", 400)  # the error handler's answer fails
        raise RuntimeError("database is on fire")

    monkeypatch.setattr(bot.storage.teams, "list_all", broken)
    with caplog.at_level(logging.WARNING):
        calls = await bot.press(admin, tr("vi", "Relationship manager"))
    assert of(calls, "sendMessage")[-1].text == tr("vi", APOLOGY)
    assert of(calls, "sendMessage")[-1].chat_id == admin.id


# -- strangers and staff whose access was turned off --------------------------------------------


async def _refusals(bot: Harness, person: Person) -> list[list[ApiCall]]:
    return [
        await bot.send(person, "/help"),
        await bot.send(person, "/settings"),
        await bot.send(person, "xin chào, tôi muốn mở tài khoản"),
        await bot.send_update(bot.make.contact(person, "+84901234567", "Khách")),
        await bot.send(person, "/start"),
        await bot.send(person, "/unknown_command"),
    ]


def _assert_refused(calls: list[ApiCall], person: Person, language: str) -> None:
    message = only_message(calls)
    assert message.method == "sendMessage" and message.chat_id == person.id
    assert message.text == tr(language, REFUSAL)
    assert not message.buttons and "reply_markup" not in message.params
    assert of(calls, "setMyCommands") == [] and of(calls, "answerCallbackQuery") == []


@pytest.mark.parametrize(
    ("code", "language"),
    [("en", "en"), ("vi", "vi"), ("zh-hant", "zh_Hant_TW"), ("zh-TW", "zh_Hant_TW"),
     ("zh-hk", "zh_Hant_HK"), ("zh-hans", "zh_Hans"), ("zh", "zh_Hans"), ("fr", "vi"),
     (None, "vi")],
)
async def test_stranger_gets_one_refusal_per_message_in_their_language(
    bot: Harness, code: str | None, language: str
) -> None:
    visible_translation(language, REFUSAL)
    stranger = Person(6666, "Mallory", language_code=code)
    for calls in await _refusals(bot, stranger):
        _assert_refused(calls, stranger, language)
    calls = await bot.press_data(stranger, "lang:en|AAAAAAAA")
    answer = answer_of(calls)
    assert answer.params["text"] == tr(language, REFUSAL)
    assert answer.params.get("show_alert") is True
    assert shown(calls) == []
    assert await bot.storage.staff.get(stranger.id) is None
    assert bot.api.of("setMyCommands") == []


async def test_stranger_cannot_use_a_genuine_button(bot: Harness, admin: Person) -> None:
    stranger = Person(6666, "Mallory", language_code="zh-hant")
    await as_admin(bot, admin)
    await bot.send(admin, "/invite")
    calls = await bot.press(stranger, tr("vi", "Admin"), bot.last_for(admin))
    assert answer_of(calls).params["text"] == tr("zh_Hant_TW", REFUSAL)
    assert shown(calls) == []
    assert await bot.storage.invites.list_open(bot.clock.now()) == []


async def test_stranger_blocking_or_editing_gets_no_extra_refusal(bot: Harness) -> None:
    stranger = Person(6666, "Mallory", language_code="en")
    blocked = Update.de_json({
        "update_id": 9001,
        "my_chat_member": {
            "chat": {"id": stranger.id, "type": "private", "first_name": "Mallory"},
            "from": stranger.as_dict(),
            "date": 1_700_000_000,
            "old_chat_member": {"status": "member", "user": bot.api.bot_user()},
            "new_chat_member": {"status": "kicked", "user": bot.api.bot_user(),
                                "until_date": 0},
        },
    }, bot.app.bot)
    assert await bot.send_update(blocked) == []
    edited = Update.de_json({
        "update_id": 9002,
        "edited_message": {
            "message_id": 5, "date": 1_700_000_000, "edit_date": 1_700_000_100,
            "chat": {"id": stranger.id, "type": "private", "first_name": "Mallory"},
            "from": stranger.as_dict(), "text": "edited",
        },
    }, bot.app.bot)
    assert await bot.send_update(edited) == []
    # A new message still gets its one refusal.
    _assert_refused(await bot.send(stranger, "hello?"), stranger, "en")


async def test_stranger_with_a_bad_invite_is_told_so_once(bot: Harness) -> None:
    stranger = Person(6666, "Mallory", language_code="en")
    calls = await bot.send(stranger, "/start not-a-real-code")
    message = only_message(calls)
    assert "not valid" in message.text
    assert await bot.storage.staff.get(stranger.id) is None


async def test_deactivated_staff_is_refused_and_loses_the_menu(
    bot: Harness, admin: Person
) -> None:
    member = Person(2002, "Mai", "Lê", language_code="zh-hant")
    await as_admin(bot, admin)
    await bot.register(member, language="zh_Hant_TW")
    await bot.send(member, "/settings")
    old_settings_message = bot.last_for(member)
    await bot.send(admin, "/staff")
    await bot.press(admin, "Mai")
    calls = await bot.press(admin, tr("vi", "Turn off access"))
    removed = of(calls, "deleteMyCommands")
    assert len(removed) == 1 and scope_chat(removed[0]) == member.id
    assert answer_of(calls).params["text"] == tr("vi", "Saved.")
    staff = await bot.storage.staff.get(member.id)
    assert staff is not None and not staff.active
    assert "staff.access" in await bot.storage.audit.actions_for("staff", member.id)

    for refused in await _refusals(bot, member):
        _assert_refused(refused, member, "zh_Hant_TW")
    # The buttons they still have are dead.
    calls = await bot.press(member, tr("zh_Hant_TW", "Change language"), old_settings_message)
    assert answer_of(calls).params["text"] == tr("zh_Hant_TW", REFUSAL)
    assert shown(calls) == []

    # Access back on: they are staff again and get their menu back.
    await bot.send(admin, "/staff")
    await bot.press(admin, "Mai")
    calls = await bot.press(admin, tr("vi", "Restore access"))
    published = of(calls, "setMyCommands")
    assert len(published) == 1 and scope_chat(published[0]) == member.id
    with active("zh_Hant_TW", "UTC"):
        expected = [(c.command, c.description) for c in menu_for("rm")]
    assert commands_in(published[0]) == expected
    settings_text = only_message(await bot.send(member, "/settings")).text
    assert tr("zh_Hant_TW", SETTINGS_TITLE) in settings_text


# -- languages, time zones, settings -------------------------------------------------------------

KNOWN_WORD = {"vi": "Cài đặt", "zh_Hans": "设置", "zh_Hant_TW": "設定", "zh_Hant_HK": "設定",
              "en": "settings"}


async def test_switching_through_all_languages(bot: Harness, rm: Person) -> None:
    await bot.register(rm)
    for language in ["zh_Hans", "zh_Hant_TW", "zh_Hant_HK", "en", "vi"]:
        await bot.send(rm, "/language")
        calls = await bot.press(rm, LANGUAGE_NAMES[language])
        staff = await bot.storage.staff.get(rm.id)
        assert staff is not None and staff.language == language
        menus = of(calls, "setMyCommands")
        assert len(menus) == 1 and scope_chat(menus[0]) == rm.id
        with active(language, "UTC"):
            expected = [(c.command, c.description) for c in menu_for("rm")]
        assert commands_in(menus[0]) == expected
        confirmation = only_message(calls)
        assert confirmation.method == "editMessageText"
        assert LANGUAGE_NAMES[language] in confirmation.text

        help_text = only_message(await bot.send(rm, "/help")).text
        assert tr(language, HELP_TITLE) in help_text
        settings_text = only_message(await bot.send(rm, "/settings")).text
        assert KNOWN_WORD[language] in settings_text
        assert tr(language, SETTINGS_TITLE) in settings_text
        assert LANGUAGE_NAMES[language] in settings_text
        for other in KNOWN_WORD:
            if tr(other, SETTINGS_TITLE) != tr(language, SETTINGS_TITLE) and other != "en":
                assert tr(other, SETTINGS_TITLE) not in settings_text


async def test_settings_buttons_open_the_pickers(bot: Harness, rm: Person) -> None:
    await bot.register(rm, language="zh_Hans")
    await bot.send(rm, "/settings")
    settings_message = bot.last_for(rm)
    calls = await bot.press(rm, tr("zh_Hans", "Change language"), settings_message)
    assert {label for label, _data in only_message(calls).buttons} == set(
        LANGUAGE_NAMES.values())
    calls = await bot.press(rm, tr("zh_Hans", "Change time zone"), settings_message)
    # The markets by name, never their IANA ids.
    pickers = [label for label, _data in only_message(calls).buttons]
    assert "台湾（GMT+8）" in pickers and not any("Asia/" in label for label in pickers)


async def test_menu_failure_does_not_lose_the_language_change(
    bot: Harness, rm: Person, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.register(rm, language="vi")
    await bot.send(rm, "/language")
    bot.api.fail_next("setMyCommands", 500)
    with caplog.at_level(logging.WARNING):
        calls = await bot.press(rm, LANGUAGE_NAMES["en"])
    assert only_message(calls).text == "Done: I will speak English with you."
    staff = await bot.storage.staff.get(rm.id)
    assert staff is not None and staff.language == "en"
    assert "could not set the command menu" in caplog.text


async def test_timezone_typed(bot: Harness, rm: Person) -> None:
    await bot.register(rm, language="en")
    message = only_message(await bot.send(rm, "/timezone Asia/Bangkok"))
    assert message.text == "Done: your time zone is now Bangkok (GMT+7)." and not message.buttons
    staff = await bot.storage.staff.get(rm.id)
    assert staff is not None and staff.timezone == "Asia/Bangkok" and staff.region == "VN"
    assert "staff.timezone" in await bot.storage.audit.actions_for("staff", rm.id)
    # A market may be typed by its name, in any language.
    for name, zone in (("Việt Nam", "Asia/Ho_Chi_Minh"), ("香港", "Asia/Hong_Kong"),
                       ("台灣", "Asia/Taipei"), ("mainland china", "Asia/Shanghai")):
        await bot.send(rm, f"/timezone {name}")
        staff = await bot.storage.staff.get(rm.id)
        assert staff is not None and staff.timezone == zone


@pytest.mark.parametrize("zone", ["Mars/Base", "Asia", "asia/bangkok", "../../etc/passwd",
                                  "Asia/" + "x" * 300])
async def test_unknown_timezone_is_refused_with_the_picker(
    bot: Harness, rm: Person, zone: str
) -> None:
    await bot.register(rm, language="vi")
    message = only_message(await bot.send(rm, f"/timezone {zone}"))
    assert zone[:50] in message.text
    assert tr("vi", APOLOGY) != message.text
    labels = [label for label, _data in message.buttons]
    assert len(labels) == 6 and "Việt Nam (GMT+7)" in labels
    staff = await bot.storage.staff.get(rm.id)
    assert staff is not None and staff.timezone == "Asia/Ho_Chi_Minh"


async def test_region_follows_the_timezone(bot: Harness, rm: Person) -> None:
    await bot.register(rm, language="zh_Hant_TW")
    line = tr("zh_Hant_TW", "Phone numbers without a country code are read as: {region}")
    assert line.format(region="越南") in only_message(await bot.send(rm, "/settings")).text
    await bot.send(rm, "/timezone Asia/Taipei")
    settings_text = only_message(await bot.send(rm, "/settings")).text
    assert line.format(region="台灣") in settings_text
    assert "台灣（GMT+8）" in settings_text and "Asia/" not in settings_text
    # Picked from the buttons: Hong Kong.
    await bot.send(rm, "/timezone")
    await bot.press(rm, "香港（GMT+8）")
    staff = await bot.storage.staff.get(rm.id)
    assert staff is not None and (staff.timezone, staff.region) == ("Asia/Hong_Kong", "HK")
    # A zone outside our markets keeps the last market.
    await bot.send(rm, "/timezone Europe/Paris")
    staff = await bot.storage.staff.get(rm.id)
    assert staff is not None and (staff.timezone, staff.region) == ("Europe/Paris", "HK")


# -- administration ------------------------------------------------------------------------------


async def test_newteam_validation(bot: Harness, admin: Person) -> None:
    await as_admin(bot, admin)
    hint = tr("vi", "Please give the team a name of at most {limit} characters, for example: "
                    "{example}").format(limit=60, example=tr("vi", "/newteam Ben Thanh retail"))
    assert only_message(await bot.send(admin, "/newteam")).text == hint
    assert only_message(await bot.send(admin, "/newteam    ")).text == hint
    assert only_message(await bot.send(admin, "/newteam " + "x" * 61)).text == hint
    assert await bot.storage.teams.list_all() == []
    ok = only_message(await bot.send(admin, "/newteam " + "y" * 60))
    assert "y" * 60 in ok.text and ok.text != hint
    created = only_message(await bot.send(admin, "/newteam Nhóm Bến Thành"))
    assert "Nhóm Bến Thành" in created.text
    duplicate = only_message(await bot.send(admin, "/newteam nhóm bến thành"))
    assert duplicate.text == tr("vi", "A team called “{name}” already exists.").format(
        name="nhóm bến thành")
    teams = await bot.storage.teams.list_all()
    assert sorted(team.name for team in teams) == sorted(["y" * 60, "Nhóm Bến Thành"])
    team_id = next(team.id for team in teams if team.name == "Nhóm Bến Thành")
    assert await bot.storage.audit.actions_for("team", team_id) == ["team.created"]


async def test_teams_list(bot: Harness, admin: Person, rm: Person) -> None:
    await as_admin(bot, admin)
    empty = only_message(await bot.send(admin, "/teams"))
    assert empty.text == tr("vi", "There are no teams yet. Create one with /newteam followed by "
                                  "its name.")
    team = await bot.storage.teams.create("Bến Thành", bot.clock.now())
    await bot.storage.teams.create("Chợ Lớn", bot.clock.now())
    assert team is not None
    await bot.register(rm, team_id=team.id)
    listing = only_message(await bot.send(admin, "/teams")).text
    assert tr("vi", "<b>Teams</b>") in listing
    assert tr("vi", "{name}: {count} members").format(name="Bến Thành", count=1) in listing
    assert tr("vi", "{name}: {count} members").format(name="Chợ Lớn", count=0) in listing


async def test_invite_for_a_team(bot: Harness, admin: Person, rm: Person) -> None:
    await as_admin(bot, admin)
    await bot.send(admin, "/newteam Bến Thành")
    await bot.send(admin, "/invite")
    role_calls = await bot.press(admin, tr("vi", "Relationship manager"))
    labels = [label for label, _data in only_message(role_calls).buttons]
    assert labels == ["Bến Thành", tr("vi", "No team")]
    code = (await _press_and_read_code(bot, admin, "Bến Thành"))
    team = (await bot.storage.teams.list_all())[0]
    calls = await bot.send(rm, f"/start {code}")
    assert any(call.method == "setMyCommands" and scope_chat(call) == rm.id for call in calls)
    staff = await bot.storage.staff.get(rm.id)
    assert staff is not None and (staff.role, staff.team_id) == ("rm", team.id)
    assert "staff.registered" in await bot.storage.audit.actions_for("staff", rm.id)
    assert len(await bot.storage.audit.db.fetch_all(
        "SELECT * FROM audit_log WHERE action = 'invite.created'")) == 1


async def _press_and_read_code(bot: Harness, admin: Person, label: str) -> str:
    calls = await bot.press(admin, label)
    text = only_message(calls).text
    assert "https://t.me/rapport_bot?start=" in text
    return text.split("?start=")[1].split()[0]


async def test_invite_without_teams_needs_no_team_step(bot: Harness, admin: Person) -> None:
    await as_admin(bot, admin)
    code = await invite_link_code(bot, admin, tr("vi", "Team lead"))
    invites = await bot.storage.invites.list_open(bot.clock.now())
    assert [(i.code, i.role, i.team_id) for i in invites] == [(code, "lead", None)]
    assert invites[0].expires_at == bot.clock.now() + timedelta(hours=72)


async def test_invites_list_and_revoke(bot: Harness, admin: Person, rm: Person) -> None:
    await as_admin(bot, admin)
    empty = only_message(await bot.send(admin, "/invites"))
    assert empty.text == tr("vi", "There are no open invite links. Create one with /invite.")
    code = await invite_link_code(bot, admin, tr("vi", "Relationship manager"))
    await invite_link_code(bot, admin, tr("vi", "Admin"))
    listing = only_message(await bot.send(admin, "/invites"))
    assert tr("vi", "<b>Open invite links</b>") in listing.text
    assert [label for label, _data in listing.buttons] == [
        tr("vi", "Revoke {number}").format(number=n) for n in (1, 2)]
    assert code not in listing.text  # the links themselves are not repeated
    calls = await bot.press(admin, tr("vi", "Revoke {number}").format(number=1), listing)
    assert only_message(calls).text == tr("vi", "The invite link was revoked.")
    open_codes = [i.code for i in await bot.storage.invites.list_open(bot.clock.now())]
    assert code not in open_codes and len(open_codes) == 1
    assert "invite.revoked" in await bot.storage.audit.actions_for("invite", code)
    again = await bot.press(admin, tr("vi", "Revoke {number}").format(number=1), listing)
    assert only_message(again).text == tr("vi", "This invite link was already used or has "
                                                "expired.")
    refused = only_message(await bot.send(rm, f"/start {code}"))
    assert "Chào mừng" not in refused.text
    assert await bot.storage.staff.get(rm.id) is None


async def test_expired_invite_link(bot: Harness, admin: Person, rm: Person) -> None:
    await as_admin(bot, admin)
    code = await invite_link_code(bot, admin, tr("vi", "Relationship manager"))
    bot.clock.advance(hours=73)
    await bot.send(rm, f"/start {code}")
    assert await bot.storage.staff.get(rm.id) is None


async def _fill_staff(bot: Harness, count: int) -> list[str]:
    names = [f"Staff {number:02d}" for number in range(1, count + 1)]
    for number, name in enumerate(names, start=1):
        await bot.storage.staff.register(
            staff_id=5000 + number, name=name, username=None, role="rm", team_id=None,
            timezone="Asia/Ho_Chi_Minh", region="VN", invited_by=None, now=bot.clock.now())
    return names


async def test_staff_paging(bot: Harness, admin: Person) -> None:
    await as_admin(bot, admin)
    names = ["Hùng Trần", *await _fill_staff(bot, 24)]
    nxt, prev = tr("vi", "Next ▶"), tr("vi", "◀ Previous")
    page = only_message(await bot.send(admin, "/staff"))
    assert tr("vi", "<b>Staff</b> ({count})").format(count=25) in page.text
    assert [label for label, _data in page.buttons] == [*names[:10], nxt]
    calls = await bot.press(admin, nxt, page)
    page = only_message(calls)
    assert page.method == "editMessageText"
    assert [label for label, _data in page.buttons] == [*names[10:20], prev, nxt]
    page = only_message(await bot.press(admin, nxt, page))
    assert [label for label, _data in page.buttons] == [*names[20:], prev]
    assert all(name in page.text for name in names[20:])
    assert names[0] not in page.text
    page = only_message(await bot.press(admin, prev, page))
    assert [label for label, _data in page.buttons][:10] == names[10:20]


async def test_admin_changes_a_role(bot: Harness, admin: Person, rm: Person) -> None:
    await as_admin(bot, admin)
    await bot.register(rm, language="zh_Hans")
    await bot.send(admin, "/staff")
    member = only_message(await bot.press(admin, "Lan"))
    role_labels = [label for label, _data in member.buttons][:2]
    assert role_labels == [tr("vi", "Team lead"), tr("vi", "Admin")]
    calls = await bot.press(admin, tr("vi", "Team lead"), member)
    staff = await bot.storage.staff.get(rm.id)
    assert staff is not None and staff.role == "lead"
    menus = of(calls, "setMyCommands")
    assert len(menus) == 1 and scope_chat(menus[0]) == rm.id
    with active("zh_Hans", "UTC"):
        expected = [(c.command, c.description) for c in menu_for("lead")]
    assert commands_in(menus[0]) == expected
    assert tr("vi", "Team lead") in only_message(calls).text
    assert "staff.role" in await bot.storage.audit.actions_for("staff", rm.id)
    # Promoted to admin, they can use the admin tools.
    await bot.press(admin, tr("vi", "Admin"), bot.last_for(admin))
    assert tr("zh_Hans", "<b>Staff</b> ({count})").format(count=2) in only_message(
        await bot.send(rm, "/staff")).text


async def test_admin_cannot_change_their_own_role_or_access(
    bot: Harness, admin: Person
) -> None:
    await as_admin(bot, admin)
    await bot.send(admin, "/staff")
    member = only_message(await bot.press(admin, "Hùng"))
    own = tr("vi", "You cannot change your own role or access; ask another administrator.")
    for label in (tr("vi", "Relationship manager"), tr("vi", "Turn off access")):
        calls = await bot.press(admin, label, member)
        answer = answer_of(calls)
        assert answer.params["text"] == own and answer.params.get("show_alert") is True
        assert shown(calls) == [] and of(calls, "deleteMyCommands") == []
    staff = await bot.storage.staff.get(admin.id)
    assert staff is not None and staff.role == "admin" and staff.active


async def test_admin_moves_a_member_between_teams(bot: Harness, admin: Person, rm: Person) -> None:
    await as_admin(bot, admin)
    await bot.send(admin, "/newteam Bến Thành")
    await bot.register(rm)
    await bot.send(admin, "/staff")
    member = only_message(await bot.press(admin, "Lan"))
    calls = await bot.press(admin, "Bến Thành", member)
    staff = await bot.storage.staff.get(rm.id)
    assert staff is not None and staff.team_id is not None
    calls = await bot.press(admin, tr("vi", "Remove from team"), only_message(calls))
    staff = await bot.storage.staff.get(rm.id)
    assert staff is not None and staff.team_id is None
    assert of(calls, "setMyCommands") == []  # a team change does not touch the menu


@pytest.mark.parametrize("command", ["/invite", "/invites", "/staff", "/teams", "/newteam X"])
async def test_rm_cannot_use_admin_commands(
    bot: Harness, admin: Person, rm: Person, command: str
) -> None:
    await as_admin(bot, admin)
    await bot.register(rm, language="zh_Hans")
    message = only_message(await bot.send(rm, command))
    assert message.text == tr("zh_Hans", ONLY_ADMIN)
    assert not message.buttons
    assert await bot.storage.teams.list_all() == []


async def test_validly_signed_admin_buttons_are_refused_to_an_rm(
    bot: Harness, admin: Person, rm: Person
) -> None:
    await as_admin(bot, admin)
    await bot.register(rm, language="vi")
    team = await bot.storage.teams.create("Bến Thành", bot.clock.now())
    invite = await bot.storage.invites.create(role="rm", team_id=None, created_by=admin.id,
                                              now=bot.clock.now(), ttl=timedelta(hours=1))
    assert team is not None
    stale = [
        buttons.pack("inv", "admin", owner=rm.id),
        buttons.pack("inv", "admin", team.id, owner=rm.id),
        buttons.pack("invrev", invite.code, owner=rm.id),
        buttons.pack("stfs", 1, owner=rm.id),
        buttons.pack("stf", admin.id, owner=rm.id),
        buttons.pack("stfr", rm.id, "admin", owner=rm.id),
        buttons.pack("stfr", admin.id, "rm", owner=rm.id),
        buttons.pack("stft", rm.id, team.id, owner=rm.id),
        buttons.pack("stfa", admin.id, 0, owner=rm.id),
    ]
    for data in stale:
        calls = await bot.press_data(rm, data)
        answer = answer_of(calls)
        assert answer.params["text"] == tr("vi", ONLY_ADMIN), data
        assert answer.params.get("show_alert") is True
        assert shown(calls) == [], data
    me, boss = await bot.storage.staff.get(rm.id), await bot.storage.staff.get(admin.id)
    assert me is not None and (me.role, me.team_id) == ("rm", None)
    assert boss is not None and boss.role == "admin" and boss.active
    assert [i.code for i in await bot.storage.invites.list_open(bot.clock.now())] == [invite.code]


async def test_demoted_admin_keeps_dead_buttons(bot: Harness, admin: Person) -> None:
    second = Person(1001, "Quân", language_code="en")
    await as_admin(bot, admin)
    await bot.register(second, role="admin", language="en")
    await bot.send(second, "/staff")
    their_list = bot.last_for(second)
    await bot.send(admin, "/staff")
    await bot.press(admin, "Quân")
    await bot.press(admin, tr("vi", "Relationship manager"))
    demoted = await bot.storage.staff.get(second.id)
    assert demoted is not None and demoted.role == "rm"
    calls = await bot.press(second, "Hùng", their_list)
    assert answer_of(calls).params["text"] == ONLY_ADMIN
    assert shown(calls) == []


# -- group chats ---------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/help", "/help@rapport_bot", "/settings", "/staff",
                                     "/start"])
async def test_staff_command_in_a_group_asks_for_private_chat(
    bot: Harness, admin: Person, command: str
) -> None:
    await as_admin(bot, admin)
    group = bot.make.group_chat(GROUP_ID)
    calls = await bot.send(admin, command, group=group)
    message = only_message(calls)
    assert message.chat_id == GROUP_ID
    assert message.text == tr("vi", USE_PRIVATE)
    assert not message.buttons
    assert "Hùng" not in message.text and "Asia/" not in message.text
    assert of(calls, "setMyCommands") == []


async def test_stranger_in_a_group_gets_nothing(bot: Harness, admin: Person) -> None:
    stranger = Person(6666, "Mallory", language_code="en")
    await as_admin(bot, admin)
    group = bot.make.group_chat(GROUP_ID)
    assert await bot.send(stranger, "hello everyone", group=group) == []
    # A command in a group gets only the "use private chat" line, data-free.
    assert only_message(await bot.send(stranger, "/start", group=group)).text == tr(
        "en", USE_PRIVATE)
    assert await bot.send_update(bot.make.message(
        stranger, group=group, contact={"phone_number": "+84901234567", "first_name": "Khách"},
    )) == []
    assert await bot.send(stranger, "Hùng ơi, số của anh là gì?", group=group) == []
    assert await bot.storage.staff.get(stranger.id) is None


async def test_staff_text_in_a_group_shows_no_data(bot: Harness, rm: Person) -> None:
    await bot.register(rm)
    group = bot.make.group_chat(GROUP_ID)
    calls = await bot.send(rm, "Chào cả nhà, hôm nay lãi suất thế nào?", group=group)
    for call in shown(calls):
        assert call.chat_id == GROUP_ID
        assert "Lan" not in call.text and "Asia/" not in call.text


# -- a misbehaving Bot API -----------------------------------------------------------------------


async def _check_still_working(bot: Harness, person: Person, language: str) -> None:
    message = only_message(await bot.send(person, "/help"))
    assert tr(language, HELP_TITLE) in message.text


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
@pytest.mark.parametrize(
    ("arm", "error"),
    [
        (lambda api: api.fail_next("sendMessage", 500), NetworkError),
        (lambda api: api.fail_next("sendMessage", 502), NetworkError),
        (lambda api: api.fail_next("sendMessage", 429, retry_after=1), RetryAfter),
        (lambda api: api.time_out_next("sendMessage"), TimedOut),
    ],
    ids=["500", "502", "429", "timeout"],
)
async def test_api_failure_is_logged_and_the_bot_carries_on(
    bot: Harness, rm: Person, caplog: pytest.LogCaptureFixture, arm: Any, error: type
) -> None:
    await bot.register(rm, language="zh_Hans")
    arm(bot.api)
    with caplog.at_level(logging.WARNING):
        calls = await bot.send(rm, "/help")
    records = _error_records(caplog)
    assert len(records) == 1
    assert records[0].exc_info is not None
    assert records[0].exc_info[0] is not None and issubclass(records[0].exc_info[0], error)
    sends = of(calls, "sendMessage")
    assert len(sends) == 2  # the failed answer, then the apology
    assert sends[1].text == tr("zh_Hans", APOLOGY)
    await _check_still_working(bot, rm, "zh_Hans")


async def test_apology_that_cannot_be_sent_is_logged_too(
    bot: Harness, rm: Person, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.register(rm, language="vi")
    bot.api.fail_next("sendMessage", 500, count=2)
    with caplog.at_level(logging.WARNING):
        calls = await bot.send(rm, "/help")
    assert len(of(calls, "sendMessage")) == 2
    assert len(_error_records(caplog)) == 1
    assert "could not tell the user about the error" in caplog.text
    await _check_still_working(bot, rm, "vi")


async def test_blocked_bot_is_logged_without_an_apology(
    bot: Harness, rm: Person, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.register(rm, language="vi")
    bot.api.fail_next("sendMessage", 403)
    with caplog.at_level(logging.WARNING):
        calls = await bot.send(rm, "/help")
    assert len(of(calls, "sendMessage")) == 1  # no apology to someone who blocked us
    assert len(_error_records(caplog)) == 1
    await _check_still_working(bot, rm, "vi")


async def test_failed_button_answer_is_survived(
    bot: Harness, rm: Person, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.register(rm, language="en")
    await bot.send(rm, "/language")
    bot.api.time_out_next("answerCallbackQuery")
    with caplog.at_level(logging.WARNING):
        await bot.press(rm, LANGUAGE_NAMES["vi"])
    assert len(_error_records(caplog)) == 1
    await _check_still_working(bot, rm, "vi")


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_a_burst_of_429s_is_survived(
    bot: Harness, rm: Person, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.register(rm, language="en")
    bot.api.fail_next("sendMessage", 429, retry_after=1, count=5)
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            await bot.send(rm, "/help")
    assert len(_error_records(caplog)) == 3
    await _check_still_working(bot, rm, "en")


class _InstantAsyncio:
    """asyncio for the rate limiter, whose sleeps are recorded instead of waited for."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    async def sleep(self, delay: float) -> None:
        self.slept.append(delay)
        await asyncio.sleep(0)


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_production_rate_limiter_retries_a_429(
    settings: Settings, clock: FrozenClock, rm: Person, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    instant = _InstantAsyncio()
    monkeypatch.setattr(aioratelimiter, "asyncio", instant)
    api = FakeBotApi()
    app = build_application(settings, request=api, clock=clock, rate_limit=True)
    await app.initialize()
    await startup(app)
    limited = Harness(app=app, api=api, make=UpdateFactory(app.bot), clock=clock)
    try:
        await limited.register(rm, language="vi")
        api.fail_next("sendMessage", 429, retry_after=2)
        with caplog.at_level(logging.WARNING):
            calls = await limited.send(rm, "/help")
        sends = of(calls, "sendMessage")
        assert len(sends) == 2 and tr("vi", HELP_TITLE) in sends[1].text  # retried, delivered
        assert instant.slept and instant.slept[0] >= 2
        assert _error_records(caplog) == []
        # Past the retries, the error handler takes over and the apology goes out.
        api.fail_next("sendMessage", 429, retry_after=1, count=4)
        with caplog.at_level(logging.WARNING):
            calls = await limited.send(rm, "/help")
        assert of(calls, "sendMessage")[-1].text == tr("vi", APOLOGY)
        assert len(_error_records(caplog)) == 1
        await _check_still_working(limited, rm, "vi")
    finally:
        await close_harness(limited)
