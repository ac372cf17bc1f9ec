"""The archive's invariants, checked with read-only queries: what `newsarchive doctor` reports."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from sqlalchemy import case, func, inspect, select
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import aliased

from archive.errors import DatabaseUnavailable
from archive.storage.models import Article, Cluster, LeadKey, LshBand, Meta
from archive.storage.searchindex import accent_problem
from archive.storage.store import check_schema, make_engine, safe_url

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

SAMPLE = 10             # ids shown per failed check


@dataclass(frozen=True, slots=True)
class Check:
    """One invariant's result: ``ids`` are the first offending ids (article, cluster or url_key)."""

    name: str
    ok: bool
    count: int
    message: str
    ids: tuple[Any, ...] = field(default=())

    def line(self) -> str:
        """``ok   name: message`` or ``FAIL name: message (ids ...)``."""
        shown = "" if self.ok or not self.ids else " (" + ", ".join(str(i) for i in self.ids) + (
            ", ..." if self.count > len(self.ids) else "") + ")"
        return f"{'ok  ' if self.ok else 'FAIL'} {self.name}: {self.message}{shown}"

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.name, "ok": self.ok, "count": self.count, "message": self.message,
                "ids": list(self.ids)}


def _live_members():
    """(cluster id, member count, canonical-role count) of clusters that have members."""
    return (select(Article.cluster_id.label("cid"), func.count().label("n"),
                   func.sum(case((Article.role == "canonical", 1), else_=0)).label("canon"))
            .group_by(Article.cluster_id).subquery())


def _article_bands(session: Session) -> Check:
    b = int(session.scalar(select(Meta.value).where(Meta.key == "lsh_b")) or 0)
    bands = (select(LshBand.article_id, func.count().label("n")).group_by(LshBand.article_id).subquery())
    query = (select(Article.id).outerjoin(bands, bands.c.article_id == Article.id)
             .where(func.coalesce(bands.c.n, 0) != b).order_by(Article.id))
    return _result(session, "article_bands", query, f"every article has its {b} band rows",
                   f"articles without exactly {b} band rows")


def _orphan_rows(session: Session, model: type, name: str, label: str) -> Check:
    query = (select(model.article_id).distinct().where(~model.article_id.in_(select(Article.id)))
             .order_by(model.article_id))
    return _result(session, name, query, f"every {label} row belongs to an article",
                   f"article ids in {label} rows with no article")


def _empty_clusters(session: Session) -> Check:
    merged = aliased(Cluster)
    has_members = select(Article.id).where(Article.cluster_id == Cluster.id).exists()
    referenced = select(merged.id).where(merged.merged_into == Cluster.id).exists()
    query = (select(Cluster.id).where(Cluster.merged_into.is_(None), ~has_members, ~referenced)
             .order_by(Cluster.id))
    return _result(session, "empty_clusters", query, "no live cluster is empty", "live clusters with no article")


def _cluster_size(session: Session) -> Check:
    members = _live_members()
    query = (select(Cluster.id).outerjoin(members, members.c.cid == Cluster.id)
             .where(Cluster.merged_into.is_(None), Cluster.size != func.coalesce(members.c.n, 0))
             .order_by(Cluster.id))
    return _result(session, "cluster_size", query, "every live cluster's size is its member count",
                   "live clusters whose size is not their member count")


def _one_canonical(session: Session) -> Check:
    members = _live_members()
    canonical = aliased(Article)
    query = (select(Cluster.id).join(members, members.c.cid == Cluster.id)
             .outerjoin(canonical, canonical.id == Cluster.canonical_id)
             .where(Cluster.merged_into.is_(None))
             .where((members.c.canon != 1) | canonical.id.is_(None) | (canonical.cluster_id != Cluster.id)
                    | (canonical.role != "canonical"))
             .order_by(Cluster.id))
    return _result(session, "one_canonical", query, "every live cluster has exactly one canonical, its own",
                   "clusters without exactly one canonical member")


def _article_cluster(session: Session) -> Check:
    query = (select(Article.id).outerjoin(Cluster, Cluster.id == Article.cluster_id)
             .where(Cluster.id.is_(None) | Cluster.merged_into.is_not(None)).order_by(Article.id))
    return _result(session, "article_cluster", query, "every article is in a live cluster",
                   "articles in no cluster or in a merged one")


def _duplicate_url_keys(session: Session) -> Check:
    query = (select(Article.url_key).group_by(Article.url_key).having(func.count() > 1)
             .order_by(Article.url_key))
    return _result(session, "unique_url_key", query, "no url_key is archived twice", "url_keys archived more than once")


def _search_accents(session: Session) -> Check:
    problem = accent_problem(session)
    if problem is None:
        return Check("search_accents", True, 0, "search ignores accents as on the other backend")
    return Check("search_accents", False, 1, problem)


CHECKS: tuple[Callable[[Session], Check], ...] = (
    _article_bands,
    lambda s: _orphan_rows(s, LshBand, "orphan_bands", "lsh_band"),
    lambda s: _orphan_rows(s, LeadKey, "orphan_lead_keys", "lead_key"),
    _empty_clusters, _cluster_size, _one_canonical, _article_cluster, _duplicate_url_keys, _search_accents,
)


def _result(session: Session, name: str, query: Any, ok_message: str, fail_message: str) -> Check:
    count = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    if not count:
        return Check(name, True, 0, ok_message)
    ids = tuple(session.scalars(query.limit(SAMPLE)))
    return Check(name, False, count, f"{count} {fail_message}", ids)


def check_archive(db_url: str) -> list[Check]:
    """Run every invariant check on the archive at ``db_url``, read-only.

    Raises DatabaseUnavailable when the database cannot be reached or is not an archive.
    """
    from sqlalchemy.orm import Session

    engine = make_engine(db_url, readonly=True)
    try:
        check_schema(engine, db_url)        # an empty database, an older or a newer release's schema
        if not inspect(engine).has_table(Article.__tablename__):
            raise DatabaseUnavailable(f"{safe_url(db_url)} is not a newsarchive archive (no article table)")
        with Session(engine) as session:
            return [check(session) for check in CHECKS]
    except (OperationalError, ProgrammingError) as exc:
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise DatabaseUnavailable(f"cannot check {safe_url(db_url)}: {first}") from None
    finally:
        engine.dispose()
