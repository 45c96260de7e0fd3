"""The commands each role sees, for Telegram's command menu and for /help."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from core.i18n import N_, _, active
from storage.staff import Staff

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Command:
    name: str
    summary: str          # short, for the menu (Telegram allows 256 characters)
    example: str = ""     # shown in /help, translated so it reads naturally in each language
    roles: tuple[str, ...] = ("rm", "lead", "admin")


# The order here is the order of the menu and of /help.
COMMANDS: list[Command] = [
    Command("add", N_("Add a prospect"), N_("/add Nguyễn Văn An 0901 234 567 vay mua nhà 2 tỷ")),
    Command("card", N_("A photo of a business card or shop sign becomes a prospect (send the "
                       "photo with no caption)")),
    Command("find", N_("Find a customer by name, phone, company or tag"),
            N_("/find nguyen van an")),
    Command("note", N_("Add a note to a customer"), N_("/note Nguyễn Văn An đã gửi hồ sơ vay")),
    Command("remind", N_("Set a follow-up"),
            N_("/remind Nguyễn Văn An mai 9h gọi lại báo lãi suất")),
    Command("maturity", N_("Record a maturing deposit or loan"),
            N_("/maturity Nguyễn Văn An 15/12/2026 tiền gửi 12 tháng 500 triệu")),
    Command("products", N_("Our products and their pitches")),
    Command("pitch", N_("The pitch of one product"), N_("/pitch vay mua nhà")),
    Command("complaint", N_("Record a customer complaint; reminders until resolved"),
            N_("/complaint Nguyễn Văn An phí chuyển tiền bị trừ 2 lần")),
    Command("service", N_("Your service quality: complaints, CSAT, NPS (a lead: the team)")),
    Command("referrals", N_("Your best referrers and whom they brought")),
    Command("review", N_("Your week's activity against the minimums"), N_("/review last")),
    Command("team", N_("Your team's week, pipeline and overdue follow-ups"), N_("/team last"),
            roles=("lead", "admin")),
    Command("targets", N_("Weekly minimums per step"),
            N_("/targets prospects 12 contacts 10")),
    Command("reviewtime", N_("When the weekly review arrives"), N_("/reviewtime mon 08:00"),
            roles=("lead", "admin")),
    Command("reassign", N_("Hand customers over to another RM"), roles=("lead", "admin")),
    Command("teamgroup", N_("Make a group chat the team's group (send it in the group)"),
            roles=("lead", "admin")),
    Command("volumes", N_("Import weekly transaction volumes (Excel or CSV) for churn alerts")),
    Command("watch", N_("Clients on churn alert (your own; a lead sees the team's)")),
    Command("export", N_("Your customers and notes as an Excel file")),
    Command("import", N_("Add or update customers from an Excel or CSV file")),
    Command("post", N_("Post an offer to your merchant groups")),
    Command("groups", N_("Your linked merchant groups")),
    Command("today", N_("Today's agenda and what is overdue")),
    Command("week", N_("The next seven days")),
    Command("overdue", N_("Reminders not done yet")),
    Command("pipeline", N_("Your customers and deals per sales stage, with the forecast")),
    Command("probability", N_("Win probability per stage (a lead sets the team's)")),
    Command("mycard", N_("Your contact QR code: people who scan it leave you their phone")),
    Command("inbox", N_("Files and notes waiting for a customer")),
    Command("archived", N_("Archived customers")),
    Command("help", N_("What I can do")),
    Command("settings", N_("Language, time zone and preferences")),
    Command("language", N_("Change the language")),
    Command("timezone", N_("Change the time zone"), N_("/timezone Asia/Ho_Chi_Minh")),
    Command("agenda", N_("When the daily agenda arrives"), N_("/agenda 07:30")),
    Command("quiet", N_("Quiet hours for care reminders"), N_("/quiet 21:00 07:30")),
    Command("invite", N_("Invite a colleague (admins)"), roles=("admin",)),
    Command("invites", N_("Open invite links (admins)"), roles=("admin",)),
    Command("staff", N_("Staff and their roles (admins)"), roles=("admin",)),
    Command("teams", N_("Teams (admins)"), roles=("admin",)),
    Command("newteam", N_("Create a team (admins)"), N_("/newteam Ben Thanh retail"),
            roles=("admin",)),
    Command("cancel", N_("Stop what you are doing")),
]


def commands_for(role: str) -> list[Command]:
    return [command for command in COMMANDS if role in command.roles]


def menu_for(role: str) -> list[BotCommand]:
    """The command menu for a role, in the current language."""
    return [BotCommand(command.name, _(command.summary)) for command in commands_for(role)]


async def publish_menu(bot: Bot, staff: Staff, language: str) -> None:
    """Show this person the commands of their role, in their language, in their chat with us.

    Strangers get no menu at all: commands are set per chat, never for everyone.
    """
    with active(language, staff.timezone):
        commands = menu_for(staff.role)
    try:
        await bot.set_my_commands(commands, scope=BotCommandScopeChat(staff.id))
    except TelegramError as error:
        # A menu that failed to update must not break the answer the user is waiting for.
        log.warning("could not set the command menu for %s: %s", staff.id, error)


async def remove_menu(bot: Bot, chat_id: int) -> None:
    """Take the command menu away from someone whose access was turned off."""
    try:
        await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id))
    except TelegramError as error:
        log.warning("could not remove the command menu for %s: %s", chat_id, error)
