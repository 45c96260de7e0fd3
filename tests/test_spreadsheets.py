"""Export and import through the fake Bot API: the .xlsx sent by /export (every field, the
notes sheet) in Vietnamese and Chinese, the round trip that changes nothing, a damaged file,
rejected rows with their reasons, a lead's export of the team, another RM's customer, Apply
pressed twice or from another replica, and a 10,000-row import.

Expected texts are computed with the catalogs, never written in a translation.
"""

from __future__ import annotations

import csv
import io
import itertools
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from core.clock import FrozenClock
from core.config import Settings
from core.i18n import _, active, ngettext
from domain.names import query_forms
from domain.spreadsheets import COLUMNS, MAX_ROWS, NOTE_COLUMNS, RowError, read_table
from playground.fake_api import ApiCall
from playground.fake_updates import Person, UpdateFactory
from storage.customers import Customer
from tests.conftest import ADMIN_ID
from tests.harness import Harness, close_harness, open_harness

HCM = "Asia/Ho_Chi_Minh"
SHANGHAI = "Asia/Shanghai"
LAN = Person(2001, "Lan", "Nguyễn", username="lan_rm", language_code="vi")
WEI = Person(2002, "伟", "王", username="wang_wei", language_code="zh-hans")
MINH = Person(2003, "Minh", "Trần", language_code="vi")
HUONG = Person(2004, "Hương", "Lê", language_code="vi")
BAO = Person(2005, "Bảo", "Phạm", language_code="vi")
ADMIN = Person(ADMIN_ID, "Hùng", "Trần", language_code="vi")

NOTHING_TO_CHANGE = "There is nothing to change."
# The client reference, the messaging apps, the compliance dates and the SWOT, when not set.
NOT_SET = dict.fromkeys(
    ["client_ref", "zalo", "wechat", "line", "whatsapp", "id_expiry", "risk_expiry", "kyc_due",
     "swot_strengths", "swot_weaknesses", "swot_opportunities", "swot_threats"])
REFUSED = "I could not import this file; nothing was changed."
ROW = "Row {row}: {reason}"


# -- wiring and helpers ------------------------------------------------------------------------


@pytest.fixture
def uploads(bot: Harness, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bytes]]:
    """(file name, bytes) of every file the bot uploads."""
    sent: list[tuple[str, bytes]] = []
    original = bot.api.do_request

    async def do_request(url: str, method: str, request_data: Any = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        if request_data is not None:
            for value in request_data.multipart_data.values():
                sent.append((value[0], value[1]))
        return await original(url, method, request_data, *args, **kwargs)

    monkeypatch.setattr(bot.api, "do_request", do_request)
    return sent


def tr(language: str, text: str, **params: Any) -> str:
    with active(language, "UTC"):
        if text == APPLIED[0]:  # counted: the form for the number of new customers
            return ngettext(*APPLIED, int(params["created"])).format(**params)
        return _(text).format(**params)


APPLIED = ("✅ Import applied: {created} new customer, {updated} updated.",
           "✅ Import applied: {created} new customers, {updated} updated.")


def reason(language: str, row: int, message: str, **params: Any) -> str:
    with active(language, "UTC"):
        return _(ROW).format(row=row, reason=RowError(row, message, params).text())


async def export(bot: Harness, person: Person, uploads: list[tuple[str, bytes]]
                 ) -> tuple[ApiCall, Any]:
    """Send /export; the sendDocument call and the workbook it carried."""
    before = len(uploads)
    calls = await bot.send(person, "/export")
    documents = [call for call in calls if call.method == "sendDocument"]
    assert len(documents) == 1, [(c.method, c.text) for c in calls]
    assert len(uploads) == before + 1
    name, data = uploads[-1]
    assert name.endswith(".xlsx")
    return documents[0], load_workbook(io.BytesIO(data))


def sheet_rows(workbook: Any, title: str) -> list[dict[str, Any]]:
    rows = list(workbook[title].iter_rows(values_only=True))
    header = list(rows[0])
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


async def send_file(bot: Harness, person: Person, data: bytes, name: str,
                    file_id: str = "doc-import", **document: Any) -> list[ApiCall]:
    bot.api.files[file_id] = data
    return await bot.send_update(bot.make.message(person, document={
        "file_id": file_id, "file_unique_id": file_id, "file_name": name, **document}))


async def import_file(bot: Harness, person: Person, data: bytes, name: str,
                      file_id: str = "doc-import") -> ApiCall:
    """/import, then the file: the preview (or refusal) message."""
    await bot.send(person, "/import")
    calls = await send_file(bot, person, data, name, file_id)
    messages = [call for call in calls if call.method == "sendMessage"]
    assert messages, [(c.method, c.text) for c in calls]
    return messages[-1]


def csv_bytes(rows: list[list[Any]], delimiter: str = ",", bom: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode()


def xlsx_bytes(workbook: Any) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def summary(language: str, *, new: int, updated: int, unchanged: int, rejected: int) -> list[str]:
    return [tr(language, "New customers: {count}", count=new),
            tr(language, "Updated: {count}", count=updated),
            tr(language, "Unchanged: {count}", count=unchanged),
            tr(language, "Rejected: {count}", count=rejected)]


async def snapshot(bot: Harness) -> list[tuple[Any, ...]]:
    rows = await bot.storage.db.fetch_all("SELECT * FROM customers ORDER BY id")
    return [tuple(row) for row in rows]


async def count(bot: Harness, owner_id: int) -> int:
    return int(await bot.storage.db.fetch_value(
        "SELECT COUNT(*) FROM customers WHERE owner_id = ?", (owner_id,)))


async def register(bot: Harness, person: Person, language: str, *, role: str = "rm",
                   team_id: int | None = None, zone: str = HCM, region: str = "VN") -> None:
    await bot.register(person, role, team_id, language)
    await bot.storage.staff.set_timezone(person.id, zone, region)


async def new(bot: Harness, owner: Person, name: str, phone: str | None, region: str = "VN",
              **extra: Any) -> Customer:
    return await bot.storage.customers.create(owner_id=owner.id, name=name, phone=phone,
                                              region=region, now=bot.clock.now(), **extra)


async def vietnamese_book(bot: Harness) -> dict[str, Customer]:
    """Lan's customers: every field filled somewhere, notes, a lost deal, an archived file."""
    now = bot.clock.now()
    an = await new(bot, LAN, "Nguyễn Văn An", "+84901234567", source="referral",
                   segment="household", grade="VIP", referrer="Chị Mai chợ Bến Thành",
                   birthday="--08-15", birthday_lunar=1, company="Tiệm vàng Kim Hoàn",
                   family="Vợ và 2 con", income="50 triệu/tháng",
                   products_held="Thẻ tín dụng, tiền gửi 12 tháng",
                   products_wanted="Vay mua nhà 2 tỷ", tags="vip, chợ Bến Thành",
                   about="Thích gặp buổi sáng\nNói chuyện thẳng thắn", language="vi")
    binh = await new(bot, LAN, "Trần Thị Bình", "+84912345678", segment="sme",
                     birthday="1985-03-15", company="=Công ty TNHH Bình Minh", language="en",
                     referred_by=an.id)
    await bot.storage.customers.set_stage(LAN.id, binh.id, "lost", "Chọn ngân hàng khác", now)
    cuong = await new(bot, LAN, "Lê Văn Cường", None, birthday="--12-30", birthday_lunar=1,
                      birthday_leap=1)
    await bot.storage.customers.set_archived(LAN.id, cuong.id, True, now)
    await bot.storage.interactions.add(customer_id=an.id, staff_id=LAN.id, kind="call",
                                       happened_at=now - timedelta(days=2), now=now,
                                       text="Gọi hỏi lãi suất vay")
    await bot.storage.interactions.add(customer_id=an.id, staff_id=LAN.id, kind="file",
                                       happened_at=now, now=now, text="",
                                       file_id="f-1", file_type="document",
                                       file_name="hop_dong_vay.pdf")
    await bot.storage.interactions.add(customer_id=binh.id, staff_id=LAN.id, kind="note",
                                       happened_at=now, now=now,
                                       text="Đã gửi hồ sơ, chờ thẩm định")
    return {"an": (await bot.storage.customers.get(LAN.id, an.id)) or an,
            "binh": (await bot.storage.customers.get(LAN.id, binh.id)) or binh,
            "cuong": (await bot.storage.customers.get(LAN.id, cuong.id)) or cuong}


# -- export ------------------------------------------------------------------------------------


async def test_export_in_vietnamese_has_every_field_and_the_notes(
        bot: Harness, uploads: list[tuple[str, bytes]]) -> None:
    await register(bot, LAN, "vi")
    book = await vietnamese_book(bot)
    an, binh, cuong = book["an"], book["binh"], book["cuong"]
    call, workbook = await export(bot, LAN, uploads)
    assert call.text == tr("vi", "📤 Customers: {customers}, notes: {notes}. To change your "
                                 "customers, edit the file and send it back after /import.",
                           customers=3, notes=3)
    assert uploads[-1][0] == "rapport_2026-11-23.xlsx"
    assert workbook.sheetnames == ["Customers", "Notes", "Deals", "Holdings"]
    rows = sheet_rows(workbook, "Customers")
    assert list(rows[0]) == COLUMNS
    by_id = {row["id"]: row for row in rows}
    assert set(by_id) == {an.id, binh.id, cuong.id}
    lan_name = "Lan Nguyễn"
    assert by_id[an.id] == {
        "id": an.id, "owner": LAN.id, "owner_name": lan_name, "name": "Nguyễn Văn An",
        "phone": "+84901234567", "segment": "household", "grade": "VIP", "stage": "find",
        "lost_reason": None, "source": "referral", "referred_by": None,
        "referrer": "Chị Mai chợ Bến Thành", "birthday": "--08-15", "birthday_lunar": 1,
        "birthday_leap": 0, "company": "Tiệm vàng Kim Hoàn", "family": "Vợ và 2 con",
        "income": "50 triệu/tháng", "products_held": "Thẻ tín dụng, tiền gửi 12 tháng",
        "products_wanted": "Vay mua nhà 2 tỷ", "tags": "vip, chợ Bến Thành",
        "about": "Thích gặp buổi sáng\nNói chuyện thẳng thắn", "language": "vi",
        # 10:00 in Ho Chi Minh City; the call two days ago is the last contact.
        "created_at": "2026-11-23T10:00:00+07:00",
        "last_contact_at": "2026-11-21T10:00:00+07:00", "archived": None, **NOT_SET,
    }
    assert by_id[binh.id] | {"id": 0} == {
        "id": 0, "owner": LAN.id, "owner_name": lan_name, "name": "Trần Thị Bình",
        "phone": "+84912345678", "segment": "sme", "grade": None, "stage": "lost",
        "lost_reason": "Chọn ngân hàng khác", "source": None, "referred_by": an.id,
        "referrer": None, "birthday": "1985-03-15", "birthday_lunar": 0, "birthday_leap": 0,
        # A text starting with '=' stays text, never a formula.
        "company": "=Công ty TNHH Bình Minh", "family": None, "income": None,
        "products_held": None, "products_wanted": None, "tags": None, "about": None,
        "language": "en", "created_at": "2026-11-23T10:00:00+07:00",
        "last_contact_at": "2026-11-23T10:00:00+07:00", "archived": None, **NOT_SET,
    }
    assert workbook["Customers"].cell(row=3, column=COLUMNS.index("company") + 1).data_type == "s"
    assert by_id[cuong.id]["birthday"] == "--12-30"
    assert (by_id[cuong.id]["birthday_lunar"], by_id[cuong.id]["birthday_leap"]) == (1, 1)
    assert by_id[cuong.id]["archived"] == "2026-11-23T10:00:00+07:00"
    assert by_id[cuong.id]["phone"] is None
    notes = sheet_rows(workbook, "Notes")
    assert list(notes[0]) == NOTE_COLUMNS
    assert [tuple(note.values()) for note in notes] == [
        (an.id, "2026-11-21T10:00:00+07:00", "call", "Gọi hỏi lãi suất vay", None),
        (an.id, "2026-11-23T10:00:00+07:00", "file", None, "hop_dong_vay.pdf"),
        (binh.id, "2026-11-23T10:00:00+07:00", "note", "Đã gửi hồ sơ, chờ thẩm định", None),
    ]
    actions = await bot.storage.db.fetch_all(
        "SELECT action, actor_id FROM audit_log WHERE action = 'customers.exported'")
    assert [(row["action"], row["actor_id"]) for row in actions] == [("customers.exported",
                                                                      LAN.id)]


async def test_export_in_chinese_uses_the_rms_zone(
        bot: Harness, uploads: list[tuple[str, bytes]]) -> None:
    await register(bot, WEI, "zh_Hans", zone=SHANGHAI, region="CN")
    now = bot.clock.now()
    wei = await new(bot, WEI, "王伟", "+8613800138000", region="CN", segment="corporate",
                    grade="A", source="merchant_group", company="深圳市华强电子有限公司",
                    birthday="1978-08-15", birthday_lunar=1, tags="信用卡, 理财",
                    products_wanted="一年期定期存款", about="喜欢喝茶，周末不方便",
                    language="zh_Hans")
    li = await new(bot, WEI, "李娜", "+85291234567", region="CN", language="zh_Hant",
                   family="已婚，一个女儿")
    await bot.storage.interactions.add(customer_id=wei.id, staff_id=WEI.id, kind="visit",
                                       happened_at=now - timedelta(hours=3), now=now,
                                       text="拜访工厂，了解贸易融资需求")
    await bot.storage.interactions.add(customer_id=li.id, staff_id=WEI.id, kind="complaint",
                                       happened_at=now, now=now, text="投诉转账到账太慢")
    call, workbook = await export(bot, WEI, uploads)
    assert call.text == tr("zh_Hans", "📤 Customers: {customers}, notes: {notes}. To change "
                                      "your customers, edit the file and send it back after "
                                      "/import.", customers=2, notes=2)
    # Column codes stay English whatever the language, so any RM's file can be imported.
    assert [cell.value for cell in next(workbook["Customers"].iter_rows(max_row=1))] == COLUMNS
    rows = {row["id"]: row for row in sheet_rows(workbook, "Customers")}
    assert rows[wei.id] == {
        "id": wei.id, "owner": WEI.id, "owner_name": "伟 王", "name": "王伟",
        "phone": "+8613800138000", "segment": "corporate", "grade": "A", "stage": "find",
        "lost_reason": None, "source": "merchant_group", "referred_by": None, "referrer": None,
        "birthday": "1978-08-15", "birthday_lunar": 1, "birthday_leap": 0,
        "company": "深圳市华强电子有限公司", "family": None, "income": None,
        "products_held": None, "products_wanted": "一年期定期存款", "tags": "信用卡, 理财",
        "about": "喜欢喝茶，周末不方便", "language": "zh_Hans",
        "created_at": "2026-11-23T11:00:00+08:00",
        "last_contact_at": "2026-11-23T08:00:00+08:00", "archived": None, **NOT_SET,
    }
    assert rows[li.id]["phone"] == "+85291234567"
    assert rows[li.id]["family"] == "已婚，一个女儿"
    assert rows[li.id]["language"] == "zh_Hant"
    notes = [tuple(row.values()) for row in sheet_rows(workbook, "Notes")]
    assert notes == [
        (wei.id, "2026-11-23T08:00:00+08:00", "visit", "拜访工厂，了解贸易融资需求", None),
        (li.id, "2026-11-23T11:00:00+08:00", "complaint", "投诉转账到账太慢", None),
    ]


async def test_a_leads_export_covers_the_team_and_an_admins_everyone(
        bot: Harness, uploads: list[tuple[str, bytes]]) -> None:
    team = await bot.storage.teams.create("Đội Bến Thành", bot.clock.now())
    other = await bot.storage.teams.create("Đội Chợ Lớn", bot.clock.now())
    assert team is not None and other is not None
    await register(bot, MINH, "vi", role="lead", team_id=team.id)
    await register(bot, LAN, "vi", team_id=team.id)
    await register(bot, HUONG, "vi", team_id=team.id)
    await register(bot, BAO, "vi", team_id=other.id)
    await register(bot, ADMIN, "vi", role="admin")
    owners = {}
    for person, name in ((MINH, "Đặng Thu Thảo"), (LAN, "Nguyễn Văn An"),
                         (HUONG, "Hồ Quang Hiếu"), (BAO, "Phan Thanh Bình")):
        customer = await new(bot, person, name, None)
        await bot.storage.interactions.add(customer_id=customer.id, staff_id=person.id,
                                           kind="note", happened_at=bot.clock.now(),
                                           now=bot.clock.now(), text=f"ghi chú {name}")
        owners[name] = person.id
    await bot.storage.staff.set_active(HUONG.id, False)  # left the team: not exported
    _call, workbook = await export(bot, MINH, uploads)
    rows = sheet_rows(workbook, "Customers")
    assert {(row["name"], row["owner"]) for row in rows} == {
        ("Đặng Thu Thảo", MINH.id), ("Nguyễn Văn An", LAN.id)}
    assert {row["owner_name"] for row in rows} == {"Minh Trần", "Lan Nguyễn"}
    assert {row["text"] for row in sheet_rows(workbook, "Notes")} == {
        "ghi chú Đặng Thu Thảo", "ghi chú Nguyễn Văn An"}
    _call, workbook = await export(bot, ADMIN, uploads)
    assert {row["name"] for row in sheet_rows(workbook, "Customers")} == set(owners)
    _call, workbook = await export(bot, LAN, uploads)
    assert [row["name"] for row in sheet_rows(workbook, "Customers")] == ["Nguyễn Văn An"]
    assert len(sheet_rows(workbook, "Notes")) == 1


# -- import ------------------------------------------------------------------------------------


@pytest.mark.process  # an Excel file is read by the workbook worker process
async def test_round_trip_changes_nothing(bot: Harness,
                                          uploads: list[tuple[str, bytes]]) -> None:
    await register(bot, LAN, "vi")
    await vietnamese_book(bot)
    await new(bot, LAN, "", "+84987654321")  # saved from a shared contact without a name
    await new(bot, LAN, "王伟", "+8613800138000", region="CN", about="  ")
    _call, _workbook = await export(bot, LAN, uploads)
    data = uploads[-1][1]
    before = await snapshot(bot)
    preview = await import_file(bot, LAN, data, "rapport_2026-11-23.xlsx")
    for line in summary("vi", new=0, updated=0, unchanged=5, rejected=0):
        assert line in preview.text
    assert tr("vi", NOTHING_TO_CHANGE) in preview.text
    assert preview.buttons == []
    # The same file saved as CSV (what Excel's "CSV UTF-8" gives: a BOM, semicolons in
    # Vietnamese Windows) changes nothing either.
    sheet = load_workbook(io.BytesIO(data))["Customers"]
    rows = [["" if value is None else value for value in row]
            for row in sheet.iter_rows(values_only=True)]
    preview = await import_file(bot, LAN, csv_bytes(rows, ";", bom=True), "khach_hang.csv")
    for line in summary("vi", new=0, updated=0, unchanged=5, rejected=0):
        assert line in preview.text
    assert await snapshot(bot) == before
    assert await bot.storage.db.fetch_value("SELECT COUNT(*) FROM imports") == 0


@pytest.mark.process  # an Excel file is read by the workbook worker process
async def test_edited_export_is_previewed_then_applied_once(
        bot: Harness, uploads: list[tuple[str, bytes]]) -> None:
    await register(bot, LAN, "vi")
    book = await vietnamese_book(bot)
    an, binh = book["an"], book["binh"]
    await export(bot, LAN, uploads)
    workbook = load_workbook(io.BytesIO(uploads[-1][1]))
    sheet = workbook["Customers"]
    column = {name: index + 1 for index, name in enumerate(COLUMNS)}
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, column["id"]).value == an.id:
            sheet.cell(row, column["company"]).value = "Công ty Vàng bạc Phú Quý"
            # The stage's label in the RM's language works as well as its code "won".
            sheet.cell(row, column["stage"]).value = tr("vi", "Won")
            sheet.cell(row, column["grade"]).value = "a"
    sheet.append({column["name"]: "Phạm Thị Hoa", column["phone"]: "0987 111 222",
                  column["segment"]: "individual", column["birthday"]: "âm 15/8"})
    before = await count(bot, LAN.id)
    preview = await import_file(bot, LAN, xlsx_bytes(workbook), "khach_hang_sua.xlsx")
    for line in summary("vi", new=1, updated=1, unchanged=2, rejected=0):
        assert line in preview.text, preview.text
    assert tr("vi", "✅ Apply") in preview.buttons[0][0]
    assert await count(bot, LAN.id) == before  # nothing before Apply
    apply_data = preview.buttons[0][1]
    calls = await bot.press_data(LAN, apply_data, preview)
    assert tr("vi", "✅ Import applied: {created} new customer, {updated} updated.",
              created=1, updated=1) in bot.last_for(LAN).text
    assert await count(bot, LAN.id) == before + 1
    changed = await bot.storage.customers.get(LAN.id, an.id)
    assert changed is not None
    assert (changed.company, changed.stage, changed.grade) == ("Công ty Vàng bạc Phú Quý",
                                                               "won", "A")
    # Everything else is as it was, and the search keys follow the new company.
    assert changed.referrer == an.referrer and changed.birthday_lunar
    page = await bot.storage.customers.search(LAN.id, query_forms("phu quy"), "", offset=0,
                                              limit=5)
    assert [c.id for c in page.customers] == [an.id]
    hoa = await bot.storage.customers.duplicates(LAN.id, "Phạm Thị Hoa", "+84987111222")
    assert len(hoa) == 1 and hoa[0].birthday == "--08-15" and hoa[0].birthday_lunar
    assert hoa[0].phone == "+84987111222"
    page = await bot.storage.customers.search(LAN.id, query_forms("pham thi hoa"), "",
                                              offset=0, limit=5)
    assert [c.id for c in page.customers] == [hoa[0].id]
    # The stage change is in the history (post-sale care starts from it) and the audit log.
    history, _total = await bot.storage.interactions.history(LAN.id, an.id, offset=0, limit=9)
    assert history[0].kind == "stage" and history[0].detail == {"from": "find", "to": "won"}
    assert "customer.updated" in await bot.storage.audit.actions_for("customer", an.id)
    assert "customer.created" in await bot.storage.audit.actions_for("customer", hoa[0].id)
    unchanged = await bot.storage.customers.get(LAN.id, binh.id)
    assert unchanged == binh
    # Apply pressed again (a double tap, or the same button later): nothing more happens.
    snap = await snapshot(bot)
    calls = await bot.press_data(LAN, apply_data, preview)
    answers = [call for call in calls if call.method == "answerCallbackQuery"]
    assert answers[0].params["text"] == tr("vi", "Already handled.")
    assert await snapshot(bot) == snap
    # Exported again, the file is what was applied: importing it changes nothing.
    await export(bot, LAN, uploads)
    preview = await import_file(bot, LAN, uploads[-1][1], "lan_2.xlsx", file_id="doc-2")
    for line in summary("vi", new=0, updated=0, unchanged=4, rejected=0):
        assert line in preview.text


@pytest.mark.process  # an Excel file is read by the workbook worker process
async def test_a_damaged_xlsx_is_refused_and_a_corrected_file_still_works(bot: Harness) -> None:
    await register(bot, LAN, "vi")
    message = await import_file(bot, LAN, b"this is not a zip archive", "khach_hang.xlsx")
    assert message.text.startswith(tr("vi", REFUSED))
    assert tr("vi", "This file is damaged or is not an Excel .xlsx file.") in message.text
    assert await count(bot, LAN.id) == 0
    # A truncated real workbook is refused the same way.
    whole = xlsx_bytes(Workbook())
    calls = await send_file(bot, LAN, whole[: len(whole) // 2], "cut.xlsx", file_id="doc-cut")
    assert tr("vi", "This file is damaged or is not an Excel .xlsx file.") in calls[-1].text
    # The bot still waits for the file: the corrected one is previewed.
    calls = await send_file(bot, LAN, csv_bytes([["name", "phone"],
                                                 ["Nguyễn Văn An", "0901234567"]]),
                            "khach_hang.csv", file_id="doc-ok")
    for line in summary("vi", new=1, updated=0, unchanged=0, rejected=0):
        assert line in calls[-1].text


async def test_file_level_problems(bot: Harness) -> None:
    await register(bot, WEI, "zh_Hans", zone=SHANGHAI, region="CN")
    calls = await bot.send(WEI, "/import")
    calls = await send_file(bot, WEI, b"x", "big.xlsx", file_size=6 * 1024 * 1024)
    assert tr("zh_Hans", "The file is larger than {limit} MB.", limit=5) in calls[-1].text
    assert not [call for call in calls if call.method == "download"]  # not even downloaded
    calls = await send_file(bot, WEI, csv_bytes([["姓名", "电话"], ["王伟", "13800138000"]]),
                            "客户.csv", file_id="doc-cols")
    assert tr("zh_Hans", "Unknown columns: {columns}.", columns="姓名和电话") in calls[-1].text
    calls = await send_file(bot, WEI, "name,phone\n王伟,13800138000\n".encode("gb18030"),
                            "客户.csv", file_id="doc-gbk")
    assert tr("zh_Hans", "The CSV file is not in UTF-8. In Excel choose “Save as” → “CSV "
                         "UTF-8” and send it again.") in calls[-1].text
    calls = await send_file(bot, WEI, b"%PDF-1.4", "hop_dong.pdf", file_id="doc-pdf")
    assert tr("zh_Hans", "Send an .xlsx file (like the one from /export) or a CSV "
                         "file.") in calls[-1].text
    assert await count(bot, WEI.id) == 0


def test_too_many_rows_is_refused_before_any_check() -> None:
    data = csv_bytes([["name", "phone"], *([f"Khách {i}", ""] for i in range(MAX_ROWS + 1))])
    problems = read_table(data, "big.csv")
    assert isinstance(problems, list) and len(problems) == 1
    assert problems[0].message == "The file has more than {limit} rows. Split it into several " \
                                  "files."
    table = read_table(csv_bytes([["name"], *([f"Khách {i}"] for i in range(MAX_ROWS))]),
                       "ok.csv")
    assert not isinstance(table, list) and len(table.rows) == MAX_ROWS


async def test_bad_rows_are_listed_with_reasons_and_nothing_is_applied(bot: Harness) -> None:
    await register(bot, LAN, "vi")
    an = await new(bot, LAN, "Nguyễn Văn An", "+84901234567")
    await new(bot, LAN, "Võ Văn Dũng", "+84903999888", segment="sme")
    before = await snapshot(bot)
    rows: list[list[Any]] = [
        ["id", "name", "phone", "segment", "birthday", "tags"],
        ["", "Phạm Thị Hoa", "0912 345 678", tr("vi", "Individual"), "20/10/1990", "tiết kiệm"],
        ["", "Lê Văn Tám", "12345", "individual", "", ""],                            # 3
        ["", "Võ Thị Sáu", "0903 111 222", "ngân hàng", "", ""],                      # 4
        ["", "Đỗ Minh", "0904 222 333", "", "31/02/1990", ""],                        # 5
        ["", "Nguyễn " * 30, "0905 333 444", "", "", ""],                             # 6
        ["99999", "Người lạ", "", "", "", ""],                                        # 7
        [str(an.id), "Nguyễn Văn An", "0901 234 567", "sme", "", ""],                 # 8 upd
        [str(an.id), "Nguyễn Văn An", "", "", "", ""],                                # 9
        ["", "王伟", "+86 138 0013 8000", "SME", "农历8月15日", "信用卡"],             # 10 new
        ["", "", "", "", "", "chỉ có tag"],                                           # 11
        ["abc", "Trần Bình", "", "", "", ""],                                         # 12
        ["", "Dũng", "0903 999 888", "", "", ""],                                     # 13 upd
        ["", "Hoa em", "0912345678", "", "", ""],                                     # 14
        ["", "Tư", "0906 444 555", "", "", "", "thừa"],                               # 15
    ]
    preview = await import_file(bot, LAN, csv_bytes(rows), "khach_hang.csv")
    text = preview.text
    for line in summary("vi", new=2, updated=2, unchanged=0, rejected=10):
        assert line in text, text
    expected = [
        reason("vi", 3, "“{phone}” is not a valid phone number.", phone="12345"),
        reason("vi", 4, "Unknown {column} “{value}”.", column="segment", value="ngân hàng"),
        reason("vi", 5, "“{text}” does not exist: that month has only {days} days.",
               text="31/02/1990", days=28),
        reason("vi", 6, "The name is {length} characters long; at most {limit}.",
               length=len(("Nguyễn " * 30).strip()), limit=120),
        reason("vi", 7, "There is no customer {id} in your list.", id=99999),
        reason("vi", 9, "Customer {id} is already on row {first}.", id=an.id, first=8),
        reason("vi", 11, "A new customer needs a name or a phone number."),
        reason("vi", 12, "The id “{id}” is not a number.", id="abc"),
        reason("vi", 14, "The phone {phone} is already on row {first}.", phone="+84912345678",
               first=2),
        reason("vi", 15, "This row has more values than the header has columns."),
    ]
    for line in expected:
        assert line in text, (line, text)
    assert text.index(expected[0]) < text.index(expected[-1])  # in row order
    assert await snapshot(bot) == before  # nothing applied before Apply
    await bot.press(LAN, tr("vi", "✖️ Cancel"), preview)
    assert bot.last_for(LAN).text == tr("vi", "Import cancelled. Nothing was changed.")
    calls = await bot.press_data(LAN, preview.buttons[0][1], preview)
    answers = [call for call in calls if call.method == "answerCallbackQuery"]
    assert answers[0].params["text"] == tr(
        "vi", "This import was cancelled. Send /import to start again.")
    assert await snapshot(bot) == before


async def test_client_references_and_other_fields_are_set_in_bulk(
        bot: Harness, uploads: list[tuple[str, bytes]]) -> None:
    """The export carries the client reference, the apps, the compliance dates and the
    SWOT, so they are set for many customers at once by sending the file back."""
    await register(bot, LAN, "vi")
    await register(bot, WEI, "zh_Hans", zone=SHANGHAI, region="CN")
    book = await vietnamese_book(bot)
    an, binh = book["an"], book["binh"]
    await bot.storage.update_customer(LAN.id, an.id, bot.clock.now(), "VN",
                                      client_ref="VCB-0001", zalo="+84901234567",
                                      kyc_due="2027-03-31", swot_strengths="Dòng tiền tốt")
    wei = await new(bot, WEI, "王伟", "+8613800138000", region="CN", client_ref="ICBC-88")
    _call, workbook = await export(bot, LAN, uploads)
    by_id = {row["id"]: row for row in sheet_rows(workbook, "Customers")}
    assert (by_id[an.id]["client_ref"], by_id[an.id]["zalo"], by_id[an.id]["kyc_due"],
            by_id[an.id]["swot_strengths"]) == ("VCB-0001", "+84901234567", "2027-03-31",
                                                "Dòng tiền tốt")
    rows: list[list[Any]] = [["" if value is None else value for value in row]
                             for row in workbook["Customers"].iter_rows(values_only=True)]
    column = {name: index for index, name in enumerate(rows[0])}
    for row in rows[1:]:
        if row[column["id"]] == binh.id:
            row[column["client_ref"]] = "VCB-0002"
            row[column["whatsapp"]] = "+852 9123 4567"
            row[column["id_expiry"]] = "20/12/2031"
            row[column["swot_threats"]] = "Đối thủ giảm phí"
    for values in ({"name": "Phạm Thị Hoa", "client_ref": "VCB-0003"},
                   {"name": "Đỗ Minh", "client_ref": "icbc-88"},      # Wei's customer's too
                   {"name": "Lý Thu", "client_ref": "VCB-0003"},      # row 5's again
                   {"name": "Hà Vy", "kyc_due": "31/02/2027"},
                   {"name": "Tạ Khoa", "zalo": "12"}):
        rows.append([values.get(name, "") for name in rows[0]])
    preview = await import_file(bot, LAN, csv_bytes(rows), "khach_hang.csv")
    for line in summary("vi", new=2, updated=1, unchanged=2, rejected=3):
        assert line in preview.text, preview.text
    assert reason("vi", 6, "Another customer already has the client reference “{ref}”.",
                  ref="icbc-88") not in preview.text
    for line in (
            reason("vi", 7, "The client reference {ref} is already on row {first}.",
                   ref="VCB-0003", first=5),
            reason("vi", 8, "{column}: “{value}” is not a date. Write 2031-12-20 or "
                   "20/12/2031.", column="kyc_due", value="31/02/2027"),
            reason("vi", 9, "“{value}” is not a phone number or an ID {column} can use.",
                   value="12", column="zalo")):
        assert line in preview.text, (line, preview.text)
    await bot.press(LAN, tr("vi", "✅ Apply"), preview)
    changed = await bot.storage.customers.get(LAN.id, binh.id)
    assert changed is not None
    assert (changed.client_ref, changed.whatsapp, changed.id_expiry, changed.swot_threats) == (
        "VCB-0002", "+85291234567", "2031-12-20", "Đối thủ giảm phí")
    hoa = await bot.storage.customers.duplicates(LAN.id, "Phạm Thị Hoa", None)
    assert [c.client_ref for c in hoa] == ["VCB-0003"]
    assert await bot.storage.customers.get(WEI.id, wei.id) == wei
    # A reference Wei's own book holds, in Wei's file: refused in his language (another
    # book holding one is not his to know, so Lan's vcb-0001 would be taken).
    taken = [["name", "client_ref"], ["李娜", "icbc-88"]]
    preview = await import_file(bot, WEI, csv_bytes(taken), "客户.csv")
    assert reason("zh_Hans", 2, "Another customer already has the client reference “{ref}”.",
                  ref="icbc-88") in preview.text


@pytest.mark.parametrize("language", ["vi", "zh_Hans", "zh_Hant"])
async def test_another_books_client_reference_is_answered_as_an_unknown_one(
        bot: Harness, language: str) -> None:
    """Whether a number is in someone else's book is not told by the answer to an import;
    the administrator (the RMs have no common lead) is told once, the RMs never."""
    await register(bot, LAN, language)
    await register(bot, WEI, "zh_Hans", zone=SHANGHAI, region="CN")
    await register(bot, ADMIN, "vi", role="admin")
    wei = await new(bot, WEI, "王伟", "+8613800138000", region="CN", client_ref="ICBC-88")
    answers = []
    for ref, file_id in (("icbc-88", "doc-a"), ("ZZ-404", "doc-b")):
        rows = [["name", "client_ref"], ["Đỗ Minh", ref]]
        preview = await import_file(bot, LAN, csv_bytes(rows), "khach.csv", file_id)
        answers.append((preview.text.replace(ref, "REF"), len(preview.buttons)))
        await bot.press(LAN, tr(language, "✖️ Cancel"), preview)
    assert answers[0] == answers[1]
    rows = [["name", "client_ref"], ["Đỗ Minh", "icbc-88"]]
    preview = await import_file(bot, LAN, csv_bytes(rows), "khach.csv", "doc-c")
    await bot.press(LAN, tr(language, "✅ Apply"), preview)
    [do_minh] = await bot.storage.customers.duplicates(LAN.id, "Đỗ Minh", None)
    assert do_minh.client_ref == "icbc-88"
    # Saved again (the card, another import): still the one notice.
    await bot.storage.update_customer(LAN.id, do_minh.id, bot.clock.now(), "VN",
                                      client_ref="ICBC-88")
    notices = await bot.storage.db.fetch_all(
        "SELECT staff_id, customer_id, ref_id, text FROM reminders WHERE kind = 'shared_ref'")
    assert [(row["staff_id"], row["customer_id"], row["ref_id"]) for row in notices] == [
        (ADMIN.id, wei.id, do_minh.id)]


async def test_more_than_twenty_rejections_are_cut(bot: Harness) -> None:
    await register(bot, LAN, "vi")
    rows = [["name", "phone"], *([f"Khách {i}", "123"] for i in range(25))]
    preview = await import_file(bot, LAN, csv_bytes(rows), "sai.csv")
    bad = [reason("vi", row, "“{phone}” is not a valid phone number.", phone="123")
           for row in range(2, 27)]
    assert all(line in preview.text for line in bad[:20])
    assert not any(line in preview.text for line in bad[20:])
    assert tr("vi", "… and {count} more.", count=5) in preview.text
    assert preview.buttons == []


async def test_another_rms_customer_is_rejected(bot: Harness) -> None:
    await register(bot, LAN, "vi")
    await register(bot, MINH, "vi")
    theirs = await new(bot, MINH, "Đặng Thu Thảo", "+84908765432", grade="B")
    mine = await new(bot, LAN, "Nguyễn Văn An", "+84901234567")
    rows: list[list[Any]] = [
        ["id", "owner", "name", "phone", "grade"],
        [theirs.id, MINH.id, "Đặng Thu Thảo", "+84908765432", "VIP"],
        [mine.id, LAN.id, "Nguyễn Văn An", "+84901234567", "VIP"],
        # Without an id, the other RM's customer's phone makes a new customer of Lan's own.
        ["", "", "Đặng Thu Thảo", "0908 765 432", ""]]
    preview = await import_file(bot, LAN, csv_bytes(rows), "khach.csv")
    assert reason("vi", 2, "There is no customer {id} in your list.", id=theirs.id) \
        in preview.text
    for line in summary("vi", new=1, updated=1, unchanged=0, rejected=1):
        assert line in preview.text
    await bot.press(LAN, tr("vi", "✅ Apply"), preview)
    assert await bot.storage.customers.get(MINH.id, theirs.id) == theirs
    updated = await bot.storage.customers.get(LAN.id, mine.id)
    assert updated is not None and updated.grade == "VIP"
    copy = await bot.storage.customers.duplicates(LAN.id, "Đặng Thu Thảo", "+84908765432")
    assert len(copy) == 1 and copy[0].owner_id == LAN.id and copy[0].id != theirs.id


@pytest.mark.parametrize("language", ["vi", "zh_Hans", "zh_Hant"])
async def test_another_rms_customer_id_is_answered_as_an_unknown_one(
        bot: Harness, language: str) -> None:
    """The answer must not tell whether an id is in someone else's book."""
    lan = Person(LAN.id, "Lan", "Nguyễn", language_code=language)
    await register(bot, lan, language)
    await register(bot, MINH, "vi")
    theirs = await new(bot, MINH, "Đặng Thu Thảo", "+84908765432", grade="B")
    nobodys = theirs.id + 1000

    async def answer(customer_id: int) -> tuple[str, list[str]]:
        rows: list[list[Any]] = [["id", "name", "grade"],
                                 [customer_id, "Đặng Thu Thảo", "VIP"]]
        preview = await import_file(bot, lan, csv_bytes(rows), "khach.csv")
        line = reason(language, 2, "There is no customer {id} in your list.", id=customer_id)
        assert line in preview.text
        return (preview.text.replace(line, "<the row's reason>"),
                [label for label, _data in preview.buttons])

    assert await answer(theirs.id) == await answer(nobodys)
    assert await bot.storage.customers.get(MINH.id, theirs.id) == theirs


async def test_phone_matches_an_existing_customer_without_an_id(bot: Harness) -> None:
    await register(bot, WEI, "zh_Hans", zone=SHANGHAI, region="CN")
    wei = await new(bot, WEI, "王伟", "+8613800138000", region="CN")
    rows = [["name", "phone", "grade", "segment", "birthday", "birthday_lunar"],
            ["王伟", "138 0013 8000", "VIP", tr("zh_Hans", "SME"), "1978-08-15", "1"],
            ["陈静", "139 1234 5678", "", "", "3月8日", ""]]
    preview = await import_file(bot, WEI, csv_bytes(rows, "\t", bom=True), "客户名单.csv")
    for line in summary("zh_Hans", new=1, updated=1, unchanged=0, rejected=0):
        assert line in preview.text, preview.text
    assert tr("zh_Hans", "Nothing is saved until you press Apply.") in preview.text
    await bot.press(WEI, tr("zh_Hans", "✅ Apply"), preview)
    updated = await bot.storage.customers.get(WEI.id, wei.id)
    assert updated is not None
    assert (updated.grade, updated.birthday, updated.birthday_lunar) == ("VIP", "1978-08-15",
                                                                         True)
    assert updated.segment == "sme"
    chen = await bot.storage.customers.duplicates(WEI.id, "陈静", "+8613912345678")
    assert len(chen) == 1 and chen[0].birthday == "--03-08" and not chen[0].birthday_lunar
    page = await bot.storage.customers.search(WEI.id, query_forms("chenjing"), "", offset=0,
                                              limit=5)
    assert [c.id for c in page.customers] == [chen[0].id]


async def test_apply_works_on_another_replica(bot: Harness, settings: Settings,
                                              clock: FrozenClock) -> None:
    await register(bot, LAN, "vi")
    preview = await import_file(bot, LAN, csv_bytes([["name", "phone"],
                                                      ["Nguyễn Văn An", "0901 234 567"]]),
                                "khach_hang.csv")
    other = await open_harness(settings, clock)
    try:
        # One Telegram update stream feeds both replicas: update ids never repeat.
        other.make = UpdateFactory(other.app.bot, _update_ids=itertools.count(10_000))
        await other.press_data(LAN, preview.buttons[0][1], preview)
        assert other.last_for(LAN).text == tr(
            "vi", "✅ Import applied: {created} new customer, {updated} updated.",
            created=1, updated=0)
        # Pressed on the first replica afterwards: already applied, nothing more.
        calls = await bot.press_data(LAN, preview.buttons[0][1], preview)
        answers = [call for call in calls if call.method == "answerCallbackQuery"]
        assert answers[0].params["text"] == tr("vi", "Already handled.")
    finally:
        await close_harness(other)
    assert await count(bot, LAN.id) == 1


async def test_a_stale_preview_cannot_be_applied(bot: Harness) -> None:
    await register(bot, LAN, "vi")
    preview = await import_file(bot, LAN, csv_bytes([["name"], ["Nguyễn Văn An"]]), "a.csv")
    bot.clock.advance(days=2)
    calls = await bot.press_data(LAN, preview.buttons[0][1], preview)
    answers = [call for call in calls if call.method == "answerCallbackQuery"]
    assert answers[0].params["text"] == tr(
        "vi", "This preview is more than a day old. Send the file again after /import.")
    assert await count(bot, LAN.id) == 0


@pytest.fixture
async def big_rm(bot: Harness) -> AsyncIterator[Person]:
    await register(bot, LAN, "vi")
    yield LAN


@pytest.mark.process  # an Excel file is read by the workbook worker process
async def test_ten_thousand_rows(bot: Harness, big_rm: Person,
                                 uploads: list[tuple[str, bytes]]) -> None:
    family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng"]
    given = ["Văn An", "Thị Bình", "Minh Châu", "Quốc Dũng", "Thu Hà", "Gia Huy"]
    chinese = ["王伟", "李娜", "张敏", "刘洋", "陈静", "杨帆", "赵磊", "黄丽"]
    rows: list[list[Any]] = [["name", "phone", "segment", "grade", "source", "birthday",
                              "company", "tags", "about", "language"]]
    for i in range(10_000):
        if i % 2:
            rows.append([f"{chinese[i % 8]}{i}", f"+86 139 {i:04d} {i % 7:04d}", "individual",
                         "B", "merchant_group", f"农历{i % 12 + 1}月{i % 28 + 1}日",
                         f"深圳市{i}号贸易有限公司", "信用卡, 理财", "周末不方便", "zh_Hans"])
        else:
            rows.append([f"{family[i % 10]} {given[i % 6]} {i}", f"09{i:08d}", "household",
                         "C", "street", f"{i % 28 + 1}/{i % 12 + 1}/19{60 + i % 40}",
                         f"Cửa hàng tạp hóa số {i}", "chợ Bến Thành", "Bán buổi sáng", "vi"])
    data = csv_bytes(rows, bom=True)
    started = time.perf_counter()
    preview = await import_file(bot, big_rm, data, "10000_khach_hang.csv")
    previewed = time.perf_counter()
    for line in summary("vi", new=10_000, updated=0, unchanged=0, rejected=0):
        assert line in preview.text, preview.text[:500]
    await bot.press_data(big_rm, preview.buttons[0][1], preview)
    applied = time.perf_counter()
    assert bot.last_for(big_rm).text == tr(
        "vi", "✅ Import applied: {created} new customer, {updated} updated.",
        created=10_000, updated=0)
    assert await count(bot, big_rm.id) == 10_000
    page = await bot.storage.customers.search(big_rm.id, query_forms("lina9"), "", offset=0,
                                              limit=50)
    assert page.total >= 1
    # The export of 10,000 customers, imported back, changes nothing.
    calls = await bot.send(big_rm, "/export")
    exported = time.perf_counter()
    assert [call.method for call in calls].count("sendDocument") == 1
    again = await import_file(bot, big_rm, uploads[-1][1], "lan.xlsx", file_id="doc-again")
    done = time.perf_counter()
    for line in summary("vi", new=0, updated=0, unchanged=10_000, rejected=0):
        assert line in again.text
    print(f"\n10,000-row CSV: preview {previewed - started:.2f}s, apply "
          f"{applied - previewed:.2f}s; export {exported - applied:.2f}s; re-import of the "
          f"export {done - exported:.2f}s")


@pytest.mark.process  # an Excel file is read by the workbook worker process
async def test_deals_and_holdings_round_trip_and_import(
        bot: Harness, uploads: list[tuple[str, bytes]]) -> None:
    await register(bot, LAN, "vi")
    book = await vietnamese_book(bot)
    an = book["an"]
    now = bot.clock.now()
    home = await bot.storage.catalog.by_code("home_loan")
    assert home is not None
    deal = await bot.storage.deals.create(owner_id=LAN.id, customer_id=an.id, actor_id=LAN.id,
                                          now=now, product_id=home.id, stage="consult",
                                          amount_minor=200_000_000_000, currency="VND",
                                          expected_close="2026-12-31")
    won = await bot.storage.deals.create(owner_id=LAN.id, customer_id=an.id, actor_id=LAN.id,
                                         now=now, amount_minor=12_345, currency="USD")
    assert deal is not None and won is not None
    await bot.storage.deals.win(LAN.id, won.id, LAN.id, now, holding_kind="deposit",
                                product_name="Tiền gửi USD")
    await bot.storage.holdings.add(customer_id=an.id, kind="loan", product="Vay tiêu dùng",
                                   monthly_day=15, maturity_date="2028-01-01", now=now)
    _call, workbook = await export(bot, LAN, uploads)
    deals = sheet_rows(workbook, "Deals")
    assert {(row["product"], row["amount"], row["currency"], row["stage"]) for row in deals} == {
        ("home_loan", "2000000000", "VND", "consult"), (None, "123.45", "USD", "won")}
    assert len(sheet_rows(workbook, "Holdings")) == 2
    # An unedited export changes nothing, deals and holdings included.
    before = await bot.storage.db.fetch_value("SELECT COUNT(*) FROM audit_log")
    preview = await import_file(bot, LAN, uploads[-1][1], "rapport.xlsx")
    assert tr("vi", NOTHING_TO_CHANGE) in preview.text, preview.text
    assert await bot.storage.db.fetch_value("SELECT COUNT(*) FROM audit_log") == before
    # Edited: a new amount for the open deal, a new deal, a closed deal "reopened" (refused),
    # a repayment day for the loan.
    book_file = load_workbook(io.BytesIO(uploads[-1][1]))
    sheet = book_file["Deals"]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == deal.id:
            row[3].value = "2500000000"
        if row[0].value == won.id:
            row[6].value = "follow"
    sheet.append(["", an.id, "credit_card", "50tr", "", "", "", "", ""])
    holdings = book_file["Holdings"]
    for row in holdings.iter_rows(min_row=2):
        if row[2].value == "loan":
            row[8].value = 20
    preview = await import_file(bot, LAN, xlsx_bytes(book_file), "rapport_sua.xlsx")
    assert tr("vi", "Deal {id} is closed; it can no longer be changed.", id=won.id) \
        in preview.text, preview.text
    calls = await bot.press_data(LAN, preview.buttons[0][1], preview)
    assert calls
    await bot.press_data(LAN, preview.buttons[0][1], preview)  # a second press: nothing more
    changed = await bot.storage.deals.get(LAN.id, deal.id)
    assert changed is not None and changed.amount_minor == 250_000_000_000
    assert await bot.storage.db.fetch_value(
        "SELECT COUNT(*) FROM deals WHERE amount_minor = 5000000000") == 1
    assert await bot.storage.db.fetch_value(
        "SELECT monthly_day FROM holdings WHERE kind = 'loan'") == 20
