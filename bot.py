"""Rapport, a Telegram assistant for bank relationship managers.

    python bot.py               run against Telegram (needs TELEGRAM_BOT_TOKEN); long polling,
                                or a webhook server when RAPPORT_WEBHOOK_URL is set
    python bot.py shell         try the whole bot in this terminal, no token or internet needed
    python bot.py backup [DEST] copy the database while the bot runs (SQLite) or run pg_dump

This module only wires things together: settings, storage, handlers and the scheduler.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import datetime
from pathlib import Path

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest

import handlers
import scheduler
from core import buttons
from core.budgets import Budget
from core.clock import Clock
from core.config import ConfigError, Settings, load_settings
from core.context import BotData, Ctx, RapportApp, Services
from core.health import HealthServer
from core.i18n import load_catalogs
from core.logs import configure_logging
from core.rate_limit import ChatRateLimiter
from core.update_queue import ChatOrder, HandledQueue, RapportApplication
from handlers.catalog import load_sample_if_empty
from storage import open_storage
from storage.backup import BackupError, backup_sqlite, default_destination, dump_postgres

log = logging.getLogger("rapport")


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    clock: Clock | None = None,
    rate_limit: bool = True,
    serve_health: bool = False,
) -> RapportApp:
    """The Application with every handler and periodic job (and GET /health if asked);
    services open in ``startup``."""
    queue = HandledQueue()
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .context_types(ContextTypes(context=Ctx, bot_data=BotData))
        .post_init(startup)
        .post_shutdown(shutdown)
        .update_queue(queue)
        # Chats at the same time, each chat's updates in order (core/update_queue.py).
        .concurrent_updates(ChatOrder(
            queue, user=Budget("user", settings.user_budget),
            group=Budget("group", settings.group_budget)))
        .application_class(RapportApplication)
    )
    if rate_limit:
        # Telegram's limits, kept per chat (core/rate_limit.py); 429s are retried 3 times.
        builder = builder.rate_limiter(ChatRateLimiter(max_retries=3))  # type: ignore[arg-type]
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application: RapportApp = builder.build()  # type: ignore[assignment]
    data = application.bot_data
    data.clock = clock or Clock()
    data.settings = settings
    handlers.register(application)
    data.background.append(scheduler.schedule_jobs(application))
    if serve_health:
        data.background.append(
            HealthServer(data, settings.webhook_listen, settings.health_port))
    return application


async def startup(application: RapportApp) -> None:
    """Open the database, load the catalogs and the button secret, hide the global menu."""
    data = application.bot_data
    settings = data.settings
    assert settings is not None
    storage = await open_storage(settings.database)
    buttons.configure(await storage.secrets.get_or_create("button_secret"))
    load_catalogs()
    # A fresh installation starts with its market's sample product catalog; admins replace it.
    await load_sample_if_empty(storage, data.clock.now(), settings.default_region)
    data.services = Services(settings=settings, storage=storage, clock=data.clock)
    for part in data.background:
        await part.start()
    # Commands are shown per chat to registered staff only; strangers see no menu.
    await application.bot.delete_my_commands()
    log.info("Rapport started as @%s, database %s", application.bot.username,
             settings.database_label)


async def shutdown(application: RapportApp) -> None:
    """Stop the scheduler's sending (handing this replica's share of the rate back), the
    health endpoint and the OCR worker, then close the database."""
    data = application.bot_data
    if data.services is not None:
        for part in reversed(data.background):
            await part.stop()
        await data.services.ocr.close()
        await data.services.storage.close()
        data.services = None


def _configure_logging(settings: Settings, mode: str) -> None:
    level = settings.log_level if mode == "run" else "WARNING"
    configure_logging(level, settings.log_format, settings.replica, settings.secrets)


def _run(settings: Settings) -> None:
    application = build_application(settings, serve_health=bool(settings.health_port))
    if not settings.webhook_url:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
        return
    # Every replica sets the same URL and secret: Telegram keeps one webhook, the load
    # balancer spreads the posts, and a replica that stops leaves the webhook in place.
    application.run_webhook(
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        url_path=settings.webhook_path,
        secret_token=settings.webhook_secret,
        webhook_url=settings.webhook_url,
        allowed_updates=Update.ALL_TYPES,
        drop_pending_updates=False,
    )


def _listening(settings: Settings) -> str:
    listen = settings.webhook_listen
    ports = [f"webhook on {listen}:{settings.webhook_port}"] if settings.webhook_url else []
    if settings.health_port:
        ports.append(f"health on {listen}:{settings.health_port}")
    return ", ".join(ports) or "polling"


def _shell_application(settings: Settings, request: BaseRequest) -> RapportApp:
    """The bot on the playground's fake Bot API (no rate limiter: nothing to protect)."""
    return build_application(settings, request=request, rate_limit=False)


def _backup(settings: Settings, destination: str | None) -> int:
    postgres = bool(settings.database_url)
    dest = (Path(destination) if destination
            else default_destination(datetime.now(), postgres=postgres))
    try:
        if postgres:
            size = dump_postgres(settings.database_url, dest)
        else:
            size = backup_sqlite(settings.db_path, dest)
    except BackupError as error:
        print(f"rapport: {error}", file=sys.stderr)
        return 1
    print(f"{dest} ({size:,} bytes)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bot.py", description="Rapport Telegram bot")
    parser.add_argument("mode", nargs="?", default="run", choices=["run", "shell", "backup"],
                        help="run: against Telegram (default); shell: try it in this terminal; "
                             "backup: copy the database")
    parser.add_argument("dest", nargs="?", help="backup only: where to write the copy "
                        "(default data/backups/rapport-<date>-<time>.db or .dump)")
    args = parser.parse_args(argv)
    if args.dest is not None and args.mode != "backup":
        parser.error("DEST is for the backup mode only")
    try:
        settings = load_settings(require_token=args.mode == "run")
    except ConfigError as error:
        print(f"rapport: {error}", file=sys.stderr)
        return 2
    _configure_logging(settings, args.mode)
    if args.mode == "shell":
        from playground.shell import run_shell

        return asyncio.run(run_shell(settings, _shell_application))
    if args.mode == "backup":
        return _backup(settings, args.dest)
    try:
        _run(settings)
    except OSError as error:  # a webhook or health port already taken, say
        print(f"rapport: cannot start ({_listening(settings)}): {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
