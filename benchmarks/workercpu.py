"""CPU of one extraction worker per page: ``extract_prepared`` run in this process (no pool) over the
article pages of a generated web (benchmarks/webgen.py), timed and optionally profiled.

    python -m benchmarks.workercpu --pages 200            # ms per page
    python -m benchmarks.workercpu --pages 200 --profile  # and the top of a cProfile listing

The pages are run once untimed first (imports, caches), then timed.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time

from archive.config import FingerprintParams
from archive.extraction.extract import extract_prepared
from benchmarks.webgen import SITES, generate_web


def article_pages(n_pages: int, seed: int = 7) -> list[tuple[str, bytes, str]]:
    """``(url, body, content type)`` of the article pages of a generated web of ``n_pages`` articles."""
    web = generate_web(n_pages, {i: f"http://127.0.0.{90 + i}:8000" for i in range(SITES)}, seed=seed)
    by_url = {web.origins[site] + path: res for (site, path), res in web.files.items()}
    return [(url, by_url[url].body, by_url[url].content_type) for url in web.articles if url in by_url]


def run(pages: list[tuple[str, bytes, str]], links: bool) -> None:
    params = FingerprintParams()
    for url, body, ctype in pages:
        if links:
            extract_prepared(body, url, params, found_via="link", content_type=ctype, links=_scope(url))
        else:
            extract_prepared(body, url, params, found_via="link", content_type=ctype)


def _scope(url: str):      # the links a crawl of the page's own host asks the worker for
    from archive.extraction.pagelinks import LinkRequest
    from archive.extraction.urls import host_of

    return LinkRequest(hosts=frozenset({host_of(url)}), base_url=url, encoding="utf-8", limit=1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--links", action="store_true", help="also read the pages' links (as a crawl does)")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    pages = article_pages(args.pages)
    kib = sum(len(body) for _, body, _ in pages) / len(pages) / 1024
    run(pages, args.links)          # warm-up
    profiler = cProfile.Profile() if args.profile else None
    started = time.process_time()
    if profiler:
        profiler.enable()
    run(pages, args.links)
    if profiler:
        profiler.disable()
    spent = time.process_time() - started
    print(f"{len(pages)} article pages ({kib:.0f} KiB on average): {1000 * spent / len(pages):.1f} ms CPU per page"
          + (" (profiled)" if profiler else ""))
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
