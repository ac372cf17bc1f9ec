"""The analyst commands and views on an archive built by crawling a generated local news web,
on SQLite and PostgreSQL: what they say must agree with what the web holds (which stories were
copied, by whom, from whom)."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from conftest import _pg_schema, needs_pg
from storyweb import Served, build

HOSTS = ["127.0.0.86", "127.0.0.87", "127.0.0.88"]
SETTINGS = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "NEWSARCHIVE_WORKERS=1")


@pytest.fixture(scope="module")
def web():
    with Served(build(HOSTS, stories=12)) as served:
        yield served


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=needs_pg)])
def crawled(request, web, newsarchive, tmp_path_factory):
    """(db_url, working folder) of an archive made by `newsarchive crawl` of the web."""
    folder = tmp_path_factory.mktemp("crawled")
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            db_url = f"sqlite:///{folder / 'archive.db'}"
        else:          # a schema of its own: the session's shared one holds other tests' crawls
            db_url = stack.enter_context(_pg_schema(request.getfixturevalue("pg_database")))
        result = newsarchive("crawl", *web.seeds, "--db", db_url, *SETTINGS, cwd=folder)
        assert result.code == 0, result.err[-2000:]
        yield db_url, folder


def _json(newsarchive, crawled, *args: str):
    db_url, folder = crawled
    result = newsarchive(*args, "--json", "--db", db_url, cwd=folder)
    assert result.code == 0, result.err[-2000:]
    return json.loads(result.out)


def _truth(web) -> dict[str, tuple[str, set[str], str]]:
    """Copied story's original URL -> (original publisher, copies' URLs, title words)."""
    truth = {}
    for number, copies in web.copies.items():
        if len(copies) > 1:
            (home, path), *others = copies
            truth[web.url(home, path)] = (web.sites[home].name, {web.url(s, p) for s, p in others}, f"Story {number}")
    return truth


def test_clusters_show_and_export_follow_the_web(web, newsarchive, crawled):
    truth = _truth(web)
    clusters = _json(newsarchive, crawled, "clusters", "--min-size", "2")
    assert {c["canonical_url"] for c in clusters} == set(truth)
    assert {c["size"] for c in clusters} == {3}
    for cluster in clusters:
        publisher, copies, _ = truth[cluster["canonical_url"]]
        shown = _json(newsarchive, crawled, "show", str(cluster["id"]))
        assert shown["canonical"]["url"] == cluster["canonical_url"]
        assert {m["url"] for m in shown["members"] if m["role"] != "canonical"} == copies
        assert shown["origin"] == publisher
    db_url, folder = crawled
    exported = newsarchive("export", "--format", "jsonl", "--db", db_url, cwd=folder)
    rows = [json.loads(line) for line in exported.out.splitlines()]
    assert {r["url"] for r in rows} == web.article_urls()
    assert {r["url"] for r in rows if r["is_canonical"] and r["url"] in truth} == set(truth)


def test_stats_sources_and_views_agree_with_the_web(web, newsarchive, crawled):
    truth = _truth(web)
    stats = _json(newsarchive, crawled, "stats")
    assert stats["articles"] == len(web.article_urls())
    assert stats["clusters_with_copies"] == len(truth)
    assert stats["copies"] == sum(len(copies) for _, copies, _ in truth.values())
    expected_pairs: dict[tuple[str, str], int] = {}
    for original, (publisher, copies, _) in truth.items():
        for copy in copies:
            site = next(s.name for s in web.sites if copy.startswith(s.url))
            expected_pairs[(publisher, site)] = expected_pairs.get((publisher, site), 0) + 1
    sources = _json(newsarchive, crawled, "sources")
    assert {(r["origin"], r["republisher"]): r["stories"] for r in sources} == expected_pairs
    db_url, _ = crawled
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM cluster_members")).scalar() == len(web.article_urls())
            syndication = {(o, s): n for o, s, n in conn.execute(
                text("SELECT origin_publisher, republisher, stories FROM syndication"))}
    finally:
        engine.dispose()
    assert syndication == expected_pairs


def test_search_and_report_find_the_copied_stories(web, newsarchive, crawled, tmp_path):
    truth = _truth(web)
    original, (_, copies, title) = sorted(truth.items())[0]
    hits = _json(newsarchive, crawled, "search", title)
    assert {original, *copies} <= {h["url"] for h in hits}
    assert len({h["cluster_id"] for h in hits if h["url"] in {original, *copies}}) == 1
    db_url, folder = crawled
    report = tmp_path / "report.html"
    result = newsarchive("report", "-o", str(report), "--top", str(len(truth)), "--db", db_url, cwd=folder)
    assert result.code == 0, result.err[-2000:]
    page = report.read_text(encoding="utf-8")
    assert all(title_words in page for _, _, title_words in truth.values())
    assert Path(report).stat().st_size > 5000


def test_every_sql_example_of_the_analyst_doc_runs_on_the_crawled_archive(crawled):
    from test_analyst_docs import run_examples

    ran, with_rows, failed = run_examples(crawled[0])
    assert not [f for f in failed if "returned no rows" not in f], "\n".join(failed)
    # Some examples name the publishers of the doc's own small archive; most find rows here too.
    assert ran >= 10 and with_rows >= ran // 2
