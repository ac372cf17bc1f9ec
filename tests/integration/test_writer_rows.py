"""The writer's statements leave exactly the rows the ORM-based writer left (recorded in
tests/data/writer_rows.json.gz by tests/writerrows.py), on a real SQLite file and the real
PostgreSQL; ``article_line`` finds the pages a LIKE scan of the site's texts found; migration 0009
fills it for an archive made before it, and goes down again."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine, select

import writerrows
from archive import Archive
from archive.storage import chrome
from archive.storage.models import Article, SiteLine
from archive.storage.store import _alembic_config


@pytest.fixture(scope="module")
def golden():
    return writerrows.load()


def test_ingest_leaves_the_recorded_rows(db_url, golden):
    with Archive(db_url) as archive:
        results = writerrows.run(archive, golden["inputs"])
    assert results == golden["results"]
    tables = writerrows.snapshot(db_url)
    for table, rows in golden["tables"].items():
        assert tables[table] == rows, table


def _like_scan(session, site_id: int, line: str) -> list[int]:
    """What ``chrome.pages_with_line`` was: a LIKE scan of the site's extracted texts."""
    pattern = "%" + line.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    query = select(Article.id).where(Article.site_id == site_id, Article.raw_text.like(pattern, escape="\\"))
    return sorted(session.scalars(query))


def test_line_index_finds_what_the_scan_found(db_url, golden):
    with Archive(db_url) as archive:
        writerrows.run(archive, golden["inputs"][:40])
        with archive.reader() as session:
            lines = session.execute(select(SiteLine.site_id, SiteLine.line).order_by(SiteLine.site_id,
                                                                                   SiteLine.line_hash)).all()
            assert len(lines) > 200
            for site_id, line in lines:
                assert chrome.pages_with_line(session, site_id, line) == _like_scan(session, site_id, line), line


def _migrate(url: str, revision: str, up: bool = True) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            cfg = _alembic_config()
            cfg.attributes["connection"] = connection
            (command.upgrade if up else command.downgrade)(cfg, revision)
    finally:
        engine.dispose()


def test_migration_fills_article_lines_of_an_older_archive_and_goes_down(db_url, golden):
    with Archive(db_url) as archive:
        writerrows.run(archive, golden["inputs"][:30])
    before = writerrows.snapshot(db_url)["article_line"]
    assert len(before) > 100
    _migrate(db_url, "0008", up=False)
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert "article_line" not in conn.dialect.get_table_names(conn)
    engine.dispose()
    _migrate(db_url, "head")
    assert writerrows.snapshot(db_url)["article_line"] == before
