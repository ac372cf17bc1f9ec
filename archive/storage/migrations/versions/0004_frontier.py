"""frontier: the crawl frontier in the archive; crawl_run.heartbeat_at

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "frontier",
        sa.Column("url_key", sa.String(2048), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("found_via", sa.String(32), nullable=True),
        sa.Column("depth", sa.SmallInteger(), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.String(64), nullable=True),
        sa.Column("discovered_run", sa.Integer(), nullable=True),
        sa.Column("discovered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("url_key", name=op.f("pk_frontier")),
    )
    op.create_index("ix_frontier_state_host", "frontier", ["state", "host"])
    op.add_column("crawl_run", sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crawl_run") as batch:
        batch.drop_column("heartbeat_at")
    op.drop_index("ix_frontier_state_host", table_name="frontier")
    op.drop_table("frontier")
