"""Setting follow-ups (handlers/followups.py): from the card, after a logged contact, or with
/remind in one line; a time that cannot be is refused with its reason, never read as something
else, and words that name a customer and a time at once are asked about."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from core.i18n import _, active, format_datetime
from core.messages import esc
from handlers.followups import examples
from playground.fake_api import ApiCall
from playground.fake_updates import Person
from storage.customers import Customer
from tests.customers import (
    HCM,
    REMIND_ECHO,
    SHANGHAI,
    add,
    customers_of,
    history,
    labels,
    make_rm,
    only_customer,
    open_card,
    press_action,
    reminders_of,
)
from tests.harness import Harness, answer_of, only_message, shown, tr


async def new_customer(bot: Harness, owner: Person, name: str) -> Customer:
    return await bot.storage.customers.create(owner_id=owner.id, name=name, phone=None,
                                              region="VN", now=bot.clock.now())


async def reminder_rows(bot: Harness, customer: Customer) -> list[dict[str, Any]]:
    rows = await bot.storage.db.fetch_all(
        "SELECT due_at, text, status FROM reminders WHERE customer_id = ? ORDER BY id",
        (customer.id,))
    return [dict(row) for row in rows]


def text_in(language: str, zone: str, message: str, **params: Any) -> str:
    with active(language, zone):
        return _(message).format(**params)


@pytest.mark.parametrize(("language", "zone", "line", "phrase", "message", "params"), [
    # The reported case: 31/4 was scheduled on 31 December with the task "/4 gọi".
    ("vi", HCM, "/remind Nguyễn Văn An ngày 31/4 gọi", "ngày 31/4",
     "“{text}” does not exist: that month has only {days} days.", {"days": 30}),
    ("zh_Hans", SHANGHAI, "/remind Nguyễn Văn An 2月30日 回电", "2月30日",
     "“{text}” does not exist: that month has only {days} days.", {"days": 29}),
    ("vi", HCM, "/remind Nguyễn Văn An 31/12/9999 23h gọi", "31/12/9999 23h",
     "“{text}” is more than {years} years ahead: please check the year.", {"years": 10}),
    ("zh_Hans", SHANGHAI, "/remind Nguyễn Văn An 2037年1月1日 回电", "2037年1月1日",
     "“{text}” is more than {years} years ahead: please check the year.", {"years": 10}),
])
async def test_an_impossible_time_is_refused_with_its_reason(
        bot: Harness, language: str, zone: str, line: str, phrase: str, message: str,
        params: dict[str, int]) -> None:
    rm = await make_rm(bot, language, zone)
    customer = await new_customer(bot, rm, "Nguyễn Văn An")
    answer = only_message(await bot.send(rm, line))
    assert answer.text == text_in(language, zone, message, text=esc(phrase), **params)
    assert await reminder_rows(bot, customer) == []


@pytest.mark.parametrize(("language", "zone", "line", "phrase", "when"), [
    ("vi", HCM, "/remind Nguyễn Văn An hôm qua gọi lại", "hôm qua",
     datetime(2026, 11, 22, 2, 0, tzinfo=UTC)),
    ("zh_Hans", SHANGHAI, "/remind Nguyễn Văn An 上周二 回电", "上周二",
     datetime(2026, 11, 17, 1, 0, tzinfo=UTC)),
])
async def test_a_past_time_is_refused(bot: Harness, language: str, zone: str, line: str,
                                      phrase: str, when: datetime) -> None:
    rm = await make_rm(bot, language, zone)
    customer = await new_customer(bot, rm, "Nguyễn Văn An")
    answer = only_message(await bot.send(rm, line))
    with active(language, zone):
        expected = _("“{text}” has already passed ({when}). Please give a time ahead.").format(
            text=esc(phrase), when=format_datetime(when))
    assert answer.text == expected
    assert await reminder_rows(bot, customer) == []


async def test_a_weekday_that_does_not_match_its_date_is_refused(bot: Harness) -> None:
    rm = await make_rm(bot, "vi")
    customer = await new_customer(bot, rm, "Nguyễn Văn An")
    answer = only_message(await bot.send(rm, "/remind Nguyễn Văn An Thứ Ba, 2/12 lúc 14:00 "
                                              "gọi lại"))
    with active("vi", HCM):
        expected = _("“{text}” does not add up: that date is {when}. Please check the day of "
                     "the week or the date.").format(
            text="Thứ Ba, 2/12 lúc 14:00", when=format_datetime(
                datetime(2026, 12, 2, 7, 0, tzinfo=UTC)))
    assert answer.text == expected
    assert await reminder_rows(bot, customer) == []
    # With the right weekday it is taken, and no piece of the phrase is left in the task.
    await bot.send(rm, "/remind Nguyễn Văn An Thứ Tư, 2/12 lúc 14:00 gọi lại")
    assert await reminder_rows(bot, customer) == [
        {"due_at": "2026-12-02T07:00:00+00:00", "text": "gọi lại", "status": "pending"}]


async def test_a_typed_snooze_or_follow_up_time_explains_a_problem(bot: Harness) -> None:
    rm = await make_rm(bot, "vi")
    customer = await new_customer(bot, rm, "Nguyễn Văn An")
    card = only_message(await bot.press_data(rm, _card_data(rm, customer)))
    await bot.press_data(rm, _data(card, "cf"), card)
    answer = only_message(await bot.send(rm, "30/2 gọi lại"))
    assert answer.text == text_in("vi", HCM, "“{text}” does not exist: that month has only "
                                  "{days} days.", text="30/2", days=29)
    assert await reminder_rows(bot, customer) == []


def _card_data(rm: Person, customer: Customer) -> str:
    from core import buttons

    return buttons.pack("c", customer.id, owner=rm.id)


def _data(call: ApiCall, action: str) -> str:
    for _label, data in call.buttons:
        if data.split(":")[0].split("|")[0] == action:
            return data
    raise AssertionError(f"no button {action} in {call.buttons}")


# -- a customer's name that is also a time (issue: "/remind mai 9h gọi lại", customer Mai) -------


async def test_a_name_that_is_also_a_time_is_asked_about(bot: Harness) -> None:
    rm = await make_rm(bot, "vi")
    mai = await new_customer(bot, rm, "Lê Thị Mai")
    asked = only_message(await bot.send(rm, "/remind mai 9h gọi lại"))
    tomorrow_nine = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    with active("vi", HCM):
        assert asked.text == _(
            "“{name}” is a customer's name and also a time: {when}. Which customer is this "
            "follow-up for? Tap them, or type the customer's name for {when}. (/cancel to stop)"
        ).format(name="mai", when=format_datetime(tomorrow_nine))
        # "9h" read after the name: 09:00 has passed today (10:00), so tomorrow's.
        assert [label for label, _data in asked.buttons] == [
            f"Lê Thị Mai · {format_datetime(tomorrow_nine)}", _("Skip")]
    assert await reminder_rows(bot, mai) == []  # nothing guessed
    await bot.press(rm, "Lê Thị Mai", call=asked)
    assert await reminder_rows(bot, mai) == [
        {"due_at": "2026-11-24T02:00:00+00:00", "text": "gọi lại", "status": "pending"}]
    again = await bot.press(rm, "Lê Thị Mai", call=asked)
    assert answer_of(again).params["text"] == text_in("vi", HCM, "Already handled.")
    assert len(await reminder_rows(bot, mai)) == 1


async def test_typing_another_customer_takes_the_time_of_the_whole_line(bot: Harness) -> None:
    rm = await make_rm(bot, "vi")
    mai = await new_customer(bot, rm, "Lê Thị Mai")
    an = await new_customer(bot, rm, "Nguyễn Văn An")
    await bot.send(rm, "/remind mai 3h gọi lại")
    await bot.send(rm, "Nguyễn Văn An")
    # "mai 3h" = tomorrow 15:00 (a bare hour is a working hour), for An; Mai gets nothing.
    assert await reminder_rows(bot, an) == [
        {"due_at": "2026-11-24T08:00:00+00:00", "text": "gọi lại", "status": "pending"}]
    assert await reminder_rows(bot, mai) == []
    assert await bot.storage.states.get(rm.id, rm.id) is None


async def test_a_name_that_is_no_time_is_not_asked_about(bot: Harness) -> None:
    rm = await make_rm(bot, "vi")
    an = await new_customer(bot, rm, "Nguyễn Văn An")
    await new_customer(bot, rm, "Mai Anh")
    await bot.send(rm, "/remind Nguyễn Văn An mai 9h gọi lại")
    assert [r["text"] for r in await reminder_rows(bot, an)] == ["gọi lại"]

# -- follow-ups --------------------------------------------------------------------------------


async def test_follow_up_from_the_card(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    customer = await add(bot, lan, "Nguyễn Văn An 0901234567")
    card = await open_card(bot, lan, customer)
    asked = only_message(await bot.press(lan, tr("vi", "⏰ Follow-up"), call=card))
    with active("vi", HCM):
        assert asked.text == _(
            "When should I remind you about {name}? Write the time, then what to do if you "
            "like. {examples} (/cancel to stop)").format(name="Nguyễn Văn An",
                                                         examples=examples())
    echo = only_message(await bot.send(lan, "mai 9h gọi lại"))
    due = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    reminders = await reminders_of(bot, customer)
    assert [(r["due_at"], r["text"], r["kind"], r["status"], r["staff_id"])
            for r in reminders] == [("2026-11-24T02:00:00+00:00", "gọi lại", "followup",
                                     "pending", lan.id)]
    with active("vi", HCM):
        assert echo.text == _(REMIND_ECHO).format(
            name="<b>Nguyễn Văn An</b>", when=f"<b>{format_datetime(due)}</b>") + "\ngọi lại"
        # The follow-up can be done, moved or cancelled from its confirmation.
        assert labels(echo) == ["✅ " + _("Done early"), _("🕘 Move"), _("✖ Cancel"),
                                _("Change the time"), _("Open the card")]
    assert "09:00" in echo.text
    assert await bot.storage.states.get(lan.id, lan.id) is None
    reopened = await open_card(bot, lan, customer)
    with active("vi", HCM):
        assert _("Next follow-up: {when}").format(when=format_datetime(due)) in reopened.text


async def test_unreadable_time_gets_the_examples(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    customer = await add(bot, lan, "Nguyễn Văn An 0901234567")
    card = await open_card(bot, lan, customer)
    await press_action(bot, lan, "cf", customer.id, call=card)
    refused = only_message(await bot.send(lan, "khi nào rảnh"))
    with active("vi", HCM):
        assert refused.text == _("I could not understand the time in “{text}”. {examples}"
                                 ).format(text="khi nào rảnh", examples=examples())
    assert await reminders_of(bot, customer) == []
    # Still waiting for the time.
    await bot.send(lan, "thứ 6 14h gặp ký hợp đồng")
    assert [(r["due_at"], r["text"]) for r in await reminders_of(bot, customer)] == [
        ("2026-11-27T07:00:00+00:00", "gặp ký hợp đồng")]


async def test_change_the_time(bot: Harness) -> None:
    ann = await make_rm(bot, "en")
    customer = await add(bot, ann, "Nguyễn Văn An 0901234567")
    card = await open_card(bot, ann, customer)
    await press_action(bot, ann, "cf", customer.id, call=card)
    echo = only_message(await bot.send(ann, "tomorrow 9am call back"))
    asked = only_message(await bot.press(ann, tr("en", "Change the time"), call=echo))
    with active("en", HCM):
        assert asked.text == "{}\n\n{}".format(
            _("Which time is right? {examples}").format(examples=examples()),
            _("📁 For {name}'s file.").format(name=f"<b>{customer.name}</b>"))
    assert [r["status"] for r in await reminders_of(bot, customer)] == ["cancelled"]
    await bot.send(ann, "in 2 hours")
    reminders = await reminders_of(bot, customer)
    assert [(r["status"], r["due_at"]) for r in reminders] == [
        ("cancelled", "2026-11-24T02:00:00+00:00"), ("pending", "2026-11-23T05:00:00+00:00")]
    stale = await bot.press(ann, tr("en", "Change the time"), call=echo)
    assert answer_of(stale).params["text"] == tr("en", "Already handled.")
    assert [r["status"] for r in await reminders_of(bot, customer)] == ["cancelled", "pending"]


@pytest.mark.parametrize(("label", "day"), [("Tomorrow", 24), ("In 3 days", 26),
                                            ("Next week", 30)])
async def test_follow_up_presets_after_a_call(bot: Harness, label: str, day: int) -> None:
    mei = await make_rm(bot, "zh_Hant_TW")
    customer = await add(bot, mei, "陳大文 0901234567")
    card = await open_card(bot, mei, customer)
    await press_action(bot, mei, "cl", customer.id, "call", call=card)
    saved = only_message(await bot.send(mei, "客戶說下週再談"))
    echo = only_message(await bot.press(mei, tr("zh_Hant_TW", label), call=saved))
    due = datetime(2026, 11, day, 2, 0, tzinfo=UTC)  # 09:00 in Ho Chi Minh City
    assert [(r["due_at"], r["text"]) for r in await reminders_of(bot, customer)] == [
        (due.isoformat(), "")]
    with active("zh_Hant_TW", HCM):
        assert echo.text == _(REMIND_ECHO).format(name="<b>陳大文</b>",
                                                  when=f"<b>{format_datetime(due)}</b>")


async def test_remind_in_one_line_for_a_chinese_rm(bot: Harness) -> None:
    wei = await make_rm(bot, "zh_Hans", zone=SHANGHAI)
    customer = await add(bot, wei, "王伟 13800138000")
    echo = only_message(await bot.send(wei, "/remind 王伟 明天上午10点 回电"))
    due = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    assert [(r["due_at"], r["text"]) for r in await reminders_of(bot, customer)] == [
        (due.isoformat(), "回电")]
    with active("zh_Hans", SHANGHAI):
        assert echo.text == _(REMIND_ECHO).format(
            name="<b>王伟</b>", when=f"<b>{format_datetime(due)}</b>") + "\n回电"
    assert "10:00" in echo.text
    # By phone number, and with the words around it kept.
    await bot.send(wei, "/remind 13800138000 下周三 下午3点 面谈")
    texts = [r["text"] for r in await reminders_of(bot, customer)]
    assert texts[-1] == "面谈"
    unknown = only_message(await bot.send(wei, "/remind 李娜 明天 回电"))
    assert unknown.text == tr("zh_Hans", "I could not find that customer among yours. Check the "
                              "name or use the phone number.")
    await add(bot, wei, "王伟明 13900001111")
    several = only_message(await bot.send(wei, "/remind 王 明天 回电"))
    with active("zh_Hans", SHANGHAI):
        assert several.text == _("Several customers match: {names}. Please write more of the "
                                 "name, or the phone number.").format(names="王伟明或王伟")


async def test_remind_and_note_by_phone_keep_every_word(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    customer = await add(bot, lan, "Nguyễn Văn An 0901234567")
    await bot.send(lan, "/remind 0901234567 thứ 6 14h gọi lại")
    assert [(r["due_at"], r["text"]) for r in await reminders_of(bot, customer)] == [
        ("2026-11-27T07:00:00+00:00", "gọi lại")]
    await bot.send(lan, "/note 0901 234 567 đã gửi 2 bộ hồ sơ")
    await bot.send(lan, "/note An 0901234567 hẹn tuần sau")
    assert [n.text for n in await history(bot, lan, customer)] == [
        "hẹn tuần sau", "đã gửi 2 bộ hồ sơ"]


async def test_skip_pressed_twice_skips_one_question(bot: Harness) -> None:
    lan = await make_rm(bot, "vi")
    await bot.send(lan, "/add")
    await bot.send(lan, "Phạm Minh Châu")
    ask_phone = bot.last_for(lan)
    await bot.press(lan, tr("vi", "Skip"), call=ask_phone)
    again = await bot.press(lan, tr("vi", "Skip"), call=ask_phone)
    assert answer_of(again).params["text"] == tr("vi", "Already handled.")
    assert shown(again) == []
    state = await bot.storage.states.get(lan.id, lan.id)
    assert state is not None and state.data["step"] == "note"
    await bot.send(lan, "cần mở tài khoản")
    customer = await only_customer(bot, lan)
    assert [n.text for n in await history(bot, lan, customer)] == ["cần mở tài khoản"]
    # A Skip left from that add, pressed while a new add asks for a name, creates nothing.
    await bot.send(lan, "/add")
    stale = await bot.press(lan, tr("vi", "Skip"), call=ask_phone)
    assert answer_of(stale).params["text"] == tr("vi", "Already handled.")
    assert len(await customers_of(bot, lan)) == 1
