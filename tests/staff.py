"""Texts and steps the staff-facing suites share: the English source of common answers,
registering the first administrator, an invite link's code, the command menu's entries."""

from __future__ import annotations

from playground.fake_api import ApiCall
from playground.fake_updates import Person
from tests.harness import Harness, tr

# -- the texts, in English as written in the code ----------------------------------------------


EXPIRED = "This button has expired. Please start again."
REFUSAL = (
    "Sorry, this assistant is only for registered bank staff. If you work with us, "
    "ask your team lead or administrator for an invite link."
)
APOLOGY = (
    "Sorry, something went wrong on my side and I could not finish that. Please try "
    "again in a moment; if it keeps happening, tell your administrator."
)
ONLY_ADMIN = "Only an administrator can do this."
USE_PRIVATE = (
    "Please use this command in a private chat with me: I never show customer data "
    "in groups."
)
HELP_TITLE = "<b>What I can do for you</b>"
SETTINGS_TITLE = "<b>Your settings</b>"
GROUP_ID = -100123


def commands_in(call: ApiCall) -> list[tuple[str, str]]:
    return [(c["command"], c["description"]) for c in call.params["commands"]]


def scope_chat(call: ApiCall) -> int | None:
    scope = call.params.get("scope") or {}
    return int(scope["chat_id"]) if "chat_id" in scope else None


def visible_translation(language: str, text: str) -> None:
    """Guard against a test that passes only because a catalog fell back to English."""
    if language != "en":
        assert tr(language, text) != text, f"{text!r} is not translated into {language}"


async def as_admin(bot: Harness, admin: Person) -> None:
    """The first message registers the bootstrap administrator."""
    await bot.send(admin, "/help")
    bot.api.clear()


async def invite_link_code(bot: Harness, admin: Person, role_label: str,
                           team_label: str | None = None) -> str:
    await bot.send(admin, "/invite")
    await bot.press(admin, role_label)
    if team_label is not None:
        await bot.press(admin, team_label)
    text = bot.last_for(admin).text
    assert "?start=" in text, text
    return text.split("?start=")[1].split()[0]
