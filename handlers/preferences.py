"""/language, /timezone and /settings; also the last two steps of registration."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import InlineKeyboardMarkup, Update

from core.actions import ChooseLanguage, ChooseTimezone, OpenSetting, SetTextMode
from core.buttons import keyboard
from core.context import Ctx
from core.i18n import (
    LANGUAGE_NAMES,
    LANGUAGES,
    N_,
    _,
    activate,
    active,
    current_language,
    format_territory,
    format_zone,
)
from core.messages import edit_or_reply, esc, reply
from domain.names import fold
from domain.phones import region_for_timezone
from handlers import business
from handlers.common import expired
from handlers.menu import publish_menu

# A chat state with this flow means the person registered and has not finished set-up.
ONBOARDING = "onboarding"

# The markets Rapport serves first; any other IANA zone can be typed after /timezone.
TIMEZONES: list[tuple[str, str]] = [
    ("Asia/Ho_Chi_Minh", N_("Vietnam")),
    ("Asia/Shanghai", N_("Mainland China")),
    ("Asia/Hong_Kong", N_("Hong Kong")),
    ("Asia/Taipei", N_("Taiwan")),
    ("Asia/Singapore", N_("Singapore")),
    ("Asia/Kuala_Lumpur", N_("Malaysia")),
]
ZONE_PLACES = dict(TIMEZONES)
# Phone regions named as the markets are (Babel names Hong Kong "SAR China").
REGION_NAMES = {"VN": N_("Vietnam"), "CN": N_("Mainland China"), "HK": N_("Hong Kong"),
                "TW": N_("Taiwan"), "SG": N_("Singapore"), "MY": N_("Malaysia")}
TEXT_MODES = {"search": N_("a search"), "note": N_("a note for a customer")}
ROLE_NAMES = {"rm": N_("Relationship manager"), "lead": N_("Team lead"), "admin": N_("Admin")}


def language_keyboard() -> InlineKeyboardMarkup:
    return keyboard([[ChooseLanguage(code).button(LANGUAGE_NAMES[code])] for code in LANGUAGES])


def zone_name(zone: str, now: datetime) -> str:
    """'Việt Nam (GMT+7)', '香港（GMT+8）', 'New York (GMT-5)': never the IANA id."""
    place = ZONE_PLACES.get(zone)
    return format_zone(zone, now, _(place) if place else None)


def region_name(region: str) -> str:
    """The market phone numbers are read for: 'Việt Nam', '中國大陸'."""
    return _(REGION_NAMES[region]) if region in REGION_NAMES else format_territory(region)


def zone_by_name(text: str) -> str | None:
    """A market typed by its name in any language: 'Việt Nam', '香港', 'taiwan', '中国大陆'."""
    wanted = fold(text).replace(" ", "")
    for zone, label in TIMEZONES:
        for language in LANGUAGES:
            with active(language, "UTC"):
                if fold(_(label)).replace(" ", "") == wanted:
                    return zone
    return None


def timezone_keyboard(now: datetime) -> InlineKeyboardMarkup:
    return keyboard(
        [[ChooseTimezone(index).button(zone_name(zone, now))] for index, (zone, _label)
         in enumerate(TIMEZONES)]
    )


async def _in_onboarding(context: Ctx) -> bool:
    state = await context.storage.states.get(context.me.id, context.me.id)
    return state is not None and state.flow == ONBOARDING


async def show_language_choice(update: Update, context: Ctx) -> None:
    """Offer the languages (Taiwan's and Hong Kong's Traditional Chinese apart)."""
    await reply(update, _("Which language would you like me to use?"), language_keyboard())


async def choose_language(update: Update, context: Ctx) -> None:
    """Store the chosen language and answer in it from now on."""
    language = context.action(ChooseLanguage).language
    if language not in LANGUAGES:
        await expired(update)
        return
    staff = context.me
    await context.storage.set_language(staff.id, language, context.clock.now())
    activate(language, staff.timezone)
    await context.query.answer()
    await publish_menu(context.bot, staff, language)
    if await _in_onboarding(context):
        await edit_or_reply(update, _(
            "Thank you. Which time zone do you work in? I use it for reminders and "
            "your daily agenda."
        ), timezone_keyboard(context.clock.now()))
        return
    await edit_or_reply(update, _("Done: I will speak {language} with you.").format(
        language=LANGUAGE_NAMES[language]))


async def set_timezone(update: Update, context: Ctx) -> None:
    """Set the time zone from '/timezone <IANA name>', or offer the usual ones."""
    if not context.args:
        await reply(update, _("Which time zone do you work in?"),
                    timezone_keyboard(context.clock.now()))
        return
    zone = zone_by_name(" ".join(context.args)) or context.args[0]
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Asia" is a folder
        await reply(update, _(
            "I do not know the time zone “{zone}”. Write it like Asia/Ho_Chi_Minh or "
            "Asia/Shanghai, or pick one:"
        ).format(zone=esc(zone)), timezone_keyboard(context.clock.now()))
        return
    await _store_timezone(update, context, zone)


async def choose_timezone(update: Update, context: Ctx) -> None:
    """Store the time zone picked from the buttons."""
    index = context.action(ChooseTimezone).index
    if not 0 <= index < len(TIMEZONES):
        await expired(update)
        return
    await context.query.answer()
    await _store_timezone(update, context, TIMEZONES[index][0])


async def _store_timezone(update: Update, context: Ctx, zone: str) -> None:
    staff = context.me
    region = region_for_timezone(zone, staff.region)
    await context.storage.set_timezone(staff.id, zone, region, context.clock.now())
    activate(current_language(), zone)
    if await _in_onboarding(context):
        await context.storage.states.clear(staff.id, staff.id)
        await edit_or_reply(update, _(
            "All set! Send /help to see everything I can do. You can change your language "
            "or time zone at any time with /settings."
        ))
        return
    await edit_or_reply(update, _("Done: your time zone is now {zone}.").format(
        zone=zone_name(zone, context.clock.now())))


async def show_settings(update: Update, context: Ctx) -> None:
    """Show the user's settings with buttons to change them."""
    staff = context.me
    team = await context.storage.teams.get(staff.team_id) if staff.team_id else None
    lines = [
        _("<b>Your settings</b>"),
        _("Language: {language}").format(language=LANGUAGE_NAMES[current_language()]),
        _("Time zone: {zone}").format(zone=zone_name(staff.timezone, context.clock.now())),
        _("Phone numbers without a country code are read as: {region}").format(
            region=region_name(staff.region)),
        _("Role: {role}").format(role=_(ROLE_NAMES[staff.role])),
        _("Team: {team}").format(team=esc(team.name) if team else _("none")),
        _("A plain message is: {mode}").format(mode=_(TEXT_MODES[staff.text_mode])),
        _("Daily agenda at {time} (/agenda); quiet hours {start}–{end} (/quiet)").format(
            time=staff.agenda_time, start=staff.quiet_start, end=staff.quiet_end),
    ]
    other_mode = "note" if staff.text_mode == "search" else "search"
    business_lines, business_rows = await business.settings_part(context)
    markup = keyboard([
        [OpenSetting("lang").button(_("Change language")),
         OpenSetting("tz").button(_("Change time zone"))],
        [SetTextMode(other_mode).button(
            _("Plain messages: {mode}").format(mode=_(TEXT_MODES[other_mode])))],
        *business_rows,
    ])
    await reply(update, "\n".join([*lines, "", *business_lines]), markup)


async def open_setting(update: Update, context: Ctx) -> None:
    """Open the picker behind a button of /settings."""
    await context.query.answer()
    if context.action(OpenSetting).setting == "lang":
        await edit_or_reply(update, _("Which language would you like me to use?"),
                            language_keyboard())
    else:
        await edit_or_reply(update, _("Which time zone do you work in?"),
                            timezone_keyboard(context.clock.now()))


async def set_text_mode(update: Update, context: Ctx) -> None:
    """Choose whether a plain message searches customers or becomes a note."""
    mode = context.action(SetTextMode).mode
    if mode not in TEXT_MODES:
        await expired(update)
        return
    await context.storage.set_text_mode(context.me.id, mode, context.clock.now())
    await context.query.answer(_("Saved."))
    await edit_or_reply(update, _("From now on a plain message is {mode}.").format(
        mode=_(TEXT_MODES[mode])))
