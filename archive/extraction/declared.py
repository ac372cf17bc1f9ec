"""trafilatura's metadata of a page that declares its title, author and date itself (meta tags,
JSON-LD), read without the searches of its full metadata pass that the archive does not use.

``bare_extraction(with_metadata=True)`` also looks for a date in the whole page (htmldate), for
an author in the page's text when none is declared, for categories, tags and a licence: for a
page whose own declarations give its title and author and whose date the archive has read already
(``PageMeta.published``, which wins over trafilatura's date), the text is extracted with
``with_metadata=False`` and these fields are read with trafilatura's own readers of meta tags and
JSON-LD, in the order its full pass reads them, so the article comes out the same.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from trafilatura.metadata import META_URL, examine_meta, extract_meta_json, extract_sitename, extract_url

if TYPE_CHECKING:
    from lxml.html import HtmlElement
    from trafilatura.settings import Document

logger = logging.getLogger(__name__)

FIELDS = ("title", "author", "url", "sitename", "description", "language")   # what extraction uses


def declared_metadata(tree: HtmlElement, url: str) -> Document | None:
    """The page's title, author, site name, description and language as trafilatura's metadata pass
    reads them, or None when the page does not declare both its title and its author (then the
    full pass, which searches the page for them, is needed)."""
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception as exc:  # noqa: BLE001 - as trafilatura: a bug in its JSON-LD reading
        logger.debug("JSON metadata not read: %s", exc)
        return None
    if not metadata.title or not metadata.author:
        return None
    metadata.url = metadata.url or extract_url(tree, url)
    metadata.sitename = metadata.sitename or extract_sitename(tree)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")
        if metadata.sitename and "." not in metadata.sitename and not metadata.sitename[0].isupper():
            metadata.sitename = metadata.sitename.title()
    elif metadata.url:
        match = META_URL.match(metadata.url)
        if match:
            metadata.sitename = match[1]
    metadata.clean_and_trim()
    return metadata


def with_declared(document: Document, metadata: Document) -> Document:
    """``document`` (extracted without metadata) with the fields of ``metadata``."""
    for name in FIELDS:
        setattr(document, name, getattr(metadata, name))
    return document
