"""analyst views: cluster_members and syndication

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# Seconds from the canonical's publication (its first_seen when the page gave no date) to the
# moment the archive first saw this copy; the only part of the views that differs by backend.
DELAY = {
    "sqlite": "(julianday(a.first_seen) - julianday(COALESCE(ca.published, ca.first_seen))) * 86400.0",
    "postgresql": "CAST(EXTRACT(EPOCH FROM (a.first_seen - COALESCE(ca.published, ca.first_seen)))"
                  " AS DOUBLE PRECISION)",
}

CLUSTER_MEMBERS = """
CREATE VIEW cluster_members AS
SELECT c.id AS cluster_id,
       c.size AS cluster_size,
       ca.id AS canonical_id,
       ca.url AS canonical_url,
       COALESCE(ca.sitename, cs.name, cs.host) AS canonical_publisher,
       c.origin AS credited_origin,
       a.id AS article_id,
       a.url AS url,
       a.title AS title,
       COALESCE(a.sitename, s.name, s.host) AS site,
       s.host AS host,
       a.published AS published,
       a.first_seen AS first_seen,
       a.similarity AS similarity,
       a.role AS role,
       {delay} AS delay_seconds
FROM article a
JOIN cluster c ON c.id = a.cluster_id
JOIN site s ON s.id = a.site_id
LEFT JOIN article ca ON ca.id = c.canonical_id
LEFT JOIN site cs ON cs.id = ca.site_id
WHERE c.merged_into IS NULL
"""

# Portable aggregates only: the median delay is computed by `newsarchive sources` (SQLite has no
# median aggregate; PostgreSQL's percentile_cont is shown in docs/analysts.md).
SYNDICATION = """
CREATE VIEW syndication AS
SELECT canonical_publisher AS origin_publisher,
       site AS republisher,
       COUNT(DISTINCT cluster_id) AS stories,
       COUNT(*) AS copies,
       AVG(delay_seconds) AS avg_delay_seconds,
       MIN(delay_seconds) AS min_delay_seconds,
       MAX(delay_seconds) AS max_delay_seconds,
       AVG(similarity) AS avg_similarity
FROM cluster_members
WHERE role <> 'canonical'
GROUP BY canonical_publisher, site
"""


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute(CLUSTER_MEMBERS.format(delay=DELAY.get(dialect, DELAY["postgresql"])))
    op.execute(SYNDICATION)


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS syndication")
    op.execute("DROP VIEW IF EXISTS cluster_members")
