"""The full-text search index's names (built by migrations 0005 and 0008; no model describes it)
and whether an archive's search ignores accents, which `newsarchive doctor` reports."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select, text

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

FTS_TABLE = "article_fts"              # SQLite: the FTS5 index of article title and text (migration 0005)
SEARCH_INDEX = "ix_article_search"     # PostgreSQL: the GIN index on the folded text (migration 0008)
SEARCH_FOLD = "newsarchive_fold"       # PostgreSQL: the SQL function that drops what FTS5 drops (0008)
SEARCH_CONFIG = "simple"               # PostgreSQL text search configuration: no stemming, any language
FOLD_PROBE = ("Ärvel café", "arvel cafe")  # a text and what folding makes of it, case aside


def has_fts(session: Session) -> bool:
    """Whether this SQLite archive has its FTS5 index (not when its SQLite was built without FTS5)."""
    found = session.execute(text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"),
                            {"name": FTS_TABLE}).first()
    return found is not None


def accent_problem(session: Session) -> str | None:
    """Why ``newsarchive search`` does not ignore accents in this archive, or None when it does:
    SQLite needs its FTS5 table (with ``remove_diacritics``), PostgreSQL a working fold function."""
    if session.get_bind().dialect.name == "sqlite":
        if not has_fts(session):
            return "this SQLite has no FTS5: search matches substrings, accents and all"
        sql = session.execute(text("SELECT sql FROM sqlite_master WHERE name = :name"), {"name": FTS_TABLE}).scalar()
        return None if "remove_diacritics" in (sql or "") else f"{FTS_TABLE} does not remove diacritics"
    folded = session.scalar(select(getattr(func, SEARCH_FOLD)(FOLD_PROBE[0])))
    if (folded or "").lower() == FOLD_PROBE[1]:
        return None
    encoding = session.execute(text("SHOW server_encoding")).scalar()
    return (f"this PostgreSQL database's encoding is {encoding}, not UTF8: search matches accented "
            "letters only as they are written")
