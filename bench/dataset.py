"""The latency benchmarks' data set: RMs, their customers, a million notes and the reminders.

Rows are generated deterministically (seeded) in foreign-key order, in batches, so they can
be streamed into SQLite (``executemany``) or PostgreSQL (``COPY``) without holding a million
notes in memory. Search keys come from the repository's own key function: the rows are what
the bot would have written. Times are relative to :data:`REFERENCE`, the frozen "now" of the
benchmark, so a cached database stays valid.
"""

from __future__ import annotations

import json
import random
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from bench import people
from bench.harness import ROOT, db_time
from bench.people import MARKETS, Market
from core.languages import regional
from domain.catalog import parse_catalog
from domain.deals import LOST_REASONS, MARKET_CURRENCY
from domain.holdings import kind_for_product
from domain.names import fold
from storage.customers import CustomerRepo

VERSION = 3
"""Bump when the generated data changes, so cached databases are rebuilt."""
REFERENCE = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
"""The benchmark's "now": Monday 10:00 in Ho Chi Minh City."""
FIRST_RM = 900_001
RMS_PER_TEAM = 10
CHUNK = 50_000
HISTORY = timedelta(days=3 * 365)


@dataclass(frozen=True)
class Size:
    rms: int
    customers_per_rm: int
    notes: int

    @property
    def customers(self) -> int:
        return self.rms * self.customers_per_rm

    @property
    def label(self) -> str:
        return f"{self.rms}rm-{self.customers}c-{self.notes}n"


FULL = Size(rms=1_000, customers_per_rm=100, notes=1_000_000)
QUICK = Size(rms=200, customers_per_rm=100, notes=200_000)


@dataclass(frozen=True)
class Batch:
    table: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


@dataclass(frozen=True)
class Rm:
    id: int
    first_name: str
    last_name: str | None
    username: str
    market: Market

    @property
    def full_name(self) -> str:
        """As PTB's ``User.full_name`` has it, so the gate never rewrites the profile."""
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


STAFF_COLUMNS = ("id", "name", "username", "role", "team_id", "language", "timezone", "region",
                 "created_at", "agenda_time", "text_mode")
CUSTOMER_COLUMNS = ("id", "owner_id", "name", "phone", "segment", "grade", "stage",
                    "lost_reason", "source", "referrer", "birthday", "company", "products_held",
                    "tags", "about", "language", "search_key", "phone_key", "name_key",
                    "last_contact_at", "created_at", "updated_at", "archived_at", "client_ref")
REMINDER_COLUMNS = ("staff_id", "customer_id", "kind", "text", "due_at", "urgent", "status",
                    "rule_key", "attempts", "sent_at", "done_at", "outcome", "created_at")
INTERACTION_COLUMNS = ("customer_id", "staff_id", "kind", "happened_at", "text", "search_text",
                       "detail", "created_at")
DEAL_COLUMNS = ("id", "customer_id", "owner_id", "product_id", "amount_minor", "currency",
                "expected_close", "stage", "lost_reason", "closed_at", "holding_id",
                "created_at", "updated_at")
HOLDING_COLUMNS = ("id", "customer_id", "kind", "product", "product_id", "amount_minor",
                   "currency", "maturity_date", "start_date", "monthly_day", "created_at")
# Typical deal sizes per market, in whole units of its currency: (smallest, largest).
_DEAL_SIZES = {"VND": (50_000_000, 5_000_000_000), "CNY": (50_000, 5_000_000),
               "TWD": (300_000, 30_000_000), "HKD": (100_000, 10_000_000)}
_OPEN_DEAL_STAGES = ("contact", "consult", "follow")

_SEGMENTS = people.weighted((("individual", 70), ("household", 15), ("sme", 12),
                             ("corporate", 3)))
_GRADES = people.weighted(((None, 50), ("C", 20), ("B", 15), ("A", 10), ("VIP", 5)))
_STAGES = people.weighted((("find", 30), ("contact", 15), ("consult", 12), ("follow", 13),
                           ("won", 10), ("care", 15), ("lost", 5)))
_SOURCES = people.weighted(((None, 30), ("street", 20), ("walkin", 15), ("referral", 20),
                            ("merchant_group", 10), ("other", 5)))
_KINDS = people.weighted(people.NOTE_KINDS)
_KIND_CODES = {kind: code for code, kind in enumerate(_KINDS[0])}
_CONTACT = frozenset(_KIND_CODES[k] for k in ("note", "call", "visit", "meeting", "message"))
_STAGE_CODE = _KIND_CODES["stage"]
_CALL_CODE = _KIND_CODES["call"]
_PRODUCTS = {"vi": ("tiền gửi 12 tháng", "thẻ tín dụng", "vay mua nhà", "bảo hiểm nhân thọ",
                    "tài khoản thanh toán", "vay kinh doanh"),
             "zh": ("一年期定期存款", "信用卡", "住房贷款", "理财产品", "经营贷", "代发工资")}
_FOLLOW_UPS = {"vi": ("gọi lại tư vấn vay", "gửi bảng lãi suất", "hẹn gặp ký hồ sơ",
                      "nhắc đáo hạn sổ tiết kiệm"),
               "zh": ("回电告知利率", "发送理财产品资料", "约见签合同", "提醒定期存款到期")}
_REFERENCE_S = int(REFERENCE.timestamp())


def _market_of_rm(rng: random.Random) -> Market:
    return rng.choices([m for m, _ in MARKETS], cum_weights=list(
        accumulate(share for _, share in MARKETS)))[0]


def rms(size: Size, seed: int = 1) -> list[Rm]:
    rng = random.Random(seed)
    found = []
    for n in range(size.rms):
        market = _market_of_rm(rng)
        # Chinese speakers mostly put their whole name in Telegram's first name.
        first, last = ((people.chinese_name(rng, market), None) if market.chinese
                       else people.rm_name(rng))
        found.append(Rm(FIRST_RM + n, first, last, f"rm{FIRST_RM + n}", market))
    return found


def _time(seconds: int) -> str:
    return db_time(datetime.fromtimestamp(seconds, UTC))


class _Plan:
    """Pass one: how many notes each customer has, of which kind and when (compactly)."""

    def __init__(self, rng: random.Random, size: Size) -> None:
        customers = size.customers
        # Some customers are talked to far more than others.
        weights = [rng.lognormvariate(0, 0.9) for _ in range(customers)]
        counts = [0] * customers
        for index in rng.choices(range(customers), cum_weights=list(accumulate(weights)),
                                 k=size.notes):
            counts[index] += 1
        self.created = array("q")
        self.start = array("q", [0])
        self.times = array("q")
        self.kinds = bytearray()
        history = int(HISTORY.total_seconds())
        kind_codes = list(range(len(_KINDS[0])))
        for count in counts:
            created = _REFERENCE_S - rng.randrange(history)
            self.created.append(created)
            span = max(1, _REFERENCE_S - created)
            self.times.extend(sorted(created + rng.randrange(span) for _ in range(count)))
            self.kinds.extend(rng.choices(kind_codes, cum_weights=_KINDS[1], k=count))
            self.start.append(len(self.times))

    def last_contact(self, customer: int) -> int | None:
        for at in range(self.start[customer + 1] - 1, self.start[customer] - 1, -1):
            if self.kinds[at] in _CONTACT:
                return self.times[at]
        return None


def generate(size: Size, seed: int = 1) -> Iterator[Batch]:
    """Every table's rows, parents first; interactions in chunks of :data:`CHUNK` rows."""
    rng = random.Random(seed)
    staff = rms(size, seed)
    plan = _Plan(random.Random(seed + 1), size)
    created = db_time(REFERENCE - HISTORY - timedelta(days=30))
    teams = (size.rms + RMS_PER_TEAM - 1) // RMS_PER_TEAM
    yield Batch("teams", ("id", "name", "created_at"),
                [(n + 1, f"Team {n + 1:04d}", created) for n in range(teams)])
    yield Batch("staff", STAFF_COLUMNS, [
        (rm.id, rm.full_name, rm.username, "rm", n // RMS_PER_TEAM + 1,
         regional(rm.market.language, rm.market.region), rm.market.timezone, rm.market.region,
         created, "08:00", "search")
        for n, rm in enumerate(staff)])
    groups, products, catalog = _catalog()
    yield groups
    yield products
    customers: list[tuple[Any, ...]] = []
    reminders: list[tuple[Any, ...]] = []
    deals = _Deals(random.Random(seed + 3), catalog)
    for index in range(size.customers):
        rm = staff[index // size.customers_per_rm]
        row = _customer(rng, index + 1, rm, plan, index)
        customers.append(row)
        reminders.extend(_reminders(rng, row, rm))
        deals.add(row, rm)
    yield Batch("customers", CUSTOMER_COLUMNS, customers)
    yield Batch("reminders", REMINDER_COLUMNS, reminders)
    yield Batch("holdings", HOLDING_COLUMNS, deals.holdings)
    yield Batch("deals", DEAL_COLUMNS, deals.deals)
    yield from _interactions(random.Random(seed + 2), size, staff, plan)


def _customer(rng: random.Random, customer_id: int, rm: Rm, plan: _Plan,
              index: int) -> tuple[Any, ...]:
    market = rm.market
    name = people.customer_name(rng, market)
    number = people.phone(rng, market) if rng.random() < 0.88 else None
    segment = rng.choices(*_SEGMENTS)[0]
    business = segment in ("sme", "corporate") or (segment == "household"
                                                    and rng.random() < 0.5)
    company = people.company(rng, market) if business else None
    tags = people.tags(rng, market) if rng.random() < 0.2 else None
    search_key, phone_key, name_key = CustomerRepo._keys(name, company, tags, number,
                                                         market.region)
    stage = rng.choices(*_STAGES)[0]
    lang = "zh" if market.chinese else "vi"
    held = (", ".join(rng.sample(_PRODUCTS[lang], rng.randint(1, 3)))
            if stage in ("won", "care") else None)
    created = plan.created[index]
    last = plan.last_contact(index)
    notes_end = plan.times[plan.start[index + 1] - 1] if plan.start[index + 1] > plan.start[
        index] else created
    birthday = (f"{rng.randint(1950, 2002)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                if rng.random() < 0.4 else None)
    return (
        customer_id, rm.id, name, number, segment, rng.choices(*_GRADES)[0], stage,
        "lãi suất cao hơn" if stage == "lost" and not market.chinese else
        "利率不合适" if stage == "lost" else None,
        rng.choices(*_SOURCES)[0], None, birthday, company, held, tags,
        None, market.language, search_key, phone_key, name_key,
        _time(last) if last is not None else None, _time(created), _time(notes_end),
        _time(notes_end) if rng.random() < 0.02 else None,
        f"CIF{customer_id:08d}" if business and rng.random() < 0.5 else None,
    )


def _local_midnight(rm: Rm) -> datetime:
    local = REFERENCE.astimezone(ZoneInfo(rm.market.timezone))
    return local.replace(hour=0, minute=0, second=0).astimezone(UTC)


def _reminders(rng: random.Random, customer: tuple[Any, ...], rm: Rm) -> list[tuple[Any, ...]]:
    """Open follow-ups (some overdue, some today), care reminders, and past ones done."""
    customer_id, grade = customer[0], customer[5]
    lang = "zh" if rm.market.chinese else "vi"
    made = db_time(REFERENCE - timedelta(days=40))
    rows: list[tuple[Any, ...]] = []
    if rng.random() < 0.35:
        if rng.random() < 0.15:
            due = _local_midnight(rm) + timedelta(hours=rng.randint(8, 18))
        else:
            due = REFERENCE + timedelta(hours=rng.uniform(-240, 720))
        kind = "appointment" if rng.random() < 0.2 else "followup"
        sent = due < REFERENCE
        rows.append((rm.id, customer_id, kind, rng.choice(_FOLLOW_UPS[lang]), db_time(due), 1,
                     "sent" if sent else "pending", None, int(sent),
                     db_time(due) if sent else None, None, None, made))
    if grade is not None:
        due = REFERENCE + timedelta(days=rng.uniform(0, 30))
        rows.append((rm.id, customer_id, "care", "", db_time(due), 0, "pending",
                     f"touch:{customer_id}:{due.date().isoformat()}", 0, None, None, None, made))
    if rng.random() < 0.6:
        for _ in range(rng.randint(1, 3)):
            due = REFERENCE - timedelta(days=rng.uniform(1, 700))
            rows.append((rm.id, customer_id, "followup", rng.choice(_FOLLOW_UPS[lang]),
                         db_time(due), 1, "done", None, 1, db_time(due),
                         db_time(due + timedelta(hours=2)),
                         rng.choice(people.VI_NOTES if lang == "vi" else people.ZH_NOTES)
                         if rng.random() < 0.3 else None, made))
    return rows


def _interactions(rng: random.Random, size: Size, staff: list[Rm],
                  plan: _Plan) -> Iterator[Batch]:
    kinds = _KINDS[0]
    stages = _STAGES[0]
    rows: list[tuple[Any, ...]] = []
    for index in range(size.customers):
        rm = staff[index // size.customers_per_rm]
        customer_id = index + 1
        for at in range(plan.start[index], plan.start[index + 1]):
            code = plan.kinds[at]
            when = _time(plan.times[at])
            if code == _STAGE_CODE:
                before, after = rng.sample(stages, 2)
                detail = json.dumps({"from": before, "to": after})
                text = ""
            else:
                detail = "{}"
                # A logged call is often saved without a note.
                text = ("" if code == _CALL_CODE and rng.random() < 0.4
                        else people.note_text(rng, rm.market))
            rows.append((customer_id, rm.id, kinds[code], when, text, fold(text), detail,
                         when))
            if len(rows) >= CHUNK:
                yield Batch("interactions", INTERACTION_COLUMNS, rows)
                rows = []
    if rows:
        yield Batch("interactions", INTERACTION_COLUMNS, rows)


def _catalog() -> tuple[Batch, Batch, list[tuple[int, str, str]]]:
    """The sample catalog's rows, as the bot stores them on first start (which then finds
    the catalog loaded and leaves it), so deals can name real products."""
    # The benchmark runs with RAPPORT_DEFAULT_REGION=VN: the bot would load Vietnam's sample.
    parsed = parse_catalog((ROOT / "catalog" / "sample-VN.yaml").read_bytes(), "sample-VN.yaml")
    assert not isinstance(parsed, list), parsed
    dump = lambda value: json.dumps(value, ensure_ascii=False, sort_keys=True)  # noqa: E731
    group_ids = {group.code: n + 1 for n, group in enumerate(parsed.groups)}
    groups = Batch("product_groups", ("id", "code", "segment", "names", "position"), [
        (group_ids[g.code], g.code, g.segment, dump(g.names), n)
        for n, g in enumerate(parsed.groups)])
    stamp = db_time(REFERENCE - HISTORY)
    products = Batch("products", ("id", "code", "group_id", "names", "pitch", "rates", "active",
                                  "position", "updated_at"), [
        (n + 1, p.code, group_ids[p.group_code], dump(p.names), dump(p.pitch),
         dump(p.rates) if p.rates else None, 1, n, stamp)
        for n, p in enumerate(parsed.products)])
    catalog = [(n + 1, p.code, p.group_code) for n, p in enumerate(parsed.products)]
    return groups, products, catalog


class _Deals:
    """Open deals for customers in the middle of the pipeline, won deals (with the holding
    they recorded, and its dates) for customers won or in care, lost ones with a reason."""

    def __init__(self, rng: random.Random, products: list[tuple[int, str, str]]) -> None:
        self.rng = rng
        self.products = products  # (id, code, group code)
        self.deals: list[tuple[Any, ...]] = []
        self.holdings: list[tuple[Any, ...]] = []

    def _amount(self, market: Market) -> tuple[int, str]:
        currency = MARKET_CURRENCY[market.region]
        low, high = _DEAL_SIZES[currency]
        # Round figures, as deals are: 2 tỷ, 350 triệu, 500万.
        whole = round(self.rng.uniform(low, high), -len(str(low)) + 2)
        return int(whole) * 100, currency

    def add(self, customer: tuple[Any, ...], rm: Rm) -> None:
        customer_id, stage, created = customer[0], customer[6], customer[20]
        rng = self.rng
        if stage in _OPEN_DEAL_STAGES:
            for _ in range(1 if rng.random() < 0.8 else 2):
                self._deal(customer_id, rm, stage, None, created)
        elif stage in ("won", "care"):
            self._deal(customer_id, rm, "won", None, created)
        elif stage == "lost":
            self._deal(customer_id, rm, "lost", rng.choice(list(LOST_REASONS)), created)

    def _deal(self, customer_id: int, rm: Rm, stage: str, reason: str | None,
              created: str) -> None:
        rng = self.rng
        product_id, code, group_code = rng.choice(self.products)
        minor, currency = self._amount(rm.market)
        deal_id = len(self.deals) + 1
        closed = None
        holding_id = None
        close_day = (REFERENCE + timedelta(days=rng.randint(-20, 120))).date().isoformat()
        if stage in ("won", "lost"):
            # Most closes are old; some fall in the week the review covers.
            days = rng.uniform(0, 7) if rng.random() < 0.1 else rng.uniform(7, 700)
            closed = max(created, db_time(REFERENCE - timedelta(days=days)))
        if stage == "won":
            holding_id = len(self.holdings) + 1
            kind = kind_for_product(code, group_code)
            maturity = ((REFERENCE + timedelta(days=rng.randint(1, 400))).date().isoformat()
                        if kind in ("deposit", "loan") else None)
            monthly = rng.randint(1, 28) if kind in ("loan", "investment") else None
            start = (REFERENCE - timedelta(days=rng.randint(30, 1500))).date().isoformat() \
                if kind == "insurance" else None
            self.holdings.append((holding_id, customer_id, kind, code, product_id, minor,
                                  currency, maturity, start, monthly, closed))
        self.deals.append((deal_id, customer_id, rm.id, product_id, minor, currency,
                           close_day, stage, reason, closed, holding_id, created,
                           closed or created))
