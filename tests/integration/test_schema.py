"""The schema comes from Alembic migrations that match the models, on both backends."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

import archivecheck
from archive import Archive
from archive.errors import DatabaseUnavailable
from archive.storage.models import Base
from archive.analysis.queries import include_object


def test_migrations_build_exactly_the_models(db_url):
    Archive(db_url).close()
    engine = create_engine(db_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        diff = compare_metadata(context, Base.metadata)
        revision = MigrationContext.configure(conn).get_current_revision()
        views = set(inspect(conn).get_view_names())
    engine.dispose()
    assert diff == []
    assert revision is not None
    assert {"cluster_member", "cluster_summary"} <= views


def test_opening_twice_is_idempotent(db_url):
    Archive(db_url).close()
    with Archive(db_url) as archive:
        assert archivecheck.stats(archive)["articles"] == 0


def test_sqlite_archive_uses_wal(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    Archive(url).close()
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


@pytest.mark.parametrize("url, message", [
    ("sqlite:////nonexistent-folder/x.db", "folder /nonexistent-folder does not exist"),
    ("nosuchdb://x", "cannot open"),
    ("postgresql+psycopg://u:s3cr3t@127.0.0.1:1/db", "cannot open postgresql+psycopg://u:***@127.0.0.1:1/db"),
])
def test_unopenable_database_is_one_clear_line(url, message):
    with pytest.raises(DatabaseUnavailable) as info:
        Archive(url)
    text = str(info.value)
    assert message in text and "\n" not in text and "s3cr3t" not in text
