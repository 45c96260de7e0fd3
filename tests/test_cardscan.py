"""Business cards and shop signs: the field rules (domain/cardscan.py) on lines as the OCR
reports them, and the whole reading on generated card photos (a small bench/cardscan.py)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from core.i18n import _, active
from core.ocr import OcrFailed, OcrUnavailable, TextReader
from domain.cardscan import Line, read_card
from playground.fake_api import ApiCall
from playground.fake_updates import Person
from storage.customers import Customer
from testkit.emulator import BotApiEmulator, first_button, to_chat
from testkit.process import TOKEN, BotProcess
from tests.harness import Harness, of, only_message, shown


def lines(*texts: str | tuple[str, float]) -> list[Line]:
    """Lines top to bottom; a (text, height) pair for a line printed larger than 30 px."""
    out = []
    for y, item in enumerate(texts):
        text, height = item if isinstance(item, tuple) else (item, 30.0)
        out.append(Line(text, alt=text, height=height, x=200, y=60.0 * y))
    return out


def test_vietnamese_card() -> None:
    card = read_card(lines(("Nguyễn Thị Hồng Nhung", 56), "Trưởng phòng Kinh doanh",
                           "CÔNG TY TNHH THƯƠNG MẠI PHÚ THÀNH", "ĐT: 0903 456 789",
                           "Email: nhung.nguyen@phuthanh.vn",
                           "Số 12 Lê Lợi, Phường Bến Nghé, Quận 1, TP.HCM"), "VN")
    assert card.name == "Nguyễn Thị Hồng Nhung"
    assert card.title == "Trưởng phòng Kinh doanh"
    assert card.company == "CÔNG TY TNHH THƯƠNG MẠI PHÚ THÀNH"
    assert [p.e164 for p in card.phones] == ["+84903456789"]
    assert card.email == "nhung.nguyen@phuthanh.vn"
    assert card.address == "Số 12 Lê Lợi, Phường Bến Nghé, Quận 1, TP.HCM"
    assert card.language == "vi"


def test_chinese_card_with_name_and_title_on_one_row() -> None:
    card = read_card(lines("深圳市华信科技有限公司", ("王建国  销售总监", 60),
                           "手机：138 0013 8000", "邮箱：wangjg@huaxin.com.cn",
                           "地址：深圳市南山区科技园南路88号"), "CN")
    assert (card.name, card.title) == ("王建国", "销售总监")
    assert card.company == "深圳市华信科技有限公司"
    assert [p.e164 for p in card.phones] == ["+8613800138000"]
    assert card.address == "深圳市南山区科技园南路88号"
    assert card.language == "zh_Hans"


@pytest.mark.parametrize("row, name, title", [
    ("陳浩行銷主任", "陳浩", "行銷主任"),  # OCR dropped the spaces
    ("李斌董事长", "李斌", "董事长"),
    ("歐陽志明 副總經理", "歐陽志明", "副總經理"),
    ("王  伟", "王伟", ""),  # letter-spaced
    ("Kevin Stewart Managing Director", "Kevin Stewart", "Managing Director"),
    ("Nguyễn Văn An - Giám đốc", "Nguyễn Văn An", "Giám đốc"),
    ("NGUYỄN VĂN AN", "Nguyễn Văn An", ""),
    ("Mr. David Chen", "David Chen", ""),
])
def test_name_forms(row: str, name: str, title: str) -> None:
    card = read_card(lines("Công ty TNHH Minh Phát", (row, 60), "0903 456 789"), "VN")
    assert (card.name, card.title) == (name, title)


def test_taiwan_number_on_a_taipei_card_for_an_rm_in_vietnam() -> None:
    # 0912 345 678 is a valid mobile in both; the RM's market decides unless the card says.
    taipei = read_card(lines(("陳志明", 60), "台北市永豐貿易有限公司", "手機：0912-345-678"), "VN")
    assert [p.e164 for p in taipei.phones] == ["+84912345678"]
    assert taipei.language == "zh_Hant"
    hong_kong = read_card(lines(("陳志明", 60), "香港永豐貿易有限公司", "Tel: 9123 4567"), "VN")
    assert [p.e164 for p in hong_kong.phones] == ["+85291234567"]


def test_a_fax_is_not_a_phone() -> None:
    card = read_card(lines(("Trần Văn Bình", 60), "Tel: 028 3823 4567",
                           "Fax: 028 3823 4568", "傳真：(02) 2345-6789"), "VN")
    assert [p.e164 for p in card.phones] == ["+842838234567"]


def test_two_numbers_on_one_line_and_a_glued_label() -> None:
    card = read_card(lines(("Lê Thị Mai", 60), "ĐT:0903456789 - 028 3823 4567"), "VN")
    assert [p.e164 for p in card.phones] == ["+84903456789", "+842838234567"]


def test_email_with_ocr_spaces_and_a_website() -> None:
    card = read_card(lines(("David Walker", 60), "E: david.walker @ summit . com",
                           "www.summit.com"), "SG")
    assert card.email == "david.walker@summit.com"
    assert card.website == "www.summit.com"


def test_a_shop_sign_has_a_shop_name_and_no_person() -> None:
    card = read_card(lines(("Phở Hòa Bình", 110), "Hotline: 0909 123 456",
                           "Số 5 Pasteur, Quận 1, TP.HCM"), "VN")
    assert (card.name, card.company) == ("", "Phở Hòa Bình")
    assert card.address == "Số 5 Pasteur, Quận 1, TP.HCM"
    sign = read_card(lines(("金記茶餐廳", 110), "電話：2345 6789"), "HK")
    assert (sign.name, sign.company) == ("", "金記茶餐廳")


def test_unreadable_text_gives_an_empty_card() -> None:
    card = read_card(lines("~~ ## ..", "|||"), "VN")
    assert card.empty
    assert read_card([], "VN").empty


def test_ocr_noise_in_a_phone_number() -> None:
    # O for 0 inside a number, as OCR reads it on a glossy card.
    card = read_card(lines(("Phạm Minh Tuấn", 60), "Mobile: O903 456 789"), "VN")
    assert [p.e164 for p in card.phones] == ["+84903456789"]


# --- the whole reading, on generated photos --------------------------------------------------

@pytest.fixture(scope="module")
def engine() -> Iterator[object]:
    """The OCR engines in this process; skipped where they are not installed (never on CI,
    whose setup installs them: there their absence is a failure)."""
    from core.ocr import missing
    from testkit.cardscan import fonts_missing

    reason = missing() or fonts_missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"OCR engines or fonts missing on CI: {reason}")
        pytest.skip(f"OCR engines or fonts not installed here: {reason}")
    from testkit.cardscan import in_process_reader

    yield in_process_reader()


def test_generated_cards_floors(engine: object) -> None:
    """The benchmark, small: four photos per language (a phone photo, tilted, low resolution,
    upside down), about 20 CPU seconds. Floors under the benchmark's targets, so a change
    that breaks a language fails here; the figures themselves come from bench/cardscan.py."""
    from testkit.cardscan import evaluate, make_samples

    samples = make_samples(4, seed=3, conditions=("photo", "tilted", "lowres", "upside-down"))
    scores = evaluate(samples, engine)  # type: ignore[arg-type]
    assert set(scores) == {"vi", "zh_Hans", "zh_Hant", "en"}
    for language, score in scores.items():  # one miss of each kind per language at most
        assert score.names_right >= score.names - 1, (language, score.misses)
        assert score.phones_right >= score.phones - 1, (language, score.misses)
        assert score.phones_wrong <= 1, (language, score.misses)
        assert score.companies_right >= score.companies - 1, (language, score.misses)
    names = sum(s.names_right for s in scores.values()) / sum(s.names for s in scores.values())
    assert names >= 0.85, [s.misses for s in scores.values()]


# --- the bot: photo -> draft -> prospect -----------------------------------------------------

CARD_LINES = [
    {"text": "Nguyễn Thị Hồng Nhung", "height": 56, "x": 300, "y": 60},
    {"text": "Trưởng phòng Kinh doanh", "height": 30, "x": 300, "y": 120},
    {"text": "CÔNG TY TNHH THƯƠNG MẠI PHÚ THÀNH", "height": 32, "x": 300, "y": 170},
    {"text": "ĐT: 0903 456 789 - 028 3823 4567", "height": 28, "x": 300, "y": 220},
    {"text": "Email: nhung.nguyen@phuthanh.vn", "height": 28, "x": 300, "y": 260},
    {"text": "Số 12 Lê Lợi, Phường Bến Nghé, Quận 1, TP.HCM", "height": 26, "x": 300, "y": 300},
]


class StubReader(TextReader):
    """The OCR worker's answer, without the worker."""

    def __init__(self, lines: list[dict[str, object]] | None = None,
                 error: Exception | None = None) -> None:
        super().__init__()
        self.lines, self.error, self.images = lines or [], error, 0

    async def read(self, image: bytes) -> list[dict[str, object]]:
        self.images += 1
        if self.error is not None:
            raise self.error
        return self.lines


def use_reader(bot: Harness, reader: TextReader) -> None:
    services = bot.app.bot_data.services
    assert services is not None
    services.ocr = reader


async def send_photo(bot: Harness, person: Person, file_id: str = "card-1",
                     caption: str | None = None, image: bytes = b"jpeg") -> list[ApiCall]:
    """Send a photo and wait for the background reading to finish."""
    bot.api.files[file_id] = image
    before = len(bot.api.calls)
    await bot.process(bot.make.photo(person, file_id, caption))
    pending = [task for task in asyncio.all_tasks()
               if (task.get_name() or "").startswith("cardscan")]
    await asyncio.wait_for(asyncio.gather(*pending), 120)
    return bot.api.calls[before:]


async def rm_speaking(bot: Harness, language: str = "vi", person_id: int = 2001) -> Person:
    person = Person(person_id, "Lan", "Nguyễn", username=f"rm{person_id}",
                    language_code={"zh_Hans": "zh-hans", "zh_Hant": "zh-hant"}.get(language,
                                                                                   language))
    await bot.register(person, language=language)
    return person


def text_of(call: ApiCall) -> str:
    return str(call.params.get("text", ""))


async def customers_of(bot: Harness, owner: Person) -> list[Customer]:
    rows = await bot.storage.db.fetch_all(
        "SELECT id FROM customers WHERE owner_id = ? AND erased_at IS NULL ORDER BY id",
        (owner.id,))
    found = [await bot.storage.customers.get(owner.id, row["id"]) for row in rows]
    return [customer for customer in found if customer is not None]


async def test_a_card_photo_becomes_a_prospect_with_the_photo_on_file(bot: Harness) -> None:
    rm = await rm_speaking(bot)
    use_reader(bot, StubReader(CARD_LINES))
    calls = await send_photo(bot, rm)
    with active("vi", "UTC"):
        reading = _("📇 Reading the card…")
    assert text_of(shown(calls)[0]) == reading
    draft = bot.last_for(rm)
    assert "Nguyễn Thị Hồng Nhung" in text_of(draft) and "0903 456 789" in text_of(draft)
    assert "028 3823 4567" in text_of(draft)  # the other number, kept on the file
    # The photo is in the inbox while the RM checks the draft: nothing is lost if they walk away.
    assert len(await bot.storage.inbox.list_open(rm.id)) == 1
    await bot.press(rm, "✅")
    [customer] = await customers_of(bot, rm)
    assert (customer.name, customer.phone, customer.company, customer.language) == (
        "Nguyễn Thị Hồng Nhung", "+84903456789", "CÔNG TY TNHH THƯƠNG MẠI PHÚ THÀNH", "vi")
    [photo] = (await bot.storage.interactions.history(rm.id, customer.id, offset=0, limit=9))[0]
    assert (photo.kind, photo.file_id, photo.file_type) == ("file", "card-1", "photo")
    assert "Trưởng phòng Kinh doanh" in photo.text and "nhung.nguyen@phuthanh.vn" in photo.text
    assert "028 3823 4567" in photo.text and "Phường Bến Nghé" in photo.text
    assert await bot.storage.inbox.list_open(rm.id) == []
    assert await bot.storage.states.get(rm.id, rm.id) is None


async def test_each_field_can_be_corrected_before_saving(bot: Harness) -> None:
    rm = await rm_speaking(bot)
    use_reader(bot, StubReader(CARD_LINES))
    await send_photo(bot, rm)
    await bot.press(rm, _name_button(bot, rm, "Name"))
    await bot.send(rm, "Nguyễn Hồng Nhung")
    assert "Nguyễn Hồng Nhung" in text_of(bot.last_for(rm))
    await bot.press(rm, _name_button(bot, rm, "Phone"))
    calls = await bot.send(rm, "số cũ")
    assert "số cũ" in text_of(only_message(calls))  # refused, asked again
    await bot.send(rm, "0912 000 111")
    await bot.press(rm, _name_button(bot, rm, "Company / shop"))
    await bot.press(rm, _label(bot, rm, "Leave it empty"))
    await bot.press(rm, "✅")
    [customer] = await customers_of(bot, rm)
    assert (customer.name, customer.phone, customer.company) == (
        "Nguyễn Hồng Nhung", "+84912000111", None)


def _name_button(bot: Harness, rm: Person, field: str) -> str:
    with active("vi", "UTC"):
        return _("✏️ {field}").format(field=_(field))


def _label(bot: Harness, rm: Person, text: str) -> str:
    with active("vi", "UTC"):
        return _(text)


async def test_saving_a_known_phone_asks_like_add_and_files_the_photo_there(
        bot: Harness) -> None:
    rm = await rm_speaking(bot)
    existing = await bot.storage.customers.create(owner_id=rm.id, name="Chị Nhung",
                                                  phone="+84903456789", region="VN",
                                                  now=bot.clock.now())
    use_reader(bot, StubReader(CARD_LINES))
    await send_photo(bot, rm)
    await bot.press(rm, "✅")
    assert len(await customers_of(bot, rm)) == 1  # not created yet: the RM chooses
    await bot.press(rm, "Chị Nhung")
    assert len(await customers_of(bot, rm)) == 1
    [photo] = (await bot.storage.interactions.history(rm.id, existing.id, offset=0, limit=9))[0]
    assert photo.file_id == "card-1"


async def test_discard_and_a_stale_draft(bot: Harness) -> None:
    rm = await rm_speaking(bot)
    use_reader(bot, StubReader(CARD_LINES))
    await send_photo(bot, rm, "card-1")
    first = bot.last_for(rm)
    await send_photo(bot, rm, "card-2")
    # The first draft's buttons no longer act (its photo stays in the inbox).
    calls = await bot.press(rm, "✅", first)
    assert not await customers_of(bot, rm) and of(calls, "answerCallbackQuery")
    await bot.press(rm, "🗑")
    assert not await customers_of(bot, rm)
    assert [item.file_id for item in await bot.storage.inbox.list_open(rm.id)] == ["card-1"]


@pytest.mark.parametrize("language", ["vi", "zh_Hans", "zh_Hant", "en"])
async def test_reading_off_keeps_the_photo_in_the_inbox(bot: Harness, language: str) -> None:
    rm = await rm_speaking(bot, language)
    use_reader(bot, StubReader(error=OcrUnavailable("vie.traineddata not found")))
    calls = await send_photo(bot, rm)
    with active(language, "UTC"):
        off = _("Reading cards is off on this installation. I kept the photo in your /inbox.")
    assert off in [text_of(call) for call in shown(calls)]
    if language != "en":
        assert off != "Reading cards is off on this installation. I kept the photo in your " \
                      "/inbox."
    assert len(await bot.storage.inbox.list_open(rm.id)) == 1


async def test_a_photo_with_a_caption_is_filed_as_before(bot: Harness) -> None:
    rm = await rm_speaking(bot)
    reader = StubReader(CARD_LINES)
    use_reader(bot, reader)
    await send_photo(bot, rm, caption="hợp đồng vay của chị Lan")
    assert reader.images == 0
    [item] = await bot.storage.inbox.list_open(rm.id)
    assert item.text == "hợp đồng vay của chị Lan"


async def test_an_unreadable_photo_stays_in_the_inbox(bot: Harness) -> None:
    rm = await rm_speaking(bot)
    use_reader(bot, StubReader(error=OcrFailed("the OCR worker did not answer")))
    calls = await send_photo(bot, rm)
    with active("vi", "UTC"):
        failed = _("I could not read this photo. I kept it in your /inbox.")
    assert failed in [text_of(call) for call in shown(calls)]
    assert len(await bot.storage.inbox.list_open(rm.id)) == 1


async def test_nothing_readable(bot: Harness) -> None:
    rm = await rm_speaking(bot)
    use_reader(bot, StubReader([{"text": "~~~", "height": 20}]))
    await send_photo(bot, rm)
    assert len(await bot.storage.inbox.list_open(rm.id)) == 1
    assert await bot.storage.states.get(rm.id, rm.id) is None


@pytest.mark.process
async def test_a_real_card_through_the_worker(bot: Harness, engine: object) -> None:
    """The real OCR worker process, on a generated Vietnamese card photo."""
    use_reader(bot, TextReader())
    from testkit.cardscan import make_samples

    rm = await rm_speaking(bot)
    sample = make_samples(1, seed=5, languages=("vi",), conditions=("photo",))[0]
    await send_photo(bot, rm, image=sample.image)
    draft = text_of(bot.last_for(rm))
    assert sample.company.casefold() in draft.casefold()
    await bot.press(rm, "✅")
    [customer] = await customers_of(bot, rm)
    assert customer.phone == sample.phones[0]


@pytest.mark.process
def test_a_photo_through_the_real_bot_process(tmp_path: Path) -> None:
    """The whole way, as Telegram would do it: a photo update to the real ``python bot.py``,
    which fetches the file (getFile, then GET /file/bot<token>/<path>), reads it in its OCR
    worker and edits its "Reading…" message into the draft; Save files a prospect."""
    from core.ocr import missing
    from testkit.cardscan import fonts_missing, make_samples

    reason = missing() or fonts_missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"OCR engines or fonts missing on CI: {reason}")
        pytest.skip(f"OCR engines or fonts not installed here: {reason}")
    sample = make_samples(1, seed=5, languages=("vi",), conditions=("photo",))[0]
    rm, db = 100, tmp_path / "rapport.db"
    with BotApiEmulator(token=TOKEN) as emulator:
        bot = BotProcess.start(emulator, db, tmp_path / "bot.log", RAPPORT_ADMIN_IDS=str(rm))
        try:
            emulator.push_photo(rm, sample.image, first_name="Lan")
            emulator.wait_for(to_chat(rm, "Reading the card"), timeout=30)
            draft = emulator.wait_for(to_chat(rm, "From the card"), timeout=120)
            assert sample.company.casefold() in str(draft.params["text"]).casefold()
            [download] = emulator.calls("downloadFile")
            assert download.status == 200 and download.result == len(sample.image)
            emulator.push_callback(rm, first_button(draft, "Save"),
                                   emulator.last_sent_message(rm))
            emulator.wait_for(to_chat(rm, "New prospect saved"), timeout=30)
        finally:
            status = bot.stop()
    assert status == 0, bot.output()
    assert "Traceback" not in bot.output(), bot.output()
    with closing(sqlite3.connect(db)) as connection:
        phones = connection.execute("SELECT phone FROM customers").fetchall()
        files = connection.execute("SELECT file_type FROM interactions").fetchall()
    assert phones == [(sample.phones[0],)]
    assert files == [("photo",)]
