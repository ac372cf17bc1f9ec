"""article_line: the distinct lines of each article's extracted text by hash, so the pages of a
site holding a line that became chrome are found by an index probe; filled for existing articles

Revision ID: 0009
Revises: 0008
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from archive.neardup.lines import page_lines

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_BATCH = 500


def upgrade() -> None:
    op.create_table(
        "article_line",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("line_hash", sa.BigInteger(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["article.id"], name=op.f("fk_article_line_article_id_article"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id", "line_hash", name=op.f("pk_article_line")),
    )
    _fill(op.get_bind())
    op.create_index("ix_article_line_site_id_line_hash", "article_line", ["site_id", "line_hash"])


def _fill(connection: sa.engine.Connection) -> None:
    """The lines of every archived article's raw text (the hashes ``lines.page_lines`` gives),
    read and written a batch of articles at a time."""
    article = sa.table("article", sa.column("id"), sa.column("site_id"), sa.column("raw_text"))
    lines = sa.table("article_line", sa.column("article_id"), sa.column("line_hash"), sa.column("site_id"))
    after = 0
    while True:
        batch = connection.execute(sa.select(article.c.id, article.c.site_id, article.c.raw_text)
                                   .where(article.c.id > after).order_by(article.c.id).limit(_BATCH)).all()
        if not batch:
            return
        rows = [{"article_id": i, "line_hash": h, "site_id": site} for i, site, raw in batch
                for h in page_lines(raw or "")]
        if rows:
            connection.execute(lines.insert(), rows)
        after = batch[-1][0]


def downgrade() -> None:
    op.drop_index("ix_article_line_site_id_line_hash", table_name="article_line")
    op.drop_table("article_line")
