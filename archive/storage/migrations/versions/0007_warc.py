"""warc: where each article's raw page is stored (WARC file, offset, length, record id, payload
digest), the extractor and fingerprint versions it was made with, and WARC import progress

Revision ID: 0007
Revises: 0006
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_WARC_COLUMNS = (("warc_file", sa.Text()), ("warc_offset", sa.BigInteger()), ("warc_length", sa.BigInteger()),
                 ("warc_record_id", sa.String(128)), ("warc_digest", sa.String(128)))


def upgrade() -> None:
    # Plain ADD COLUMNs on both backends (SQLite adds a nullable column without a rebuild).
    for table in ("article", "article_version"):
        for name, kind in _WARC_COLUMNS:
            op.add_column(table, sa.Column(name, kind, nullable=True))
    op.add_column("article", sa.Column("extractor_version", sa.String(32), nullable=True))
    op.add_column("article", sa.Column("fingerprint_version", sa.String(64), nullable=True))
    op.create_table(
        "warc_import",
        sa.Column("source", sa.String(1024), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("first_digest", sa.String(128), nullable=True),
        sa.Column("next_offset", sa.BigInteger(), nullable=False),
        sa.Column("records", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("worker", sa.String(255), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_warc_import")),
    )


def downgrade() -> None:
    # Plain DROP COLUMNs (SQLite 3.35+): a batch rebuild of `article` would break the views on it.
    op.drop_table("warc_import")
    for name, _ in _WARC_COLUMNS:
        op.drop_column("article_version", name)
    for name in (*(n for n, _ in _WARC_COLUMNS), "extractor_version", "fingerprint_version"):
        op.drop_column("article", name)
