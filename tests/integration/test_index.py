"""The band index's fast paths against their plain equivalents: batched band writes, ranked candidate lookup."""

from __future__ import annotations

from collections import Counter

import numpy as np
from sqlalchemy import select

from archive import Archive
from archive.storage.index import Banding, candidates, write_bands
from archive.storage.models import Article, LshBand


def _archive_with_articles(url: str, count: int) -> Archive:
    archive = Archive(url)
    with archive._sessions.begin() as session:
        from archive.storage.models import Site
        site = Site(host="bench.test", name="Bench")
        session.add(site)
        session.flush()
        for n in range(count):
            session.add(Article(url_key=f"bench.test/{n}", url=f"http://bench.test/{n}", site_id=site.id, text="t",
                                raw_text="t", text_hash=f"{n:064x}", signature=b"", shingle_count=1))
    return archive


def _band_rows(session) -> list[tuple[int, int, int]]:
    return sorted(tuple(row) for row in session.execute(select(LshBand.article_id, LshBand.band, LshBand.bucket)))


def _keys(rng: np.random.Generator, banding: Banding) -> list[tuple[int, int]]:
    return banding.keys(rng.integers(0, 2 ** 32, size=128, dtype=np.uint32))


def test_batched_band_writes_equal_single_writes(db_url):
    archive = _archive_with_articles(db_url, 3)
    banding = Banding(archive.config.fingerprint)
    keys = {n: _keys(np.random.default_rng(n), banding) for n in (1, 2, 3)}
    with archive._sessions.begin() as session:
        for n in (1, 2):
            write_bands(session, n, keys[n])
        batched = _band_rows(session)
        session.rollback()
    with archive._sessions.begin() as session:
        for n in (1, 2):
            for band, bucket in keys[n]:
                session.add(LshBand(article_id=n, band=band, bucket=bucket))
        session.flush()
        single = _band_rows(session)
    archive.close()
    assert batched == single
    assert len(batched) == 2 * banding.b


def test_candidates_rank_like_a_count_over_all_rows(db_url):
    archive = _archive_with_articles(db_url, 30)
    banding = Banding(archive.config.fingerprint)
    rng = np.random.default_rng(7)
    query = _keys(rng, banding)
    stored: dict[int, list[tuple[int, int]]] = {}
    for n in range(1, 31):
        own = _keys(rng, banding)
        shared = n % 6               # articles share 0..5 of the query's bands
        stored[n] = [query[b] if b < shared else own[b] for b in range(banding.b)]
    with archive._sessions.begin() as session:
        for n, keys in stored.items():
            write_bands(session, n, keys)
    with archive._sessions() as session:
        found = candidates(session, query, exclude=5, limit=8)
        everything = candidates(session, query, limit=100)
    archive.close()
    hits = Counter(n for n, keys in stored.items() for k in keys if k in set(query))
    expected = sorted((n for n in hits if n != 5), key=lambda n: (-hits[n], n))
    assert found == expected[:8]
    assert 5 not in found and 5 in everything
    assert sorted(everything) == sorted(hits)          # no article without a shared band
