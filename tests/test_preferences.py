"""/settings, /language and /timezone (handlers/preferences.py): the four languages, time zones
typed or picked, the phone region that follows the zone."""

from __future__ import annotations

import logging

import pytest

from core.i18n import LANGUAGE_NAMES, active
from handlers.menu import menu_for
from playground.fake_updates import Person
from tests.harness import Harness, of, only_message, tr
from tests.staff import APOLOGY, HELP_TITLE, SETTINGS_TITLE, commands_in, scope_chat

# -- languages, time zones, settings -----------------------------------------------------------


KNOWN_WORD = {"vi": "Cài đặt", "zh_Hans": "设置", "zh_Hant_TW": "設定", "zh_Hant_HK": "設定",
              "en": "settings"}


async def test_switching_through_all_languages(bot: Harness, rm: Person) -> None:
    await bot.register(rm)
    for language in ["zh_Hans", "zh_Hant_TW", "zh_Hant_HK", "en", "vi"]:
        await bot.send(rm, "/language")
        calls = await bot.press(rm, LANGUAGE_NAMES[language])
        staff = await bot.storage.staff.get(rm.id)
        assert staff is not None and staff.language == language
        menus = of(calls, "setMyCommands")
        assert len(menus) == 1 and scope_chat(menus[0]) == rm.id
        with active(language, "UTC"):
            expected = [(c.command, c.description) for c in menu_for("rm")]
        assert commands_in(menus[0]) == expected
        confirmation = only_message(calls)
        assert confirmation.method == "editMessageText"
        assert LANGUAGE_NAMES[language] in confirmation.text

        help_text = only_message(await bot.send(rm, "/help")).text
        assert tr(language, HELP_TITLE) in help_text
        settings_text = only_message(await bot.send(rm, "/settings")).text
        assert KNOWN_WORD[language] in settings_text
        assert tr(language, SETTINGS_TITLE) in settings_text
        assert LANGUAGE_NAMES[language] in settings_text
        for other in KNOWN_WORD:
            if tr(other, SETTINGS_TITLE) != tr(language, SETTINGS_TITLE) and other != "en":
                assert tr(other, SETTINGS_TITLE) not in settings_text


async def test_settings_buttons_open_the_pickers(bot: Harness, rm: Person) -> None:
    await bot.register(rm, language="zh_Hans")
    await bot.send(rm, "/settings")
    settings_message = bot.last_for(rm)
    calls = await bot.press(rm, tr("zh_Hans", "Change language"), settings_message)
    assert {label for label, _data in only_message(calls).buttons} == set(
        LANGUAGE_NAMES.values())
    calls = await bot.press(rm, tr("zh_Hans", "Change time zone"), settings_message)
    # The markets by name, never their IANA ids.
    pickers = [label for label, _data in only_message(calls).buttons]
    assert "台湾（GMT+8）" in pickers and not any("Asia/" in label for label in pickers)


async def test_menu_failure_does_not_lose_the_language_change(
    bot: Harness, rm: Person, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.register(rm, language="vi")
    await bot.send(rm, "/language")
    bot.api.fail_next("setMyCommands", 500)
    with caplog.at_level(logging.WARNING):
        calls = await bot.press(rm, LANGUAGE_NAMES["en"])
    assert only_message(calls).text == "Done: I will speak English with you."
    staff = await bot.storage.staff.get(rm.id)
    assert staff is not None and staff.language == "en"
    assert "could not set the command menu" in caplog.text


async def test_timezone_typed(bot: Harness, rm: Person) -> None:
    await bot.register(rm, language="en")
    message = only_message(await bot.send(rm, "/timezone Asia/Bangkok"))
    assert message.text == "Done: your time zone is now Bangkok (GMT+7)." and not message.buttons
    staff = await bot.storage.staff.get(rm.id)
    assert staff is not None and staff.timezone == "Asia/Bangkok" and staff.region == "VN"
    assert "staff.timezone" in await bot.storage.audit.actions_for("staff", rm.id)
    # A market may be typed by its name, in any language.
    for name, zone in (("Việt Nam", "Asia/Ho_Chi_Minh"), ("香港", "Asia/Hong_Kong"),
                       ("台灣", "Asia/Taipei"), ("mainland china", "Asia/Shanghai")):
        await bot.send(rm, f"/timezone {name}")
        staff = await bot.storage.staff.get(rm.id)
        assert staff is not None and staff.timezone == zone


@pytest.mark.parametrize("zone", ["Mars/Base", "Asia", "asia/bangkok", "../../etc/passwd",
                                  "Asia/" + "x" * 300])
async def test_unknown_timezone_is_refused_with_the_picker(
    bot: Harness, rm: Person, zone: str
) -> None:
    await bot.register(rm, language="vi")
    message = only_message(await bot.send(rm, f"/timezone {zone}"))
    assert zone[:50] in message.text
    assert tr("vi", APOLOGY) != message.text
    labels = [label for label, _data in message.buttons]
    assert len(labels) == 6 and "Việt Nam (GMT+7)" in labels
    staff = await bot.storage.staff.get(rm.id)
    assert staff is not None and staff.timezone == "Asia/Ho_Chi_Minh"


async def test_region_follows_the_timezone(bot: Harness, rm: Person) -> None:
    await bot.register(rm, language="zh_Hant_TW")
    line = tr("zh_Hant_TW", "Phone numbers without a country code are read as: {region}")
    assert line.format(region="越南") in only_message(await bot.send(rm, "/settings")).text
    await bot.send(rm, "/timezone Asia/Taipei")
    settings_text = only_message(await bot.send(rm, "/settings")).text
    assert line.format(region="台灣") in settings_text
    assert "台灣（GMT+8）" in settings_text and "Asia/" not in settings_text
    # Picked from the buttons: Hong Kong.
    await bot.send(rm, "/timezone")
    await bot.press(rm, "香港（GMT+8）")
    staff = await bot.storage.staff.get(rm.id)
    assert staff is not None and (staff.timezone, staff.region) == ("Asia/Hong_Kong", "HK")
    # A zone outside our markets keeps the last market.
    await bot.send(rm, "/timezone Europe/Paris")
    staff = await bot.storage.staff.get(rm.id)
    assert staff is not None and (staff.timezone, staff.region) == ("Europe/Paris", "HK")
