"""The Archive against a real SQLite file and the real PostgreSQL: clustering, versions, chrome."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, func, select, text

import archivecheck
from archive import Archive, Article, IngestStatus
from archive.config import ArchiveConfig, FingerprintParams
from archive.errors import ConfigMismatch, NotFound
from archive.storage.models import LshBand
from textgen import story

NGO_CHROME = ["top of page", "Grey Facebook Icon", "Grey Twitter Icon", "Follow Lantern Aid for more updates",
              "About Lantern Aid: a relief charity that has delivered water, food and shelter to families in "
              "need across three continents since it was founded by volunteers."]


HEAVY_CHROME = [
    "Lantern Aid works with local partners in every district we serve, and every donation goes to families "
    "who need clean water, warm shelter and food; our reports are published each quarter for our donors.",
    "Subscribe to the Lantern Aid letter to hear from our teams in the field, read the stories of the people "
    "we meet and learn how your support changes lives in villages, towns and cities around the world.",
]


def when(day: int) -> datetime:
    return datetime(2022, 3, day, 12, tzinfo=timezone.utc)


def page(url: str, paragraphs: list[str], **kw) -> Article:
    return Article(url=url, text="\n".join(paragraphs), **kw)


def ngo_page(url: str, paragraphs: list[str], **kw) -> Article:
    return page(url, NGO_CHROME[:4] + paragraphs + NGO_CHROME[4:], sitename="Lantern Aid", **kw)


@pytest.fixture
def archive(db_url):
    with Archive(db_url) as arch:
        yield arch


def test_copy_with_chrome_new_headline_and_cut_joins_the_original(archive):
    original = story(1)
    archive.ingest_article(page("http://news.test/a", original, title="Storm hits coast", sitename="Coast Times",
                                published=when(1)))
    mirror = ngo_page("http://ngo.test/post/a", original[:-2] + ["Editor's note: figures updated on Monday."],
                      title="A new headline", credits=("Coast Times",), published=when(3))
    result = archive.ingest_article(mirror)
    assert result.status is IngestStatus.DUPLICATE
    detail = archive.show(result.cluster_id)
    assert [m["url"] for m in detail["members"]] == ["http://news.test/a", "http://ngo.test/post/a"]
    assert detail["canonical"]["url"] == "http://news.test/a"
    assert detail["origin"] == "Coast Times"
    assert 0.5 < detail["members"][1]["similarity"] < 1.0


def test_different_short_stories_of_one_templated_site_never_cluster(archive):
    for i in range(4):
        archive.ingest_article(ngo_page(f"http://ngo.test/post/{i}", story(100 + i, paragraphs=3)))
    assert len({row["cluster_id"] for row in archivecheck.export_rows(archive)}) == 4
    # the template's lines were learned and removed from every page, the first ones included
    for row in archivecheck.export_rows(archive):
        assert "Grey Facebook Icon" not in row["text"]
        assert "Follow Lantern Aid" not in row["text"]
        assert "About Lantern Aid" not in row["text"]


def test_same_texts_cluster_when_chrome_is_not_learned_control(db_url):
    """Control: the same short pages with chrome learning disabled do share enough to look alike,
    so the test above has teeth."""
    config = ArchiveConfig(chrome_min_pages=10_000, chrome_min_pages_short=10_000)
    with Archive(db_url, config) as archive:
        for i in range(4):
            archive.ingest_article(ngo_page(f"http://ngo.test/post/{i}", story(100 + i, paragraphs=1,
                                                                               words_per_paragraph=25) + HEAVY_CHROME))
        rows = list(archivecheck.export_rows(archive))
    assert all("Grey Facebook Icon" in row["text"] for row in rows)
    assert len({row["cluster_id"] for row in rows}) < 4


def test_very_short_stories_of_one_templated_site_never_cluster(archive):
    """The first pages look alike until the template is learned; then they are cleaned again
    and placed again, each in a cluster of its own."""
    for i in range(4):
        archive.ingest_article(ngo_page(f"http://ngo.test/post/{i}", story(100 + i, paragraphs=1,
                                                                          words_per_paragraph=25) + HEAVY_CHROME))
    rows = list(archivecheck.export_rows(archive))
    assert len({row["cluster_id"] for row in rows}) == 4
    assert not any("Lantern Aid" in row["text"] for row in rows)


def test_exact_copy_is_recognised_by_its_text_hash(archive):
    text = story(7)
    first = archive.ingest_article(page("http://one.test/x", text, published=when(2)))
    second = archive.ingest_article(page("http://two.test/y", [p.replace("'", "\u2019") for p in text]))
    assert second.exact and second.cluster_id == first.cluster_id


def test_earliest_and_pointed_to_member_is_canonical_whatever_the_order(archive):
    original = story(3)
    m1 = archive.ingest_article(page("http://m1.test/c", original[:-1], canonical_url="http://orig.test/story",
                                     published=when(5)))
    m2 = archive.ingest_article(page("http://m2.test/c", original + ["Source: Orig Daily"], published=when(4),
                                     credits=("Orig Daily",)))
    assert archive.show(m1.cluster_id)["canonical"]["url"] == "http://m2.test/c"
    late = archive.ingest_article(page("http://orig.test/story", original, sitename="Orig Daily", published=when(6)))
    detail = archive.show(late.cluster_id)
    assert detail["size"] == 3
    assert detail["canonical"]["url"] == "http://orig.test/story"
    assert sum(m["role"] == "canonical" for m in detail["members"]) == 1
    assert m2.cluster_id == late.cluster_id


def test_two_different_stories_stay_apart(archive):
    a = archive.ingest_article(page("http://a.test/1", story(11)))
    b = archive.ingest_article(page("http://a.test/2", story(12)))
    assert a.cluster_id != b.cluster_id
    assert a.status is b.status is IngestStatus.NEW


def test_same_url_again_is_unchanged_or_a_new_version(archive):
    text = story(21)
    first = archive.ingest_article(page("http://a.test/v?utm_source=x", text))
    again = archive.ingest_article(page("http://a.test/v", text))
    assert again.status is IngestStatus.UNCHANGED and again.article_id == first.article_id
    edited = archive.ingest_article(page("http://a.test/v/", text[:-1] + ["A correction was added."]))
    assert edited.status is IngestStatus.UPDATED and edited.article_id == first.article_id
    detail = archive.show(edited.cluster_id)
    assert detail["size"] == 1 and detail["members"][0]["role"] == "canonical"


def test_every_article_has_its_band_rows(archive, db_url):
    for i in range(5):
        archive.ingest_article(page(f"http://a.test/{i}", story(30 + i)))
    engine = create_engine(db_url)
    with engine.connect() as conn:
        bands = conn.scalar(select(func.count()).select_from(LshBand))
        views = conn.execute(text("SELECT count(*) FROM cluster_member")).scalar()
    engine.dispose()
    assert bands == 5 * 25
    assert views == 5


def test_unknown_cluster_is_not_found(archive):
    with pytest.raises(NotFound, match="^no cluster 999$"):
        archive.show(999)


def test_opening_with_other_fingerprint_parameters_is_refused(db_url):
    Archive(db_url).close()
    with pytest.raises(ConfigMismatch, match="num_perm=128.*num_perm=64"):
        Archive(db_url, ArchiveConfig(fingerprint=FingerprintParams(num_perm=64)))
