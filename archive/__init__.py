"""newsarchive's library: extraction, fingerprints, the near-duplicate index, storage and CLI."""

from __future__ import annotations

import logging

from archive.archive import Archive
from archive.article import Article, IngestResult, IngestStatus, Skipped, SkipReason
from archive.config import ArchiveConfig, FingerprintParams, resolve_db_url
from archive.errors import ArchiveError

__all__ = ["Archive", "Article", "ArchiveConfig", "ArchiveError", "FingerprintParams", "IngestResult",
           "IngestStatus", "Skipped", "SkipReason", "extract", "resolve_db_url"]

logging.getLogger(__name__).addHandler(logging.NullHandler())


def extract(body: bytes | str, url: str, **kwargs):  # noqa: ANN201 - see archive.extract.extract
    """Extract an article from a page (lazy import keeps ``import archive`` light)."""
    from archive.extract import extract as _extract

    return _extract(body, url, **kwargs)
