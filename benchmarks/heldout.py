"""Quality on generated webs nothing was tuned on: ``python -m benchmarks.quality --webs N``.

Each web is a seeded multilingual variety web (``archive.demo.variety``) that always carries the
held-out template and language (``--holdout-template``, ``--holdout-language``; the webs of the
tests and of tuning never use them) and seeds from ``--first-seed`` on (tests use small seeds).
Every web is served on loopback, crawled by ``newsarchive crawl`` in a process of its own into a
fresh SQLite archive, exported and scored (``benchmarks.webscore``). Prints each figure's mean
and worst over the webs, then the figures by variety and the stories whose canonical was wrong.
"""

from __future__ import annotations

import json
import logging
import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from archive.demo.locales import LANGUAGES
from archive.demo.model import Template
from archive.demo.variety import HELD_OUT_LANGUAGE, HELD_OUT_TEMPLATE, TEMPLATES, Mix, benchmark_mix
from benchmarks.webscore import METRICS, WebScore, score_web

logger = logging.getLogger(__name__)

FIRST_SEED = 1001
LOWER_IS_BETTER = {"chrome_leakage", "junk_rate"}
CRAWL_SETTINGS = ("DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", "LOG_LEVEL=WARNING")


def add_arguments(parser) -> None:  # noqa: ANN001 - an argparse parser
    """The held-out run's options on ``benchmarks.quality``'s parser."""
    parser.add_argument("--webs", type=int, metavar="N", help="score N generated held-out webs (different seeds)")
    parser.add_argument("--holdout-template", default=str(HELD_OUT_TEMPLATE), choices=[str(t) for t in TEMPLATES],
                        help=f"template only the benchmark webs use (default {HELD_OUT_TEMPLATE})")
    parser.add_argument("--holdout-language", default=HELD_OUT_LANGUAGE, choices=LANGUAGES,
                        help=f"language only the benchmark webs use (default {HELD_OUT_LANGUAGE})")
    parser.add_argument("--first-seed", type=int, default=FIRST_SEED, help=f"seed of the first web (default {FIRST_SEED})")


def crawl_and_export(seed: int, mix: Mix, folder: Path) -> tuple[Any, list[dict[str, Any]]]:
    """Serve the web of ``seed``, crawl it with the CLI in a child process; (truth, export rows)."""
    from archive.demo.server import serve_variety

    db_url = f"sqlite:///{folder / f'web-{seed}.db'}"
    with serve_variety(seed, mix) as web:
        seeds = folder / f"seeds-{seed}.txt"
        seeds.write_text("\n".join(web.seeds) + "\n", encoding="utf-8")
        command = [sys.executable, "-m", "archive.cli.main", "crawl", "--seeds-file", str(seeds), "--db", db_url]
        for setting in CRAWL_SETTINGS:
            command += ["-s", setting]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"crawl of web {seed} failed ({done.returncode}): {done.stderr.strip()[-400:]}")
        truth = web.truth
    return truth, export(db_url)


def export(db_url: str) -> list[dict[str, Any]]:
    """The archive's export rows (the JSONL export's fields)."""
    from archive import Archive
    from archive.analysis.queries import export_rows

    with Archive(db_url, readonly=True) as archive, archive.reader() as session:
        return list(export_rows(session))


def summarize(scores: list[WebScore]) -> dict[str, dict[str, Any]]:
    """Mean and worst of every figure over the webs (None figures are left out)."""
    out = {}
    for metric in METRICS:
        values = [s.figures[metric] for s in scores if s.figures.get(metric) is not None]
        worst = (max if metric in LOWER_IS_BETTER else min)(values) if values else None
        out[metric] = {"mean": statistics.mean(values) if values else None, "worst": worst, "webs": values}
    return out


def by_variety(scores: list[WebScore]) -> dict[str, Counter]:
    """The per-variety tallies of every web added up."""
    total: dict[str, Counter] = {}
    for score in scores:
        for variety, counts in score.by_variety.items():
            total.setdefault(variety, Counter()).update(counts)
    return dict(sorted(total.items()))


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def report(summary: dict[str, dict[str, Any]], varieties: dict[str, Counter], scores: list[WebScore],
           header: str) -> list[str]:
    """The printed report: figures (mean, worst, per web), figures by variety, wrong canonicals."""
    lines = [header, "", f"{'metric':<22}{'mean':>8}{'worst':>8}  per web"]
    for metric, row in summary.items():
        lines.append(f"{metric:<22}{_fmt(row['mean']):>8}{_fmt(row['worst']):>8}  "
                     + " ".join(_fmt(v) for v in row["webs"]))
    lines += ["", f"{'variety':<34}{'pages found':>12}{'canonical ok':>14}{'extraction F1':>15}{'date ok':>10}"]
    for variety, c in varieties.items():
        found = f"{c['found']}/{c['pages']}" if c["pages"] else "-"
        canonical = f"{c['canonical_ok']}/{c['stories']}" if c["stories"] else "-"
        extraction = _fmt(c["extraction_f1_sum"] / c["extracted"]) if c["extracted"] else "-"
        dates = f"{c['date_ok']}/{c['dated']}" if c["dated"] else "-"
        lines.append(f"{variety:<34}{found:>12}{canonical:>14}{extraction:>15}{dates:>10}")
    wrong = [w for s in scores for w in s.wrong_canonicals]
    if wrong:
        lines += ["", "stories with a wrong canonical (original; chosen; varieties of the story's pages):"]
        lines += [f"  {w['original']}; chosen {', '.join(w['chosen']) or 'none'}; {', '.join(w['varieties'])}"
                  for w in wrong]
    missed = [u for s in scores for u in s.missed]
    if missed:
        lines += ["", f"article pages not archived ({len(missed)}):"] + [f"  {u}" for u in missed[:20]]
    for title, found in (("pages leaking chrome", [u for s in scores for u in s.leaks]),
                         ("pages with a wrong date", [u for s in scores for u in s.misdated])):
        if found:
            lines += ["", f"{title} ({len(found)}):"] + [f"  {u}" for u in found[:20]]
    return lines


def run(args, out: Path, folder: Path) -> int:  # noqa: ANN001 - argparse namespace
    """Score ``args.webs`` held-out webs; print the report and write ``quality-webs.json`` to ``out``."""
    mix = benchmark_mix(Template(args.holdout_template), args.holdout_language)
    scores = []
    for seed in range(args.first_seed, args.first_seed + args.webs):
        truth, rows = crawl_and_export(seed, mix, folder)
        scores.append(score_web(truth, rows))
        logger.info("web %d: %s", seed, json.dumps({k: v for k, v in scores[-1].figures.items()}, default=str))
    summary, varieties = summarize(scores), by_variety(scores)
    header = (f"{args.webs} held-out webs (seeds {args.first_seed}-{args.first_seed + args.webs - 1}; "
              f"held-out template {args.holdout_template}, language {args.holdout_language})")
    print("\n".join(report(summary, varieties, scores, header)))
    out.mkdir(parents=True, exist_ok=True)
    (out / "quality-webs.json").write_text(json.dumps(
        {"summary": summary, "by_variety": varieties, "wrong_canonicals": [w for s in scores for w in s.wrong_canonicals]},
        indent=2, ensure_ascii=False), encoding="utf-8")
    return 0
