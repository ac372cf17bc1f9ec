"""Archive size: ingest, candidate lookup, start-up and memory at 10k, 100k and 1M articles.

    python -m benchmarks.scale                                  # SQLite, plus PostgreSQL if NEWSARCHIVE_TEST_PG is set
    python -m benchmarks.scale --sizes 10000,100000 --pg postgresql+psycopg://postgres@127.0.0.1/bench

One archive per backend is filled in steps (synthetic article rows with random signatures and
their band and lead-key rows, written in bulk as ``Archive.ingest_article`` would write them).
At each size a fresh process (``--probe``) opens the archive (start-up), looks up candidates for
stored and new signatures, and ingests new articles through the real path, half of them copies
of each other; it reports latencies and its peak RSS. Medians over ``--repeat`` probes; ratios
against the smallest size. Ends with one JSON line. The PostgreSQL database is emptied first.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from sqlalchemy import func, select, text

from archive import Archive
from archive.article import Article as ArticleValue
from archive.index import Banding, candidates
from archive.models import Article, Cluster, LeadKey, LshBand, Site
from benchmarks.procs import median, percentile

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 5000
SITES = 200
_VOCAB = ("river council budget school bridge market station report mayor plan water road city village union "
          "court minister festival museum hospital railway ferry tower garden library forest energy storm coast "
          "island factory airport police teachers nurses students voters housing rent prices wages").split()


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(_VOCAB) for _ in range(n))


def _rows(start: int, stop: int, banding: Banding, num_perm: int) -> tuple[list, list, list, list]:
    """Synthetic articles ``start``..``stop - 1`` (ids from 1), one cluster each, with band and lead rows."""
    rng = random.Random(start)
    sigs = np.random.default_rng(start).integers(0, 2 ** 32, size=(stop - start, num_perm), dtype=np.uint32)
    clusters, articles, bands, leads = [], [], [], []
    now = datetime.now(timezone.utc)
    for offset, n in enumerate(range(start + 1, stop + 1)):
        body = _words(rng, 60)
        clusters.append({"id": n, "canonical_id": n, "size": 1, "created_at": now, "updated_at": now})
        articles.append({
            "id": n, "url_key": f"site{n % SITES}.test/a/{n}", "url": f"http://site{n % SITES}.test/a/{n}",
            "site_id": n % SITES + 1, "title": _words(rng, 6), "text": body, "raw_text": body,
            "text_hash": f"{rng.getrandbits(256):064x}", "signature": sigs[offset].tobytes(), "shingle_count": 56,
            "credits": [], "is_excerpt": False, "cluster_id": n, "role": "canonical", "similarity": 1.0,
            "version": 1, "first_seen": now, "fetched_at": now})
        bands += [{"article_id": n, "band": b, "bucket": k} for b, k in banding.keys(sigs[offset])]
        leads.append({"article_id": n, "key": rng.getrandbits(63)})
    return clusters, articles, bands, leads


def fill(url: str, target: int) -> tuple[int, float]:
    """Add synthetic articles until the archive holds ``target``; return (count, seconds)."""
    archive = Archive(url)
    banding = Banding(archive.config.fingerprint)
    engine = archive._engine   # noqa: SLF001 - the benchmark writes in bulk beside the archive
    started = time.perf_counter()
    with engine.begin() as conn:
        have = conn.scalar(select(func.coalesce(func.max(Article.id), 0)))
        if not conn.scalar(select(func.count()).select_from(Site)):
            conn.execute(Site.__table__.insert(), [{"id": i + 1, "host": f"site{i}.test", "name": f"Site {i}",
                                                    "first_seen": datetime.now(timezone.utc)}
                                                   for i in range(SITES)])
    tables = [Cluster.__table__, Article.__table__, LshBand.__table__, LeadKey.__table__]
    for start in range(have, target, CHUNK):
        rows = _rows(start, min(start + CHUNK, target), banding, archive.config.fingerprint.num_perm)
        with engine.begin() as conn:
            for table, batch in zip(tables, rows):
                conn.execute(table.insert(), batch)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in ("cluster", "article", "site"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
            conn.execute(text("ANALYZE"))
    archive.close()
    return target, time.perf_counter() - started


def reset(url: str) -> None:
    """Empty the PostgreSQL database (give the benchmark a database of its own)."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


# -- the probe: a fresh process, as a crawl starting against the archive ---------------------------

def _probe_articles(rng: random.Random, count: int, run: int) -> list[ArticleValue]:
    out: list[ArticleValue] = []
    for i in range(count):
        if i % 2 and out:         # a copy of the previous story on another site, last paragraph cut
            source = out[-1]
            body = "\n".join(source.text.split("\n")[:-1])
        else:
            body = "\n".join(_words(rng, 50) + "." for _ in range(8))
        out.append(ArticleValue(url=f"http://probe{i % 7}.test/r{run}/story-{i}", text=body, title=_words(rng, 6),
                                sitename=f"Probe {i % 7}"))
    return out


def probe(url: str, count: int, lookups: int, run: int) -> dict:
    started = time.perf_counter()
    archive = Archive(url)
    startup = time.perf_counter() - started
    banding = Banding(archive.config.fingerprint)
    rng = random.Random(run * 7919)
    lookup_ms = []
    with archive._sessions() as session:   # noqa: SLF001
        top = session.scalar(select(func.max(Article.id)))
        ids = [rng.randint(1, top) for _ in range(lookups // 2)]
        stored = [np.frombuffer(s, dtype="<u4") for s in session.scalars(select(Article.signature).where(Article.id.in_(ids)))]
        fresh = list(np.random.default_rng(run).integers(0, 2 ** 32, size=(lookups - len(stored), 128), dtype=np.uint32))
        for sig in stored + fresh:
            keys = banding.keys(sig)
            t = time.perf_counter()
            candidates(session, keys)
            lookup_ms.append((time.perf_counter() - t) * 1000)
    ingest_ms = []
    statuses: dict[str, int] = {}
    for article in _probe_articles(rng, count, run):
        t = time.perf_counter()
        result = archive.ingest_article(article)
        ingest_ms.append((time.perf_counter() - t) * 1000)
        statuses[str(result.status)] = statuses.get(str(result.status), 0) + 1
    archive.close()
    return {"startup_s": startup, "lookup_ms": lookup_ms, "ingest_ms": ingest_ms, "statuses": statuses,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_probe(url: str, count: int, lookups: int, run: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "benchmarks.scale", "--probe", url, "--count", str(count),
           "--lookups", str(lookups), "--run", str(run)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"probe failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(url: str, size: int, args: argparse.Namespace) -> dict:
    probes = [run_probe(url, args.count, args.lookups, size + r) for r in range(args.repeat)]
    ingest = [p["ingest_ms"] for p in probes]
    lookup = [p["lookup_ms"] for p in probes]
    return {"size": size,
            "ingest_median_ms": median([median(x) for x in ingest]),
            "ingest_p99_ms": median([percentile(x, 99) for x in ingest]),
            "lookup_median_ms": median([median(x) for x in lookup]),
            "lookup_p99_ms": median([percentile(x, 99) for x in lookup]),
            "startup_s": median([p["startup_s"] for p in probes]),
            "peak_rss_mb": median([p["peak_rss_mb"] for p in probes]),
            "statuses": probes[-1]["statuses"]}


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="archive sizes, ascending (comma-separated)")
    parser.add_argument("--pg", default=os.environ.get("NEWSARCHIVE_TEST_PG"),
                        help="PostgreSQL URL (default $NEWSARCHIVE_TEST_PG); its tables are dropped first")
    parser.add_argument("--sqlite-dir", default=None, help="folder for the SQLite archive (default: a temporary one)")
    parser.add_argument("--repeat", type=int, default=3, help="probes per size (default 3)")
    parser.add_argument("--count", type=int, default=200, help="articles each probe ingests (default 200)")
    parser.add_argument("--lookups", type=int, default=400, help="candidate lookups each probe makes (default 400)")
    parser.add_argument("--probe", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--run", type=int, default=0, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    if args.probe:
        print(json.dumps(probe(args.probe, args.count, args.lookups, args.run)))
        return 0
    sizes = sorted(int(s) for s in args.sizes.split(","))
    with tempfile.TemporaryDirectory(prefix="newsarchive-scale-", dir=args.sqlite_dir) as tmp:
        backends = {"sqlite": f"sqlite:///{tmp}/scale.db"}
        if args.pg:
            backends["postgresql"] = args.pg
            reset(args.pg)
        results: dict[str, list[dict]] = {}
        for name, url in backends.items():
            results[name] = []
            for size in sizes:
                _, seconds = fill(url, size)
                row = measure(url, size, args)
                row["fill_s"] = round(seconds, 1)
                results[name].append(row)
                print(f"{name:10s} {size:>9,d} articles: ingest {row['ingest_median_ms']:.1f} ms "
                      f"(p99 {row['ingest_p99_ms']:.1f}), lookup {row['lookup_median_ms']:.2f} ms "
                      f"(p99 {row['lookup_p99_ms']:.2f}), start-up {row['startup_s']:.2f} s, "
                      f"peak RSS {row['peak_rss_mb']:.0f} MB; filled in {seconds:.0f} s", flush=True)
            base = results[name][0]
            for row in results[name]:
                row["ingest_ratio"] = round(row["ingest_median_ms"] / base["ingest_median_ms"], 3)
                row["lookup_ratio"] = round(row["lookup_median_ms"] / base["lookup_median_ms"], 3)
            print(f"{name:10s} ratios to {base['size']:,d}: " + ", ".join(
                f"{r['size']:,d}: ingest x{r['ingest_ratio']:.2f}, lookup x{r['lookup_ratio']:.2f}"
                for r in results[name]))
    print(json.dumps({"benchmark": "scale", "cpus": os.cpu_count(), "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
