"""Clustering quality against a news web's ground truth, swept over the similarity thresholds.

    python -m benchmarks.quality                                  # the bundled demo web
    python -m benchmarks.quality --seeds-file seeds.txt --truth ground_truth.json [--port 8765]
    python -m benchmarks.quality --db sqlite:///crawled.db --truth ground_truth.json   # no new crawl
    python -m benchmarks.quality --webs 5 [--holdout-template newsroom --holdout-language ko]

With ``--webs N`` it scores N generated multilingual webs that hold a template and a language out
of tuning (see ``benchmarks/heldout.py``): mean and worst discovery recall, pairwise F1, canonical
accuracy, extraction F1, chrome leakage and junk, and the same by variety.


The web is crawled once; the archived pages are then replayed, in the order they were first seen,
into fresh archives built with each threshold value, and every result is scored against the
ground truth (pairwise and B-cubed precision, recall and F1 over non-excerpt articles). Writes
``quality.md``, ``quality.csv`` and ``quality.png`` (matplotlib, the ``bench`` extra) to ``--out``.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import re
import sys
import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from archive.analysis.queries import export_rows
from archive import Archive
from archive.extraction.article import Article as ArticleValue
from archive.config import ArchiveConfig
from archive.storage.models import Article
from archive.extraction.urls import url_key
from benchmarks import heldout

logger = logging.getLogger(__name__)

# Each threshold is swept with the other join path turned off (1.01 is never reached), so the
# curve shows what that path alone finds; the defaults combine both.
OTHER_OFF = {"join_jaccard": {"join_containment": 1.01}, "join_containment": {"join_jaccard": 1.01}}
SWEEPS = {
    "join_jaccard": [round(0.1 + 0.05 * i, 2) for i in range(18)],
    "join_containment": [round(0.4 + 0.05 * i, 2) for i in range(13)],
}
_PORT = re.compile(r"^(127(?:\.\d+){3}|localhost):\d+")


def load_truth(path: Path, port: int | None) -> dict[str, tuple[str, str]]:
    """URL key -> (true cluster, role) from a ground-truth JSON (``articles`` with ``url``, ``role``
    and ``cluster`` or ``story``); ``{PORT}`` in URLs becomes ``port``, or is dropped with it."""
    data = json.loads(path.read_text("utf-8"))
    out: dict[str, tuple[str, str]] = {}
    for a in data["articles"]:
        cluster = str(a.get("cluster") or a.get("story"))
        for url in [a["url"], *a.get("aliases", [])]:
            out.setdefault(_key(url.replace("{PORT}", str(port)) if port else url.replace(":{PORT}", ""), port),
                           (cluster, a["role"]))
    return out


def _key(url: str, port: int | None) -> str:
    key = url_key(url)
    return key if port else _PORT.sub(r"\1", key)


def crawl(seeds: list[str], db_url: str) -> None:
    from crawler.run import run_crawl

    report = run_crawl(seeds, db_url, settings={"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "WARNING"})
    logger.info("crawl: %s", report.summary())
    if report.failed:
        raise SystemExit(f"crawl failed: {report.failed}")


def archived_pages(db_url: str) -> list[ArticleValue]:
    """The archive's pages as extracted (before site chrome), in the order first seen."""
    engine = create_engine(db_url)
    with Session(engine) as session:
        rows = session.scalars(select(Article).order_by(Article.first_seen, Article.id)).all()
        pages = [ArticleValue(url=a.url, text=a.raw_text, title=a.title, author=a.author, published=a.published,
                              sitename=a.sitename, language=a.language, canonical_url=a.canonical_url,
                              credits=tuple(a.credits or ()), is_excerpt=a.is_excerpt) for a in rows]
    engine.dispose()
    return pages


def replay(pages: list[ArticleValue], config: ArchiveConfig, folder: Path) -> dict[str, int]:
    """Ingest ``pages`` into a fresh archive with ``config``; return URL -> cluster id."""
    path = folder / "replay.db"
    for leftover in folder.glob("replay.db*"):
        leftover.unlink()
    with Archive(f"sqlite:///{path}", config) as archive:
        for page in pages:
            archive.ingest_article(page)
        with archive.reader() as session:
            return {row["url"]: row["cluster_id"] for row in export_rows(session)}


def score(clusters: dict[str, int], truth: dict[str, tuple[str, str]], port: int | None) -> dict[str, float]:
    """Pairwise and B-cubed precision/recall/F1 over archived non-excerpt articles of the truth."""
    pred: dict[str, int] = {}
    true: dict[str, str] = {}
    for url, cid in clusters.items():
        hit = truth.get(_key(url, port))
        if hit and hit[1] != "excerpt":
            pred[url], true[url] = cid, hit[0]
    both = Counter((pred[k], true[k]) for k in pred)
    psize, tsize = Counter(pred.values()), Counter(true.values())
    pairs = lambda n: n * (n - 1) // 2  # noqa: E731
    tp = sum(pairs(n) for n in both.values())
    p = tp / max(sum(pairs(n) for n in psize.values()), 1)
    r = tp / max(sum(pairs(n) for n in tsize.values()), 1)
    bp = sum(both[(pred[k], true[k])] / psize[pred[k]] for k in pred) / max(len(pred), 1)
    br = sum(both[(pred[k], true[k])] / tsize[true[k]] for k in pred) / max(len(pred), 1)
    return {"precision": p, "recall": r, "f1": _f1(p, r), "bcubed_precision": bp, "bcubed_recall": br,
            "bcubed_f1": _f1(bp, br), "articles": len(pred)}


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def sweep(pages: list[ArticleValue], truth: dict, port: int | None, folder: Path) -> list[dict[str, Any]]:
    rows = []
    base = ArchiveConfig()
    for param, values in SWEEPS.items():
        for value in values:
            figures = score(replay(pages, replace(base, **{param: value, **OTHER_OFF[param]}), folder), truth, port)
            rows.append({"parameter": param, "value": value, "default": value == getattr(base, param), **figures})
            logger.info("%s=%.2f  P %.3f  R %.3f  F1 %.3f", param, value, figures["precision"], figures["recall"],
                        figures["f1"])
    rows.append({"parameter": "defaults", "value": 0.0, "default": True, **score(replay(pages, base, folder), truth, port)})
    return rows


def write_outputs(rows: list[dict[str, Any]], out: Path, source: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with (out / "quality.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    lines = [f"# Clustering quality by threshold ({source})", "",
             "Each threshold alone: the other join path is turned off while it is swept.", ""]
    for param in SWEEPS:
        lines += [f"## {param}", "", "| value | pairwise P | pairwise R | pairwise F1 | B-cubed F1 |",
                  "| ---: | ---: | ---: | ---: | ---: |"]
        lines += [f"| {r['value']:.2f}{' (default)' if r['default'] else ''} | {r['precision']:.3f} | "
                  f"{r['recall']:.3f} | {r['f1']:.3f} | {r['bcubed_f1']:.3f} |" for r in rows if r["parameter"] == param]
        lines.append("")
    both = next(r for r in rows if r["parameter"] == "defaults")
    lines.append(f"Both paths at their defaults: pairwise P {both['precision']:.3f}, R {both['recall']:.3f}, "
                 f"F1 {both['f1']:.3f}; B-cubed F1 {both['bcubed_f1']:.3f} over {both['articles']} articles.")
    (out / "quality.md").write_text("\n".join(lines), encoding="utf-8")
    plot(rows, out / "quality.png", source)


def plot(rows: list[dict[str, Any]], path: Path, source: str) -> None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        logger.warning("matplotlib is not installed (pip install -e '.[bench]'): no plot written")
        return
    fig, axes = plt.subplots(1, len(SWEEPS), figsize=(11, 4), sharey=True)
    for ax, param in zip(axes, SWEEPS):
        data = [r for r in rows if r["parameter"] == param]
        xs = [r["value"] for r in data]
        for metric, style in (("precision", "-o"), ("recall", "-s"), ("f1", "-^")):
            ax.plot(xs, [r[metric] for r in data], style, label=f"pairwise {metric}", markersize=4)
        ax.axvline(getattr(ArchiveConfig(), param), color="grey", linestyle="--", label="default")
        ax.set_xlabel(param)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("score")
    axes[0].legend(loc="lower left")
    fig.suptitle(f"Clustering quality by threshold ({source})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.quality", description=__doc__.split("\n")[0])
    parser.add_argument("--seeds-file", type=Path, help="crawl these seeds (one URL a line) instead of the demo web")
    parser.add_argument("--truth", type=Path, help="ground truth JSON of that web (required with --seeds-file/--db)")
    parser.add_argument("--db", help="score this already crawled archive instead of crawling")
    parser.add_argument("--port", type=int, help="port that replaces {PORT} in the truth's URLs (else ports ignored)")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("out"), help="output folder")
    heldout.add_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    if args.webs is not None:
        if args.seeds_file or args.db:
            parser.error("--webs generates its own webs: drop --seeds-file and --db")
        if args.webs < 1:
            parser.error("--webs must be 1 or more")
        with tempfile.TemporaryDirectory(prefix="newsarchive-quality-") as tmp:
            return heldout.run(args, args.out, Path(tmp))
    if (args.seeds_file or args.db) and not args.truth:
        parser.error("--truth is required with --seeds-file or --db")
    with tempfile.TemporaryDirectory(prefix="newsarchive-quality-") as tmp:
        folder = Path(tmp)
        db_url = args.db or f"sqlite:///{folder / 'crawl.db'}"
        if args.db:
            truth, source = load_truth(args.truth, args.port), args.truth.parent.name or "given web"
        elif args.seeds_file:
            from crawler.run import read_seeds

            crawl(read_seeds(args.seeds_file)[0], db_url)
            truth, source = load_truth(args.truth, args.port), args.truth.parent.name or "given web"
        else:
            from archive.demo.server import serve_demo

            with serve_demo() as web:
                truth_path = folder / "truth.json"
                web.web.write_truth(truth_path)
                crawl(list(web.seeds), db_url)
            truth, source = load_truth(truth_path, None), "demo web"
        logging.getLogger().setLevel(logging.INFO)               # Scrapy lowers the root logger to DEBUG
        logging.getLogger("archive").setLevel(logging.WARNING)
        rows = sweep(archived_pages(db_url), truth, args.port, folder)
    write_outputs(rows, args.out, source)
    print(f"wrote {args.out / 'quality.md'}, {args.out / 'quality.csv'} and {args.out / 'quality.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
