"""initial schema

Revision ID: 0001
Revises: 
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

# Views for analysts: the documented SQL reads these, so it survives table changes.
VIEWS = [
    """
    CREATE VIEW cluster_member AS
    SELECT c.id AS cluster_id,
           ca.url AS canonical_url,
           COALESCE(ca.sitename, cs.name, cs.host) AS canonical_publisher,
           c.origin AS credited_origin,
           a.id AS article_id,
           a.url AS url,
           COALESCE(a.sitename, s.name, s.host) AS site,
           s.host AS host,
           a.title AS title,
           a.published AS published,
           a.first_seen AS first_seen,
           a.similarity AS similarity,
           a.role AS role
    FROM article a
    JOIN cluster c ON c.id = a.cluster_id
    JOIN site s ON s.id = a.site_id
    LEFT JOIN article ca ON ca.id = c.canonical_id
    LEFT JOIN site cs ON cs.id = ca.site_id
    """,
    """
    CREATE VIEW cluster_summary AS
    SELECT c.id AS cluster_id,
           c.size AS size,
           ca.title AS title,
           ca.url AS canonical_url,
           COALESCE(ca.sitename, cs.name, cs.host) AS canonical_publisher,
           c.origin AS credited_origin,
           c.created_at AS created_at,
           c.updated_at AS updated_at
    FROM cluster c
    LEFT JOIN article ca ON ca.id = c.canonical_id
    LEFT JOIN site cs ON cs.id = ca.site_id
    WHERE c.merged_into IS NULL AND c.size > 0
    """,
]


STAMP = sa.DateTime(timezone=True)


def _required(**types: sa.types.TypeEngine) -> list[sa.Column]:
    """NOT NULL columns, in the order given."""
    return [sa.Column(name, type_, nullable=False) for name, type_ in types.items()]


def _optional(**types: sa.types.TypeEngine) -> list[sa.Column]:
    """Nullable columns, in the order given."""
    return [sa.Column(name, type_, nullable=True) for name, type_ in types.items()]


def upgrade() -> None:
    op.create_table('cluster',
    *_required(id=sa.Integer()),
    *_optional(canonical_id=sa.Integer()),
    *_required(size=sa.Integer()),
    *_optional(origin=sa.String(255), origin_url=sa.Text(), merged_into=sa.Integer()),
    *_required(created_at=STAMP, updated_at=STAMP),
    sa.ForeignKeyConstraint(['merged_into'], ['cluster.id'], name=op.f('fk_cluster_merged_into_cluster')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cluster'))
    )
    op.create_table('crawl_run',
    *_required(id=sa.Integer(), started_at=STAMP),
    *_optional(finished_at=STAMP),
    *_required(status=sa.String(16), seeds=sa.JSON(), stats=sa.JSON()),
    *_optional(pid=sa.Integer(), hostname=sa.String(255), reason=sa.Text()),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crawl_run'))
    )
    op.create_table('meta',
    *_required(key=sa.String(64), value=sa.Text()),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_meta'))
    )
    op.create_table('site',
    *_required(id=sa.Integer(), host=sa.String(255)),
    *_optional(name=sa.String(255)),
    *_required(first_seen=STAMP),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site')),
    sa.UniqueConstraint('host', name=op.f('uq_site_host'))
    )
    op.create_table('article',
    *_required(id=sa.Integer(), url_key=sa.String(2048), url=sa.Text()),
    *_optional(canonical_url=sa.Text()),
    *_required(site_id=sa.Integer()),
    *_optional(title=sa.Text(), author=sa.Text(), sitename=sa.String(255), published=STAMP, language=sa.String(16)),
    *_required(text=sa.Text(), raw_text=sa.Text(), text_hash=sa.String(64), signature=sa.LargeBinary(),
               shingle_count=sa.Integer(), credits=sa.JSON(), is_excerpt=sa.Boolean()),
    *_optional(cluster_id=sa.Integer()),
    *_required(role=sa.String(16)),
    *_optional(similarity=sa.Double(), found_via=sa.String(32)),
    *_required(version=sa.Integer()),
    *_optional(etag=sa.Text(), last_modified=sa.Text()),
    *_required(first_seen=STAMP, fetched_at=STAMP),
    sa.ForeignKeyConstraint(['cluster_id'], ['cluster.id'], name=op.f('fk_article_cluster_id_cluster')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_article_site_id_site')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_article')),
    sa.UniqueConstraint('url_key', name=op.f('uq_article_url_key'))
    )
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_article_cluster_id'), ['cluster_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_article_site_id'), ['site_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_article_text_hash'), ['text_hash'], unique=False)

    op.create_table('site_line',
    *_required(site_id=sa.Integer(), line_hash=sa.BigInteger(), pages=sa.Integer(), line=sa.Text()),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_site_line_site_id_site')),
    sa.PrimaryKeyConstraint('site_id', 'line_hash', name=op.f('pk_site_line'))
    )
    op.create_table('article_version',
    *_required(id=sa.Integer(), article_id=sa.Integer(), version=sa.Integer()),
    *_optional(title=sa.Text()),
    *_required(text=sa.Text(), text_hash=sa.String(64), fetched_at=STAMP),
    sa.ForeignKeyConstraint(['article_id'], ['article.id'], name=op.f('fk_article_version_article_id_article'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_article_version'))
    )
    with op.batch_alter_table('article_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_article_version_article_id'), ['article_id'], unique=False)

    op.create_table('lsh_band',
    *_required(article_id=sa.Integer(), band=sa.SmallInteger(), bucket=sa.BigInteger()),
    sa.ForeignKeyConstraint(['article_id'], ['article.id'], name=op.f('fk_lsh_band_article_id_article'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'band', name=op.f('pk_lsh_band'))
    )
    with op.batch_alter_table('lsh_band', schema=None) as batch_op:
        batch_op.create_index('ix_lsh_band_band_bucket', ['band', 'bucket'], unique=False)

    op.create_table('lead_key',
    *_required(article_id=sa.Integer(), key=sa.BigInteger()),
    sa.ForeignKeyConstraint(['article_id'], ['article.id'], name=op.f('fk_lead_key_article_id_article'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'key', name=op.f('pk_lead_key'))
    )
    with op.batch_alter_table('lead_key', schema=None) as batch_op:
        batch_op.create_index('ix_lead_key_key', ['key'], unique=False)

    for statement in VIEWS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS cluster_summary")
    op.execute("DROP VIEW IF EXISTS cluster_member")
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('lsh_band', schema=None) as batch_op:
        batch_op.drop_index('ix_lsh_band_band_bucket')

    op.drop_table('lsh_band')
    with op.batch_alter_table('lead_key', schema=None) as batch_op:
        batch_op.drop_index('ix_lead_key_key')

    op.drop_table('lead_key')
    with op.batch_alter_table('article_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_article_version_article_id'))

    op.drop_table('article_version')
    op.drop_table('site_line')
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_article_text_hash'))
        batch_op.drop_index(batch_op.f('ix_article_site_id'))
        batch_op.drop_index(batch_op.f('ix_article_cluster_id'))

    op.drop_table('article')
    op.drop_table('site')
    op.drop_table('meta')
    op.drop_table('crawl_run')
    op.drop_table('cluster')
    # ### end Alembic commands ###
