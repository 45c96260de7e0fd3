"""The gates every update passes (handlers/access.py): a redelivered update is handled once, a
forged or foreign button gets "expired" and nothing else, strangers get one refusal, staff whose
access was turned off lose it at once."""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, Literal

import pytest
from telegram import Update

from core import buttons
from core.config import Settings
from core.i18n import LANGUAGE_NAMES, _, active
from handlers.menu import menu_for
from playground.fake_api import ApiCall
from playground.fake_updates import Person
from tests.harness import (
    Harness,
    answer_of,
    close_harness,
    of,
    only_message,
    open_harness,
    shown,
    tr,
)
from tests.staff import (
    APOLOGY,
    EXPIRED,
    GROUP_ID,
    REFUSAL,
    SETTINGS_TITLE,
    as_admin,
    commands_in,
    scope_chat,
    visible_translation,
)

# -- redelivery --------------------------------------------------------------------------------


async def test_same_update_twice_gets_one_reply(bot: Harness, rm: Person) -> None:
    await bot.register(rm)
    update = bot.make.message(rm, "/help")
    first = await bot.send_update(update)
    second = await bot.send_update(update)
    assert len(of(first, "sendMessage")) == 1
    assert second == []


async def test_a_failing_gate_stops_the_update_after_the_apology(
        bot: Harness, rm: Person, monkeypatch: pytest.MonkeyPatch) -> None:
    await bot.register(rm, language="en")

    async def unavailable(*args: object) -> bool:
        raise ConnectionError("database away")

    monkeypatch.setattr(bot.storage.updates, "claim", unavailable)
    update = bot.make.message(rm, "/help")
    calls = await bot.send_update(update)
    # The apology only (in the installation's language: the user is not known yet), no help
    # text after it, and the update is not marked handled, so Telegram's redelivery (or the
    # user's retry) is answered once the database is back.
    with active("vi", "Asia/Ho_Chi_Minh"):
        assert only_message(calls).text == _(APOLOGY)
    monkeypatch.undo()
    assert not await bot.storage.updates.handled(update.update_id)
    again = await bot.send_update(update)
    with active("en", "Asia/Ho_Chi_Minh"):
        assert only_message(again).text != _(APOLOGY)


async def test_two_updates_with_the_same_id_get_one_reply(bot: Harness, rm: Person) -> None:
    await bot.register(rm)
    first = await bot.send_update(bot.make.message(rm, "/settings", update_id=5000))
    second = await bot.send_update(bot.make.message(rm, "/help", update_id=5000))
    assert len(of(first, "sendMessage")) == 1
    assert second == []
    # The next id is handled normally.
    third = await bot.send_update(bot.make.message(rm, "/help", update_id=5001))
    assert len(of(third, "sendMessage")) == 1


async def test_redelivered_button_press_is_applied_once(bot: Harness, rm: Person) -> None:
    await bot.register(rm)
    await bot.send(rm, "/language")
    call = bot.last_for(rm)
    data = next(data for label, data in call.buttons if label == LANGUAGE_NAMES["en"])
    message = call.result if isinstance(call.result, dict) else None
    update = bot.make.callback(rm, data, message=message)
    first = await bot.send_update(update)
    second = await bot.send_update(update)
    assert len(of(first, "answerCallbackQuery")) == 1
    assert len(of(first, "setMyCommands")) == 1
    assert second == []


async def test_redelivery_is_caught_by_another_replica(
    bot: Harness, rm: Person, settings: Settings
) -> None:
    await bot.register(rm)
    first = await bot.send_update(bot.make.message(rm, "/help", update_id=777))
    assert len(of(first, "sendMessage")) == 1
    replica = await open_harness(settings, bot.clock)  # a second process on the same database
    try:
        again = await replica.send_update(replica.make.message(rm, "/help", update_id=777))
        assert again == []
        fresh = await replica.send_update(replica.make.message(rm, "/help", update_id=778))
        assert len(of(fresh, "sendMessage")) == 1
    finally:
        await close_harness(replica)

# -- forged and foreign buttons ----------------------------------------------------------------


@pytest.mark.parametrize("language", ["vi", "zh_Hans", "en"])
@pytest.mark.parametrize("kind", ["forged", "foreign", "unsigned", "garbage", "empty-sig"])
async def test_bad_button_gets_expired_and_nothing_else(
    bot: Harness, admin: Person, rm: Person, language: str, kind: str
) -> None:
    visible_translation(language, EXPIRED)
    await as_admin(bot, admin)
    await bot.register(rm, language=language)
    await bot.send(admin, "/invite")
    admin_call = bot.last_for(admin)
    admin_data = admin_call.buttons[0][1]
    assert buttons.unpack(admin_data, admin.id) is not None
    data = {
        "forged": "lang:en|AAAAAAAA",
        "foreign": admin_data,
        "unsigned": "lang:en",
        "garbage": "x" * 64,
        "empty-sig": "lang:en|",
    }[kind]
    before = await bot.storage.staff.get(rm.id)
    calls = await bot.press_data(rm, data, admin_call if kind == "foreign" else None)
    answer = answer_of(calls)
    assert answer.params["text"] == tr(language, EXPIRED)
    assert answer.params.get("show_alert") is True
    assert shown(calls) == []
    assert of(calls, "setMyCommands") == []
    dumped = repr([call.params for call in calls])
    assert "Hùng" not in dumped and str(admin.id) not in dumped and "start=" not in dumped
    assert await bot.storage.staff.get(rm.id) == before  # the forged language was not applied
    assert await bot.storage.invites.list_open(bot.clock.now()) == []


async def test_button_for_a_missing_action_expires(bot: Harness, rm: Person) -> None:
    await bot.register(rm, language="zh_Hans")
    calls = await bot.press_data(rm, buttons.pack("gone", 1, owner=rm.id))
    assert answer_of(calls).params["text"] == tr("zh_Hans", EXPIRED)
    assert shown(calls) == []


async def test_genuine_button_with_bad_arguments_expires(bot: Harness, rm: Person) -> None:
    await bot.register(rm, language="vi")
    for data in (buttons.pack("lang", "fr", owner=rm.id), buttons.pack("tz", 99, owner=rm.id),
                 buttons.pack("tz", "x", owner=rm.id), buttons.pack("lang", owner=rm.id)):
        calls = await bot.press_data(rm, data)
        assert answer_of(calls).params["text"] == tr("vi", EXPIRED), data
        assert shown(calls) == []
    staff = await bot.storage.staff.get(rm.id)
    assert staff is not None and staff.language == "vi"

# -- personal buttons answer only in the owner's private chat ----------------------------------

PRIVATE_ONLY = ("This button works only in your private chat with me: customer data is never "
                "shown in a group.")


def _example(action: type[buttons.Action], customer_id: int) -> buttons.Action:
    """The action with plausible arguments: every number the customer's id."""
    values: dict[str, Any] = {}
    hints = typing.get_type_hints(action)
    for field in dataclasses.fields(action):  # type: ignore[arg-type]
        kind = hints[field.name]
        options = [k for k in typing.get_args(kind) if k is not type(None)] or [kind]
        if typing.get_origin(kind) is Literal:
            values[field.name] = typing.get_args(kind)[0]
        elif int in options:
            values[field.name] = customer_id
        elif bool in options:
            values[field.name] = True
        elif str in options:
            values[field.name] = "find"
        else:
            first = options[0]
            values[field.name] = (typing.get_args(first)[0]
                                  if typing.get_origin(first) is Literal else None)
    return action(**values)


@pytest.mark.parametrize("language", ["vi", "zh_Hant_HK"])
async def test_personal_buttons_pressed_in_a_group_show_nothing_there(
        bot: Harness, language: str) -> None:
    lan = Person(2001, "Lan", "Nguyễn", username="rm2001")
    await bot.register(lan, language=language)
    await bot.send(lan, "/add Nguyễn Văn An 0901234567 vay mua nhà 2 tỷ")
    customer_id = await bot.storage.db.fetch_value(
        "SELECT id FROM customers WHERE owner_id = ?", (lan.id,))
    card = only_message(await bot.press_data(lan, buttons.pack("c", customer_id, owner=lan.id)))
    assert "Nguyễn Văn An" in card.text
    group = bot.make.group_chat(GROUP_ID)
    # The card forwarded into a group keeps its buttons: each of them, and every other
    # personal button there is, pressed there by the RM they were made for.
    forwarded = dict(card.result, chat=group)
    personal = [data for _label, data in card.buttons] + [
        _example(action, customer_id).pack(owner=lan.id)
        for action in buttons.ACTIONS.values() if not action.in_groups]
    assert len(personal) > 100
    for data in personal:
        calls = await bot.press_data(lan, data, group=group)
        calls += await bot.send_update(bot.make.callback(lan, data, message=forwarded))
        assert [call.method for call in calls] == ["answerCallbackQuery"] * 2, (data, calls)
        assert {call.params["text"] for call in calls} == {tr(language, PRIVATE_ONLY)}, data
        assert "Nguyễn Văn An" not in str(calls)
    # In the private chat the same buttons still work.
    history = await bot.press_data(lan, data_for_action(card, "ch"), card)
    assert "vay mua nhà" in str(shown(history))


def data_for_action(call: ApiCall, action: str) -> str:
    return next(data for _label, data in call.buttons if data.split(":")[0] == action)


# -- strangers and staff whose access was turned off -------------------------------------------


async def _refusals(bot: Harness, person: Person) -> list[list[ApiCall]]:
    return [
        await bot.send(person, "/help"),
        await bot.send(person, "/settings"),
        await bot.send(person, "xin chào, tôi muốn mở tài khoản"),
        await bot.send_update(bot.make.contact(person, "+84901234567", "Khách")),
        await bot.send(person, "/start"),
        await bot.send(person, "/unknown_command"),
    ]


def _assert_refused(calls: list[ApiCall], person: Person, language: str) -> None:
    message = only_message(calls)
    assert message.method == "sendMessage" and message.chat_id == person.id
    assert message.text == tr(language, REFUSAL)
    assert not message.buttons and "reply_markup" not in message.params
    assert of(calls, "setMyCommands") == [] and of(calls, "answerCallbackQuery") == []


@pytest.mark.parametrize(
    ("code", "language"),
    [("en", "en"), ("vi", "vi"), ("zh-hant", "zh_Hant_TW"), ("zh-TW", "zh_Hant_TW"),
     ("zh-hk", "zh_Hant_HK"), ("zh-hans", "zh_Hans"), ("zh", "zh_Hans"), ("fr", "vi"),
     (None, "vi")],
)
async def test_stranger_gets_one_refusal_a_day_in_their_language_then_silence(
    bot: Harness, code: str | None, language: str
) -> None:
    visible_translation(language, REFUSAL)
    stranger = Person(6666, "Mallory", language_code=code)
    first, *more = await _refusals(bot, stranger)
    _assert_refused(first, stranger, language)
    assert more == [[]] * len(more)
    calls = await bot.press_data(stranger, "lang:en|AAAAAAAA")
    assert "text" not in answer_of(calls).params and shown(calls) == []
    bot.clock.advance(hours=23)
    assert await bot.send(stranger, "/help") == []
    bot.clock.advance(hours=1)
    _assert_refused(await bot.send(stranger, "/help"), stranger, language)
    bot.clock.advance(days=1)
    calls = await bot.press_data(stranger, "lang:en|AAAAAAAA")
    answer = answer_of(calls)
    assert answer.params["text"] == tr(language, REFUSAL)
    assert answer.params.get("show_alert") is True
    assert shown(calls) == []
    assert await bot.storage.staff.get(stranger.id) is None
    assert bot.api.of("setMyCommands") == []


async def test_stranger_cannot_use_a_genuine_button(bot: Harness, admin: Person) -> None:
    stranger = Person(6666, "Mallory", language_code="zh-hant")
    await as_admin(bot, admin)
    await bot.send(admin, "/invite")
    calls = await bot.press(stranger, tr("vi", "Admin"), bot.last_for(admin))
    assert answer_of(calls).params["text"] == tr("zh_Hant_TW", REFUSAL)
    assert shown(calls) == []
    assert await bot.storage.invites.list_open(bot.clock.now()) == []


async def test_stranger_blocking_or_editing_gets_no_extra_refusal(bot: Harness) -> None:
    stranger = Person(6666, "Mallory", language_code="en")
    blocked = Update.de_json({
        "update_id": 9001,
        "my_chat_member": {
            "chat": {"id": stranger.id, "type": "private", "first_name": "Mallory"},
            "from": stranger.as_dict(),
            "date": 1_700_000_000,
            "old_chat_member": {"status": "member", "user": bot.api.bot_user()},
            "new_chat_member": {"status": "kicked", "user": bot.api.bot_user(),
                                "until_date": 0},
        },
    }, bot.app.bot)
    assert await bot.send_update(blocked) == []
    edited = Update.de_json({
        "update_id": 9002,
        "edited_message": {
            "message_id": 5, "date": 1_700_000_000, "edit_date": 1_700_000_100,
            "chat": {"id": stranger.id, "type": "private", "first_name": "Mallory"},
            "from": stranger.as_dict(), "text": "edited",
        },
    }, bot.app.bot)
    assert await bot.send_update(edited) == []
    # A new message still gets its one refusal.
    _assert_refused(await bot.send(stranger, "hello?"), stranger, "en")


async def test_stranger_with_a_bad_invite_is_told_so_once(bot: Harness) -> None:
    stranger = Person(6666, "Mallory", language_code="en")
    calls = await bot.send(stranger, "/start not-a-real-code")
    message = only_message(calls)
    assert "not valid" in message.text
    assert await bot.storage.staff.get(stranger.id) is None


async def test_deactivated_staff_is_refused_and_loses_the_menu(
    bot: Harness, admin: Person
) -> None:
    member = Person(2002, "Mai", "Lê", language_code="zh-hant")
    await as_admin(bot, admin)
    await bot.register(member, language="zh_Hant_TW")
    await bot.send(member, "/settings")
    old_settings_message = bot.last_for(member)
    await bot.send(admin, "/staff")
    await bot.press(admin, "Mai")
    calls = await bot.press(admin, tr("vi", "Turn off access"))
    removed = of(calls, "deleteMyCommands")
    assert len(removed) == 1 and scope_chat(removed[0]) == member.id
    assert answer_of(calls).params["text"] == tr("vi", "Saved.")
    staff = await bot.storage.staff.get(member.id)
    assert staff is not None and not staff.active
    assert "staff.access" in await bot.storage.audit.actions_for("staff", member.id)

    # The buttons they still have are dead.
    calls = await bot.press(member, tr("zh_Hant_TW", "Change language"), old_settings_message)
    assert answer_of(calls).params["text"] == tr("zh_Hant_TW", REFUSAL)
    assert shown(calls) == []
    # Refused once a day, like any stranger.
    assert await _refusals(bot, member) == [[]] * 6

    # Access back on: they are staff again and get their menu back.
    await bot.send(admin, "/staff")
    await bot.press(admin, "Mai")
    calls = await bot.press(admin, tr("vi", "Restore access"))
    published = of(calls, "setMyCommands")
    assert len(published) == 1 and scope_chat(published[0]) == member.id
    with active("zh_Hant_TW", "UTC"):
        expected = [(c.command, c.description) for c in menu_for("rm")]
    assert commands_in(published[0]) == expected
    settings_text = only_message(await bot.send(member, "/settings")).text
    assert tr("zh_Hant_TW", SETTINGS_TITLE) in settings_text
