"""`export -o FILE` replaces FILE whole or not at all: a SIGKILL halfway leaves the previous export."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time

import pytest

from analystdata import build
from conftest import NEWSARCHIVE, cli_env

COPIES = 30_000         # article rows: an export long enough to be killed halfway


def _grow(db) -> None:
    """Copy the small archive's first article COPIES times (raw SQL: fast), each with a URL of its own."""
    with sqlite3.connect(db) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(article)") if row[1] != "id"]
        values = ["url_key || '/' || n.i" if c == "url_key" else "url || '/' || n.i" if c == "url" else c
                  for c in columns]
        conn.execute(f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {COPIES}) "
                     f"INSERT INTO article ({', '.join(columns)}) SELECT {', '.join(values)} "
                     f"FROM article, n WHERE article.id = 1")


@pytest.fixture(scope="module")
def big_archive(tmp_path_factory):
    db = tmp_path_factory.mktemp("export") / "big.db"
    build(f"sqlite:///{db}")
    _grow(db)
    return db


def _started_writing(folder, target, previous: bytes) -> bool:
    """The export has written something: into a file beside the target, or into the target itself."""
    if target.read_bytes() != previous:
        return True
    return any(p != target and p.stat().st_size > 0 for p in folder.iterdir())


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_export_killed_halfway_leaves_the_previous_file(big_archive, tmp_path, fmt):
    target = tmp_path / f"archive.{fmt}"
    previous = b"the previous good export\n"
    target.write_bytes(previous)
    proc = subprocess.Popen([*NEWSARCHIVE, "export", "--format", fmt, "-o", str(target), "--db",
                             f"sqlite:///{big_archive}"], env=cli_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not _started_writing(tmp_path, target, previous):
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline
            time.sleep(0.002)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL          # killed halfway, not finished
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert target.read_bytes() == previous


def test_export_replaces_the_file_when_it_completes(tmp_path):
    from click.testing import CliRunner

    from archive.cli.main import cli

    db = f"sqlite:///{tmp_path / 'a.db'}"
    build(db)
    target = tmp_path / "out.jsonl"
    target.write_text("old\n")
    result = CliRunner().invoke(cli, ["export", "-o", str(target), "--db", db])
    assert result.exit_code == 0, result.output
    assert len(target.read_text().splitlines()) == 6
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("a.db")] == ["out.jsonl"]   # no temporary left
    streamed = CliRunner().invoke(cli, ["export", "-o", "-", "--db", db])
    assert streamed.exit_code == 0 and len(streamed.stdout.splitlines()) == 6
