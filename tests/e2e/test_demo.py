"""End to end: `newsarchive demo` serves its web, crawls it, prints each republished story once, and a rerun adds nothing."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from archive.demo.model import Role
from archive.demo.sitegen import SITE_IDS, generate

ROLES = ("canonical", "mirror", "excerpt")


def printed_clusters(out: str) -> list[dict[str, str]]:
    """The clusters the demo printed: one ``{url: role}`` per "Cluster N: ..." block."""
    blocks = []
    for block in out.split("\n\n"):
        lines = block.splitlines()
        if not lines or not lines[0].startswith("Cluster "):
            continue
        blocks.append({lines[i + 2].strip(): line.split()[0] for i, line in enumerate(lines)
                       if line.startswith("  ") and line.split()[0] in ROLES})
    return blocks


def truth_of(seeds: list[str]):
    """The ground truth of the demo web the run served, rebuilt from the seed URLs it recorded."""
    origins = {}
    for number, site_id in enumerate(SITE_IDS):
        host = f"127.0.0.{61 + number}"
        (origin,) = {f"http://{urlsplit(s).netloc}" for s in seeds if urlsplit(s).hostname == host}
        origins[site_id] = origin
    return generate(origins).truth


@pytest.fixture(scope="module")
def demo_runs(newsarchive, tmp_path_factory):
    """`newsarchive demo --db ...` run twice into one archive, then `runs --json`."""
    work = tmp_path_factory.mktemp("demo")
    db = f"sqlite:///{work / 'd.db'}"
    first = newsarchive("demo", "--db", db, cwd=work)
    assert first.code == 0, first.err[-3000:]
    second = newsarchive("demo", "--db", db, cwd=work)
    assert second.code == 0, second.err[-3000:]
    runs = newsarchive("runs", "--json", "--db", db, cwd=work)
    assert runs.code == 0, runs.err
    return first, second, runs.json()[::-1], work


def test_demo_prints_each_republished_story_as_one_cluster(demo_runs):
    first, _, (run, _), work = demo_runs
    truth = truth_of(run["seeds"])
    assert run["status"] == "ok" and run["stats"]["articles_new"] + run["stats"]["duplicates"] == len(truth.articles)
    stories = {a.url: a.story for a in truth.articles}
    copied = {a.story for a in truth.articles if a.role is Role.MIRROR}
    originals = {s.id: s.original_url for s in truth.stories}

    clusters = printed_clusters(first.out)
    assert first.out.splitlines()[0] == f"{len(copied)} stories with republished copies:"
    assert len(clusters) == len(copied)
    printed = {}
    for members in clusters:
        (story,) = {stories[url] for url in members}                      # no cluster mixes two stories
        printed[story] = members
    assert set(printed) == copied                                         # each copied story once
    for story, members in printed.items():
        assert [u for u, role in members.items() if role == "canonical"] == [originals[story]]
        mirrors = {a.url for a in truth.articles if a.story == story and a.role is Role.MIRROR}
        assert {u for u, role in members.items() if role == "mirror"} == mirrors
    assert "Traceback" not in first.err and f"crawling into sqlite:///{work / 'd.db'}" in first.err
    assert not (work / "newsarchive.db").exists()                         # --db was used, not the default


def test_demo_run_again_archives_nothing_new(demo_runs):
    first, second, (run1, run2), _ = demo_runs
    assert run2["seeds"] == run1["seeds"], "port 8760 was busy during one run: the demo web moved"
    stats = run2["stats"]
    assert run2["status"] == "ok"
    assert stats["articles_new"] == stats["duplicates"] == stats["articles_updated"] == 0
    # every archived article is either still fresh (not fetched again) or fetched and found unchanged
    fresh = stats["skipped"].get("fresh", 0)
    assert fresh > 0 and fresh + stats["articles_unchanged"] == run1["stats"]["articles_new"] + run1["stats"]["duplicates"]
    assert printed_clusters(second.out) == printed_clusters(first.out)


def test_demo_variety_serves_a_multilingual_web_and_prints_its_stories(newsarchive, tmp_path):
    """`newsarchive demo --variety SEED`: the multilingual web of that seed, crawled and clustered."""
    import re

    from archive.demo.variety import benchmark_mix, generate_variety, site_ids

    run = newsarchive("demo", "--variety", "7", "--db", f"sqlite:///{tmp_path / 'v.db'}", cwd=tmp_path)
    assert run.code == 0, run.err[-3000:]
    assert "serving 11 demo sites on loopback" in run.err
    clusters = printed_clusters(run.out)
    assert clusters and all(list(c.values()).count("canonical") == 1 for c in clusters)
    truth = generate_variety({sid: f"http://127.0.0.{150 + i}:8760" for i, sid in enumerate(site_ids(benchmark_mix()))},
                             seed=7, mix=benchmark_mix()).truth
    stories = {a.url.split(":8760", 1)[1]: a.story for a in truth.articles}
    for cluster in clusters:        # never two stories in one cluster (whatever the port the run got)
        assert all(urlsplit(url).path in stories for url in cluster), cluster
        assert len({stories[urlsplit(url).path] for url in cluster}) == 1, cluster
    assert re.search(r"[\u0400-\u04ff\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]", run.out)   # other scripts shown
