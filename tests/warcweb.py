"""Helpers of the WARC tests: a crawl of a generated news web that keeps WARC files, and reading
WARC files back record by record (warcio) with their offsets."""

from __future__ import annotations

import gzip
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from storyweb import Served, build

LOOPBACK = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_TIMEOUT=10")


@dataclass(frozen=True)
class Crawled:
    """A finished crawl with --warc: its folder, archive, WARC files and the responses it got."""

    folder: Path
    db: Path
    files: list[Path]
    fetched: int


def crawl_with_warc(newsarchive, web, folder: Path, *extra: str) -> Crawled:  # noqa: ANN001
    """Crawl ``web`` (served) into ``folder``/crawl.db keeping WARC files in ``folder``/warcs."""
    seeds = folder / "seeds.txt"
    seeds.write_text("\n".join(web.seeds) + "\n")
    before = web.fetched()
    result = newsarchive("crawl", "--seeds-file", str(seeds), *LOOPBACK, *extra, "--warc", "warcs",
                         "--db", f"sqlite:///{folder / 'crawl.db'}", cwd=folder)
    assert result.code == 0, result.err[-3000:]
    return Crawled(folder, folder / "crawl.db", sorted((folder / "warcs").glob("*.warc.gz")), web.fetched() - before)


def crawl_fixtures(hosts: list[str], name: str):  # noqa: ANN201 - two pytest fixtures
    """Module fixtures ``web`` (a 30-story web served on ``hosts``) and ``crawled`` (its crawl with --warc)."""
    @pytest.fixture(scope="module")
    def web():  # noqa: ANN202
        with Served(build(hosts, stories=30)) as served:
            yield served

    @pytest.fixture(scope="module")
    def crawled(web, newsarchive, tmp_path_factory):  # noqa: ANN001, ANN202
        return crawl_with_warc(newsarchive, web, tmp_path_factory.mktemp(name))

    return web, crawled


@dataclass(frozen=True)
class Member:
    """One record of a gzip-per-record WARC file: its offset, its compressed bytes and type."""

    offset: int
    data: bytes
    kind: str
    url: str | None

    @property
    def record(self) -> bytes:
        return gzip.decompress(self.data)


def members(path: Path) -> list[Member]:
    """The records of a WARC file as warcio reads them, with the exact bytes of each."""
    data = path.read_bytes()
    found: list[tuple[int, str, str | None]] = []
    with path.open("rb") as stream:
        iterator = ArchiveIterator(stream)
        for record in iterator:
            found.append((iterator.offset, record.rec_type, record.rec_headers.get_header("WARC-Target-URI")))
    ends = [offset for offset, _, _ in found[1:]] + [len(data)]
    return [Member(offset, data[offset:end], kind, url) for (offset, kind, url), end in zip(found, ends)]


def rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()
