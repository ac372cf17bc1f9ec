"""Per-site chrome learning: lines that recur on many pages of one site are counted in the archive
and removed (the line rules themselves are in ``archive.neardup.lines``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import insert, select, update

from archive.storage.models import Article, SiteLine
from archive.neardup.lines import is_chrome

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

_LINES = SiteLine.__table__


def known_chrome(session: Session, site_id: int, hashes: list[int], min_pages: tuple[int, int]) -> set[int]:
    """Which of ``hashes`` are learned chrome lines of the site."""
    if not hashes:
        return set()
    rows = session.connection().execute(select(_LINES.c.line_hash, _LINES.c.pages, _LINES.c.line)
                                        .where(_LINES.c.site_id == site_id, _LINES.c.line_hash.in_(hashes),
                                               _LINES.c.pages >= min(min_pages)))
    return {h for h, pages, line in rows if is_chrome(pages, line, min_pages)}


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
