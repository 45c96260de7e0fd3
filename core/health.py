"""GET /health on an internal port: does the database answer, does the scheduler tick?

A load balancer or a monitor polls it; 503 names the failing part so whoever is on call
knows where to look. It is served by tornado, which PTB's webhook server runs on already.
"""

from __future__ import annotations

import asyncio
import json
import time
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import tornado.httpserver
import tornado.web

from core.context import BotData

DATABASE_TIMEOUT = 2.0
# The dispatch job runs every second: half a minute without one means the scheduler is stuck.
TICK_STALE_AFTER = 30.0
PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


@cache
def version() -> str:
    """The version in pyproject.toml, the one place it is kept."""
    with PYPROJECT.open("rb") as file:
        return str(tomllib.load(file)["project"]["version"])


async def _database_state(data: BotData) -> str:
    services = data.services
    if services is None:
        return "not open"
    try:
        await asyncio.wait_for(services.storage.ping(), DATABASE_TIMEOUT)
    except TimeoutError:
        return f"no answer within {DATABASE_TIMEOUT:g} s"
    except Exception as error:
        return f"{type(error).__name__}: {error}"[:200]
    return "ok"


async def check(data: BotData, started: float) -> tuple[int, dict[str, Any]]:
    """The HTTP status and the report; ``started`` (monotonic) stands in for a first tick."""
    now = time.monotonic()
    database = await _database_state(data)
    ticked = data.dispatch_ticked_at
    ago = None if ticked is None else round(now - ticked, 1)
    stale = now - (ticked if ticked is not None else started) > TICK_STALE_AFTER
    report: dict[str, Any] = {
        "status": "ok",
        "database": database,
        "dispatcher_last_tick_seconds_ago": ago,
        "version": version(),
    }
    failing = [part for part, bad in (("database", database != "ok"), ("dispatcher", stale))
               if bad]
    if failing:
        report.update(status="failing", failing=failing)
        return 503, report
    return 200, report


class _HealthHandler(tornado.web.RequestHandler):
    def initialize(self, data: BotData, started: float) -> None:
        self.data = data
        self.started = started

    async def get(self) -> None:
        status, report = await check(self.data, self.started)
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(report))


class HealthServer:
    """Serves /health for one application's BotData until stopped."""

    def __init__(self, data: BotData, listen: str, port: int) -> None:
        self.data = data
        self.listen = listen
        self.port = port
        self._server: tornado.httpserver.HTTPServer | None = None

    async def start(self) -> None:
        """Listen now (raise OSError if the port is taken)."""
        routes = [(r"/health", _HealthHandler, {"data": self.data, "started": time.monotonic()})]
        # Probes come every few seconds: an access log line for each would drown the rest.
        app = tornado.web.Application(routes, log_function=lambda handler: None)
        server = tornado.httpserver.HTTPServer(app)
        server.listen(self.port, address=self.listen)
        self._server = server

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.stop()
            await server.close_all_connections()
