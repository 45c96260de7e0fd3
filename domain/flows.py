"""Questions the bot asks and the next message answers: what counts as "skip" in each
language, and how long a question waits for its answer.

>>> is_skip("Bỏ qua"), is_skip("跳過"), is_skip("skip!"), is_skip("gọi lại sau")
(True, True, True, False)
"""

from __future__ import annotations

from datetime import timedelta

from domain.names import fold

# A question left unanswered this long no longer takes the next text: by then the RM has
# moved on, and a search typed later must not be filed as the answer.
PROMPT_TIMEOUT = timedelta(minutes=10)

# Folded (accent-free, Simplified): what an RM types to pass a question, in vi, zh and en.
# Only words that cannot be an answer on their own: "không" (no) is an outcome, so it is not.
SKIP_WORDS = frozenset({
    "skip", "pass", "next", "none", "n/a", "-",
    "bo qua", "bo", "khong can", "bo qua di", "khong co gi",
    "跳过", "略过", "不用", "不用了", "不需要", "无", "没有", "下一步",
})
# How long a confirmation's Undo takes the change back.
UNDO_WINDOW = timedelta(minutes=5)
_TRAILING = " .!。！~"


def is_skip(text: str) -> bool:
    """Whether a typed answer means "skip this question" (in any of the bot's languages)."""
    return fold(text.strip().rstrip(_TRAILING)) in SKIP_WORDS
