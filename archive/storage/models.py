"""SQLAlchemy 2.0 typed models of the archive: sites, articles, clusters, band index, runs."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from sqlalchemy import (JSON, BigInteger, DateTime, ForeignKey, Index, LargeBinary, MetaData,
                        SmallInteger, String, Text, TypeDecorator)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


intpk = Annotated[int, mapped_column(primary_key=True)]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class Meta(Base):
    """Archive-wide facts: schema notes and the fingerprint parameters signatures were made with."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Site(Base):
    """A host (``host[:port]``) whose pages are archived, with its publisher name."""

    __tablename__ = "site"
    id: Mapped[intpk]
    host: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str | None] = mapped_column(String(255))
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)


class Publisher(Base):
    """A publisher, known by every name and domain its pages tie together (``publisher_alias``)."""

    __tablename__ = "publisher"
    id: Mapped[intpk]
    name: Mapped[str | None] = mapped_column(Text)       # the first name seen
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)


class PublisherAlias(Base):
    """One name or registrable domain of a publisher, learned from the pages that declare it:
    ``og:site_name``, JSON-LD ``publisher`` (name and url), the host of a page's own canonical."""

    __tablename__ = "publisher_alias"
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)        # name|domain
    key: Mapped[str] = mapped_column(String(255), primary_key=True)       # normalised name or registrable domain
    publisher_id: Mapped[int] = mapped_column(ForeignKey("publisher.id"), index=True)
    value: Mapped[str] = mapped_column(Text)                              # as first seen
    source: Mapped[str] = mapped_column(String(32))                       # where it was first read
    pages: Mapped[int] = mapped_column(default=1)                         # pages that declared it
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)


class Cluster(Base):
    """One story: its canonical article, members (articles pointing here) and credited origin."""

    __tablename__ = "cluster"
    id: Mapped[intpk]
    canonical_id: Mapped[int | None]                              # article.id (no FK: a cycle)
    size: Mapped[int] = mapped_column(default=0)
    origin: Mapped[str | None] = mapped_column(String(255))       # credited origin publisher
    origin_url: Mapped[str | None] = mapped_column(Text)          # original URL a member declares
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("cluster.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class WarcColumns:
    """Where a page's raw response is stored (see ``archive.extraction.article.WarcRef``)."""

    warc_file: Mapped[str | None] = mapped_column(Text)
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)
    warc_length: Mapped[int | None] = mapped_column(BigInteger)
    warc_record_id: Mapped[str | None] = mapped_column(String(128))
    warc_digest: Mapped[str | None] = mapped_column(String(128))


class Article(WarcColumns, Base):
    """The newest version of one archived page, with its fingerprint and cluster membership."""

    __tablename__ = "article"
    id: Mapped[intpk]
    url_key: Mapped[str] = mapped_column(String(2048), unique=True)
    url: Mapped[str] = mapped_column(Text)
    canonical_url: Mapped[str | None] = mapped_column(Text)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    sitename: Mapped[str | None] = mapped_column(String(255))   # publisher the page names
    published: Mapped[datetime | None]
    language: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)                # body with all known chrome removed
    raw_text: Mapped[str] = mapped_column(Text)            # body as extracted, before site chrome
    text_hash: Mapped[str] = mapped_column(String(64), index=True)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    shingle_count: Mapped[int]
    credits: Mapped[list[Any]] = mapped_column(default=list)
    date_source: Mapped[str | None] = mapped_column(String(64))   # where ``published`` was read
    evidence: Mapped[dict[str, Any] | None]    # what the page declares: dates seen, JSON-LD publisher, rights notices
    publisher_id: Mapped[int | None] = mapped_column(index=True)   # publisher.id (no constraint: added in place)
    is_excerpt: Mapped[bool] = mapped_column(default=False)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("cluster.id"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="canonical")  # canonical|mirror|excerpt
    similarity: Mapped[float | None]                       # estimated Jaccard to the canonical
    found_via: Mapped[str | None] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(default=1)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    gone_at: Mapped[datetime | None]      # the page answered 404/410 when re-crawled (kept, not deleted)
    extractor_version: Mapped[str | None] = mapped_column(String(32))     # archive.extraction EXTRACTOR_VERSION
    fingerprint_version: Mapped[str | None] = mapped_column(String(64))   # fingerprint.params_version

    def __repr__(self) -> str:
        return f"Article(id={self.id!r}, url={self.url!r})"


class ArticleVersion(WarcColumns, Base):
    """Earlier texts of an article whose page changed after it was archived."""

    __tablename__ = "article_version"
    id: Mapped[intpk]
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64))
    fetched_at: Mapped[datetime]


class LshBand(Base):
    """The persistent LSH index: one row per article and band, looked up by (band, bucket)."""

    __tablename__ = "lsh_band"
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"), primary_key=True)
    band: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    bucket: Mapped[int] = mapped_column(BigInteger)
    __table_args__ = (Index("ix_lsh_band_band_bucket", "band", "bucket"),)


class LeadKey(Base):
    """The opening words of an article's first paragraphs, hashed: finds excerpts and short copies
    of a story that MinHash LSH cannot (a first paragraph shares a small Jaccard with the whole)."""

    __tablename__ = "lead_key"
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    __table_args__ = (Index("ix_lead_key_key", "key"),)


class SiteLine(Base):
    """A text line seen on a site's pages, counted per page: frequent lines are site chrome."""

    __tablename__ = "site_line"
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), primary_key=True)
    line_hash: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    pages: Mapped[int] = mapped_column(default=0)
    line: Mapped[str] = mapped_column(Text)


class ArticleLine(Base):
    """One distinct line of an article's extracted text (``raw_text``), by hash: finds the pages of
    a site that hold a line once it becomes chrome (an index probe, not a scan of the site's texts)."""

    __tablename__ = "article_line"
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"), primary_key=True)
    line_hash: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    site_id: Mapped[int]
    __table_args__ = (Index("ix_article_line_site_id_line_hash", "site_id", "line_hash"),)


class CrawlRun(Base):
    """One ``newsarchive crawl``: when, what it was asked to do and what it did."""

    __tablename__ = "crawl_run"
    id: Mapped[intpk]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="running")  # running|ok|failed|interrupted|died
    seeds: Mapped[list[Any]] = mapped_column(default=list)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    pid: Mapped[int | None]
    hostname: Mapped[str | None] = mapped_column(String(255))
    reason: Mapped[str | None] = mapped_column(Text)
    heartbeat_at: Mapped[datetime | None]     # last sign of life of a running crawl (shared frontiers)


class Frontier(Base):
    """The crawl frontier: every URL a crawl discovered, with its state. A page's row is marked in
    the same transaction as its article, and the links it holds are added with it, so a killed crawl
    resumes from here (``pending`` rows) and loses nothing that was committed."""

    __tablename__ = "frontier"
    url_key: Mapped[str] = mapped_column(String(2048), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    host: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16), default="pending")   # pending|done|failed|gone
    found_via: Mapped[str | None] = mapped_column(String(32))
    depth: Mapped[int] = mapped_column(SmallInteger, default=0)
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_status: Mapped[str | None] = mapped_column(String(64))        # what the last attempt gave
    discovered_run: Mapped[int | None]
    discovered_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (Index("ix_frontier_state_host", "state", "host"),)


class WarcImport(Base):
    """One WARC file being imported (``newsarchive import-warc``): its identity (size and first
    record's digest) and the offset of the next record to read, committed with each article."""

    __tablename__ = "warc_import"
    source: Mapped[str] = mapped_column(String(1024), primary_key=True)   # absolute path or URL
    size: Mapped[int | None] = mapped_column(BigInteger)
    first_digest: Mapped[str | None] = mapped_column(String(128))
    next_offset: Mapped[int] = mapped_column(BigInteger, default=0)
    records: Mapped[int] = mapped_column(BigInteger, default=0)
    state: Mapped[str] = mapped_column(String(16), default="reading")    # reading|done
    worker: Mapped[str | None] = mapped_column(String(255))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
