"""Keep Taiwan's and Hong Kong's catalogs in step with the template (run by `make messages`).

A regional catalog holds only the texts its market words its own way (追蹤 in Taiwan, 跟進 in
Hong Kong); everything else comes from the shared zh_Hant catalog at run time. So, unlike the
full catalogs, new texts are not added here: entries whose text left the code are dropped,
the others get the template's plural form and order. tests/test_glossary.py says which shared
texts need a regional entry (a term one market does not use).
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

LOCALES = Path(__file__).resolve().parent.parent / "locales"
REGIONAL = ("zh_Hant_TW", "zh_Hant_HK")
HEADER = {
    "zh_Hant_TW": "Traditional Chinese as written in Taiwan: only what differs from zh_Hant.",
    "zh_Hant_HK": "Traditional Chinese as written in Hong Kong: only what differs from zh_Hant.",
}


def _key(message_id: str | tuple[str, ...] | list[str]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def sync(language: str, template: Catalog) -> None:
    path = LOCALES / language / "LC_MESSAGES" / "messages.po"
    old = Catalog(locale=language)
    if path.is_file():
        with path.open("rb") as handle:
            old = read_po(handle, locale=language)
    kept = {_key(message.id): message for message in old if message.id}
    catalog = Catalog(locale=language, header_comment=f"# {HEADER[language]}",
                      project="Rapport", fuzzy=False, creation_date=template.creation_date,
                      revision_date=old.revision_date)
    for message in template:
        if not message.id or _key(message.id) not in kept:
            continue
        string = kept[_key(message.id)].string
        if isinstance(message.id, tuple) and isinstance(string, str):
            string = (string,)
        catalog.add(message.id, string, flags=kept[_key(message.id)].flags - {"fuzzy"})
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, no_location=True)


def main() -> None:
    with (LOCALES / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    for language in REGIONAL:
        sync(language, template)


if __name__ == "__main__":
    main()
