"""The product catalog: the sample file, validation with line numbers (YAML and CSV), the
all-or-nothing replace, the administrator's upload, /products and /pitch in private chat, and
the catalog in a group chat (public buttons, pitches only).

The handlers are inserted at the front of the harness's group 0 here, so these tests do not
depend on how (or whether yet) they are registered in ``handlers/__init__.py``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core import buttons
from core.context import Ctx
from core.i18n import _, active, ngettext
from core.languages import CONTENT_LANGUAGES as LANGUAGES
from core.messages import esc
from domain.catalog import (
    CSV_COLUMNS,
    MAX_FILE_BYTES,
    MAX_TEXT,
    PITCH_FIELDS,
    Catalog,
    CatalogError,
    parse_catalog,
)
from handlers import catalog as handlers
from playground.fake_api import ApiCall
from playground.fake_updates import Person
from storage import Storage, open_storage
from tests.conftest import NOW
from tests.harness import Harness

GROUP_ID = -100555
SAMPLE = handlers.sample_catalog("VN").read_bytes()
SHOWN = ("sendMessage", "editMessageText")

def loaded(language: str, groups: int, products: int, deactivated: int) -> str:
    with active(language, "UTC"):
        return _("✅ Catalog loaded: {groups}, {products}. Products no longer in the file, now "
                 "hidden: {deactivated}.").format(
            groups=ngettext("{count} group", "{count} groups", groups).format(count=groups),
            products=ngettext("{count} product", "{count} products", products).format(
                count=products), deactivated=deactivated)
NOT_LOADED = "The catalog was not loaded; nothing was changed. Problems found: {count}"
LINE = "Line {line}: {reason}"
NO_MATCH = "No product matches “{query}”. {hint}"
HINT = "For example: /pitch {name} or /pitch {other}"
SEVERAL = "Several products match “{query}”. Which one?"
PRODUCTS = "<b>Products</b>\nPick a group: 👤 individuals, 🏢 companies."


def tr(language: str, text: str) -> str:
    with active(language, "UTC"):
        return _(text)


def reason(language: str, error: CatalogError) -> str:
    with active(language, "UTC"):
        return error.text()


def parsed(data: str | bytes, name: str = "catalog.yaml") -> Catalog:
    result = parse_catalog(data.encode() if isinstance(data, str) else data, name)
    assert isinstance(result, Catalog), result
    return result


def errors(data: str | bytes, name: str = "catalog.yaml") -> list[tuple[int, str]]:
    result = parse_catalog(data.encode() if isinstance(data, str) else data, name)
    assert not isinstance(result, Catalog), "expected errors"
    return [(error.line, error.message.format(**error.params)) for error in result]


def line_of(text: str, marker: str) -> int:
    """The 1-based line of the first line containing `marker`."""
    for number, line in enumerate(text.split("\n"), start=1):
        if marker in line:
            return number
    raise AssertionError(marker)


# -- small catalogs -------------------------------------------------------------------------------


def texts_yaml(indent: int, word: str, skip: str = "") -> str:
    pad = " " * indent
    return "".join(f"{pad}{lang}: {word} {lang}\n" for lang in LANGUAGES if lang != skip)


def product_yaml(code: str, *, skip: str = "", extra: str = "") -> str:
    body = f"      - code: {code}\n        name:\n{texts_yaml(10, f'Name {code}', skip)}"
    for field in PITCH_FIELDS:
        body += f"        {field}:\n{texts_yaml(10, f'{field} of {code}')}"
    return body + extra


def group_yaml(code: str, segment: str, *products: str) -> str:
    return (f"  - code: {code}\n    segment: {segment}\n    name:\n{texts_yaml(6, code)}"
            f"    products:\n" + "".join(products))


def catalog_yaml(*groups: str) -> str:
    return "groups:\n" + "".join(groups)


GOOD = catalog_yaml(group_yaml("deposits", "individual", product_yaml("savings"),
                               product_yaml("online")),
                    group_yaml("credit", "company", product_yaml("wcl")))


def csv_row(**values: str) -> dict[str, str]:
    row = {column: "" for column in CSV_COLUMNS}
    row.update(group_code="deposits", group_segment="individual", code="savings")
    for lang in LANGUAGES:
        row[f"group_name_{lang}"] = f"Deposits {lang}"
        for prefix in ("name", *PITCH_FIELDS):
            row[f"{prefix}_{lang}"] = f"{prefix} {lang}"
    row.update(values)
    return row


def csv_text(rows: list[dict[str, str]], columns: list[str] | None = None) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns or CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


# -- the sample -----------------------------------------------------------------------------------


def test_sample_has_every_language_for_every_text() -> None:
    catalog = parsed(SAMPLE, "sample.yaml")
    assert {g.segment for g in catalog.groups} == {"individual", "company"}
    assert len(catalog.groups) == 8 and len(catalog.products) >= 19
    for group in catalog.groups:
        assert all(group.names[lang] for lang in LANGUAGES), group.code
    for product in catalog.products:
        assert all(product.names[lang] for lang in LANGUAGES), product.code
        for lang in LANGUAGES:
            assert all(product.pitch[lang][field] for field in PITCH_FIELDS), product.code
        if product.rates is not None:
            assert all(product.rates[lang] for lang in LANGUAGES), product.code
    home = next(p for p in catalog.products if p.code == "home_loan")
    assert home.names["vi"] == "Vay mua nhà"
    assert home.names["zh_Hans"] == "住房贷款" and home.names["zh_Hant"] == "房屋貸款"
    assert "Tham khảo" in (home.rates or {})["vi"]
    assert any(p.rates is None for p in catalog.products)


# What a customer of each market must read in its sample: its currency, and its own words.
MARKET_WORDS = {
    "VN": ("VND", "Vay mua nhà", "越南盾"),
    "CN": ("CNY", "个人住房贷款", "存款保险条例"),
    "TW": ("NT$", "房屋貸款", "新臺幣"),
    "HK": ("HK$", "住宅按揭", "港幣"),
}


@pytest.mark.parametrize("market", list(MARKET_WORDS))
def test_each_market_has_its_own_sample(market: str) -> None:
    """A Shanghai group is not shown Vietnam's loans in dong: each market's sample is in its
    currency, with its deposit insurance, and every text in every language."""
    path = handlers.sample_catalog(market)
    assert path.name == f"sample-{market}.yaml"
    catalog = parsed(path.read_bytes(), path.name)
    currency, product, local = MARKET_WORDS[market]
    everything = json.dumps([p.pitch for p in catalog.products], ensure_ascii=False)
    assert currency in json.dumps([p.pitch["en"] for p in catalog.products])
    assert local in everything
    assert any(product in p.names["zh_Hant" if market in ("TW", "HK") else "zh_Hans"]
               or product in p.names["vi"] for p in catalog.products)
    for other, (_currency, _product, other_local) in MARKET_WORDS.items():
        if other != market:
            assert other_local not in everything, (market, other)
    assert {g.segment for g in catalog.groups} == {"individual", "company"}
    for product_ in catalog.products:
        for lang in LANGUAGES:
            assert product_.names[lang] and all(product_.pitch[lang].values()), product_.code
    assert handlers.sample_catalog("SG") == handlers.sample_catalog("VN")


def test_csv_and_yaml_describe_the_same_catalog() -> None:
    rows = [csv_row(), csv_row(code="online", group_segment="", group_name_vi=""),
            csv_row(group_code="credit", group_segment="company", code="wcl",
                    rates_vi="5%", rates_zh_Hans="5%", rates_zh_Hant="5%", rates_en="5%")]
    catalog = parsed(csv_text(rows), "catalog.csv")
    assert [g.code for g in catalog.groups] == ["deposits", "credit"]
    assert [(p.code, p.group_code) for p in catalog.products] == [
        ("savings", "deposits"), ("online", "deposits"), ("wcl", "credit")]
    assert catalog.products[0].rates is None and catalog.products[2].rates == {
        lang: "5%" for lang in LANGUAGES}
    assert catalog.products[1].pitch["zh_Hant"]["evidence"] == "evidence zh_Hant"
    # Excel's UTF-8 with a BOM and semicolons.
    semicolons = csv_text(rows).replace(",", ";")
    assert len(parsed(b"\xef\xbb\xbf" + semicolons.encode(), "x.CSV").products) == 3


# -- YAML validation ------------------------------------------------------------------------------


def test_yaml_missing_language_names_the_mapping_line() -> None:
    text = catalog_yaml(group_yaml("deposits", "individual", product_yaml("savings"),
                                   product_yaml("online", skip="zh_Hant")))
    name_line = line_of(text, "vi: Name online")
    assert errors(text) == [(name_line, "name is missing in zh_Hant.")]


def test_yaml_each_error_kind_with_its_line() -> None:
    text = catalog_yaml(
        group_yaml("deposits", "retail", product_yaml("savings"), product_yaml("Savings 12"),
                   product_yaml("savings", extra="        colour: red\n")),
        group_yaml("deposits", "company", product_yaml("loan")))
    found = errors(text)
    products = [n for n, line in enumerate(text.split("\n"), 1) if line.startswith("      - ")]
    groups = [n for n, line in enumerate(text.split("\n"), 1) if line.startswith("  - ")]
    assert (groups[0], "The segment “retail” must be individual or company.") in found
    assert (products[1], "The code “Savings 12” must be 1 to 24 characters among a-z, 0-9, _ "
                         "and -.") in found
    assert (products[2], f"The code “savings” is used twice (first on line {products[0]}).") \
        in found
    assert (products[2], "Unknown field “colour”.") in found
    assert (groups[1], f"The code “deposits” is used twice (first on line {groups[0]}).") \
        in found
    assert len(found) == 5


def test_yaml_too_long_text_and_missing_products() -> None:
    long_text = "x" * (MAX_TEXT + 1)
    text = GOOD.replace("feature of wcl en", long_text)
    assert errors(text) == [(line_of(text, "feature of wcl vi"),
                             "feature in en is longer than 1000 characters.")]
    empty_group = catalog_yaml(group_yaml("deposits", "individual", product_yaml("savings")),
                               group_yaml("cards", "individual"))
    assert errors(empty_group) == [(line_of(empty_group, "code: cards"),
                                    "The group “cards” has no products.")]


def test_yaml_syntax_errors_and_wrong_shapes() -> None:
    broken = GOOD.replace("    segment: company", "    segment: [company")
    assert errors(broken)[0][0] >= line_of(GOOD, "segment: company")
    assert errors(broken)[0][1].startswith("This is not valid YAML")
    assert errors("- just\n- a list\n") == [
        (1, "The file must start with “groups:” followed by a list of groups.")]
    assert errors("") == [(1, "The file must start with “groups:” followed by a list of groups.")]


def test_file_level_errors() -> None:
    too_big = b"#" * (MAX_FILE_BYTES + 1)
    assert errors(too_big) == [(0, "The file is larger than 1 MB.")]
    not_utf8 = b"groups:\n  - code: a\n    segment: individual\n\xff\xfe\n"
    assert errors(not_utf8) == [(4, "The file is not UTF-8 text; save it as UTF-8.")]
    assert errors(not_utf8, "c.csv") == [(4, "The file is not UTF-8 text; save it as UTF-8.")]


# -- CSV validation -------------------------------------------------------------------------------


def test_csv_rows_report_their_own_lines() -> None:
    long_text = "y" * (MAX_TEXT + 1)
    rows = [
        csv_row(),                                                       # line 2
        csv_row(code="note", feature_en="two\nlines"),                   # lines 3-4
        csv_row(code="savings"),                                         # line 5
        csv_row(code="Bad Code!", name_zh_Hans=""),                      # line 6
        csv_row(group_code="biz", group_segment="sme", code="x1"),       # line 7
        csv_row(code="x2", benefit_vi=long_text),                        # line 8
        csv_row(code="x3", rates_vi="5%"),                               # line 9
        csv_row(code="x4", group_segment="company"),                     # line 10
    ]
    assert errors(csv_text(rows), "c.csv") == [
        (5, "The code “savings” is used twice (first on line 2)."),
        (6, "The code “Bad Code!” must be 1 to 24 characters among a-z, 0-9, _ and -."),
        (6, "name is missing in zh_Hans."),
        (7, "The segment “sme” must be individual or company."),
        (8, "benefit in vi is longer than 1000 characters."),
        (9, "rates is missing in zh_Hans."),
        (9, "rates is missing in zh_Hant."),
        (9, "rates is missing in en."),
        (10, "group_segment differs from the group's first row (line 2)."),
    ]


def test_csv_header_problems() -> None:
    columns = [c for c in CSV_COLUMNS if c != "evidence_zh_Hant"] + ["colour"]
    rows = [{k: v for k, v in csv_row(colour="red").items() if k in columns}]
    assert errors(csv_text(rows, columns), "c.csv") == [
        (1, "Unknown columns: colour."), (1, "Missing columns: evidence_zh_Hant.")]
    # The rates columns are optional.
    columns = [c for c in CSV_COLUMNS if not c.startswith("rates_")]
    rows = [{k: v for k, v in csv_row().items() if k in columns}]
    assert parsed(csv_text(rows, columns), "c.csv").products[0].rates is None
    assert errors("code,name_vi\n", "c.csv")[0][1].startswith("Missing columns")


# -- storage: all or nothing ----------------------------------------------------------------------


@pytest.fixture
async def storage(database: str | Path) -> AsyncIterator[Storage]:
    opened = await open_storage(database)
    yield opened
    await opened.close()


async def test_replace_is_atomic_and_deactivates_missing_products(storage: Storage) -> None:
    first = parsed(GOOD)
    result = await storage.catalog.replace_all(first.groups, first.products, NOW)
    assert (result.groups, result.products, result.deactivated) == (2, 3, 0)
    savings = await storage.catalog.by_code("savings")
    assert savings is not None and savings.active
    # A failure half-way (a product of an unknown group) rolls everything back.
    second = parsed(GOOD.replace("Name online", "Renamed"))
    with pytest.raises(KeyError):
        await storage.catalog.replace_all(second.groups[:1], second.products, NOW)
    online = await storage.catalog.by_code("online")
    assert online is not None and online.names["en"] == "Name online en"
    assert await storage.catalog.count() == 3
    # A second good file without "savings": kept (same id) but inactive.
    third = parsed(catalog_yaml(group_yaml("deposits", "individual", product_yaml("online")),
                                group_yaml("credit", "company", product_yaml("wcl"),
                                           product_yaml("guarantee"))))
    result = await storage.catalog.replace_all(third.groups, third.products, NOW)
    assert (result.groups, result.products, result.deactivated) == (2, 3, 1)
    again = await storage.catalog.get(savings.id)
    assert again is not None and not again.active
    assert await storage.catalog.count() == 3
    deposits = (await storage.catalog.groups("individual"))[0]
    assert [p.code for p in await storage.catalog.products_in(deposits.id)] == ["online"]
    assert await storage.catalog.search("savings") == []
    # Products the new file brings back become active again, with the same id.
    await storage.catalog.replace_all(first.groups, first.products, NOW)
    back = await storage.catalog.by_code("savings")
    assert back is not None and back.active and back.id == savings.id


async def test_groups_without_active_products_are_hidden(storage: Storage) -> None:
    first = parsed(GOOD)
    await storage.catalog.replace_all(first.groups, first.products, NOW)
    only_credit = parsed(catalog_yaml(group_yaml("credit", "company", product_yaml("wcl"))))
    await storage.catalog.replace_all(only_credit.groups, only_credit.products, NOW)
    assert [g.code for g in await storage.catalog.groups()] == ["credit"]
    assert await storage.catalog.groups("individual") == []


async def test_search_ignores_accents_case_and_script(storage: Storage) -> None:
    assert await handlers.load_sample_if_empty(storage, NOW, "VN")
    assert not await handlers.load_sample_if_empty(storage, NOW, "VN")

    async def codes(query: str) -> list[str]:
        return [p.code for p in await storage.catalog.search(query)]

    assert await codes("home_loan") == ["home_loan"]
    assert await codes("VAY MUA NHA") == ["home_loan"]
    assert await codes("房屋貸款") == ["home_loan"]          # Traditional finds it too
    assert await codes("住房贷款") == ["home_loan"]
    assert set(await codes("tien gui")) >= {"savings_6m", "savings_12m", "online_savings"}
    assert await codes("  ") == []


# -- the bot ------------------------------------------------------------------------------------


async def link_group(bot: Harness, owner: Person) -> None:
    """A merchant group the owner linked, where the bot speaks Simplified Chinese."""
    await bot.storage.groups.link(GROUP_ID, "商户群", owner.id, "zh_Hans", NOW)


@pytest.fixture
async def no_catalog(bot: Harness) -> Harness:
    # Start from an empty catalog: withdraw the sample every installation starts with.
    await bot.storage.db.execute("UPDATE products SET active = 0")
    return bot


def shown(calls: list[ApiCall]) -> list[ApiCall]:
    return [call for call in calls if call.method in SHOWN]


def only_message(calls: list[ApiCall]) -> ApiCall:
    messages = shown(calls)
    assert len(messages) == 1, [(c.method, c.text) for c in calls]
    return messages[0]


def data_for(call: ApiCall, label: str) -> str:
    for text, data in call.buttons:
        if label in text:
            return data
    raise AssertionError(f"no button {label!r} in {call.buttons}")


async def upload(bot: Harness, person: Person, name: str, data: bytes,
                 file_id: str = "cat-1") -> list[ApiCall]:
    bot.api.files[file_id] = data
    return await bot.send_update(bot.make.document(person, name, file_id=file_id))


def pitch_of(code: str, language: str) -> dict[str, str]:
    product = next(p for p in parsed(SAMPLE).products if p.code == code)
    return {"name": product.names[language], **product.pitch[language],
            "rates": (product.rates or {}).get(language, "")}


# -- the administrator's upload -------------------------------------------------------------------


async def test_admin_uploads_a_catalog_then_a_bad_one(no_catalog: Harness, admin: Person) -> None:
    bot = no_catalog
    calls = await upload(bot, admin, "Catalog.YAML", GOOD.encode())
    assert [c.method for c in calls if c.method in ("getFile", "download")] == [
        "getFile", "download"]
    assert only_message(calls).text == loaded("vi", groups=2, products=3,
                                                              deactivated=0)
    row = await bot.storage.db.fetch_one(
        "SELECT actor_id, detail FROM audit_log WHERE action = 'catalog.loaded'")
    assert row is not None and row["actor_id"] == admin.id
    assert json.loads(row["detail"]) == {"groups": 2, "products": 3, "deactivated": 0}
    # A bad CSV: every problem with its line, and the catalog is untouched.
    bad = csv_text([csv_row(), csv_row(code="savings", group_segment="sme")])
    message = only_message(await upload(bot, admin, "new.csv", bad.encode(), "cat-2"))
    found = parse_catalog(bad.encode(), "new.csv")
    assert isinstance(found, list) and len(found) == 2
    assert message.text == "\n".join(
        [tr("vi", NOT_LOADED).format(count=2)]
        + [tr("vi", LINE).format(line=e.line, reason=esc(reason("vi", e))) for e in found])
    assert await bot.storage.catalog.count() == 3
    assert (await bot.storage.catalog.by_code("wcl")) is not None
    # The sample replaces it: the small catalog's products are deactivated.
    message = only_message(await upload(bot, admin, "sample.yml", SAMPLE, "cat-3"))
    total = len(parsed(SAMPLE).products)
    assert message.text == loaded("vi", groups=8, products=total, deactivated=3)


async def test_at_most_twenty_errors_are_listed(no_catalog: Harness, admin: Person) -> None:
    rows = [csv_row(code=f"Bad {n}") for n in range(25)]
    message = only_message(await upload(no_catalog, admin, "c.csv", csv_text(rows).encode()))
    lines = message.text.split("\n")
    assert lines[0] == tr("vi", NOT_LOADED).format(count=25)
    assert len(lines) == 22 and lines[-1] == tr("vi", "… and {count} more.").format(count=5)
    assert await no_catalog.storage.catalog.count() == 0


async def test_a_non_admin_catalog_file_goes_to_the_inbox(
    no_catalog: Harness, admin: Person, rm: Person
) -> None:
    bot = no_catalog
    await bot.send(admin, "/help")
    await bot.register(rm)
    assert not handlers.is_catalog_upload(bot.make.document(rm, "c.yaml"), _ctx(bot, None))
    calls = await upload(bot, rm, "catalog.yaml", GOOD.encode())
    assert not [c for c in calls if c.method in ("getFile", "download")]
    assert await bot.storage.catalog.count() == 0
    items = await bot.storage.inbox.list_open(rm.id)
    assert [item.file_name for item in items] == ["catalog.yaml"]


def _ctx(bot: Harness, staff: object) -> Ctx:
    context = Ctx(bot.app)
    context.staff = staff  # type: ignore[assignment]
    return context


# -- /products and /pitch -------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["vi", "zh_Hans"])
async def test_products_walks_groups_to_a_pitch(
    no_catalog: Harness, admin: Person, rm: Person, language: str
) -> None:
    bot = no_catalog
    await bot.send(admin, "/help")
    await bot.register(rm, language=language)
    assert await handlers.load_sample_if_empty(bot.storage, NOW, "VN")
    message = only_message(await bot.send(rm, "/products"))
    assert message.text == tr(language, PRODUCTS)
    sample = parsed(SAMPLE)
    labels = [label for label, _data in message.buttons]
    assert labels == [("👤 " if g.segment == "individual" else "🏢 ") + g.names[language]
                      for g in sample.groups]
    loans = next(g for g in sample.groups if g.code == "ind_loans")
    calls = await bot.press_data(rm, data_for(message, loans.names[language]), message)
    group_view = only_message(calls)
    assert group_view.method == "editMessageText"
    home = pitch_of("home_loan", language)
    calls = await bot.press_data(rm, data_for(group_view, home["name"]), group_view)
    pitch = only_message(calls).text
    for key in ("name", *PITCH_FIELDS, "rates"):
        assert esc(home[key]) in pitch, key
    assert tr(language, "Feature") in pitch and loans.names[language] in pitch
    # Back to the group, then to every group.
    back = await bot.press_data(rm, data_for(only_message(calls), tr(language, "◀ Back")))
    assert home["name"] in labels_of(only_message(back))


def labels_of(call: ApiCall) -> list[str]:
    return [label for label, _data in call.buttons]


@pytest.mark.parametrize("language", ["vi", "zh_Hans"])
async def test_pitch_by_code_and_by_name(
    no_catalog: Harness, admin: Person, rm: Person, language: str
) -> None:
    bot = no_catalog
    await bot.send(admin, "/help")
    await bot.register(rm, language=language)
    await handlers.load_sample_if_empty(bot.storage, NOW, "VN")
    expected = pitch_of("credit_card", language)
    folded = "THE TIN DUNG" if language == "vi" else "信用卡"
    for query in ("credit_card", expected["name"], folded):
        text = only_message(await bot.send(rm, f"/pitch {query}")).text
        assert esc(expected["feature"]) in text and esc(expected["evidence"]) in text, query


async def test_pitch_with_no_match_and_several_matches(
    no_catalog: Harness, admin: Person, rm: Person
) -> None:
    bot = no_catalog
    await bot.send(admin, "/help")
    await bot.register(rm, language="zh_Hans")
    await handlers.load_sample_if_empty(bot.storage, NOW, "VN")
    first, second = parsed(SAMPLE).products[:2]
    with active("zh_Hans", "UTC"):
        # Products by name, never the file's codes (savings_6m means nothing to an RM).
        hint = _(HINT).format(name=first.names["zh_Hans"], other=second.names["zh_Hans"])
        assert first.code not in hint
        no_match = _(NO_MATCH).format(query="bitcoin", hint=hint)
        several = _(SEVERAL).format(query="定期存款")
    assert only_message(await bot.send(rm, "/pitch bitcoin")).text == no_match
    message = only_message(await bot.send(rm, "/pitch 定期存款"))
    assert message.text == several
    assert labels_of(message) == ["6个月定期存款", "一年期定期存款", "线上定期存款"]
    pitch = only_message(await bot.press_data(rm, message.buttons[1][1], message))
    assert esc(pitch_of("savings_12m", "zh_Hans")["benefit"]) in pitch.text


async def test_empty_catalog_says_how_to_load_one(no_catalog: Harness, rm: Person,
                                                  admin: Person) -> None:
    await no_catalog.send(admin, "/help")
    await no_catalog.register(rm, language="en")
    empty = tr("en", "The product catalog is empty. An administrator can load one by sending "
                     "me a YAML or CSV file.")
    assert only_message(await no_catalog.send(rm, "/products")).text == empty
    assert only_message(await no_catalog.send(rm, "/pitch home")).text == empty


# -- group chats ----------------------------------------------------------------------------------


async def test_group_catalog_buttons_are_public_and_show_only_pitches(
    no_catalog: Harness, admin: Person, rm: Person, stranger: Person
) -> None:
    bot = no_catalog
    await bot.send(admin, "/help")
    await bot.register(rm, language="vi")
    await link_group(bot, rm)
    await handlers.load_sample_if_empty(bot.storage, NOW, "VN")
    customer = await bot.storage.customers.create(
        owner_id=rm.id, name="Trần Thị Bích", phone="+84901234567", region="VN", now=NOW)
    group = bot.make.group_chat(GROUP_ID)
    message = only_message(await bot.send(rm, "/products", group=group))
    assert message.chat_id == GROUP_ID
    assert message.text.startswith(tr("zh_Hans", "<b>Our products</b>. Tap one to read about "
                                                 "it."))
    sample = parsed(SAMPLE)
    assert labels_of(message) == [p.names["zh_Hans"] for p in sample.products]
    for _label, data in message.buttons:
        unpacked = buttons.unpack(data, stranger.id)
        assert unpacked is not None and unpacked[0] == "gp"
        assert buttons.unpack(data, 424242) == unpacked
    calls = await bot.press_data(stranger, data_for(message, "住房贷款"), message, group=group)
    pitch = only_message(calls)
    assert pitch.chat_id == GROUP_ID
    expected = pitch_of("home_loan", "zh_Hans")
    assert esc(expected["feature"]) in pitch.text and esc(expected["rates"]) in pitch.text
    assert tr("zh_Hans", "Feature") in pitch.text
    assert customer.name not in pitch.text and customer.name not in message.text


async def test_list_for_group_markup_and_retired_product(
    no_catalog: Harness, admin: Person, stranger: Person
) -> None:
    bot = no_catalog
    await bot.send(admin, "/help")
    await link_group(bot, admin)
    await handlers.load_sample_if_empty(bot.storage, NOW, "VN")
    group = bot.make.group_chat(GROUP_ID)
    message = only_message(await bot.send(admin, "/products", group=group))
    raw = message.params["reply_markup"]
    rows = (json.loads(raw) if isinstance(raw, str) else raw)["inline_keyboard"]
    assert [len(row) for row in rows[:-1]] == [2] * (len(rows) - 1)
    await upload(bot, admin, "small.yaml", GOOD.encode())
    calls = await bot.press_data(stranger, data_for(message, "住房贷款"), message, group=group)
    assert not shown(calls)
    answers = [c for c in calls if c.method == "answerCallbackQuery"]
    assert answers[0].params["text"] == tr("zh_Hans", "This product is no longer offered.")
