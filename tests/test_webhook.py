"""Webhook mode, the health endpoint and JSON logs: the real process, and the parts in-process."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from telegram import Chat, Message, Update, User

from core import health
from core.context import BotData, Services
from core.logs import json_formatter, update_fields
from storage import open_storage
from testkit.emulator import BotApiEmulator, to_chat
from testkit.process import ROOT, TOKEN, BotProcess, free_port

SECRET = "s3cret_Token-42"
PUBLIC_URL = "https://bot.bank.example/telegram/hook"
ADMIN = 100


def get_json(url: str) -> tuple[int, dict[str, Any]]:
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with direct.open(url, timeout=10) as response:
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return int(error.code), json.loads(error.read())


def http_status(url: str) -> int:
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with direct.open(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        with error:
            return int(error.code)


def wait_until_listening(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def wait_for_tick(health_port: int, timeout: float = 15.0) -> dict[str, Any]:
    """The health report once the scheduler has ticked (a second or so after start-up)."""
    deadline = time.monotonic() + timeout
    while True:
        status, report = get_json(f"http://127.0.0.1:{health_port}/health")
        assert status == 200, report
        if report["dispatcher_last_tick_seconds_ago"] is not None:
            return report
        if time.monotonic() > deadline:
            raise TimeoutError(f"the dispatcher never ticked: {report}")
        time.sleep(0.2)


@pytest.fixture
def emulator() -> Iterator[BotApiEmulator]:
    with BotApiEmulator(token=TOKEN) as emu:
        yield emu


def start_bot(emu: BotApiEmulator, folder: Path, **settings: str) -> BotProcess:
    return BotProcess.start(emu, folder / "rapport.db", folder / "bot.log", root=ROOT,
                            RAPPORT_ADMIN_IDS=str(ADMIN), **settings)


@pytest.mark.process
def test_webhook_process_answers_only_telegram(emulator: BotApiEmulator, tmp_path: Path) -> None:
    port, health_port = free_port(), free_port()
    hook = f"http://127.0.0.1:{port}/telegram/hook"
    bot = start_bot(
        emulator, tmp_path,
        RAPPORT_WEBHOOK_URL=PUBLIC_URL, RAPPORT_WEBHOOK_SECRET=SECRET,
        RAPPORT_WEBHOOK_PORT=str(port), RAPPORT_HEALTH_PORT=str(health_port),
        RAPPORT_LOG_FORMAT="json", RAPPORT_REPLICA_NAME="replica-a",
    )
    try:
        registered = emulator.wait_for(lambda c: c.method == "setWebhook", timeout=30)
        assert registered.params["url"] == PUBLIC_URL
        assert registered.params["secret_token"] == SECRET
        assert registered.params["drop_pending_updates"] is False
        assert "callback_query" in registered.params["allowed_updates"]
        wait_until_listening(port)

        message = {"message_id": 1, "date": int(time.time()), "text": "/help",
                   "chat": {"id": ADMIN, "type": "private", "first_name": "Hung"},
                   "from": {"id": ADMIN, "is_bot": False, "first_name": "Hung"},
                   "entities": [{"type": "bot_command", "offset": 0, "length": 5}]}
        for secret in ("wrong-secret", None):
            refused = {"update_id": 9000, "message": {**message, "message_id": 2}}
            assert emulator.deliver(refused, hook, secret) == 403
        mark = emulator.mark()
        assert emulator.deliver({"update_id": 9001, "message": message}, hook, SECRET) == 200
        reply = emulator.wait_for(to_chat(ADMIN, "/add"), timeout=20, since=mark)
        assert reply.params["chat_id"] == ADMIN
        time.sleep(0.5)  # a refused update, had it got through, would be answered by now
        answers = [c for c in emulator.calls("sendMessage") if c.params.get("chat_id") == ADMIN]
        assert len(answers) == 1, answers

        # Telegram behind a load balancer: a replica that is down is skipped, not fatal.
        emulator.set_webhook_targets([f"http://127.0.0.1:{free_port()}/telegram/hook", hook])
        mark = emulator.mark()
        emulator.push_text(ADMIN, "/help", first_name="Hung")
        emulator.wait_for(to_chat(ADMIN, "/add"), timeout=20, since=mark)
        statuses = [delivery.status for delivery in emulator.deliveries()]
        assert statuses == [0, 200], statuses

        report = wait_for_tick(health_port)
        assert report["status"] == "ok" and report["database"] == "ok"
        assert report["version"] == health.version()
        assert 0 <= report["dispatcher_last_tick_seconds_ago"] < 5
    finally:
        status = bot.stop()
    output = bot.output()
    assert status == 0, output
    lines = [line for line in output.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert records
    for record in records:
        assert {"time", "level", "logger", "message"} <= record.keys(), record
        assert record["replica"] == "replica-a"
        assert record["time"].endswith("+00:00")
    assert any("Rapport started" in record["message"] for record in records)
    # The scheduler's per-second job runs are not logged at INFO.
    assert not any(record["logger"].startswith("apscheduler.executors") for record in records)


@pytest.mark.process
def test_polling_with_a_health_port(emulator: BotApiEmulator, tmp_path: Path) -> None:
    health_port = free_port()
    bot = start_bot(emulator, tmp_path, RAPPORT_HEALTH_PORT=str(health_port))
    try:
        # Polling starts by removing any webhook (a getUpdates is recorded only once answered).
        emulator.wait_for(lambda c: c.method == "deleteWebhook", timeout=30)
        wait_until_listening(health_port)
        report = wait_for_tick(health_port)
        assert report["status"] == "ok", report
        assert not emulator.calls("setWebhook")
    finally:
        status = bot.stop()
    output = bot.output()
    assert status == 0, output
    assert "Traceback" not in output, output


@pytest.mark.process
def test_port_in_use_is_one_clear_line(emulator: BotApiEmulator, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        bot = start_bot(emulator, tmp_path, RAPPORT_WEBHOOK_URL=PUBLIC_URL,
                        RAPPORT_WEBHOOK_SECRET=SECRET, RAPPORT_WEBHOOK_PORT=str(port),
                        RAPPORT_HEALTH_PORT="0")
        bot.process.wait(timeout=60)
        bot.stop()
    output = bot.output()
    assert bot.process.returncode == 1
    assert f"rapport: cannot start (webhook on 127.0.0.1:{port})" in output.splitlines()[-1]


class _Replica(BaseHTTPRequestHandler):
    """A stand-in bot replica answering webhook posts with the server's ``status``."""

    server: _ReplicaServer

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        secret = self.headers["X-Telegram-Bot-Api-Secret-Token"]
        self.server.seen.append((body["update_id"], secret))
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ReplicaServer(ThreadingHTTPServer):
    def __init__(self, status: int) -> None:
        super().__init__(("127.0.0.1", 0), _Replica)
        self.status = status
        self.seen: list[tuple[int, str]] = []
        self.url = f"http://127.0.0.1:{self.server_address[1]}/telegram"
        threading.Thread(target=self.serve_forever, daemon=True).start()


def test_emulator_balances_webhook_posts_and_retries_like_telegram(
    emulator: BotApiEmulator,
) -> None:
    first, second, broken = _ReplicaServer(200), _ReplicaServer(200), _ReplicaServer(503)
    try:
        emulator.set_webhook_targets([first.url, second.url], secret=SECRET)
        ids = [emulator.push_text(ADMIN, f"note {n}") for n in range(4)]
        assert [update for update, _ in first.seen] == ids[0::2]
        assert [update for update, _ in second.seen] == ids[1::2]
        assert {secret for _, secret in first.seen + second.seen} == {SECRET}

        emulator.set_webhook_targets([broken.url, first.url], secret=SECRET)
        update_id = emulator.push_webhook_update({"message": {"text": "x"}})
        tried = [(d.url, d.status) for d in emulator.deliveries() if d.update_id == update_id]
        assert tried == [(broken.url, 503), (first.url, 200)]

        emulator.set_webhook_targets([broken.url], secret=SECRET)
        with pytest.raises(TimeoutError):
            emulator.push_webhook_update({"message": {"text": "y"}}, timeout=0.5)
    finally:
        for server in (first, second, broken):
            server.shutdown()
            server.server_close()


# -- the health check in-process ---------------------------------------------------------------


class _Storage:
    def __init__(self, failure: BaseException | None = None, delay: float = 0.0) -> None:
        self.failure = failure
        self.delay = delay

    async def ping(self) -> None:
        await asyncio.sleep(self.delay)
        if self.failure is not None:
            raise self.failure


def bot_data(storage: _Storage | None, ticked_ago: float | None = 1.0) -> BotData:
    data = BotData()
    if storage is not None:
        data.services = Services(settings=None, storage=storage, clock=data.clock)  # type: ignore[arg-type]
    if ticked_ago is not None:
        data.dispatch_ticked_at = time.monotonic() - ticked_ago
    return data


async def test_health_is_ok_before_the_first_tick() -> None:
    status, report = await health.check(bot_data(_Storage(), ticked_ago=None), time.monotonic())
    assert status == 200
    assert report == {"status": "ok", "database": "ok", "dispatcher_last_tick_seconds_ago": None,
                      "version": health.version()}


async def test_health_fails_when_the_database_fails() -> None:
    status, report = await health.check(bot_data(_Storage(ConnectionError("refused"))),
                                        time.monotonic())
    assert status == 503
    assert report["status"] == "failing" and report["failing"] == ["database"]
    assert report["database"] == "ConnectionError: refused"


async def test_health_fails_when_the_database_hangs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(health, "DATABASE_TIMEOUT", 0.2)
    started = time.monotonic()
    status, report = await health.check(bot_data(_Storage(delay=5)), started)
    assert time.monotonic() - started < 2
    assert status == 503 and report["database"] == "no answer within 0.2 s"


async def test_health_fails_when_the_dispatcher_stopped_ticking() -> None:
    status, report = await health.check(bot_data(_Storage(), ticked_ago=31), time.monotonic())
    assert status == 503 and report["failing"] == ["dispatcher"]
    assert report["dispatcher_last_tick_seconds_ago"] == pytest.approx(31, abs=1)
    never_ticked = bot_data(_Storage(), ticked_ago=None)
    status, report = await health.check(never_ticked, time.monotonic() - 31)
    assert status == 503 and report["failing"] == ["dispatcher"]


async def test_health_server_answers_503_with_the_failing_part() -> None:
    port = free_port()
    server = health.HealthServer(bot_data(_Storage(OSError("disk I/O error"))), "127.0.0.1", port)
    await server.start()
    try:
        status, report = await asyncio.to_thread(get_json, f"http://127.0.0.1:{port}/health")
        missing = await asyncio.to_thread(http_status, f"http://127.0.0.1:{port}/telegram")
    finally:
        await server.stop()
    assert status == 503
    assert report["failing"] == ["database"] and report["database"] == "OSError: disk I/O error"
    assert missing == 404


async def test_ping_answers_on_each_engine(database: str | Path) -> None:
    storage = await open_storage(database)
    try:
        await storage.ping()
        data = BotData()
        data.services = Services(settings=None, storage=storage, clock=data.clock)  # type: ignore[arg-type]
        status, report = await health.check(data, time.monotonic())
    finally:
        await storage.close()
    assert status == 200 and report["database"] == "ok"
    with pytest.raises(Exception):  # noqa: B017 - whatever the engine raises once closed
        await storage.ping()


async def test_health_without_open_storage() -> None:
    status, report = await health.check(bot_data(None), time.monotonic())
    assert status == 503 and report["database"] == "not open"


# -- JSON log lines ----------------------------------------------------------------------------


def test_json_log_line_carries_level_message_replica_extras_and_the_traceback() -> None:
    message = Message(7, date=datetime.now(UTC), chat=Chat(-100123, "group"),
                      from_user=User(42, "Lan", False), text="hi")
    update = Update(9001, message=message)
    record = logging.LogRecord("handlers.errors", logging.ERROR, __file__, 1,
                               "error while handling %s", ("an update",), None)
    try:
        raise ValueError("bad value")
    except ValueError as error:
        record.exc_info = (type(error), error, error.__traceback__)
    for key, value in update_fields(update).items():
        setattr(record, key, value)
    line = json_formatter("host:123").format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data["level"] == "ERROR" and data["logger"] == "handlers.errors"
    assert data["message"] == "error while handling an update"
    assert data["replica"] == "host:123"
    assert (data["update_id"], data["chat_id"], data["user_id"]) == (9001, -100123, 42)
    assert "ValueError: bad value" in data["exception"]
    assert data["time"].endswith("+00:00")
    assert update_fields(object()) == {}
