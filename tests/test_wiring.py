"""The production wiring is complete: every button action has one handler in the ordered list,
every flow a handler sets has a route for the answer, and buttons are made only from typed
actions (whose data packs into 64 bytes and parses back to the same action)."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import typing
from pathlib import Path
from typing import Any, Literal

import pytest
from telegram.ext import CallbackQueryHandler

import core.actions
from core import buttons
from core.buttons import ACTIONS, MAX_CALLBACK_BYTES, Action
from handlers import FEATURES, flows

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = ["core", "handlers", "scheduler", "playground"]


def _sources(*packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (ROOT / package).rglob("*.py"))


def test_every_action_has_one_handler() -> None:
    patterns = [handler.pattern.pattern for handler in FEATURES  # type: ignore[union-attr]
                if isinstance(handler, CallbackQueryHandler) and handler.pattern is not None]
    assert sorted(patterns) == sorted(kind.pattern() for kind in ACTIONS.values())
    # A catch-all would answer what the access gate already refused.
    assert all(handler.pattern is not None
               for handler in FEATURES if isinstance(handler, CallbackQueryHandler))


def test_buttons_are_made_only_from_typed_actions() -> None:
    """No untyped button(label, "action", …) in the bot: its arguments would be parsed by hand."""
    untyped = []
    for path in _sources(*PRODUCTION):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute)
                    and getattr(node.func, "id", getattr(node.func, "attr", None))
                    in ("button", "pack") and len(node.args) >= 2
                    and isinstance(node.args[1], ast.Constant)):
                untyped.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not untyped


def _sample(annotation: Any) -> Any:
    """A value of the type at the length a real one can reach (a supergroup's chat id)."""
    if typing.get_origin(annotation) is Literal:
        return max(typing.get_args(annotation), key=len)
    options = [option for option in typing.get_args(annotation) if option is not type(None)]
    if options:
        return _sample(options[0])
    return {int: -1001234567890, str: "zh_Hant_TW", bool: True}[annotation]


@pytest.mark.parametrize("kind", [ACTIONS[prefix] for prefix in sorted(ACTIONS)],
                         ids=lambda kind: kind.__name__)
def test_an_action_packs_under_64_bytes_and_parses_back(kind: type[Action],
                                                         secret: None) -> None:
    hints = typing.get_type_hints(kind)
    fields = dataclasses.fields(kind)  # type: ignore[arg-type]
    if kind is core.actions.RevokeInvite:
        values = {"code": "A" * 16}  # secrets.token_urlsafe(12)
    else:
        values = {field.name: _sample(hints[field.name]) for field in fields}
    action = kind(**values)
    data = action.pack(owner=5012345678)
    assert len(data.encode()) <= MAX_CALLBACK_BYTES
    payload = buttons.unpack(data, 5012345678)
    assert payload is not None and buttons.parse_action(payload) == action
    # Anything else after the prefix is refused, never half-read.
    assert buttons.parse_action([kind.prefix, *payload[1:], "extra"]) is None


def test_optional_arguments_and_types_are_checked(secret: None) -> None:
    from core.actions import AnswerCsat, ResolveComplaint, SetStage, ShowProductGroup

    assert buttons.parse_action(["pg"]) == ShowProductGroup(None)
    assert ShowProductGroup().pack(owner=1).startswith("pg|")
    assert buttons.parse_action(["svr", "12"]) == ResolveComplaint(12, False)
    assert buttons.parse_action(["svc", "s", "12"]) == AnswerCsat("s", 12, None)
    assert buttons.parse_action(["svc", "x", "12"]) is None  # not a Literal value
    assert buttons.parse_action(["c", "12a"]) is None
    assert buttons.parse_action(["c"]) is None
    assert buttons.parse_action(["nope", "1"]) is None
    with pytest.raises(ValueError):
        SetStage(1, "a:b").pack(owner=1)  # a separator inside an argument


@pytest.fixture
def secret() -> None:
    buttons.configure("test-secret")


def _flows_set() -> dict[str, str]:
    """Every flow a handler starts with states.set(…, FLOW, …): value → where."""
    return {flow: where for flow, (where, _asked) in _flows_started().items()}


def _flows_started() -> dict[str, tuple[str, bool]]:
    """Every flow a handler starts, with states.set(…, FLOW, …) or as a question asked with
    handlers.common.ask(update, context, FLOW, …): value → (where, whether ever asked)."""
    found: dict[str, tuple[str, bool]] = {}
    for path in _sources("handlers"):
        module = importlib.import_module(f"handlers.{path.stem}")
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            asked = isinstance(node.func, ast.Name) and node.func.id == "ask"
            stored = (isinstance(node.func, ast.Attribute) and node.func.attr == "set"
                      and isinstance(node.func.value, ast.Attribute)
                      and node.func.value.attr == "states")
            argument = node.args[2] if (asked or stored) and len(node.args) > 2 else None
            # The machinery passes a question's flow through (ask itself, a held answer).
            if argument is None or (isinstance(argument, ast.Name) and argument.id == "flow"):
                continue
            flow = eval(compile(ast.Expression(argument), str(path), "eval"), vars(module))
            was_asked = found.get(flow, ("", False))[1]
            found[flow] = (f"{path.relative_to(ROOT)}:{node.lineno}", was_asked or asked)
    return found


def test_every_question_is_asked_with_skip_and_its_file() -> None:
    """A question whose answer is the next text is asked through handlers.common.ask (a Skip
    button, whose file, ten minutes), or has Skip and Cancel buttons of its own."""
    started = _flows_started()
    plain = {flow: where for flow, (where, asked) in started.items()
             if flow in flows.STEPS and not asked and flow not in flows.OWN_SKIP}
    assert plain == {}


def test_every_flow_has_a_route() -> None:
    started = _flows_set()
    routed = set(flows.STEPS) | set(flows.FILE_STEPS) | flows.WAITING_FOR_BUTTONS
    assert {flow: where for flow, where in started.items() if flow not in routed} == {}
    # …and no route waits for a flow nothing starts.
    assert routed - set(started) == set()
