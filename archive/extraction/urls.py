"""URL normalisation: one spelling per page, so a page is fetched and archived once."""

from __future__ import annotations

import functools
from urllib.parse import parse_qsl, urlsplit, urlunsplit

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
