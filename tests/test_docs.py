"""The docs stay true: every setting, command and module is in them, every path they name
exists, and the README's test command is the one CI runs."""

from __future__ import annotations

import re
from pathlib import Path

from telegram.ext import CommandHandler

from handlers import FEATURES
from handlers.menu import COMMANDS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
LAYERS = ("handlers", "domain", "storage", "scheduler", "core", "playground")
# Top-level folders whose paths (``core/i18n.py``) and modules (``core.i18n``) the docs name.
TREES = ("handlers", "domain", "storage", "scheduler", "core", "locales", "tests", "testkit",
         "bench", "catalog", "docs", "scripts", "playground", ".ci")
PACKAGES = ("handlers", "domain", "storage", "scheduler", "core", "tests", "testkit", "bench",
            "playground")


def read(relative: str) -> str:
    return (ROOT / relative).read_text(encoding="utf-8")


def documents() -> list[Path]:
    return [ROOT / "README.md", ROOT / "bench" / "README.md", *sorted(DOCS.glob("*.md"))]


def section(text: str, heading: str) -> str:
    """The text under a ``## heading``, up to the next heading of that level."""
    start = text.index(f"\n{heading}\n")
    level = heading.split(" ", 1)[0]
    end = text.find(f"\n{level} ", start + len(heading) + 2)
    return text[start:end if end != -1 else len(text)]


def table_names(text: str) -> set[str]:
    """The names in the first column of a table's rows: ``| `NAME` | …``."""
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", text, re.MULTILINE))


def test_every_setting_is_in_the_settings_table() -> None:
    read_by_config = set(re.findall(r'"((?:TELEGRAM|RAPPORT|DATABASE)_[A-Z_]+)"',
                                    read("core/config.py")))
    assert len(read_by_config) > 10, read_by_config
    listed = table_names(section(read("docs/operations.md"), "## Settings"))
    assert not read_by_config - listed, (
        f"settings missing from docs/operations.md#settings: {sorted(read_by_config - listed)}")
    assert not listed - read_by_config, (
        f"docs/operations.md lists settings core/config.py does not read: "
        f"{sorted(listed - read_by_config)}")


def test_every_setting_of_the_test_run_is_in_the_testing_guide() -> None:
    used = set()
    for folder in ("tests", "testkit", "storage", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            used |= set(re.findall(r"RAPPORT_TEST_[A-Z_]+", path.read_text(encoding="utf-8")))
    listed = table_names(section(read("docs/testing.md"), "## Settings of the test run"))
    assert used and not used - listed, f"missing from docs/testing.md: {sorted(used - listed)}"


def commands() -> set[str]:
    registered = {name for handler in FEATURES if isinstance(handler, CommandHandler)
                  for name in handler.commands}
    return registered | {command.name for command in COMMANDS}


def test_every_command_is_in_the_user_guide_and_only_those() -> None:
    guide = read("docs/user-guide.md")
    missing = sorted(name for name in commands() if not re.search(rf"`/{name}\b", guide))
    assert not missing, f"commands missing from docs/user-guide.md: {missing}"
    named = set(re.findall(r"`/([a-z]+)", guide))
    assert not named - commands(), (
        f"docs/user-guide.md names commands the bot does not have: {sorted(named - commands())}")


def test_every_command_has_examples_in_every_language() -> None:
    """A command that takes arguments shows them in Vietnamese, Simplified, and Taiwan's and
    Hong Kong's Traditional Chinese."""
    guide = read("docs/user-guide.md")
    examples: dict[str, list[str]] = {}
    for row in re.findall(r"^\| `/([a-z]+)` \| (.+) \|$", guide, re.MULTILINE):
        examples[row[0]] = [cell for cell in row[1].split(" | ")]
    with_arguments = [command.name for command in COMMANDS if command.example]
    missing = [name for name in with_arguments
               if len(examples.get(name, [])) != 4 or not all(examples[name])]
    assert not missing, (
        f"no vi / 简体 / 繁體（台灣） / 繁體（香港） examples in docs/user-guide.md: {missing}")
    for name in with_arguments:
        assert all(f"/{name}" in cell for cell in examples[name]), name


def test_every_module_is_in_the_architecture() -> None:
    architecture = read("docs/architecture.md")
    modules = sorted(path.relative_to(ROOT).as_posix() for layer in LAYERS
                     for path in (ROOT / layer).rglob("*.py")
                     if path.name != "__init__.py" or path.read_text(encoding="utf-8").strip())
    missing = [module for module in modules if f"`{module}`" not in architecture]
    assert not missing, f"modules missing from docs/architecture.md: {missing}"


def test_every_test_module_is_in_the_architecture() -> None:
    """Each suite is in the feature index (or the kit's table): where a feature's tests are."""
    architecture = read("docs/architecture.md")
    suites = sorted(path.relative_to(ROOT).as_posix()
                    for path in (ROOT / "tests").glob("test_*.py"))
    missing = [suite for suite in suites if f"`{suite}`" not in architecture]
    assert not missing, f"test modules missing from docs/architecture.md: {missing}"


def test_the_feature_index_names_what_exists() -> None:
    index = section(read("docs/architecture.md"), "## Feature index")
    rows = [line for line in index.splitlines() if line.startswith("| ") and "`" in line]
    assert len(rows) >= 10, index
    for row in rows:
        for name in re.findall(r"`([^`\s]+\.(?:py|sql))`", row):
            if name.endswith(".sql"):
                assert (ROOT / "storage" / "migrations" / name).is_file(), (row, name)
            else:
                assert (ROOT / name).is_file(), f"the feature index names {name}, not a file"


def exists(name: str) -> bool | None:
    """Whether a path (``core/i18n.py``, ``storage/schema/``) or a module (``core.i18n.active``,
    ``handlers/lookup.split_customer``) the docs name exists; None if it names neither."""
    if re.search(r"[<>*…{}]|NNNN", name):
        return None
    path = name.split("::")[0].rstrip(":,")
    top = re.split(r"[/.]", path, maxsplit=1)[0]
    if "/" in path and top in TREES:
        if (ROOT / path).exists():
            return True
        folder, _, last = path.rpartition("/")
        module = last.split(".")[0]  # handlers/lookup.split_customer: a function of a module
        return (ROOT / folder / f"{module}.py").is_file()
    if "." in path and top in PACKAGES and re.fullmatch(r"[\w.]+", path):
        parts = path.split(".")
        return any((ROOT / "/".join(parts[:n])).with_suffix(".py").is_file()
                   or ((ROOT / "/".join(parts[:n])).is_dir() and n == len(parts))
                   # core.pushes.RENDERERS: a name in a package's __init__.py
                   or (ROOT / "/".join(parts[:n]) / "__init__.py").is_file()
                   for n in range(2, len(parts) + 1))
    return None


def test_every_path_the_docs_name_exists() -> None:
    missing = []
    for document in documents():
        text = document.read_text(encoding="utf-8")
        for name in re.findall(r"`([^`\s]+)`", text):
            if exists(name) is False:
                missing.append(f"{document.relative_to(ROOT)}: {name}")
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            local = not target.startswith(("http://", "https://"))
            if local and not (document.parent / target).exists():
                missing.append(f"{document.relative_to(ROOT)}: link {target}")
    assert not missing, "the docs name what does not exist:\n" + "\n".join(missing)


def test_the_readme_is_a_readme_and_its_test_command_is_what_ci_runs() -> None:
    readme = read("README.md")
    assert len(readme.splitlines()) <= 150, "README.md is over 150 lines: move detail to docs/"
    commands_shown = re.findall(r"^(.*python -m pip install .*requirements-dev\.txt .*)$", readme,
                                re.MULTILINE)
    assert len(commands_shown) == 1, commands_shown
    ci = read(".ci/run").splitlines()
    assert commands_shown[0] in ci, f"{commands_shown[0]!r} is not a line of .ci/run"
