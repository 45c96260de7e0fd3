"""Reply latency and search latency over the big data set, on the real Application in-process.

The Application is the bot's own (``build_application`` + ``startup``) on the fake Bot API,
driven with real ``Update`` objects like the tests do. For every update we note when
``process_update`` starts and when the fake API receives the first call it causes (the
moment the reply would leave for Telegram), and when ``process_update`` returns. Updates are
handled one at a time, as the bot does (PTB's default, no ``concurrent_updates``).
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update

from bench import people, queries
from bench.dataset import REFERENCE
from bench.queries import Profile
from bot import build_application, shutdown, startup
from core.clock import FrozenClock
from core.config import Settings
from core.context import RapportApp
from domain.names import note_query, query_forms
from domain.phones import phone_digits
from playground.fake_api import ApiCall, FakeBotApi
from playground.fake_updates import Person, UpdateFactory
from storage import Storage

FIND_NAME = "/find name"
FIND_PHONE = "/find phone digits"
FIND_PINYIN = "/find pinyin"
OPEN_CARD = "open card (button)"
NOTE_REPLY = "note: reply to card"
NOTE_COMMAND = "/note <name> <text>"
HISTORY = "history (button)"
TODAY = "/today"
OVERDUE = "/overdue"
PIPELINE = "/pipeline"
ACTIONS = (FIND_NAME, FIND_PHONE, FIND_PINYIN, OPEN_CARD, NOTE_REPLY, NOTE_COMMAND, HISTORY,
           TODAY, OVERDUE, PIPELINE)
SEARCH_KINDS = (("name", 3), ("phone digits", 2), ("pinyin", 2), ("company", 1),
                ("one or two letters", 1), ("no match", 1))


@dataclass
class TimedApi(FakeBotApi):
    """The fake Bot API, noting when the first call since :meth:`arm` arrived."""

    first: float | None = None

    def arm(self) -> None:
        self.first = None

    async def do_request(self, url: str, method: str, request_data: Any = None,
                         read_timeout: Any = None, write_timeout: Any = None,
                         connect_timeout: Any = None,
                         pool_timeout: Any = None) -> tuple[int, bytes]:
        if self.first is None:
            self.first = time.perf_counter()
        return await super().do_request(url, method, request_data, read_timeout,
                                         write_timeout, connect_timeout, pool_timeout)


@dataclass(frozen=True)
class Timing:
    first_ms: float  # update in -> first Bot API call out
    done_ms: float  # update in -> process_update returned


@dataclass
class Results:
    replies: dict[str, list[Timing]] = field(default_factory=lambda: defaultdict(list))
    searches: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    # Per action: [times the bot did what the RM wanted, times asked] (found the customer,
    # saved the note), so a fast figure cannot come from a path that does nothing.
    outcomes: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    def outcome(self, action: str, success: bool) -> None:
        tally = self.outcomes[action]
        tally[0] += int(success)
        tally[1] += 1


def bench_settings(database: str, db_path: Any) -> Settings:
    return Settings(
        token="123:BENCH", api_url="https://api.telegram.org", db_path=db_path,
        admin_ids=frozenset(), default_language="vi", default_timezone="Asia/Ho_Chi_Minh",
        default_region="VN", invite_ttl_hours=72, log_level="WARNING",
        database_url=database)


class Bench:
    """The Application on the timed fake API, and the RMs and customers to play with."""

    def __init__(self, app: RapportApp, api: TimedApi, clock: FrozenClock,
                 profiles: list[Profile], persons: dict[int, Person], seed: int) -> None:
        self.app = app
        self.api = api
        self.clock = clock
        self.make = UpdateFactory(app.bot)
        self.profiles = profiles
        self.chinese = [p for p in profiles if p.chinese]
        self.with_phone = [p for p in profiles if p.phone]
        self.with_company = [p for p in profiles if p.company]
        self.persons = persons
        self.rms = sorted(persons)
        self.rng = random.Random(seed)
        self.results = Results()
        self.recording = False

    @property
    def storage(self) -> Storage:
        services = self.app.bot_data.services
        assert services is not None
        return services.storage

    async def timed(self, action: str, update: Update) -> list[ApiCall]:
        """Handle one update; record its latency under ``action``; the calls it caused."""
        before = len(self.api.calls)
        self.api.arm()
        started = time.perf_counter()
        await self.app.process_update(update)
        done = time.perf_counter()
        first = self.api.first
        if first is None:
            raise RuntimeError(f"{action}: the bot made no Bot API call")
        if self.recording:
            self.results.replies[action].append(
                Timing(1000 * (first - started), 1000 * (done - started)))
        self.clock.advance(seconds=7)
        return self.api.calls[before:]

    # -- what an RM does ------------------------------------------------------------------
    def _check(self, action: str, success: bool) -> None:
        if self.recording:
            self.results.outcome(action, success)

    @staticmethod
    def _shows(calls: list[ApiCall], prefix: str) -> bool:
        return any(d.startswith(prefix) for call in calls for _, d in call.buttons)

    async def _press(self, action: str, who: Profile, calls: list[ApiCall],
                     prefix: str) -> list[ApiCall] | None:
        """Press the button whose data starts with ``prefix`` (``c:12|``), else the first
        button of the same action (``c:``): the customer may be past the first page."""
        for call in reversed(calls):
            data = [d for _, d in call.buttons if d.startswith(prefix)] or \
                [d for _, d in call.buttons if d.startswith(prefix.split(":")[0] + ":")]
            if data and isinstance(call.result, dict):
                person = self.persons[who.owner_id]
                return await self.timed(action, self.make.callback(person, data[0],
                                                                   message=call.result))
        return None

    @staticmethod
    def _card(calls: list[ApiCall]) -> ApiCall | None:
        cards = [c for c in calls if c.method == "sendMessage" and
                 any(d.startswith("cn:") for _, d in c.buttons)]
        return cards[-1] if cards else None

    def _found_card(self, who: Profile, calls: list[ApiCall]) -> ApiCall | None:
        """The card /find opened at once when it found only this customer."""
        card = self._card(calls)
        return card if card is not None and self._shows([card], f"cn:{who.id}|") else None

    async def find_and_note(self) -> None:
        """/find a name, open the card, reply to the card with a note."""
        who = self.rng.choice(self.profiles)
        query = queries.name(self.rng, who)
        if self.rng.random() < 0.05:  # someone not in this RM's book
            query = queries.name(self.rng, self.rng.choice(self.profiles))
        person = self.persons[who.owner_id]
        found = await self.timed(FIND_NAME, self.make.message(person, f"/find {query}"))
        card = self._found_card(who, found)  # one customer found: the card at once
        self._check(FIND_NAME, card is not None or self._shows(found, f"c:{who.id}|"))
        if card is None:
            card = self._card(await self._press(OPEN_CARD, who, found, f"c:{who.id}|") or [])
        if card is None or not isinstance(card.result, dict):
            return
        text = people.note_text(self.rng, people.CN if who.chinese else people.VN)
        saved = await self.timed(NOTE_REPLY, self.make.message(person, text,
                                                               reply_to=card.result))
        self._check(NOTE_REPLY, self._shows(saved, f"fu:{who.id}:"))

    async def find_phone_and_history(self) -> None:
        """/find by phone digits, open the card, page through the history."""
        who = self.rng.choice(self.with_phone)
        person = self.persons[who.owner_id]
        query = queries.phone(self.rng, who)
        found = await self.timed(FIND_PHONE, self.make.message(person, f"/find {query}"))
        card = self._found_card(who, found)
        self._check(FIND_PHONE, card is not None or self._shows(found, f"c:{who.id}|"))
        if card is None:
            card = self._card(await self._press(OPEN_CARD, who, found, f"c:{who.id}|") or [])
        if card is not None:
            await self._press(HISTORY, who, [card], f"ch:{who.id}:0|")

    async def find_pinyin(self) -> None:
        who = self.rng.choice(self.chinese)
        person = self.persons[who.owner_id]
        query = queries.pinyin(self.rng, who)
        found = await self.timed(FIND_PINYIN, self.make.message(person, f"/find {query}"))
        card = self._found_card(who, found)
        self._check(FIND_PINYIN, card is not None or self._shows(found, f"c:{who.id}|"))
        if card is None:
            await self._press(OPEN_CARD, who, found, f"c:{who.id}|")

    async def note_command(self) -> None:
        who = self.rng.choice(self.profiles)
        person = self.persons[who.owner_id]
        text = people.note_text(self.rng, people.CN if who.chinese else people.VN)
        saved = await self.timed(NOTE_COMMAND,
                                 self.make.message(person, f"/note {who.name} {text}"))
        # Saved at once, or (a name shared by two customers) the RM is asked which one.
        self._check(NOTE_COMMAND, self._shows(saved, f"fu:{who.id}:"))

    def _command(self, action: str, command: str) -> Callable[[], Any]:
        async def run() -> None:
            person = self.persons[self.rng.choice(self.rms)]
            await self.timed(action, self.make.message(person, command))
        return run

    async def replies(self, per_action: int, warmup: int) -> None:
        """Round after round of every session until each action has ``per_action`` samples."""
        sessions = [self.find_and_note, self.find_phone_and_history, self.find_pinyin,
                    self.note_command, self._command(TODAY, "/today"),
                    self._command(OVERDUE, "/overdue"), self._command(PIPELINE, "/pipeline")]
        rounds = 0
        while min((len(self.results.replies[a]) for a in ACTIONS), default=0) < per_action:
            self.recording = rounds >= warmup
            for session in sessions:
                await session()
                self.api.calls.clear()
            rounds += 1

    # -- storage-level search ---------------------------------------------------------------
    def _search_query(self, kind: str) -> tuple[Profile, str]:
        rng = self.rng
        if kind == "name":
            who = rng.choice(self.profiles)
            return who, queries.name(rng, who)
        if kind == "phone digits":
            who = rng.choice(self.with_phone)
            return who, queries.phone(rng, who)
        if kind == "pinyin":
            who = rng.choice(self.chinese)
            return who, queries.pinyin(rng, who)
        if kind == "company":
            who = rng.choice(self.with_company)
            return who, queries.company(rng, who)
        if kind == "one or two letters":
            who = rng.choice(self.profiles)
            return who, queries.short(rng, who)
        who = rng.choice(self.profiles)
        return who, queries.name(rng, rng.choice(self.profiles)) + " x"

    async def searches(self, count: int, warmup: int) -> None:
        """``CustomerRepo.search`` exactly as /find calls it (first page of 8)."""
        kinds = [kind for kind, weight in SEARCH_KINDS for _ in range(weight)]
        repo = self.storage.customers
        for n in range(warmup + count):
            kind = kinds[n % len(kinds)]
            who, query = self._search_query(kind)
            digits = phone_digits(query)
            forms = query_forms(query)
            started = time.perf_counter()
            # As /find does: a query no file matches is looked for in the notes.
            await repo.search(who.owner_id, forms, digits if len(digits) >= 3 else "",
                              offset=0, limit=8, notes=note_query(query))
            elapsed = 1000 * (time.perf_counter() - started)
            if n >= warmup:
                self.results.searches[kind].append(elapsed)


async def load_people(storage: Storage) -> tuple[list[Profile], dict[int, Person]]:
    """Every live customer (with their RM's region) and every RM as a Telegram user."""
    rows = await storage.db.fetch_all(
        "SELECT c.id, c.owner_id, c.name, c.phone, c.company, s.region FROM customers c"
        " JOIN staff s ON s.id = c.owner_id"
        " WHERE c.archived_at IS NULL AND c.erased_at IS NULL ORDER BY c.id")
    profiles = [Profile(r["id"], r["owner_id"], r["name"], r["phone"], r["company"],
                        r["region"]) for r in rows]
    staff = await storage.db.fetch_all("SELECT id, name, username, language FROM staff")
    persons = {
        r["id"]: Person(r["id"], r["name"], None, r["username"],
                        {"vi": "vi", "zh_Hans": "zh-hans"}.get(r["language"], "zh-hant"))
        for r in staff}
    return profiles, persons


async def run(settings: Settings, *, per_action: int, searches: int, seed: int = 7,
              do_replies: bool = True, do_searches: bool = True) -> Results:
    """Start the Application on ``settings``' database, measure, and shut it down."""
    clock = FrozenClock(REFERENCE)
    api = TimedApi()
    app = build_application(settings, request=api, clock=clock, rate_limit=False)
    await app.initialize()
    await startup(app)
    try:
        services = app.bot_data.services
        assert services is not None
        profiles, persons = await load_people(services.storage)
        bench = Bench(app, api, clock, profiles, persons, seed)
        if do_replies:
            await bench.replies(per_action, warmup=max(5, per_action // 20))
        if do_searches:
            await bench.searches(searches, warmup=max(20, searches // 20))
        return bench.results
    finally:
        await shutdown(app)
        await app.shutdown()
