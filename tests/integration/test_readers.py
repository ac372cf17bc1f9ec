"""Read-only commands open what exists and never create or upgrade an archive: a missing file, an
empty database or a PostgreSQL URL naming no database is a one-line error (exit 1); a read-only
file is read; an older schema asks for `newsarchive migrate`; an archive made by a newer release is
refused by every command with one line (exit 1) and reported by `doctor`."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, text

from analystdata import build
from archive.cli.main import cli
from conftest import NEWSARCHIVE, PG_URL, cli_env, needs_pg
from faultweb import LOOPBACK_SETTINGS, FaultWeb, article_html

READERS = [["clusters"], ["show", "1"], ["export"], ["runs"], ["stats"], ["search", "harbour"], ["doctor"]]


def _fails_in_one_line(args: list[str], db_url: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--db", db_url])
    assert result.exit_code == 1, (result.output, result.exception)
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "Traceback" not in result.output, result.output
    return errors[0]


@pytest.mark.parametrize("args", READERS, ids=lambda a: a[0])
def test_a_missing_sqlite_file_is_not_created(tmp_path, args):
    error = _fails_in_one_line(args, f"sqlite:///{tmp_path / 'typo.db'}")
    assert "typo.db" in error
    assert list(tmp_path.iterdir()) == []


def _tables(db_url: str) -> list[str]:
    engine = create_engine(db_url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


@pytest.mark.parametrize("args", READERS, ids=lambda a: a[0])
def test_an_empty_database_stays_empty(db_url, args):
    if db_url.startswith("sqlite"):
        sqlite3.connect(db_url.removeprefix("sqlite:///")).close()        # an empty file
    error = _fails_in_one_line(args, db_url)
    assert "not a newsarchive archive" in error
    assert _tables(db_url) == []


@needs_pg
def test_a_postgresql_url_without_a_database_is_refused():
    from sqlalchemy.engine import make_url

    schema = f"t_{uuid.uuid4().hex[:10]}"        # where an archive would land in the maintenance database
    admin = create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        url = make_url(PG_URL)._replace(database=None).update_query_dict({"options": f"-csearch_path={schema}"})
        for args in (["clusters"], ["crawl", "http://127.0.0.2/"]):
            error = _fails_in_one_line(args, url.render_as_string(hide_password=False))
            assert "names no database" in error
        with admin.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM information_schema.tables WHERE table_schema = :s"),
                                {"s": schema}).scalar() == 0
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


def _without_file_override() -> None:
    """In the child: give up the capabilities that let root write any file (CAP_DAC_OVERRIDE,
    CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID), so file modes bind it as they bind any user."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2, 3, 4):
        libc.prctl(24, capability, 0, 0, 0)          # PR_CAPBSET_DROP; fails harmlessly without root


def test_a_read_only_archive_is_read(tmp_path):
    import subprocess

    folder = Path(tempfile.mkdtemp(prefix="na-readonly-"))
    try:
        db = folder / "archive.db"
        build(f"sqlite:///{db}")
        before = db.read_bytes()
        db.chmod(0o444)
        folder.chmod(0o555)
        for args in (["doctor"], ["clusters", "--json"], ["export"]):
            result = subprocess.run([*NEWSARCHIVE, *args, "--db", f"sqlite:///{db}"], env=cli_env(), cwd=folder,
                                    capture_output=True, text=True, preexec_fn=_without_file_override, timeout=120)
            assert result.returncode == 0, result.stderr[-2000:]
            assert result.stdout
        assert sorted(p.name for p in folder.iterdir()) == ["archive.db"] and db.read_bytes() == before
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


def _set_revision(db_url: str, revision: str) -> None:
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()


def test_an_older_schema_asks_for_migrate(db_url):
    from alembic import command
    from alembic.config import Config

    from archive.storage import store

    build(db_url)
    engine = store.make_engine(db_url)
    with engine.begin() as conn:
        cfg = Config()
        cfg.set_main_option("script_location", str(store.MIGRATIONS))
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "-1")
    engine.dispose()
    error = _fails_in_one_line(["clusters"], db_url)
    assert "newsarchive migrate" in error
    assert _fails_in_one_line(["doctor"], db_url) == error
    assert CliRunner().invoke(cli, ["migrate", "--db", db_url]).exit_code == 0
    result = CliRunner().invoke(cli, ["clusters", "--db", db_url])
    assert result.exit_code == 0 and "Storm closes the harbour" in result.output


NEWER = "this archive was made by a newer newsarchive (schema 9999_future); upgrade newsarchive"


def test_an_archive_of_a_newer_release_is_refused(db_url, tmp_path):
    build(db_url)
    _set_revision(db_url, "9999_future")
    for args in (["clusters"], ["doctor"], ["export"], ["migrate"]):
        assert _fails_in_one_line(args, db_url) == f"Error: {NEWER}"
    web = FaultWeb()
    try:
        site = web.site("127.0.0.2")
        site.page("/", article_html("Harbour dredging starts", 1))
        import subprocess

        result = subprocess.run([*NEWSARCHIVE, "crawl", f"{site.url}/", "--db", db_url, *LOOPBACK_SETTINGS],
                                env=cli_env(), cwd=tmp_path, capture_output=True, text=True, timeout=120)
    finally:
        web.close()
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == f"Error: {NEWER}" and "Traceback" not in result.stderr
