"""Per-site chrome learning: lines that recur on many pages of one site are counted in the archive
and removed (the line rules themselves are in ``archive.neardup.lines``).

Every statement here is built once (bound parameters, expanding ``IN`` lists) and run on the
session's connection by ``fastsql``: site lines and article lines are never ORM objects."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select, update

from archive.storage import fastsql
from archive.storage.bulk import insert_rows
from archive.storage.models import ArticleLine, SiteLine
from archive.neardup.lines import is_chrome, line_hash

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy.orm import Session

_LINES = SiteLine.__table__
_PAGE_LINES = ArticleLine.__table__
_HASHES = bindparam("hashes", expanding=True)
_SITE = bindparam("b_site")

_KNOWN = select(_LINES.c.line_hash, _LINES.c.pages, _LINES.c.line).where(
    _LINES.c.site_id == _SITE, _LINES.c.line_hash.in_(_HASHES), _LINES.c.pages >= bindparam("min_pages"))
_COUNTED = select(_LINES.c.line_hash, _LINES.c.pages).where(_LINES.c.site_id == _SITE, _LINES.c.line_hash.in_(_HASHES))
_COUNT = update(_LINES).where(_LINES.c.site_id == _SITE, _LINES.c.line_hash.in_(_HASHES)).values(
    pages=_LINES.c.pages + 1)
_HOLDING = select(_PAGE_LINES.c.article_id).where(
    _PAGE_LINES.c.site_id == _SITE, _PAGE_LINES.c.line_hash.in_(_HASHES)).distinct()
_DELETE_PAGE_LINES = _PAGE_LINES.delete().where(_PAGE_LINES.c.article_id == bindparam("b_article"))


def known_chrome(session: Session, site_id: int, hashes: list[int], min_pages: tuple[int, int]) -> set[int]:
    """Which of ``hashes`` are learned chrome lines of the site."""
    if not hashes:
        return set()
    rows = fastsql.rows(session.connection(), _KNOWN, {"b_site": site_id, "hashes": hashes, "min_pages": min(min_pages)})
    return {h for h, pages, line in rows if is_chrome(pages, line, min_pages)}


def count_page(session: Session, site_id: int, lines: dict[int, str], min_pages: tuple[int, int]) -> list[int]:
    """Count one more page for each line; return the hashes of the lines that just became chrome."""
    if not lines:
        return []
    connection = session.connection()
    existing = dict(fastsql.rows(connection, _COUNTED, {"b_site": site_id, "hashes": list(lines)}))
    new_rows = [{"site_id": site_id, "line_hash": h, "pages": 1, "line": line[:2000]}
                for h, line in lines.items() if h not in existing]
    insert_rows(session, _LINES, new_rows)
    if existing:
        fastsql.execute(connection, _COUNT, {"b_site": site_id, "hashes": list(existing)})
    return [h for h, pages in existing.items()
            if is_chrome(pages + 1, lines[h], min_pages) and not is_chrome(pages, lines[h], min_pages)]


def write_page_lines(session: Session, article_id: int, site_id: int, hashes: Iterable[int], *,
                     replace: bool = True) -> None:
    """Record the distinct lines (``lines.page_lines`` hashes) of an article's raw text, in place of
    those it had (``replace=False``: a new article, it has none yet)."""
    connection = session.connection()
    if replace:
        fastsql.execute(connection, _DELETE_PAGE_LINES, {"b_article": article_id})
    insert_rows(session, _PAGE_LINES, [{"article_id": article_id, "line_hash": h, "site_id": site_id} for h in hashes])


def pages_with_lines(session: Session, site_id: int, hashes: Iterable[int]) -> set[int]:
    """Ids of the site's articles whose extracted text holds one of the lines (by hash): an index
    probe of ``article_line`` per line."""
    hashes = list(hashes)
    if not hashes:
        return set()
    return set(fastsql.scalars(session.connection(), _HOLDING, {"b_site": site_id, "hashes": hashes}))


def pages_with_line(session: Session, site_id: int, line: str, exclude: int | None = None) -> list[int]:
    """Ids of the site's articles whose extracted text holds ``line`` (a line of the same words,
    as ``lines.line_hash`` reads them), in id order."""
    h = line_hash(line)
    if h is None:
        return []
    return [i for i in sorted(pages_with_lines(session, site_id, [h])) if i != exclude]
