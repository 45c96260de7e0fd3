"""Every change to staff or customer data leaves an audit row, written by storage in the same
transaction as the change.

The harness checks each update every test sends (tests/harness.py, Harness.process): one that
changed a table of staff or customer data without writing audit_log fails the test, so every
handler the suite drives is held to it. These tests show the check sees what it must.
"""

from __future__ import annotations

import ast
from pathlib import Path

from playground.fake_updates import Person
from storage.db import to_db_time
from tests.harness import DATA_TABLES, Harness, audited_writes

ROOT = Path(__file__).resolve().parent.parent


async def test_a_change_and_its_audit_row_are_seen(bot: Harness, rm: Person) -> None:
    await bot.register(rm, language="vi")
    with audited_writes(bot.storage.db) as written:
        await bot.app.process_update(bot.make.message(rm, "/add Nguyễn Văn An 0901 234 567"))
    assert {"customers", "audit_log"} <= written


async def test_a_change_without_an_audit_row_is_seen(bot: Harness, rm: Person) -> None:
    await bot.register(rm, language="vi")
    customer = await bot.storage.customers.create(owner_id=rm.id, name="An", phone=None,
                                                  region="VN", now=bot.clock.now())
    with audited_writes(bot.storage.db) as written:
        await bot.storage.db.execute("UPDATE customers SET name = ?, updated_at = ? WHERE id = ?",
                                     ("Bình", to_db_time(bot.clock.now()), customer.id))
        # Reading, or a write that changes no row, is not a change.
        await bot.storage.customers.get(rm.id, customer.id)
        await bot.storage.db.execute("UPDATE customers SET name = ? WHERE id = ?", ("x", -1))
    assert written & DATA_TABLES == {"customers"} and "audit_log" not in written


def test_only_storage_writes_the_audit_log() -> None:
    """Handlers, the scheduler and the kit call storage's changes, which audit themselves."""
    calls = []
    for package in ("bot.py", "core", "handlers", "scheduler", "playground"):
        root = ROOT / package
        for path in [root] if root.is_file() else sorted(root.rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if (isinstance(node, ast.Attribute) and node.attr == "record"
                        and isinstance(node.value, ast.Attribute)
                        and node.value.attr == "audit"):
                    calls.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not calls
