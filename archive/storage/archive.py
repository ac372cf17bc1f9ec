"""The Archive: ingest one page in one transaction; list clusters, show one, record crawl runs."""

from __future__ import annotations

import functools
import logging
import os
import socket
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

from sqlalchemy import select

from archive.neardup import lines as pagelines
from archive.storage import chrome, frontier, warcstore
from archive.extraction.article import Article as ArticleValue
from archive.extraction.article import ImportMark, IngestResult, IngestStatus, Skipped, SkipReason, WarcRef, extractor_version
from archive.config import ArchiveConfig, resolve_db_url
from archive.neardup.diff import compare
from archive.errors import NotFound
from archive.neardup.fingerprint import Fingerprint, fingerprint, params_record, params_version
from archive.storage.index import Banding
from archive.storage.models import Article, ArticleVersion, Cluster, CrawlRun, Site, utcnow
from archive.neardup.normalize import words
from archive.storage.placement import detach, place, resolve_cluster
from archive.storage.reprocess import ReprocessMixin
from archive.storage.store import check_meta, make_engine, migrate, reader_factory, retry_races, session_factory
from archive.extraction.urls import host_of, url_key

logger = logging.getLogger(__name__)

RUN_HEARTBEAT = timedelta(seconds=10)   # a running crawl writes crawl_run.heartbeat_at this often
RUN_LOST_AFTER = 12                      # heartbeats missed before a run (on any machine) is taken as died
MIN_WORDS = 20          # an article body shorter than this, once chrome is gone, is not archived


class Archive(ReprocessMixin):
    """A near-duplicate news archive in one SQL database.

    >>> archive = Archive("sqlite://")
    >>> archive.ingest_article(ArticleValue(url="http://example.org/a", text="word " * 40)).status
    <IngestStatus.NEW: 'new'>
    """

    MIN_WORDS = MIN_WORDS

    def __init__(self, url: str | None = None, config: ArchiveConfig | None = None, *,
                 readonly: bool = False) -> None:
        self.url = resolve_db_url(url)
        self.config = config or ArchiveConfig()
        self._engine = make_engine(self.url)
        migrate(self._engine)
        self._sessions = session_factory(self._engine)
        self.reader = reader_factory(self._engine)     # read-only sessions: ``with archive.reader() as session``
        self._site_ids: dict[str, tuple[int, bool]] = {}     # host -> (id, named), see _site
        self._frontier_known = frontier.KnownKeys()           # frontier rows this Archive committed
        if not readonly:
            self._banding  # noqa: B018 - an archive built with other parameters is refused at once

    @functools.cached_property
    def _banding(self) -> Banding:
        """The LSH banding, checked against the archive's ``meta`` when the archive is opened for
        writing (an archive opened read-only never needs it)."""
        banding = Banding(self.config.fingerprint)
        with self._sessions.begin() as session:
            check_meta(session, {**params_record(self.config.fingerprint), **banding.record()})
        return banding

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- ingest ---------------------------------------------------------------------------

    def ingest(self, html: bytes | str, url: str, **kwargs: Any) -> IngestResult:
        """Extract ``html`` fetched from ``url`` and ingest it (see ``ingest_article``)."""
        from archive.extraction.extract import extract

        article = extract(html, url, found_via=kwargs.get("found_via"))
        if isinstance(article, Skipped):
            return IngestResult(IngestStatus.SKIPPED, skipped=article)
        return self.ingest_article(article, **kwargs)

    def ingest_article(self, article: ArticleValue, *, fetched_at: datetime | None = None,
                       found_via: str | None = None, etag: str | None = None,
                       last_modified: str | None = None, mark: frontier.PageMark | None = None,
                       warc: WarcRef | None = None, progress: ImportMark | None = None) -> IngestResult:
        """Archive one extracted page, index it and cluster it, all in one transaction (run again
        if a concurrent writer beat it to a row: the same page, or a new site's first page).
        ``mark`` (the page's frontier row and the links it holds) and ``progress`` (a WARC import's
        position) commit in the same transaction; ``warc`` is where the raw page is stored."""
        fetched_at = fetched_at or utcnow()
        banding = self._banding  # noqa: F841 - checked against meta outside the page's transaction
        return retry_races(lambda: self._ingest_once(article, fetched_at, found_via, etag, last_modified, mark,
                                                     progress, warc), article.url)

    def record_page(self, mark: frontier.PageMark) -> None:
        """Commit the frontier part of a fetch that archived nothing (a feed, a section page, an
        error): the page's own row and the links it holds, in one transaction."""
        def once() -> None:
            with self._sessions.begin() as session:
                keys = frontier.record(session, mark, known=self._frontier_known)
            self._frontier_known.remember(keys)
        retry_races(once, mark.url)

    def frontier_due(self, hosts: list[str]) -> Iterator[Any]:
        """Pending frontier rows of ``hosts`` whose next attempt is due (read-only, streamed)."""
        after, now = "", utcnow()
        while True:
            with self.reader() as session:      # one short read per batch: never holds the crawl back
                rows = frontier.due(session, hosts, now, after=after)
            yield from rows
            if len(rows) < frontier.DUE_BATCH:
                return
            after = rows[-1].url_key

    def _ingest_once(self, article: ArticleValue, fetched_at: datetime, found_via: str | None, etag: str | None,
                     last_modified: str | None, mark: frontier.PageMark | None = None,
                     progress: ImportMark | None = None, warc: WarcRef | None = None) -> IngestResult:
        keys: list[str] = []
        with self._sessions.begin() as session:
            result = self._ingest_page(session, article, fetched_at, found_via, etag, last_modified, warc)
            if mark is not None:
                keys = frontier.record(session, mark, known=self._frontier_known)
            if progress is not None:
                warcstore.advance(session, progress)
        self._frontier_known.remember(keys)
        return result

    def _ingest_page(self, session, article: ArticleValue, fetched_at: datetime, found_via: str | None,  # noqa: ANN001
                     etag: str | None, last_modified: str | None, warc: WarcRef | None = None) -> IngestResult:
        site_id = self._site(session, host_of(article.url), article.sitename)
        existing = session.scalar(select(Article).where(Article.url_key == url_key(article.url)))
        # An extraction worker may have computed the lines, word count and fingerprint already
        # (archive.extract.extract_prepared); they are used only while no learned chrome is cut.
        prepared = getattr(article, "prepared", None)
        if prepared is not None and not prepared.fits(article.text, self.config.fingerprint):
            prepared = None
        lines = prepared.lines if prepared is not None else pagelines.page_lines(article.text)
        text = self._clean(session, site_id, article.text, lines)
        if prepared is None or text != article.text:
            count, fp = len(words(text)), None
        else:
            count, fp = prepared.word_count, prepared.fingerprint
        if count < MIN_WORDS:
            return IngestResult(IngestStatus.SKIPPED, skipped=Skipped(SkipReason.NO_TEXT, "too little text once chrome is removed"))
        fp = fp or fingerprint(text, self.config.fingerprint)
        if existing is not None:
            return self._revisit(session, existing, article, text, fp, fetched_at, etag, last_modified, warc)
        key = url_key(article.url)
        twins = [(u, k) for u, k, s in session.connection().execute(
            select(Article.url, Article.url_key, Article.site_id).where(Article.text_hash == fp.text_hash)) if s == site_id]
        same = next((k for _, k in twins if k == key), None)
        if same is not None:      # a concurrent writer committed this very URL since it was looked up
            existing = session.scalar(select(Article).where(Article.url_key == key))
            return self._revisit(session, existing, article, text, fp, fetched_at, etag, last_modified, warc)
        twin = twins[0][0] if twins else None      # (by the text_hash index)
        if twin is not None:
            # One site, one text, two URLs (share links, print views): one page, archived once.
            return IngestResult(IngestStatus.SKIPPED, skipped=Skipped(SkipReason.ALTERNATE, f"same text as {twin}"))
        row = self._new_row(article, text, fp, site_id, fetched_at, found_via, etag, last_modified, warc)
        session.add(row)
        session.flush()
        cluster_id, exact = place(session, row, self._banding, self.config, fresh=True)
        if self._learn(session, row, lines):        # other pages placed again: this one's cluster may have moved
            session.refresh(row, ["cluster_id", "similarity"])
            size = session.scalar(select(Cluster.size).where(Cluster.id == row.cluster_id)) or 1
        else:       # placing gave the row and its cluster (held by the session) their values
            size = session.get(Cluster, row.cluster_id).size or 1
        status = IngestStatus.DUPLICATE if size > 1 else IngestStatus.NEW
        return IngestResult(status, row.id, row.cluster_id, row.similarity, exact=exact)

    def _site(self, session, host: str, name: str | None) -> int:  # noqa: ANN001
        """The site's id, its row made when the host is new (and named when it had no name).
        Sites are never deleted, so an id read from a committed row is kept for later pages."""
        known = self._site_ids.get(host)
        if known is not None and (known[1] or not name):
            return known[0]
        site = session.scalar(select(Site).where(Site.host == host))
        if site is None:
            site = Site(host=host, name=name)
            session.add(site)
            session.flush()
            return site.id          # not remembered: this transaction may yet roll back
        if name and not site.name:
            site.name = name
            return site.id
        self._site_ids[host] = (site.id, bool(site.name))
        return site.id

    def _clean(self, session, site_id: int, raw: str, lines: dict[int, str] | None = None) -> str:  # noqa: ANN001
        lines = pagelines.page_lines(raw) if lines is None else lines
        known = chrome.known_chrome(session, site_id, list(lines), (self.config.chrome_min_pages, self.config.chrome_min_pages_short))
        return pagelines.strip_chrome(raw, known)

    def _new_row(self, a: ArticleValue, text: str, fp: Fingerprint, site_id: int, fetched_at: datetime,
                 found_via: str | None, etag: str | None, last_modified: str | None, warc: WarcRef | None) -> Article:
        return Article(
            url_key=url_key(a.url), url=a.url, canonical_url=a.canonical_url, site_id=site_id, title=a.title,
            author=a.author, sitename=a.sitename, published=a.published, language=a.language, text=text, raw_text=a.text,
            text_hash=fp.text_hash, signature=fp.signature_bytes(), shingle_count=fp.shingle_count,
            credits=list(a.credits), is_excerpt=a.is_excerpt, found_via=found_via, etag=etag,
            last_modified=last_modified, first_seen=fetched_at, fetched_at=fetched_at,
            extractor_version=extractor_version(), fingerprint_version=params_version(self.config.fingerprint),
            **warcstore.columns(warc))

    def _revisit(self, session, row: Article, a: ArticleValue, text: str, fp: Fingerprint,  # noqa: ANN001
                 fetched_at: datetime, etag: str | None, last_modified: str | None,
                 warc: WarcRef | None = None) -> IngestResult:
        """The URL is archived already: unchanged, or a new version of the same article."""
        row.fetched_at, row.etag, row.last_modified = fetched_at, etag, last_modified
        row.gone_at = None                   # the page answers again
        if fp.text_hash == row.text_hash:
            return IngestResult(IngestStatus.UNCHANGED, row.id, row.cluster_id, row.similarity)
        session.add(ArticleVersion(article_id=row.id, version=row.version, title=row.title, text=row.text,
                                   text_hash=row.text_hash, fetched_at=row.fetched_at, **warcstore.columns(warcstore.ref_of(row))))
        row.version += 1
        warcstore.store_ref(row, warc)
        row.extractor_version = extractor_version()
        row.title, row.author, row.published = a.title, a.author, a.published or row.published
        row.sitename = a.sitename or row.sitename
        row.canonical_url, row.credits, row.is_excerpt = a.canonical_url, list(a.credits), a.is_excerpt
        self._refingerprint(session, row, a.text, text, fp)
        return IngestResult(IngestStatus.UPDATED, row.id, row.cluster_id, row.similarity)

    def _refingerprint(self, session, row: Article, raw: str, text: str, fp: Fingerprint) -> None:  # noqa: ANN001
        """Give ``row`` a new text and place it again (its cluster is re-evaluated)."""
        row.raw_text, row.text = raw, text
        row.text_hash, row.signature, row.shingle_count = fp.text_hash, fp.signature_bytes(), fp.shingle_count
        place(session, row, self._banding, self.config, reuse=detach(session, row))

    def _learn(self, session, row: Article, lines: dict[int, str]) -> bool:  # noqa: ANN001
        """Count the page's lines (``lines.page_lines`` of its raw text) for its site; clean again
        the pages of lines that became chrome. True when some page was cleaned and placed again."""
        crossed = chrome.count_page(session, row.site_id, lines, (self.config.chrome_min_pages, self.config.chrome_min_pages_short))
        targets: set[int] = set()
        for line in crossed:
            targets.update(chrome.pages_with_line(session, row.site_id, line))
        placed = False
        for article_id in sorted(targets):
            other = session.get(Article, article_id)
            if other.cluster_id is None:        # being reprocessed: cleaned when its turn comes
                continue
            text = self._clean(session, other.site_id, other.raw_text)
            if text != other.text and len(words(text)) >= MIN_WORDS:
                logger.debug("cleaning %s again: site chrome learned", other.url)
                self._refingerprint(session, other, other.raw_text, text, fingerprint(text, self.config.fingerprint))
                placed = True
        return placed

    # -- reading ----------------------------------------------------------------------------

    def show(self, cluster_id: int) -> dict[str, Any]:
        """One cluster: credited origin, canonical and every member (old merged ids resolve)."""
        with self.reader() as session:
            if session.get(Cluster, cluster_id) is None:
                raise NotFound(f"no cluster {cluster_id}")
            resolved = resolve_cluster(session, cluster_id)
            cluster = session.get(Cluster, resolved)
            rows = session.execute(select(Article, Site).join(Site, Site.id == Article.site_id)
                                   .where(Article.cluster_id == resolved)
                                   .order_by((Article.role != "canonical"), Article.published, Article.id)).all()
            members = [_member_dict(a, s) for a, s in rows]
            canonical = next((a for a, _ in rows if a.role == "canonical"), None)
            for member, (a, _) in zip(members, rows):
                member["changes"] = None if canonical is None or a.id == canonical.id else compare(
                    _diff_view(canonical), _diff_view(a)).as_dict()
            return {"id": resolved, "requested_id": cluster_id, "size": cluster.size, "origin": cluster.origin,
                    "origin_url": cluster.origin_url,
                    "canonical": next((m for m in members if m["role"] == "canonical"), None),
                    "members": members}

    # -- raw pages and WARC imports -----------------------------------------------------------

    def warc_location(self, article_id: int) -> WarcRef:
        """Where article ``article_id``'s raw page is stored (NotFound when it was not captured)."""
        with self.reader() as session:
            return warcstore.location(session, article_id)

    def import_begin(self, source: str, size: int | None, first_digest: str | None) -> tuple[int, int, bool]:
        """Start or resume importing the WARC file ``source``: (next offset, records read, done).
        Raises ``warcstore.ChangedFile`` when its size or first record changed since it was started."""
        with self._sessions.begin() as session:
            return warcstore.begin(session, source, size, first_digest)

    def import_states(self) -> dict[str, str]:
        """Each WARC file an import started: ``reading`` or ``done``."""
        with self.reader() as session:
            return {row["source"]: row["state"] for row in warcstore.imports(session)}

    def import_advance(self, mark: ImportMark, done: bool = False) -> None:
        """Commit an import's position when no article was made since the last one (skipped records)."""
        retry_races(lambda: self._advance_once(mark, done), mark.source)

    def _advance_once(self, mark: ImportMark, done: bool) -> None:
        with self._sessions.begin() as session:
            warcstore.advance(session, mark, done)

    # -- crawl runs ----------------------------------------------------------------------------

    def start_run(self, seeds: list[str]) -> int:
        """Record a crawl run as started; runs left 'running' by a dead process are marked 'died'."""
        with self._sessions.begin() as session:
            host = socket.gethostname()
            now = utcnow()
            for run in session.scalars(select(CrawlRun).where(CrawlRun.status == "running")):
                beat = run.heartbeat_at
                if beat is not None and beat.tzinfo is None:
                    beat = beat.replace(tzinfo=timezone.utc)
                if (run.hostname == host and run.pid and not _pid_alive(run.pid)) or (
                        beat is not None and now - beat > RUN_HEARTBEAT * RUN_LOST_AFTER):
                    run.status, run.reason = "died", "the process ended without finishing the run"
            run = CrawlRun(seeds=list(seeds), pid=os.getpid(), hostname=host, status="running", heartbeat_at=now)
            session.add(run)
            session.flush()
            return run.id

    def finish_run(self, run_id: int, status: str, stats: dict[str, Any], reason: str | None = None) -> None:
        with self._sessions.begin() as session:
            run = session.get(CrawlRun, run_id)
            run.status, run.stats, run.reason, run.finished_at = status, stats, reason, utcnow()

    def runs(self, limit: int = 50) -> list[dict[str, Any]]:
        with self.reader() as session:
            query = select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)
            return [{"id": r.id, "started_at": _iso(r.started_at), "finished_at": _iso(r.finished_at),
                     "status": r.status, "seeds": r.seeds, "stats": r.stats, "reason": r.reason}
                    for r in session.scalars(query)]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _diff_view(a: Article) -> dict[str, Any]:
    return {"title": a.title, "author": a.author, "text": a.text}


def _member_dict(a: Article, s: Site) -> dict[str, Any]:
    return {"article_id": a.id, "url": a.url, "title": a.title, "site": a.sitename or s.name or s.host, "host": s.host,
            "author": a.author, "published": _iso(a.published), "first_seen": _iso(a.first_seen),
            "similarity": a.similarity, "role": a.role, "canonical_url": a.canonical_url,
            "credits": list(a.credits or []), "language": a.language}
