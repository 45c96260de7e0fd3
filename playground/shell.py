"""`python bot.py shell`: the whole bot in a terminal, on the fake Bot API.

You type as a Telegram user; the bot's real handlers, database and scheduler answer.
Buttons are numbered: type the number to press one. Lines starting with ':' are shell
commands (:help lists them).
"""

from __future__ import annotations

import asyncio
import html
import os
import re
import shlex
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from telegram.request import BaseRequest

from core.config import Settings
from core.context import RapportApp
from playground.fake_api import ApiCall, FakeBotApi
from playground.fake_updates import Person, UpdateFactory

# Makes the application on a given Bot API transport (bot.py's, so the shell runs the real bot).
Build = Callable[[Settings, BaseRequest], RapportApp]

SHELL_ADMIN_ID = 1
SHELL_DB = Path("data/shell.db")
HELP = """Shell commands:
  <text> or /command   send it to the bot as the current user
  <number>             press button <number> (1-99) of the last message with buttons
  :as ID [NAME] [LANG] become another Telegram user (LANG: vi, zh-hans, zh-hant, en)
  :lang LANG           change the current user's Telegram language
  :reply TEXT          reply to the bot's last message
  :contact PHONE NAME  share a phone contact with the bot
  :who                 who you are now
  :help                this text
  :quit                leave (Ctrl-D works too)
You start as user 1, an administrator: try /invite, then :as 2 Lan vi and paste the link."""


class Terminal:
    """Prints what the bot sends and remembers the buttons so they can be pressed by number."""

    def __init__(self, color: bool) -> None:
        self.color = color
        self.buttons: list[tuple[str, ApiCall]] = []
        self.last_message: dict[str, Any] | None = None
        self.current_chat = SHELL_ADMIN_ID

    def render(self, text: str) -> str:
        if self.color:
            text = re.sub(r"<b>(.*?)</b>", "\033[1m\\1\033[0m", text, flags=re.S)
            text = re.sub(r"<i>(.*?)</i>", "\033[3m\\1\033[0m", text, flags=re.S)
        text = re.sub(r"<[^<>]+>", "", text)
        return html.unescape(text)

    def show(self, call: ApiCall) -> None:
        if call.method not in ("sendMessage", "editMessageText", "sendPhoto", "sendDocument",
                               "answerCallbackQuery", "editMessageReplyMarkup"):
            return
        if call.method == "answerCallbackQuery":
            if call.params.get("text"):
                print(f"  ⚑ {call.params['text']}")
            return
        where = "" if call.chat_id == self.current_chat else f"[to chat {call.chat_id}] "
        label = "✎ " if call.method.startswith("edit") else ""
        if call.method == "sendDocument":
            print(f"🤖 {where}📎 {call.params.get('document', 'file')}")
        body = self.render(call.text)
        if body:
            print(f"🤖 {where}{label}" + body.replace("\n", "\n   "))
        if isinstance(call.result, dict) and call.chat_id == self.current_chat:
            self.last_message = call.result
        if call.buttons and call.chat_id == self.current_chat:
            self.buttons = [(data, call) for _label, data in call.buttons]
            for number, (text, _data) in enumerate(call.buttons, start=1):
                print(f"   [{number}] {text}")
        elif call.method.startswith("edit") and call.chat_id == self.current_chat:
            self.buttons = []


async def run_shell(settings: Settings, build: Build) -> int:
    """Run the bot `build` makes in this terminal until the user quits."""
    db_path = settings.db_path if os.environ.get("RAPPORT_DB") else SHELL_DB
    settings = replace(settings, token=settings.token or "1:shell", db_path=db_path,
                       admin_ids=settings.admin_ids | {SHELL_ADMIN_ID})
    api = FakeBotApi()
    terminal = Terminal(color=sys.stdout.isatty())
    application = build(settings, api)
    await application.initialize()
    # Not run_polling (the terminal feeds the updates), so the start-up and shut-down hooks
    # are called here.
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    api.on_call = terminal.show
    make = UpdateFactory(application.bot)
    await _continue_numbering(application, api, make)
    person = Person(SHELL_ADMIN_ID, "Admin", language_code=settings.default_language.replace(
        "_", "-").lower())
    print(f"Rapport playground — database {db_path}. Type :help for help.\n")
    try:
        while True:
            try:
                line = await asyncio.get_running_loop().run_in_executor(
                    None, input, f"{person.first_name} ({person.id})> ")
            except EOFError:
                break
            line = line.strip()
            if not line:
                continue
            if line in (":quit", ":q", ":exit"):
                break
            person = await _handle_line(line, person, terminal, make, application)
            await asyncio.sleep(0.05)  # let any task the update started print its answer
    finally:
        await application.stop()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
        await application.shutdown()
    return 0


async def _continue_numbering(application: RapportApp, api: FakeBotApi,
                              make: UpdateFactory) -> None:
    """On a database used before, number updates and messages on from where the last session
    left off: Telegram never repeats an update id, so the bot drops one it has handled."""
    services = application.bot_data.services
    if services is None:
        return
    make.continue_after(await services.storage.updates.highest())
    api.continue_after(await services.storage.customers.last_card_message())


async def _handle_line(line: str, person: Person, terminal: Terminal, make: UpdateFactory,
                       application: RapportApp) -> Person:
    if line.isdigit() and len(line) <= 2 and terminal.buttons:
        index = int(line) - 1
        if not 0 <= index < len(terminal.buttons):
            print(f"  (there are {len(terminal.buttons)} buttons)")
            return person
        data, call = terminal.buttons[index]
        if data.startswith("http"):
            print(f"  (a link: {data})")
            return person
        message = call.result if isinstance(call.result, dict) else None
        await application.process_update(make.callback(person, data, message=message))
        return person
    if not line.startswith(":"):
        # A pasted invite link becomes the /start command Telegram would send.
        link = re.search(r"t\.me/\w+\?start=(\S+)", line)
        text = f"/start {link.group(1)}" if link else line
        await application.process_update(make.message(person, text))
        return person
    words = shlex.split(line[1:]) if line.count('"') % 2 == 0 else line[1:].split()
    command, args = (words[0], words[1:]) if words else ("help", [])
    if command == "as" and args and args[0].isdigit():
        language = args[2] if len(args) > 2 else person.language_code
        person = Person(int(args[0]), args[1] if len(args) > 1 else f"User{args[0]}",
                        language_code=language)
        terminal.current_chat, terminal.buttons = person.id, []
        print(f"  You are now {person.first_name} ({person.id}), Telegram language {language}.")
    elif command == "lang" and args:
        person = replace(person, language_code=args[0])
        print(f"  Telegram language is now {args[0]}.")
    elif command == "reply" and args and terminal.last_message is not None:
        await application.process_update(
            make.message(person, " ".join(args), reply_to=terminal.last_message))
    elif command == "contact" and len(args) >= 2:
        await application.process_update(make.contact(person, args[0], " ".join(args[1:])))
    elif command == "who":
        print(f"  {person.first_name} ({person.id}), Telegram language {person.language_code}.")
    else:
        print(HELP)
    return person
