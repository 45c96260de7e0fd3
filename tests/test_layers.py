"""The layers, checked on the source: who may import whom, and SQL only in storage/.

    bot.py                      composition root: wires everything
    handlers/  scheduler/       answer updates / push on a schedule (handlers schedule by
                                writing rows, never by importing the scheduler)
    playground/                 the fake Bot API and the terminal shell
    core/                       the kit (and pushes/, the messages the scheduler sends)
    storage/                    all SQL
    domain/                     pure rules
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Test and benchmark support (tests/, testkit/, bench/) may import anything.
OURS = {"bot", "core", "domain", "handlers", "playground", "scheduler", "storage", "tests",
        "testkit", "bench"}
# For each layer, what it must never import (ours, or Telegram's library).
FORBIDDEN = {
    "domain": {"telegram", "storage", "handlers", "scheduler", "core.context", "playground",
               "bot"},
    "storage": {"telegram", "core", "handlers", "scheduler", "playground", "bot"},
    "core": {"handlers", "scheduler", "playground", "bot"},
    "handlers": {"scheduler", "playground", "bot"},
    "scheduler": {"playground", "bot"},
    "playground": {"handlers", "scheduler", "storage", "bot"},
}
SQL = re.compile(r"^\s*(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|CREATE TABLE|ALTER TABLE"
                 r"|WITH \w+ AS)\b")  # the SQL here is written in capitals
DATABASE_CALLS = {"execute", "execute_many", "fetch_all", "fetch_one", "fetch_value", "insert",
                  "try_insert"}


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    """Every absolute module name the file imports, at any depth (type-checking ones too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _breaks(name: str, forbidden: set[str]) -> bool:
    return any(name == rule or name.startswith(rule + ".") for rule in forbidden)


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_only_what_it_may(layer: str) -> None:
    wrong = {f"{path.relative_to(ROOT)} imports {name}"
             for path in _modules(layer) for name in _imports(path)
             if _breaks(name, FORBIDDEN[layer])}
    assert not wrong, sorted(wrong)


def test_the_layer_rules_cover_every_package() -> None:
    packages = {path.name for path in ROOT.iterdir()
                if path.is_dir() and (path / "__init__.py").exists()}
    assert packages <= OURS, packages - OURS
    assert {"domain", "storage", "core", "handlers", "scheduler", "playground"} <= set(FORBIDDEN)


def _where(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def _sql_in(path: Path) -> list[str]:
    """SQL text, or a call on a database connection, in this file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                and SQL.match(node.value)):
            found.append(f"{_where(path)}:{node.lineno}: {node.value[:40]!r}")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in DATABASE_CALLS and isinstance(node.func.value, ast.Attribute)
              and node.func.value.attr == "db"):
            found.append(f"{_where(path)}:{node.lineno}: db.{node.func.attr}(…)")
    return found


def test_sql_only_in_storage() -> None:
    outside = [ROOT / "bot.py", *(path for package in FORBIDDEN if package != "storage"
                                  for path in _modules(package))]
    found = [line for path in outside for line in _sql_in(path)]
    assert not found, found


def test_the_checks_see_a_violation(tmp_path: Path) -> None:
    """Not vacuous: a handler importing the scheduler and running SQL itself is caught."""
    sample = tmp_path / "sample.py"
    sample.write_text("from scheduler.dispatcher import Dispatcher\n"
                      "async def f(storage):\n"
                      "    await storage.db.execute('UPDATE staff SET name = ?', ('x',))\n")
    assert any(_breaks(name, FORBIDDEN["handlers"]) for name in _imports(sample))
    assert len(_sql_in(sample)) == 2
