"""Every button that writes has one effect however often or fast it is pressed: the access
gate claims a writing button's press once per message (handlers/access.py, the
button_presses table), so a double tap, a tap on an old message or the same tap reaching two
replicas does it once."""

from __future__ import annotations

import dataclasses
import typing
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from core import actions  # noqa: F401  (every action registers itself)
from core.buttons import ACTIONS, Action
from domain.suggestions import Suggestion
from playground.fake_api import ApiCall
from playground.fake_updates import Person
from tests.customers import seed
from tests.harness import Harness, tr

ALREADY = "Already handled."
WRITING = sorted(prefix for prefix, kind in ACTIONS.items() if kind.writes)
# Writing buttons whose press needs a conversation first (a draft being written, a guided
# /add, a file being imported, a group, a Telegram Business chat): with the world below the
# handler refuses them, so only the claim is checked for them here (their own suites press
# them in their conversations, twice where it matters).
NEEDS_A_CONVERSATION = {
    "bcs", "bkt", "bpa", "bpl", "bpx", "dcd", "dcx", "dsk", "dupn", "fadd",
    "fnote", "glang", "gro", "hsk", "ima", "imx", "invrev", "psn", "rmw", "sci", "rfn", "rfp", "dp",
    "scc", "scs", "scx", "skip", "svo", "fux",
    "ask", "askf",  # an open question (tests/test_flows.py presses them twice)
}


async def _world(bot: Harness, person: Person, team_name: str) -> dict[str, Any]:
    """An administrator leading a team, another RM in it, and a customer with a bit of
    everything: a due follow-up, a deal, a complaint, an inbox note, a note on file, a
    product held, a spouse, a suggestion from a note."""
    storage, now = bot.storage, bot.clock.now()
    team = await storage.create_team(person.id, team_name, now)
    assert team is not None
    await bot.register(person, role="admin", team_id=team.id, language="vi")
    await storage.set_team(person.id, person.id, team.id, now)  # the bootstrap admin too
    other = Person(person.id + 500, "Bình", "Trần", username=f"rm{person.id + 500}",
                   language_code="vi")
    await bot.register(other, role="rm", team_id=team.id, language="vi")
    customer = await seed(bot, person, "Nguyễn Văn An", "+84901234567")
    spouse = await seed(bot, person, "Trần Thị Bình")
    child = await seed(bot, person, "Nguyễn Minh Khang")
    await seed(bot, other, "Lê Văn Cường")
    receiver = Person(person.id + 700, "Cúc", "Phạm", username=f"rm{person.id + 700}",
                      language_code="vi")
    await bot.register(receiver, role="rm", team_id=team.id, language="vi")
    reminder_id = await storage.reminders.create(
        staff_id=person.id, customer_id=customer.id, kind="followup", text="gọi lại",
        due_at=now - timedelta(minutes=1), now=now)
    reminder = await storage.reminders.get(person.id, reminder_id or 0)
    assert reminder is not None
    deal = await storage.deals.create(owner_id=person.id, customer_id=customer.id,
                                      actor_id=person.id, now=now)
    assert deal is not None
    complaint_id = await storage.open_complaint(person.id, customer.id, "phí thẻ cao", now,
                                                now + timedelta(days=2))
    item = await storage.inbox.add(staff_id=person.id, kind="note", text="hẹn cà phê",
                                   now=now)
    note_id = await storage.add_interaction(staff_id=person.id, customer_id=customer.id,
                                            kind="note", now=now, text="gọi lại sau")
    holding_id = await storage.holdings.add(customer_id=customer.id, kind="deposit",
                                            product="Tiết kiệm 12 tháng", now=now,
                                            actor_id=person.id)
    await storage.household.link(person.id, customer.id, spouse.id, "spouse", person.id, now)
    members = await storage.household.members(person.id, customer.id)
    offered = await storage.suggestions.offer(
        staff_id=person.id, customer_id=customer.id, now=now,
        suggestion=Suggestion(kind="birthday", key="1980-05-06",
                              value={"birthday": "1980-05-06"}, start=0, end=0))
    assert offered is not None
    bot.api.clear()
    return {
        "customer_id": customer.id, "reminder_id": reminder.id, "version": reminder.version,
        "deal_id": deal.id, "complaint_id": complaint_id, "ref_id": complaint_id,
        "item_id": item.id, "interaction_id": note_id, "holding_id": holding_id,
        "other_id": spouse.id,
        "link_id": members[0].link_id if members else 0, "suggestion_id": offered.id,
        "staff_id": other.id, "from_id": other.id, "to_id": receiver.id, "team_id": team.id,
        "owner_id": other.id, "third_id": child.id,
    }


# Arguments that are not ids of the world: what a real button of that action carries.
OVERRIDES: dict[str, dict[str, Any]] = {
    "css": {"stage": "contact"}, "ds": {"stage": "contact"},
    "cev": {"field": "grade", "value": "VIP"}, "cec": {"field": "company"},
    "dlr": {"reason": "rate"}, "stfr": {"role": "lead"},
    "lang": {"language": "zh_Hans"}, "mode": {"mode": "note"},
    "tmx": {"customer_id": 0}, "inv": {"role": "rm"}, "cls": {"kind": "call"},
    "lo": {"kind": "call"},
    "svc": {"about": "c", "score": 5}, "svn": {"about": "c", "score": 9},
    "dp": {"key": "k1"}, "dcd": {"day": "2030-01-01"}, "hsk": {"field": "maturity_date"},
    "stfa": {"active": False}, "bkt": {"keep": True}, "prs": {"stage": "contact", "percent": 55},
    "hhr": {"relation": "child", "other_id": "third_id"},
    "undo": {"kind": "k"},  # the complaint just opened
}


def _action(kind: type[Action], world: dict[str, Any]) -> Action:
    """The action with the world's ids, and each other argument as a real button has it."""
    hints = typing.get_type_hints(kind)
    values: dict[str, Any] = {}
    for field in dataclasses.fields(kind):  # type: ignore[arg-type]
        if field.name in OVERRIDES.get(kind.prefix, {}):
            value = OVERRIDES[kind.prefix][field.name]
            values[field.name] = world.get(value, value) if isinstance(value, str) else value
        elif field.name in world:
            values[field.name] = world[field.name]
        elif field.default is not dataclasses.MISSING:
            continue
        else:
            hint = hints[field.name]
            options = typing.get_args(hint)
            values[field.name] = (options[0] if typing.get_origin(hint) is typing.Literal
                                  else 0 if hint is int or int in options
                                  else False if hint is bool else "x")
    return kind(**values)


# What a world holds, by table: its rows without ids, times and names (which differ between
# the twin worlds), so the difference a press makes compares across worlds.
WORLD_ROWS = {
    "audit_log": "SELECT action, entity FROM audit_log WHERE actor_id = ?",
    "customers": "SELECT * FROM customers WHERE owner_id = ?",
    "interactions": "SELECT * FROM interactions WHERE staff_id = ?",
    "reminders": "SELECT * FROM reminders WHERE staff_id = ?",
    "deals": "SELECT * FROM deals WHERE owner_id = ?",
    "complaints": "SELECT * FROM complaints WHERE owner_id = ?",
    "suggestions": "SELECT * FROM suggestions WHERE staff_id = ?",
    "inbox": "SELECT *, filed_at IS NOT NULL AS filed FROM inbox WHERE staff_id = ?",
    "staff": "SELECT * FROM staff WHERE team_id IN (SELECT team_id FROM staff WHERE id = ?)",
}


def _kept(column: str) -> bool:
    return not (column == "id" or column.endswith(("_id", "_at", "_key")) or column in (
        "name", "username", "detail", "text", "created_by", "invited_by", "key", "what"))


async def _world_rows(bot: Harness, person: Person) -> Counter[tuple[str, str]]:
    found: Counter[tuple[str, str]] = Counter()
    for table, sql in WORLD_ROWS.items():
        for row in await bot.storage.db.fetch_all(sql, (person.id,)):
            found[(table, repr(sorted((k, row[k]) for k in row.keys()  # noqa: SIM118
                                           if _kept(k))))] += 1
    return found


async def _effect(bot: Harness, person: Person, data: str, times: int
                  ) -> tuple[list[ApiCall], dict[tuple[str, str], int]]:
    """The calls the presses made, and the rows they added (+n) or took away (-n)."""
    before = await _world_rows(bot, person)
    calls = await bot.press_together(person, data, times=times)
    after = await _world_rows(bot, person)
    change = {key: after[key] - before[key] for key in before | after
              if after[key] != before[key]}
    return calls, change


def _gate_answers(calls: list[ApiCall]) -> list[ApiCall]:
    texts = {tr(language, ALREADY) for language in ("vi", "zh_Hans", "zh_Hant", "en")}
    return [call for call in calls if call.method == "answerCallbackQuery"
            and call.params.get("text") in texts]


def test_every_action_says_whether_it_writes() -> None:
    """An action class must declare `writes`: a new writing button cannot be left out."""
    assert all(isinstance(kind.writes, bool) for kind in ACTIONS.values())
    with pytest.raises(TypeError):
        type("Forgetful", (Action,), {}, prefix="zzfgt")
    # The writes the issue names are all guarded.
    for prefix in ("cls", "css", "svo", "svc", "svn", "ima", "tmx", "psn", "ca", "cdx",
                   "sga", "sgx", "dwx", "dlr", "rd", "lo", "rx"):
        assert ACTIONS[prefix].writes, prefix
    assert set(NEEDS_A_CONVERSATION) <= set(WRITING)


@pytest.mark.parametrize("prefix", WRITING)
async def test_every_writing_button_pressed_twice_at_once_acts_once(bot: Harness,
                                                                   prefix: str) -> None:
    """Pressed once in one world and twice at once in its twin, a writing button leaves the
    same audit rows (one effect, one audit row), and the second tap is told it was handled."""
    kind = ACTIONS[prefix]
    once, twice = Person(1000, "Hùng", "Trần", language_code="vi"), \
        Person(1001, "Mai", "Lê", language_code="vi")
    world_once = await _world(bot, once, "Team 1")
    world_twice = await _world(bot, twice, "Team 2")

    calls, effect_once = await _effect(bot, once, _action(kind, world_once).pack(owner=once.id),
                                       times=1)
    assert not _gate_answers(calls)
    calls, effect_twice = await _effect(bot, twice,
                                        _action(kind, world_twice).pack(owner=twice.id), times=2)
    assert len(_gate_answers(calls)) == 1, [(c.method, c.params) for c in calls]

    assert effect_twice == effect_once
    if prefix not in NEEDS_A_CONVERSATION:
        assert effect_once, f"{kind.__name__} did nothing in this world: seed what it needs"


async def test_a_used_button_on_an_old_message_acts_no_more(bot: Harness) -> None:
    """“Log it without a note” pressed again later on the same message logs no second call;
    the same button on a newer message does."""
    rm = Person(1000, "Hùng", "Trần", language_code="vi")
    world = await _world(bot, rm, "Team")
    data = ACTIONS["cls"](world["customer_id"], "call").pack(owner=rm.id)  # type: ignore[call-arg]
    query = bot.make.callback(rm, data).callback_query
    assert query is not None and query.message is not None
    shared = query.message.to_dict()

    async def calls_logged() -> int:
        return int(await bot.storage.db.fetch_value(
            "SELECT COUNT(*) FROM interactions WHERE customer_id = ? AND kind = 'call'",
            (world["customer_id"],)))
    assert not _gate_answers(await bot.send_update(bot.make.callback(rm, data, message=shared)))
    assert await calls_logged() == 1
    again = await bot.send_update(bot.make.callback(rm, data, message=shared))
    assert len(_gate_answers(again)) == 1 and await calls_logged() == 1
    assert not _gate_answers(await bot.press_data(rm, data))  # a new message: a new press
    assert await calls_logged() == 2


async def test_a_failed_press_can_be_pressed_again(bot: Harness) -> None:
    """When handling a press fails, its claim is given back: the RM can press again."""
    rm = Person(1000, "Hùng", "Trần", language_code="vi")
    world = await _world(bot, rm, "Team")
    data = ACTIONS["css"](world["customer_id"], "contact").pack(owner=rm.id)  # type: ignore[call-arg]
    message = bot.make.callback(rm, data).callback_query
    assert message is not None and message.message is not None
    shared = message.message.to_dict()
    original = bot.storage.change_stage

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the database went away")
    bot.storage.change_stage = broken  # type: ignore[method-assign]
    await bot.process(bot.make.callback(rm, data, message=shared))
    bot.storage.change_stage = original  # type: ignore[method-assign]
    calls = await bot.send_update(bot.make.callback(rm, data, message=shared))
    assert not _gate_answers(calls)
    customer = await bot.storage.customers.get(rm.id, world["customer_id"])
    assert customer is not None and customer.stage == "contact"


async def test_one_choice_per_message_whichever_button(bot: Harness) -> None:
    """Two outcomes tapped at once on one question log one contact; two follow-up presets
    tapped at once on its confirmation set one follow-up."""
    rm = Person(1000, "Hùng", "Trần", language_code="vi")
    world = await _world(bot, rm, "Team")
    customer_id = world["customer_id"]
    outcomes = [ACTIONS["lo"](customer_id, "call", key).pack(owner=rm.id)  # type: ignore[call-arg]
                for key in ("na", "cb")] + [
        ACTIONS["cls"](customer_id, "call").pack(owner=rm.id)]  # type: ignore[call-arg]
    calls = await bot.press_together(rm, outcomes)
    assert len(_gate_answers(calls)) == 2
    assert await bot.storage.db.fetch_value(
        "SELECT COUNT(*) FROM interactions WHERE customer_id = ? AND kind = 'call'",
        (customer_id,)) == 1
    before = len(await bot.storage.reminders.open_follow_ups(rm.id, customer_id))
    presets = [ACTIONS["fu"](customer_id, preset).pack(owner=rm.id)  # type: ignore[call-arg]
               for preset in ("1d", "3d", "1w")]
    calls = await bot.press_together(rm, presets)
    assert len(_gate_answers(calls)) == 2
    assert len(await bot.storage.reminders.open_follow_ups(rm.id, customer_id)) == before + 1
