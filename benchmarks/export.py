"""Export memory: peak RSS of `newsarchive export` at 10k and 100k articles, per format.

    python -m benchmarks.export                                     # SQLite
    python -m benchmarks.export --pg postgresql+psycopg://postgres@127.0.0.1/test   # and PostgreSQL
    python -m benchmarks.export --sizes 2000,20000 --formats jsonl  # smaller, one format

An archive is filled with synthetic articles in bulk (``benchmarks.scale.fill``: a 2-4 KB text of
7-11 paragraphs each, one cluster each, over 200 sites), then at each size ``newsarchive export
--format F -o FILE`` runs as a subprocess for each format; its peak RSS is the kernel's high-water
mark of its own memory (``VmHWM`` of /proc/self/status, read as it exits: ``ru_maxrss`` would
count the benchmark's own memory, which the child inherits when it is forked). The export streams (rows fetched in batches, Parquet written
a row group at a time), so the ratio of the peak RSS at the largest size to that at the smallest
should be about 1.0: memory does not grow with the archive. The output's rows are counted to
check the export is whole.

PostgreSQL runs in a schema of its own in the given database (dropped afterwards). Ends with one
JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from benchmarks.scale import fill, size_on_disk

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("jsonl", "csv", "parquet")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "NEWSARCHIVE_DB"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


MARK = "export-benchmark peak:"
# `newsarchive ARGS`, as the console script runs it, reporting its peak RSS on stderr as it exits.
NEWSARCHIVE = f"""
import atexit, sys

def peak():
    with open("/proc/self/status") as status:
        kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    sys.stderr.write(f"{MARK} {{kb}}\\n")

atexit.register(peak)
sys.argv[0] = "newsarchive"
from archive.cli.main import main
main()
"""


def export(url: str, fmt: str, out: Path) -> dict:
    """Run one `newsarchive export` and return its peak RSS (MB), seconds and output size."""
    argv = [sys.executable, "-c", NEWSARCHIVE, "-q", "export", "--format", fmt, "-o", str(out), "--db", url]
    started = time.perf_counter()
    proc = subprocess.run(argv, env=_env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=False)
    seconds = time.perf_counter() - started
    peaks = [int(line.split()[-1]) for line in proc.stderr.splitlines() if line.startswith(MARK)]
    if proc.returncode != 0 or not peaks:
        raise SystemExit(f"export --format {fmt} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return {"format": fmt, "peak_rss_mb": round(peaks[-1] / 1024, 1), "seconds": round(seconds, 1),
            "output_mb": round(out.stat().st_size / 2 ** 20, 1), "rows": count_rows(fmt, out)}


def count_rows(fmt: str, path: Path) -> int:
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    if fmt == "csv":
        import csv

        with path.open(encoding="utf-8", newline="") as f:
            return sum(1 for _ in csv.DictReader(f))
    with path.open(encoding="utf-8") as f:
        return sum(1 for _ in f)


def _formats(names: str) -> list[str]:
    wanted = [f.strip() for f in names.split(",") if f.strip()]
    unknown = set(wanted) - set(FORMATS)
    if unknown:
        raise SystemExit(f"unknown format(s): {', '.join(sorted(unknown))}")
    if "parquet" in wanted:
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            print("pyarrow is not installed: parquet left out (pip install -e '.[parquet]')", file=sys.stderr)
            wanted.remove("parquet")
    return wanted


def _pg_schema(base: str, schema: str, create: bool) -> str:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"' if create else f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    engine.dispose()
    return make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False)


def run_backend(name: str, url: str, sizes: list[int], formats: list[str], folder: Path) -> list[dict]:
    rows = []
    for size in sizes:
        held, seconds = fill(url, size)
        print(f"{name:10s} {held:>9,d} articles (filled in {seconds:.0f} s, {size_on_disk(url):.0f} MB on disk)",
              file=sys.stderr, flush=True)
        for fmt in formats:
            out = folder / f"{name}-{size}.{fmt}"
            result = export(url, fmt, out)
            out.unlink()
            if result["rows"] != held:
                raise SystemExit(f"{name} {fmt} export at {size}: {result['rows']} rows, expected {held}")
            result.update(backend=name, size=held)
            rows.append(result)
            print(f"{name:10s} {held:>9,d} {fmt:8s} peak RSS {result['peak_rss_mb']:7.1f} MB, "
                  f"{result['seconds']:6.1f} s, {result['output_mb']:8.1f} MB written", flush=True)
    return rows


def ratios(rows: list[dict]) -> dict[str, dict[str, float]]:
    """Per backend and format: peak RSS at the largest size over that at the smallest."""
    out: dict[str, dict[str, float]] = {}
    for r in rows:
        group = [x for x in rows if x["backend"] == r["backend"] and x["format"] == r["format"]]
        small, large = min(group, key=lambda x: x["size"]), max(group, key=lambda x: x["size"])
        out.setdefault(r["backend"], {})[r["format"]] = round(large["peak_rss_mb"] / small["peak_rss_mb"], 3)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.export", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="archive sizes (default 10000,100000)")
    parser.add_argument("--formats", default=",".join(FORMATS), help="export formats (default jsonl,csv,parquet)")
    parser.add_argument("--pg", metavar="URL", help="also PostgreSQL, in a schema of its own in this database")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    formats = _formats(args.formats)
    print(f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}", file=sys.stderr)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="newsarchive-export-") as tmp:
        folder = Path(tmp)
        if not args.no_sqlite:
            rows += run_backend("sqlite", f"sqlite:///{folder}/export.db", sizes, formats, folder)
        if args.pg:
            schema = f"bench_export_{uuid.uuid4().hex[:8]}"
            try:
                rows += run_backend("postgresql", _pg_schema(args.pg, schema, True), sizes, formats, folder)
            finally:
                _pg_schema(args.pg, schema, False)
    result = ratios(rows)
    for backend, by_format in result.items():
        print(f"{backend:10s} peak RSS {sizes[-1]:,d} / {sizes[0]:,d}: "
              + ", ".join(f"{fmt} x{ratio:.2f}" for fmt, ratio in by_format.items()), flush=True)
    print(json.dumps({"benchmark": "export", "cpus": os.cpu_count(), "machine": platform.machine(),
                      "sizes": sizes, "results": rows, "rss_ratio": result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
