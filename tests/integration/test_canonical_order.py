"""Canonical, roles and credited origin in the archive for every arrival order of a story's pages."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import permutations

import archivecheck
from archive import Archive, Article
from textgen import story

T0 = datetime(2022, 3, 1, tzinfo=timezone.utc)
ORDERS = list(permutations(["original", "crediting", "pointing", "excerpt"]))


def pages(n: int) -> dict[str, Article]:
    """Story ``n`` as an original (whose page carries a late date), a copy crediting it, a copy
    whose rel=canonical points to it, and an aggregator's excerpt with the earliest date."""
    text = story(500 + n)
    original = f"http://orig.test/2022/03/story-number-{n}"
    return {
        "original": Article(url=original, text="\n".join(text), title="The story", sitename="Orig Daily",
                            canonical_url=original, published=T0 + timedelta(days=5)),
        "crediting": Article(url=f"http://wire.test/news/{n}", text="\n".join(text[:-2]), title="Another headline",
                             sitename="Valley Wire", credits=("Orig Daily",), published=T0 + timedelta(days=3)),
        "pointing": Article(url=f"http://blog.test/{n}", text="\n".join(text), title="The story", sitename="Notes",
                            canonical_url=original, published=T0 + timedelta(days=4)),
        "excerpt": Article(url=f"http://digest.test/{n}", text=text[0], title="The story", sitename="Digest",
                           credits=("Orig Daily",), is_excerpt=True, published=T0 + timedelta(days=1)),
    }


def test_every_arrival_order_ends_with_the_original_canonical_and_the_excerpt_an_excerpt(db_url):
    with Archive(db_url) as archive:
        for n, order in enumerate(ORDERS):
            story_pages = pages(n)
            cluster_id = None
            for step, name in enumerate(order):
                result = archive.ingest_article(story_pages[name], fetched_at=T0 + timedelta(days=10, hours=step))
                cluster_id = result.cluster_id
                detail = archive.show(cluster_id)
                roles = [m["role"] for m in detail["members"]]
                assert roles.count("canonical") == 1, (order, step)
                if len(roles) > 1 and "excerpt" in order[: step + 1]:
                    assert detail["canonical"]["url"] != story_pages["excerpt"].url, (order, step)
            detail = archive.show(cluster_id)
            roles = {m["url"]: m["role"] for m in detail["members"]}
            assert detail["size"] == 4, order
            assert detail["canonical"]["url"] == story_pages["original"].url, order
            assert roles[story_pages["excerpt"].url] == "excerpt", order
            assert {roles[story_pages[k].url] for k in ("crediting", "pointing")} == {"mirror"}, order
            assert detail["origin"] == "Orig Daily", order
        assert len(list(archivecheck.clusters(archive, min_size=4))) == len(ORDERS)
