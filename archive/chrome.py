"""Per-site chrome learning: lines that recur on many pages of one site are removed."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from sqlalchemy import insert, select, update

from archive.models import Article, SiteLine
from archive.normalize import normalize_line

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# A short line shared by two different stories of one site is already chrome ("Photo: ...",
# "Share this story"); a long one must recur on ``min_pages`` pages.
SHORT_LINE_WORDS = 8
_LINES = SiteLine.__table__


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


def known_chrome(session: Session, site_id: int, hashes: list[int], min_pages: tuple[int, int]) -> set[int]:
    """Which of ``hashes`` are learned chrome lines of the site."""
    if not hashes:
        return set()
    rows = session.connection().execute(select(_LINES.c.line_hash, _LINES.c.pages, _LINES.c.line)
                                        .where(_LINES.c.site_id == site_id, _LINES.c.line_hash.in_(hashes),
                                               _LINES.c.pages >= min(min_pages)))
    return {h for h, pages, line in rows if is_chrome(pages, line, min_pages)}


def strip_chrome(text: str, chrome: set[int]) -> str:
    """The text without its chrome lines."""
    if not chrome:
        return text
    return "\n".join(line for line in text.split("\n") if line_hash(line) not in chrome)


def count_page(session: Session, site_id: int, lines: dict[int, str], min_pages: tuple[int, int]) -> list[str]:
    """Count one more page for each line; return the lines that just became chrome.

    Core statements on the session's connection: site lines are never ORM objects."""
    if not lines:
        return []
    connection = session.connection()
    existing = dict(connection.execute(select(_LINES.c.line_hash, _LINES.c.pages)
                                       .where(_LINES.c.site_id == site_id, _LINES.c.line_hash.in_(list(lines)))).all())
    new_rows = [{"site_id": site_id, "line_hash": h, "pages": 1, "line": line[:2000]}
                for h, line in lines.items() if h not in existing]
    if new_rows:
        connection.execute(insert(_LINES), new_rows)
    if existing:
        connection.execute(update(_LINES).where(_LINES.c.site_id == site_id, _LINES.c.line_hash.in_(list(existing)))
                           .values(pages=_LINES.c.pages + 1))
    return [lines[h] for h, pages in existing.items()
            if is_chrome(pages + 1, lines[h], min_pages) and not is_chrome(pages, lines[h], min_pages)]


def pages_with_line(session: Session, site_id: int, line: str, exclude: int | None = None) -> list[int]:
    """Ids of the site's articles whose extracted text holds ``line``."""
    pattern = "%" + line.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    query = select(Article.id).where(Article.site_id == site_id, Article.raw_text.like(pattern, escape="\\"))
    return [i for i in session.scalars(query) if i != exclude]
