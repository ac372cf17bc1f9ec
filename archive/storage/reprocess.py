"""Reprocessing: archived articles extracted again from their stored pages (WARC records) with the
current extractor and settings, fingerprinted and placed again, in the order they were archived,
as a fresh import of the same pages would; and a report of what changed."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable

from sqlalchemy import delete, select, update

from archive.extraction.article import Article as ArticleValue
from archive.extraction.article import Skipped, WarcRef, extractor_version
from archive.neardup import lines as pagelines
from archive.neardup.fingerprint import fingerprint, params_version
from archive.neardup.normalize import words
from archive.storage.index import delete_bands
from archive.storage.models import Article, Cluster, LeadKey, SiteLine, Site
from archive.storage.placement import place, refresh_cluster, resolve_cluster

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True, slots=True)
class Selected:
    """An article to reprocess: its id, URL, how it was found and where its page is."""

    article_id: int
    url: str
    found_via: str | None
    ref: WarcRef


@dataclass
class ReprocessReport:
    """What a reprocess changed (or would change, with --dry-run)."""

    articles: int = 0
    texts_changed: int = 0
    removed: int = 0              # no longer an article (the extractor skips the page now)
    moved: int = 0                # articles not in the story that continues theirs (holds most of its members)
    merged: int = 0               # stories that took in members of other stories
    split: int = 0                # stories whose members went to several stories
    canonicals_changed: int = 0
    missing_pages: int = 0        # articles whose stored page could not be read (left as they were)
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        verb = "would change" if self.dry_run else "changed"
        return (f"{self.articles} articles reprocessed: {verb} {self.texts_changed} texts, {self.moved} moved, "
                f"{self.merged} stories merged, {self.split} split, {self.canonicals_changed} canonicals; "
                f"{self.removed} no longer articles, {self.missing_pages} pages unreadable")


_BATCH = 500      # article ids per statement


class _DryRun(Exception):
    """Rolls a dry run's transaction back."""


class ReprocessMixin:
    """``Archive.reprocess_selection`` and ``Archive.reprocess`` (see the module docstring)."""

    def reprocess_selection(self, hosts: Iterable[str] = (), since: datetime | None = None,
                            outdated_only: bool = True) -> list[Selected]:
        """Articles with a stored page, in archiving order: of ``hosts`` (all when empty), first
        seen at or after ``since``, and (``outdated_only``) made by another extractor or
        fingerprint version than the current ones."""
        query = (select(Article.id, Article.url, Article.found_via, Article.warc_file, Article.warc_offset,
                        Article.warc_length, Article.warc_record_id, Article.warc_digest)
                 .join(Site, Site.id == Article.site_id).where(Article.warc_file.is_not(None)).order_by(Article.id))
        if hosts:
            query = query.where(Site.host.in_(list(hosts)))
        if since is not None:
            query = query.where(Article.first_seen >= since)
        if outdated_only:
            query = query.where((Article.extractor_version.is_(None)) | (Article.extractor_version != extractor_version())
                                | (Article.fingerprint_version.is_(None))
                                | (Article.fingerprint_version != params_version(self.config.fingerprint)))
        with self.reader() as session:
            return [Selected(r[0], r[1], r[2], WarcRef(*r[3:])) for r in session.execute(query)]

    def reprocess(self, selected: list[Selected], results: Iterable[ArticleValue | Skipped | None], *,
                  dry_run: bool = False) -> ReprocessReport:
        """Place ``selected`` again from ``results`` (one per article, in order; None: its page
        could not be read, the article stays as it is), in one transaction: rolled back when
        ``dry_run``. Learned chrome is counted again from the new texts."""
        report = ReprocessReport(dry_run=dry_run)
        banding = self._banding      # checked against meta in a transaction of its own
        try:
            with self._sessions.begin() as session:
                self._reprocess_in(session, selected, results, report, banding)
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        return report

    def _reprocess_in(self, session: Session, selected: list[Selected], results: Iterable[ArticleValue | Skipped | None],
                      report: ReprocessReport, banding: Any) -> None:
        before = _partition(session)
        ids = [s.article_id for s in selected]
        old_clusters = self._take_out(session, ids)
        for item, result in zip(selected, results):
            report.articles += 1
            if result is None:
                report.missing_pages += 1
                row = session.get(Article, item.article_id)
                self._put_back(session, row, old_clusters, banding)
                self._learn(session, row, pagelines.page_lines(row.raw_text))
                continue
            self._redo(session, item.article_id, result, old_clusters, banding, report)
        for cluster_id in sorted(set(old_clusters.values()) - {None}):
            if session.get(Cluster, cluster_id) is not None:
                refresh_cluster(session, cluster_id)
        _compare(before, _partition(session), report)

    def _take_out(self, session: Session, ids: list[int]) -> dict[int, int | None]:
        """Detach the articles from their stories and the index, and uncount their lines."""
        clusters: dict[int, int | None] = {}
        for start in range(0, len(ids), _BATCH):
            batch = ids[start:start + _BATCH]
            for row in session.scalars(select(Article).where(Article.id.in_(batch))):
                clusters[row.id] = row.cluster_id
                _uncount(session, row.site_id, pagelines.page_lines(row.raw_text))
                delete_bands(session, row.id)
            session.execute(delete(LeadKey).where(LeadKey.article_id.in_(batch)))
            session.execute(update(Article).where(Article.id.in_(batch)).values(cluster_id=None))
        session.expire_all()
        return clusters

    def _redo(self, session: Session, article_id: int, result: ArticleValue | Skipped,
              old_clusters: dict[int, int | None], banding: Any, report: ReprocessReport) -> None:
        row = session.get(Article, article_id)
        if isinstance(result, Skipped):
            return self._remove(session, row, report)
        lines = pagelines.page_lines(result.text)
        text = self._clean(session, row.site_id, result.text, lines)
        if len(words(text)) < self.MIN_WORDS:
            return self._remove(session, row, report)
        fp = fingerprint(text, self.config.fingerprint)
        twin = session.scalar(select(Article.id).where(Article.text_hash == fp.text_hash, Article.site_id == row.site_id,
                                                       Article.cluster_id.is_not(None), Article.id != row.id).limit(1))
        if twin is not None:        # the same text as another page of the site: archived once
            return self._remove(session, row, report)
        report.texts_changed += fp.text_hash != row.text_hash
        _set_text(row, result, text, fp, self.config.fingerprint)
        self._put_back(session, row, old_clusters, banding)
        self._learn(session, row, lines)
        return None

    def _put_back(self, session: Session, row: Article, old_clusters: dict[int, int | None], banding: Any) -> None:
        old = old_clusters.get(row.id)
        empty = old is not None and session.get(Cluster, old) is not None and not session.scalar(
            select(Article.id).where(Article.cluster_id == old).limit(1))
        place(session, row, banding, self.config, reuse=old if empty else None)

    def _remove(self, session: Session, row: Article, report: ReprocessReport) -> None:
        report.removed += 1
        report.texts_changed += 1
        session.delete(row)
        session.flush()


def _set_text(row: Article, a: ArticleValue, text: str, fp: Any, params: Any) -> None:
    row.title, row.author, row.published, row.sitename = a.title, a.author, a.published, a.sitename
    row.language, row.canonical_url, row.credits, row.is_excerpt = a.language, a.canonical_url, list(a.credits), a.is_excerpt
    row.raw_text, row.text = a.text, text
    row.text_hash, row.signature, row.shingle_count = fp.text_hash, fp.signature_bytes(), fp.shingle_count
    row.extractor_version, row.fingerprint_version = extractor_version(), params_version(params)


def _uncount(session: Session, site_id: int, lines: dict[int, str]) -> None:
    """One page fewer for each of the page's lines (``chrome.count_page`` counted them)."""
    if lines:
        session.execute(update(SiteLine).where(SiteLine.site_id == site_id, SiteLine.line_hash.in_(list(lines)))
                        .values(pages=SiteLine.pages - 1))


def _partition(session: Session) -> dict[int, tuple[int, str]]:
    """Each article's story (live cluster id) and role."""
    rows = session.execute(select(Article.id, Article.cluster_id, Article.role)).all()
    return {i: (resolve_cluster(session, c), role) for i, c, role in rows if c is not None}


def _compare(before: dict[int, tuple[int, str]], after: dict[int, tuple[int, str]], report: ReprocessReport) -> None:
    """Stories merged and split, articles moved and canonicals changed between two partitions."""
    def groups(partition: dict[int, tuple[int, str]]) -> dict[int, set[int]]:
        found: dict[int, set[int]] = {}
        for article, (cluster, _) in partition.items():
            found.setdefault(cluster, set()).add(article)
        return found

    old, new = groups(before), groups(after)
    common = set(before) & set(after)
    report.split = sum(len({after[a][0] for a in members & common}) > 1 for members in old.values())
    report.merged = sum(len({before[a][0] for a in members & common}) > 1 for members in new.values())
    successor: dict[int, int] = {}     # old story -> the new story holding most of its members
    for cluster, members in old.items():
        places = Counter(after[a][0] for a in members & common)
        if places:
            successor[cluster] = min(places, key=lambda c: (-places[c], c))
    report.moved = sum(successor.get(before[a][0]) != after[a][0] for a in common)
    canon_before = {before[a][0]: a for a in before if before[a][1] == "canonical"}
    canon_after = {after[a][0]: a for a in after if after[a][1] == "canonical"}
    report.canonicals_changed = sum(canon_after.get(successor.get(c)) != a for c, a in canon_before.items())

