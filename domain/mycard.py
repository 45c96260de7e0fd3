"""An RM's personal "contact me" link and its QR code, one per place it is shown.

The link is the bot's ``/start`` deep link with a random token; the QR code is drawn by segno
(pure Python, no imaging library) as a PNG to send as a photo or print on a leaflet.
"""

from __future__ import annotations

import io

import segno

from core.i18n import N_

START_PREFIX = "card_"
SOURCES: dict[str, str] = {
    "street": N_("Street canvassing"),
    "event": N_("Event"),
    "branch": N_("Branch"),
    "merchant_group": N_("Merchant group"),
}


def deep_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={START_PREFIX}{token}"


def qr_png(url: str) -> bytes:
    """The link as a QR code PNG, large enough to scan from a phone screen or a leaflet."""
    buffer = io.BytesIO()
    # Error correction M survives a crease or a smudge on a printed leaflet.
    segno.make(url, error="m").save(buffer, kind="png", scale=10, border=4)
    return buffer.getvalue()
