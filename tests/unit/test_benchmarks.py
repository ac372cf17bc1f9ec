"""The benchmarks' pure helpers and their generated web (the timings themselves are never asserted)."""

from __future__ import annotations

import pytest

import archivecheck
from benchmarks.procs import logstats_pages, percentile, summary_pages
from benchmarks.webgen import SITES, generate_web


def test_percentile_and_log_parsing():
    assert percentile(list(range(1, 101)), 99) == 99
    assert percentile([5.0], 50) == 5.0
    line = "2024-01-01 [scrapy.extensions.logstats] INFO: Crawled 120 pages (at 60 pages/min), scraped 3 items"
    assert logstats_pages(line) == 120
    assert logstats_pages("INFO: Spider opened") is None
    assert summary_pages("523 pages fetched, 400 new articles, ...") == 523


def test_generated_web_has_the_pages_asked_for_with_copies():
    origins = {i: f"http://127.0.0.{121 + i}:9" for i in range(SITES)}
    web = generate_web(60, origins)
    assert len(web.articles) == len(set(web.articles)) == 60
    pages = {origins[site] + key: res.body for (site, key), res in web.files.items()}
    assert all(url in pages for url in web.articles)
    bodies = [pages[url] for url in web.articles]
    assert sum(b"originally published by" in body for body in bodies) >= 5          # mirrors
    assert all(b"most-read" in body for body in bodies)                            # site chrome
    assert generate_web(60, origins).files == web.files                           # deterministic


def test_scale_fill_makes_an_archive_the_real_path_reads_and_extends(db_url):
    """The bulk fill writes what ingest would (band rows the lookup finds, lead keys, clusters,
    site lines, frontier rows), fills on from what is there, and the archive still ingests."""
    import numpy as np
    from sqlalchemy import func, select

    from archive import Archive
    from archive.storage.index import Banding, candidates
    from archive.storage.models import Article, Frontier, LeadKey, LshBand, SiteLine
    from benchmarks.scale import LEADS, fill, probe

    assert fill(db_url, 300)[0] == 300
    assert fill(db_url, 450)[0] == 450
    archive = Archive(db_url)
    banding = Banding(archive.config.fingerprint)
    with archive._sessions() as session:   # noqa: SLF001
        count = lambda model: session.scalar(select(func.count()).select_from(model))  # noqa: E731
        assert count(LshBand) == 450 * banding.b
        assert count(LeadKey) == 450 * LEADS
        assert count(Frontier) == 450
        assert count(SiteLine) >= 450 * 7
        stored = session.get(Article, 377)
        assert 1500 < len(stored.text) < 6000 and stored.cluster_id == 377
        assert candidates(session, banding.keys(np.frombuffer(stored.signature, dtype="<u4")))[0] == 377
    counts = archivecheck.stats(archive)
    assert {k: counts[k] for k in ("articles", "sites", "clusters", "clusters_with_copies")} == {
        "articles": 450, "sites": 200, "clusters": 450, "clusters_with_copies": 0}
    archive.close()
    result = probe(db_url, 6, 8, run=1, launched=0.0)
    assert len(result["ingest_ms"]) == 6 and len(result["lookup_ms"]) == 8
    assert result["statuses"] == {"new": 3, "duplicate": 3}


def test_memory_checkpoints_pick_the_first_sample_past_each_mark():
    from benchmarks.memory import checkpoints

    samples = [(500, 100 * 1024, 300 * 1024), (2100, 110 * 1024, 320 * 1024), (9000, 111 * 1024, 330 * 1024)]
    points = checkpoints(samples, [2000, 5000, 20000])
    assert [p["pages"] for p in points] == [2100, 9000, 9000]
    assert points[0]["rss_main_mb"] == 110.0 and points[1]["rss_tree_mb"] == 330.0
    assert checkpoints([], [10]) == [{"mark": 10, "pages": 0, "rss_main_mb": 0.0, "rss_tree_mb": 0.0}]


def test_generated_article_pages_weigh_what_real_ones_do_and_their_chrome_links_resolve():
    """Article pages of 60-200 KB (scripts, styles, menus, related stories, comments, footers),
    whose menu, footer and related links all lead to pages of the web (the crawl fetches no 404s)."""
    import statistics
    from urllib.parse import urljoin

    import lxml.html

    from archive.demo.assemble import page_key
    from archive.extraction.urls import host_of

    origins = {i: f"http://127.0.0.{121 + i}:9" for i in range(SITES)}
    web = generate_web(80, origins)
    pages = {origins[site] + key: res.body for (site, key), res in web.files.items()}
    sizes = [len(pages[url]) for url in web.articles]
    assert 60_000 <= statistics.median(sizes) and 50_000 <= min(sizes) and max(sizes) <= 200_000
    by_host = {host_of(origin): site for site, origin in origins.items()}
    chrome = ("//div[@class='mega-menu']//a/@href | //div[@class='footer-col']//a/@href"
              " | //aside[@class='related-stories']//a/@href")
    for url in web.articles[:40]:
        hrefs = lxml.html.fromstring(pages[url]).xpath(chrome)
        assert len(hrefs) > 100
        for href in hrefs:
            target = urljoin(url, href)
            if host_of(target) in by_host:
                assert (by_host[host_of(target)], page_key(target.split(host_of(target), 1)[1])) in web.files, target
    with_comments = [url for url in web.articles if b'id="comments"' in pages[url]]
    assert len(with_comments) > len(web.articles) // 2
    assert not [url for url in with_comments if url.startswith(origins[SITES - 1])]     # the aggregator has none


def test_descendants_from_the_children_files_match_a_full_scan():
    import contextlib
    import os
    import signal
    import subprocess
    import time

    from benchmarks.procs import _descendants_by_scan, descendants

    tree = subprocess.Popen(["sh", "-c", "sleep 60 & (sleep 60 & wait) & wait"])
    found: list[int] = []
    try:
        deadline = time.monotonic() + 30
        while len(found) < 3 and time.monotonic() < deadline:      # sh, its subshell, two sleeps
            time.sleep(0.05)
            found = _descendants_by_scan(tree.pid)
        assert len(found) >= 3
        assert sorted(descendants(tree.pid)) == sorted(found)
    finally:
        for pid in [*found, tree.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        tree.wait()


_BURNER = """
import concurrent.futures, multiprocessing, time

def burn(seconds):
    start = time.process_time()
    while time.process_time() - start < seconds:
        pass
    return seconds

if __name__ == "__main__":
    burn(0.4)
    context = multiprocessing.get_context(START_METHOD)
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=context, max_tasks_per_child=1) as pool:
        print(sum(pool.map(burn, [0.6, 0.6])))
"""


@pytest.mark.parametrize(("method", "interval"), [("spawn", 0.2), ("forkserver", 30.0)])
def test_run_watched_splits_the_cpu_of_the_process_and_of_its_exited_workers(tmp_path, method, interval):
    """The main process burns 0.4 s, two workers 0.6 s each and exit before it does: their CPU is
    still counted, apart from the main process's (each interpreter start adds a little). Workers
    forked by a fork server are its children, not the main process's: with no sample taken while
    they ran (interval 30 s), their CPU is counted only because the orphaned fork server and its
    workers are reaped by the benchmark."""
    import sys

    from benchmarks.procs import run_watched

    script = tmp_path / "burner.py"
    script.write_text(f"START_METHOD = {method!r}\n" + _BURNER, encoding="utf-8")
    watched = run_watched([sys.executable, str(script)], interval=interval)
    assert watched.returncode == 0 and watched.stdout.strip() == "1.2"
    assert 0.4 <= watched.main_cpu_seconds < 1.4
    assert 1.2 <= watched.children_cpu_seconds < 3.0
    assert watched.cpu_seconds == watched.main_cpu_seconds + watched.children_cpu_seconds


def test_the_scaling_model_takes_the_tightest_bound():
    from benchmarks.crawl import predicted_rate

    assert predicted_rate(10.0, 10.0, cores=16, workers=16) == 100.0          # the main process's core
    assert predicted_rate(1.0, 20.0, cores=16, workers=2) == 100.0            # two workers
    assert predicted_rate(2.0, 18.0, cores=2, workers=2) == 100.0             # the cores
    assert predicted_rate(2.0, 16.0, cores=2, workers=2, other_ms=2.0) == 100.0


def test_quality_on_one_held_out_web_reports_every_figure(tmp_path):
    """``quality --webs 1``: one generated web with the held-out template and language, crawled by
    the CLI, scored; every figure is printed with its mean and worst, and by variety."""
    import json
    import subprocess
    import sys

    from benchmarks.webscore import METRICS

    done = subprocess.run([sys.executable, "-m", "benchmarks.quality", "--webs", "1", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith("1 held-out webs (seeds 1001-1001; held-out template newsroom, language ko)")
    for metric in METRICS:
        row = next(line for line in lines if line.startswith(metric + " "))
        mean, worst = row.split()[1:3]
        assert float(mean) == float(worst), row          # one web: its figure is both
    assert any(line.startswith("template:newsroom ") for line in lines)
    assert any(line.startswith("language:ko ") for line in lines)
    summary = json.loads((tmp_path / "quality-webs.json").read_text("utf-8"))["summary"]
    assert set(summary) == set(METRICS)
    assert summary["pairwise_f1"]["worst"] >= 0.99 and summary["junk_rate"]["worst"] == 0.0   # as today


def test_quality_webs_usage_errors():
    import subprocess
    import sys

    for args in (["--webs", "0"], ["--webs", "1", "--db", "sqlite:///x.db", "--truth", "t.json"],
                 ["--webs", "1", "--holdout-language", "xx"]):
        done = subprocess.run([sys.executable, "-m", "benchmarks.quality", *args], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 2 and "error:" in done.stderr, (args, done.stderr)


def test_writer_benchmark_ingests_prepared_pages_with_their_links(capsys):
    from archive.extraction.urls import host_of
    from benchmarks.writer import main, prepared_pages

    pages = prepared_pages(20)
    assert len(pages) >= 15
    assert all(mark.links and {host_of(link.url) for link in mark.links} == {host_of(mark.url)} for _, mark in pages)
    result = main(["--pages", "20", "--repeat", "1", "--top", "3"])
    assert result["backend"] == "sqlite" and result["pages"] == len(pages)
    assert "cumulative" in capsys.readouterr().out
