"""The product catalog file: parse and validate YAML or CSV into groups and products.

YAML (nested, every text a mapping of the four languages)::

    groups:
      - code: deposits
        segment: individual          # or company
        name: {vi: …, zh_Hans: …, zh_Hant: …, en: …}
        products:
          - code: savings_12m
            name: {vi: …, zh_Hans: …, zh_Hant: …, en: …}
            feature: {…}             # and advantage, benefit, evidence
            rates: {…}               # optional

CSV: one row per product, columns ``group_code, group_segment, group_name_<lang>, code,
name_<lang>``, then ``feature_/advantage_/benefit_/evidence_/rates_<lang>`` (rates optional);
a group's columns may be left blank after its first row.

Nothing is half-loaded: :func:`parse_catalog` returns either a whole catalog or every error
found, each with its line number (1-based) and an English reason marked for translation.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from core.i18n import N_, render
from core.languages import CONTENT_LANGUAGES, content_language

SEGMENTS = ("individual", "company")
PITCH_FIELDS = ("feature", "advantage", "benefit", "evidence")
MAX_TEXT = 1000
MAX_FILE_BYTES = 1024 * 1024
MAX_CODE = 24
MAX_PRODUCTS = 1000
CODE_RE = re.compile(r"[a-z0-9_-]{1,24}")
EXTENSIONS = (".yaml", ".yml", ".csv")

Texts = dict[str, str]


@dataclass(frozen=True)
class CatalogError:
    line: int
    message: str  # an English text marked with N_, with {placeholders}
    params: Mapping[str, str | int | tuple[str, ...]] = field(default_factory=dict)

    def text(self) -> str:
        """The reason in the current language."""
        return render(self.message, self.params)


@dataclass(frozen=True)
class GroupSpec:
    code: str
    segment: str
    names: Texts
    line: int = 0


@dataclass(frozen=True)
class ProductSpec:
    code: str
    group_code: str
    names: Texts
    pitch: dict[str, Texts]  # {language: {feature, advantage, benefit, evidence}}
    rates: Texts | None
    line: int = 0


@dataclass(frozen=True)
class Catalog:
    groups: list[GroupSpec]
    products: list[ProductSpec]


class _Checker:
    """Collects errors while the texts of one file are validated."""

    def __init__(self) -> None:
        self.errors: list[CatalogError] = []
        self.group_codes: dict[str, int] = {}
        self.product_codes: dict[str, int] = {}

    def error(self, line: int, message: str, **params: str | int) -> None:
        self.errors.append(CatalogError(line, message, params))

    def code(self, line: int, code: str, seen: dict[str, int]) -> None:
        if not CODE_RE.fullmatch(code):
            self.error(line, N_("The code “{code}” must be 1 to {limit} characters among a-z, "
                                "0-9, _ and -."), code=code[:40], limit=MAX_CODE)
        elif code in seen:
            self.error(line, N_("The code “{code}” is used twice (first on line {first})."),
                       code=code, first=seen[code])
        else:
            seen[code] = line

    def segment(self, line: int, segment: str) -> None:
        if segment not in SEGMENTS:
            self.error(line, N_("The segment “{segment}” must be individual or company."),
                       segment=segment[:40])

    def texts(self, line: int, what: str, texts: dict[str, str], *,
              optional: bool = False) -> Texts | None:
        """All four languages, each at most MAX_TEXT characters; None if optional and empty."""
        texts = {key: value.strip() for key, value in texts.items()}
        for key in texts:
            if key not in CONTENT_LANGUAGES:
                self.error(line, N_("Unknown language “{language}” in {field}; use vi, zh_Hans, "
                                    "zh_Hant and en."), language=key[:20], field=what)
        if optional and not any(texts.values()):
            return None
        for language in CONTENT_LANGUAGES:
            text = texts.get(language, "")
            if not text:
                self.error(line, N_("{field} is missing in {language}."), field=what,
                           language=language)
            elif len(text) > MAX_TEXT:
                self.error(line, N_("{field} in {language} is longer than {limit} characters."),
                           field=what, language=language, limit=MAX_TEXT)
        return {language: texts.get(language, "") for language in CONTENT_LANGUAGES}


def parse_catalog(data: bytes, file_name: str) -> Catalog | list[CatalogError]:
    """The catalog in a .yaml/.yml/.csv file, or every error found in it."""
    if len(data) > MAX_FILE_BYTES:
        return [CatalogError(0, N_("The file is larger than {limit} MB."), {"limit": 1})]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        line = data[:problem.start].count(b"\n") + 1
        return [CatalogError(line, N_("The file is not UTF-8 text; save it as UTF-8."))]
    if file_name.lower().endswith(".csv"):
        return _parse_csv(text)
    return _parse_yaml(text)


def _result(checker: _Checker, groups: list[GroupSpec],
            products: list[ProductSpec]) -> Catalog | list[CatalogError]:
    used = {product.group_code for product in products}
    for group in groups:
        if group.code not in used and CODE_RE.fullmatch(group.code):
            checker.error(group.line, N_("The group “{code}” has no products."), code=group.code)
    if not products and not checker.errors:
        checker.error(1, N_("The file has no products."))
    if checker.errors:
        return sorted(checker.errors, key=lambda error: error.line)
    return Catalog(groups, products)


# -- YAML ---------------------------------------------------------------------------------------

_GROUP_KEYS = frozenset({"code", "segment", "name", "products"})
_PRODUCT_KEYS = frozenset({"code", "name", "rates", *PITCH_FIELDS})


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _mapping(node: yaml.Node | None) -> dict[str, yaml.Node] | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return {str(key.value): value for key, value in node.value
            if isinstance(key, yaml.ScalarNode)}


def _scalar(node: yaml.Node | None) -> str:
    if isinstance(node, yaml.ScalarNode) and node.tag != "tag:yaml.org,2002:null":
        return str(node.value).strip()
    return ""


def _yaml_texts(checker: _Checker, owner: yaml.Node, node: yaml.Node | None, what: str, *,
                optional: bool = False) -> Texts | None:
    if node is None or (isinstance(node, yaml.ScalarNode) and not _scalar(node)):
        if optional:
            return None
        return checker.texts(_line(owner), what, {})
    mapping = _mapping(node)
    if mapping is None:
        checker.error(_line(node), N_("{field} must list one text per language "
                                      "(vi, zh_Hans, zh_Hant, en)."), field=what)
        return None
    return checker.texts(_line(node), what, {key: _scalar(value) for key, value in
                                             mapping.items()}, optional=optional)


def _unknown_keys(checker: _Checker, node: yaml.Node, keys: dict[str, yaml.Node],
                  allowed: frozenset[str]) -> None:
    for key in sorted(set(keys) - allowed):
        checker.error(_line(node), N_("Unknown field “{name}”."), name=key[:40])


def _parse_yaml(text: str) -> Catalog | list[CatalogError]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None) or getattr(problem, "context_mark", None)
        reason = str(getattr(problem, "problem", None) or "")[:200]
        return [CatalogError(mark.line + 1 if mark else 1,
                             N_("This is not valid YAML: {reason}"), {"reason": reason})]
    top = _mapping(root)
    group_nodes = top.get("groups") if top is not None else None
    if root is None or top is None or not isinstance(group_nodes, yaml.SequenceNode):
        return [CatalogError(1, N_("The file must start with “groups:” followed by a list of "
                                   "groups."))]
    checker = _Checker()
    groups: list[GroupSpec] = []
    products: list[ProductSpec] = []
    for node in group_nodes.value:
        group = _yaml_group(checker, node, products)
        if group is not None:
            groups.append(group)
        if len(products) >= MAX_PRODUCTS:
            break
    return _result(checker, groups, products)


def _yaml_group(checker: _Checker, node: yaml.Node,
                products: list[ProductSpec]) -> GroupSpec | None:
    keys = _mapping(node)
    if keys is None:
        checker.error(_line(node), N_("A group must be a mapping with code, segment, name and "
                                      "products."))
        return None
    line = _line(node)
    _unknown_keys(checker, node, keys, _GROUP_KEYS)
    code, segment = _scalar(keys.get("code")), _scalar(keys.get("segment"))
    checker.code(line, code, checker.group_codes)
    checker.segment(line, segment)
    names = _yaml_texts(checker, node, keys.get("name"), "name")
    product_nodes = keys.get("products")
    # A group without a products list is reported with the other empty groups.
    items = product_nodes.value if isinstance(product_nodes, yaml.SequenceNode) else []
    for product_node in items:
        if len(products) >= MAX_PRODUCTS:
            checker.error(_line(product_node), N_("A catalog has at most {limit} products."),
                          limit=MAX_PRODUCTS)
            break
        product = _yaml_product(checker, product_node, code)
        if product is not None:
            products.append(product)
    return GroupSpec(code, segment, names or {}, line)


def _yaml_product(checker: _Checker, node: yaml.Node, group_code: str) -> ProductSpec | None:
    keys = _mapping(node)
    if keys is None:
        checker.error(_line(node), N_("A product must be a mapping with code, name, feature, "
                                      "advantage, benefit and evidence."))
        return None
    line = _line(node)
    _unknown_keys(checker, node, keys, _PRODUCT_KEYS)
    code = _scalar(keys.get("code"))
    checker.code(line, code, checker.product_codes)
    names = _yaml_texts(checker, node, keys.get("name"), "name") or {}
    fields = {name: _yaml_texts(checker, node, keys.get(name), name) or {}
              for name in PITCH_FIELDS}
    rates = _yaml_texts(checker, node, keys.get("rates"), "rates", optional=True)
    return ProductSpec(code, group_code, names, _by_language(fields), rates, line)


def _by_language(fields: dict[str, Texts]) -> dict[str, Texts]:
    return {language: {name: texts.get(language, "") for name, texts in fields.items()}
            for language in CONTENT_LANGUAGES}


# -- CSV ----------------------------------------------------------------------------------------

GROUP_COLUMNS = ["group_code", "group_segment",
                 *(f"group_name_{lang}" for lang in CONTENT_LANGUAGES)]
PRODUCT_COLUMNS = ["code", *(f"{name}_{lang}" for name in ("name", *PITCH_FIELDS)
                             for lang in CONTENT_LANGUAGES)]
RATE_COLUMNS = [f"rates_{lang}" for lang in CONTENT_LANGUAGES]
CSV_COLUMNS = [*GROUP_COLUMNS, *PRODUCT_COLUMNS, *RATE_COLUMNS]


def _texts(row: dict[str, str], prefix: str) -> dict[str, str]:
    return {lang: row.get(f"{prefix}_{lang}", "") for lang in CONTENT_LANGUAGES}


def _parse_csv(text: str) -> Catalog | list[CatalogError]:
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [column.strip() for column in next(reader, [])]
    except csv.Error as problem:
        return [CatalogError(1, N_("This is not valid CSV: {reason}"), {"reason": str(problem)})]
    checker = _Checker()
    unknown = [column for column in header if column not in CSV_COLUMNS]
    missing = [column for column in GROUP_COLUMNS + PRODUCT_COLUMNS if column not in header]
    if unknown:
        checker.error(1, N_("Unknown columns: {columns}."), columns=", ".join(unknown)[:300])
    if missing:
        checker.error(1, N_("Missing columns: {columns}."), columns=", ".join(missing)[:300])
    if checker.errors:
        return checker.errors
    groups: dict[str, GroupSpec] = {}
    products: list[ProductSpec] = []
    end = reader.line_num
    try:
        for values in reader:
            line, end = end + 1, reader.line_num
            if not any(value.strip() for value in values):
                continue
            if len(values) > len(header):
                checker.error(line, N_("This row has more values than the header has columns."))
                continue
            if len(products) >= MAX_PRODUCTS:
                checker.error(line, N_("A catalog has at most {limit} products."),
                              limit=MAX_PRODUCTS)
                break
            row = {column: value.strip() for column, value in zip(header, values, strict=False)}
            _csv_row(checker, line, row, groups, products)
    except csv.Error as problem:
        checker.error(end + 1, N_("This is not valid CSV: {reason}"), reason=str(problem))
    return _result(checker, list(groups.values()), products)


def _csv_row(checker: _Checker, line: int, row: dict[str, str], groups: dict[str, GroupSpec],
             products: list[ProductSpec]) -> None:
    group_code = row["group_code"]
    group = groups.get(group_code)
    if group is None:
        checker.code(line, group_code, checker.group_codes)
        checker.segment(line, row["group_segment"])
        names = checker.texts(line, "group_name", _texts(row, "group_name")) or {}
        groups[group_code] = GroupSpec(group_code, row["group_segment"], names, line)
    else:
        given: dict[str, Any] = {"group_segment": row["group_segment"],
                                 **{f"group_name_{lang}": row[f"group_name_{lang}"]
                                    for lang in CONTENT_LANGUAGES}}
        known: dict[str, Any] = {"group_segment": group.segment,
                                 **{f"group_name_{lang}": group.names.get(lang, "")
                                    for lang in CONTENT_LANGUAGES}}
        for column, value in given.items():
            if value and value != known[column]:
                checker.error(line, N_("{field} differs from the group's first row (line "
                                       "{first})."), field=column, first=group.line)
    code = row["code"]
    checker.code(line, code, checker.product_codes)
    names = checker.texts(line, "name", _texts(row, "name")) or {}
    fields = {name: checker.texts(line, name, _texts(row, name)) or {} for name in PITCH_FIELDS}
    rates = checker.texts(line, "rates", _texts(row, "rates"), optional=True)
    products.append(ProductSpec(code, group_code, names, _by_language(fields), rates, line))


def pick(texts: Texts | None, language: str) -> str:
    """The text in this language (a market's Traditional Chinese: the catalog's zh_Hant), else
    English, else any language; '' if there is none."""
    if not texts:
        return ""
    return texts.get(content_language(language)) or texts.get("en") or next(
        (text for text in texts.values() if text), "")
