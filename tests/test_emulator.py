"""Proves that python-telegram-bot 22 works against the Bot API emulator."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import threading
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from telegram import (
    Bot,
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application, ApplicationBuilder, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from testkit.emulator import BotApiEmulator, Call, RateLimits

TOKEN = "123:ABC"

# PTB 22 warns about RetryAfter.retry_after becoming a timedelta (emitted inside PTB itself)
pytestmark = pytest.mark.filterwarnings("ignore:Deprecated since version v22.2")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def emu() -> Iterator[BotApiEmulator]:
    emulator = BotApiEmulator(TOKEN)
    emulator.start()
    yield emulator
    emulator.stop()


def make_bot(emulator: BotApiEmulator, read_timeout: float = 5.0) -> Bot:
    return Bot(
        TOKEN,
        base_url=emulator.url + "/bot",
        base_file_url=emulator.url + "/file/bot",
        request=HTTPXRequest(connection_pool_size=8, read_timeout=read_timeout),
        get_updates_request=HTTPXRequest(read_timeout=read_timeout),
    )


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    async with make_bot(emu) as b:
        yield b


def retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


def kb() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Yes", callback_data="ans:yes")],
            [InlineKeyboardButton("Docs", url="https://example.com")],
        ]
    )


async def test_get_me(bot: Bot, emu: BotApiEmulator) -> None:
    me = await bot.get_me()
    assert me.id == 123
    assert me.is_bot
    assert me.username == "rapport_test_bot"
    assert me.can_join_groups is True
    assert bot.username == "rapport_test_bot"
    assert emu.calls("getMe")[0].status == 200


async def test_send_message_with_keyboard_and_html(bot: Bot, emu: BotApiEmulator) -> None:
    msg = await bot.send_message(
        42, "<b>Hello</b> &amp; welcome", parse_mode=ParseMode.HTML, reply_markup=kb()
    )
    assert isinstance(msg, Message)
    assert msg.message_id == 1
    assert msg.chat.id == 42 and msg.chat.type == "private"
    assert msg.from_user is not None and msg.from_user.id == 123
    assert msg.text == "Hello & welcome"
    assert abs(msg.date.timestamp() - time.time()) < 5
    assert msg.reply_markup == kb()

    call = emu.calls("sendMessage")[-1]
    assert call.status == 200
    assert call.params["chat_id"] == 42
    assert call.params["text"] == "<b>Hello</b> &amp; welcome"
    assert call.params["parse_mode"] == "HTML"
    rows = call.params["reply_markup"]["inline_keyboard"]
    assert rows[0][0] == {"text": "Yes", "callback_data": "ans:yes"}
    assert rows[1][0]["url"] == "https://example.com"
    assert emu.sent_texts(42) == ["<b>Hello</b> &amp; welcome"]
    assert emu.sent_texts(43) == []

    second = await bot.send_message(42, "again")
    assert second.message_id == 2
    other = await bot.send_message(-100123, "group")
    assert other.message_id == 1 and other.chat.type == "group"
    assert emu.stats.sent == 3 and emu.stats["429"] == 0


async def test_realistic_bad_requests(bot: Bot, emu: BotApiEmulator) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(1, "a <div>b</div>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(1, "1 < 2", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(1, "<b>open", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(1, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(
            1,
            "x",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("b", callback_data="d" * 65)]]
            ),
        )
    assert emu.stats.errors == 5
    assert emu.stats.sent == 0


async def test_edit_message_text(bot: Bot, emu: BotApiEmulator) -> None:
    msg = await bot.send_message(42, "before", reply_markup=kb())
    edited = await bot.edit_message_text("after", chat_id=42, message_id=msg.message_id)
    assert isinstance(edited, Message)
    assert edited.message_id == msg.message_id
    assert edited.text == "after"
    assert edited.edit_date is not None
    assert edited.reply_markup is None  # like Telegram: omitted markup removes the keyboard
    call = emu.calls("editMessageText")[-1]
    assert call.params == {"chat_id": 42, "message_id": msg.message_id, "text": "after"}
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("after", chat_id=42, message_id=msg.message_id)
    again = await bot.edit_message_reply_markup(42, msg.message_id, reply_markup=kb())
    assert isinstance(again, Message) and again.reply_markup == kb()
    assert emu.last_sent_message(42)["text"] == "after"
    assert await bot.delete_message(42, msg.message_id) is True


async def test_answer_callback_query_and_misc(bot: Bot, emu: BotApiEmulator) -> None:
    assert await bot.answer_callback_query("cb1", text="Done", show_alert=True) is True
    params = emu.calls("answerCallbackQuery")[-1].params
    assert params == {"callback_query_id": "cb1", "text": "Done", "show_alert": True}
    assert await bot.send_chat_action(42, "typing") is True
    chat = await bot.get_chat(42)
    assert chat.id == 42 and chat.type == "private"
    member = await bot.get_chat_member(-100, 7)
    assert member.status == "member" and member.user.id == 7
    assert await bot.delete_webhook() is True
    info = await bot.get_webhook_info()
    assert info.url == "" and info.pending_update_count == 0
    assert await bot.set_chat_menu_button() is True
    assert await bot.leave_chat(-100) is True


async def test_send_photo_document_copy_forward(bot: Bot, emu: BotApiEmulator) -> None:
    photo = await bot.send_photo(42, b"\x89PNG fake", caption="pic")
    assert photo.photo and photo.photo[-1].file_size == 9
    assert photo.caption == "pic"
    upload = emu.calls("sendPhoto")[-1].params["photo"]
    assert upload.data == b"\x89PNG fake"
    doc = await bot.send_document(42, b"a,b\n1,2\n", filename="report.csv")
    assert doc.document is not None and doc.document.file_name == "report.csv"
    assert emu.calls("sendDocument")[-1].params["chat_id"] == 42
    text = await bot.send_message(42, "original")
    copied = await bot.copy_message(43, 42, text.message_id)
    assert copied.message_id == 1
    forwarded = await bot.forward_message(44, 42, text.message_id)
    assert forwarded.text == "original" and forwarded.forward_origin is not None


async def test_a_pushed_photo_is_fetched_like_from_telegram(bot: Bot, emu: BotApiEmulator
                                                             ) -> None:
    emu.push_photo(42, b"\xff\xd8 a card", caption="/card")
    [update] = await bot.get_updates(timeout=1)
    message = update.message
    assert message is not None and message.caption == "/card"
    assert [size.width for size in message.photo] == [160, 640, 1280]
    file = await bot.get_file(message.photo[-1].file_id)
    assert file.file_path is not None
    assert file.file_path.startswith(f"{emu.url}/file/bot{TOKEN}/photos/")
    assert bytes(await file.download_as_bytearray()) == b"\xff\xd8 a card"
    [download] = emu.calls("downloadFile")
    assert download.status == 200 and download.result == len(b"\xff\xd8 a card")


async def test_get_file_refuses_like_telegram(bot: Bot, emu: BotApiEmulator) -> None:
    with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
        await bot.get_file("no-such-file")
    file_id, _ = emu.add_file(b"x" * (20 * 1024 * 1024 + 1), "document", "pdf")
    with pytest.raises(BadRequest, match=r"(?i)file is too big"):
        await bot.get_file(file_id)
    emu.push_document(42, b"a,b\n", "list.csv", "text/csv")
    [update] = await bot.get_updates(timeout=1)
    assert update.message is not None and update.message.document is not None
    file = await bot.get_file(update.message.document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"a,b\n"
    # Another token, or a path never handed out, is not found.
    path = str(file.file_path).split(f"/file/bot{TOKEN}/", 1)[1]
    for wrong in (f"/file/bot9:XYZ/{path}", f"/file/bot{TOKEN}/documents/x.csv"):
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(emu.url + wrong, timeout=5)
        assert error.value.code == 404


async def test_an_uploaded_photo_can_be_fetched_back(bot: Bot, emu: BotApiEmulator) -> None:
    sent = await bot.send_photo(42, b"\x89PNG bytes")
    file = await bot.get_file(sent.photo[-1].file_id)
    assert bytes(await file.download_as_bytearray()) == b"\x89PNG bytes"


async def test_business_updates_and_sending_as_the_account(bot: Bot, emu: BotApiEmulator
                                                           ) -> None:
    connection = emu.push_business_connection(100, can_reply=True)
    emu.push_business_message(connection, 100, 500, "Chào anh")  # the owner writes first
    with pytest.raises(BadRequest, match=r"(?i)business_peer_usage_missing"):
        await bot.send_message(500, "hi", business_connection_id=connection)
    emu.push_business_message(connection, 500, 500, "Chào em", first_name="Minh")
    emu.push_edited_business_message(connection, 500, 500, 2, "Chào em nhé")
    emu.push_deleted_business_messages(connection, 500, [1])
    updates = await bot.get_updates(timeout=1)
    kinds = [next(key for key in ("business_connection", "business_message",
                                  "edited_business_message", "deleted_business_messages")
                  if getattr(u, key)) for u in updates]
    assert kinds == ["business_connection", "business_message", "business_message",
                     "edited_business_message", "deleted_business_messages"]
    assert updates[0].business_connection is not None
    assert updates[0].business_connection.rights is not None
    assert updates[0].business_connection.rights.can_reply
    assert updates[2].business_message is not None
    assert updates[2].business_message.business_connection_id == connection
    sent = await bot.send_message(500, "Chúc mừng sinh nhật", business_connection_id=connection)
    assert sent.sender_business_bot is not None and sent.from_user is not None
    assert sent.from_user.id == 100 and sent.message_id == 3
    assert (await bot.get_business_connection(connection)).user.id == 100
    emu.push_business_connection(100, connection, can_reply=False)
    with pytest.raises(BadRequest, match=r"(?i)business_connection_not_allowed"):
        await bot.send_message(500, "hi", business_connection_id=connection)
    with pytest.raises(BadRequest, match=r"(?i)business_connection_invalid"):
        await bot.send_message(500, "hi", business_connection_id="nope")


async def test_set_my_commands_with_language(bot: Bot, emu: BotApiEmulator) -> None:
    assert await bot.set_my_commands([BotCommand("start", "Start")]) is True
    assert await bot.set_my_commands(
        [BotCommand("start", "Начать"), ("help", "Помощь")], language_code="ru"
    )
    call = emu.calls("setMyCommands")[-1]
    assert call.params["language_code"] == "ru"
    assert call.params["commands"] == [
        {"command": "start", "description": "Начать"},
        {"command": "help", "description": "Помощь"},
    ]
    ru = await bot.get_my_commands(language_code="ru")
    assert [c.command for c in ru] == ["start", "help"]
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    assert emu.commands("ru")[1]["description"] == "Помощь"
    assert await bot.delete_my_commands(language_code="ru") is True
    assert await bot.get_my_commands(language_code="ru") == ()


async def test_unknown_method_is_404_and_recorded(bot: Bot, emu: BotApiEmulator) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": 1})
    call = emu.calls("sendTelepathy")[0]
    assert call.status == 404


def test_plain_http_json_and_get() -> None:
    with BotApiEmulator() as emulator:
        req = urllib.request.Request(
            emulator.url + "/bot123:ABC/sendMessage",
            data=json.dumps({"chat_id": 5, "text": "json body"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=5) as resp:
            body = json.load(resp)
        assert body["ok"] and body["result"]["text"] == "json body"
        with urllib.request.urlopen(emulator.url + "/bot123:ABC/getMe?x=1", timeout=5) as resp:
            assert json.load(resp)["result"]["is_bot"] is True
        try:
            urllib.request.urlopen(emulator.url + "/botWRONG/getMe", timeout=5)
        except urllib.error.HTTPError as exc:
            assert exc.code == 401
        else:
            raise AssertionError("expected 401")
        assert emulator.sent_texts(5) == ["json body"]


async def test_get_updates_offset_and_timeout(bot: Bot, emu: BotApiEmulator) -> None:
    assert await bot.get_updates(timeout=0) == ()
    first = emu.push_text(7, "hello")
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [first]
    assert updates[0].message is not None and updates[0].message.text == "hello"
    # not confirmed yet -> delivered again; confirmed with offset -> gone
    assert len(await bot.get_updates(timeout=0)) == 1
    assert await bot.get_updates(offset=first + 1, timeout=0) == ()
    assert emu.pending_updates() == 0

    # blocks until timeout when nothing arrives
    started = time.monotonic()
    assert await bot.get_updates(offset=first + 1, timeout=1) == ()
    assert 0.8 < time.monotonic() - started < 3

    # an update pushed from another thread wakes up the blocking long poll immediately
    pushed: list[int] = []
    timer = threading.Timer(0.3, lambda: pushed.append(emu.push_text(7, "/start now")))
    timer.start()
    started = time.monotonic()
    updates = await bot.get_updates(offset=first + 1, timeout=10, read_timeout=15)
    elapsed = time.monotonic() - started
    timer.join()
    assert elapsed < 2
    assert [u.update_id for u in updates] == pushed
    msg = updates[0].message
    assert msg is not None and msg.text == "/start now"
    assert msg.entities[0].type == "bot_command" and msg.entities[0].length == 6
    assert msg.from_user is not None and msg.from_user.language_code == "en"


async def test_second_long_poll_conflicts_first(bot: Bot, emu: BotApiEmulator) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.3)
    async with make_bot(emu) as other:
        second = asyncio.create_task(other.get_updates(timeout=0))
        with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates"):
            await first
        assert await second == ()


async def test_pushed_callback_query_de_jsons(bot: Bot, emu: BotApiEmulator) -> None:
    await bot.send_message(42, "Pick one", reply_markup=kb())
    update_id = emu.push_callback(42, "ans:yes", emu.last_sent_message(42), language_code="ru")
    updates = await bot.get_updates(timeout=0)
    assert updates[-1].update_id == update_id
    query = updates[-1].callback_query
    assert isinstance(query, CallbackQuery)
    assert query.chat_instance
    assert query.data == "ans:yes"
    assert query.from_user.id == 42 and query.from_user.language_code == "ru"
    assert isinstance(query.message, Message)
    assert query.message.text == "Pick one" and query.message.message_id == 1
    assert query.message.reply_markup == kb()


async def test_fail_next_maps_to_ptb_errors(bot: Bot, emu: BotApiEmulator) -> None:
    emu.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(RetryAfter) as retry:
        await bot.send_message(1, "x")
    assert retry_seconds(retry.value) == 7

    emu.fail_next("sendMessage", 500)
    with pytest.raises(NetworkError) as network:
        await bot.send_message(1, "x")
    assert not isinstance(network.value, RetryAfter)

    emu.fail_next("sendMessage", 403, count=2)
    for _ in range(2):
        with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
            await bot.send_message(1, "x")
    assert (await bot.send_message(1, "ok")).text == "ok"
    assert [c.status for c in emu.calls("sendMessage")] == [429, 500, 403, 403, 200]
    assert emu.stats.rate_limited == 1 and emu.stats.errors == 3 and emu.stats.sent == 1


async def test_down_and_delay(emu: BotApiEmulator) -> None:
    async with make_bot(emu, read_timeout=0.3) as bot:
        emu.set_down(True)
        with pytest.raises(NetworkError):
            await bot.send_message(1, "x")
        emu.set_down(False)
        emu.set_delay(0.8)
        with pytest.raises(TimedOut):
            await bot.send_message(1, "slow")
        emu.set_delay(0)
        assert (await bot.send_message(1, "fast")).text == "fast"
    assert emu.calls("sendMessage")[0].status == 502


async def test_stop_and_restart_on_same_port(bot: Bot, emu: BotApiEmulator) -> None:
    assert (await bot.send_message(1, "before")).message_id == 1
    port = emu.port
    emu.stop()  # also drops the keep-alive connection PTB holds
    with pytest.raises(NetworkError):
        await bot.send_message(1, "while stopped")
    emu.start(port)
    assert (await bot.send_message(1, "after")).message_id == 2
    assert emu.sent_texts(1) == ["before", "after"]


async def test_rate_limit_global_per_second(emu: BotApiEmulator) -> None:
    emu.stop()
    clock = FakeClock()
    limited = BotApiEmulator(TOKEN, limits=RateLimits(clock=clock))
    limited.start()
    try:
        async with make_bot(limited) as bot:
            results = await asyncio.gather(
                *(bot.send_message(1000 + i, f"m{i}") for i in range(31)),
                return_exceptions=True,
            )
            errors = [r for r in results if isinstance(r, RetryAfter)]
            assert len(errors) == 1
            assert retry_seconds(errors[0]) == 1
            assert limited.stats["429"] == 1 and limited.stats.sent == 30
            clock.now += 1.01
            assert (await bot.send_message(2000, "later")).text == "later"
            # per private chat: burst of 3, then ~1/s
            for i in range(3):
                await bot.send_message(3000, f"burst {i}")
            with pytest.raises(RetryAfter):
                await bot.send_message(3000, "too fast")
            clock.now += 3.01
            await bot.send_message(3000, "ok again")
    finally:
        limited.stop()


async def test_rate_limit_group_per_minute(emu: BotApiEmulator) -> None:
    emu.stop()
    clock = FakeClock()
    limited = BotApiEmulator(TOKEN, limits=RateLimits(clock=clock))
    limited.start()
    try:
        async with make_bot(limited) as bot:
            for i in range(20):
                clock.now += 0.5  # stays under 30/s and well inside one minute
                await bot.send_message(-100500, f"g{i}")
            clock.now += 0.5
            with pytest.raises(RetryAfter) as retry:
                await bot.send_message(-100500, "g20")
            assert 49 <= retry_seconds(retry.value) <= 60
            call = limited.calls("sendMessage")[-1]
            assert call.status == 429
            assert limited.stats.rate_limited == 1 and limited.stats.sent == 20
            await bot.send_message(-100501, "another group is fine")
            clock.now += 60
            await bot.send_message(-100500, "window slid")
    finally:
        limited.stop()


async def test_application_polling_echoes_start(emu: BotApiEmulator) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_user is not None
        await update.effective_message.reply_text(
            f"Hi {update.effective_user.first_name}!", reply_markup=kb()
        )

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        raise AssertionError(f"handler error: {context.error!r}")

    app: Application[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(emu.url + "/bot")
        .base_file_url(emu.url + "/file/bot")
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_error_handler(on_error)
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        mark = emu.mark()
        emu.push_text(555, "/start", first_name="Ann")
        call = await asyncio.to_thread(
            emu.wait_for,
            lambda c: c.method == "sendMessage" and c.params.get("chat_id") == 555,
            5.0,
            since=mark,
        )
        assert isinstance(call, Call)
        assert call.status == 200 and call.params["text"] == "Hi Ann!"
        assert emu.sent_texts(555) == ["Hi Ann!"]
        await app.updater.stop()
        await app.stop()
    # the final getUpdates confirmed the processed update
    assert emu.pending_updates() == 0
    assert emu.calls("getMe") and emu.calls("deleteWebhook")
    assert emu.stats.errors == 0, emu.calls()


def test_wait_for_timeout_lists_calls(emu: BotApiEmulator) -> None:
    with urllib.request.urlopen(emu.url + "/bot123:ABC/getMe", timeout=5):
        pass
    with pytest.raises(TimeoutError, match=r"getMe -> 200"):
        emu.wait_for(lambda c: c.method == "sendMessage", timeout=0.2)
