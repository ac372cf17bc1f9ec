"""Stories in Japanese, Chinese and Korean in the archive, on SQLite and PostgreSQL: archived (not
"too short"), copies joined, other stories kept apart; an archive fingerprinted before Chinese and
Japanese characters were tokens of their own is moved on only when it holds no such text."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, text

from archive import Archive, IngestStatus
from archive.errors import ConfigMismatch
from pages import news_page
from textgen import cjk_story, story

T0 = datetime(2024, 5, 1, 9, tzinfo=timezone.utc)


def ingest(archive: Archive, url: str, paragraphs: list[str], language: str, site: str):
    html = news_page(site=site, title="見出し", paragraphs=paragraphs, published=T0, lang=language)
    return archive.ingest(html, url=url, fetched_at=T0)


@pytest.mark.parametrize("language", ["ja", "zh", "ko"])
def test_copies_in_any_script_join_their_story_and_other_stories_do_not(db_url, language):
    with Archive(db_url) as archive:
        first = ingest(archive, "http://east.test/2024/05/01/10001", cjk_story(31, language, 5, 3), language, "East")
        cut = ingest(archive, "http://west.test/news/20001", cjk_story(31, language, 5, 3)[:4], language, "West")
        other = ingest(archive, "http://west.test/news/20002", cjk_story(32, language, 5, 3), language, "West")
    assert first.status is IngestStatus.NEW
    assert cut.status is IngestStatus.DUPLICATE and cut.cluster_id == first.cluster_id
    assert other.status is IngestStatus.NEW and other.cluster_id != first.cluster_id


def _record_normalizer_1(db_url: str) -> None:
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE meta SET value = '1' WHERE key = 'normalizer_version'"))
    engine.dispose()


def test_an_archive_of_latin_texts_from_normalizer_1_is_moved_on(db_url):
    with Archive(db_url) as archive:
        ingest(archive, "http://east.test/2024/05/01/10001", story(41), "en", "East")
    _record_normalizer_1(db_url)
    with Archive(db_url) as archive:
        again = ingest(archive, "http://west.test/news/20001", story(41), "en", "West")
    assert again.status is IngestStatus.DUPLICATE


def test_an_archive_with_japanese_texts_from_normalizer_1_is_refused(db_url):
    with Archive(db_url) as archive:
        ingest(archive, "http://east.test/2024/05/01/10001", cjk_story(41, "ja"), "ja", "East")
    _record_normalizer_1(db_url)
    with pytest.raises(ConfigMismatch, match="normalizer_version=1"):
        Archive(db_url)
