"""`newsarchive datasette-metadata`: valid JSON that describes every table, view and column of the
migrated schema as docs/schema.md does, canned queries that run on a real archive, and Datasette
serving it (when Datasette is installed: the `analysts` extra)."""

from __future__ import annotations

import importlib.util
import json
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from analystdata import build
from archive.cli.main import cli
from archive.analysis.datasette import QUERIES, TABLES

SCHEMA_DOC = Path(__file__).resolve().parents[2] / "docs" / "schema.md"
ECHO = "http://echo.test/2026/storm"


@pytest.fixture
def archive_file(tmp_path):
    path = tmp_path / "newsarchive.db"
    build(f"sqlite:///{path}")
    return path


def write_metadata(path: Path) -> dict:
    out = path.with_name("metadata.json")
    result = CliRunner().invoke(cli, ["datasette-metadata", "-o", str(out), "--db", f"sqlite:///{path}"])
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text(encoding="utf-8"))


def schema(path: Path) -> dict[str, list[str]]:
    """Every table and view of the archive with its columns (not SQLite's own, not the FTS5 index)."""
    con = sqlite3.connect(path)
    try:
        names = [n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")
                 if not n.startswith(("sqlite_", "article_fts"))]
        return {n: [row[1] for row in con.execute(f'PRAGMA table_info("{n}")')] for n in names}
    finally:
        con.close()


def test_the_metadata_describes_exactly_the_migrated_schema(archive_file):
    meta = write_metadata(archive_file)
    (name,) = meta["databases"]
    assert name == "newsarchive"                                      # Datasette names a file by its stem
    tables = meta["databases"][name]["tables"]
    have = schema(archive_file)
    assert set(tables) == set(have)                                   # every table and view, nothing else
    for table, entry in tables.items():
        assert entry["description"]
        assert set(entry["columns"]) == set(have[table]), table
        assert all(entry["columns"].values()), table
    assert tables["article"]["fts_table"] == "article_fts" and tables["article"]["fts_pk"] == "id"
    assert set(meta["databases"][name]["queries"]) == {"biggest_stories", "who_republishes_whom", "copies_of_url"}


def _doc_tables() -> dict[str, tuple[str, dict[str, str]]]:
    def plain(text: str) -> str:
        return re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text).replace("`", "").replace("**", "").strip()

    found = {}
    for section in re.split(r"^##+ ", SCHEMA_DOC.read_text(encoding="utf-8"), flags=re.M)[1:]:
        head, _, body = section.partition("\n")
        names = re.findall(r"`(\w+)`", head)
        rows = re.findall(r"^\| (.+?) \| (.+?) \|$", body, re.M)
        if not names or not rows:
            continue
        columns = {c: plain(meaning) for cells, meaning in rows if cells not in ("column", "---")
                   for c in re.findall(r"`(\w+)`", cells)}
        first = next(p for p in body.strip().split("\n\n") if not p.startswith("|"))
        found[names[0]] = (plain(" ".join(first.split())), columns)
    return found


def test_the_descriptions_are_those_of_the_schema_doc():
    assert _doc_tables() == TABLES


def test_canned_queries_run_on_a_real_archive(archive_file):
    con = sqlite3.connect(archive_file)
    con.row_factory = sqlite3.Row
    try:
        run = lambda name, **params: [dict(r) for r in con.execute(QUERIES[name]["sql"], params)]  # noqa: E731
        biggest = run("biggest_stories")
        copies = run("copies_of_url", url=ECHO)
        syndication = run("who_republishes_whom")
        by_canonical = run("copies_of_url", url="http://coast.test/storm")
    finally:
        con.close()
    assert [(r["size"], r["sites"], r["canonical_url"]) for r in biggest] == [
        (3, 3, "http://coast.test/storm"), (2, 2, "http://valley.test/budget")]
    assert [r["url"] for r in copies] == ["http://coast.test/storm", "http://lantern.test/news/storm", ECHO]
    assert copies[0]["role"] == "canonical" and copies[2]["delay_hours"] == 24.0
    assert by_canonical == copies
    assert [(r["origin_publisher"], r["republisher"], r["stories"]) for r in syndication] == [
        ("Coast Times", "Lantern Aid", 1), ("Coast Times", "River Echo", 1), ("Valley Post", "Lantern Aid", 1)]


def test_a_postgresql_archive_is_a_usage_error(pg_url):
    result = CliRunner().invoke(cli, ["datasette-metadata", "--db", pg_url])
    assert result.exit_code == 2
    assert "Datasette reads SQLite files only" in result.output


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _get_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own loopback server
        return json.loads(response.read())


@pytest.mark.skipif(importlib.util.find_spec("datasette") is None,
                    reason="datasette not installed (pip install -e '.[analysts]')")
def test_datasette_serves_the_archive_with_its_metadata(archive_file, tmp_path):
    write_metadata(archive_file)
    host = "127.0.0.93"
    port = _free_port(host)
    script = Path(sys.executable).with_name("datasette")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "datasette"]
    log = (tmp_path / "datasette.log").open("w")
    proc = subprocess.Popen([*command, "serve", str(archive_file), "-m", str(tmp_path / "metadata.json"),
                             "--host", host, "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://{host}:{port}/newsarchive"
    try:
        deadline = time.monotonic() + 60
        while True:                                                   # wait for it to listen
            try:
                biggest = _get_json(f"{base}/biggest_stories.json?_shape=array")
                break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"datasette did not serve: {(tmp_path / 'datasette.log').read_text()[-2000:]}")
                time.sleep(0.2)
        copies = _get_json(f"{base}/copies_of_url.json?_shape=array&url={urllib.request.quote(ECHO, safe='')}")
        found = _get_json(f"{base}/article.json?_shape=array&_search=%22lighthouse+keeper%22&_col=url")
        described = _get_json(f"http://{host}:{port}/-/metadata.json")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    assert [r["canonical_url"] for r in biggest] == ["http://coast.test/storm", "http://valley.test/budget"]
    assert [r["url"] for r in copies][-1] == ECHO and len(copies) == 3
    assert sorted(r["url"] for r in found) == ["http://coast.test/storm", ECHO, "http://lantern.test/news/storm"]
    assert described["databases"]["newsarchive"]["tables"]["cluster_members"]["description"]
