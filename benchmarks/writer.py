"""The writer's CPU per page: ``Archive.ingest_article`` alone, the serial part of a crawl.

    python -m benchmarks.writer                       # 500 pages, 3 runs, a fresh SQLite archive each
    python -m benchmarks.writer --pages 300 --repeat 5 --top 30
    python -m benchmarks.writer --pg postgresql+psycopg://postgres@127.0.0.1:5432/test

Generates the news web of benchmarks/webgen.py (no server), extracts and fingerprints every
article page in this process beforehand, as the crawl's extraction workers do, and builds each
page's frontier mark from its links (same host, as the spider keeps them). Then, timed, hands the
pages to ``ingest_article(article, prepared=..., mark=...)`` of a fresh archive, as the crawl's
writer thread does: CPU time of this process (``time.process_time``: with SQLite the database
works in this process too) per page, the median over ``--repeat`` runs, and wall time. One more
run under cProfile prints the entries that cost most. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import statistics
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

from archive import Archive
from archive.config import ArchiveConfig
from archive.extraction.article import Skipped
from archive.extraction.extract import extract_prepared
from archive.extraction.urls import host_of, normalize_url
from archive.storage.records import Link, PageMark
from benchmarks.webgen import SITES, generate_web

START = datetime(2024, 3, 1, 8, 0, tzinfo=timezone.utc)


def prepared_pages(n_pages: int, seed: int = 7) -> list[tuple[object, PageMark]]:
    """(PreparedPage, PageMark) of each article page of a generated web that gives an article."""
    from crawler.discovery import page_links

    origins = {i: f"http://127.0.0.{121 + i}:8000" for i in range(SITES)}
    web = generate_web(n_pages, origins, seed=seed)
    bodies = {origins[site] + key: res.body for (site, key), res in web.files.items()}
    params = ArchiveConfig().fingerprint
    out = []
    for url in web.articles:
        page = extract_prepared(bodies[url], url, params, found_via="link")
        if isinstance(page, Skipped):
            continue
        host = host_of(url)
        links = {normalize_url(u): None for u in page_links(bodies[url], url).links if host_of(u) == host}
        links.pop(normalize_url(url), None)
        mark = PageMark(url, status="page", links=tuple(Link(u) for u in links), depth=1, found_via="link")
        out.append((page, mark))
    return out


def ingest_all(archive: Archive, pages: list[tuple[object, PageMark]]) -> None:
    for i, (page, mark) in enumerate(pages):
        archive.ingest_article(page.article, prepared=page.prepared, mark=mark, found_via="link",
                               fetched_at=START + timedelta(seconds=i))


@contextmanager
def fresh_archive(pg: str | None) -> Iterator[Archive]:
    """An empty archive: a SQLite file in a temporary folder, or a new schema of ``pg``."""
    if pg is None:
        with tempfile.TemporaryDirectory(prefix="na-writer-") as folder:
            archive = Archive(f"sqlite:///{Path(folder) / 'archive.db'}")
            try:
                yield archive
            finally:
                archive.close()
        return
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = make_url(pg).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    archive = Archive(url)
    try:
        yield archive
    finally:
        archive.close()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


def timed_run(pages: list[tuple[object, PageMark]], pg: str | None) -> tuple[float, float]:
    """(CPU ms per page, wall ms per page) of ingesting ``pages`` into a fresh archive."""
    with fresh_archive(pg) as archive:
        cpu, wall = time.process_time(), time.perf_counter()
        ingest_all(archive, pages)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return cpu * 1000 / len(pages), wall * 1000 / len(pages)


def profiled_run(pages: list[tuple[object, PageMark]], pg: str | None, top: int) -> str:
    """The cProfile table of one more run: the ``top`` entries by own time, then by cumulative time."""
    with fresh_archive(pg) as archive:
        profile = cProfile.Profile()
        profile.enable()
        ingest_all(archive, pages)
        profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=500, help="article pages generated (default 500)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs, each into a fresh archive (default 3)")
    parser.add_argument("--top", type=int, default=25, help="cProfile entries printed (0: no profiled run)")
    parser.add_argument("--pg", metavar="URL", help="a PostgreSQL database to write to (a new schema per run)")
    args = parser.parse_args(argv)
    pages = prepared_pages(args.pages)
    runs = [timed_run(pages, args.pg) for _ in range(args.repeat)]
    cpu, wall = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
    if args.top:
        print(profiled_run(pages, args.pg, args.top))
    backend = "postgresql" if args.pg else "sqlite"
    print(f"{len(pages)} pages into a fresh {backend} archive, {args.repeat} runs: "
          f"{cpu:.2f} ms CPU per page (median; runs {', '.join(f'{r[0]:.2f}' for r in runs)}), "
          f"{wall:.2f} ms wall per page")
    result = {"backend": backend, "pages": len(pages), "cpu_ms_per_page": round(cpu, 3),
              "wall_ms_per_page": round(wall, 3), "runs_cpu_ms": [round(r[0], 3) for r in runs]}
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
