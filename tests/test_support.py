"""Where shared test code lives: the tests and the benchmarks share only ``testkit/``, and no
test module imports another (what suites share is in ``tests/harness.py``,
``tests/customers.py``, ``tests/staff.py`` and the like)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def offenders(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(f"{path.relative_to(ROOT)}: {module}"
                  for path in (ROOT / folder).rglob("*.py")
                  for module in imported_modules(path)
                  if module.split(".")[0] in forbidden
                  or any(module.startswith(prefix) for prefix in forbidden if "." in prefix))


def test_benchmarks_do_not_import_the_tests() -> None:
    assert not offenders("bench", ("tests",))
    assert not offenders("testkit", ("tests", "bench"))


def test_tests_do_not_import_the_benchmarks_or_each_other() -> None:
    assert not offenders("tests", ("bench", "tests.test_"))
