"""Rapport, a Telegram assistant for bank relationship managers.

    python bot.py          run against Telegram (needs TELEGRAM_BOT_TOKEN)
    python bot.py shell    try the whole bot in this terminal, no token or internet needed

This module only wires things together: settings, storage, handlers and the scheduler.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest

import handlers
import scheduler
from core import buttons
from core.clock import Clock
from core.config import ConfigError, Settings, load_settings
from core.context import BotData, Ctx, RapportApp, Services
from core.i18n import load_catalogs
from handlers.catalog import load_sample_if_empty
from storage import open_storage

log = logging.getLogger("rapport")


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    clock: Clock | None = None,
    rate_limit: bool = True,
) -> RapportApp:
    """The Application with every handler and periodic job; services open in ``startup``."""
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
    )
    if rate_limit:
        # Telegram's limits (30/s overall, 20/min per group); 429s are retried up to 3 times.
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))  # type: ignore[arg-type]
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application: RapportApp = builder.build()  # type: ignore[assignment]
    application.bot_data.clock = clock or Clock()
    application.bot_data.settings = settings
    handlers.register(application)
    scheduler.schedule_jobs(application)
    return application


async def startup(application: RapportApp) -> None:
    """Open the database, load the catalogs and the button secret, hide the global menu."""
    data = application.bot_data
    settings = data.settings
    assert settings is not None
    storage = await open_storage(settings.database)
    buttons.configure(await storage.secrets.get_or_create("button_secret"))
    load_catalogs()
    # A fresh installation starts with the sample product catalog; admins replace it.
    await load_sample_if_empty(storage, data.clock.now())
    data.services = Services(settings=settings, storage=storage, clock=data.clock)
    # Commands are shown per chat to registered staff only; strangers see no menu.
    await application.bot.delete_my_commands()
    log.info("Rapport started as @%s, database %s", application.bot.username,
             settings.database_label)


async def shutdown(application: RapportApp) -> None:
    """Close the database."""
    services = application.bot_data.services
    if services is not None:
        await services.storage.close()
        application.bot_data.services = None


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # httpx logs every poll at INFO; that drowns what matters.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bot.py", description="Rapport Telegram bot")
    parser.add_argument("mode", nargs="?", default="run", choices=["run", "shell"],
                        help="run: against Telegram (default); shell: try it in this terminal")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(require_token=args.mode == "run")
    except ConfigError as error:
        print(f"rapport: {error}", file=sys.stderr)
        return 2
    _configure_logging(settings.log_level if args.mode == "run" else "WARNING")
    if args.mode == "shell":
        from core.shell import run_shell

        return asyncio.run(run_shell(settings))
    application = build_application(settings)
    application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
