"""Registration through invites, language and time zone choice, and refusing strangers."""

from __future__ import annotations

from playground.fake_updates import Person
from tests.harness import Harness


async def test_admin_invites_and_newcomer_registers_in_vietnamese(
    bot: Harness, admin: Person, rm: Person
) -> None:
    await bot.send(admin, "/invite")
    await bot.press(admin, "Chuyên viên")
    link_message = bot.last_for(admin).text
    assert "https://t.me/rapport_bot?start=" in link_message
    code = link_message.split("?start=")[1].split()[0]

    calls = await bot.send(rm, f"/start {code}")
    welcome = bot.last_for(rm)
    assert "Chào mừng" in welcome.text
    assert any(c.method == "setMyCommands" for c in calls)
    await bot.press(rm, "简体中文")
    assert "时区" in bot.last_for(rm).text
    await bot.press(rm, "中国大陆（GMT+8）")
    staff = await bot.storage.staff.get(rm.id)
    assert staff is not None and staff.language == "zh_Hans"
    assert staff.timezone == "Asia/Shanghai" and staff.region == "CN"
    assert "/help" in bot.last_for(rm).text


async def test_invite_is_single_use(bot: Harness, admin: Person, rm: Person) -> None:
    await bot.send(admin, "/invite")
    await bot.press(admin, "Chuyên viên")
    code = bot.last_for(admin).text.split("?start=")[1].split()[0]
    await bot.send(rm, f"/start {code}")
    other = Person(3003, "Minh", language_code="en")
    await bot.send(other, f"/start {code}")
    assert "not valid" in bot.last_for(other).text
    assert await bot.storage.staff.get(other.id) is None


async def test_stranger_gets_one_polite_refusal(bot: Harness, stranger: Person) -> None:
    calls = await bot.send(stranger, "/help")
    sent = [c for c in calls if c.method == "sendMessage"]
    assert len(sent) == 1
    assert "only for registered bank staff" in sent[0].text
    assert not sent[0].buttons
    assert not any(c.method == "setMyCommands" for c in calls)
