"""Read-only queries for analysts: filtered clusters, archive statistics, who republishes whom, search."""

from __future__ import annotations

import logging
import statistics
from datetime import date, datetime
from typing import Any, Iterator

from sqlalchemy import Select, and_, case, exists, func, literal_column, or_, select, text
from sqlalchemy.orm import Session, aliased

from archive.models import Article, Cluster, Site

logger = logging.getLogger(__name__)

SORTS = ("size", "recent")
SEARCH_CONFIG = "simple"          # PostgreSQL text search configuration: no stemming, any language


def _iso(value: datetime | date | str | None) -> str | None:
    return value if value is None or isinstance(value, str) else value.isoformat()


def _publisher(article: Any, site: Any) -> Any:
    return func.coalesce(article.sitename, site.name, site.host)


def clusters(session: Session, *, min_size: int = 2, site: str | None = None, since: datetime | None = None,
             until: datetime | None = None, sort: str = "size", limit: int | None = None) -> list[dict[str, Any]]:
    """Live clusters with at least ``min_size`` members, optionally only those with a member on
    ``site`` (host or publisher name) and whose story date (the canonical's ``published``, else its
    ``first_seen``) is in ``[since, until)``; largest or most recent first."""
    canon, csite = aliased(Article), aliased(Site)
    story_date = func.coalesce(canon.published, canon.first_seen)
    query = (select(Cluster, canon, csite, story_date.label("story_date"))
             .join(canon, canon.id == Cluster.canonical_id).join(csite, csite.id == canon.site_id)
             .where(Cluster.merged_into.is_(None), Cluster.size >= min_size))
    query = _story_filters(query, story_date, site, since, until)
    order = (story_date.desc(), Cluster.id.desc()) if sort == "recent" else (Cluster.size.desc(), Cluster.id)
    rows = session.execute(query.order_by(*order).limit(limit))
    return [{"id": c.id, "size": c.size, "title": a.title, "canonical_url": a.url,
             "site": a.sitename or s.name or s.host, "origin": c.origin, "published": _iso(a.published),
             "first_seen": _iso(a.first_seen), "updated": _iso(c.updated_at)} for c, a, s, _ in rows]


def _has_member_on(site: str) -> Any:
    wanted = site.strip().lower()
    return exists(select(Article.id).join(Site, Site.id == Article.site_id).where(
        Article.cluster_id == Cluster.id,
        or_(func.lower(Site.host) == wanted, func.lower(Site.name) == wanted, func.lower(Article.sitename) == wanted)))


def _day(session: Session, column: Any) -> Any:
    """The UTC calendar day of a timestamp column, as the backend computes it."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


def stats(session: Session) -> dict[str, Any]:
    """Counts, the share of each site's articles that are copies of another site's story, and
    how many articles (and copies) were first seen each day."""
    count = lambda query: session.scalar(query) or 0  # noqa: E731
    copy = case((Article.role != "canonical", 1), else_=0)
    live = select(func.count()).select_from(Cluster).where(Cluster.merged_into.is_(None))
    totals = {"articles": count(select(func.count()).select_from(Article)),
              "sites": count(select(func.count()).select_from(Site)),
              "clusters": count(live.where(Cluster.size > 0)),
              "clusters_with_copies": count(live.where(Cluster.size > 1)),
              "copies": count(select(func.sum(copy)))}
    totals["duplicate_share"] = round(totals["copies"] / totals["articles"], 4) if totals["articles"] else 0.0
    publisher = _publisher(Article, Site).label("site")
    by_site = session.execute(select(publisher, Site.host, func.count().label("articles"), func.sum(copy).label("copies"))
                              .join(Site, Site.id == Article.site_id).group_by(publisher, Site.host)
                              .order_by(func.count().desc(), Site.host)).all()
    day = _day(session, Article.first_seen).label("day")
    per_day = session.execute(select(day, func.count(), func.sum(copy)).group_by(day).order_by(day)).all()
    return {**totals,
            "by_site": [{"site": r.site, "host": r.host, "articles": r.articles, "copies": r.copies or 0,
                         "duplicate_share": round((r.copies or 0) / r.articles, 4)} for r in by_site],
            "per_day": [{"day": _iso(d), "articles": n, "copies": c or 0} for d, n, c in per_day]}


def sources(session: Session) -> list[dict[str, Any]]:
    """Who republishes whom: the ``syndication`` view, with the median delay computed here
    (SQLite has no median aggregate). Delays are seconds from the canonical's publication to the
    copy's first sighting."""
    pairs = {(r.origin_publisher, r.republisher): dict(r._mapping)
             for r in session.execute(text("SELECT * FROM syndication"))}
    delays: dict[tuple[str, str], list[float]] = {}
    query = text("SELECT canonical_publisher, site, delay_seconds FROM cluster_members "
                 "WHERE role <> 'canonical' AND delay_seconds IS NOT NULL")
    for origin, site, delay in session.execute(query):
        delays.setdefault((origin, site), []).append(float(delay))
    rows = []
    for key, row in pairs.items():
        found = delays.get(key)
        rows.append({"origin": row["origin_publisher"], "republisher": row["republisher"],
                     "stories": row["stories"], "copies": row["copies"],
                     "median_delay_seconds": round(statistics.median(found)) if found else None,
                     "max_delay_seconds": _seconds(row["max_delay_seconds"]),
                     "avg_similarity": _float(row["avg_similarity"])})
    return sorted(rows, key=lambda r: (-r["stories"], -r["copies"], r["origin"] or "", r["republisher"] or ""))


def _seconds(value: Any) -> int | None:
    return None if value is None else round(float(value))


def _float(value: Any) -> float | None:
    return None if value is None else round(float(value), 4)


def search(session: Session, words: str, limit: int = 20) -> list[dict[str, Any]]:
    """Articles whose title or text holds every word of ``words``, with their cluster. PostgreSQL
    uses full-text search (best ranked first); SQLite matches each word as a substring, case-blind
    for ASCII (titles matching first, then newest)."""
    terms = words.split()
    if not terms:
        return []
    query = select(Article, Site, Cluster.size).join(Site, Site.id == Article.site_id).outerjoin(
        Cluster, Cluster.id == Article.cluster_id)
    if session.get_bind().dialect.name == "postgresql":
        query = _fulltext(query, words)
    else:
        query = _substrings(query, terms)
    rows = session.execute(query.order_by(Article.id.desc()).limit(limit)).all()
    return [{"article_id": a.id, "url": a.url, "title": a.title, "site": a.sitename or s.name or s.host,
             "published": _iso(a.published), "first_seen": _iso(a.first_seen), "role": a.role,
             "cluster_id": a.cluster_id, "cluster_size": size, "snippet": snippet(a.text, terms)}
            for a, s, size in rows]


def _fulltext(query: Select, words: str) -> Select:
    config = literal_column(f"'{SEARCH_CONFIG}'::regconfig")
    document = func.to_tsvector(config, func.coalesce(Article.title, "") + " " + Article.text)
    tsquery = func.plainto_tsquery(config, words)
    return query.where(document.op("@@")(tsquery)).order_by(func.ts_rank(document, tsquery).desc())


def _substrings(query: Select, terms: list[str]) -> Select:
    def like(term: str) -> Any:
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"%{escaped}%"

    conditions = [or_(Article.title.like(like(t), escape="\\"), Article.text.like(like(t), escape="\\"))
                  for t in terms]
    in_title = and_(*(Article.title.like(like(t), escape="\\") for t in terms))
    return query.where(*conditions).order_by(case((in_title, 0), else_=1))


def snippet(body: str, terms: list[str], width: int = 120) -> str:
    """About ``width`` characters of ``body`` around the first of ``terms`` it holds."""
    lower = body.lower()
    hits = [i for i in (lower.find(t.lower()) for t in terms) if i >= 0]
    start = max(0, min(hits) - width // 3) if hits else 0
    piece = " ".join(body[start:start + width].split())
    return ("…" if start else "") + piece + ("…" if start + width < len(body) else "")


EXPORT_BATCH = 500


def export_rows(session: Session, *, min_size: int = 1, site: str | None = None, since: datetime | None = None,
                until: datetime | None = None) -> Iterator[dict[str, Any]]:
    """The export contract's rows of the articles of the clusters ``clusters`` would list with
    the same filters, streamed in batches (constant memory), oldest article first."""
    canon = aliased(Article)
    story_date = func.coalesce(canon.published, canon.first_seen)
    query = (select(Article.url, Article.cluster_id, Article.role, Article.title, Article.sitename, Site.name,
                    Site.host, Article.author, Article.published, Article.first_seen, Article.similarity,
                    Cluster.origin, Cluster.origin_url, Article.canonical_url, Article.language, Article.text)
             .join(Site, Site.id == Article.site_id).join(Cluster, Cluster.id == Article.cluster_id)
             .join(canon, canon.id == Cluster.canonical_id)
             .where(Cluster.merged_into.is_(None), Cluster.size >= min_size))
    query = _story_filters(query, story_date, site, since, until)
    for r in session.execute(query.order_by(Article.id).execution_options(yield_per=EXPORT_BATCH)):
        yield {"url": r.url, "cluster_id": r.cluster_id, "is_canonical": r.role == "canonical", "role": r.role,
               "title": r.title, "site": r.sitename or r.name or r.host, "host": r.host, "author": r.author,
               "published": _iso(r.published), "first_seen": _iso(r.first_seen), "similarity": r.similarity,
               "origin": r.origin, "origin_url": r.origin_url, "canonical_url": r.canonical_url,
               "language": r.language, "text": r.text}


def _story_filters(query, story_date, site, since, until):  # noqa: ANN001, ANN202 - SQLAlchemy selects
    """The --site/--since/--until filters shared by clusters and export."""
    if site:
        query = query.where(_has_member_on(site))
    if since is not None:
        query = query.where(story_date >= since)
    if until is not None:
        query = query.where(story_date < until)
    return query
