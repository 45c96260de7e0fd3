"""Settings read from the environment (or a .env file) and checked once at start-up."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import load_dotenv

LANGUAGES = ("vi", "zh_Hans", "zh_Hant", "en")
DEFAULT_API_URL = "https://api.telegram.org"


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
    # postgresql://… selects PostgreSQL; empty keeps the embedded SQLite file at db_path.
    database_url: str = ""

    @property
    def database(self) -> str | Path:
        """Where the data lives: a PostgreSQL URL, or the SQLite file."""
        return self.database_url or self.db_path

    @property
    def database_label(self) -> str:
        """The database for logs, without a password."""
        if not self.database_url:
            return str(self.db_path)
        return re.sub(r"//([^:/@]+):[^@/]*@", r"//\1:***@", self.database_url)

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
    language = env.get("RAPPORT_DEFAULT_LANGUAGE", "vi").strip()
    if language not in LANGUAGES:
        raise ConfigError(
            f"RAPPORT_DEFAULT_LANGUAGE must be one of {', '.join(LANGUAGES)}, got {language!r}"
        )
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
    level = env.get("RAPPORT_LOG_LEVEL", "INFO").strip().upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError(f"RAPPORT_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {level!r}")
    database_url = env.get("DATABASE_URL", "").strip()
    if database_url and not database_url.startswith(("postgresql://", "postgres://")):
        raise ConfigError(
            "DATABASE_URL must start with postgresql:// (leave it empty for the SQLite file "
            f"in RAPPORT_DB), got {database_url.split('://')[0]!r}"
        )
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
        churn_drop_percent=_percent(
            "RAPPORT_CHURN_DROP_PERCENT", env.get("RAPPORT_CHURN_DROP_PERCENT", "30")
        ),
    )
