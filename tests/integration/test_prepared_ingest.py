"""The crawl's fast path equals the reference path: an article prepared in an extraction worker
(lines, word count, fingerprint computed beside extraction) is archived exactly as the same article
extracted and fingerprinted by the writer, on a real SQLite file and the real PostgreSQL."""

from __future__ import annotations

import pickle
from dataclasses import replace

import pytest
from sqlalchemy import create_engine, select

from archive import Archive, Article
from archive.extraction.article import Skipped
from archive.config import FingerprintParams
from archive.extraction.extract import PreparedPage, extract, extract_prepared
from archive.neardup.fingerprint import fingerprint, prepare
from archive.storage.models import Article as ArticleRow
from archive.storage.models import Cluster, LeadKey, LshBand, Site, SiteLine
from archive.neardup.normalize import words
from benchmarks.webgen import SITES, generate_web

ORIGINS = {i: f"http://127.0.0.{121 + i}:9" for i in range(SITES)}


@pytest.fixture(scope="module")
def web_pages():
    """Article pages of a generated web (mirrors, excerpts, look-alikes, site chrome), in crawl order."""
    web = generate_web(50, ORIGINS)
    bodies = {web.origins[site] + key: res.body for (site, key), res in web.files.items()}
    return [(url, bodies[url]) for url in web.articles]


@pytest.fixture(scope="module")
def extracted(web_pages):
    """The pages' articles extracted as the writer would get them (plain) and as the crawl's
    workers hand them over (prepared)."""
    plain = [extract(body, url) for url, body in web_pages]
    fast = [extract_prepared(body, url, FingerprintParams()) for url, body in web_pages]
    return [a for a in plain if not isinstance(a, Skipped)], [a for a in fast if not isinstance(a, Skipped)]


def _snapshot(db_url: str) -> dict:
    """Every row the ingest writes that the fast path could change, in a comparable form."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            articles = conn.execute(select(ArticleRow.url, ArticleRow.text, ArticleRow.raw_text, ArticleRow.text_hash,
                                           ArticleRow.signature, ArticleRow.shingle_count, ArticleRow.cluster_id,
                                           ArticleRow.role, ArticleRow.similarity, ArticleRow.is_excerpt,
                                           ArticleRow.site_id).order_by(ArticleRow.id)).all()
            bands = conn.execute(select(LshBand.article_id, LshBand.band, LshBand.bucket)
                                 .order_by(LshBand.article_id, LshBand.band)).all()
            leads = conn.execute(select(LeadKey.article_id, LeadKey.key).order_by(LeadKey.article_id, LeadKey.key)).all()
            lines = conn.execute(select(SiteLine.site_id, SiteLine.line_hash, SiteLine.pages)
                                 .order_by(SiteLine.site_id, SiteLine.line_hash)).all()
            sites = conn.execute(select(Site.id, Site.host, Site.name).order_by(Site.id)).all()
    finally:
        engine.dispose()
    return {"articles": [tuple(r) for r in articles], "bands": bands, "leads": leads, "lines": lines, "sites": sites}


def _ingest_all(db_url: str, articles: list[Article | PreparedPage]) -> list[tuple]:
    """Ingest articles as a notebook does, or prepared pages as the crawl's writer does."""
    def ingest(archive: Archive, a: Article | PreparedPage):
        if isinstance(a, PreparedPage):
            return archive.ingest_article(a.article, found_via="link", prepared=a.prepared)
        return archive.ingest_article(a, found_via="link")

    with Archive(db_url) as archive:
        return [(r.status, r.article_id, r.cluster_id, r.similarity, r.exact)
                for r in (ingest(archive, a) for a in articles)]


def test_prepared_fingerprint_equals_the_writers(extracted):
    params = FingerprintParams()
    plain, fast = extracted
    assert len(plain) == len(fast) > 40
    for reference_article, page in zip(plain, fast):
        article, prepared = page.article, page.prepared
        reference = fingerprint(article.text, params)
        assert prepared.fingerprint.text_hash == reference.text_hash
        assert prepared.fingerprint.signature_bytes() == reference.signature_bytes()
        assert prepared.fingerprint.shingle_count == reference.shingle_count
        assert prepared.word_count == len(words(article.text))
        assert {f: getattr(reference_article, f) for f in Article.__dataclass_fields__} == \
               {f: getattr(article, f) for f in Article.__dataclass_fields__}


def test_prepared_article_survives_the_trip_to_and_from_a_worker(web_pages):
    url, body = web_pages[0]
    page = extract_prepared(body, url, FingerprintParams())
    back = pickle.loads(pickle.dumps(page))
    assert isinstance(back, PreparedPage) and back.article == page.article
    assert back.prepared.fingerprint.signature_bytes() == page.prepared.fingerprint.signature_bytes()


def test_fast_path_archives_exactly_what_the_reference_path_does(extracted, db_url, tmp_path):
    """Same statuses, clusters, texts, signatures, band and lead rows and learned chrome lines,
    including pages whose learned chrome is stripped (their fingerprint is computed again)."""
    plain, fast = extracted
    reference_url = f"sqlite:///{tmp_path}/reference.db"
    assert _ingest_all(db_url, fast) == _ingest_all(reference_url, plain)
    got, want = _snapshot(db_url), _snapshot(reference_url)
    assert got["articles"] == want["articles"]
    assert any(text != raw for _, text, raw, *_ in got["articles"])      # learned chrome was stripped
    for table in ("bands", "leads", "lines", "sites"):
        assert got[table] == want[table], table


def test_a_preparation_that_does_not_fit_is_not_used(tmp_path):
    """A prepared value made for another text or other fingerprint parameters is ignored: the
    writer fingerprints the article's own text."""
    text = " ".join(f"word{i}" for i in range(60))
    other = " ".join(f"other{i}" for i in range(60))
    base = Article(url="http://a.test/news/one-story-here", text=text)
    stale = PreparedPage(base, prepare(other, FingerprintParams()))
    foreign = PreparedPage(base, prepare(text, FingerprintParams(num_perm=64)))
    rows = []
    for n, article in enumerate((base, stale, foreign)):
        url = f"sqlite:///{tmp_path}/{n}.db"
        _ingest_all(url, [article])
        rows.append(_snapshot(url)["articles"])
    assert rows[0] == rows[1] == rows[2]


def test_site_ids_are_remembered_and_a_later_name_is_kept(tmp_path):
    url = f"sqlite:///{tmp_path}/sites.db"
    def body(seed: str) -> str:
        return "\n".join(" ".join(f"{seed}w{i}x{j}" for j in range(12)) for i in range(4))

    with Archive(url) as archive:
        first = archive.ingest_article(Article(url="http://a.test/news/first-story-here", text=body("a")))
        second = archive.ingest_article(Article(url="http://a.test/news/second-story-here", text=body("b"),
                                                sitename="A Test Daily"))
        third = archive.ingest_article(Article(url="http://a.test/news/third-story-here", text=body("c"),
                                               sitename="Another Name"))
        fourth = archive.ingest_article(Article(url="http://b.test/news/fourth-story-here", text=body("d")))
    assert all(r.article_id for r in (first, second, third, fourth))
    snapshot = _snapshot(url)
    assert [(host, name) for _, host, name in snapshot["sites"]] == [("a.test", "A Test Daily"), ("b.test", None)]
    site_ids = [row[-1] for row in snapshot["articles"]]
    assert site_ids[:3] == [snapshot["sites"][0][0]] * 3 and site_ids[3] == snapshot["sites"][1][0]


def _clusters(db_url: str) -> list[tuple]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(select(Cluster.id, Cluster.size, Cluster.canonical_id, Cluster.origin,
                                                          Cluster.origin_url, Cluster.merged_into).order_by(Cluster.id))]
    finally:
        engine.dispose()


def _refresh_every_cluster(db_url: str) -> None:
    """Describe every live cluster again through the reference path (``refresh_cluster``, which
    reads the members back), in one committed transaction."""
    from sqlalchemy.orm import Session

    from archive.storage.placement import refresh_cluster

    engine = create_engine(db_url)
    try:
        with Session(engine) as session, session.begin():
            for cluster_id in session.scalars(select(Cluster.id).where(Cluster.merged_into.is_(None)).order_by(Cluster.id)):
                refresh_cluster(session, cluster_id)
    finally:
        engine.dispose()


def test_a_new_article_alone_gets_what_refresh_cluster_would_write(extracted, db_url):
    """A new article with no match has its cluster written while it is placed (no read back of
    the members): refresh_cluster run afterwards on every cluster changes no article and no cluster."""
    _, fast = extracted
    lone = Article(url="http://c.test/news/a-story-told-once", text="\n".join(
        " ".join(f"lone{i}x{j}" for j in range(15)) for i in range(5)), credits=("Harbour Review",),
        canonical_url="http://harbour.test/news/original-story")
    articles = [replace(fast[0].article, sitename=None), *fast[1:], lone]
    _ingest_all(db_url, articles)
    shortcut_articles, shortcut_clusters = _snapshot(db_url)["articles"], _clusters(db_url)
    _refresh_every_cluster(db_url)
    assert _snapshot(db_url)["articles"] == shortcut_articles
    assert _clusters(db_url) == shortcut_clusters
    got = shortcut_clusters
    assert got[-1][1:2] + got[-1][3:5] == (1, "Harbour Review", "http://harbour.test/news/original-story")
    assert sum(1 for row in got if row[1] == 1) > 10       # many clusters of one went through the shortcut
