"""Partial copies, on SQLite and PostgreSQL: a copy of two thirds of a story's paragraphs whose
original begins with a summary box the copy left out joins its story (through the lead keys taken
from several paragraphs, verified on the texts), and a page sharing those paragraphs' openings
but not the story does not."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from archive import Archive, IngestStatus
from archive.neardup.fingerprint import fingerprint, jaccard
from archive.config import FingerprintParams
from archive.storage.index import Banding
from pages import news_page
from textgen import paragraph, story

T0 = datetime(2024, 3, 1, 9, tzinfo=timezone.utc)
BODY = story(101, paragraphs=38, words_per_paragraph=40)
SUMMARY = [paragraph(random.Random(1010 + n), 16) for n in range(4)]      # the original's summary box


def ingest(archive: Archive, url: str, paragraphs: list[str], site: str, hours: float):
    html = news_page(site=site, title="Harbour budget approved", paragraphs=paragraphs, published=T0 + timedelta(hours=hours))
    return archive.ingest(html, url=url, fetched_at=T0 + timedelta(hours=hours))


@pytest.mark.parametrize("original_first", [True, False])
def test_a_copy_of_two_thirds_without_the_summary_box_joins_its_story(db_url, original_first):
    copy_text = BODY[:25]
    sig = [fingerprint("\n".join(t), FingerprintParams()).signature for t in (SUMMARY + BODY, copy_text)]
    assert 0.5 < jaccard(*sig) < 0.65                 # about what a two-thirds copy shares ...
    banding = Banding(FingerprintParams())
    assert not set(banding.keys(sig[0])) & set(banding.keys(sig[1]))      # ... and, as it happens, no LSH band
    order = [("http://coast.test/2024/03/01/harbour-budget-approved", SUMMARY + BODY, "Coast Times", 0),
             ("http://wire.test/news/harbour-budget-approved-5001", copy_text, "Valley Wire", 2)]
    with Archive(db_url) as archive:
        results = [ingest(archive, *page) for page in (order if original_first else order[::-1])]
        other = ingest(archive, "http://other.test/news/another-budget-5002",
                       BODY[:3] + story(62, paragraphs=30, words_per_paragraph=40), "Other Paper", 3)
    assert results[1].status is IngestStatus.DUPLICATE and results[1].cluster_id == results[0].cluster_id
    assert other.cluster_id != results[0].cluster_id
