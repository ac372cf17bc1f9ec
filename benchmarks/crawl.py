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

CPU is split between the crawl's main process (Scrapy, the writer thread: one core at most, the
GIL) and its extraction workers (their CPU counted after they exited, from the wait accounting of
the main process), per page. From them, the pages/s one crawler would reach on 4, 8 and 16 cores
(one worker per core, the default):

    pages/s = min(1 / main, workers / worker, cores / (main + worker))

main and worker in CPU seconds per page (main's after its start-up: imports and opening the
archive, a fixed cost a long crawl spreads thin): the main process saturates its core, or the
workers theirs, or the cores run out. The model is checked on this machine: the crawl also runs
with 1 and with 2 extraction workers (--check-workers), and each one's pages/s after the main
process's start-up is compared with the model's prediction from the 1-worker run's CPU per page
(on this machine the benchmark's own web server and sampler take CPU too: their CPU per page is
added to the last term there). Other work on the machine makes the crawls slower than the model.
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
MAIN_MS_TARGET = 5.0        # issue 17: the main process spends at most 5 ms of CPU per page
CPU_RATIO_TARGET = 1.6      # issue 17: the whole crawl at most 1.6x trafilatura's CPU per page
SCALING_CORES = (4, 8, 16)


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
            "pages_per_s_after_start": pages / max(watched.seconds - watched.start_seconds, 1e-9),
            "seconds_after_start": watched.seconds - watched.start_seconds,
            "peak_rss_main_mb": watched.peak_main_kib / 1024, "peak_rss_tree_mb": watched.peak_tree_kib / 1024,
            "peak_pss_tree_mb": watched.peak_tree_pss_kib / 1024, "cpu_seconds": watched.cpu_seconds,
            "main_cpu_seconds": watched.main_cpu_seconds, "worker_cpu_seconds": watched.children_cpu_seconds,
            "main_start_cpu_seconds": watched.main_start_cpu_seconds,
            "main_after_start_cpu_seconds": watched.main_cpu_seconds - watched.main_start_cpu_seconds,
            "bench_cpu_seconds": watched.watcher_cpu_seconds, "workers_seen": watched.workers_seen,
            "rss_by_pages": watched.rss_by_pages, "summary": _summary_line(watched.stdout + watched.stderr)}


def _summary_line(text: str) -> str:
    """The crawl's closing summary ("... pages fetched ..."), which it prints on stderr."""
    return next((line for line in reversed(text.strip().splitlines()) if "pages fetched" in line), "")


def per_page_ms(runs: list[dict], key: str) -> float:
    """Median over ``runs`` of CPU milliseconds per page fetched of ``key`` (a ``*_cpu_seconds``)."""
    return median([1000 * r[key] / max(r["pages"], 1) for r in runs])


def predicted_rate(main_ms: float, worker_ms: float, cores: float, workers: int, other_ms: float = 0.0) -> float:
    """Pages/s by the model: the least of what the main process, the workers and the cores allow
    (``other_ms``: CPU per page of other processes on the same cores).

    >>> round(predicted_rate(4.0, 16.0, cores=4, workers=4), 1)
    200.0
    >>> round(predicted_rate(5.0, 10.0, cores=16, workers=16), 1)
    200.0
    """
    return 1000 * min(1 / main_ms, workers / worker_ms, cores / (main_ms + worker_ms + other_ms))


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
    started, cpu = time.perf_counter(), time.thread_time()
    for url, body in pages:
        trafilatura.bare_extraction(body, url=url, **TRAFILATURA_OPTIONS)
    seconds = time.perf_counter() - started
    return {"pages": len(pages), "seconds": seconds, "pages_per_s": len(pages) / seconds,
            "cpu_seconds": time.thread_time() - cpu}


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.crawl", description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=2000, help="article pages in the generated web (default 2000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement (default 3)")
    parser.add_argument("--workers", type=int, default=None, help="NEWSARCHIVE_WORKERS (default: one per CPU)")
    parser.add_argument("--only", choices=("all", "crawl"), default="all", help="'crawl' skips (b) and (c)")
    parser.add_argument("--check-workers", type=_counts, default=(1, 2), metavar="N,N",
                        help="worker counts of the crawls that check the scaling model (default 1,2; 0: none)")
    return parser.parse_args(argv)


def _counts(value: str) -> tuple[int, ...]:
    counts = tuple(int(v) for v in value.split(",") if v.strip())
    if any(c < 0 for c in counts):
        raise argparse.ArgumentTypeError("worker counts are 1 or more (0: no check)")
    return tuple(c for c in counts if c > 0)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    runs: dict[str, list[dict]] = {"crawl": [], "fetch": [], "trafilatura": []}
    runs.update({f"workers_{n}": [] for n in args.check_workers})
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
            for count in args.check_workers:
                checked = run_full_crawl(web, f"sqlite:///{tmp}/crawl-{n}-w{count}.db", count)
                runs[f"workers_{count}"].append(checked)
                print(f"run {n + 1}: crawl with {count} extraction worker(s) {checked['pages_per_s']:.1f} pages/s "
                      f"({checked['workers_seen']} worker processes seen)", file=sys.stderr)
    print(json.dumps(report(args, runs)))
    return 0


def report(args: argparse.Namespace, runs: dict[str, list[dict]]) -> dict:
    """Print the medians and ratios; return the JSON record."""
    rates = {name: median([r["pages_per_s"] for r in rs]) for name, rs in runs.items() if rs}
    crawl = runs["crawl"]
    record: dict = {"benchmark": "crawl", "article_pages": args.pages, "repeat": args.repeat,
                    "cpus": os.cpu_count(), "usable_cpus": _usable_cpus(),
                    "load_average": [round(x, 2) for x in _loadavg()],
                    "pages_fetched": median([r["pages"] for r in crawl]),
                    "crawl_pages_per_s": round(rates["crawl"], 1),
                    "crawl_peak_rss_main_mb": round(median([r["peak_rss_main_mb"] for r in crawl]), 1),
                    "crawl_peak_rss_tree_mb": round(median([r["peak_rss_tree_mb"] for r in crawl]), 1),
                    "crawl_rss_by_pages": crawl[-1]["rss_by_pages"][::max(1, len(crawl[-1]["rss_by_pages"]) // 12)]}
    cpu_ms = per_page_ms(crawl, "cpu_seconds")
    busy = median([r["cpu_seconds"] / r["seconds"] for r in crawl])
    record.update(crawl_cpu_ms_per_page=round(cpu_ms, 2), crawl_cores_busy=round(busy, 2))
    print(f"(a) full crawl      {rates['crawl']:8.1f} pages/s  (median of {len(crawl)}; "
          f"{record['pages_fetched']:.0f} pages, peak RSS {record['crawl_peak_rss_main_mb']:.0f} MB main, "
          f"{record['crawl_peak_rss_tree_mb']:.0f} MB with workers)")
    print(f"    CPU: {cpu_ms:.1f} ms per page over the crawl's processes, {busy:.2f} of "
          f"{os.cpu_count()} cores busy on average")
    _cpu_split(record, crawl)
    if "fetch" in rates:
        _baselines(record, runs, rates, cpu_ms)
    _scaling(record)
    _model_check(record, args, runs)
    print("load average at the end: {:.2f} {:.2f} {:.2f} (1, 5, 15 min)".format(*_loadavg()))
    return record


def _cpu_split(record: dict, crawl: list[dict]) -> None:
    """The crawl's CPU per page: its main process, its extraction workers, and this benchmark's
    own server and sampler beside it."""
    main_ms, worker_ms = per_page_ms(crawl, "main_cpu_seconds"), per_page_ms(crawl, "worker_cpu_seconds")
    bench_ms = per_page_ms(crawl, "bench_cpu_seconds")
    steady_ms, start = per_page_ms(crawl, "main_after_start_cpu_seconds"), median([r["main_start_cpu_seconds"] for r in crawl])
    record.update(crawl_main_cpu_ms_per_page=round(main_ms, 2), crawl_worker_cpu_ms_per_page=round(worker_ms, 2),
                  crawl_main_start_cpu_s=round(start, 2), crawl_main_cpu_ms_per_page_after_start=round(steady_ms, 2),
                  bench_server_cpu_ms_per_page=round(bench_ms, 2),
                  crawl_workers_seen=median([r["workers_seen"] for r in crawl]),
                  main_ms_per_page_target_met=steady_ms <= MAIN_MS_TARGET)
    print(f"    main process {main_ms:.2f} ms CPU per page, {steady_ms:.2f} ms after its start-up ({start:.2f} s) "
          f"(target <= {MAIN_MS_TARGET:g} ms: {'met' if steady_ms <= MAIN_MS_TARGET else 'not met'}); extraction "
          f"workers {worker_ms:.2f} ms per page ({record['crawl_workers_seen']:.0f} worker processes, their start-up "
          f"included); the benchmark's server {bench_ms:.2f} ms")


def _baselines(record: dict, runs: dict[str, list[dict]], rates: dict[str, float], cpu_ms: float) -> None:
    """(b) and (c), the ratios to them, and the crawl's CPU per page against trafilatura's alone."""
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
    trafilatura_ms = per_page_ms(runs["trafilatura"], "cpu_seconds")
    ratio = cpu_ms / trafilatura_ms
    record.update(trafilatura_cpu_ms_per_page=round(trafilatura_ms, 2), cpu_ratio_crawl_to_trafilatura=round(ratio, 3),
                  cpu_ratio_target_met=ratio <= CPU_RATIO_TARGET)
    print(f"whole-crawl CPU per page / trafilatura-alone CPU per page = {cpu_ms:.1f} / {trafilatura_ms:.1f} ms = "
          f"{ratio:.2f}x (target <= {CPU_RATIO_TARGET:g}x: {'met' if ratio <= CPU_RATIO_TARGET else 'not met'})")


def _scaling(record: dict) -> None:
    """The pages/s one crawler would reach on more cores, one extraction worker per core."""
    main_ms, worker_ms = record["crawl_main_cpu_ms_per_page_after_start"], record["crawl_worker_cpu_ms_per_page"]
    if not (main_ms > 0 and worker_ms > 0):
        return
    predicted = {cores: round(predicted_rate(main_ms, worker_ms, cores, cores), 1) for cores in SCALING_CORES}
    record["predicted_pages_per_s"] = predicted
    print(f"model: pages/s = min(1/main, workers/worker, cores/(main + worker)), CPU s per page after the main "
          f"process's start-up; main {main_ms:.2f} ms, worker {worker_ms:.2f} ms")
    print("  predicted for one crawler: " + ", ".join(
        f"{cores} cores {rate:.0f} pages/s" for cores, rate in predicted.items())
          + f" (the main process alone allows {1000 / main_ms:.0f})")


def _model_check(record: dict, args: argparse.Namespace, runs: dict[str, list[dict]]) -> None:
    """The model against this machine: the crawls with 1 and 2 extraction workers, predicted from
    the CPU per page of the run with the fewest workers (the one least disturbed by the others)."""
    counts = [n for n in args.check_workers if runs.get(f"workers_{n}")]
    if not counts:
        return
    base = runs[f"workers_{min(counts)}"]
    main_ms, worker_ms = per_page_ms(base, "main_after_start_cpu_seconds"), per_page_ms(base, "worker_cpu_seconds")
    bench_ms, cores = per_page_ms(base, "bench_cpu_seconds"), _usable_cpus()
    print(f"model check on this machine ({cores} usable CPUs), pages/s after the main process's start-up, "
          f"CPU per page of the {min(counts)}-worker run: main {main_ms:.2f} ms, worker {worker_ms:.2f} ms, "
          f"benchmark server {bench_ms:.2f} ms")
    checks = []
    for count in counts:
        measured = median([r["pages_per_s_after_start"] for r in runs[f"workers_{count}"]])
        model = predicted_rate(main_ms, worker_ms, cores, count, other_ms=bench_ms)
        deviation = 100 * (measured - model) / model
        seen = median([r["workers_seen"] for r in runs[f"workers_{count}"]])
        main_busy, worker_busy = _busy(runs[f"workers_{count}"], count)
        checks.append({"workers": count, "workers_seen": seen, "measured_pages_per_s": round(measured, 1),
                       "model_pages_per_s": round(model, 1), "deviation_pct": round(deviation, 1),
                       "main_busy": round(main_busy, 2), "worker_busy": round(worker_busy, 2)})
        print(f"  {count} worker(s): measured {measured:.1f} pages/s, model {model:.1f} pages/s, "
              f"deviation {deviation:+.1f}% ({seen:.0f} worker processes seen; busy: main process "
              f"{main_busy:.0%}, each worker {worker_busy:.0%})")
    record["model_check"] = checks
    if _loadavg()[0] > cores:
        print(f"  note: the load average ({_loadavg()[0]:.1f}) is above the {cores} CPUs: other work took CPU from "
              f"the crawls, so they ran slower than the model, which assumes the cores are theirs")


def _busy(runs: list[dict], workers: int) -> tuple[float, float]:
    """The share of the time after start-up that the main process, and each worker, spent on a CPU:
    where the model holds, the bottleneck's is near 100% on a machine with nothing else to run."""
    main = median([r["main_after_start_cpu_seconds"] / r["seconds_after_start"] for r in runs])
    worker = median([r["worker_cpu_seconds"] / r["seconds_after_start"] / workers for r in runs])
    return main, worker


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:
        return os.cpu_count() or 1


def _loadavg() -> tuple[float, float, float]:
    """The machine's load average (zeros where the platform has none): other work skews the figures."""
    try:
        return os.getloadavg()
    except (AttributeError, OSError):
        return (0.0, 0.0, 0.0)


if __name__ == "__main__":
    sys.exit(main())
