"""The capture repositories on both engines: customers, interactions, the inbox, card
messages and saved searches; every query scoped to its owner."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import storage.db
from domain.names import query_forms
from storage import Storage, open_storage
from storage.customers import EDITABLE, PERSONAL, Customer
from storage.db import to_db_time

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
LAN, MINH = 2001, 2002
REAL_MIGRATIONS = storage.db.MIGRATIONS_DIR


@pytest.fixture
async def store(database: str | Path) -> AsyncIterator[Storage]:
    opened = await open_storage(database)
    for staff_id, name in ((LAN, "Lan"), (MINH, "Minh")):
        await opened.staff.register(staff_id=staff_id, name=name, username=None, role="rm",
                                    team_id=None, timezone="Asia/Ho_Chi_Minh", region="VN",
                                    invited_by=None, now=NOW)
    yield opened
    await opened.close()


async def new(store: Storage, name: str, phone: str | None = None, owner: int = LAN,
              **extra: Any) -> Customer:
    return await store.customers.create(owner_id=owner, name=name, phone=phone, region="VN",
                                        now=NOW, **extra)


async def keys(store: Storage, customer_id: int) -> tuple[str, str]:
    row = await store.db.fetch_one(
        "SELECT search_key, phone_key FROM customers WHERE id = ?", (customer_id,))
    assert row is not None
    return row["search_key"], row["phone_key"]


async def found(store: Storage, query: str, owner: int = LAN, digits: str = "") -> list[str]:
    page = await store.customers.search(owner, query_forms(query), digits, offset=0, limit=50)
    return sorted(c.name for c in page.customers)


# -- create, get, duplicates -----------------------------------------------------------------


async def test_create_and_get_are_scoped_by_owner(store: Storage) -> None:
    an = await new(store, "Nguyễn Văn An", "+84901234567", company="Minh Phát")
    assert (an.owner_id, an.name, an.phone, an.company) == (LAN, "Nguyễn Văn An",
                                                            "+84901234567", "Minh Phát")
    assert (an.stage, an.segment, an.created_at, an.last_contact_at) == (
        "find", "individual", NOW, None)
    assert await store.customers.get(LAN, an.id) == an
    assert await store.customers.get(MINH, an.id) is None
    assert await store.customers.get(LAN, an.id + 100) is None
    search_key, phone_key = await keys(store, an.id)
    assert "|nguyen van an|" in search_key and "|minh phat|" in search_key
    assert phone_key == "|0901234567|901234567|84901234567|"


async def test_create_refuses_columns_that_are_not_fields(store: Storage) -> None:
    with pytest.raises(ValueError, match="not customer fields"):
        await new(store, "An", search_key="|x|")
    with pytest.raises(ValueError, match="not customer fields"):
        await new(store, "An", erased_at=to_db_time(NOW))
    assert await store.db.fetch_value("SELECT COUNT(*) FROM customers") == 0
    assert {"owner_id", "search_key", "phone_key", "erased_at"}.isdisjoint(EDITABLE)


async def test_duplicates_by_phone_or_folded_name(store: Storage) -> None:
    an = await new(store, "Nguyễn Văn An", "+84901234567")
    wang = await new(store, "王偉", "+8613800138000")
    await new(store, "Nguyễn Văn Anh", "+84911111111")
    await new(store, "Nguyễn Văn An", "+84922222222", owner=MINH)
    duplicates = store.customers.duplicates
    assert [c.id for c in await duplicates(LAN, "nguyen van an", None)] == [an.id]
    assert [c.id for c in await duplicates(LAN, "  NGUYỄN  văn an ", None)] == [an.id]
    assert [c.id for c in await duplicates(LAN, "Someone else", "+84901234567")] == [an.id]
    assert [c.id for c in await duplicates(LAN, "王伟", None)] == [wang.id]
    assert await duplicates(LAN, "Nguyễn Văn", None) == []
    assert await duplicates(LAN, "", None) == []
    assert await duplicates(LAN, "   ", None) == []
    assert await duplicates(MINH, "Trần", "+84901234567") == []
    # Erased customers are not duplicates.
    assert await store.customers.erase(LAN, an.id, NOW)
    assert await duplicates(LAN, "Nguyễn Văn An", "+84901234567") == []


async def test_duplicate_names_match_wildcards_literally(store: Storage) -> None:
    await new(store, "axb")
    await new(store, "50 off")
    assert await store.customers.duplicates(LAN, "a_b", None) == []
    assert await store.customers.duplicates(LAN, "50% off", None) == []
    literal = await new(store, "a_b")
    assert [c.id for c in await store.customers.duplicates(LAN, "A_B", None)] == [literal.id]


# -- update ----------------------------------------------------------------------------------


async def test_update_keeps_the_search_keys_in_step(store: Storage) -> None:
    an = await new(store, "Nguyễn Văn An", "+84901234567")
    later = NOW + timedelta(hours=1)
    updated = await store.customers.update(LAN, an.id, later, "VN", name="Lý Thường Kiệt",
                                           company="Tiệm vàng Kim Thành", tags="vip, vàng")
    assert updated is not None
    assert (updated.name, updated.company, updated.tags) == ("Lý Thường Kiệt",
                                                             "Tiệm vàng Kim Thành", "vip, vàng")
    search_key, phone_key = await keys(store, an.id)
    assert "|ly thuong kiet|" in search_key and "nguyen" not in search_key
    assert "|tiem vang kim thanh|" in search_key and "|vip, vang|" in search_key
    assert phone_key == "|0901234567|901234567|84901234567|"
    updated = await store.customers.update(LAN, an.id, later, "VN", phone="+8613800138000")
    assert updated is not None and updated.phone == "+8613800138000"
    assert (await keys(store, an.id))[1] == "|13800138000|8613800138000|"
    assert await found(store, "kim thanh") == ["Lý Thường Kiệt"]
    assert await found(store, "", digits="0901234567") == []
    assert await found(store, "", digits="13800138000") == ["Lý Thường Kiệt"]
    await store.customers.update(LAN, an.id, later, "VN", phone=None, company=None)
    assert (await keys(store, an.id))[1] == ""
    assert await found(store, "kim thanh") == []
    row = await store.db.fetch_one("SELECT updated_at FROM customers WHERE id = ?", (an.id,))
    assert row is not None and row["updated_at"] == to_db_time(later)


async def test_update_is_scoped_and_refuses_other_columns(store: Storage) -> None:
    an = await new(store, "Nguyễn Văn An", "+84901234567")
    assert await store.customers.update(MINH, an.id, NOW, "VN", name="Stolen") is None
    assert (await store.customers.get(LAN, an.id)) == an
    for column in ("id", "search_key", "phone_key", "erased_at", "stage", "created_at"):
        with pytest.raises(ValueError, match="not editable"):
            await store.customers.update(LAN, an.id, NOW, "VN", **{column: "x"})
    assert (await store.customers.get(LAN, an.id)) == an


# -- search ----------------------------------------------------------------------------------


async def test_search_treats_like_wildcards_literally(store: Storage) -> None:
    for name in ("50% off shop", "500 off shop", "a_b traders", "axb traders",
                 "back\\slash", "backslash"):
        await new(store, name)
    assert await found(store, "50% off") == ["50% off shop"]
    assert await found(store, "a_b") == ["a_b traders"]
    # Only the literal form: the no-space one ('ks') drops the backslash on purpose.
    literal = await store.customers.search(LAN, query_forms("k\\s")[:1], "", offset=0,
                                           limit=10)
    assert [c.name for c in literal.customers] == ["back\\slash"]
    assert await found(store, "%") == ["50% off shop"]
    assert await found(store, "_") == ["a_b traders"]
    assert await found(store, "off shop") == ["50% off shop", "500 off shop"]
    # The no-space form drops punctuation on purpose ('a.b' finds 'ab'): '50%' also tries '50'.
    assert await found(store, "50%") == ["50% off shop", "500 off shop"]


async def test_search_is_scoped_and_skips_archived_and_erased(store: Storage) -> None:
    an = await new(store, "Nguyễn Văn An", "+84901234567")
    archived = await new(store, "Nguyễn Văn Bình", "+84912345678")
    erased = await new(store, "Nguyễn Văn Cường", "+84987654321")
    await new(store, "Nguyễn Văn Dũng", owner=MINH)
    await store.customers.set_archived(LAN, archived.id, True, NOW)
    await store.customers.erase(LAN, erased.id, NOW)
    assert await found(store, "nguyen van") == ["Nguyễn Văn An"]
    page = await store.customers.search(LAN, query_forms("nguyen"), "", offset=0, limit=10,
                                        archived=True)
    assert [c.id for c in page.customers] == [archived.id]
    assert await found(store, "nguyen van", owner=MINH) == ["Nguyễn Văn Dũng"]
    assert await found(store, "", digits="987654321") == []
    assert await found(store, "", digits="12") == []  # too few digits to mean a phone
    assert (await store.customers.search(LAN, [], "", offset=0, limit=10)).total == 0
    assert an.id


async def test_search_pages_newest_contact_first(store: Storage) -> None:
    created = [await new(store, f"Khách {n:02d}") for n in range(12)]
    await store.interactions.add(customer_id=created[3].id, staff_id=LAN, kind="call",
                                 happened_at=NOW + timedelta(days=1), now=NOW)
    first = await store.customers.search(LAN, query_forms("khach"), "", offset=0, limit=5)
    second = await store.customers.search(LAN, query_forms("khach"), "", offset=5, limit=5)
    assert first.total == second.total == 12
    others = [c.id for c in reversed(created) if c.id != created[3].id]
    assert [c.id for c in first.customers] == [created[3].id, *others[:4]]
    assert {c.id for c in first.customers}.isdisjoint(c.id for c in second.customers)


async def test_phone_beside_a_name_must_match_both(store: Storage) -> None:
    an = await new(store, "Nguyễn Văn An", "+84901234567")
    await new(store, "Trần Thị Bích", "+84901234567")
    page = await store.customers.search(LAN, [], "0901234567", offset=0, limit=10,
                                        digits_with=query_forms("van an"))
    assert [c.id for c in page.customers] == [an.id]
    page = await store.customers.search(LAN, [], "0901234567", offset=0, limit=10,
                                        digits_with=query_forms("da gui ho so"))
    assert page.customers == []


# -- stages, lists ---------------------------------------------------------------------------


async def test_stage_counts_and_lists(store: Storage) -> None:
    ids = [(await new(store, f"KH {n}")).id for n in range(5)]
    for customer_id in ids[:3]:
        await store.customers.set_stage(LAN, customer_id, "consult", None, NOW)
    await store.customers.set_stage(LAN, ids[3], "lost", "giá cao", NOW)
    await store.customers.set_archived(LAN, ids[4], True, NOW)
    await store.customers.set_stage(MINH, ids[4], "won", None, NOW)  # not Minh's: no effect
    assert await store.customers.stage_counts(LAN) == {"consult": 3, "lost": 1}
    assert await store.customers.stage_counts(MINH) == {}
    page = await store.customers.in_stage(LAN, "consult", offset=0, limit=2)
    assert page.total == 3 and len(page.customers) == 2
    lost = await store.customers.get(LAN, ids[3])
    assert lost is not None and lost.lost_reason == "giá cao"
    archived = await store.customers.archived(LAN, offset=0, limit=10)
    assert [c.id for c in archived.customers] == [ids[4]]
    assert (await store.customers.archived(MINH, offset=0, limit=10)).total == 0
    assert await store.customers.set_archived(MINH, ids[0], True, NOW) is False
    assert [c.id for c in await store.customers.recent(LAN, limit=10)] == list(
        reversed(ids[:4]))


# -- erase -----------------------------------------------------------------------------------


async def test_erase_blanks_every_personal_column_and_the_history(store: Storage) -> None:
    values: dict[str, Any] = {column: f"secret {column}" for column in PERSONAL
                              if column != "phone"}
    values["birthday"] = "1985-03-15"
    values["telegram_id"] = 987654321  # a number column: PostgreSQL takes no text there
    an = await new(store, "Nguyễn Văn An", "+84901234567", birthday_lunar=1, **values)
    friend = await new(store, "Trần Thị Bích", referrer="Nguyễn Văn An", referred_by=an.id)
    other = await new(store, "Lê Văn Tám", "+84912345678", company="keep me")
    await store.customers.set_stage(LAN, an.id, "won", None, NOW)
    await store.interactions.add(customer_id=an.id, staff_id=LAN, kind="note",
                                 happened_at=NOW, now=NOW, text="vay 2 tỷ")
    await store.interactions.add(customer_id=an.id, staff_id=LAN, kind="file",
                                 happened_at=NOW, now=NOW, text="CMND", file_id="ph-1",
                                 file_type="photo", file_name="cmnd.jpg")
    await store.interactions.add(customer_id=an.id, staff_id=LAN, kind="stage",
                                 happened_at=NOW, now=NOW, text="",
                                 detail={"from": "find", "to": "won"})
    await store.interactions.add(customer_id=other.id, staff_id=LAN, kind="note",
                                 happened_at=NOW, now=NOW, text="giữ lại")
    await store.customers.remember_card(LAN, 555, an.id, NOW)
    await store.reminders.create(staff_id=LAN, customer_id=an.id, kind="followup",
                                 text="gọi lại báo lãi suất", due_at=NOW + timedelta(days=1),
                                 now=NOW)

    assert await store.customers.erase(MINH, an.id, NOW) is False  # not Minh's
    assert await store.customers.erase(LAN, an.id, NOW) is True
    assert await store.customers.erase(LAN, an.id, NOW) is False  # once only

    row = await store.db.fetch_one("SELECT * FROM customers WHERE id = ?", (an.id,))
    assert row is not None
    assert row["name"] == ""
    for column in PERSONAL:
        assert row[column] is None, column
    assert (row["search_key"], row["phone_key"], row["birthday_lunar"],
            row["referred_by"]) == ("", "", 0, None)
    assert (row["stage"], row["owner_id"], row["erased_at"]) == ("won", LAN, to_db_time(NOW))
    interactions = await store.db.fetch_all(
        "SELECT kind, text, file_id, file_name, detail FROM interactions WHERE customer_id = ?"
        " ORDER BY id", (an.id,))
    assert [tuple(r) for r in interactions] == [("note", "", None, None, "{}"),
                                                ("file", "", None, None, "{}"),
                                                ("stage", "", None, None, "{}")]
    assert await store.customers.card_customer(LAN, 555) is None
    reminders = await store.db.fetch_all(
        "SELECT text, status FROM reminders WHERE customer_id = ?", (an.id,))
    assert [tuple(r) for r in reminders] == [("", "cancelled")]
    assert await store.reminders.next_for_customer(an.id) is None
    unlinked = await store.customers.get(LAN, friend.id)
    assert unlinked is not None and (unlinked.referred_by, unlinked.referrer) == (None, None)
    # Others are untouched, and the erased one is gone from every read.
    untouched = await store.customers.get(LAN, other.id)
    assert untouched is not None
    assert (untouched.name, untouched.phone, untouched.company) == (
        "Lê Văn Tám", "+84912345678", "keep me")
    kept, _total = await store.interactions.history(LAN, other.id, offset=0, limit=10)
    assert [i.text for i in kept] == ["giữ lại"]
    assert await store.customers.get(LAN, an.id) is None
    assert await store.customers.stage_counts(LAN) == {"find": 2}
    assert await store.db.fetch_value(
        "SELECT COUNT(*) FROM customers WHERE owner_id = ? AND stage = 'won'", (LAN,)) == 1


async def test_erasure_inside_a_callers_transaction_commits_with_it(store: Storage) -> None:
    """The clean-up after an erasure (a WAL checkpoint, a VACUUM) cannot run inside a
    transaction: inside one it waits for the next erasure instead of hanging or aborting."""
    an = await new(store, "Nguyễn Văn An", "+84901234567")
    async with store.db.transaction():
        assert await store.erase_customer(LAN, an.id, NOW) == 0
        await store.db.execute("UPDATE customers SET updated_at = ? WHERE id = ?",
                               (to_db_time(NOW), an.id))
    assert await store.customers.get(LAN, an.id) is None
    other = await new(store, "Lê Văn Tám")
    assert await store.erase_customer(LAN, other.id, NOW) == 0


# -- interactions ----------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "moves"), [
    ("call", True), ("visit", True), ("meeting", True), ("message", True), ("note", True),
    ("complaint", True), ("stage", False), ("file", False),
])
async def test_only_contacts_move_the_last_contact(store: Storage, kind: str,
                                                   moves: bool) -> None:
    an = await new(store, "Nguyễn Văn An")
    when = NOW + timedelta(hours=2)
    await store.interactions.add(customer_id=an.id, staff_id=LAN, kind=kind, happened_at=when,
                                 now=when)
    updated = await store.customers.get(LAN, an.id)
    assert updated is not None
    assert updated.last_contact_at == (when if moves else None)


async def test_an_older_contact_does_not_move_the_last_contact_back(store: Storage) -> None:
    an = await new(store, "Nguyễn Văn An")
    await store.interactions.add(customer_id=an.id, staff_id=LAN, kind="call",
                                 happened_at=NOW + timedelta(days=2), now=NOW)
    await store.interactions.add(customer_id=an.id, staff_id=LAN, kind="visit",
                                 happened_at=NOW + timedelta(days=1), now=NOW)
    updated = await store.customers.get(LAN, an.id)
    assert updated is not None and updated.last_contact_at == NOW + timedelta(days=2)


async def test_history_and_get_are_scoped_by_owner(store: Storage) -> None:
    an = await new(store, "Nguyễn Văn An")
    ids = [await store.interactions.add(customer_id=an.id, staff_id=LAN, kind="note",
                                        happened_at=NOW + timedelta(minutes=n), now=NOW,
                                        text=f"#{n}", detail={"n": n}) for n in range(7)]
    items, total = await store.interactions.history(LAN, an.id, offset=0, limit=3)
    assert total == 7 and [i.text for i in items] == ["#6", "#5", "#4"]
    items, _total = await store.interactions.history(LAN, an.id, offset=6, limit=3)
    assert [i.text for i in items] == ["#0"]
    assert await store.interactions.history(MINH, an.id, offset=0, limit=3) == ([], 0)
    item = await store.interactions.get(LAN, ids[2])
    assert item is not None and (item.text, item.detail) == ("#2", {"n": 2})
    assert await store.interactions.get(MINH, ids[2]) is None


# -- card messages and saved searches ------------------------------------------------------


async def test_card_messages_map_a_message_to_its_customer(store: Storage) -> None:
    an = await new(store, "Nguyễn Văn An")
    binh = await new(store, "Trần Thị Bích")
    await store.customers.remember_card(LAN, 101, an.id, NOW)
    await store.customers.remember_card(MINH, 101, binh.id, NOW)  # another chat, same id
    assert await store.customers.card_customer(LAN, 101) == an.id
    assert await store.customers.card_customer(MINH, 101) == binh.id
    assert await store.customers.card_customer(LAN, 102) is None
    # A message edited into another card now shows that one.
    await store.customers.remember_card(LAN, 101, binh.id, NOW)
    assert await store.customers.card_customer(LAN, 101) == binh.id


async def test_saved_searches_are_scoped_by_staff(store: Storage) -> None:
    search_id = await store.customers.save_search(LAN, "nguyễn văn an", NOW)
    assert await store.customers.saved_search(LAN, search_id) == "nguyễn văn an"
    assert await store.customers.saved_search(MINH, search_id) is None
    assert await store.customers.saved_search(LAN, search_id + 1) is None


# -- the inbox -------------------------------------------------------------------------------


async def test_inbox_filing_is_single_use(store: Storage) -> None:
    an = await new(store, "Nguyễn Văn An")
    item = await store.inbox.add(staff_id=LAN, kind="file", text="hợp đồng", now=NOW,
                                 file_id="doc-1", file_type="document", file_name="hd.pdf")
    assert await store.inbox.get_open(MINH, item.id) is None
    assert [i.id for i in await store.inbox.list_open(LAN)] == [item.id]
    assert await store.inbox.list_open(MINH) == []
    assert await store.file_inbox_item(LAN, item.id, an.id, NOW) is True
    assert await store.file_inbox_item(LAN, item.id, an.id, NOW) is False
    items, total = await store.interactions.history(LAN, an.id, offset=0, limit=10)
    assert total == 1
    assert [(i.kind, i.text, i.file_id, i.file_type, i.file_name) for i in items] == [
        ("file", "hợp đồng", "doc-1", "document", "hd.pdf")]
    assert await store.inbox.list_open(LAN) == []
    # The filed row keeps no second copy of the content.
    row = await store.db.fetch_one("SELECT text, file_id, file_name, filed_at FROM inbox"
                                   " WHERE id = ?", (item.id,))
    assert row is not None and tuple(row) == ("", None, None, to_db_time(NOW))


async def test_inbox_cannot_be_filed_across_owners(store: Storage) -> None:
    mine = await new(store, "Nguyễn Văn An")
    theirs = await new(store, "Trần Thị Bích", owner=MINH)
    item = await store.inbox.add(staff_id=LAN, kind="note", text="gửi hồ sơ", now=NOW)
    assert await store.file_inbox_item(LAN, item.id, theirs.id, NOW) is False
    assert await store.file_inbox_item(MINH, item.id, theirs.id, NOW) is False
    assert await store.inbox.get_open(LAN, item.id) is not None
    assert await store.db.fetch_value("SELECT COUNT(*) FROM interactions") == 0
    assert await store.inbox.discard(MINH, item.id, NOW) is False
    assert await store.inbox.discard(LAN, item.id, NOW) is True
    assert await store.file_inbox_item(LAN, item.id, mine.id, NOW) is False
    assert await store.db.fetch_value("SELECT text FROM inbox WHERE id = ?", (item.id,)) == ""


# -- migrations ------------------------------------------------------------------------------


async def test_capture_migrations_apply_over_foundation_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first_only = tmp_path / "migrations_v1"
    first_only.mkdir()
    shutil.copy(REAL_MIGRATIONS / "0001_foundation.sql", first_only)
    path = tmp_path / "rapport.db"
    monkeypatch.setattr(storage.db, "MIGRATIONS_DIR", first_only)
    old = await open_storage(path)
    created = to_db_time(NOW)
    await old.db.execute(
        "INSERT INTO staff (id, name, username, role, team_id, language, timezone, region,"
        " active, reachable, invited_by, created_at) VALUES (501, 'Nguyễn Thị Lan', 'lan',"
        " 'rm', NULL, 'vi', 'Asia/Ho_Chi_Minh', 'VN', 1, 1, NULL, ?)", (created,))
    await old.db.execute("INSERT INTO chat_states (user_id, chat_id, flow, data, updated_at)"
                         " VALUES (501, 501, 'onboarding', '{}', ?)", (created,))
    await old.close()

    monkeypatch.setattr(storage.db, "MIGRATIONS_DIR", REAL_MIGRATIONS)
    migrated = await open_storage(path)
    try:
        names = [row[0] for row in await migrated.db.fetch_all(
            "SELECT name FROM schema_migrations ORDER BY rowid")]
        assert names[:3] == ["0001_foundation", "0002_customers", "0003_inbox_and_reminders"]
        assert names == sorted(p.stem for p in REAL_MIGRATIONS.glob("*.sql"))
        lan = await migrated.staff.get(501)
        assert lan is not None and (lan.name, lan.text_mode) == ("Nguyễn Thị Lan", "search")
        state = await migrated.states.get(501, 501)
        assert state is not None and state.flow == "onboarding"
        # The new tables work for the staff member who was there before.
        an = await migrated.customers.create(owner_id=501, name="Nguyễn Văn An",
                                             phone="+84901234567", region="VN", now=NOW)
        await migrated.interactions.add(customer_id=an.id, staff_id=501, kind="call",
                                        happened_at=NOW, now=NOW, text="đã gọi")
        item = await migrated.inbox.add(staff_id=501, kind="note", text="x", now=NOW)
        assert await migrated.file_inbox_item(501, item.id, an.id, NOW)
        await migrated.reminders.create(staff_id=501, customer_id=an.id, kind="followup",
                                        text="", due_at=NOW, now=NOW)
        await migrated.staff.set_text_mode(501, "note")
        assert (await migrated.staff.get(501) or lan).text_mode == "note"
        assert [c.id for c in (await migrated.customers.search(
            501, query_forms("an"), "", offset=0, limit=5)).customers] == [an.id]
    finally:
        await migrated.close()
