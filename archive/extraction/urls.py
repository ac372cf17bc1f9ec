"""URL normalisation: one spelling per page, so a page is fetched and archived once."""

from __future__ import annotations

import functools
import re
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, url_query_cleaner

# Query parameters that only track where a click came from; they never select content.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid",
    "mc_cid", "mc_eid", "_hsenc", "_hsmi", "mkt_tok", "ref_src", "cmpid", "s_cid", "ocid",
    # WordPress share-button and comment-reply links: the same page under another URL
    "share", "replytocom", "amp;replytocom",
})
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "__hs")

_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking_param(name: str) -> bool:
    """True for query parameters such as ``utm_source`` or ``fbclid``."""
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


@functools.lru_cache(maxsize=16384)    # pure; a site's menu links recur on every page
def normalize_url(url: str) -> str:
    """Return ``url`` without fragment and tracking parameters, with a sorted query,
    a lower-case scheme and host, no default port and one percent-encoding (w3lib's
    ``canonicalize_url``: UTF-8, upper-case escapes, unreserved characters unescaped).

    >>> normalize_url("HTTP://Example.com:80/a/b?utm_source=x&b=2&a=1#top")
    'http://example.com/a/b?a=1&b=2'
    >>> normalize_url("http://example.com/caf\u00e9/%7euser")
    'http://example.com/caf%C3%A9/~user'
    """
    url = url.strip()
    tracking = sorted({k for k, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True) if is_tracking_param(k)})
    if tracking:
        url = url_query_cleaner(url, tracking, remove=True, keep_fragments=True)
    parts = urlsplit(canonicalize_url(url, keep_blank_values=True))
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def url_key(url: str) -> str:
    """The archive's identity of a page: the normalised URL without a trailing slash
    and with the scheme dropped, so ``http``/``https`` and ``/a``/``/a/`` variants are one page.

    >>> url_key("https://example.com/story/?utm_medium=feed")
    'example.com/story'
    """
    normalized = normalize_url(url)
    parts = urlsplit(normalized)
    path = parts.path.rstrip("/") or "/"
    key = parts.netloc + path
    return f"{key}?{parts.query}" if parts.query else key


def host_of(url: str) -> str:
    """The ``host[:port]`` of a URL, lower-cased, without a default port: a crawl scope unit."""
    return urlsplit(normalize_url(url)).netloc


# Path segments of listings (followed for links, never archived).
_LISTING_SEGMENTS = frozenset({
    "tag", "tags", "category", "categories", "section", "sections", "topic", "topics", "author", "authors",
    "label", "labels", "page", "search", "calendar", "events", "feed", "feeds", "rss", "user", "users",
    "profile", "profiles", "people", "contributors", "writers", "columnists", "archive", "archives",
    "collections", "series", "keyword", "keywords", "subject", "subjects", "browse",
})
# Path segments of a site's own pages about itself.
_STATIC_PAGES = frozenset({
    "about", "about-us", "aboutus", "about_us", "who-we-are", "our-story", "team", "our-team", "staff",
    "contact", "contact-us", "contactus", "contact_us", "privacy", "privacy-policy", "privacypolicy",
    "privacy-notice", "cookie-policy", "cookies", "cookie-settings", "terms", "terms-of-use",
    "terms-of-service", "terms-and-conditions", "tos", "legal", "imprint", "impressum", "disclaimer",
    "advertise", "advertising", "careers", "jobs", "donate", "subscribe", "newsletter", "newsletters",
    "login", "signin", "sign-in", "register", "account", "faq", "help", "sitemap", "accessibility",
    "corrections", "ethics", "masthead", "editorial-policy", "support", "shop", "store", "membership",
})
_HOME_PATHS = frozenset({"", "index", "home", "default", "start", "welcome"})
_SEARCH_PARAMS = frozenset({"s", "q", "query", "search", "keyword", "keywords", "searchterm"})
_PAGE_PARAMS = frozenset({"page", "paged", "pg", "pagenum", "start", "offset"})
_EXTENSION = re.compile(r"\.(?:s?html?|php\d?|aspx?|jsp|cfm)$", re.IGNORECASE)
_DATE_PATH = re.compile(
    r"/(?:19|20)\d{2}/(?:0?[1-9]|1[0-2])(?:/|$)|/(?:19|20)\d{2}-\d{2}-\d{2}|/(?:19|20)\d{6}(?:/|$)")


def classify_url(url: str) -> str:
    """The shape of a URL's path: "home", "listing", "static" (about, contact, privacy...),
    "article" (a date, a long slug or a numeric id), "section" (a few short words) or "unknown".

    >>> classify_url("https://example.com/tag/climate/"), classify_url("https://example.com/2024/05/01/a-b-c/")
    ('listing', 'article')
    """
    parts = urlsplit(url)
    segments = [_EXTENSION.sub("", unquote(s)).lower() for s in parts.path.split("/") if s]
    params = {k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
    if params & _SEARCH_PARAMS:
        return "listing"
    if not segments or (len(segments) == 1 and segments[0] in _HOME_PATHS):
        return "listing" if params & _PAGE_PARAMS else "home"
    article_like = [i for i, s in enumerate(segments) if _is_article_segment(s)]
    for i, segment in enumerate(segments):
        if segment in _LISTING_SEGMENTS and not any(j > i for j in article_like):
            return "listing"
    if len(segments) <= 3 and any(s in _STATIC_PAGES for s in segments) and not article_like:
        return "static"
    if article_like or _DATE_PATH.search(parts.path):
        return "article"
    if params & _PAGE_PARAMS:
        return "listing"
    if all(len(re.split(r"[-_]", s)) <= 2 and not re.search(r"\d", s) for s in segments):
        return "section"
    return "unknown"


def _is_article_segment(segment: str) -> bool:
    """A slug of three or more words, or a numeric id of five or more digits."""
    words = [w for w in re.split(r"[-_+.\s]+", segment) if w]
    alpha = [w for w in words if re.search(r"[^\W\d]", w)]
    return len(alpha) >= 3 or bool(re.fullmatch(r"\d{5,}", segment)) or (
        len(alpha) >= 1 and any(re.fullmatch(r"\d{4,}", w) for w in words))
