"""/remind and typed follow-up times: a time that cannot be is refused with its reason, never
read as something else, and words that name a customer and a time at once are asked about."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from core.fake_api import ApiCall
from core.fake_updates import Person
from core.i18n import _, active, format_datetime
from core.messages import esc
from storage.customers import Customer
from tests.harness import Harness, answer_of, only_message

HCM = "Asia/Ho_Chi_Minh"
SHANGHAI = "Asia/Shanghai"
EXPIRED = "This button has expired. Please start again."


async def make_rm(bot: Harness, language: str, zone: str = HCM, person_id: int = 2201) -> Person:
    code = {"vi": "vi", "zh_Hans": "zh-hans", "zh_Hant": "zh-hant", "en": "en"}[language]
    person = Person(person_id, "Lan", "Nguyễn", username=f"rm{person_id}", language_code=code)
    await bot.register(person, language=language)
    region = {HCM: "VN", SHANGHAI: "CN"}[zone]
    await bot.storage.staff.set_timezone(person.id, zone, region)
    return person


async def new_customer(bot: Harness, owner: Person, name: str) -> Customer:
    return await bot.storage.customers.create(owner_id=owner.id, name=name, phone=None,
                                              region="VN", now=bot.clock.now())


async def reminders_of(bot: Harness, customer: Customer) -> list[dict[str, Any]]:
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
    assert await reminders_of(bot, customer) == []


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
    assert await reminders_of(bot, customer) == []


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
    assert await reminders_of(bot, customer) == []
    # With the right weekday it is taken, and no piece of the phrase is left in the task.
    await bot.send(rm, "/remind Nguyễn Văn An Thứ Tư, 2/12 lúc 14:00 gọi lại")
    assert await reminders_of(bot, customer) == [
        {"due_at": "2026-12-02T07:00:00+00:00", "text": "gọi lại", "status": "pending"}]


async def test_a_typed_snooze_or_follow_up_time_explains_a_problem(bot: Harness) -> None:
    rm = await make_rm(bot, "vi")
    customer = await new_customer(bot, rm, "Nguyễn Văn An")
    card = only_message(await bot.press_data(rm, _card_data(rm, customer)))
    await bot.press_data(rm, _data(card, "cf"), card)
    answer = only_message(await bot.send(rm, "30/2 gọi lại"))
    assert answer.text == text_in("vi", HCM, "“{text}” does not exist: that month has only "
                                  "{days} days.", text="30/2", days=29)
    assert await reminders_of(bot, customer) == []


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
            f"Lê Thị Mai · {format_datetime(tomorrow_nine)}"]
    assert await reminders_of(bot, mai) == []  # nothing guessed
    await bot.press(rm, "Lê Thị Mai", call=asked)
    assert await reminders_of(bot, mai) == [
        {"due_at": "2026-11-24T02:00:00+00:00", "text": "gọi lại", "status": "pending"}]
    again = await bot.press(rm, "Lê Thị Mai", call=asked)
    assert answer_of(again).params["text"] == text_in("vi", HCM, EXPIRED)
    assert len(await reminders_of(bot, mai)) == 1


async def test_typing_another_customer_takes_the_time_of_the_whole_line(bot: Harness) -> None:
    rm = await make_rm(bot, "vi")
    mai = await new_customer(bot, rm, "Lê Thị Mai")
    an = await new_customer(bot, rm, "Nguyễn Văn An")
    await bot.send(rm, "/remind mai 3h gọi lại")
    await bot.send(rm, "Nguyễn Văn An")
    # "mai 3h" = tomorrow 15:00 (a bare hour is a working hour), for An; Mai gets nothing.
    assert await reminders_of(bot, an) == [
        {"due_at": "2026-11-24T08:00:00+00:00", "text": "gọi lại", "status": "pending"}]
    assert await reminders_of(bot, mai) == []
    assert await bot.storage.states.get(rm.id, rm.id) is None


async def test_a_name_that_is_no_time_is_not_asked_about(bot: Harness) -> None:
    rm = await make_rm(bot, "vi")
    an = await new_customer(bot, rm, "Nguyễn Văn An")
    await new_customer(bot, rm, "Mai Anh")
    await bot.send(rm, "/remind Nguyễn Văn An mai 9h gọi lại")
    assert [r["text"] for r in await reminders_of(bot, an)] == ["gọi lại"]
