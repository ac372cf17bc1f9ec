"""Memory over a long crawl: resident memory of ``newsarchive crawl`` as the page count grows.

    python -m benchmarks.memory                          # 20,000 article pages, RSS at 2k, 10k and 20k pages
    python -m benchmarks.memory --pages 20000 --db postgresql+psycopg://postgres@127.0.0.1/bench

Generates a news web of N article pages (benchmarks/webgen.py: plus home, section and static
pages, sitemaps), serves it on 127.0.0.121-128 and crawls it once into a fresh SQLite archive (or
the given database), politeness off. The crawl's RSS (main process, and the whole process tree
with the extraction workers) is sampled from /proc at every Scrapy LogStats line and every half
second. Prints RSS at the checkpoints (the first sample at or past each page count; the last
checkpoint is the end of the crawl if it fetched fewer pages), the growth between the first and
the last, and ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile

from benchmarks.procs import run_watched, summary_pages
from benchmarks.scale import crawl_command, env
from benchmarks.webgen import WebServer, generate_web


def checkpoints(samples: list[tuple[int, int, int]], marks: list[int]) -> list[dict]:
    """The first ``(pages, main KiB, tree KiB)`` sample at or past each mark, the last for a mark
    the crawl never reached.

    >>> checkpoints([(100, 10, 20), (2100, 11, 22), (3000, 12, 30)], [2000, 5000])
    [{'mark': 2000, 'pages': 2100, 'rss_main_mb': 0.0, 'rss_tree_mb': 0.0}, {'mark': 5000, 'pages': 3000, 'rss_main_mb': 0.0, 'rss_tree_mb': 0.0}]
    """
    out = []
    for mark in marks:
        hit = next((s for s in samples if s[0] >= mark), samples[-1] if samples else (0, 0, 0))
        out.append({"mark": mark, "pages": hit[0], "rss_main_mb": round(hit[1] / 1024, 1),
                    "rss_tree_mb": round(hit[2] / 1024, 1)})
    return out


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory", description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=20000, help="article pages in the generated web (default 20000)")
    parser.add_argument("--marks", default=None,
                        help="page counts to report RSS at (comma-separated; default: a tenth, a half and all of --pages)")
    parser.add_argument("--db", default=None, help="archive URL (default: a fresh SQLite file in a temporary folder)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    marks = ([int(m) for m in args.marks.split(",")] if args.marks
             else [args.pages // 10, args.pages // 2, args.pages])
    with WebServer() as server, tempfile.TemporaryDirectory(prefix="newsarchive-memory-") as tmp:
        web = generate_web(args.pages, server.origins)
        server.serve(web)
        print(f"web: {len(web.articles)} article pages, {len(web.urls())} HTML pages; {platform.machine()}, "
              f"{os.cpu_count()} CPUs, Python {platform.python_version()}", file=sys.stderr, flush=True)
        watched = run_watched(crawl_command(web, args.db or f"sqlite:///{tmp}/memory.db"), env=env())
    if watched.returncode != 0:      # interrupted or failed: what was sampled is still reported
        print(f"crawl ended with exit code {watched.returncode}: {watched.stderr[-1000:]}", file=sys.stderr)
    pages = summary_pages(watched.stdout + watched.stderr) or 0
    points = checkpoints(watched.rss_by_pages, marks)
    for p in points:
        print(f"at {p['pages']:>6,d} pages: RSS {p['rss_main_mb']:6.0f} MB main, {p['rss_tree_mb']:6.0f} MB with workers")
    first, last = points[0], points[-1]
    growth = {"main_mb": round(last["rss_main_mb"] - first["rss_main_mb"], 1),
              "tree_mb": round(last["rss_tree_mb"] - first["rss_tree_mb"], 1)}
    print(f"{pages:,d} pages fetched in {watched.seconds:.0f} s; peak RSS {watched.peak_main_kib / 1024:.0f} MB main, "
          f"{watched.peak_tree_kib / 1024:.0f} MB with workers; from {first['pages']:,d} to {last['pages']:,d} pages: "
          f"{growth['main_mb']:+.0f} MB main, {growth['tree_mb']:+.0f} MB with workers")
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        load = [0.0, 0.0, 0.0]
    print(json.dumps({"benchmark": "memory", "article_pages": args.pages, "pages_fetched": pages,
                      "returncode": watched.returncode,
                      "seconds": round(watched.seconds, 1), "cpus": os.cpu_count(), "machine": platform.machine(),
                      "load_average": load, "peak_rss_main_mb": round(watched.peak_main_kib / 1024, 1),
                      "peak_rss_tree_mb": round(watched.peak_tree_kib / 1024, 1), "checkpoints": points,
                      "growth": growth, "rss_by_pages": watched.rss_by_pages}))
    return 0 if watched.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
