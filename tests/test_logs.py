"""Logs hold neither secrets nor customers' data: the redactor in-process, and the real
process at DEBUG through a whole conversation, its log searched for every value."""

from __future__ import annotations

import io
import json
import logging
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from telegram import Chat, Message, Update, User

from core.config import Settings
from core.logs import Redactor, configure_logging, json_formatter, keep_out_of_logs
from testkit.emulator import BotApiEmulator, Call, first_button, to_chat
from testkit.process import BotProcess, free_port, wait_until
from tests.engines import ENGINES, pg_schema

ADMIN = 100
TOKEN = "987654321:AAHsecretPartOfTheBotToken_0123456789x"
WEBHOOK_SECRET = "hook-Secret_9f8e7d6c5b4a"
DB_PASSWORD = "Db-Pa55word-zq81"
PUBLIC_URL = "https://bot.bank.example/telegram"


def render(record: logging.LogRecord, redactor: Redactor) -> str:
    assert redactor.filter(record)
    return logging.Formatter("%(name)s %(message)s").format(record)


def record(name: str, msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord(name, logging.DEBUG, __file__, 1, msg, args, None)


def an_update(text: str) -> Update:
    message = Message(7, date=datetime.now(UTC), chat=Chat(42, "private"),
                      from_user=User(42, "Lan", False, last_name="Nguyễn"), text=text)
    return Update(9001, message=message)


def test_library_payloads_are_cut_to_their_shape() -> None:
    redactor = Redactor([TOKEN])
    url = f"https://api.telegram.org/bot{TOKEN}"
    assert render(record("telegram.Bot", "Set Bot API URL: %s", url), redactor) == (
        "telegram.Bot Set Bot API URL: https://api.telegram.org/bot***")
    params = {"chat_id": 42, "text": "Phạm Minh Châu 0901 234 567", "secret_token": "x"}
    line = render(record("telegram.ext.ExtBot", "Calling Bot API endpoint `%s` with "
                         "parameters `%s`", "sendMessage", params), redactor)
    assert line.endswith("`sendMessage` with parameters `<dict: chat_id, text, secret_token>`")
    line = render(record("telegram.ext.Application", "Processing update %s",
                         an_update("/note An 0901 234 567")), redactor)
    assert line == "telegram.ext.Application Processing update <Update 9001>"
    line = render(record("telegram.ext._utils.webhookhandler", "Webhook received data: %s",
                         '{"message": {"text": "Phạm Minh Châu"}}'), redactor)
    assert line.endswith("data: <text, 39 characters>")


@pytest.mark.parametrize("url", [
    f"postgresql://rapport:{DB_PASSWORD}@db.bank.vn:5432/rapport",
    f"postgresql://:{DB_PASSWORD}@db.bank.vn/rapport",
    f"postgresql://rapport@db.bank.vn/rapport?sslmode=require&password={DB_PASSWORD}",
    f"postgres://rapport@db.bank.vn/rapport?password={DB_PASSWORD}",
])
def test_database_passwords_never_reach_a_log(url: str) -> None:
    settings = Settings(token=TOKEN, api_url="https://api.telegram.org", db_path=Path("x.db"),
                        admin_ids=frozenset(), default_language="en", default_timezone="UTC",
                        default_region="VN", invite_ttl_hours=72, log_level="INFO",
                        database_url=url)
    assert DB_PASSWORD not in settings.database_label
    assert "db.bank.vn" in settings.database_label
    redactor = Redactor(settings.secrets)
    # Wherever it turns up: a library's message, an error, Rapport's own line.
    for line in (f"connecting to {url}", f"password={DB_PASSWORD}", f"pw {DB_PASSWORD} failed"):
        assert DB_PASSWORD not in render(record("asyncpg", "%s", line), redactor)
        assert DB_PASSWORD not in render(record("storage.postgres", line), redactor)


def test_what_the_user_typed_is_blanked_in_messages_and_tracebacks() -> None:
    redactor = Redactor()
    keep_out_of_logs(an_update("/note Phạm Minh Châu sent the salary slips"))
    try:
        raise ValueError("cannot file 'sent the salary slips' for Phạm Minh Châu")
    except ValueError as error:
        failed = logging.LogRecord("handlers.errors", logging.ERROR, __file__, 1,
                                   "error for %s", ("Nguyễn Lan",), (ValueError, error,
                                                                    error.__traceback__))
    text = json_formatter("r").format(failed) if redactor.filter(failed) else ""
    data = json.loads(text)
    for value in ("salary slips", "Phạm Minh Châu", "Nguyễn"):
        assert value not in text, value
    assert "ValueError: cannot file" in data["exception"]


def test_every_handler_gets_the_redactor(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    configure_logging("DEBUG", "text", "r", [TOKEN])
    try:
        assert all(any(isinstance(f, Redactor) for f in handler.filters)
                   for handler in logging.getLogger().handlers)
        logging.getLogger("httpx").warning("POST https://api.telegram.org/bot%s/x", TOKEN)
        assert TOKEN.split(":")[1] not in stream.getvalue()
        assert "bot***/x" in stream.getvalue()
    finally:
        logging.basicConfig(force=True, handlers=[logging.NullHandler()])


# -- the real process ----------------------------------------------------------------------------

CUSTOMER = "Phạm Minh Châu"
PHONE_TYPED = "0901 234 567"
NOTE = "sent the salary slips on Monday"
FIRST_NOTE = "wants a business loan of three billion"
REMINDER = "call back about the deposit rate"
CONTACT = ("Lê", "Thị Hoa", "+84 912 345 678")
STRANGER_TEXT = "hello my number is 0987 654 321"
LEAKS = [CUSTOMER, "Phạm Minh", "Minh Châu", PHONE_TYPED, "0901234567", "+84901234567",
         "90 123 45 67", NOTE, FIRST_NOTE, REMINDER, "Thị Hoa", CONTACT[2], "912345678",
         "912 345 678", "0987 654 321", "0987654321", "my number is"]


@pytest.fixture
def database_url() -> Iterator[str]:
    """PostgreSQL with a password in the URL (the local server trusts any), else SQLite."""
    if "postgresql" not in ENGINES:
        yield ""
        return
    with pg_schema("logs") as url:
        yield url.replace("postgresql://postgres@", f"postgresql://postgres:{DB_PASSWORD}@", 1)


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def sent(emu: BotApiEmulator, chat_id: int, contains: str, since: int) -> Call:
    return emu.wait_for(to_chat(chat_id, contains), timeout=30, since=since)


@pytest.mark.process
def test_debug_log_of_a_whole_conversation_holds_no_secret_and_no_customer_data(
        tmp_path: Path, database_url: str) -> None:
    port = free_port()
    hook = f"http://127.0.0.1:{port}/telegram"
    with BotApiEmulator(token=TOKEN) as emu:
        # A log file, not a pipe: DEBUG output would fill a pipe nobody reads and block.
        bot = BotProcess.start(
            emu, tmp_path / "rapport.db", tmp_path / "bot.log", TELEGRAM_BOT_TOKEN=TOKEN,
            DATABASE_URL=database_url, RAPPORT_ADMIN_IDS=str(ADMIN), RAPPORT_LOG_LEVEL="DEBUG",
            RAPPORT_WEBHOOK_URL=PUBLIC_URL, RAPPORT_WEBHOOK_SECRET=WEBHOOK_SECRET,
            RAPPORT_WEBHOOK_PORT=str(port), RAPPORT_HEALTH_PORT="0")
        try:
            emu.wait_for(lambda c: c.method == "setWebhook", timeout=30)
            assert wait_until(lambda: listening(port), timeout=20)
            emu.set_webhook_targets([hook], WEBHOOK_SECRET)
            mark = emu.mark()
            emu.push_text(ADMIN, f"/add {CUSTOMER} {PHONE_TYPED} {FIRST_NOTE}", first_name="Hung")
            card = sent(emu, ADMIN, CUSTOMER, mark)
            emu.push_text(ADMIN, "/find Phạm Minh", first_name="Hung")
            sent(emu, ADMIN, "1", mark)
            mark = emu.mark()
            emu.push_text(ADMIN, f"/note {CUSTOMER} {NOTE}", first_name="Hung")
            saved = sent(emu, ADMIN, "saved for", mark)
            mark = emu.mark()
            emu.push_callback(ADMIN, first_button(saved, "Tomorrow"),
                              emu.last_sent_message(ADMIN), first_name="Hung")
            sent(emu, ADMIN, "", mark)
            mark = emu.mark()
            emu.push_callback(ADMIN, first_button(card, "History"),
                              emu.last_sent_message(ADMIN), first_name="Hung")
            sent(emu, ADMIN, "History of", mark)
            mark = emu.mark()
            emu.push_text(ADMIN, f"/remind {CUSTOMER} tomorrow 9am {REMINDER}", first_name="Hung")
            sent(emu, ADMIN, "", mark)
            mark = emu.mark()
            emu.push_update({"message": {
                "message_id": 5000, "date": int(time.time()),
                "chat": {"id": ADMIN, "type": "private", "first_name": "Hung"},
                "from": emu.user(ADMIN, first_name="Hung"),
                "contact": {"phone_number": CONTACT[2], "first_name": CONTACT[0],
                            "last_name": CONTACT[1]}}})
            sent(emu, ADMIN, "", mark)
            mark = emu.mark()
            emu.push_text(777, STRANGER_TEXT, first_name="Mallory")
            sent(emu, 777, "only for registered bank staff", mark)
        finally:
            code = bot.stop()
    output = bot.output()
    assert code == 0, output[-3000:]
    assert "Calling Bot API endpoint" in output and "Processing update" in output  # DEBUG
    secrets = [TOKEN, TOKEN.split(":")[1], WEBHOOK_SECRET]
    if database_url:
        secrets.append(DB_PASSWORD)
    found = [value for value in secrets + LEAKS if value in output]
    assert not found, found
