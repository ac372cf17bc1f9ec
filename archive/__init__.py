"""newsarchive's library: extraction, near-duplicate detection, storage, analysis and the CLI.

The layers, top to bottom (each imports only from the layers below it; see docs/architecture.md):

    archive.cli         the ``newsarchive`` command (it starts the crawler)
    crawler             the Scrapy project: fetching and discovery
    archive.analysis    read-only queries, reports, Datasette metadata
    archive.storage     the Archive, its database, the cluster placement and the crawl state
    archive.extraction  bytes of a page -> an Article (text, metadata, credits)
    archive.neardup     text -> fingerprints, verification, the canonical choice (pure)

The names below are the public library API. They are imported on first use, so ``import archive``
loads no database library until an ``Archive`` is opened.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from archive.config import ArchiveConfig, FingerprintParams, resolve_db_url
    from archive.errors import ArchiveError
    from archive.extraction.article import Article, IngestResult, IngestStatus, Skipped, SkipReason
    from archive.storage.archive import Archive

_PUBLIC = {
    "Archive": "archive.storage.archive",
    "Article": "archive.extraction.article", "IngestResult": "archive.extraction.article",
    "IngestStatus": "archive.extraction.article", "Skipped": "archive.extraction.article",
    "SkipReason": "archive.extraction.article",
    "ArchiveConfig": "archive.config", "FingerprintParams": "archive.config", "resolve_db_url": "archive.config",
    "ArchiveError": "archive.errors",
}
__all__ = [*_PUBLIC, "extract"]

logging.getLogger(__name__).addHandler(logging.NullHandler())


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'archive' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def extract(body: bytes | str, url: str, **kwargs: Any) -> Any:
    """Extract an article from a page: see ``archive.extraction.extract.extract``."""
    from archive.extraction.extract import extract as _extract

    return _extract(body, url, **kwargs)
