"""The links of an HTML page as a crawl follows them: ``<a href>`` targets and declared canonical
URLs, absolute, then in scope (the crawl's hosts), normalised, each page once, capped.

The crawl's extraction workers read them from the tree they parse anyway (``extract_prepared`` with
a ``LinkRequest``), so the crawl's main process does not parse article pages a second time; the
spider reads them itself (``page_links`` then the same filter) only for a page no worker read.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import lxml.etree

from archive.extraction.urls import host_of, normalize_url, url_key


@dataclass(frozen=True, slots=True)
class PageLinks:
    """The ``<a href>`` targets of an HTML page, plus its declared canonical URLs."""

    links: tuple[str, ...] = field(default=())
    canonical: tuple[str, ...] = field(default=())    # rel=canonical, og:url


@dataclass(frozen=True, slots=True)
class LinkRequest:
    """What a crawl asks an extraction worker for: the page's links on ``hosts``.

    ``base_url`` is the URL the page was fetched from (relative links resolve against it),
    ``encoding`` the charset the crawler reads the page with, ``limit`` the links kept at most
    (NEWSARCHIVE_MAX_LINKS_PER_PAGE), ``file_suffixes`` the path endings of files (images,
    documents...) whose links are kept only when the page declares one as its canonical.
    """

    hosts: frozenset[str]
    base_url: str | None = None
    encoding: str | None = None
    limit: int | None = None
    file_suffixes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FoundLinks:
    """A page's links as the crawl follows them: in scope, normalised, each page once (by url_key),
    at most the limit (``capped``: the page held more); ``canonical`` its in-scope declared
    canonical URLs as written (absolute)."""

    links: tuple[str, ...] = ()
    canonical: tuple[str, ...] = ()
    capped: bool = False


def in_scope(url: str, hosts: frozenset[str] | set[str]) -> str | None:
    """``url`` normalised, or None when it is malformed, not http(s) or not on ``hosts``."""
    try:
        normalized = normalize_url(url)
    except ValueError:
        return None
    if urlsplit(normalized).scheme not in ("http", "https") or host_of(normalized) not in hosts:
        return None
    return normalized


def scoped_links(found: PageLinks, request: LinkRequest) -> FoundLinks:
    """The links of ``found`` a crawl follows (its canonical URLs first, then its links)."""
    files = set(found.canonical)
    kept: dict[str, str] = {}
    capped = False
    for url in (*found.canonical, *found.links):
        if request.limit is not None and len(kept) >= request.limit:
            capped = True
            break
        normalized = in_scope(url, request.hosts)
        if normalized is None:
            continue
        is_file = urlsplit(normalized).path.lower().endswith(request.file_suffixes) if request.file_suffixes else False
        if not is_file or url in files:
            kept.setdefault(url_key(normalized), normalized)
    canonical = tuple(c for c in found.canonical if in_scope(c, request.hosts))
    return FoundLinks(tuple(kept.values()), canonical, capped)


_HREFS = lxml.etree.XPath("//a/@href", smart_strings=False)
_BASE = lxml.etree.XPath("//base/@href", smart_strings=False)
_DECLARED = lxml.etree.XPath(
    "//link[contains(concat(' ', normalize-space(translate(@rel, 'CANONIL', 'canonil')), ' '), ' canonical ')]/@href"
    " | //meta[@property='og:url']/@content", smart_strings=False)


def tree_links(root: lxml.etree._Element, base_url: str) -> PageLinks:
    """The ``<a href>`` targets (each once, in page order) and the rel=canonical / og:url of a
    parsed page, absolute (resolved once per distinct href)."""
    base = urljoin(base_url, next(iter(_BASE(root)), "").strip())
    hrefs = dict.fromkeys(href.strip() for href in _HREFS(root))
    hrefs.pop("", None)
    links = tuple(dict.fromkeys(urljoin(base, href) for href in hrefs))
    canonical = tuple(urljoin(base, href.strip()) for href in _DECLARED(root) if href.strip())
    return PageLinks(links=links, canonical=canonical)


def page_links(body: bytes | str, base_url: str, encoding: str = "utf-8") -> PageLinks:
    """The links of an HTML page as fetched (see ``tree_links``), read with ``encoding``.

    >>> page_links(b'<a href="/x#c">x</a><a href="/x#c">again</a><link rel="canonical" href="/y">', "http://a.test/").links
    ('http://a.test/x#c',)
    """
    if isinstance(body, bytes) and _codec(encoding) not in ("utf-8", None):
        body = body.decode(encoding, "replace")       # lxml would not know every name Python does
    if isinstance(body, str):
        body = body.encode("utf-8")
    root = _parse_html(body)
    return PageLinks() if root is None else tree_links(root, base_url)


# What trafilatura's load_html changes in a page before parsing it (control characters; a
# self-closing <html/>): a tree parsed from such a page is not read for links.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SELF_CLOSING_HTML = re.compile(r"<html[^>]*/>", re.IGNORECASE)


def reads_alike(body: bytes, html: str, encoding: str | None) -> bool:
    """Whether ``html`` (the text extraction decoded ``body`` to) is what ``page_links`` reads of
    ``body`` with ``encoding``, and parses alike: then the extraction's tree gives the same links."""
    codec = _codec(encoding or "utf-8")
    if codec is None:
        return False
    try:
        text = body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return False
    return text == html and not _CONTROL.search(html) and not _SELF_CLOSING_HTML.search(html[:4096])


def _codec(encoding: str) -> str | None:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return None


_UTF8_HTML = lxml.etree.HTMLParser(recover=True, encoding="utf-8", collect_ids=False, no_network=True)


def _parse_html(body: bytes) -> lxml.etree._Element | None:
    """The root element of a UTF-8 page, damaged markup recovered (None for no markup at all)."""
    try:
        return lxml.etree.fromstring(body, parser=_UTF8_HTML)
    except (lxml.etree.XMLSyntaxError, ValueError):
        return None


def read_links(request: LinkRequest, body: bytes | str, url: str, html: str | None = None,
               tree: lxml.etree._Element | None = None) -> FoundLinks:
    """The links ``request`` asks for of the page ``body`` fetched at ``url``: from ``tree`` (the
    extraction's parse of ``html``) when it reads the page as the crawler does, else parsed here."""
    base = request.base_url or url
    if tree is not None and html is not None and isinstance(body, bytes) and tree.tag == "html" and reads_alike(
            body, html, request.encoding):
        found = tree_links(tree, base)
    else:
        found = page_links(body, base, request.encoding or "utf-8")
    return scoped_links(found, request)
