"""Two real `python bot.py` replicas in webhook mode, one PostgreSQL database, one emulator.

The emulator plays Telegram and the load balancer: it posts updates to the two replicas in
turn, so every step of a conversation lands on the other process. What must hold: a flow
started on one replica continues on the other (chat state is in the database), an update
posted to both is answered once (de-duplication is shared), and every due reminder is sent
exactly once whichever replica claims it, within Telegram's limits.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from testkit.emulator import BotApiEmulator, Call, RateLimits, first_button, to_chat
from testkit.process import TOKEN, BotProcess, free_port, wait_until
from testkit.store import Store, accepted, id_counts
from tests.engines import ENGINES, pg_schema

pytestmark = [pytest.mark.process,
              pytest.mark.skipif("postgresql" not in ENGINES,
                                 reason="replicas share a PostgreSQL database")]

ADMIN, NEWCOMER = 100, 200
SECRET = "replica-test-secret"
PUBLIC_URL = "https://rapport.example/telegram"


@pytest.fixture
def schema() -> Iterator[str]:
    with pg_schema("replicas") as url:
        yield url


class Replicas:
    def __init__(self, emu: BotApiEmulator, url: str, folder: Path) -> None:
        self.emu = emu
        self.ports = [free_port(), free_port()]
        self.health = [free_port(), free_port()]
        self.processes = [
            BotProcess.start(
                emu, folder / "unused.db", folder / f"replica-{index}.log",
                DATABASE_URL=url, RAPPORT_ADMIN_IDS=str(ADMIN), RAPPORT_DEFAULT_LANGUAGE="en",
                RAPPORT_WEBHOOK_URL=PUBLIC_URL, RAPPORT_WEBHOOK_SECRET=SECRET,
                RAPPORT_WEBHOOK_PORT=str(port), RAPPORT_HEALTH_PORT=str(health),
                RAPPORT_REPLICA_NAME=f"replica-{index}")
            for index, (port, health) in enumerate(zip(self.ports, self.health, strict=True))]
        self.targets = [f"http://127.0.0.1:{port}/telegram" for port in self.ports]

    def wait_ready(self) -> None:
        def healthy(port: int) -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    return bool(json.load(r)["status"] == "ok")
            except OSError:
                return False

        assert wait_until(lambda: all(healthy(port) for port in self.health), 60), self.logs()
        self.emu.set_webhook_targets(self.targets, SECRET)

    def logs(self) -> str:
        return "\n".join(process.output()[-3000:] for process in self.processes)

    def stop(self) -> list[int]:
        return [process.stop() for process in self.processes]


def sent_to(emu: BotApiEmulator, chat_id: int, since: int = 0) -> list[Call]:
    return [call for call in emu.calls()[since:] if call.method == "sendMessage"
            and call.status == 200 and str(call.params.get("chat_id")) == str(chat_id)]


def test_two_replicas_share_flows_updates_and_reminders(schema: str, tmp_path: Path) -> None:
    with BotApiEmulator(token=TOKEN, limits=RateLimits()) as emu:
        replicas = Replicas(emu, schema, tmp_path)
        try:
            replicas.wait_ready()
            assert {c.params.get("url") for c in emu.calls("setWebhook")} == {PUBLIC_URL}

            # An invitation: the question comes from one replica, the answer goes to the other.
            emu.push_text(ADMIN, "/invite", first_name="Hung")
            question = emu.wait_for(to_chat(ADMIN, "Who is the invite for?"), timeout=20)
            emu.push_callback(ADMIN, first_button(question, "Relationship manager"),
                              emu.last_sent_message(ADMIN))
            link = emu.wait_for(to_chat(ADMIN, "?start="), timeout=20)
            code = str(link.params["text"]).split("?start=")[1].split()[0]
            emu.push_text(NEWCOMER, f"/start {code}", first_name="Lan")
            emu.wait_for(to_chat(NEWCOMER, "Lan"), timeout=20)

            # A guided add, one step per replica: each answer finds the step it answers.
            mark = emu.mark()
            emu.push_text(NEWCOMER, "/add", first_name="Lan")
            emu.wait_for(to_chat(NEWCOMER, "name"), since=mark, timeout=20)
            emu.push_text(NEWCOMER, "Phạm Minh Châu", first_name="Lan")
            emu.wait_for(to_chat(NEWCOMER, "phone"), since=mark, timeout=20)
            emu.push_text(NEWCOMER, "0901 234 567", first_name="Lan")
            emu.wait_for(to_chat(NEWCOMER, "need"), since=mark, timeout=20)
            mark = emu.mark()  # the question names whose file: the card comes after it
            emu.push_text(NEWCOMER, "wants a business loan", first_name="Lan")
            card = emu.wait_for(to_chat(NEWCOMER, "Phạm Minh Châu"), since=mark, timeout=20)
            assert "+84 90 123 45 67" in str(card.params["text"]) or "0901" in str(
                card.params["text"]), card.params["text"]
            deliveries = [d.url for d in emu.deliveries()]
            assert set(deliveries) == set(replicas.targets)  # both replicas took part

            # The same update posted to both replicas (a retry that raced): answered once.
            mark = emu.mark()
            body = {"update_id": 900_001, "message": {
                "message_id": 9001, "date": int(time.time()), "text": "/today",
                "chat": {"id": NEWCOMER, "type": "private", "first_name": "Lan"},
                "from": emu.user(NEWCOMER, first_name="Lan"),
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}
            statuses = [emu.deliver(body, url, SECRET) for url in replicas.targets]
            assert statuses == [200, 200]
            time.sleep(3)
            assert len(sent_to(emu, NEWCOMER, mark)) == 1

            # The same update posted to both at the same moment (a proxy retrying on a
            # timeout), ten times over: each is claimed by its id before it is handled, so a
            # search (which writes nothing) is answered once too.
            mark = emu.mark()
            with ThreadPoolExecutor(2) as pool:
                for number in range(10):
                    body = {"update_id": 900_100 + number, "message": {
                        "message_id": 9100 + number, "date": int(time.time()),
                        "text": "/find Phạm",
                        "chat": {"id": NEWCOMER, "type": "private", "first_name": "Lan"},
                        "from": emu.user(NEWCOMER, first_name="Lan"),
                        "entities": [{"type": "bot_command", "offset": 0, "length": 5}]}}
                    statuses = list(pool.map(lambda url, body=body: emu.deliver(
                        body, url, SECRET), replicas.targets))
                    assert statuses == [200, 200]
            time.sleep(2)
            answers = [call for call in sent_to(emu, NEWCOMER, mark)
                       if "Your day" not in str(call.params["text"])]  # not the agenda
            assert len(answers) == 10, [call.params["text"][:60] for call in answers]

            # 300 reminders for 30 RMs, all due now: each is sent once, by either replica.
            mark, limited = emu.mark(), emu.stats.rate_limited
            now = datetime.now(UTC)
            ids = Store(schema, tmp_path).seed(
                rms=30, due=[(rm, now) for rm in range(30) for _ in range(10)])
            assert wait_until(lambda: set(id_counts(accepted(emu, mark))) >= set(ids), 120), (
                replicas.logs())
            counts = id_counts(accepted(emu, mark))
            assert all(counts[i] == 1 for i in ids), {i: counts[i] for i in ids if counts[i] != 1}
            assert emu.stats.rate_limited - limited <= 3, emu.stats.as_dict()
        finally:
            codes = replicas.stop()
        output = replicas.logs()
        assert codes == [0, 0], output
        assert "Traceback" not in output, output
