"""The archive's WARC records: each article and each earlier version keeps where its raw page is,
and an import's position is refused for a file that changed."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from archive import Archive
from archive.extraction.article import Article, ImportMark, IngestStatus, WarcRef
from archive.storage.warcstore import ChangedFile
from textgen import story


def _article(seed: int) -> Article:
    return Article(url="http://127.0.0.1/news/a", title="A", text="\n".join(story(seed)))


def test_every_version_keeps_its_raw_page(db_url):
    first = WarcRef("/w/one.warc.gz", 100, 50, "<urn:uuid:1>", "sha1:AAA")
    second = WarcRef("/w/two.warc.gz", 900, 60, "<urn:uuid:2>", "sha1:BBB")
    with Archive(db_url) as archive:
        archive.import_begin("/w/two.warc.gz", 2000, "sha1:first")
        assert archive.ingest_article(_article(1), warc=first).status is IngestStatus.NEW
        result = archive.ingest_article(_article(2), warc=second, progress=ImportMark("/w/two.warc.gz", 960, 7))
        assert result.status is IngestStatus.UPDATED
        assert archive.warc_location(result.article_id) == second
        assert archive.import_begin("/w/two.warc.gz", 2000, "sha1:first") == (960, 7, False)
        with pytest.raises(ChangedFile, match="changed since its import started"):
            archive.import_begin("/w/two.warc.gz", 2500, "sha1:first")
    engine = create_engine(db_url)
    with engine.connect() as conn:
        version = conn.execute(text("SELECT warc_file, warc_offset, warc_length, warc_record_id, warc_digest "
                                    "FROM article_version")).one()
    engine.dispose()
    assert tuple(version) == ("/w/one.warc.gz", 100, 50, "<urn:uuid:1>", "sha1:AAA")
