"""Fill the English catalog with the source texts, so it is complete like the others.

Run after `make messages`; the English texts in the code are the English translations.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).resolve().parent.parent / "locales" / "en" / "LC_MESSAGES" / "messages.po"


def main() -> None:
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        if not message.id:
            continue
        message.flags.discard("fuzzy")
        message.string = message.id
    with PO.open("wb") as handle:
        write_po(handle, catalog, width=100)


if __name__ == "__main__":
    main()
