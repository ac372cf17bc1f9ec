"""Crawl throughput: the full crawl against bare Scrapy fetching and single-process trafilatura.

    python -m benchmarks.crawl                       # N=2000 article pages, 3 runs of each
    python -m benchmarks.crawl --pages 20000 --repeat 1 --only crawl    # memory over a long crawl

Generates a news web of N article pages (plus home, section and static pages, sitemaps) whose
article pages weigh 60-130 KB like real ones (inline scripts and styles, JSON-LD, menus, related
stories, comments, footers: see benchmarks/webgen.py), serves it on 127.0.0.121-128 from memory
(pre-built responses behind a small asyncio keep-alive server in this process: a request costs a
dict lookup and one write, so the server takes little CPU from the crawl beside it; the memory
sampler reads only the crawl's own /proc entries), and times in one run: (a) ``newsarchive crawl``
with politeness off, (b) Scrapy fetching the same pages with no processing, (c) trafilatura alone
extracting the same HTML pages in this process with the pipeline's options. Prints medians and
the ratios a/b and a/c, peak RSS of the crawl, and ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import trafilatura

from benchmarks.procs import median, run_watched, summary_pages
from benchmarks.webgen import Web, WebServer, generate_web

ROOT = Path(__file__).resolve().parent.parent
# The options archive.extraction.extract passes to trafilatura.bare_extraction.
TRAFILATURA_OPTIONS = dict(with_metadata=True, include_comments=False, deduplicate=False, favor_precision=True,
                           include_tables=True, include_images=False, include_links=False)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("NEWSARCHIVE_DB", None)
    return env


def run_full_crawl(web: Web, db_url: str, workers: int | None, extra: tuple[str, ...] = ()) -> dict:
    """(a) ``newsarchive crawl`` of the web's seeds into a fresh archive (``extra``: more options)."""
    cmd = [sys.executable, "-m", "archive.cli", "crawl", *web.seeds, "--db", db_url, *extra,
           "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOGSTATS_INTERVAL=5"]
    if workers:
        cmd += ["-s", f"NEWSARCHIVE_WORKERS={workers}"]
    watched = run_watched(cmd, env=_env())
    if watched.returncode != 0:
        raise RuntimeError(f"crawl failed ({watched.returncode}): {watched.stderr[-2000:]}")
    pages = summary_pages(watched.stdout + watched.stderr) or 0
    return {"pages": pages, "seconds": watched.seconds, "pages_per_s": pages / watched.seconds,
            "peak_rss_main_mb": watched.peak_main_kib / 1024, "peak_rss_tree_mb": watched.peak_tree_kib / 1024,
            "peak_pss_tree_mb": watched.peak_tree_pss_kib / 1024, "cpu_seconds": watched.cpu_seconds,
            "rss_by_pages": watched.rss_by_pages, "summary": (watched.stdout.strip().splitlines() or [""])[-1]}


def run_bare_fetch(web: Web, urls_file: Path) -> dict:
    """(b) Scrapy fetching every page of the web, responses discarded."""
    cmd = [sys.executable, "-m", "benchmarks.fetch", str(urls_file)]
    watched = run_watched(cmd, env=_env())
    if watched.returncode != 0:
        raise RuntimeError(f"fetch failed: {watched.stderr[-2000:]}")
    data = json.loads(watched.stdout.strip().splitlines()[-1])
    return {"pages": data["pages"], "seconds": watched.seconds, "pages_per_s": data["pages"] / watched.seconds}


def run_trafilatura(web: Web) -> dict:
    """(c) trafilatura alone on the same HTML pages, one process."""
    pages = [(web.origins[site] + key, res.body) for (site, key), res in sorted(web.files.items())
             if res.content_type.startswith("text/html")]
    started = time.perf_counter()
    for url, body in pages:
        trafilatura.bare_extraction(body, url=url, **TRAFILATURA_OPTIONS)
    seconds = time.perf_counter() - started
    return {"pages": len(pages), "seconds": seconds, "pages_per_s": len(pages) / seconds}


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.crawl", description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=2000, help="article pages in the generated web (default 2000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement (default 3)")
    parser.add_argument("--workers", type=int, default=None, help="NEWSARCHIVE_WORKERS (default: one per CPU)")
    parser.add_argument("--only", choices=("all", "crawl"), default="all", help="'crawl' skips (b) and (c)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    runs: dict[str, list[dict]] = {"crawl": [], "fetch": [], "trafilatura": []}
    with WebServer() as server, tempfile.TemporaryDirectory(prefix="newsarchive-bench-") as tmp:
        web = generate_web(args.pages, server.origins)
        server.serve(web)
        urls_file = Path(tmp, "urls.txt")
        urls_file.write_text("\n".join(web.urls()) + "\n", encoding="utf-8")
        print(f"web: {len(web.articles)} article pages, {len(web.urls())} HTML pages, {len(web.files)} files; "
              f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}", file=sys.stderr)
        for n in range(args.repeat):     # interleaved, so a slow moment of the machine hits all three
            db_url = f"sqlite:///{tmp}/crawl-{n}.db"
            runs["crawl"].append(run_full_crawl(web, db_url, args.workers))
            print(f"run {n + 1}: crawl {runs['crawl'][-1]['pages_per_s']:.1f} pages/s "
                  f"({runs['crawl'][-1]['summary']})", file=sys.stderr)
            if args.only == "all":
                runs["fetch"].append(run_bare_fetch(web, urls_file))
                runs["trafilatura"].append(run_trafilatura(web))
                print(f"run {n + 1}: fetch {runs['fetch'][-1]['pages_per_s']:.1f} pages/s, trafilatura "
                      f"{runs['trafilatura'][-1]['pages_per_s']:.1f} pages/s", file=sys.stderr)
    print(json.dumps(report(args, runs)))
    return 0


def report(args: argparse.Namespace, runs: dict[str, list[dict]]) -> dict:
    """Print the medians and ratios; return the JSON record."""
    rates = {name: median([r["pages_per_s"] for r in rs]) for name, rs in runs.items() if rs}
    crawl = runs["crawl"]
    record: dict = {"benchmark": "crawl", "article_pages": args.pages, "repeat": args.repeat,
                    "cpus": os.cpu_count(), "load_average": [round(x, 2) for x in _loadavg()],
                    "pages_fetched": median([r["pages"] for r in crawl]),
                    "crawl_pages_per_s": round(rates["crawl"], 1),
                    "crawl_peak_rss_main_mb": round(median([r["peak_rss_main_mb"] for r in crawl]), 1),
                    "crawl_peak_rss_tree_mb": round(median([r["peak_rss_tree_mb"] for r in crawl]), 1),
                    "crawl_rss_by_pages": crawl[-1]["rss_by_pages"][::max(1, len(crawl[-1]["rss_by_pages"]) // 12)]}
    cpu_ms = median([1000 * r["cpu_seconds"] / max(r["pages"], 1) for r in crawl])
    busy = median([r["cpu_seconds"] / r["seconds"] for r in crawl])
    record.update(crawl_cpu_ms_per_page=round(cpu_ms, 2), crawl_cores_busy=round(busy, 2))
    print(f"(a) full crawl      {rates['crawl']:8.1f} pages/s  (median of {len(crawl)}; "
          f"{record['pages_fetched']:.0f} pages, peak RSS {record['crawl_peak_rss_main_mb']:.0f} MB main, "
          f"{record['crawl_peak_rss_tree_mb']:.0f} MB with workers)")
    print(f"    CPU: {cpu_ms:.1f} ms per page over the crawl's processes, {busy:.2f} of "
          f"{os.cpu_count()} cores busy on average")
    if "fetch" in rates:
        record.update(fetch_pages_per_s=round(rates["fetch"], 1), trafilatura_pages_per_s=round(rates["trafilatura"], 1),
                      ratio_a_b=round(rates["crawl"] / rates["fetch"], 3),
                      ratio_a_c=round(rates["crawl"] / rates["trafilatura"], 3))
        print(f"(b) bare Scrapy     {rates['fetch']:8.1f} pages/s")
        print(f"(c) trafilatura     {rates['trafilatura']:8.1f} pages/s  (one process)")
        print(f"a/b = {record['ratio_a_b']:.2f}   a/c = {record['ratio_a_c']:.2f}")
        # With every core busy, pages/s = cores / CPU per page: the best a/c this crawl could reach
        # on this machine, given what it spends beside trafilatura, is cores x (c's ms) / (a's ms).
        ceiling = (os.cpu_count() or 1) * (1000 / rates["trafilatura"]) / cpu_ms
        record["ratio_a_c_if_all_cores_busy"] = round(ceiling, 3)
        print(f"trafilatura alone: {1000 / rates['trafilatura']:.1f} ms per page; with every core busy the "
              f"crawl's {cpu_ms:.1f} ms per page would give a/c = {ceiling:.2f}")
    print("load average at the end: {:.2f} {:.2f} {:.2f} (1, 5, 15 min)".format(*_loadavg()))
    return record


def _loadavg() -> tuple[float, float, float]:
    """The machine's load average (zeros where the platform has none): other work skews the figures."""
    try:
        return os.getloadavg()
    except (AttributeError, OSError):
        return (0.0, 0.0, 0.0)


if __name__ == "__main__":
    sys.exit(main())
