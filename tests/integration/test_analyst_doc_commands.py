"""The `newsarchive` commands shown in docs/analysts.md run on both backends, and the SQL of
docs/schema.md (its full-text search examples) returns rows."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import create_engine, text

from analystdata import build
from archive.cli.main import cli

DOCS = Path(__file__).resolve().parents[2] / "docs"
ONLY = re.compile(r"^-- (sqlite|postgresql) only\n")


def doc_commands() -> list[list[str]]:
    """Each `newsarchive ...` line of the sh blocks of analysts.md, as arguments, comments dropped."""
    blocks = re.findall(r"```sh\n(.*?)```", (DOCS / "analysts.md").read_text(encoding="utf-8"), re.S)
    return [shlex.split(line, comments=True)[1:] for block in blocks for line in block.splitlines()
            if line.startswith("newsarchive ")]


def _with_db(args: list[str], db_url: str) -> list[str]:
    """The command with its --db replaced by ``db_url`` (put before any `--`)."""
    rest = list(args[1:])
    if "--db" in rest:
        at = rest.index("--db")
        del rest[at:at + 2]
    return [args[0], "--db", db_url, *rest]


def test_every_newsarchive_command_of_the_analyst_doc_runs(db_url, tmp_path, monkeypatch):
    build(db_url)
    monkeypatch.chdir(tmp_path)
    commands = doc_commands()
    assert {"search", "datasette-metadata"} <= {c[0] for c in commands}
    for args in commands:
        result = CliRunner().invoke(cli, _with_db(args, db_url))
        if args[0] == "datasette-metadata" and not db_url.startswith("sqlite"):
            assert result.exit_code == 2 and "SQLite files only" in result.output
            continue
        if args[0] == "export" and "parquet" in args and result.exit_code != 0:
            assert "needs pyarrow" in result.output                  # the parquet extra is not installed
            continue
        assert result.exit_code == 0, (args, result.output)


def test_the_schema_doc_sql_runs_and_returns_rows(db_url):
    dialect = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    build(db_url)
    blocks = re.findall(r"```sql\n(.*?)```", (DOCS / "schema.md").read_text(encoding="utf-8"), re.S)
    blocks = [re.sub(r"^  ", "", b, flags=re.M) for b in blocks]     # blocks inside list items are indented
    mine = [b for b in blocks if (ONLY.match(b) or ONLY.match(f"-- {dialect} only\n")).group(1) == dialect]
    assert mine
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            for sql in mine:
                assert conn.execute(text(sql.replace(":", r"\:"))).all(), sql
    finally:
        engine.dispose()
