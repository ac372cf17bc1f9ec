"""Every SQL example of docs/analysts.md runs and returns rows on both backends; the Python ones
run on SQLite when pandas and DuckDB are installed (the `analysts` extra)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from analystdata import build

DOC = Path(__file__).resolve().parents[2] / "docs" / "analysts.md"
BLOCKS = re.findall(r"```(sql|python)\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
SQL = [body for lang, body in BLOCKS if lang == "sql"]
ONLY = re.compile(r"^-- (sqlite|postgresql) only\n")


def test_the_doc_has_examples_for_both_backends():
    only = [m.group(1) for m in map(ONLY.match, SQL) if m]
    assert len(SQL) >= 10 and {"sqlite", "postgresql"} <= set(only)


def run_examples(db_url: str) -> tuple[int, int, list[str]]:
    """Run every SQL example meant for ``db_url``'s backend: (ran, returned rows, failures)."""
    dialect = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    engine = create_engine(db_url)
    ran, with_rows, failed = 0, 0, []
    try:
        for number, sql in enumerate(SQL, 1):
            only = ONLY.match(sql)
            if only and only.group(1) != dialect:
                continue
            with engine.connect() as conn:
                try:
                    rows = conn.execute(text(sql.replace(":", r"\:"))).all()
                except Exception as exc:  # noqa: BLE001 - report every broken example at once
                    failed.append(f"example {number}: {str(exc).splitlines()[0]}\n{sql}")
                    continue
            ran += 1
            if rows:
                with_rows += 1
            else:
                failed.append(f"example {number} returned no rows:\n{sql}")
    finally:
        engine.dispose()
    return ran, with_rows, failed


def test_every_sql_example_runs_and_returns_rows(db_url):
    build(db_url)
    ran, _, failed = run_examples(db_url)
    assert not failed, "\n".join(failed)
    assert ran >= 10


@pytest.mark.skipif(not (importlib.util.find_spec("pandas") and importlib.util.find_spec("duckdb")),
                    reason="pandas and duckdb not installed (pip install -e '.[analysts]')")
def test_python_examples_run_on_the_sqlite_file(tmp_path, monkeypatch, capsys):
    build(f"sqlite:///{tmp_path / 'newsarchive.db'}")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for lang, body in BLOCKS:
        if lang == "python":
            exec(compile(body, str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation
    assert "Lantern Aid" in capsys.readouterr().out
