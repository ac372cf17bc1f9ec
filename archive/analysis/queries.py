"""Read-only queries for analysts: filtered clusters, archive statistics, who republishes whom, search."""

from __future__ import annotations

import logging
import re
import statistics
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterator

from sqlalchemy import Select, and_, case, column, exists, func, literal_column, or_, select, table, text
from sqlalchemy.orm import Session, aliased

from archive.storage.models import Article, Cluster, Site
from archive.storage.searchindex import FTS_TABLE, SEARCH_CONFIG, SEARCH_FOLD, SEARCH_INDEX, has_fts

logger = logging.getLogger(__name__)


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


TITLE_WEIGHT = 2.0                     # SQLite bm25: a word in the title counts this much more
_SEARCH_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@dataclass(frozen=True, slots=True)
class SearchGroup:
    """Phrases an article must all hold (``include``) and none of which it may hold (``exclude``)."""

    include: tuple[str, ...]
    exclude: tuple[str, ...] = ()


def parse_search(words: str) -> list[SearchGroup]:
    """What a search asks for, as groups of which an article must match one: ``"a phrase"`` in
    double quotes, ``-word`` or ``-"a phrase"`` to exclude, ``or`` between alternatives, any other
    word required. Punctuation is only a separator (as in the index), so no input is a syntax error;
    a term without a letter or digit is dropped, and so is a group that only excludes.

    >>> parse_search('"harbour storm" ferry -bus or flood')
    [SearchGroup(include=('harbour storm', 'ferry'), exclude=('bus',)), SearchGroup(include=('flood',), exclude=())]
    """
    groups: list[SearchGroup] = []
    include: list[str] = []
    exclude: list[str] = []

    def close() -> None:
        if include:
            groups.append(SearchGroup(tuple(include), tuple(exclude)))
        include.clear()
        exclude.clear()

    words = "".join(ch if ch.isprintable() else " " for ch in words)     # NUL and other controls
    for match in _SEARCH_TOKEN.finditer(words):
        negated, phrase, word = match.group(1), match.group(2), match.group(3)
        if word is not None and word.lower() == "or":
            close()
            continue
        if word is not None and word.startswith("-") and len(word) > 1:
            negated, word = "-", word[1:]
        term = " ".join((phrase if word is None else word).split())
        if re.search(r"\w", term):
            (exclude if negated else include).append(term)
    close()
    return groups


def search(session: Session, words: str, limit: int = 20) -> list[dict[str, Any]]:
    """Articles whose title or text matches ``words`` (see ``parse_search``), best first, with
    their cluster. Full-text search on whole words, blind to case and accents (the same letters
    folded on both backends): FTS5 ranked by bm25 on SQLite, the GIN-indexed ``to_tsvector`` ranked
    by ``ts_rank`` on PostgreSQL. A SQLite archive made without FTS5 matches substrings instead
    (titles first, then newest)."""
    groups = parse_search(words)
    if not groups:
        return []
    query = select(Article, Site, Cluster.size).join(Site, Site.id == Article.site_id).outerjoin(
        Cluster, Cluster.id == Article.cluster_id)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        query = _fulltext(query, groups)
    elif dialect == "sqlite" and has_fts(session):
        query = _fts5(query, groups)
    else:
        logger.warning("this archive has no full-text index (its SQLite lacks FTS5): matching substrings")
        query = _substrings(query, groups)
    rows = session.execute(query.order_by(Article.id.desc()).limit(limit)).all()
    terms = [word for g in groups for phrase in g.include for word in phrase.split()]
    return [{"article_id": a.id, "url": a.url, "title": a.title, "site": a.sitename or s.name or s.host,
             "published": _iso(a.published), "first_seen": _iso(a.first_seen), "role": a.role,
             "cluster_id": a.cluster_id, "cluster_size": size, "snippet": snippet(a.text, terms)}
            for a, s, size in rows]


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic's ``include_object`` hook for comparing the models with a database: the search
    index (the FTS5 table and its shadow tables, the GIN expression index) is built by migrations
    0005 and 0008 alone and has no model, so it is left out."""
    search = name is not None and (name == SEARCH_INDEX or name == FTS_TABLE or name.startswith(FTS_TABLE + "_"))
    return not (reflected and compare_to is None and search)


def search_document() -> Any:
    """The text PostgreSQL searches, exactly as the ``ix_article_search`` index is built (the
    planner uses the index only for this very expression, constants and all): title and text with
    their diacritics folded as FTS5 folds them on SQLite (migration 0008)."""
    config = literal_column(f"'{SEARCH_CONFIG}'::regconfig")
    title = func.coalesce(Article.title, literal_column("''"))
    return func.to_tsvector(config, _fold(title.op("||")(literal_column("' '")).op("||")(Article.text)))


def _fold(value: Any) -> Any:
    return getattr(func, SEARCH_FOLD)(value)


def _fulltext(query: Select, groups: list[SearchGroup]) -> Select:
    """A tsquery built with functions from each phrase (``phraseto_tsquery`` reads any text as
    words), so no input is read as tsquery syntax; each phrase folded as the document is."""
    config = literal_column(f"'{SEARCH_CONFIG}'::regconfig")
    tsquery = None
    for group in groups:
        part = None
        for p in group.include:
            q = func.phraseto_tsquery(config, _fold(p))
            part = q if part is None else func.tsquery_and(part, q)
        for p in group.exclude:
            part = func.tsquery_and(part, func.tsquery_not(func.phraseto_tsquery(config, _fold(p))))
        tsquery = part if tsquery is None else func.tsquery_or(tsquery, part)
    document = search_document()
    return query.where(document.op("@@")(tsquery)).order_by(func.ts_rank(document, tsquery).desc())


def _fts_string(phrase: str) -> str:
    return '"' + phrase.replace('"', '""') + '"'


def _fts5(query: Select, groups: list[SearchGroup]) -> Select:
    """An FTS5 MATCH built from quoted strings only, so no input is read as FTS5 syntax."""
    alternatives = []
    for group in groups:
        part = " AND ".join(_fts_string(p) for p in group.include)
        part += "".join(f" NOT {_fts_string(p)}" for p in group.exclude)
        alternatives.append(f"({part})")
    fts = table(FTS_TABLE, column("rowid"))
    index = literal_column(FTS_TABLE)
    rank = func.bm25(index, literal_column(repr(TITLE_WEIGHT)), literal_column("1.0"))
    return (query.join(fts, fts.c.rowid == Article.id).where(index.op("MATCH")(" OR ".join(alternatives)))
            .order_by(rank))


def _substrings(query: Select, groups: list[SearchGroup]) -> Select:
    def like(term: str) -> str:
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"%{escaped}%"

    title = func.coalesce(Article.title, "")

    def holds(term: str) -> Any:
        return or_(title.like(like(term), escape="\\"), Article.text.like(like(term), escape="\\"))

    matches = or_(*(and_(*(holds(t) for t in g.include), *(~holds(t) for t in g.exclude)) for g in groups))
    in_title = or_(*(and_(*(title.like(like(t), escape="\\") for t in g.include)) for g in groups))
    return query.where(matches).order_by(case((in_title, 0), else_=1))


def snippet(body: str, terms: list[str], width: int = 120) -> str:
    """About ``width`` characters of ``body`` around the first of ``terms`` it holds, accents aside."""
    lower = body.lower()
    hits = [i for i in (lower.find(t.lower()) for t in terms) if i >= 0]
    if not hits:                                       # "arvel" in "Ärvel", "café" in "cafe"
        blind = _blind(body)
        hits = [i for i in (blind.find(_blind(t)) for t in terms) if i >= 0]
    start = max(0, min(hits) - width // 3) if hits else 0
    piece = " ".join(body[start:start + width].split())
    return ("…" if start else "") + piece + ("…" if start + width < len(body) else "")


def _blind(value: str) -> str:
    """``value`` in lower case without diacritics, one character for each of its own."""
    return "".join(unicodedata.normalize("NFD", ch)[0].lower()[0] for ch in value)


EXPORT_BATCH = 500


def export_rows(session: Session, *, min_size: int = 1, site: str | None = None, since: datetime | None = None,
                until: datetime | None = None) -> Iterator[dict[str, Any]]:
    """The export contract's rows (with ``article_id`` and ``credits`` besides) of the articles of
    the clusters ``clusters`` would list with the same filters, every article without filters,
    oldest article first. Streamed: the rows are fetched ``EXPORT_BATCH`` at a time (a server-side
    cursor on PostgreSQL), so memory stays the same whatever the archive's size."""
    canon = aliased(Article)
    story_date = func.coalesce(canon.published, canon.first_seen)
    query = (select(Article.id, Article.url, Article.cluster_id, Article.role, Article.title, Article.sitename,
                    Site.name, Site.host, Article.author, Article.published, Article.first_seen, Article.similarity,
                    Cluster.origin, Cluster.origin_url, Article.canonical_url, Article.credits, Article.language,
                    Article.text)
             .join(Site, Site.id == Article.site_id).join(Cluster, Cluster.id == Article.cluster_id)
             .where(Cluster.merged_into.is_(None), Cluster.size >= min_size))
    if since is not None or until is not None:
        query = query.join(canon, canon.id == Cluster.canonical_id)
    query = _story_filters(query, story_date, site, since, until)
    for r in session.execute(query.order_by(Article.id).execution_options(yield_per=EXPORT_BATCH)):
        yield {"article_id": r.id, "url": r.url, "cluster_id": r.cluster_id, "is_canonical": r.role == "canonical",
               "role": r.role, "title": r.title, "site": r.sitename or r.name or r.host, "host": r.host,
               "author": r.author, "published": _iso(r.published), "first_seen": _iso(r.first_seen),
               "similarity": r.similarity, "origin": r.origin, "origin_url": r.origin_url,
               "canonical_url": r.canonical_url, "credits": list(r.credits or []), "language": r.language,
               "text": r.text}


def _story_filters(query, story_date, site, since, until):  # noqa: ANN001, ANN202 - SQLAlchemy selects
    """The --site/--since/--until filters shared by clusters and export."""
    if site:
        query = query.where(_has_member_on(site))
    if since is not None:
        query = query.where(story_date >= since)
    if until is not None:
        query = query.where(story_date < until)
    return query
