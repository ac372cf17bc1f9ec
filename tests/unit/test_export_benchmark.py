"""benchmarks/export.py runs end to end on a tiny archive: whole exports, a peak RSS per run and
the ratios in its JSON line (the figures themselves are never asserted)."""

from __future__ import annotations

import json

from benchmarks.export import main, ratios


def test_the_export_benchmark_reports_every_run_and_the_ratios(capsys):
    assert main(["--sizes", "40,20", "--formats", "jsonl"]) == 0
    result = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert result["benchmark"] == "export" and result["sizes"] == [20, 40]
    runs = {(r["format"], r["size"]): r for r in result["results"]}
    assert set(runs) == {("jsonl", 20), ("jsonl", 40)}
    assert all(r["rows"] == r["size"] and r["peak_rss_mb"] > 10 for r in runs.values())
    assert set(result["rss_ratio"]["sqlite"]) == {"jsonl"}


def test_ratios_divide_the_largest_size_by_the_smallest():
    rows = [{"backend": "sqlite", "format": "csv", "size": s, "peak_rss_mb": m} for s, m in ((10, 50.0), (100, 55.0))]
    assert ratios(rows) == {"sqlite": {"csv": 1.1}}
