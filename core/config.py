"""Settings read from the environment (or a .env file) and checked once at start-up."""

from __future__ import annotations

import os
import re
import socket
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import load_dotenv

from core.languages import LANGUAGES, regional
from core.logs import redact_url, url_secrets

DEFAULT_API_URL = "https://api.telegram.org"
LOG_FORMATS = ("text", "json")
# Telegram's rule for setWebhook's secret_token.
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_LISTEN_ADDRESS = re.compile(r"[A-Za-z0-9.:-]+")


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line for the operator."""


@dataclass(frozen=True)
class Settings:
    token: str
    api_url: str
    db_path: Path
    admin_ids: frozenset[int]
    default_language: str
    default_timezone: str
    default_region: str
    invite_ttl_hours: int
    log_level: str
    churn_drop_percent: int = 30
    # Days a group member's question, or interest never confirmed with a phone number, is kept.
    group_retention_days: int = 90
    # Updates a minute answered per user and per group (the rest: silence), and how long the
    # bot stays in a group no staff member linked.
    user_budget: int = 60
    group_budget: int = 30
    unlinked_group_minutes: int = 10
    # postgresql://… selects PostgreSQL; empty keeps the embedded SQLite file at db_path.
    database_url: str = ""
    # The public https URL Telegram posts updates to; empty means long polling.
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8080
    webhook_secret: str = ""
    health_port: int = 0  # 0: no health endpoint
    log_format: str = "text"
    replica_name: str = ""

    @property
    def database(self) -> str | Path:
        """Where the data lives: a PostgreSQL URL, or the SQLite file."""
        return self.database_url or self.db_path

    @property
    def database_label(self) -> str:
        """The database for logs, without a password."""
        if not self.database_url:
            return str(self.db_path)
        return redact_url(self.database_url)

    @property
    def secrets(self) -> list[str]:
        """What must never be written to a log: the token (and its secret half), the webhook
        secret, the database password as written in the URL and decoded."""
        return [self.token, self.token.partition(":")[2], self.webhook_secret,
                *url_secrets(self.database_url)]

    @property
    def webhook_path(self) -> str:
        """The path of the webhook URL, which the local webhook server answers on."""
        return urllib.parse.urlsplit(self.webhook_url).path.strip("/")

    @property
    def replica(self) -> str:
        """This process among several replicas: its configured name, or host:pid."""
        return self.replica_name or f"{socket.gethostname()}:{os.getpid()}"

    @property
    def base_url(self) -> str:
        return self.api_url.rstrip("/") + "/bot"

    @property
    def base_file_url(self) -> str:
        return self.api_url.rstrip("/") + "/file/bot"


def _int_list(name: str, raw: str) -> frozenset[int]:
    try:
        return frozenset(int(part) for part in raw.replace(";", ",").split(",") if part.strip())
    except ValueError:
        raise ConfigError(
            f"{name} must be a comma-separated list of Telegram user ids, got {raw!r}"
        ) from None


def _positive_int(name: str, raw: str) -> int:
    if not raw.strip().isdecimal() or int(raw) <= 0:
        raise ConfigError(f"{name} must be a positive whole number, got {raw!r}")
    return int(raw)


def _percent(name: str, raw: str) -> int:
    if not raw.strip().isdecimal() or not 1 <= int(raw) <= 99:
        raise ConfigError(f"{name} must be a whole number from 1 to 99, got {raw!r}")
    return int(raw)


def _port(name: str, raw: str, *, allow_zero: bool = False) -> int:
    text = raw.strip()
    lowest = 0 if allow_zero else 1
    if not text.isdecimal() or not lowest <= int(text) <= 65535:
        off = " (0 turns it off)" if allow_zero else ""
        raise ConfigError(f"{name} must be a port number from {lowest} to 65535{off}, got {raw!r}")
    return int(text)


def _webhook_url(raw: str) -> str:
    url = raw.strip()
    if not url:
        return ""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(
            "RAPPORT_WEBHOOK_URL must be the public https:// URL Telegram posts to, such as "
            f"https://bot.bank.vn/telegram (no query or fragment), got {url!r}"
        )
    return url


def _webhook_secret(raw: str, webhook_url: str) -> str:
    secret = raw.strip()
    if webhook_url and not secret:
        raise ConfigError(
            "RAPPORT_WEBHOOK_SECRET is required with RAPPORT_WEBHOOK_URL: 1-256 characters of "
            "A-Z, a-z, 0-9, _ and - (for instance: openssl rand -hex 32)"
        )
    if secret and not _WEBHOOK_SECRET.fullmatch(secret):
        # The value is a secret: say what is wrong with it, never what it is.
        raise ConfigError(
            "RAPPORT_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and - "
            f"(Telegram's rule); the one set has {len(secret)} characters and does not fit"
        )
    return secret


def _operations(env: Mapping[str, str]) -> dict[str, Any]:
    """The webhook, health and log settings (ops only: none changes what users see)."""
    webhook_url = _webhook_url(env.get("RAPPORT_WEBHOOK_URL", ""))
    listen = env.get("RAPPORT_WEBHOOK_LISTEN", "127.0.0.1").strip()
    if not _LISTEN_ADDRESS.fullmatch(listen):
        raise ConfigError(
            f"RAPPORT_WEBHOOK_LISTEN must be an IP address or host name, got {listen!r}"
        )
    webhook_port = _port("RAPPORT_WEBHOOK_PORT", env.get("RAPPORT_WEBHOOK_PORT", "8080"))
    # Next to the webhook port by default, so replicas on one host differ by one setting.
    default_health = str(webhook_port + 1) if webhook_url and webhook_port < 65535 else "0"
    health_port = _port("RAPPORT_HEALTH_PORT", env.get("RAPPORT_HEALTH_PORT", default_health),
                        allow_zero=True)
    if webhook_url and health_port == webhook_port:
        raise ConfigError(
            f"RAPPORT_HEALTH_PORT must differ from RAPPORT_WEBHOOK_PORT, both are {health_port}"
        )
    log_format = env.get("RAPPORT_LOG_FORMAT", "text").strip().lower()
    if log_format not in LOG_FORMATS:
        raise ConfigError(f"RAPPORT_LOG_FORMAT must be text or json, got {log_format!r}")
    replica_name = env.get("RAPPORT_REPLICA_NAME", "").strip()
    if len(replica_name) > 64 or not replica_name.isprintable():
        raise ConfigError(
            "RAPPORT_REPLICA_NAME must be at most 64 printable characters, "
            f"got {replica_name!r}"
        )
    return {
        "webhook_url": webhook_url,
        "webhook_listen": listen,
        "webhook_port": webhook_port,
        "webhook_secret": _webhook_secret(env.get("RAPPORT_WEBHOOK_SECRET", ""), webhook_url),
        "health_port": health_port,
        "log_format": log_format,
        "replica_name": replica_name,
    }


def load_settings(*, require_token: bool = True, env_file: str | None = ".env") -> Settings:
    """Read and validate every setting; raise ConfigError with one clear line."""
    if env_file and Path(env_file).is_file():
        load_dotenv(env_file, override=False)
    env = os.environ
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
    if require_token and not token:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is not set: put the token from @BotFather in the environment "
            "or in .env (or try the bot without one: python bot.py shell)"
        )
    if token and (":" not in token or not token.split(":", 1)[0].isdigit()):
        raise ConfigError("TELEGRAM_BOT_TOKEN does not look like a bot token (digits:secret)")
    api_url = env.get("TELEGRAM_API_URL", DEFAULT_API_URL).strip() or DEFAULT_API_URL
    if not api_url.startswith(("http://", "https://")):
        raise ConfigError(f"TELEGRAM_API_URL must start with http:// or https://, got {api_url!r}")
    timezone = env.get("RAPPORT_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh").strip()
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Asia" is a folder
        raise ConfigError(
            f"RAPPORT_DEFAULT_TIMEZONE is not a known time zone: {timezone!r} "
            "(use an IANA name such as Asia/Ho_Chi_Minh)"
        ) from None
    region = env.get("RAPPORT_DEFAULT_REGION", "VN").strip().upper()
    if len(region) != 2 or not region.isalpha():
        raise ConfigError(
            f"RAPPORT_DEFAULT_REGION must be a two-letter country code, got {region!r}"
        )
    raw_language = env.get("RAPPORT_DEFAULT_LANGUAGE", "vi").strip()
    # zh_Hant, as before Taiwan and Hong Kong had their own: the default region's.
    language = regional(raw_language, region)
    if language is None:
        raise ConfigError(
            f"RAPPORT_DEFAULT_LANGUAGE must be one of {', '.join(LANGUAGES)}, "
            f"got {raw_language!r}"
        )
    level = env.get("RAPPORT_LOG_LEVEL", "INFO").strip().upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError(f"RAPPORT_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {level!r}")
    database_url = env.get("DATABASE_URL", "").strip()
    if database_url and not database_url.startswith(("postgresql://", "postgres://")):
        raise ConfigError(
            "DATABASE_URL must start with postgresql:// (leave it empty for the SQLite file "
            f"in RAPPORT_DB), got {database_url.split('://')[0]!r}"
        )
    operations = _operations(env)
    return Settings(
        token=token,
        database_url=database_url,
        api_url=api_url,
        db_path=Path(env.get("RAPPORT_DB", "data/rapport.db").strip() or "data/rapport.db"),
        admin_ids=_int_list("RAPPORT_ADMIN_IDS", env.get("RAPPORT_ADMIN_IDS", "")),
        default_language=language,
        default_timezone=timezone,
        default_region=region,
        invite_ttl_hours=_positive_int(
            "RAPPORT_INVITE_TTL_HOURS", env.get("RAPPORT_INVITE_TTL_HOURS", "72")
        ),
        log_level=level,
        group_retention_days=_positive_int(
            "RAPPORT_GROUP_RETENTION_DAYS", env.get("RAPPORT_GROUP_RETENTION_DAYS", "90")
        ),
        churn_drop_percent=_percent(
            "RAPPORT_CHURN_DROP_PERCENT", env.get("RAPPORT_CHURN_DROP_PERCENT", "30")
        ),
        user_budget=_positive_int("RAPPORT_USER_BUDGET", env.get("RAPPORT_USER_BUDGET", "60")),
        group_budget=_positive_int("RAPPORT_GROUP_BUDGET",
                                   env.get("RAPPORT_GROUP_BUDGET", "30")),
        unlinked_group_minutes=_positive_int(
            "RAPPORT_UNLINKED_GROUP_MINUTES", env.get("RAPPORT_UNLINKED_GROUP_MINUTES", "10")),
        **operations,
    )
