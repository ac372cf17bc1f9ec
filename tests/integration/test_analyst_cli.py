"""`stats`, `sources`, `search` and the `clusters` filters on both backends, JSON and tables."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from analystdata import build
from archive.cli.analyst import duration
from archive.cli.main import cli


@pytest.fixture
def built(db_url):
    build(db_url)
    return db_url


def run(db_url: str, *args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--db", db_url], prog_name="newsarchive")
    assert result.exit_code == 0, result.output
    return result.stdout


def run_json(db_url: str, *args: str):
    return json.loads(run(db_url, *args, "--json"))


def test_stats_counts_copies_per_site_and_day(built):
    stats = run_json(built, "stats")
    assert (stats["articles"], stats["clusters"], stats["clusters_with_copies"], stats["copies"]) == (6, 3, 2, 3)
    share = {r["host"]: (r["articles"], r["copies"]) for r in stats["by_site"]}
    assert share == {"lantern.test": (2, 2), "valley.test": (2, 0), "coast.test": (1, 0), "echo.test": (1, 1)}
    assert [(d["day"], d["articles"], d["copies"]) for d in stats["per_day"]] == [
        ("2026-03-02", 2, 1), ("2026-03-03", 3, 2), ("2026-03-04", 1, 0)]
    assert "lantern.test" in run(built, "stats") and "100%" in run(built, "stats")


def test_sources_gives_who_republishes_whom_with_delays(built):
    rows = run_json(built, "sources")
    assert [(r["origin"], r["republisher"], r["stories"], r["median_delay_seconds"], r["max_delay_seconds"])
            for r in rows] == [("Coast Times", "Lantern Aid", 1, 7200, 7200),
                               ("Coast Times", "River Echo", 1, 86400, 86400),
                               ("Valley Post", "Lantern Aid", 1, 21600, 21600)]
    table = run(built, "sources")
    assert "River Echo" in table and "1d00h" in table and "6h00m" in table


def test_search_finds_title_and_text_words_with_their_cluster(built):
    hits = run_json(built, "search", "lighthouse keeper")
    assert sorted(h["url"] for h in hits) == ["http://coast.test/storm", "http://echo.test/2026/storm",
                                              "http://lantern.test/news/storm"]
    assert {h["cluster_size"] for h in hits} == {3} and len({h["cluster_id"] for h in hits}) == 1
    (museum,) = run_json(built, "search", "Glasshouse")
    assert museum["url"] == "http://valley.test/museum" and museum["cluster_size"] == 1
    assert run_json(built, "search", "glasshouse lighthouse") == []
    assert len(run_json(built, "search", "lighthouse", "--limit", "2")) == 2
    assert "http://valley.test/museum" in run(built, "search", "glasshouse")


def test_search_without_words_is_a_usage_error(built):
    result = CliRunner().invoke(cli, ["search", "  ", "--db", built])
    assert result.exit_code == 2 and "give at least one word" in result.output


def test_clusters_filter_by_site_and_dates_and_sort_by_recency(built):
    urls = lambda *args: [r["canonical_url"] for r in run_json(built, "clusters", *args)]  # noqa: E731
    assert urls() == ["http://coast.test/storm", "http://valley.test/budget"]
    assert urls("--sort", "recent") == ["http://valley.test/budget", "http://coast.test/storm"]
    assert urls("--site", "echo.test") == ["http://coast.test/storm"]
    assert urls("--site", "lantern aid") == ["http://coast.test/storm", "http://valley.test/budget"]
    assert urls("--since", "2026-03-03") == ["http://valley.test/budget"]
    assert urls("--until", "2026-03-02") == ["http://coast.test/storm"]
    assert urls("--min-size", "1", "--since", "2026-03-03", "--until", "2026-03-03T12:00:00") == [
        "http://valley.test/budget"]
    assert urls("--min-size", "1", "--sort", "recent")[0] == "http://valley.test/museum"


def test_delays_read_as_people_write_them():
    assert [duration(s) for s in (None, 42, 720, 7200 + 300, 86400 * 2 + 3600 * 4, -90)] == [
        "-", "42s", "12m", "2h05m", "2d04h", "-1m"]


def test_export_takes_the_cluster_filters(built, tmp_path):
    every = [json.loads(line) for line in run(built, "export").splitlines()]
    assert len(every) == 6
    echo = [json.loads(line) for line in run(built, "export", "--site", "echo.test").splitlines()]
    assert sorted(r["url"] for r in echo) == ["http://coast.test/storm", "http://echo.test/2026/storm",
                                              "http://lantern.test/news/storm"]
    assert set(echo[0]) == set(every[0]) and {r["cluster_id"] for r in echo} == {echo[0]["cluster_id"]}
    later = run(built, "export", "--format", "csv", "--min-size", "2", "--since", "2026-03-03")
    rows = list(csv.DictReader(io.StringIO(later)))
    assert sorted(r["url"] for r in rows) == ["http://lantern.test/news/budget", "http://valley.test/budget"]


def test_parquet_export_needs_a_file(built):
    result = CliRunner().invoke(cli, ["export", "--format", "parquet", "--db", built])
    assert result.exit_code == 2 and "--format parquet needs -o FILE" in result.output


def test_parquet_export_holds_the_same_rows(built, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet", reason="pyarrow not installed (pip install -e '.[parquet]')")
    out = tmp_path / "copies.parquet"
    run(built, "export", "--format", "parquet", "-o", str(out), "--min-size", "2")
    table = pq.read_table(out).to_pylist()
    assert sorted(r["url"] for r in table) == sorted(
        json.loads(line)["url"] for line in run(built, "export", "--min-size", "2").splitlines())
    assert len(table) == 5 and all(r["first_seen"].tzinfo is not None for r in table)
