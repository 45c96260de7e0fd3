"""Early warning on churn: week parsing, averages and thresholds, imports through the fake Bot
API (CSV and Excel, in Vietnamese and Chinese), a malformed file, a week imported twice, the
alerts to the RM and the team lead with a chart, /watch, and the follow-up on a working day.

Expected texts are computed with the catalogs (``tr``), never written in a translation.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from core.buttons import pack
from core.i18n import _, active, format_date, format_money, format_number, ngettext
from core.pushes import RENDERERS, Push
from core.pushes.churn import sparkline_png
from domain.churn import (
    Comparison,
    compare,
    next_working_day,
    parse_volume,
    parse_volume_file,
    parse_week,
    trailing_average,
)
from domain.customers import FIELDS_BY_NAME
from domain.pushes import Kind
from handlers import churn
from playground.fake_api import ApiCall
from playground.fake_updates import Person
from scheduler.dispatcher import Dispatcher
from storage.customers import Customer
from storage.db import IntegrityError
from tests.harness import Harness

HCM = "Asia/Ho_Chi_Minh"
LAST_WEEK = date(2026, 11, 16)      # NOW is Monday 23 November 2026: last week's Monday
LAN = Person(2001, "Lan", "Nguyễn", language_code="vi")            # RM, team Bến Thành
TAM = Person(2002, "Tâm", "Lê", language_code="vi")                # RM, team Bến Thành
MINH = Person(3001, "Minh", "Trần", language_code="zh-hans")       # the team's lead
HOA = Person(2003, "Hoa", "Phạm", language_code="vi")              # RM in another team
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

VI_HEADER = ["Mã KH", "Tuần", "Doanh số", "Tiền tệ"]
ZH_HEADER = ["客户编号", "周", "交易量", "币种"]
EN_HEADER = ["client_ref", "week", "volume"]


def tr(language: str, text: str, zone: str = HCM) -> str:
    with active(language, zone):
        return _(text)


def weeks_back(count: int, last: date = LAST_WEEK) -> list[date]:
    return [last - timedelta(weeks=k) for k in range(count - 1, -1, -1)]


def steady(base: float, count: int, last: float | None = None,
           end: date = LAST_WEEK) -> list[tuple[date, float]]:
    """A client trading about `base` a week (a deterministic ±3 % wiggle), the last week
    at `last` if given; the four weeks before the last one are exactly `base`."""
    days = weeks_back(count, end)
    values = [base * (1 + 0.03 * ((index * 7) % 5 - 2) / 2) for index in range(count)]
    for index in range(max(0, count - 5), count):
        values[index] = base
    if last is not None:
        values[-1] = last
    return list(zip(days, values, strict=True))


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[object]], *,
              delimiter: str = ";", bom: bool = True) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Doanh số tuần"
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def vn_amount(value: float) -> str:
    """'1.000.000.000' as a Vietnamese bank file writes a volume."""
    return f"{round(value):,}".replace(",", ".")


def shown(calls: list[ApiCall]) -> list[ApiCall]:
    return [call for call in calls if call.method in ("sendMessage", "sendPhoto",
                                                      "editMessageText")]


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_SIGNATURE and png[12:16] == b"IHDR"
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


# -- the world: a team, its lead, its RMs and their company clients --------------------------------


@dataclass
class World:
    an_phat: Customer      # Lan's VIP client KH0001
    binh_minh: Customer    # Lan's B client KH0002
    moi: Customer          # Lan's new client KH0003 (three weeks on record)
    hung_thinh: Customer   # Tâm's A client KH0100
    dai_phat: Customer     # Hoa's VIP client KH0900, another team


async def company(bot: Harness, owner: Person, name: str, ref: str, grade: str) -> Customer:
    return await bot.storage.customers.create(
        owner_id=owner.id, name=name, phone=None, region="VN", now=bot.clock.now(),
        segment="corporate", grade=grade, client_ref=ref)


@pytest.fixture
async def world(bot: Harness) -> World:
    """Two teams, their leads and RMs, and the company clients of the RMs."""
    now = bot.clock.now()
    team = await bot.storage.teams.create("Bến Thành", now)
    other = await bot.storage.teams.create("Chợ Lớn", now)
    assert team is not None and other is not None
    await bot.register(LAN, "rm", team.id, "vi")
    await bot.register(TAM, "rm", team.id, "vi")
    await bot.register(MINH, "lead", team.id, "zh_Hans")
    await bot.register(HOA, "rm", other.id, "vi")
    return World(
        an_phat=await company(bot, LAN, "Công ty TNHH An Phát", "KH0001", "VIP"),
        binh_minh=await company(bot, LAN, "Công ty CP Bình Minh", "KH0002", "B"),
        moi=await company(bot, LAN, "Công ty Mới", "KH0003", "C"),
        hung_thinh=await company(bot, TAM, "恒盛贸易有限公司", "KH0100", "A"),
        dai_phat=await company(bot, HOA, "Công ty Đại Phát", "KH0900", "VIP"),
    )


async def upload(bot: Harness, person: Person, name: str, data: bytes,
                 file_id: str = "vol-1") -> list[ApiCall]:
    bot.api.files[file_id] = data
    return await bot.send_update(bot.make.document(person, name, file_id=file_id))


async def import_file(bot: Harness, person: Person, name: str, data: bytes,
                      file_id: str = "vol-1") -> ApiCall:
    """/volumes, then the file; the one reply to the file."""
    await bot.send(person, "/volumes")
    replies = shown(await upload(bot, person, name, data, file_id))
    assert len(replies) == 1, [call.text for call in replies]
    return replies[0]


def lan_rows() -> list[list[object]]:
    """Twenty weeks of Lan's clients as the bank exports them (Vietnamese number format)."""
    rows: list[list[object]] = []
    for day, volume in steady(1_000_000_000, 20, last=600_000_000):      # −40 %
        rows.append(["KH0001", day.strftime("%d/%m/%Y"), vn_amount(volume), "VND"])
    for day, volume in steady(450_000_000, 20):                            # steady
        rows.append(["KH0002", day.isoformat(), vn_amount(volume), "VND"])
    for day, volume in steady(80_000_000, 3, last=20_000_000):             # too new
        rows.append(["kh0003", f"{day.isocalendar()[0]}-W{day.isocalendar()[1]:02d}",
                     vn_amount(volume), ""])
    return rows


async def reminders(bot: Harness, kind: str) -> list[dict[str, Any]]:
    rows = await bot.storage.db.fetch_all(
        "SELECT id, staff_id, customer_id, kind, text, due_at, urgent, status, ref_id"
        " FROM reminders WHERE kind = ? ORDER BY id", (kind,))
    return [dict(row) for row in rows]


async def render(bot: Harness, staff_id: int, reminder_id: int, language: str) -> Push:
    staff = await bot.storage.staff.get(staff_id)
    reminder = await bot.storage.reminders.get(staff_id, reminder_id)
    assert staff is not None and reminder is not None
    with active(language, staff.timezone):
        return await RENDERERS[Kind.CHURN](bot.storage, staff, reminder, bot.clock.now())


def summary(language: str, *, rows: int, clients: int, weeks: int, replaced: int,
            alerts: int) -> list[str]:
    with active(language, HCM):
        return [_("✅ Imported {rows}: {clients}, {weeks}.").format(
                    rows=ngettext("{count} row", "{count} rows", rows).format(count=rows),
                    clients=ngettext("{count} client", "{count} clients", clients).format(
                        count=clients),
                    weeks=ngettext("{count} week", "{count} weeks", weeks).format(count=weeks)),
                _("Figures replaced (week already on record): {count}").format(count=replaced),
                _("Alerts raised: {count}").format(count=alerts)]


# -- weeks, volumes, averages, thresholds ---------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-16", date(2026, 11, 16)),
    ("16/11/2026", date(2026, 11, 16)),
    ("2026-W47", date(2026, 11, 16)),
    ("2026-w47", date(2026, 11, 16)),
    ("2026W47", date(2026, 11, 16)),
    ("2026-11-19", date(2026, 11, 16)),       # a Thursday: its week's Monday
    ("22/11/2026", date(2026, 11, 16)),       # the Sunday ends the ISO week
    ("23/11/2026", date(2026, 11, 23)),       # the Monday starts the next
    ("2026/11/18", date(2026, 11, 16)),
    ("18.11.2026", date(2026, 11, 16)),
    ("2026年11月18日", date(2026, 11, 16)),
    ("2026-11-16 00:00:00", date(2026, 11, 16)),   # a date cell saved to CSV by Excel
    ("2026-W01", date(2025, 12, 29)),         # ISO week 1 may start in December
    ("2026-W53", date(2026, 12, 28)),         # 2026 starts on a Thursday: 53 ISO weeks
    ("2025-W53", None),                       # 2025 has 52
    ("31/02/2026", None),
    ("11/16/2026", None),                     # month first is not read
    ("tuần 47", None),
    ("", None),
    ("46342", None),                          # an Excel serial number as text
])
def test_week_parsing(text: str, expected: date | None) -> None:
    assert parse_week(text) == expected


def test_week_cells_from_excel() -> None:
    assert parse_week(datetime(2026, 11, 20, 8, 0)) == date(2026, 11, 16)
    assert parse_week(date(2026, 11, 22)) == date(2026, 11, 16)
    assert parse_week(46342) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("1250000", 1_250_000.0),
    ("1.250.000.000", 1_250_000_000.0),       # Vietnamese thousands
    ("1,250,000", 1_250_000.0),
    ("1 250 000,5", 1_250_000.5),
    ("1.250.000,50", 1_250_000.5),
    ("1,250,000.50", 1_250_000.5),
    ("12,5", 12.5),
    ("0.500", 0.5),
    ("1.250", 1250.0),
    ("-5", -5.0),                             # read, then refused as negative
    ("1,25,000", None),
    ("abc", None),
    ("", None),
])
def test_volume_parsing(text: str, expected: float | None) -> None:
    assert parse_volume(text) == expected


def series(values: Sequence[float], last: date = LAST_WEEK) -> dict[date, float]:
    return dict(zip(weeks_back(len(values), last), values, strict=True))


def test_a_steady_client_raises_nothing() -> None:
    data = dict(steady(1000.0, 20))
    comparison = compare(data, LAST_WEEK)
    assert comparison is not None
    assert comparison.avg_4w == pytest.approx(1000.0)
    assert comparison.avg_13w == pytest.approx(1000.0, rel=0.02)
    assert abs(comparison.drop_4w or 0) < 0.01 and abs(comparison.drop_13w or 0) < 0.02
    assert not comparison.alert(30)


def test_a_35_percent_drop_against_the_4_week_average() -> None:
    comparison = compare(dict(steady(1000.0, 20, last=650.0)), LAST_WEEK)
    assert comparison is not None
    assert comparison.drop_4w == pytest.approx(0.35)
    assert comparison.alert(30) and comparison.alert(35) and not comparison.alert(36)


def test_a_drop_only_against_the_13_week_average() -> None:
    # A slow slide: nine weeks at 1000, four at 650, then 600 — only 7.7 % under the last
    # four weeks, but 32.8 % under the quarter.
    comparison = compare(series([1000.0] * 9 + [650.0] * 4 + [600.0]), LAST_WEEK)
    assert comparison is not None
    assert comparison.avg_4w == pytest.approx(650.0)
    assert comparison.avg_13w == pytest.approx((9 * 1000 + 4 * 650) / 13)
    assert comparison.drop_4w == pytest.approx(1 - 600 / 650)
    assert comparison.drop_13w == pytest.approx(1 - 600 / ((9 * 1000 + 4 * 650) / 13))
    assert comparison.alert(30)
    assert not Comparison(LAST_WEEK, 600.0, 650.0, None).alert(30)


def test_not_enough_history() -> None:
    three = compare(series([100.0, 100.0, 100.0, 10.0]), LAST_WEEK)   # 3 weeks before
    assert three is not None and three.avg_4w is None and three.avg_13w is None
    assert three.drop_4w is None and not three.alert(30)
    six = compare(series([100.0] * 6 + [10.0]), LAST_WEEK)             # 6 weeks before
    assert six is not None and six.avg_4w == 100.0 and six.avg_13w is None
    assert six.alert(30)
    assert compare(series([100.0]), LAST_WEEK - timedelta(weeks=1)) is None   # not on record


def test_a_missing_week_is_left_out_not_zero() -> None:
    data = series([100.0] * 10 + [50.0])
    del data[LAST_WEEK - timedelta(weeks=2)]
    assert trailing_average(data, LAST_WEEK, 4) == 100.0
    # The history starts early enough even if the window's first week is missing.
    first = min(data)
    del data[LAST_WEEK - timedelta(weeks=4)]
    assert trailing_average(data, LAST_WEEK, 4, first) == 100.0


@pytest.mark.parametrize(("volume", "alerts"), [(70.0, True), (70.01, False), (0.0, True)])
def test_the_threshold_is_inclusive(volume: float, alerts: bool) -> None:
    comparison = compare(series([100.0] * 13 + [volume]), LAST_WEEK)
    assert comparison is not None and comparison.alert(30) is alerts


def test_next_working_day_skips_weekends_and_public_holidays() -> None:
    assert next_working_day(date(2026, 11, 27), "VN") == date(2026, 11, 30)    # Fri → Mon
    assert next_working_day(date(2026, 11, 23), "VN") == date(2026, 11, 25)    # 24/11 is off
    assert next_working_day(date(2027, 2, 3), "VN") == date(2027, 2, 11)       # Tết 2027
    assert next_working_day(date(2027, 2, 3), "CN") == date(2027, 2, 4)
    assert next_working_day(date(2027, 2, 5), "XX") == date(2027, 2, 8)        # unknown: weekends


def test_the_chart_is_an_800_by_300_png() -> None:
    points = steady(1_000_000_000, 26, last=600_000_000)
    png = sparkline_png(points, 1_000_000_000)
    assert len(png) > 2000
    assert png_size(png) == (800, 300)
    assert png_size(sparkline_png(points[-1:], None)) == (800, 300)


# -- importing through the bot ------------------------------------------------------------------


async def test_an_rm_imports_a_vietnamese_csv(bot: Harness, world: World) -> None:
    asked = shown(await bot.send(LAN, "/volumes"))
    assert len(asked) == 1
    assert tr("vi", "📊 Send me the weekly transaction volumes as an Excel (.xlsx) or CSV "
                    "file.") in asked[0].text
    assert tr("vi", "Only your own customers' client references are accepted.") in asked[0].text

    answer = shown(await upload(bot, LAN, "doanh_so_tuan.csv", csv_bytes(VI_HEADER, lan_rows())))
    assert len(answer) == 1
    text = answer[0].text
    for line in summary("vi", rows=43, clients=3, weeks=20, replaced=0, alerts=1):
        assert line in text, text
    assert "Công ty TNHH An Phát" in text and "−40" in text     # against the worse average
    assert tr("vi", "Clients with less than 4 weeks on record, not compared yet: {count}").format(
        count=1) in text
    assert await bot.storage.churn.count() == 43
    assert await bot.storage.states.get(LAN.id, LAN.id) is None     # the flow is over
    # The reference is matched without regard to case and stored as the customer holds it.
    assert [v.week for v in await bot.storage.churn.series("KH0003", LAST_WEEK, 4)] == \
        weeks_back(3)

    churns = await reminders(bot, "churn")
    # An Phát is VIP: Lan and her team lead both hear of it; nobody else.
    assert sorted(r["staff_id"] for r in churns) == sorted([LAN.id, MINH.id])
    assert all(r["customer_id"] == world.an_phat.id and r["urgent"] == 1 for r in churns)
    alert = await bot.storage.churn.alert(churns[0]["ref_id"])
    assert alert is not None
    assert (alert.client_ref, alert.week, alert.volume, alert.currency) == (
        "KH0001", LAST_WEEK, 600_000_000, "VND")
    assert alert.avg_4w == pytest.approx(1_000_000_000)
    assert alert.drop_4w == pytest.approx(0.4)


@pytest.mark.process  # an Excel file is read by the workbook worker process
async def test_a_lead_imports_a_chinese_excel_file(bot: Harness, world: World) -> None:
    rows: list[list[object]] = []
    for day, volume in steady(2_000_000, 16, last=1_300_000):      # −35 % against 4 weeks
        rows.append(["KH0100", datetime(day.year, day.month, day.day) + timedelta(days=2),
                     volume, "CNY"])
    for day, volume in steady(1_000_000_000, 16):
        rows.append(["KH0002", day.isoformat(), volume, "VND"])
    answer = await import_file(bot, MINH, "每周交易量.xlsx", xlsx_bytes(ZH_HEADER, rows))
    for line in summary("zh_Hans", rows=32, clients=2, weeks=16, replaced=0, alerts=1):
        assert line in answer.text, answer.text
    assert "恒盛贸易有限公司" in answer.text and "−35" in answer.text
    assert tr("zh_Hans", "Clients with less than 13 weeks on record, compared with the 4-week "
                         "average only: {count}").format(count=0) not in answer.text
    churns = await reminders(bot, "churn")
    assert sorted(r["staff_id"] for r in churns) == sorted([TAM.id, MINH.id])   # grade A
    # Each recipient's fallback text is in their own language.
    tam_text = next(r["text"] for r in churns if r["staff_id"] == TAM.id)
    with active("vi", HCM):
        assert format_money(1_300_000, "CNY") in tam_text
        assert format_date(LAST_WEEK) in tam_text


async def test_the_rm_and_the_lead_both_get_the_churn_alert(bot: Harness, world: World) -> None:
    await import_file(bot, LAN, "doanh_so.csv", csv_bytes(VI_HEADER, lan_rows()))
    bot.api.clear()
    worker = Dispatcher(bot.app.bot, bot.storage, bot.clock, "vi", per_chat_interval=0)
    assert await worker.drain() == 2
    churns = {r["staff_id"]: r for r in await reminders(bot, "churn")}
    assert {r["status"] for r in churns.values()} == {"sent"}
    for person, language in ((LAN, "vi"), (MINH, "zh_Hans")):
        delivered = bot.api.messages(person.id)
        assert len(delivered) == 1
        push = await render(bot, person.id, churns[person.id]["id"], language)
        if delivered[0].method == "sendPhoto":       # the dispatcher calls the renderers
            assert delivered[0].text == push.text
        else:                                       # not yet: it sent the reminder's text
            assert churns[person.id]["text"] in delivered[0].text
        with active(language, HCM):
            assert "Công ty TNHH An Phát" in push.text and "KH0001" in push.text
            assert _("Week of {week}: {volume}").format(
                week=format_date(LAST_WEEK),
                volume=f"<b>{format_money(600_000_000, 'VND')}</b>") in push.text
            assert _("{label}: {average} ({change})").format(
                label=_("4-week average"), average=format_money(1_000_000_000, "VND"),
                change=f"−{format_number(40)}%") in push.text
            assert _("13-week average") in push.text
        assert push.photo is not None and png_size(push.photo) == (800, 300)
        assert push.markup is not None
        actions = [data.split("|")[0] for row in push.markup.inline_keyboard for data in
                   (b.callback_data for b in row) if isinstance(data, str)]
        if person is LAN:
            assert f"c:{world.an_phat.id}" in actions    # her own card
        else:
            assert "cw" in actions                       # the lead: the team's alerts
            with active(language, HCM):
                assert _("Relationship manager: {name}").format(name="Lan Nguyễn") in push.text
    assert await worker.drain() == 0


async def test_a_malformed_file_is_reported_row_by_row_and_nothing_is_stored(
        bot: Harness, world: World) -> None:
    rows = [
        ["KH0001", "09/11/2026", "1.000.000.000", "VND"],
        ["KH0001", "16/11/2026", "một tỷ", "VND"],         # row 3: bad volume
        ["KH0002", "16/13/2026", "450.000.000", "VND"],    # row 4: bad week
        ["KH7777", "16/11/2026", "10.000.000", "VND"],     # row 5: nobody's reference
        ["KH0100", "16/11/2026", "10.000.000", "VND"],     # row 6: Tâm's client, not Lan's
        ["KH0002", "09/11/2026", "-5", "VND"],             # row 7: negative
        ["KH0002", "2026-W46", "1", "VND"],                # row 8: same week as row 7
        ["KH0003", "30/11/2026", "1", "VND"],              # row 9: not started yet
    ]
    answer = await import_file(bot, LAN, "sai.csv", csv_bytes(VI_HEADER, rows, delimiter=","))
    with active("vi", HCM):
        expected = [
            ngettext("❌ Nothing was imported: {count} problem found. Correct the file and send "
                     "it again (or /cancel).",
                     "❌ Nothing was imported: {count} problems found. Correct the file and send "
                     "it again (or /cancel).", 7).format(count=7),
            _("Row {row}: {reason}").format(row=3, reason=_(
                "“{value}” is not a volume: write a number such as 1250000").format(
                value="một tỷ")),
            _("Row {row}: {reason}").format(row=4, reason=_(
                "“{value}” is not a week: write 2026-11-16, 16/11/2026 or 2026-W47").format(
                value="16/13/2026")),
            # Nobody's reference and another RM's client get the same answer.
            _("Row {row}: {reason}").format(row=5, reason=_(
                "client “{ref}” is not one of your customers").format(ref="KH7777")),
            _("Row {row}: {reason}").format(row=6, reason=_(
                "client “{ref}” is not one of your customers").format(ref="KH0100")),
            _("Row {row}: {reason}").format(row=7, reason=_("the volume cannot be negative")),
            _("Row {row}: {reason}").format(row=8, reason=_(
                "the same client and week is already on row {row}").format(row=7)),
            _("Row {row}: {reason}").format(row=9, reason=_(
                "the week of {week} has not started yet").format(week="2026-11-30")),
        ]
    assert answer.text.split("\n") == expected
    assert await bot.storage.churn.count() == 0
    assert await reminders(bot, "churn") == []
    # Still waiting for the corrected file, which goes in whole.
    state = await bot.storage.states.get(LAN.id, LAN.id)
    assert state is not None and state.flow == churn.VOLUMES_FLOW
    fixed = shown(await upload(bot, LAN, "dung.csv", csv_bytes(VI_HEADER, rows[:1]),
                               file_id="vol-2"))
    assert summary("vi", rows=1, clients=1, weeks=1, replaced=0, alerts=0)[0] in fixed[0].text
    assert await bot.storage.churn.count() == 1


@pytest.mark.process  # an Excel file is read by the workbook worker process
async def test_a_duplicate_row_and_a_file_without_the_columns(bot: Harness,
                                                              world: World) -> None:
    rows = [["KH0001", "2026-11-16", "5"], ["kh0001", "19/11/2026", "6"]]
    answer = await import_file(bot, LAN, "dup.csv", csv_bytes(EN_HEADER, rows, bom=False))
    with active("vi", HCM):
        assert _("Row {row}: {reason}").format(row=3, reason=_(
            "the same client and week is already on row {row}").format(row=2)) in answer.text
    headless = shown(await upload(bot, LAN, "x.xlsx", xlsx_bytes(["Tên", "Số"], [["a", 1]]),
                                  file_id="vol-2"))[0]
    with active("vi", HCM):
        assert _("Row {row}: {reason}").format(row=1, reason=_(
            "The first row must name the columns client_ref, week and volume (or their names "
            "in your language). Missing: {columns}").format(
            columns="client_ref, week và volume")) in headless.text
    broken = shown(await upload(bot, LAN, "hong.xlsx", b"PK\x03\x04 not really",
                                file_id="vol-3"))[0]
    assert tr("vi", "This file is damaged or is not an Excel .xlsx file.") in broken.text
    other = shown(await upload(bot, LAN, "bang.pdf", b"%PDF", file_id="vol-4"))[0]
    assert other.text == tr("vi", "Please send the volumes as an Excel (.xlsx) or CSV file "
                                  "(or /cancel).")
    assert await bot.storage.churn.count() == 0


async def test_reimporting_a_week_replaces_it_and_alerts_once(bot: Harness,
                                                              world: World) -> None:
    await import_file(bot, LAN, "tuan.csv", csv_bytes(VI_HEADER, lan_rows()))
    assert await bot.storage.churn.count() == 43
    assert len(await reminders(bot, "churn")) == 2
    # The bank re-sends last week with a corrected, still low figure: replaced, not doubled,
    # and the alert is not raised again.
    again = [["KH0001", "18/11/2026", "550.000.000", "VND"]]
    answer = await import_file(bot, LAN, "tuan_sua.csv", csv_bytes(VI_HEADER, again), "vol-2")
    for line in summary("vi", rows=1, clients=1, weeks=1, replaced=1, alerts=0):
        assert line in answer.text, answer.text
    assert tr("vi", "Already on alert for that week (not raised again): {count}").format(
        count=1) in answer.text
    assert await bot.storage.churn.count() == 43
    last = (await bot.storage.churn.series("KH0001", LAST_WEEK, 1))[0]
    assert (last.week, last.volume) == (LAST_WEEK, 550_000_000)
    assert len(await reminders(bot, "churn")) == 2
    assert len(await reminders(bot, "followup")) == 1
    [alert] = await bot.storage.churn.on_alert([LAN.id])
    assert alert.volume == 550_000_000 and alert.drop_4w == pytest.approx(0.45)
    # Corrected to a normal week: the client is no longer on alert.
    normal = [["KH0001", "2026-W47", "990.000.000", "VND"]]
    await import_file(bot, LAN, "tuan_dung.csv", csv_bytes(VI_HEADER, normal), "vol-3")
    assert await bot.storage.churn.count() == 43
    assert await bot.storage.churn.on_alert([LAN.id]) == []


async def test_an_older_week_filled_in_raises_nothing(bot: Harness, world: World) -> None:
    await import_file(bot, LAN, "tuan.csv", csv_bytes(VI_HEADER, lan_rows()))
    before = len(await reminders(bot, "churn"))
    old = [["KH0002", "2026-W40", "1", "VND"]]        # a hole-filling week, far below average
    answer = await import_file(bot, LAN, "cu.csv", csv_bytes(VI_HEADER, old), "vol-2")
    assert summary("vi", rows=1, clients=1, weeks=1, replaced=1, alerts=0)[2] in answer.text
    assert len(await reminders(bot, "churn")) == before


# -- /watch --------------------------------------------------------------------------------------


@pytest.mark.process  # an Excel file is read by the workbook worker process
async def test_watch_lists_the_clients_on_alert(bot: Harness, world: World) -> None:
    empty = shown(await bot.send(LAN, "/watch"))[0]
    assert empty.text == tr("vi", "No client is on alert. Weekly volumes are imported with "
                                  "/volumes.")
    await import_file(bot, LAN, "lan.csv", csv_bytes(VI_HEADER, lan_rows()))
    tam_rows = [["KH0100", day.isoformat(), volume, "CNY"]
                for day, volume in steady(2_000_000, 16, last=1_300_000)]
    await import_file(bot, TAM, "tam.xlsx", xlsx_bytes([*EN_HEADER, "currency"], tam_rows),
                      "vol-2")
    hoa_rows = [["KH0900", day.isoformat(), volume] for day, volume in steady(5e8, 16, last=1e8)]
    await import_file(bot, HOA, "hoa.csv", csv_bytes(EN_HEADER, hoa_rows), "vol-3")

    mine = shown(await bot.send(LAN, "/watch"))[0]
    [alert] = await bot.storage.churn.on_alert([LAN.id])
    assert alert.avg_13w is not None
    with active("vi", HCM):
        assert _("📉 <b>Clients on alert</b>: {count}").format(count=1) in mine.text
        assert _("week of {week}: {volume}; 4 weeks {change_4w}, 13 weeks {change_13w}").format(
            week=format_date(LAST_WEEK), volume=format_money(600_000_000, "VND"),
            change_4w=f"−{format_number(40)}%",
            change_13w=f"−{format_number(round((1 - 6e8 / alert.avg_13w) * 100, 1))}%",
        ) in mine.text
    assert "Công ty TNHH An Phát" in mine.text and "恒盛" not in mine.text
    actions = [data.split("|")[0] for _label, data in mine.buttons]
    assert actions[0] == f"c:{world.an_phat.id}"        # opens her card

    team = shown(await bot.send(MINH, "/watch"))[0]
    with active("zh_Hans", HCM):
        assert _("📉 <b>Clients on alert</b>: {count}").format(count=2) in team.text
        assert _("RM {name}").format(name="Tâm Lê") in team.text
    assert "恒盛贸易有限公司" in team.text and "Công ty Đại Phát" not in team.text
    assert all(data.startswith("cw:") for _label, data in team.buttons)

    # The lead opens one: the figures and the chart.
    chart = shown(await bot.press(MINH, "恒盛", call=team))
    assert [call.method for call in chart] == ["sendPhoto"]
    assert "恒盛贸易有限公司" in chart[0].text
    # Hoa cannot open the team's alert with a button made for her.
    forged = pack("cw", (await bot.storage.churn.on_alert([TAM.id]))[0].id, owner=HOA.id)
    refused = await bot.press_data(HOA, forged)
    assert [call.method for call in refused] == ["answerCallbackQuery"]
    assert not bot.api.of("sendPhoto")[1:]


# -- the follow-up lands on a working day -----------------------------------------------------


async def followup_due(bot: Harness) -> datetime:
    [followup] = await reminders(bot, "followup")
    assert followup["staff_id"] == LAN.id and followup["customer_id"] is not None
    return datetime.fromisoformat(followup["due_at"]).astimezone(ZoneInfo(HCM))


async def test_a_friday_import_is_followed_up_on_monday(bot: Harness, world: World) -> None:
    bot.clock.set(datetime(2026, 11, 27, 16, 0, tzinfo=ZoneInfo(HCM)))     # Friday
    await import_file(bot, LAN, "thu6.csv", csv_bytes(VI_HEADER, lan_rows()))
    assert await followup_due(bot) == datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo(HCM))


async def test_a_monday_import_skips_the_public_holiday(bot: Harness, world: World) -> None:
    await import_file(bot, LAN, "thu2.csv", csv_bytes(VI_HEADER, lan_rows()))
    # Tuesday 24 November is Vietnam Cultural Day.
    assert await followup_due(bot) == datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo(HCM))


async def test_the_tet_week_is_skipped(bot: Harness, world: World) -> None:
    bot.clock.set(datetime(2027, 2, 3, 15, 0, tzinfo=ZoneInfo(HCM)))       # before Tết 2027
    last = date(2027, 1, 25)
    rows = [["KH0001", day.isoformat(), volume, "VND"]
            for day, volume in steady(1_000_000_000, 20, last=500_000_000, end=last)]
    await import_file(bot, LAN, "tet.csv", csv_bytes(VI_HEADER, rows))
    assert await followup_due(bot) == datetime(2027, 2, 11, 9, 0, tzinfo=ZoneInfo(HCM))


# -- client references -----------------------------------------------------------------------


async def test_a_client_reference_is_unique_within_one_book(bot: Harness,
                                                             world: World) -> None:
    volumes = bot.storage.churn
    assert await volumes.ref_taken("kh0001", LAN.id)
    assert not await volumes.ref_taken("kh0001", TAM.id)
    assert not await volumes.ref_taken("KH0001", LAN.id, except_customer_id=world.an_phat.id)
    with pytest.raises(IntegrityError):
        await company(bot, LAN, "Another", "kh0001", "B")
    with pytest.raises(IntegrityError):
        await bot.storage.customers.update(LAN.id, world.binh_minh.id, bot.clock.now(), "VN",
                                           client_ref="KH0001")
    # Another RM's book may hold it (the bank's two RMs may both know the client).
    await bot.storage.customers.update(TAM.id, world.hung_thinh.id, bot.clock.now(), "VN",
                                       client_ref="KH0001")
    assert [h.customer_id for h in (await volumes.holders(["kh0001"]))["kh0001"]] == [
        world.an_phat.id, world.hung_thinh.id]
    # Erasing the customer frees the reference (it is personal data) for another file.
    assert await bot.storage.customers.erase(LAN.id, world.an_phat.id, bot.clock.now())
    assert not await volumes.ref_taken("KH0001", LAN.id)
    assert [h.customer_id for h in (await volumes.holders(["kh0001"]))["kh0001"]] == [
        world.hung_thinh.id]


async def edit_ref(bot: Harness, customer: Customer, text: str) -> list[str]:
    await bot.press_data(LAN, pack("cef", customer.id, "client_ref", owner=LAN.id))
    return [call.text for call in shown(await bot.send(LAN, text))]


@pytest.mark.parametrize("language", ["vi", "zh_Hans", "zh_Hant"])
async def test_another_books_reference_is_answered_as_an_unknown_one(
        bot: Harness, world: World, language: str) -> None:
    """Saving a number Tâm's book holds gets the very answer an unknown number gets; Minh,
    the lead of both, is told once, and neither Lan nor Tâm is."""
    await bot.storage.staff.set_language(LAN.id, language)
    field = FIELDS_BY_NAME["client_ref"]
    assert field.choices is None and field.label == "Client reference"
    first, second = [await bot.storage.customers.create(
        owner_id=LAN.id, name="Công ty Sao Mai", phone=None, region="VN",
        now=bot.clock.now(), segment="sme") for _i in range(2)]
    held = await edit_ref(bot, first, "  KH0100 ")
    unknown = await edit_ref(bot, second, "  KH7777 ")
    assert held[0].startswith(tr(language, "Saved."))
    assert [text.replace("KH0100", "REF") for text in held] == [
        text.replace("KH7777", "REF") for text in unknown]
    holders = (await bot.storage.churn.holders(["kh0100"]))["kh0100"]
    assert [h.customer_id for h in holders] == [world.hung_thinh.id, first.id]
    # Saved again: no second notice. A number of Lan's own book is still refused.
    await edit_ref(bot, first, "kh0100")
    assert await edit_ref(bot, second, "KH0001") == [tr(
        language, "Another customer already has the client reference “{ref}”.").format(
        ref="KH0001")]
    notices = await reminders(bot, Kind.SHARED_REF)
    assert [(n["staff_id"], n["customer_id"], n["ref_id"]) for n in notices] == [
        (MINH.id, world.hung_thinh.id, first.id)]
    minh = await bot.storage.staff.get(MINH.id)
    reminder = await bot.storage.reminders.get(MINH.id, notices[0]["id"])
    assert minh is not None and reminder is not None
    with active("zh_Hans", HCM):
        push = await RENDERERS[Kind.SHARED_REF](bot.storage, minh, reminder, bot.clock.now())
    for part in ("KH0100", "Công ty Sao Mai", "恒盛贸易有限公司", "Lan Nguyễn", "Tâm Lê"):
        assert part in push.text, push.text


async def test_books_without_a_common_lead_tell_the_administrators(bot: Harness,
                                                                   world: World) -> None:
    admin = Person(9001, "Quản", "Trị", language_code="vi")
    await bot.register(admin, "admin", None, "vi")
    await bot.storage.update_customer(LAN.id, world.moi.id, bot.clock.now(), "VN",
                                      client_ref="KH0900")      # Hoa's, another team
    notices = await reminders(bot, Kind.SHARED_REF)
    assert [(n["staff_id"], n["customer_id"], n["ref_id"]) for n in notices] == [
        (admin.id, world.moi.id, world.dai_phat.id)]


async def test_a_number_two_books_hold_alerts_each_holder_the_importer_sees(
        bot: Harness, world: World) -> None:
    copy = await company(bot, TAM, "Công ty An Phát (chi nhánh)", "kh0001", "B")
    copy_hoa = await company(bot, HOA, "Công ty An Phát (Chợ Lớn)", "KH0001", "B")
    # Lan sees her own book only: her customer is alerted, Tâm's and Hoa's are not.
    reply = await import_file(bot, LAN, "thu2.csv", csv_bytes(VI_HEADER, lan_rows()))
    assert reply.text.startswith(summary("vi", rows=43, clients=3, weeks=20, replaced=0,
                                         alerts=1)[0])
    churned = await reminders(bot, Kind.CHURN)
    assert {(r["staff_id"], r["customer_id"]) for r in churned} == {
        (LAN.id, world.an_phat.id), (MINH.id, world.an_phat.id)}
    # Minh, the lead of Lan and Tâm, imports the same week: Tâm's customer is alerted too.
    await import_file(bot, MINH, "thu2.csv", csv_bytes(VI_HEADER, lan_rows()), "vol-2")
    churned = await reminders(bot, Kind.CHURN)
    assert {(r["staff_id"], r["customer_id"]) for r in churned} == {
        (LAN.id, world.an_phat.id), (MINH.id, world.an_phat.id), (TAM.id, copy.id)}
    assert copy_hoa.id not in {r["customer_id"] for r in churned}
    alerts = await bot.storage.churn.on_alert(None)
    assert sorted(a.customer_id for a in alerts) == sorted([world.an_phat.id, copy.id])


def test_parse_volume_file_reads_utf8_csv_only() -> None:
    today = date(2026, 11, 23)
    text = "客户编号,周,交易量\nKH1,2026-11-16,5\n"
    assert parse_volume_file(text.encode("utf-8"), "a.csv", today).rows[0].volume == 5
    assert parse_volume_file(text.encode("gb18030"), "a.csv", today).errors[0].row == 0

