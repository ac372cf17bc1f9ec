"""Archive size: ingest, candidate lookup, start-up and memory at 10k, 100k and 1M articles.

    python -m benchmarks.scale                                  # SQLite, plus PostgreSQL if NEWSARCHIVE_TEST_PG is set
    python -m benchmarks.scale --sizes 10000,100000 --pg postgresql+psycopg://postgres@127.0.0.1/bench

One archive per backend is filled in steps with synthetic articles written in bulk as
``Archive.ingest_article`` would leave them: a 2-4 KB text of 7-11 paragraphs (``text`` and
``raw_text``), a random signature with its 25 band rows, 3 lead keys, one cluster, one counted
``site_line`` row and one ``article_line`` row per paragraph and one ``frontier`` row, over 200
sites. Every index of the schema is in place while the rows are written (SQLite: the driver's executemany; PostgreSQL: COPY, then
VACUUM ANALYZE as autovacuum would do).

At each size:

* a fresh process (``--probe``) opens the archive (start-up: ``Archive(url)``, from process start
  to an open archive, and a second opening once the imports are done), makes candidate lookups for stored and new signatures, and ingests new
  articles through the real path, half of them copies of the previous one (after a few warm-up
  ingests that are not counted); it reports latencies and its peak RSS;
* ``newsarchive crawl`` crawls a small generated news web (``--crawl-pages`` article pages, served
  on 127.0.0.121-128) into the archive; its peak RSS (main process and the whole process tree, the
  extraction workers included) is sampled from /proc.

Medians over ``--repeat`` probes (the p99 over all their samples pooled); ratios against the
smallest size. Ends with one JSON line. The PostgreSQL database is emptied first (unless
``--keep-pg``): give the benchmark a database of its own. ``--archives`` measures archives already
filled, their probes interleaved (the fairest comparison on a busy machine):

    python -m benchmarks.scale --sizes 10000 --sqlite-dir /tmp/s10k --repeat 0 --crawl-pages 0
    python -m benchmarks.scale --archives 10k=sqlite:////tmp/s10k/scale.db,1M=sqlite:////tmp/s1m/scale.db
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import func, select, text

from archive import Archive
from archive.extraction.article import Article as ArticleValue
from archive.neardup.lines import line_hash
from archive.storage.index import Banding, candidates
from archive.storage.models import Article, Cluster, Site
from benchmarks.procs import median, percentile, rss_kib, run_watched, summary_pages

if TYPE_CHECKING:
    from benchmarks.webgen import Web

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 10_000          # articles per bulk transaction
SITES = 200
LEADS = 8               # lead keys per article (ArchiveConfig.lead_paragraphs)
WARMUP = 10             # ingests a probe makes before it starts timing
_VOCAB = ("river council budget school bridge market station report mayor plan water road city village union "
          "court minister festival museum hospital railway ferry tower garden library forest energy storm coast "
          "island factory airport police teachers nurses students voters housing rent prices wages the a of to in "
          "and for on with at by from said announced warned agreed opened closed approved delayed after before "
          "during while because residents workers officials families week month year morning evening").split()

# Column order of the bulk rows, per table.
COLUMNS = {
    "cluster": ("id", "canonical_id", "size", "created_at", "updated_at"),
    "article": ("id", "url_key", "url", "site_id", "title", "sitename", "text", "raw_text", "text_hash", "signature",
                "shingle_count", "credits", "is_excerpt", "cluster_id", "role", "similarity", "found_via", "version",
                "first_seen", "fetched_at"),
    "lsh_band": ("article_id", "band", "bucket"),
    "lead_key": ("article_id", "key"),
    "site_line": ("site_id", "line_hash", "pages", "line"),
    "article_line": ("article_id", "line_hash", "site_id"),
    "frontier": ("url_key", "url", "host", "state", "found_via", "depth", "attempts", "discovered_at", "updated_at"),
}


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(_VOCAB) for _ in range(n))


def _sentence(rng: random.Random) -> str:
    return _words(rng, rng.randint(9, 22)).capitalize() + "."


class Synth:
    """Synthetic archive rows: texts drawn from a pool of generated paragraphs."""

    def __init__(self, banding: Banding, num_perm: int, sqlite: bool) -> None:
        rng = random.Random(11)
        self.paragraphs = [" ".join(_sentence(rng) for _ in range(rng.randint(2, 3))) for _ in range(5000)]
        self.paragraph_words = [len(p.split()) for p in self.paragraphs]
        self.paragraph_hashes = [line_hash(p) for p in self.paragraphs]
        self.titles = [_sentence(rng)[:-1] for _ in range(2000)]
        self.banding = banding
        self.num_perm = num_perm
        self.sqlite = sqlite

    def rows(self, start: int, stop: int) -> dict[str, list[tuple]]:
        """Articles ``start + 1`` .. ``stop`` (one cluster each) and their other rows, as tuples in
        ``COLUMNS`` order, with values as the backend's driver takes them."""
        nrng = np.random.default_rng(start)
        count = stop - start
        sigs = nrng.integers(0, 2 ** 32, size=(count, self.num_perm), dtype=np.uint32)
        # Band keys as Banding.keys makes them, with the band slices of the whole chunk cut at once.
        band_bytes = [(band, np.ascontiguousarray(sigs[:, lo:hi]).tobytes(), (hi - lo) * 4)
                      for band, (lo, hi) in enumerate(self.banding.hashranges)]
        picks = nrng.integers(0, len(self.paragraphs), size=(count, 11)).tolist()
        lengths = nrng.integers(7, 12, size=count).tolist()
        randoms = nrng.integers(-2 ** 63, 2 ** 63 - 1, size=(count, LEADS + 11), dtype=np.int64).tolist()
        hashes = nrng.bytes(32 * count).hex()
        now = datetime.now(timezone.utc)
        stamp = now.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else now
        credits, excerpt = ("[]", 0) if self.sqlite else ("[]", False)
        out: dict[str, list[tuple]] = {name: [] for name in COLUMNS}
        clusters, articles, bands, leads = out["cluster"], out["article"], out["lsh_band"], out["lead_key"]
        lines, frontier, page_lines = out["site_line"], out["frontier"], out["article_line"]
        blake, to_int = hashlib.blake2b, int.from_bytes
        for i, n in enumerate(range(start + 1, stop + 1)):
            site = n % SITES
            chosen = picks[i][:lengths[i]]
            paras = [self.paragraphs[p] for p in chosen]
            body = "\n".join(paras)
            key = f"site{site}.test/a/{n}"
            url = f"http://{key}"
            clusters.append((n, n, 1, stamp, stamp))
            articles.append((n, key, url, site + 1, self.titles[n % len(self.titles)], f"Site {site}", body, body,
                             hashes[64 * i:64 * i + 64], sigs[i].tobytes(),
                             sum(self.paragraph_words[p] for p in chosen) - 4, credits, excerpt,
                             n, "canonical", 1.0, "sitemap", 1, stamp, stamp))
            bands += [(n, band, to_int(blake(data[i * w:i * w + w], digest_size=8).digest(), "big", signed=True))
                      for band, data, w in band_bytes]
            leads += [(n, k) for k in randoms[i][:LEADS]]
            lines += [(site + 1, h, 1, p) for h, p in zip(randoms[i][LEADS:], paras)]
            page_lines += [(n, h, site + 1) for h in dict.fromkeys(self.paragraph_hashes[p] for p in chosen)]
            frontier.append((key, url, f"site{site}.test", "done", "sitemap", 1, 1, stamp, stamp))
        return out


def _top(conn) -> int:  # noqa: ANN001
    """The highest article or cluster id: the fill goes on from there."""
    return max(conn.scalar(select(func.coalesce(func.max(Article.id), 0))),
               conn.scalar(select(func.coalesce(func.max(Cluster.id), 0))))


def fill(url: str, target: int) -> tuple[int, float]:
    """Add synthetic articles until the archive holds ``target``; return (articles held, seconds)."""
    archive = Archive(url)
    engine = archive._engine   # noqa: SLF001 - the benchmark writes in bulk beside the archive
    synth = Synth(Banding(archive.config.fingerprint), archive.config.fingerprint.num_perm,
                  engine.dialect.name == "sqlite")
    started = time.perf_counter()
    with engine.begin() as conn:
        have = _top(conn)
        count = conn.scalar(select(func.count()).select_from(Article))
        if not conn.scalar(select(func.count()).select_from(Site).where(Site.host.like("site%.test"))):
            conn.execute(Site.__table__.insert(), [{"id": i + 1, "host": f"site{i}.test", "name": f"Site {i}",
                                                    "first_seen": datetime.now(timezone.utc)}
                                                   for i in range(SITES)])
    add = target - count
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        if synth.sqlite:
            driver.execute("PRAGMA cache_size=-1000000")        # this connection only: 1 GB of page cache,
            driver.execute("PRAGMA synchronous=OFF")            # no fsync (the file's settings are unchanged)
        for start in range(have, have + add, CHUNK):
            rows = synth.rows(start, min(start + CHUNK, have + add))
            if synth.sqlite:
                driver.execute("BEGIN IMMEDIATE")
                for table, batch in rows.items():
                    cols = COLUMNS[table]
                    driver.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                                       batch)
                driver.execute("COMMIT")
            else:
                with driver.cursor() as cur:
                    for table, batch in rows.items():
                        with cur.copy(f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN") as copy:
                            for row in batch:
                                copy.write_row(row)
                driver.commit()
    finally:
        raw.close()
    if not synth.sqlite:
        with engine.begin() as conn:
            for table in ("cluster", "article", "site"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"VACUUM ANALYZE {', '.join(COLUMNS)}"))
    with engine.connect() as conn:
        count = conn.scalar(select(func.count()).select_from(Article))
    archive.close()
    return count, time.perf_counter() - started


def reset(url: str) -> None:
    """Empty the PostgreSQL database (give the benchmark a database of its own)."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def size_on_disk(url: str) -> float:
    """The archive's size in MB (SQLite file with its WAL, or the PostgreSQL database)."""
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2 ** 20
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.connect() as conn:
        size = conn.scalar(text("SELECT pg_database_size(current_database())"))
    engine.dispose()
    return size / 2 ** 20


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


def probe(url: str, count: int, lookups: int, run: int, launched: float) -> dict:
    started = time.perf_counter()
    archive = Archive(url)
    startup = time.perf_counter() - started
    ready = time.time() - launched
    t = time.perf_counter()
    Archive(url).close()          # a second opening: what is left once the imports are done
    reopen = time.perf_counter() - t
    rss = {"open": rss_kib(os.getpid()) // 1024}
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
    rss["lookups"] = rss_kib(os.getpid()) // 1024
    ingest_ms = []
    statuses: dict[str, int] = {}
    for i, article in enumerate(_probe_articles(rng, count + WARMUP, run)):
        t = time.perf_counter()
        result = archive.ingest_article(article)
        if i >= WARMUP:
            ingest_ms.append((time.perf_counter() - t) * 1000)
            statuses[str(result.status)] = statuses.get(str(result.status), 0) + 1
    rss["ingests"] = rss_kib(os.getpid()) // 1024
    archive.close()
    return {"startup_s": startup, "ready_s": ready, "reopen_s": reopen, "rss_mb": rss, "lookup_ms": lookup_ms, "ingest_ms": ingest_ms,
            "statuses": statuses, "peak_rss_mb": _peak_rss_kib() / 1024}


def _peak_rss_kib() -> int:
    """This process's peak RSS (VmHWM). Not ``getrusage``: Linux carries its ``ru_maxrss`` over
    ``exec``, so a probe would report the RSS of the benchmark process that started it."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def env() -> dict[str, str]:
    """This environment, with the project on PYTHONPATH and no NEWSARCHIVE_DB (each run names its archive)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("NEWSARCHIVE_DB", None)
    return env


def run_probe(url: str, count: int, lookups: int, run: int) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.scale", "--probe", url, "--count", str(count),
           "--lookups", str(lookups), "--run", str(run), "--launched", repr(time.time())]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env(), check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"probe failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def crawl_command(web: Web, url: str) -> list[str]:
    """``newsarchive crawl`` of the web's seeds into ``url``, politeness off, page counts logged every 5 s."""
    return [sys.executable, "-m", "archive.cli", "crawl", *web.seeds, "--db", url,
            "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOGSTATS_INTERVAL=5"]


def crawl_against(url: str, pages: int, seed: int) -> dict:
    """``newsarchive crawl`` of a generated web of ``pages`` article pages into the archive at
    ``url``, politeness off; its peak RSS (main process, and with its children) and pace."""
    from benchmarks.webgen import WebServer, generate_web

    with WebServer() as server:
        web = generate_web(pages, server.origins, seed=seed)
        server.serve(web)
        watched = run_watched(crawl_command(web, url), env=env())
    if watched.returncode != 0:
        raise RuntimeError(f"crawl failed ({watched.returncode}): {watched.stderr[-2000:]}")
    fetched = summary_pages(watched.stdout + watched.stderr) or 0
    return {"pages": fetched, "seconds": round(watched.seconds, 1),
            "peak_rss_main_mb": round(watched.peak_main_kib / 1024, 1),
            "peak_rss_tree_mb": round(watched.peak_tree_kib / 1024, 1),
            "peak_pss_tree_mb": round(watched.peak_tree_pss_kib / 1024, 1),
            "summary": (watched.stdout.strip().splitlines() or [""])[-1]}


def measure(url: str, size: int, args: argparse.Namespace) -> dict:
    row: dict = {"size": size}
    if args.repeat:
        row.update(_probes(url, size, args))
    if args.crawl_pages:
        try:
            row["crawl"] = crawl_against(url, args.crawl_pages, seed=size)
        except RuntimeError as exc:      # reported, and the other sizes are still measured
            row["crawl"] = {"error": str(exc)[-500:]}
    return row


def _probes(url: str, size: int, args: argparse.Namespace) -> dict:
    return _summary([run_probe(url, args.count, args.lookups, size + r) for r in range(args.repeat)])


def _summary(probes: list[dict]) -> dict:
    ingest = [p["ingest_ms"] for p in probes]
    lookup = [p["lookup_ms"] for p in probes]
    return {"ingest_median_ms": round(median([median(x) for x in ingest]), 3),
           "ingest_p99_ms": round(percentile([v for x in ingest for v in x], 99), 3),
           "lookup_median_ms": round(median([median(x) for x in lookup]), 3),
           "lookup_p99_ms": round(percentile([v for x in lookup for v in x], 99), 3),
           "startup_s": round(median([p["startup_s"] for p in probes]), 3),
           "ready_s": round(median([p["ready_s"] for p in probes]), 3),
           "reopen_s": round(median([p.get("reopen_s", float("nan")) for p in probes]), 3),
           "peak_rss_mb": round(median([p["peak_rss_mb"] for p in probes]), 1),
           "samples": {"ingest": sum(map(len, ingest)), "lookup": sum(map(len, lookup))},
           "probe_rss_mb": [p.get("rss_mb") for p in probes], "statuses": probes[-1]["statuses"]}


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="archive sizes, ascending (comma-separated)")
    parser.add_argument("--pg", default=os.environ.get("NEWSARCHIVE_TEST_PG"),
                        help="PostgreSQL URL (default $NEWSARCHIVE_TEST_PG); its tables are dropped first")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--sqlite-dir", default=None,
                        help="keep the SQLite archive in this folder, and fill on from what it holds on the next run "
                             "(default: a temporary folder)")
    parser.add_argument("--keep-pg", action="store_true",
                        help="don't empty the PostgreSQL database first: fill on from what it holds")
    parser.add_argument("--repeat", type=int, default=3, help="probes per size (default 3; 0: the crawl only)")
    parser.add_argument("--count", type=int, default=500, help="articles each probe ingests (default 500)")
    parser.add_argument("--lookups", type=int, default=2000, help="candidate lookups each probe makes (default 2000)")
    parser.add_argument("--crawl-pages", type=int, default=200,
                        help="article pages of the crawl into the archive at each size (default 200; 0: none)")
    parser.add_argument("--archives", metavar="LABEL=URL,...", default=None,
                        help="measure these archives as they are (no fill), their probes interleaved, e.g. "
                             "10k=sqlite:///a.db,1M=sqlite:///b.db: the fairest comparison on a busy machine")
    parser.add_argument("--probe", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--run", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--launched", type=float, default=0.0, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return [0.0, 0.0, 0.0]


def _line(name: str, row: dict, seconds: float) -> str:
    out = f"{name:10s} {row['size']:>9,d} articles:"
    if "ingest_median_ms" in row:
        out += (f" ingest {row['ingest_median_ms']:.1f} ms (p99 {row['ingest_p99_ms']:.1f}), lookup "
                f"{row['lookup_median_ms']:.2f} ms (p99 {row['lookup_p99_ms']:.2f}), start-up {row['startup_s']:.2f} s "
                f"({row['ready_s']:.2f} s from process start, {row['reopen_s']:.2f} s opened again), probe RSS {row['peak_rss_mb']:.0f} MB;")
    c = row.get("crawl")
    if c and "error" in c:
        out += f" crawl failed: {c['error'].strip().splitlines()[-1]};"
    elif c:
        out += (f" crawl of {c['pages']} pages in {c['seconds']:.0f} s, peak RSS {c['peak_rss_main_mb']:.0f} MB "
                f"main, {c['peak_rss_tree_mb']:.0f} MB with workers (PSS {c['peak_pss_tree_mb']:.0f} MB);")
    return out + f" filled in {seconds:.0f} s, {row['disk_mb']:.0f} MB on disk, load {row['load_average']}"


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    if args.probe:
        print(json.dumps(probe(args.probe, args.count, args.lookups, args.run, args.launched)))
        return 0
    if args.archives:
        return compare(dict(item.split("=", 1) for item in args.archives.split(",")), args)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    with tempfile.TemporaryDirectory(prefix="newsarchive-scale-") as tmp:
        folder = Path(args.sqlite_dir).resolve() if args.sqlite_dir else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        backends = {} if args.no_sqlite else {"sqlite": f"sqlite:///{folder}/scale.db"}
        if args.pg:
            backends["postgresql"] = args.pg
            if not args.keep_pg:
                reset(args.pg)
        print(f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}", file=sys.stderr)
        results: dict[str, list[dict]] = {}
        for name, url in backends.items():
            results[name] = []
            for size in sizes:
                held, seconds = fill(url, size)
                row = measure(url, size, args)
                row.update(articles=held, fill_s=round(seconds, 1), disk_mb=round(size_on_disk(url)), load_average=_loadavg())
                results[name].append(row)
                print(_line(name, row, seconds), flush=True)
            base = results[name][0]
            if "ingest_median_ms" not in base:
                continue
            for row in results[name]:
                row["ingest_ratio"] = round(row["ingest_median_ms"] / base["ingest_median_ms"], 3)
                row["lookup_ratio"] = round(row["lookup_median_ms"] / base["lookup_median_ms"], 3)
            print(f"{name:10s} ratios to {base['size']:,d}: " + ", ".join(
                f"{r['size']:,d}: ingest x{r['ingest_ratio']:.2f}, lookup x{r['lookup_ratio']:.2f}"
                for r in results[name]), flush=True)
    print(json.dumps({"benchmark": "scale", "cpus": os.cpu_count(), "machine": platform.machine(),
                      "results": results}))
    return 0


def compare(archives: dict[str, str], args: argparse.Namespace) -> int:
    """Measure existing archives: round ``r`` probes each of them in turn, so a busy moment of the
    machine falls on all of them; then one crawl into each."""
    from archive.storage.store import safe_url

    runs: dict[str, list[dict]] = {label: [] for label in archives}
    for r in range(args.repeat):
        for label, url in archives.items():
            runs[label].append(run_probe(url, args.count, args.lookups, 1000 * r + len(runs[label]) + 7))
    rows = []
    for i, (label, url) in enumerate(archives.items()):
        row = {"label": label, "url": safe_url(url), "articles": _count(url), "disk_mb": round(size_on_disk(url))}
        row.update(_summary(runs[label]) if runs[label] else {})
        if args.crawl_pages:
            try:
                row["crawl"] = crawl_against(url, args.crawl_pages, seed=1000 + i)
            except RuntimeError as exc:
                row["crawl"] = {"error": str(exc)[-500:]}
        row["load_average"] = _loadavg()
        rows.append(row)
        print(_line(label, dict(row, size=row["articles"]), 0).rsplit(" filled in", 1)[0]
              + f" {row['disk_mb']} MB on disk, load {row['load_average']}", flush=True)
    if rows and "ingest_median_ms" in rows[0]:
        base = rows[0]
        for row in rows:
            row["ingest_ratio"] = round(row["ingest_median_ms"] / base["ingest_median_ms"], 3)
            row["lookup_ratio"] = round(row["lookup_median_ms"] / base["lookup_median_ms"], 3)
        print(f"ratios to {base['label']}: " + ", ".join(
            f"{r['label']}: ingest x{r['ingest_ratio']:.2f} (p99 {r['ingest_p99_ms'] / base['ingest_p99_ms']:.2f}), "
            f"lookup x{r['lookup_ratio']:.2f}" for r in rows), flush=True)
    print(json.dumps({"benchmark": "scale", "mode": "compare", "cpus": os.cpu_count(), "machine": platform.machine(),
                      "results": rows}))
    return 0


def _count(url: str) -> int:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.connect() as conn:
        count = conn.scalar(select(func.count()).select_from(Article))
    engine.dispose()
    return count


if __name__ == "__main__":
    sys.exit(main())
