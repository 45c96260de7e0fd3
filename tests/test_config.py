"""Settings: defaults, .env loading, a one-line error for each malformed value, bot.py's exit."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from core.config import DEFAULT_API_URL, ConfigError, Settings, load_settings
from testkit.process import run_bot

VARIABLES = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_URL",
    "RAPPORT_DB",
    "RAPPORT_ADMIN_IDS",
    "RAPPORT_DEFAULT_LANGUAGE",
    "RAPPORT_DEFAULT_TIMEZONE",
    "RAPPORT_DEFAULT_REGION",
    "RAPPORT_INVITE_TTL_HOURS",
    "RAPPORT_GROUP_RETENTION_DAYS",
    "RAPPORT_LOG_LEVEL",
    "RAPPORT_CHURN_DROP_PERCENT",
    "DATABASE_URL",
    "RAPPORT_WEBHOOK_URL",
    "RAPPORT_WEBHOOK_LISTEN",
    "RAPPORT_WEBHOOK_PORT",
    "RAPPORT_WEBHOOK_SECRET",
    "RAPPORT_HEALTH_PORT",
    "RAPPORT_LOG_FORMAT",
    "RAPPORT_REPLICA_NAME",
)
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A clean slate for every Rapport variable, restored afterwards.

    Each variable is set before it is deleted, so monkeypatch also removes on tear-down
    whatever a .env file loaded during the test put into os.environ.
    """
    for name in VARIABLES:
        monkeypatch.setenv(name, "placeholder")
        monkeypatch.delenv(name)
    return monkeypatch


def test_defaults(env: pytest.MonkeyPatch) -> None:
    env.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    settings = load_settings(env_file=None)
    assert settings == Settings(
        token=TOKEN,
        api_url=DEFAULT_API_URL,
        db_path=Path("data/rapport.db"),
        admin_ids=frozenset(),
        default_language="vi",
        default_timezone="Asia/Ho_Chi_Minh",
        default_region="VN",
        invite_ttl_hours=72,
        log_level="INFO",
    )
    assert settings.base_url == "https://api.telegram.org/bot"
    assert settings.base_file_url == "https://api.telegram.org/file/bot"


def test_churn_drop_percent(env: pytest.MonkeyPatch) -> None:
    env.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    assert load_settings(env_file=None).churn_drop_percent == 30
    env.setenv("RAPPORT_CHURN_DROP_PERCENT", " 25 ")
    assert load_settings(env_file=None).churn_drop_percent == 25


def test_no_token_needed_for_the_shell(env: pytest.MonkeyPatch) -> None:
    settings = load_settings(require_token=False, env_file=None)
    assert settings.token == ""


def test_every_setting_is_read(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("TELEGRAM_BOT_TOKEN", f"  {TOKEN}  ")
    env.setenv("TELEGRAM_API_URL", "http://bot-api.bank.internal:8081/")
    env.setenv("RAPPORT_DB", str(tmp_path / "x.db"))
    env.setenv("RAPPORT_ADMIN_IDS", " 111, 222;333 ,")
    env.setenv("RAPPORT_DEFAULT_LANGUAGE", "zh_Hant")
    env.setenv("RAPPORT_DEFAULT_TIMEZONE", "Asia/Taipei")
    env.setenv("RAPPORT_DEFAULT_REGION", "tw")
    env.setenv("RAPPORT_INVITE_TTL_HOURS", "24")
    env.setenv("RAPPORT_LOG_LEVEL", "debug")
    settings = load_settings(env_file=None)
    assert settings.token == TOKEN
    assert settings.base_url == "http://bot-api.bank.internal:8081/bot"
    assert settings.base_file_url == "http://bot-api.bank.internal:8081/file/bot"
    assert settings.db_path == tmp_path / "x.db"
    assert settings.admin_ids == frozenset({111, 222, 333})
    # zh_Hant, as before Taiwan and Hong Kong had their own catalogs: the default region's.
    assert settings.default_language == "zh_Hant_TW"
    assert settings.default_timezone == "Asia/Taipei"
    assert settings.default_region == "TW"
    assert settings.invite_ttl_hours == 24
    assert settings.log_level == "DEBUG"


def test_dotenv_file_is_read_and_the_environment_wins(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        f"TELEGRAM_BOT_TOKEN={TOKEN}\n"
        "RAPPORT_ADMIN_IDS=42\n"
        "RAPPORT_DEFAULT_LANGUAGE=en\n"
        "# a comment\n"
        "RAPPORT_INVITE_TTL_HOURS=12\n",
        encoding="utf-8",
    )
    env.setenv("RAPPORT_DEFAULT_LANGUAGE", "zh_Hans")
    settings = load_settings(env_file=str(dotenv))
    assert settings.token == TOKEN
    assert settings.admin_ids == frozenset({42})
    assert settings.invite_ttl_hours == 12
    assert settings.default_language == "zh_Hans"  # the environment wins over .env


def test_dotenv_in_the_working_directory_is_the_default(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\n", encoding="utf-8")
    env.chdir(tmp_path)
    assert load_settings().token == TOKEN


def test_missing_dotenv_file_is_fine(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    assert load_settings(env_file=str(tmp_path / "nope.env")).token == TOKEN


def test_missing_token(env: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(env_file=None)
    message = str(error.value)
    assert message.startswith("TELEGRAM_BOT_TOKEN")
    assert "\n" not in message
    assert "python bot.py shell" in message


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TELEGRAM_API_URL", "api.telegram.org"),
        ("TELEGRAM_API_URL", "ftp://api.telegram.org"),
        ("RAPPORT_DEFAULT_LANGUAGE", "fr"),
        ("RAPPORT_DEFAULT_LANGUAGE", "zh"),
        ("RAPPORT_DEFAULT_LANGUAGE", "zh_Hant_MO"),
        ("RAPPORT_DEFAULT_TIMEZONE", "Mars/Base"),
        ("RAPPORT_DEFAULT_TIMEZONE", "../etc/passwd"),
        ("RAPPORT_DEFAULT_TIMEZONE", "Asia"),  # a folder of zones, not a zone
        ("RAPPORT_DEFAULT_TIMEZONE", "Asia/" + "x" * 300),
        ("RAPPORT_DEFAULT_REGION", "VNM"),
        ("RAPPORT_DEFAULT_REGION", "V1"),
        ("RAPPORT_ADMIN_IDS", "abc"),
        ("RAPPORT_ADMIN_IDS", "111,bob"),
        ("RAPPORT_INVITE_TTL_HOURS", "0"),
        ("RAPPORT_INVITE_TTL_HOURS", "-5"),
        ("RAPPORT_INVITE_TTL_HOURS", "1.5"),
        ("RAPPORT_INVITE_TTL_HOURS", "forever"),
        ("RAPPORT_INVITE_TTL_HOURS", "²"),  # a digit to str.isdigit, not to int()
        ("RAPPORT_GROUP_RETENTION_DAYS", "0"),
        ("RAPPORT_GROUP_RETENTION_DAYS", "forever"),
        ("RAPPORT_LOG_LEVEL", "LOUD"),
        ("RAPPORT_CHURN_DROP_PERCENT", "0"),
        ("RAPPORT_CHURN_DROP_PERCENT", "100"),
        ("RAPPORT_CHURN_DROP_PERCENT", "30%"),
        ("RAPPORT_CHURN_DROP_PERCENT", "-30"),
        ("RAPPORT_CHURN_DROP_PERCENT", "a third"),
        ("TELEGRAM_BOT_TOKEN", "no-colon-here"),
        ("TELEGRAM_BOT_TOKEN", "abc:def"),
    ],
)
def test_malformed_setting_names_the_variable_in_one_line(
    env: pytest.MonkeyPatch, name: str, value: str
) -> None:
    env.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    env.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        load_settings(env_file=None)
    message = str(error.value)
    assert message.startswith(name), message
    assert "\n" not in message
    if name != "TELEGRAM_BOT_TOKEN":
        assert value in message  # the operator sees what was wrong
    else:
        assert value not in message  # a token, even a wrong one, is not echoed


def test_malformed_dotenv_value_is_reported_too(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nRAPPORT_LOG_LEVEL=LOUD\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^RAPPORT_LOG_LEVEL"):
        load_settings(env_file=str(dotenv))


# -- python bot.py ---------------------------------------------------------------------------


def _clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR", "VIRTUAL_ENV")
    child = {key: os.environ[key] for key in keep if key in os.environ}
    child["RAPPORT_DB"] = str(tmp_path / "never-created.db")
    child["PYTHONDONTWRITEBYTECODE"] = "1"
    child.update(extra)
    return child


def _run_bot(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    # cwd is an empty temporary folder, so no .env from the developer's checkout is read.
    assert not (tmp_path / ".env").exists()
    return run_bot(cwd=tmp_path, env=_clean_env(tmp_path, **extra))


def _assert_one_line_exit(result: subprocess.CompletedProcess[str], prefix: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(prefix), lines[0]
    assert result.stdout == ""


@pytest.mark.process
def test_bot_without_token_exits_with_one_line(tmp_path: Path) -> None:
    result = _run_bot(tmp_path)
    _assert_one_line_exit(result, "rapport: TELEGRAM_BOT_TOKEN")
    assert not (tmp_path / "never-created.db").exists()


@pytest.mark.process
def test_bot_with_malformed_timezone_exits_with_one_line(tmp_path: Path) -> None:
    result = _run_bot(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, RAPPORT_DEFAULT_TIMEZONE="Mars/Base")
    _assert_one_line_exit(result, "rapport: RAPPORT_DEFAULT_TIMEZONE")
    assert "Mars/Base" in result.stderr
    assert TOKEN not in result.stderr
    assert not (tmp_path / "never-created.db").exists()


@pytest.mark.process
def test_bot_reads_dotenv_from_its_working_directory(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        f"TELEGRAM_BOT_TOKEN={TOKEN}\nRAPPORT_LOG_LEVEL=LOUD\n", encoding="utf-8"
    )
    result = run_bot(cwd=tmp_path, env=_clean_env(tmp_path))
    _assert_one_line_exit(result, "rapport: RAPPORT_LOG_LEVEL")


# -- operations: webhook, health endpoint, logs ----------------------------------------------

WEBHOOK_SECRET = "Xq9_-" * 10


def test_operations_defaults_are_polling_without_health(env: pytest.MonkeyPatch) -> None:
    env.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    settings = load_settings(env_file=None)
    assert (settings.webhook_url, settings.webhook_secret) == ("", "")
    assert (settings.webhook_listen, settings.webhook_port) == ("127.0.0.1", 8080)
    assert settings.health_port == 0
    assert settings.log_format == "text"
    assert settings.replica_name == ""
    assert settings.replica == f"{socket.gethostname()}:{os.getpid()}"


def test_webhook_settings_are_read(env: pytest.MonkeyPatch) -> None:
    env.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    env.setenv("RAPPORT_WEBHOOK_URL", " https://bot.bank.vn/telegram/x1 ")
    env.setenv("RAPPORT_WEBHOOK_SECRET", WEBHOOK_SECRET)
    env.setenv("RAPPORT_WEBHOOK_LISTEN", "0.0.0.0")
    env.setenv("RAPPORT_WEBHOOK_PORT", "8090")
    env.setenv("RAPPORT_LOG_FORMAT", "JSON")
    env.setenv("RAPPORT_REPLICA_NAME", "hn-dc1-a")
    settings = load_settings(env_file=None)
    assert settings.webhook_url == "https://bot.bank.vn/telegram/x1"
    assert settings.webhook_path == "telegram/x1"
    assert settings.webhook_secret == WEBHOOK_SECRET
    assert (settings.webhook_listen, settings.webhook_port) == ("0.0.0.0", 8090)
    assert settings.health_port == 8091  # next to the webhook port unless set
    assert settings.log_format == "json"
    assert settings.replica == "hn-dc1-a"


def test_health_port_default_and_override(env: pytest.MonkeyPatch) -> None:
    env.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    env.setenv("RAPPORT_WEBHOOK_URL", "https://bot.bank.vn/telegram")
    env.setenv("RAPPORT_WEBHOOK_SECRET", "abc")
    assert load_settings(env_file=None).health_port == 8081
    env.setenv("RAPPORT_HEALTH_PORT", "0")
    assert load_settings(env_file=None).health_port == 0
    env.delenv("RAPPORT_WEBHOOK_URL")
    env.setenv("RAPPORT_HEALTH_PORT", "9100")  # polling with a health endpoint
    assert load_settings(env_file=None).health_port == 9100
    assert load_settings(env_file=None).webhook_path == ""


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RAPPORT_WEBHOOK_URL", "http://bot.bank.vn/telegram"),
        ("RAPPORT_WEBHOOK_URL", "bot.bank.vn/telegram"),
        ("RAPPORT_WEBHOOK_URL", "https:///telegram"),
        ("RAPPORT_WEBHOOK_URL", "https://bot.bank.vn/telegram?x=1"),
        ("RAPPORT_WEBHOOK_LISTEN", "127.0.0.1 8080"),
        ("RAPPORT_WEBHOOK_LISTEN", "http://0.0.0.0"),
        ("RAPPORT_WEBHOOK_PORT", "0"),
        ("RAPPORT_WEBHOOK_PORT", "65536"),
        ("RAPPORT_WEBHOOK_PORT", "http"),
        ("RAPPORT_HEALTH_PORT", "-1"),
        ("RAPPORT_HEALTH_PORT", "99999"),
        ("RAPPORT_HEALTH_PORT", "8080"),  # the webhook's port
        ("RAPPORT_LOG_FORMAT", "xml"),
        ("RAPPORT_REPLICA_NAME", "x" * 65),
        ("RAPPORT_REPLICA_NAME", "a\tb"),
    ],
)
def test_malformed_operations_setting_is_one_line(
    env: pytest.MonkeyPatch, name: str, value: str
) -> None:
    env.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    env.setenv("RAPPORT_WEBHOOK_URL", "https://bot.bank.vn/telegram")
    env.setenv("RAPPORT_WEBHOOK_SECRET", "abc")
    env.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        load_settings(env_file=None)
    message = str(error.value)
    assert message.startswith(name), message
    assert "\n" not in message
    assert value.strip() in message or name == "RAPPORT_REPLICA_NAME"


@pytest.mark.parametrize("secret", ["", "has space", "ünïcode", "x" * 257, "a.b", "a/b"])
def test_webhook_secret_is_required_and_checked_but_never_echoed(
    env: pytest.MonkeyPatch, secret: str
) -> None:
    env.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    env.setenv("RAPPORT_WEBHOOK_URL", "https://bot.bank.vn/telegram")
    env.setenv("RAPPORT_WEBHOOK_SECRET", secret)
    with pytest.raises(ConfigError) as error:
        load_settings(env_file=None)
    message = str(error.value)
    assert message.startswith("RAPPORT_WEBHOOK_SECRET"), message
    assert "\n" not in message
    assert not secret.strip() or secret not in message


def test_webhook_secret_of_256_characters_is_fine(env: pytest.MonkeyPatch) -> None:
    env.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    env.setenv("RAPPORT_WEBHOOK_URL", "https://bot.bank.vn/telegram")
    env.setenv("RAPPORT_WEBHOOK_SECRET", "a" * 256)
    assert load_settings(env_file=None).webhook_secret == "a" * 256


@pytest.mark.process
def test_bot_with_webhook_but_no_secret_exits_with_one_line(tmp_path: Path) -> None:
    result = _run_bot(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN,
                      RAPPORT_WEBHOOK_URL="https://bot.bank.vn/telegram")
    _assert_one_line_exit(result, "rapport: RAPPORT_WEBHOOK_SECRET is required")
    assert not (tmp_path / "never-created.db").exists()


@pytest.mark.parametrize(("language", "region", "expected"), [
    ("zh_Hant", "HK", "zh_Hant_HK"), ("zh_Hant", "MO", "zh_Hant_HK"),
    ("zh_Hant", "VN", "zh_Hant_TW"), ("zh_Hant_HK", "TW", "zh_Hant_HK"), ("vi", "HK", "vi")])
def test_traditional_chinese_follows_the_default_region(
        env: pytest.MonkeyPatch, language: str, region: str, expected: str) -> None:
    env.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    env.setenv("RAPPORT_DEFAULT_LANGUAGE", language)
    env.setenv("RAPPORT_DEFAULT_REGION", region)
    assert load_settings(env_file=None).default_language == expected
