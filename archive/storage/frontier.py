"""The crawl frontier in the archive: every discovered URL, its state and its next attempt.

A fetched page's own row and the links it holds are written in the same transaction as whatever
the page gave (its article, or nothing for a feed or a section page), so a crawl killed at any
moment resumes from the ``pending`` rows and loses nothing that was committed. The link rows are
inserted with ``ON CONFLICT DO NOTHING``: a URL discovered again keeps its state.

States: ``pending`` (to fetch, from ``next_attempt_at`` on), ``done`` (fetched, whatever it held),
``failed`` (gave up after ``MAX_ATTEMPTS``), ``gone`` (answered 404 or 410).

>>> from archive.storage.store import make_engine, migrate, session_factory
>>> engine = make_engine("sqlite://"); migrate(engine)
>>> with session_factory(engine).begin() as session:
...     record(session, PageMark("http://a.test/", links=(Link("http://a.test/news/1", "link"),)))
['a.test/news/1', 'a.test/']
>>> with session_factory(engine).begin() as session:
...     [(row.url, row.depth) for row in due(session, ["a.test"])]
[('http://a.test/news/1', 1)]
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, case, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from archive.storage import fastsql
from archive.storage.models import Frontier, utcnow
from archive.storage.records import DONE, FAILED, GONE, LEAF_PREFIX, PENDING, RETRY, Link, PageMark, skip_status  # noqa: F401 - re-exported
from archive.extraction.urls import host_of, url_key

MAX_ATTEMPTS = 3              # failed fetches of one URL, over runs, before it is given up
RETRY_AFTER = timedelta(minutes=30)   # first wait before a failed URL is tried again; doubles
DUE_BATCH = 1000              # pending rows read at once, as a crawl needs them
KNOWN_LIMIT = 200_000         # url_keys a writer remembers as committed before it starts afresh

# A site's menus, footers and related-story links repeat on each of its pages: their keys are
# remembered rather than worked out again for every page.
_link_key = functools.lru_cache(maxsize=16384)(url_key)


def _insert(session: Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


class KnownKeys:
    """The url_keys whose frontier rows this writer has committed. Rows are never deleted, so a link
    whose key is here needs no INSERT: the page that holds it only costs a set lookup. Keys are
    added after their transaction commits; past ``limit`` keys the set starts afresh (bounded memory).

    >>> known = KnownKeys(limit=2)
    >>> known.remember(["a", "b"]); "a" in known
    True
    >>> known.remember(["c"]); "a" in known, "c" in known
    (False, True)
    """

    def __init__(self, limit: int = KNOWN_LIMIT) -> None:
        self.limit = limit
        self._keys: set[str] = set()

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def remember(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        if len(self._keys) + len(keys) > self.limit:
            self._keys.clear()
        self._keys.update(keys)


def add_links(session: Session, links: Iterable[Link], depth: int, run_id: int | None = None,
              now: datetime | None = None, known: KnownKeys | None = None) -> list[str]:
    """Insert ``links`` as pending rows at ``depth``; a URL already known keeps its row. Links in
    ``known`` (rows committed earlier) are left out. Returns the keys of the rows written or kept."""
    now = now or utcnow()
    rows: dict[str, dict[str, Any]] = {}
    for link in links:
        key = _link_key(link.url)
        if key not in rows and (known is None or key not in known):
            rows[key] = {"url_key": key, "url": link.url, "host": host_of(link.url), "state": PENDING,
                         "found_via": link.found_via, "depth": depth, "attempts": 0, "next_attempt_at": None,
                         "discovered_run": run_id, "discovered_at": now, "updated_at": now}
    keys = sorted(rows)          # sorted: concurrent writers lock in one order
    if keys:   # one statement, compiled once and cached, run for every row (executemany): a
        # multi-row VALUES statement is compiled again for each page, which cost more than the crawl
        fastsql.execute_many(session.connection(), _add_links(session), [rows[key] for key in keys])
    return keys


def record(session: Session, mark: PageMark, now: datetime | None = None, known: KnownKeys | None = None) -> list[str]:
    """Commit-with-the-page part of a fetch: the page's own row (and its aliases') and its links.
    Returns the keys of the rows it wrote or found, for ``known.remember`` once committed."""
    now = now or utcnow()
    keys = add_links(session, mark.links, mark.depth + 1, mark.run_id, now, known) if mark.links else []
    for url in dict.fromkeys((mark.url, *mark.aliases)):
        keys.append(_mark_one(session, url, mark, now))
    return keys


_UPSERTS: dict[tuple[str, bool], Any] = {}
_ADD_LINKS: dict[str, Any] = {}


def _add_links(session: Session) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING of link rows, built once per dialect."""
    dialect = session.get_bind().dialect.name
    statement = _ADD_LINKS.get(dialect)
    if statement is None:
        statement = _ADD_LINKS[dialect] = _insert(session)(Frontier.__table__).on_conflict_do_nothing()
    return statement


def _upsert(session: Session, done: bool) -> Any:
    """INSERT a page's row in its final state, or UPDATE the row already there (its discovery
    fields kept; ``attempts`` back to 0 when ``done``): one statement, built once per dialect."""
    dialect = session.get_bind().dialect.name
    statement = _UPSERTS.get((dialect, done))
    if statement is None:
        insert = _insert(session)(Frontier.__table__)
        changes = {"state": insert.excluded.state, "last_status": insert.excluded.last_status,
                   "next_attempt_at": None, "updated_at": insert.excluded.updated_at}
        if done:
            changes["attempts"] = 0
        statement = _UPSERTS[(dialect, done)] = insert.on_conflict_do_update(index_elements=["url_key"], set_=changes)
    return statement


def _mark_one(session: Session, url: str, mark: PageMark, now: datetime) -> str:
    key = url_key(url)
    if mark.outcome != RETRY:
        fastsql.execute(session.connection(), _upsert(session, mark.outcome == DONE), {
            "url_key": key, "url": url, "host": host_of(url), "state": mark.outcome, "found_via": mark.found_via,
            "depth": mark.depth, "attempts": 0, "next_attempt_at": None, "last_status": mark.status,
            "discovered_run": mark.run_id, "discovered_at": now, "updated_at": now})
        return key
    session.execute(_insert(session)(Frontier).values(
        url_key=key, url=url, host=host_of(url), state=PENDING, found_via=mark.found_via, depth=mark.depth,
        attempts=0, discovered_run=mark.run_id, discovered_at=now, updated_at=now).on_conflict_do_nothing())
    row = session.get(Frontier, key, with_for_update=session.get_bind().dialect.name == "postgresql",
                      populate_existing=True)
    row.last_status, row.updated_at = mark.status, now
    row.attempts = (row.attempts or 0) + 1
    if row.attempts >= MAX_ATTEMPTS:
        row.state, row.next_attempt_at = FAILED, None
    else:
        row.state = PENDING
        row.next_attempt_at = max(mark.retry_at or now, now + RETRY_AFTER * 2 ** (row.attempts - 1))
    return key


# Pending rows are read in this order: how they were found (seeds, sitemaps, feeds and news
# sitemaps, then links and anything else), then depth, then url_key.
_RANK = {"seed": 0, "sitemap": 1, "news_sitemap": 2, "feed": 2}
FIRST = (-1, -1, "")         # the ``after`` of the first batch: before every row


def due(session: Session, hosts: Iterable[str], now: datetime | None = None, *,
        after: tuple[int, int, str] = FIRST, limit: int = DUE_BATCH) -> list[Row[Any]]:
    """Up to ``limit`` pending rows of ``hosts`` whose next attempt is due, in priority order (see
    ``_RANK``), after the row whose (rank, depth, url_key) is ``after``: page through a large
    frontier a batch at a time with ``after=(row.rank, row.depth, row.url_key)`` of the last row."""
    now = now or utcnow()
    rank = case(_RANK, value=Frontier.found_via, else_=len(set(_RANK.values())))
    query = (select(Frontier.url_key, Frontier.url, Frontier.found_via, Frontier.depth, rank.label("rank"))
             .where(Frontier.state == PENDING, Frontier.host.in_(sorted(set(hosts))),
                    tuple_(rank, Frontier.depth, Frontier.url_key) > tuple_(*after),
                    (Frontier.next_attempt_at.is_(None)) | (Frontier.next_attempt_at <= now))
             .order_by(rank, Frontier.depth, Frontier.url_key).limit(limit))
    return session.execute(query).all()


def counts(session: Session) -> dict[str, int]:
    """Rows by state."""
    from sqlalchemy import func

    return dict(session.execute(select(Frontier.state, func.count()).group_by(Frontier.state)).all())

