"""The Archive: ingest one page in one transaction; list clusters, show one, record crawl runs."""

from __future__ import annotations

import dataclasses
import functools
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select

from archive.neardup import lines as pagelines
from archive.storage import chrome, fastsql, frontier, publishers, warcstore
from archive.storage.publishers import evidence_of
from archive.storage.why import explain_cluster
from archive.extraction.article import Article as ArticleValue
from archive.extraction.article import ImportMark, IngestResult, IngestStatus, Skipped, SkipReason, WarcRef, extractor_version
from archive.config import ArchiveConfig, resolve_db_url
from archive.neardup.diff import compare
from archive.errors import NotFound
from archive.neardup.fingerprint import Fingerprint, Prepared, fingerprint, params_record, params_version
from archive.storage.crawlstate import RUN_HEARTBEAT, RUN_LOST_AFTER, CrawlState  # noqa: F401 - re-exported
from archive.storage.index import Banding
from archive.storage.records import PageMark
from archive.storage.models import Article, ArticleVersion, Cluster, Site, utcnow
from archive.neardup.normalize import word_count, words
from archive.storage.placement import detach, place, resolve_cluster
from archive.storage.retry import retry_races
from archive.storage.rows import insert_article, placed
from archive.storage.store import check_meta, check_schema, make_engine, migrate, reader_factory, session_factory
from archive.storage.reprocess import ReprocessMixin
from archive.extraction.urls import host_of, url_key

logger = logging.getLogger(__name__)

_ARTICLE = Article.__table__
_ID_BY_KEY = select(_ARTICLE.c.id).where(_ARTICLE.c.url_key == bindparam("b_key"))
_TWINS = select(_ARTICLE.c.url, _ARTICLE.c.url_key, _ARTICLE.c.site_id).where(_ARTICLE.c.text_hash == bindparam("b_hash"))

MIN_WORDS = 20          # an article body shorter than this, once chrome is gone, is not archived


class Archive(CrawlState, ReprocessMixin):
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
        self._engine = make_engine(self.url, readonly=readonly)
        try:
            if readonly:      # readers open what exists; only writers create and upgrade archives
                check_schema(self._engine, self.url)
            else:
                migrate(self._engine)
        except BaseException:
            self._engine.dispose()
            raise
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
                       last_modified: str | None = None, mark: PageMark | None = None,
                       prepared: Prepared | None = None, warc: WarcRef | None = None,
                       progress: ImportMark | None = None) -> IngestResult:
        """Archive one extracted page, index it and cluster it, all in one transaction (run again
        if a concurrent writer beat it to a row: the same page, or a new site's first page).
        ``mark`` (the page's frontier row and the links it holds) commits in the same transaction.
        ``prepared`` (``fingerprint.prepare`` of the text, made by an extraction worker) saves the
        writer that work when it fits the text and the archive's parameters. ``progress`` (a WARC
        import's position) commits in the same transaction; ``warc`` is where the raw page is stored."""
        fetched_at = fetched_at or utcnow()
        banding = self._banding  # noqa: F841 - checked against meta outside the page's transaction
        if prepared is not None and not prepared.fits(article.text, self.config.fingerprint):
            prepared = None
        page = _Page(article, fetched_at, found_via, etag, last_modified, prepared, warc)
        return retry_races(lambda: self._ingest_once(page, mark, progress), article.url)

    def _ingest_once(self, page: _Page, mark: PageMark | None, progress: ImportMark | None = None) -> IngestResult:
        keys: list[str] = []
        with self._sessions.begin() as session:
            result = self._ingest_page(session, page)
            if mark is not None and result.skipped is not None:      # a leaf: not fetched again while fresh
                mark = dataclasses.replace(mark, status=frontier.skip_status(result.skipped))
            if mark is not None:
                keys = frontier.record(session, mark, known=self._frontier_known)
            if progress is not None:
                warcstore.advance(session, progress)
        self._frontier_known.remember(keys)
        return result

    def _ingest_page(self, session, page: _Page) -> IngestResult:  # noqa: ANN001
        """The page's rows through Core statements built once (no ORM object on the path of a new
        article); a URL archived already is a revisit of its ORM row."""
        article, prepared = page.article, page.prepared
        site_id = self._site(session, host_of(article.url), article.sitename)
        key = url_key(article.url)
        connection = session.connection()
        existing = fastsql.scalar(connection, _ID_BY_KEY, {"b_key": key})
        lines, text, fp = self._cleaned(session, site_id, article.text, prepared)
        if fp is None:
            return IngestResult(IngestStatus.SKIPPED, skipped=Skipped(
                SkipReason.NO_TEXT, "too little text once chrome is removed", leaf=True))
        twins = []
        if existing is None:
            twins = [(u, k) for u, k, s in fastsql.rows(connection, _TWINS, {"b_hash": fp.text_hash}) if s == site_id]
            if any(k == key for _, k in twins):     # a concurrent writer committed this very URL since it was looked up
                existing = fastsql.scalar(connection, _ID_BY_KEY, {"b_key": key})
        if existing is not None:
            return self._revisit(session, session.get(Article, existing), article, text, fp, page.fetched_at,
                                 page.etag, page.last_modified, page.warc)
        if twins:       # (by the text_hash index)
            # One site, one text, two URLs (share links, print views): one page, archived once.
            return IngestResult(IngestStatus.SKIPPED, skipped=Skipped(SkipReason.ALTERNATE, f"same text as {twins[0][0]}", leaf=True))
        row = insert_article(session, self._new_values(page, text, fp, site_id))
        publishers.learn(session, row, host_of(row.url))
        cluster_id, exact = place(session, row, self._banding, self.config, fresh=True)
        placed_again = self._learn(session, row, lines, fresh=True)
        if placed_again or row.similarity is None:      # joined a story, or placed again: as written
            cluster_id, similarity, size = placed(session, row.id)
        else:       # alone in a new cluster: its values are known
            similarity, size = row.similarity, 1
        status = IngestStatus.DUPLICATE if (size or 1) > 1 else IngestStatus.NEW
        return IngestResult(status, row.id, cluster_id, similarity, exact=exact)

    def _cleaned(self, session, site_id: int, raw: str,  # noqa: ANN001
                 prepared: Prepared | None) -> tuple[dict[int, str], str, Fingerprint | None]:
        """The page's lines, its text with the site's learned chrome cut, and the text's fingerprint
        (None when too little text is left). The extraction worker's lines, word count and
        fingerprint serve while no learned chrome is cut."""
        lines = prepared.lines if prepared is not None else pagelines.page_lines(raw)
        text = self._clean(session, site_id, raw, lines)
        if prepared is not None and text == raw:
            return lines, text, prepared.fingerprint if prepared.word_count >= MIN_WORDS else None
        if word_count(words(text)) < MIN_WORDS:
            return lines, text, None
        return lines, text, fingerprint(text, self.config.fingerprint)

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

    def _new_values(self, page: _Page, text: str, fp: Fingerprint, site_id: int) -> dict[str, Any]:
        """The columns of a new article's row."""
        a, fetched_at = page.article, page.fetched_at
        return dict(
            url_key=url_key(a.url), url=a.url, canonical_url=a.canonical_url, site_id=site_id, title=a.title,
            author=a.author, sitename=a.sitename, published=a.published, language=a.language, text=text, raw_text=a.text,
            text_hash=fp.text_hash, signature=fp.signature_bytes(), shingle_count=fp.shingle_count,
            credits=list(a.credits), date_source=a.date_source, evidence=evidence_of(a), is_excerpt=a.is_excerpt,
            found_via=page.found_via, etag=page.etag,
            last_modified=page.last_modified, first_seen=fetched_at, fetched_at=fetched_at,
            extractor_version=extractor_version(), fingerprint_version=params_version(self.config.fingerprint),
            **warcstore.columns(page.warc))

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
        row.date_source, row.evidence = a.date_source if a.published else row.date_source, evidence_of(a)
        publishers.learn(session, row, host_of(row.url))
        chrome.write_page_lines(session, row.id, row.site_id, pagelines.page_lines(a.text))
        self._refingerprint(session, row, a.text, text, fp)
        return IngestResult(IngestStatus.UPDATED, row.id, row.cluster_id, row.similarity)

    def _refingerprint(self, session, row: Article, raw: str, text: str, fp: Fingerprint) -> None:  # noqa: ANN001
        """Give ``row`` a new text and place it again (its cluster is re-evaluated)."""
        row.raw_text, row.text = raw, text
        row.text_hash, row.signature, row.shingle_count = fp.text_hash, fp.signature_bytes(), fp.shingle_count
        place(session, row, self._banding, self.config, reuse=detach(session, row))

    def _learn(self, session, row: Article, lines: dict[int, str], *, fresh: bool = False) -> bool:  # noqa: ANN001
        """Record and count the page's lines (``lines.page_lines`` of its raw text) for its site
        (``fresh``: a new article, no lines recorded yet); clean again the pages of lines that
        became chrome. True when some page was cleaned and placed again."""
        chrome.write_page_lines(session, row.id, row.site_id, lines, replace=not fresh)
        crossed = chrome.count_page(session, row.site_id, lines, (self.config.chrome_min_pages, self.config.chrome_min_pages_short))
        targets = chrome.pages_with_lines(session, row.site_id, crossed)
        placed = False
        for article_id in sorted(targets):
            other = session.get(Article, article_id)
            if other.cluster_id is None:        # being reprocessed: cleaned when its turn comes
                continue
            text = self._clean(session, other.site_id, other.raw_text)
            if text != other.text and word_count(words(text)) >= MIN_WORDS:
                logger.debug("cleaning %s again: site chrome learned", other.url)
                self._refingerprint(session, other, other.raw_text, text, fingerprint(text, self.config.fingerprint))
                placed = True
        return placed

    # -- reading ----------------------------------------------------------------------------

    def show(self, cluster_id: int, why: bool = False) -> dict[str, Any]:
        """One cluster: credited origin, canonical and every member (old merged ids resolve);
        with ``why``, the evidence of each member and what decided the canonical ("why")."""
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
            detail = {"id": resolved, "requested_id": cluster_id, "size": cluster.size, "origin": cluster.origin,
                      "origin_url": cluster.origin_url,
                      "canonical": next((m for m in members if m["role"] == "canonical"), None),
                      "members": members}
            if why:
                detail["why"] = explain_cluster(session, resolved)
            return detail

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


@dataclass(frozen=True, slots=True)
class _Page:
    """One page on its way into the archive: the extracted article and how it was fetched."""

    article: ArticleValue
    fetched_at: datetime
    found_via: str | None
    etag: str | None
    last_modified: str | None
    prepared: Prepared | None
    warc: WarcRef | None = None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _diff_view(a: Article) -> dict[str, Any]:
    return {"title": a.title, "author": a.author, "text": a.text}


def _member_dict(a: Article, s: Site) -> dict[str, Any]:
    return {"article_id": a.id, "url": a.url, "title": a.title, "site": a.sitename or s.name or s.host, "host": s.host,
            "author": a.author, "published": _iso(a.published), "first_seen": _iso(a.first_seen),
            "similarity": a.similarity, "role": a.role, "canonical_url": a.canonical_url,
            "credits": list(a.credits or []), "language": a.language, "date_source": a.date_source}
