"""Placing an article in a cluster inside the caller's transaction: lookup, verify, join or merge."""

from __future__ import annotations

from collections import namedtuple
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from archive.neardup.clusters import Match, Member, choose_canonical, credited_origin, verify
from archive.storage.publishers import aliases_of
from archive.neardup.fingerprint import jaccard, signature_from_bytes
from archive.storage import fastsql
from archive.storage.index import Banding, candidates, delete_bands, write_bands
from archive.storage.leads import lead_keys, lead_matches, write_lead_keys
from archive.storage.models import Article, Cluster, Site, utcnow
from archive.storage.rows import NewArticle, save
from archive.storage.store import lock_keys
from archive.extraction.urls import host_of, url_key

if TYPE_CHECKING:
    from sqlalchemy import Row
    from sqlalchemy.orm import Session

    from archive.config import ArchiveConfig


_ARTICLE, _CLUSTER = Article.__table__, Cluster.__table__
# Statements built once: SQLAlchemy's compiled cache serves each page (a statement built per call
# is looked up again by its structure, which costs as much as running it).
_IDS = bindparam("ids", expanding=True)
_MERGED_INTO = select(_CLUSTER.c.merged_into).where(_CLUSTER.c.id == bindparam("b_id"))
_EXACT = select(_ARTICLE.c.id).where(_ARTICLE.c.text_hash == bindparam("text_hash"), _ARTICLE.c.id != bindparam("b_id"),
                                     _ARTICLE.c.cluster_id.is_not(None))
_SIGNATURES = select(_ARTICLE.c.id, _ARTICLE.c.signature, _ARTICLE.c.shingle_count).where(
    _ARTICLE.c.id.in_(_IDS), _ARTICLE.c.cluster_id.is_not(None))
_CLUSTERS_OF = select(_ARTICLE.c.cluster_id).where(_ARTICLE.c.id.in_(_IDS))
_LOCK_CLUSTERS = select(_CLUSTER.c.id, _CLUSTER.c.merged_into).where(_CLUSTER.c.id.in_(_IDS)).order_by(
    _CLUSTER.c.id).with_for_update()
_NEW_CLUSTER = insert(_CLUSTER)
_DESCRIBE = update(_CLUSTER).where(_CLUSTER.c.id == bindparam("b_id"))        # SET: the values given
_ROLES = update(_ARTICLE).where(_ARTICLE.c.id == bindparam("b_id")).values(similarity=bindparam("similarity"),
                                                                           role=bindparam("role"))
_SITE = select(Site.__table__.c.name).where(Site.__table__.c.id == bindparam("b_id"))


def resolve_cluster(session: Session, cluster_id: int) -> int:
    """Follow ``merged_into`` to the cluster an old id now lives in."""
    seen = set()
    while cluster_id not in seen:
        seen.add(cluster_id)
        target = fastsql.scalar(session.connection(), _MERGED_INTO, {"b_id": cluster_id})
        if target is None:
            return cluster_id
        cluster_id = target
    return cluster_id


def find_matches(session: Session, art: Article, keys: list[tuple[int, int]], config: ArchiveConfig,
                 leads: list[int] | None = None) -> list[Match]:
    """Verified near-duplicates of ``art`` already in the archive: exact copies, LSH candidates,
    then articles of other sites opening with the same paragraph (excerpts, short copies)."""
    signature = signature_from_bytes(art.signature)
    matches: dict[int, Match] = {}
    # Core statements on the session's connection (no ORM objects are read here; ``art`` is flushed)
    connection = session.connection()
    exact = fastsql.scalars(connection, _EXACT, {"text_hash": art.text_hash, "b_id": art.id})
    for article_id in exact:
        matches[article_id] = Match(article_id, 1.0, 1.0, excerpt=False)
    ids = [i for i in candidates(session, keys, exclude=art.id) if i not in matches]
    if ids:
        for article_id, sig, size in fastsql.rows(connection, _SIGNATURES, {"ids": ids}):
            match = verify(signature, art.shingle_count, signature_from_bytes(sig), size, article_id,
                           join_jaccard=config.join_jaccard, join_containment=config.join_containment,
                           excerpt_ratio=config.excerpt_ratio, min_shingles=config.min_shingles)
            if match is not None:
                matches[article_id] = match
    for match in lead_matches(session, art, leads or [], config, exclude=set(matches)):
        matches[match.article_id] = match
    return list(matches.values())


def place(session: Session, art: Article | NewArticle, banding: Banding, config: ArchiveConfig,
          reuse: int | None = None, *, fresh: bool = False) -> tuple[int, bool]:
    """Index ``art`` and put it in its story's cluster (a new one when it has none).

    ``art`` is an ORM row (flushed when placed) or a ``rows.NewArticle`` (its values written in
    one UPDATE; a new cluster of its own inserted with its values at once).

    ``reuse`` is the empty cluster an article placed again came from: it keeps its id when the
    article is still alone, so cluster ids people have seen stay valid. ``fresh`` says the article
    was inserted in this transaction (it has no lead keys to replace).

    Returns the cluster id and whether it joined through an exact copy. On PostgreSQL the band
    buckets and text hash are locked first, so concurrent copies of one story serialise here.
    """
    keys = banding.keys(signature_from_bytes(art.signature))
    leads = lead_keys(art.text, config.lead_words, config.lead_paragraphs)
    lock_keys(session, [f"band:{b}:{k}" for b, k in keys] + [f"text:{art.text_hash}"] + [f"lead:{k}" for k in leads])
    matches = find_matches(session, art, keys, config, leads)
    exact = any(m.jaccard == 1.0 and m.containment == 1.0 for m in matches)
    mark_excerpts(session, art, matches)
    cluster_ids = sorted({resolve_cluster(session, cid) for cid in fastsql.scalars(
        session.connection(), _CLUSTERS_OF, {"ids": [m.article_id for m in matches]})} if matches else set())
    alone = False
    if not cluster_ids and reuse is not None and session.get(Cluster, reuse) is not None:
        target = reuse
    elif not cluster_ids and isinstance(art, NewArticle):   # its cluster's values are known here
        target, alone = _insert_alone(session, art), True
    elif not cluster_ids:
        cluster = Cluster(size=0)
        session.add(cluster)
        session.flush()
        target = cluster.id
    else:
        target = merge(session, cluster_ids)
    art.cluster_id = target
    save(session, art)
    write_bands(session, art.id, keys)
    write_lead_keys(session, art.id, leads, replace=not fresh)
    if not alone:
        refresh_cluster(session, target)
    if reuse is not None and reuse != target:
        refresh_cluster(session, reuse)
    return target, exact


def _insert_alone(session: Session, art: NewArticle) -> int:
    """INSERT the cluster of a new article that matched nothing, with what ``refresh_cluster``
    would write for it, and give the article its role and similarity (written with its save)."""
    site_name = None if art.sitename else fastsql.scalar(session.connection(), _SITE, {"b_id": art.site_id})
    row = _Alone(art.id, art.url_key, art.canonical_url, art.credits, art.published, art.first_seen, art.is_excerpt,
                 art.sitename, art.signature, None, None, host_of(art.url), site_name, art.shingle_count,
                 art.date_source, art.evidence, art.publisher_id)
    values = _description([row], [_member(row, {})], art.id)
    target = session.connection().execute(_NEW_CLUSTER, {**values, "merged_into": None,
                                                         "created_at": values["updated_at"]}).inserted_primary_key[0]
    art.similarity, art.role = 1.0, "canonical"
    return target


def mark_excerpts(session: Session, art: Article, matches: list[Match]) -> None:
    """An excerpt relation marks the shorter text of the pair as an excerpt."""
    for m in matches:
        if not m.excerpt:
            continue
        other_size = session.scalar(select(Article.shingle_count).where(Article.id == m.article_id)) or 0
        if art.shingle_count <= other_size:
            art.is_excerpt = True
        else:
            session.execute(update(Article).where(Article.id == m.article_id).values(is_excerpt=True))


def merge(session: Session, cluster_ids: list[int]) -> int:
    """Merge clusters into the lowest id, rows locked in id order; old ids keep resolving.

    A cluster that a concurrent bridge merged away while this transaction waited for its row is
    followed to the cluster it went into, and that one is locked instead."""
    session.flush()
    while True:
        rows = fastsql.rows(session.connection(), _LOCK_CLUSTERS, {"ids": cluster_ids})
        if all(into is None for _, into in rows):
            break
        cluster_ids = sorted({resolve_cluster(session, cid) for cid in cluster_ids})
    target, *others = cluster_ids
    if others:
        session.execute(update(Article).where(Article.cluster_id.in_(others)).values(cluster_id=target))
        session.execute(update(Cluster).where(Cluster.merged_into.in_(others)).values(merged_into=target))
        session.execute(update(Cluster).where(Cluster.id.in_(others)).values(merged_into=target, size=0,
                                                                             canonical_id=None))
    return target


def detach(session: Session, art: Article) -> int | None:
    """Take ``art`` out of its cluster and the index before it is placed again; return the old
    cluster id when the article was its only member (``place`` may reuse it)."""
    old = art.cluster_id
    delete_bands(session, art.id)
    art.cluster_id = None
    session.flush()
    if old is None:
        return None
    others = session.scalar(select(func.count()).select_from(Article).where(Article.cluster_id == old))
    if others:
        refresh_cluster(session, old)
        return None
    return old


def refresh_cluster(session: Session, cluster_id: int) -> None:
    """Recompute a cluster's size, canonical, credited origin, roles and similarities.

    Reads only the columns it needs (never the texts) and writes only the members whose role or
    similarity changed, through Core; article and cluster objects the session holds are given the
    new values as loaded."""
    session.flush()
    rows = member_rows(session, cluster_id)
    if not rows:
        _empty(session, cluster_id)
        return
    members = cluster_members(session, rows)
    canonical = choose_canonical(members)
    by_id = {r.id: r for r in rows}
    canon_sig = signature_from_bytes(by_id[canonical.id].signature)
    changed = []
    for r in rows:
        similarity = 1.0 if r.id == canonical.id else round(jaccard(canon_sig, signature_from_bytes(r.signature)), 4)
        role = "canonical" if r.id == canonical.id else ("excerpt" if r.is_excerpt else "mirror")
        if similarity != r.similarity or role != r.role:
            changed.append({"b_id": r.id, "similarity": similarity, "role": role})
    connection = session.connection()
    if changed:
        fastsql.execute_many(connection, _ROLES, changed)
        _sync_loaded(session, changed)
    values = _description(rows, members, canonical.id)
    fastsql.execute(connection, _DESCRIBE, {"b_id": cluster_id, **values})
    cluster = session.identity_map.get(identity_key(Cluster, cluster_id))
    if cluster is not None:
        for name, value in values.items():
            set_committed_value(cluster, name, value)


def _empty(session: Session, cluster_id: int) -> None:
    """A cluster left without members: deleted, or kept empty while merged clusters point to it."""
    cluster = session.get(Cluster, cluster_id)
    if cluster is None:
        return
    referenced = session.scalar(select(func.count()).select_from(Cluster).where(Cluster.merged_into == cluster_id))
    if referenced:
        cluster.size, cluster.canonical_id = 0, None
    else:
        session.delete(cluster)
    session.flush()


def _description(rows: list, members: list[Member], canonical_id: int) -> dict:
    """The cluster's canonical, size, credited origin and declared original from its members."""
    return {"canonical_id": canonical_id, "size": len(rows),
            "origin": credited_origin(members) or _site_name(rows, canonical_id),
            "origin_url": _declared_original(rows, canonical_id), "updated_at": utcnow()}


_MEMBER_COLUMNS = (Article.id, Article.url_key, Article.canonical_url, Article.credits, Article.published,
                   Article.first_seen, Article.is_excerpt, Article.sitename, Article.signature, Article.similarity,
                   Article.role, Site.host, Site.name.label("site_name"), Article.shingle_count, Article.date_source,
                   Article.evidence, Article.publisher_id)
_Alone = namedtuple("_Alone", "id url_key canonical_url credits published first_seen is_excerpt sitename signature "
                             "similarity role host site_name shingle_count date_source evidence publisher_id")
# (a row of _MEMBER_COLUMNS)
_MEMBERS = select(*_MEMBER_COLUMNS).join(Site, Site.id == Article.site_id).where(Article.cluster_id == bindparam("b_id"))


def member_rows(session: Session, cluster_id: int) -> list:
    """The rows of a cluster's members with the columns the canonical choice reads."""
    return [_Alone(*row) for row in fastsql.rows(session.connection(), _MEMBERS, {"b_id": cluster_id})]


def cluster_members(session: Session, rows: list) -> list[Member]:
    """The rows as canonical-choice members, each knowing every alias of its learned publisher."""
    aliases = aliases_of(session, {r.publisher_id for r in rows if r.publisher_id is not None})
    return [_member(r, aliases) for r in rows]


def _sync_loaded(session: Session, changed: list[dict]) -> None:
    """Give the article objects the session holds the values just written (without marking them dirty)."""
    for values in changed:
        obj = session.identity_map.get(identity_key(Article, values["b_id"]))
        if obj is not None:
            set_committed_value(obj, "similarity", values["similarity"])
            set_committed_value(obj, "role", values["role"])


def _site_name(rows: list, canonical_id: int) -> str | None:
    for r in rows:
        if r.id == canonical_id:
            return r.sitename or r.site_name or r.host
    return None


def _declared_original(rows: list, canonical_id: int) -> str | None:
    """The URL members declare as canonical on another site than their own, if any."""
    for r in rows:
        if r.canonical_url and url_key(r.canonical_url) != r.url_key and not url_key(r.canonical_url).startswith(r.host):
            return r.canonical_url
    return None


def _member(r: Row, aliases: dict[int, tuple[str, ...]]) -> Member:
    """A member from its row: the page's own site name (a site may host several publishers'
    pages, so the site's name is not the page's), JSON-LD publisher and learned aliases."""
    first_seen: datetime | None = r.first_seen
    evidence = r.evidence or {}
    return Member(id=r.id, url_key=r.url_key, site_host=r.host, site_name=r.sitename,
                  canonical_key=url_key(r.canonical_url) if r.canonical_url else None,
                  credits=tuple(r.credits or ()), published=r.published, first_seen=first_seen,
                  is_excerpt=r.is_excerpt, size=r.shingle_count or 0,
                  publisher=tuple(dict.fromkeys([*evidence.get("publisher", []), *aliases.get(r.publisher_id, ())])),
                  rights=tuple(evidence.get("rights", [])), date_source=r.date_source,
                  credit_links=tuple(tuple(link) for link in evidence.get("credit_links", [])),
                  edge_lines=tuple(evidence.get("edge_lines", [])))
