"""WARC capture and import: what keeping every page costs and how fast WARC files are imported.

    python -m benchmarks.warc                      # N=1000 article pages, 2 runs of each crawl
    python -m benchmarks.warc --pages 300 --repeat 1

Generates and serves the news web of benchmarks/crawl.py, then measures in one run:
(a) ``newsarchive crawl`` without and (b) with ``--warc`` (pages/s, interleaved runs);
(c) WARC bytes per archived article; (d) reading the WARC files' records and payloads with
fastwarc and with warcio (records/s, MB/s); (e) ``newsarchive import-warc`` of those files into a
fresh archive against (f) trafilatura alone over the same HTML records in one process (pages/s
and the ratio e/f). Prints the figures and ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import trafilatura

from benchmarks.crawl import TRAFILATURA_OPTIONS, _env, run_full_crawl
from benchmarks.procs import median, run_watched
from benchmarks.webgen import WebServer, generate_web


def read_fastwarc(files: list[Path]) -> tuple[int, int]:
    """Records and payload bytes of ``files`` read with fastwarc."""
    from fastwarc.warc import ArchiveIterator

    records = size = 0
    for path in files:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream, parse_http=False):
                records += 1
                size += len(record.reader.read())
    return records, size


def read_warcio(files: list[Path]) -> tuple[int, int]:
    """Records and payload bytes of ``files`` read with warcio."""
    from warcio.archiveiterator import ArchiveIterator

    records = size = 0
    for path in files:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                records += 1
                size += len(record.content_stream().read())
    return records, size


def html_records(files: list[Path]) -> list[tuple[str, bytes]]:
    """(URL, body) of every HTML response with status 200 in ``files``."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    pages = []
    for path in files:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream, record_types=WarcRecordType.response):
                if record.http_headers.status_code == 200 and "html" in (record.http_content_type or ""):
                    pages.append((record.headers.get("WARC-Target-URI"), record.reader.read()))
    return pages


def timed(call, *args):  # noqa: ANN001, ANN002, ANN201
    started = time.perf_counter()
    result = call(*args)
    return result, time.perf_counter() - started


def run_import(files: list[Path], db_url: str) -> dict:
    """(e) ``newsarchive import-warc`` of ``files`` into a fresh archive."""
    cmd = [sys.executable, "-m", "archive.cli", "import-warc", *map(str, files), "--db", db_url]
    watched = run_watched(cmd, env=_env())
    if watched.returncode != 0:
        raise RuntimeError(f"import failed ({watched.returncode}): {watched.stderr[-2000:]}")
    return {"seconds": watched.seconds, "summary": watched.stderr.strip().splitlines()[-1]}


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.warc", description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=1000, help="article pages in the generated web (default 1000)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each crawl (default 2)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    crawls: dict[str, list[dict]] = {"plain": [], "warc": []}
    with WebServer() as server, tempfile.TemporaryDirectory(prefix="newsarchive-bench-warc-") as tmp:
        web = generate_web(args.pages, server.origins)
        server.serve(web)
        for n in range(args.repeat):     # interleaved, so a slow moment of the machine hits both
            crawls["plain"].append(run_full_crawl(web, f"sqlite:///{tmp}/plain-{n}.db", None))
            folder = Path(tmp, f"warc-{n}")
            crawls["warc"].append(run_full_crawl(web, f"sqlite:///{tmp}/warc-{n}.db", None, ("--warc", str(folder))))
            print(f"run {n + 1}: crawl {crawls['plain'][-1]['pages_per_s']:.1f} pages/s, with --warc "
                  f"{crawls['warc'][-1]['pages_per_s']:.1f} pages/s", file=sys.stderr)
        files = sorted(Path(tmp, "warc-0").glob("*.warc.gz"))
        record = _measure(args, crawls, files, Path(tmp, "warc-0.db"), f"sqlite:///{tmp}/import.db")
    print(json.dumps(record))
    return 0


def _measure(args: argparse.Namespace, crawls: dict[str, list[dict]], files: list[Path], crawl_db: Path,
             import_db: str) -> dict:
    warc_bytes = sum(f.stat().st_size for f in files)
    articles = sqlite3.connect(crawl_db).execute("SELECT count(*) FROM article").fetchone()[0]
    (fast_records, payload), fast_s = timed(read_fastwarc, files)
    _, warcio_s = timed(read_warcio, files)
    pages = html_records(files)
    _, alone_s = timed(lambda: [trafilatura.bare_extraction(body, url=url, **TRAFILATURA_OPTIONS) for url, body in pages])
    imported = run_import(files, import_db)
    archive_bytes = Path(import_db.removeprefix("sqlite:///")).stat().st_size
    plain, warc = (median([r["pages_per_s"] for r in crawls[k]]) for k in ("plain", "warc"))
    record = {"benchmark": "warc", "article_pages": args.pages, "repeat": args.repeat, "cpus": os.cpu_count(),
              "crawl_pages_per_s": round(plain, 1), "crawl_warc_pages_per_s": round(warc, 1),
              "warc_cost": round(1 - warc / plain, 3), "warc_files": len(files), "warc_mb": round(warc_bytes / 1e6, 2),
              "articles": articles, "warc_bytes_per_article": round(warc_bytes / max(articles, 1)),
              "records": fast_records, "payload_mb": round(payload / 1e6, 1),
              "fastwarc_records_per_s": round(fast_records / fast_s), "warcio_records_per_s": round(fast_records / warcio_s),
              "fastwarc_mb_per_s": round(warc_bytes / 1e6 / fast_s, 1), "warcio_mb_per_s": round(warc_bytes / 1e6 / warcio_s, 1),
              "html_records": len(pages), "import_pages_per_s": round(len(pages) / imported["seconds"], 1),
              "trafilatura_pages_per_s": round(len(pages) / alone_s, 1),
              "ratio_import_trafilatura": round(alone_s / imported["seconds"], 3), "import_summary": imported["summary"],
              "archive_bytes_per_article": round(archive_bytes / max(articles, 1))}
    print(f"(a) crawl            {plain:8.1f} pages/s\n(b) crawl --warc     {warc:8.1f} pages/s "
          f"({100 * record['warc_cost']:.1f}% slower)")
    print(f"(c) WARC             {record['warc_mb']} MB in {len(files)} files for {articles} articles: "
          f"{record['warc_bytes_per_article']} bytes per article ({fast_records} records)")
    print(f"(d) read             fastwarc {record['fastwarc_records_per_s']} records/s ({record['fastwarc_mb_per_s']} MB/s), "
          f"warcio {record['warcio_records_per_s']} records/s ({record['warcio_mb_per_s']} MB/s)")
    print(f"(e) import-warc      {record['import_pages_per_s']:8.1f} HTML pages/s ({imported['summary']}); "
          f"SQLite archive {record['archive_bytes_per_article']} bytes per article")
    print(f"(f) trafilatura      {record['trafilatura_pages_per_s']:8.1f} pages/s alone, one process; "
          f"e/f = {record['ratio_import_trafilatura']:.2f}")
    return record


if __name__ == "__main__":
    sys.exit(main())
