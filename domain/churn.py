"""Early warning on churn: weekly volume files, the trailing averages and the drop alert.

A corporate client rarely leaves at once (DOMAIN.md): it tries another bank for a few months
and its weekly transaction volume sags. Each week is compared with the average of the 4 and
the 13 weeks before it; a drop of at least the threshold (RAPPORT_CHURN_DROP_PERCENT) raises
an alert.

The file (CSV or Excel) has a header row naming at least three columns: the client reference,
the week and the volume (and optionally the currency). :func:`parse_volume_file` returns the
rows it could read and every error found, each with its row number (the header is row 1, as
a spreadsheet shows it); the caller stores nothing unless there is no error at all.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import holidays
from babel.numbers import list_currencies

from core.i18n import N_, render
from domain.names import fold

SHORT_WEEKS = 4
LONG_WEEKS = 13
DEFAULT_DROP_PERCENT = 30
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_EMPTY_ROWS = 10_000
MAX_REF = 64
EXTENSIONS = (".csv", ".xlsx")

# Header names, compared once folded (no accents, Simplified Chinese, lower case).
COLUMN_NAMES: dict[str, frozenset[str]] = {
    "client_ref": frozenset({
        "client ref", "client reference", "client", "client number", "client no", "client id",
        "ref", "cif", "ma kh", "ma khach hang", "客户编号", "客户号", "客户代码"}),
    "week": frozenset({"week", "week start", "tuan", "周", "周次"}),
    "volume": frozenset({
        "volume", "transaction volume", "amount", "doanh so", "doanh so giao dich", "交易量",
        "交易额", "交易金额"}),
    "currency": frozenset({"currency", "ccy", "tien te", "loai tien", "币种", "货币"}),
}
REQUIRED = ("client_ref", "week", "volume")


@dataclass(frozen=True)
class RowError:
    row: int                 # 1-based, the header being row 1
    message: str             # English, marked with N_, with {placeholders}
    params: Mapping[str, str | int | tuple[str, ...]] = field(default_factory=dict)

    def text(self) -> str:
        """The reason in the current language."""
        return render(self.message, self.params)


@dataclass(frozen=True)
class VolumeRow:
    row: int
    client_ref: str
    week: date               # the Monday of the ISO week
    volume: float
    currency: str | None = None


@dataclass(frozen=True)
class ParsedFile:
    rows: list[VolumeRow]
    errors: list[RowError]


# -- client references, weeks and volumes -------------------------------------------------------


def ref_key(ref: str) -> str:
    """How references are compared: like SQLite's NOCASE, ASCII letters without case."""
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in ref.strip())


def clean_ref(value: object) -> str:
    """A cell as a client reference: 12345.0 (a number in Excel) is '12345'."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def monday(day: date) -> date:
    """The Monday of the ISO week holding this day."""
    return day - timedelta(days=day.weekday())


_ISO_WEEK = re.compile(r"^(\d{4})\s*-?\s*w\s*(\d{1,2})$", re.IGNORECASE)
_YMD = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_CJK = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号號]?$")
_TIME_SUFFIX = re.compile(r"[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")


def parse_week(value: object) -> date | None:
    """The Monday of the week meant by '2026-11-16', '16/11/2026', '2026-W47', '2026年11月16日'
    or any day inside that week (also a date or datetime cell). None if it is no week."""
    if isinstance(value, datetime):
        return monday(value.date())
    if isinstance(value, date):
        return monday(value)
    if not isinstance(value, str):
        return None
    text = _TIME_SUFFIX.sub("", value.strip())
    try:
        if match := _ISO_WEEK.match(text):
            day = date.fromisocalendar(int(match[1]), int(match[2]), 1)
        elif match := _YMD.match(text) or _CJK.match(text):
            day = date(int(match[1]), int(match[2]), int(match[3]))
        elif match := _DMY.match(text):
            day = date(int(match[3]), int(match[2]), int(match[1]))
        else:
            return None
    except ValueError:
        return None
    if not 2000 <= day.year <= 2100:
        return None
    return monday(day)


_SYMBOLS = str.maketrans("", "", " \u00a0\u202f\u2009'’₫¥￥$")
_GROUPED = re.compile(r"^[1-9]\d{0,2}(?:X\d{3})+$")


def parse_volume(value: object) -> float | None:
    """A number from a cell: 1250000, '1,250,000', '1.250.000' (Vietnamese), '1 250 000,5'.

    With both '.' and ',' the last one is the decimal mark; one mark alone followed by three
    digits groups thousands ('1.250' is 1250), otherwise it is the decimal mark ('12,5').
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
        return number if math.isfinite(number) else None
    if not isinstance(value, str):
        return None
    text = value.translate(_SYMBOLS)
    sign = -1.0 if text.startswith("-") else 1.0
    body = text[1:] if text[:1] in "+-" else text
    if not body or not re.fullmatch(r"[\d.,]+", body) or not body[0].isdigit():
        return None
    dots, commas = body.count("."), body.count(",")
    if dots and commas:
        decimal = "." if body.rfind(".") > body.rfind(",") else ","
        grouping = "," if decimal == "." else "."
        whole, _sep, fraction = body.rpartition(decimal)
        if not _GROUPED.match(whole.replace(grouping, "X")) or not fraction.isdigit():
            return None
        body = whole.replace(grouping, "") + "." + fraction
    elif dots or commas:
        mark = "." if dots else ","
        left, _sep, right = body.partition(mark)
        if dots + commas > 1 or (len(right) == 3 and _GROUPED.match(f"{left}X{right}")):
            if not _GROUPED.match(body.replace(mark, "X")):
                return None
            body = body.replace(mark, "")
        else:
            body = f"{left}.{right}"
    return sign * float(body)


_CURRENCIES = frozenset(list_currencies())


def parse_currency(value: object) -> str | None:
    """An ISO currency code ('vnd' is VND), or None if it is none Babel knows."""
    code = str(value).strip().upper() if value is not None else ""
    return code if code in _CURRENCIES else None


# -- the file --------------------------------------------------------------------------------


def _column(name: object) -> str | None:
    folded = fold(str(name or "").replace("_", " ").replace("-", " ")).strip(" :*")
    return next((column for column, names in COLUMN_NAMES.items() if folded in names), None)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


Numbered = Iterable[tuple[int, tuple[Any, ...]]]


def _csv_rows(data: bytes) -> Numbered:
    """The rows of a UTF-8 CSV (with or without a BOM), by comma, semicolon or tab."""
    text = data.decode("utf-8-sig")  # UnicodeDecodeError is reported by the caller
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=first.count)
    for number, row in enumerate(csv.reader(io.StringIO(text, newline=""),
                                            delimiter=delimiter), start=1):
        yield number, tuple(row)


def parse_volume_file(data: bytes, file_name: str, today: date) -> ParsedFile:
    """Read every row of a CSV volume file; report every error by its row. An Excel file's
    rows come from core.workbooks (a worker process) and go to :func:`parse_volume_rows`."""
    name = file_name.lower()
    if not name.endswith(EXTENSIONS):
        return ParsedFile([], [RowError(0, N_(
            "This is not a CSV or Excel (.xlsx) file. Save the sheet as .xlsx or as "
            "“CSV UTF-8” and send it again."))])
    if name.endswith(".xlsx"):
        raise ValueError("a workbook is read in a worker process: core.workbooks")
    try:
        return _read(_csv_rows(data), today)
    except UnicodeDecodeError:
        return ParsedFile([], [RowError(0, N_(
            "The CSV file is not in UTF-8. Save it as “CSV UTF-8” and send it again."))])
    except csv.Error as error:
        return ParsedFile([], [RowError(0, N_("The CSV file could not be read: {reason}"),
                                        {"reason": str(error)[:200]})])


def parse_volume_rows(rows: Numbered, today: date) -> ParsedFile:
    """Read a workbook sheet's non-empty rows (numbered as Excel shows them)."""
    return _read(rows, today)


def _read(source: Numbered, today: date) -> ParsedFile:
    columns: dict[str, int] | None = None
    rows: list[VolumeRow] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, date], int] = {}
    data_rows = empty = 0
    for number, cells in source:
        if all(_blank(cell) for cell in cells):
            empty += 1
            if empty > MAX_EMPTY_ROWS:  # a file of empty lines: counted, not read to its end
                return ParsedFile([], [RowError(0, N_(
                    "The file has more than {limit} empty rows. Delete them and send it "
                    "again."), {"limit": MAX_EMPTY_ROWS})])
            continue
        if columns is None:
            columns = {}
            for index, cell in enumerate(cells):
                column = _column(cell)
                if column is not None:
                    columns.setdefault(column, index)
            missing = [column for column in REQUIRED if column not in columns]
            if missing:
                return ParsedFile([], [RowError(number, N_(
                    "The first row must name the columns client_ref, week and volume (or "
                    "their names in your language). Missing: {columns}"),
                    {"columns": tuple(missing)})])
            continue
        data_rows += 1
        if data_rows > MAX_ROWS:
            errors.append(RowError(number, N_("The file has more than {limit} rows: split it."),
                                   {"limit": MAX_ROWS}))
            break
        row = _row(number, cells, columns, today, seen, errors)
        if row is not None:
            rows.append(row)
    if columns is None:
        return ParsedFile([], [RowError(0, N_("The file is empty."))])
    if not rows and not errors:
        errors.append(RowError(0, N_("The file has no rows under its header.")))
    return ParsedFile(rows, errors)


def _row(number: int, cells: tuple[Any, ...], columns: dict[str, int], today: date,
         seen: dict[tuple[str, date], int], errors: list[RowError]) -> VolumeRow | None:
    def cell(column: str) -> Any:
        index = columns.get(column)
        return cells[index] if index is not None and index < len(cells) else None

    found = len(errors)
    ref = clean_ref(cell("client_ref"))
    if not ref:
        errors.append(RowError(number, N_("the client reference is empty")))
    elif len(ref) > MAX_REF:
        errors.append(RowError(number, N_("the client reference is longer than {limit} "
                                          "characters"), {"limit": MAX_REF}))
    raw_week = cell("week")
    week = parse_week(raw_week)
    if week is None:
        errors.append(RowError(number, N_("“{value}” is not a week: write 2026-11-16, 16/11/2026 "
                                          "or 2026-W47"), {"value": _shown(raw_week)}))
    elif week > today:
        errors.append(RowError(number, N_("the week of {week} has not started yet"),
                               {"week": week.isoformat()}))
    raw_volume = cell("volume")
    volume = parse_volume(raw_volume)
    if volume is None:
        errors.append(RowError(number, N_("“{value}” is not a volume: write a number such as "
                                          "1250000"), {"value": _shown(raw_volume)}))
    elif volume < 0:
        errors.append(RowError(number, N_("the volume cannot be negative")))
    currency = None
    raw_currency = cell("currency")
    if not _blank(raw_currency):
        currency = parse_currency(raw_currency)
        if currency is None:
            errors.append(RowError(number, N_("“{value}” is not a currency code such as VND or "
                                              "CNY"), {"value": _shown(raw_currency)}))
    if ref and week is not None:
        # Checked even when the row has other errors, so the next attempt finds no new ones.
        key = (ref_key(ref), week)
        if key in seen:
            errors.append(RowError(number, N_("the same client and week is already on row "
                                              "{row}"), {"row": seen[key]}))
        else:
            seen[key] = number
    if len(errors) > found or week is None or volume is None:
        return None
    return VolumeRow(number, ref, week, volume, currency)


def _shown(value: object) -> str:
    text = "" if value is None else str(value).strip()
    return text if len(text) <= 40 else text[:39] + "…"


# -- the comparison ------------------------------------------------------------------------------


def trailing_average(series: Mapping[date, float], week: date, weeks: int,
                     first_week: date | None = None) -> float | None:
    """The average volume of the `weeks` weeks before `week`, over the weeks on record.

    None when the history is too short: the client's first week on record (``first_week``,
    else the series' first) must be at least `weeks` weeks before, and a week of the window
    must be on record. A week missing from the file is left out, not counted as zero.
    """
    first = first_week or min(series, default=None)
    if first is None or first > week - timedelta(weeks=weeks):
        return None
    values = [series[day] for day in (week - timedelta(weeks=k) for k in range(1, weeks + 1))
              if day in series]
    return sum(values) / len(values) if values else None


def drop(volume: float, average: float | None) -> float | None:
    """How far the week fell below the average (0.35 = 35 % lower); None without an average."""
    if average is None or average <= 0:
        return None
    return 1 - volume / average


@dataclass(frozen=True)
class Comparison:
    week: date
    volume: float
    avg_4w: float | None
    avg_13w: float | None

    @property
    def drop_4w(self) -> float | None:
        return drop(self.volume, self.avg_4w)

    @property
    def drop_13w(self) -> float | None:
        return drop(self.volume, self.avg_13w)

    def alert(self, threshold_percent: int) -> bool:
        """True when either drop reaches the threshold (30 means a 30 % drop or more)."""
        return any(value is not None and round(value * 100, 6) >= threshold_percent
                   for value in (self.drop_4w, self.drop_13w))


def compare(series: Mapping[date, float], week: date,
            first_week: date | None = None) -> Comparison | None:
    """The week's volume against its 4- and 13-week trailing averages; None if not on record."""
    if week not in series:
        return None
    return Comparison(week, series[week],
                      trailing_average(series, week, SHORT_WEEKS, first_week),
                      trailing_average(series, week, LONG_WEEKS, first_week))


# -- when the RM follows up ---------------------------------------------------------------------


@lru_cache(maxsize=64)
def _public_holidays(region: str, year: int) -> frozenset[date]:
    try:
        return frozenset(holidays.country_holidays(region, years=year))
    except NotImplementedError:  # a market the holidays package does not know
        return frozenset()


def is_working_day(day: date, region: str) -> bool:
    return day.weekday() < 5 and day not in _public_holidays(region, day.year)


def next_working_day(day: date, region: str) -> date:
    """The first working day after `day`: no weekend, no public holiday of the RM's market."""
    candidate = day + timedelta(days=1)
    while not is_working_day(candidate, region):
        candidate += timedelta(days=1)
    return candidate
