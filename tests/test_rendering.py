"""What each market's RM reads, as the bot renders it (texts joined in code included): Chinese
with Chinese punctuation, and no language's examples in another's message.

Every message and button the bot sends while an RM goes through the everyday commands in their
language is checked: in Chinese no ASCII ``: `` or ``, `` beside a Chinese character (a
separator glued in code where no translator can fix it) and no Vietnamese letters; in
Vietnamese no Chinese characters. Customer names and what the RM typed are the RM's own.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from core.i18n import LANGUAGE_NAMES, _, active
from playground.fake_api import ApiCall
from playground.fake_updates import Person
from tests.harness import Harness, shown

CJK = "\u3400-\u9fff"
ASCII_SEPARATOR = re.compile(rf"[{CJK}）」”][:,] |[{CJK}）」”][:,](?=[{CJK}])")
VIETNAMESE = re.compile("[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I)
HAN = re.compile(f"[{CJK}]")

# What an RM of each market types: a new prospect, a note, a follow-up (the catalogs'
# own examples: each is also checked to be understood).
RMS = {
    "vi": (Person(2101, "Lan", "Nguyễn", language_code="vi"), "Asia/Ho_Chi_Minh", "Nguyễn Văn An"),
    "zh_Hans": (Person(2102, "伟", "王", language_code="zh-hans"), "Asia/Shanghai", "王伟"),
    "zh_Hant_TW": (Person(2103, "志明", "林", language_code="zh-tw"), "Asia/Taipei", "王偉"),
    "zh_Hant_HK": (Person(2104, "大文", "陳", language_code="zh-hk"), "Asia/Hong_Kong", "陳大文"),
}
EXAMPLES = ("/add Nguyễn Văn An 0901 234 567 vay mua nhà 2 tỷ",
            "/note Nguyễn Văn An đã gửi hồ sơ vay",
            "/remind Nguyễn Văn An mai 9h gọi lại báo lãi suất",
            "/complaint Nguyễn Văn An phí chuyển tiền bị trừ 2 lần",
            "/pitch vay mua nhà", "/review last", "/targets prospects 12 contacts 10",
            "/reviewtime mon 08:00", "/timezone Asia/Ho_Chi_Minh", "/agenda 07:30")
COMMANDS = ("/help", "/settings", "/today", "/week", "/overdue", "/pipeline", "/inbox",
            "/archived", "/products", "/pitch", "/find", "/targets", "/reviewtime", "/service",
            "/referrals", "/groups", "/watch", "/volumes", "/cancel", "/import", "/cancel",
            "/language", "/timezone", "/newteam", "/teams", "/staff", "/invites", "/quiet",
            "/agenda", "/nonsense")


def _texts(calls: list[ApiCall]) -> list[str]:
    texts = []
    for call in shown(calls):
        texts.append(call.text or "")
        texts += [label for label, _data in call.buttons]
    return texts


def _problems(language: str, text: str, own: set[str]) -> list[str]:
    for word in own:  # what the RM typed, and their customers' names, are theirs
        text = text.replace(word, "")
    found = []
    if language.startswith("zh"):
        found += [f"ASCII separator {m.group()!r}" for m in ASCII_SEPARATOR.finditer(text)]
        found += [f"Vietnamese {m.group()!r}" for m in VIETNAMESE.finditer(text)]
    else:
        found += [f"Chinese {m.group()!r}" for m in HAN.finditer(text)]
    return found


@pytest.mark.parametrize("language", list(RMS))
async def test_every_reply_reads_as_the_market_writes(bot: Harness, admin: Person,
                                                      language: str) -> None:
    person, zone, customer = RMS[language]
    await bot.send(admin, "/help")
    team = await bot.storage.teams.create(customer + " team", bot.clock.now())
    assert team is not None
    await bot.register(person, role="lead", team_id=team.id, language=language)
    await bot.send(person, f"/timezone {zone}")
    with active(language, zone):
        typed = [_(example) for example in EXAMPLES]
    # Languages are named in their own script in the pickers, so anyone finds theirs.
    own = {customer, person.first_name, person.last_name or "", team.name,
           *LANGUAGE_NAMES.values()}
    own |= {word for line in typed for word in line.split()[1:]}
    problems: dict[str, list[str]] = {}
    seen = 0
    for text in [*typed, *COMMANDS]:
        calls = await bot.send(person, text)
        for shown_text in _texts(calls):
            seen += 1
            found = _problems(language, shown_text, own)
            if found:
                problems.setdefault(text, []).append(f"{found}: {shown_text[:160]!r}")
    assert not problems, "\n".join(f"{command}: {found}" for command, found in problems.items())
    # It did read the RM's language (a Chinese /help has Chinese, a Vietnamese one its letters).
    help_text = _texts(await bot.send(person, "/help"))[0]
    assert (HAN if language.startswith("zh") else VIETNAMESE).search(help_text) and seen > 60
    understood = _understood(language, typed)
    assert all(understood.values()), understood


def _understood(language: str, typed: list[str]) -> dict[str, Any]:
    """Each locale's examples of words the bot must read are read (not only shown)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from domain.review import parse_review_time, parse_targets

    now = datetime(2026, 11, 23, 10, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    targets = typed[EXAMPLES.index("/targets prospects 12 contacts 10")].split(maxsplit=1)[1]
    review_time = typed[EXAMPLES.index("/reviewtime mon 08:00")].split(maxsplit=1)[1]
    values, unknown = parse_targets(targets)
    return {"targets": values == {"prospects": 12, "contacts": 10} and not unknown,
            "reviewtime": parse_review_time(review_time, language, now) is not None}
