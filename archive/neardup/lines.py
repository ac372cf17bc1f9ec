"""Page lines as chrome candidates: a hash per distinct line, and the rule that makes a line chrome.

Pure functions; the per-site counting that learns chrome lives in ``archive.storage.chrome``."""

from __future__ import annotations

import hashlib

from archive.neardup.normalize import normalize_line

# A short line shared by two different stories of one site is already chrome ("Photo: ...",
# "Share this story"); a long one must recur on ``min_pages`` pages.
SHORT_LINE_WORDS = 8


def line_hash(line: str) -> int | None:
    """A signed 64-bit hash of the line's words; None for a line without words."""
    norm = normalize_line(line)
    if not norm:
        return None
    return int.from_bytes(hashlib.blake2b(norm.encode(), digest_size=8).digest(), "big", signed=True)


def page_lines(text: str) -> dict[int, str]:
    """The distinct lines of a text by hash (first spelling kept)."""
    out: dict[int, str] = {}
    for line in text.split("\n"):
        h = line_hash(line)
        if h is not None and h not in out:
            out[h] = line.strip()
    return out


def is_chrome(pages: int, line: str, min_pages: tuple[int, int]) -> bool:
    """``min_pages`` is (for long lines, for short lines)."""
    short = len(normalize_line(line).split()) <= SHORT_LINE_WORDS
    return pages >= (min_pages[1] if short else min_pages[0])


def strip_chrome(text: str, chrome: set[int]) -> str:
    """The text without its chrome lines."""
    if not chrome:
        return text
    return "\n".join(line for line in text.split("\n") if line_hash(line) not in chrome)
