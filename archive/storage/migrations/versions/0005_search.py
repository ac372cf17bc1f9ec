"""search: full-text index over article title and text (SQLite FTS5, PostgreSQL GIN)

Revision ID: 0005
Revises: 0004
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

logger = logging.getLogger("archive.migrations")

# Kept in step with archive/queries.py (FTS_TABLE, SEARCH_INDEX, SEARCH_DOCUMENT): a migration
# holds its own copy so that it builds the same schema whatever the library becomes later.
FTS_TABLE = "article_fts"
SEARCH_INDEX = "ix_article_search"
SEARCH_DOCUMENT = "to_tsvector('simple'::regconfig, COALESCE(title, '') || ' ' || text)"

# SQLite: an external-content FTS5 table (the words are indexed, the text stays in `article`),
# kept in step with `article` by triggers on every insert, update of title or text, and delete.
SQLITE_UP = [
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(title, text, content='article', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    f"""CREATE TRIGGER {FTS_TABLE}_insert AFTER INSERT ON article BEGIN
  INSERT INTO {FTS_TABLE}(rowid, title, text) VALUES (new.id, new.title, new.text);
END""",
    f"""CREATE TRIGGER {FTS_TABLE}_delete AFTER DELETE ON article BEGIN
  INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
END""",
    f"""CREATE TRIGGER {FTS_TABLE}_update AFTER UPDATE OF title, text ON article BEGIN
  INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
  INSERT INTO {FTS_TABLE}(rowid, title, text) VALUES (new.id, new.title, new.text);
END""",
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",     # index the articles already archived
]


def _has_fts5(connection: sa.Connection) -> bool:
    try:
        connection.exec_driver_sql("CREATE VIRTUAL TABLE temp.newsarchive_fts5_probe USING fts5(x)")
    except sa.exc.OperationalError:
        return False
    connection.exec_driver_sql("DROP TABLE temp.newsarchive_fts5_probe")
    return True


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        if not _has_fts5(connection):
            logger.warning("this SQLite has no FTS5: `newsarchive search` matches substrings instead")
            return
        for statement in SQLITE_UP:
            op.execute(statement)
    elif connection.dialect.name == "postgresql":
        # An expression index: the query must use the very same expression (archive/queries.py).
        op.execute(f"CREATE INDEX {SEARCH_INDEX} ON article USING gin ({SEARCH_DOCUMENT})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{trigger}")
        op.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    else:
        op.execute(f"DROP INDEX IF EXISTS {SEARCH_INDEX}")
