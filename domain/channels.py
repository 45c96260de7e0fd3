"""The messaging apps customers are reached on, and the links that open a chat in them.

Zalo (Vietnam) opens by phone number, LINE (Taiwan) by LINE ID, WhatsApp (Hong Kong) by
international number; WeChat (mainland) has no public link, so its ID is shown to copy.
Telegram's buttons accept only http(s) and tg: links, so a phone call is offered as the
number in international form, which Telegram's apps make tappable.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from core.i18n import N_
from domain.phones import parse_phone

CHANNELS: dict[str, str] = {
    "zalo": "Zalo",
    "wechat": N_("WeChat"),
    "line": "LINE",
    "whatsapp": "WhatsApp",
}
CHANNEL_ICONS = {"zalo": "💬", "wechat": "🟢", "line": "🟩", "whatsapp": "📱"}
# Zalo and WhatsApp need a phone number; WeChat and LINE take the ID the customer chose.
BY_PHONE = ("zalo", "whatsapp")
_ID = re.compile(r"[A-Za-z0-9._@-]{2,40}")
MAX_VALUE = 40


def normalise(channel: str, text: str, region: str) -> str | None:
    """The value to store: an E.164 number for Zalo and WhatsApp, the ID for WeChat and
    LINE (a LINE ID may be typed with its '@' or '~'); None if it cannot be one."""
    text = text.strip()
    if channel in BY_PHONE:
        phone = parse_phone(text, region)
        return phone.e164 if phone else None
    value = text.lstrip("~")
    if channel == "wechat" and parse_phone(value, region) is not None:
        phone = parse_phone(value, region)
        return phone.e164 if phone else None  # WeChat accounts are often found by number
    return value if _ID.fullmatch(value) else None


def link(channel: str, value: str) -> str | None:
    """The https link that opens a chat with this customer in the app, if the app has one."""
    if channel == "zalo":
        digits = value.lstrip("+")
        # Zalo's links use the Vietnamese national form (0901234567) for Vietnamese numbers.
        if digits.startswith("84"):
            digits = "0" + digits[2:]
        return f"https://zalo.me/{digits}"
    if channel == "whatsapp":
        return f"https://wa.me/{value.lstrip('+')}"
    if channel == "line":
        return f"https://line.me/ti/p/~{quote(value, safe='@._-')}"
    return None
