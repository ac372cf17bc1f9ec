"""publishers: publisher and publisher_alias tables; article.date_source, evidence, publisher_id

Revision ID: 0006
Revises: 0005
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publisher",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_publisher"),
    )
    op.create_table(
        "publisher_alias",
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("publisher_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["publisher_id"], ["publisher.id"], name="fk_publisher_alias_publisher_id_publisher"),
        sa.PrimaryKeyConstraint("kind", "key", name="pk_publisher_alias"),
    )
    op.create_index("ix_publisher_alias_publisher_id", "publisher_alias", ["publisher_id"])
    # A plain ADD COLUMN on both backends (SQLite cannot add a constraint without rebuilding the
    # table, which its views and search triggers forbid): publisher_id refers to publisher.id.
    op.add_column("article", sa.Column("date_source", sa.String(64), nullable=True))
    op.add_column("article", sa.Column("evidence", sa.JSON(), nullable=True))
    op.add_column("article", sa.Column("publisher_id", sa.Integer(), nullable=True))
    op.create_index("ix_article_publisher_id", "article", ["publisher_id"])


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+): a batch rebuild of `article` is refused while views read it.
    op.drop_index("ix_article_publisher_id", "article")
    for column in ("publisher_id", "evidence", "date_source"):
        op.drop_column("article", column)
    op.drop_index("ix_publisher_alias_publisher_id", "publisher_alias")
    op.drop_table("publisher_alias")
    op.drop_table("publisher")
