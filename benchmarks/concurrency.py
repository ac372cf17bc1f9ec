"""Concurrent ingest: the race scenarios run many times (failures must be 0) and throughput with 1, 2, 4 workers.

    python -m benchmarks.concurrency --runs 20          # PostgreSQL from --pg, else NEWSARCHIVE_TEST_PG
    python -m benchmarks.concurrency --runs 0 --docs 400 --repeat 3        # throughput only

Each run gives a fresh PostgreSQL schema (and SQLite file) to the scenarios of
tests/integration/test_concurrency.py: 4 worker processes ingest M stories x K copies with every
copy of a story released at once through a Barrier, groups and copies in a new shuffled order
each run, then the same pages wrapped in site templates the archive learns as chrome while
it ingests; 2 processes do the same on one SQLite file; 4 workers ingest one URL at once; 4 ingest
exact copies at once; two bridges join clusters, one while a copy joins a side. A run fails when
the archive differs from a serial ingest's (cluster count, split groups, missing or duplicate
pages, band rows, canonicals) or a worker reports an error.

Throughput: N distinct stories (no collisions) ingested into PostgreSQL by 1, 2 and 4 workers with
the locks, and by 4 without them (the locks' cost); docs/s is pages over the wall time from the
barrier release to the last worker's end. Medians over ``--repeat``. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))     # the scenarios are the tests' own

from archive import Archive, Article  # noqa: E402
from concurrency_scenario import (WorkerPool, bridge_scenarios, check_archive, copies_of,  # noqa: E402
                                  distinct_pages, groups_of, ingest_serially, schedule, with_site_chrome)
from textgen import story  # noqa: E402

DEV_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def scratch_database(pg_url: str) -> Iterator[str]:
    """A database of its own on the server, dropped at the end."""
    name = f"na_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def new_schema(db_url: str) -> str:
    schema = f"s_{uuid.uuid4().hex[:10]}"
    engine = create_engine(db_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine.dispose()
    return make_url(db_url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False)


def _errors(reports) -> list[str]:  # noqa: ANN001
    return [e for r in reports for e in r.errors]


def run_once(pool: WorkerPool, db_url: str, tmp: Path, rng: random.Random, serial: dict, groups: int,
             copies: int) -> dict[str, list[str]]:
    """Every scenario once; the problems found, by scenario (empty lists when all is well)."""
    out: dict[str, list[str]] = {}
    pages = groups_of(groups, copies)
    url = new_schema(db_url)
    reports = pool.run(url, schedule(pages, 4, rng))
    check = check_archive(url, pages)
    out["stories_pg_4"] = _errors(reports) + check.problems(groups) + (
        [] if check.canonicals == serial[copies] else ["canonicals differ from the serial ingest's"])
    pages = with_site_chrome(pages)
    url = new_schema(db_url)
    reports = pool.run(url, schedule(pages, 4, rng))
    check = check_archive(url, pages)
    out["stories_chrome_pg_4"] = _errors(reports) + check.problems(groups) + (
        [] if check.canonicals == serial[copies] else ["canonicals differ from the serial ingest's"])
    sqlite_pages = groups_of(groups, 3)
    url = f"sqlite:///{tmp / f'{uuid.uuid4().hex[:8]}.db'}"
    reports = pool.run(url, schedule(sqlite_pages, 2, rng))
    check = check_archive(url, sqlite_pages)
    out["stories_sqlite_2"] = _errors(reports) + check.problems(groups) + (
        [] if check.canonicals == serial[3] else ["canonicals differ from the serial ingest's"])
    url = new_schema(db_url)
    one = [[copies_of(g, 1)[0]] for g in range(5)]
    reports = pool.run(url, [[list(g) for g in one]] * 4)
    check = check_archive(url, one)
    out["same_url_pg_4"] = _errors(reports) + check.problems(5) + (
        [] if check.articles == 5 else [f"{check.articles} articles, expected 5"])
    url = new_schema(db_url)
    exact = [[Article(url=f"http://mirror{w}.test/{g}", text="\n".join(story(900 + g)), sitename=f"M{w}")
              for w in range(4)] for g in range(5)]
    reports = pool.run(url, [[[group[w]] for group in exact] for w in range(4)])
    out["exact_copies_pg_4"] = _errors(reports) + check_archive(url, exact).problems(5)
    url = new_schema(db_url)
    bridges, plan = bridge_plan(rng)
    reports = pool.run(url, plan)
    out["bridge_pg_3"] = _errors(reports) + check_archive(url, bridges).problems(len(bridges))
    return out


def bridge_plan(rng: random.Random) -> tuple[list[list[Article]], list[list[list[Article]]]]:
    """Two bridges (see ``concurrency_scenario.bridge_scenarios``), the last step's pages dealt to shuffled workers."""
    groups, plan = bridge_scenarios(rng.randrange(1000))
    last = [w[-1] for w in plan]
    rng.shuffle(last)
    return groups, [w[:-1] + [s] for w, s in zip(plan, last)]


def throughput(pool: WorkerPool, db_url: str, docs: int, workers: int, locks: bool) -> float:
    """Docs/s for ``docs`` distinct stories shared among ``workers`` processes."""
    pages = distinct_pages(docs, seed=random.randrange(1 << 30))
    url = new_schema(db_url)
    Archive(url).close()
    plan = [[[p for g in pages[w::workers] for p in g]] for w in range(workers)]
    reports = pool.run(url, plan, locks=locks)
    if _errors(reports):
        raise RuntimeError(f"throughput run failed: {_errors(reports)[:3]}")
    return docs / max(r.seconds for r in reports[:workers])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="repetitions of the race scenarios (default 20)")
    parser.add_argument("--groups", type=int, default=24, help="stories per run (default 24)")
    parser.add_argument("--copies", type=int, default=4, help="copies of each story on PostgreSQL (default 4)")
    parser.add_argument("--docs", type=int, default=240, help="distinct stories per throughput run (default 240)")
    parser.add_argument("--repeat", type=int, default=3, help="throughput runs per configuration (default 3)")
    parser.add_argument("--pg", default=os.environ.get("NEWSARCHIVE_TEST_PG") or DEV_PG,
                        help="PostgreSQL server URL (a scratch database is made on it and dropped)")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    result: dict = {"benchmark": "concurrency", "seed": seed, "cpus": os.cpu_count(),
                    "python": platform.python_version(), "runs": args.runs, "groups": args.groups,
                    "copies": args.copies}
    with scratch_database(args.pg) as db_url, WorkerPool(4) as pool, tempfile.TemporaryDirectory() as tmp:
        serial = {}
        for k in {args.copies, 3}:
            url = f"sqlite:///{Path(tmp) / f'serial{k}.db'}"
            ingest_serially(url, groups_of(args.groups, k))
            serial[k] = check_archive(url, groups_of(args.groups, k)).canonicals
        failures: dict[str, int] = {}
        started = time.perf_counter()
        for run in range(1, args.runs + 1):
            problems = run_once(pool, db_url, Path(tmp), rng, serial, args.groups, args.copies)
            for scenario, found in problems.items():
                failures.setdefault(scenario, 0)
                if found:
                    failures[scenario] += 1
                    print(f"run {run} {scenario} FAILED: {'; '.join(found[:5])}", flush=True)
            print(f"run {run}/{args.runs}: {sum(bool(f) for f in problems.values())} scenarios failed", flush=True)
        result.update(failed_runs_by_scenario=failures, failures=sum(failures.values()),
                      race_seconds=round(time.perf_counter() - started, 1))
        print(f"race scenarios: {args.runs} runs x {len(failures)} scenarios, {sum(failures.values())} failures",
              flush=True)
        rates: dict[str, float] = {}
        for label, workers, locks in (("1", 1, True), ("2", 2, True), ("4", 4, True), ("4_nolocks", 4, False)):
            samples = [throughput(pool, db_url, args.docs, workers, locks) for _ in range(args.repeat)]
            rates[label] = round(statistics.median(samples), 1)
            print(f"throughput {label:>9} workers: {rates[label]:7.1f} docs/s  (runs: "
                  f"{', '.join(f'{s:.1f}' for s in samples)})", flush=True)
    ratios = {k: round(v / rates["1"], 2) for k, v in rates.items()}
    print("ratios to 1 worker: " + ", ".join(f"{k}: {v}" for k, v in ratios.items()))
    print(f"lock cost at 4 workers: {100 * (1 - rates['4'] / rates['4_nolocks']):.0f}% of no-lock throughput")
    result.update(docs_per_s=rates, ratio_to_1=ratios, docs=args.docs, repeat=args.repeat,
                  load_avg=[round(x, 2) for x in os.getloadavg()])
    print(json.dumps(result, sort_keys=True))
    return 0 if result["failures"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
