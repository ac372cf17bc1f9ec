"""Downloader guards: redirect loops counted instead of vanishing, internal addresses never fetched."""

from __future__ import annotations

import ipaddress
import logging
import socket
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from scrapy.exceptions import IgnoreRequest
from w3lib.url import safe_url_string

from archive.extraction.urls import host_of, normalize_url

if TYPE_CHECKING:
    from typing_extensions import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
# Not globally routable, but ipaddress calls some of them global or neither: checked explicitly.
_EXTRA_INTERNAL = (ipaddress.ip_network("100.64.0.0/10"), ipaddress.ip_network("0.0.0.0/8"))


class RedirectLoop(IgnoreRequest):
    """A redirect back to a URL already in the request's redirect chain (A -> B -> A)."""

    kind = "redirect_loop"


class InternalAddress(IgnoreRequest):
    """A request to a loopback, private or link-local address whose host is not one of the seeds."""

    kind = "internal_address"


def is_internal_host(host: str) -> bool:
    """True when ``host`` names this machine or a non-public network: an IP literal that is not
    globally routable (loopback, RFC 1918, link-local and cloud metadata, CGNAT, ULA, IPv4-mapped
    forms of those), a legacy IPv4 spelling such as ``2130706433`` or ``0x7f.1``, or ``localhost``.

    A pure function: nothing is resolved or contacted. Other host names return False.

    >>> [is_internal_host(h) for h in ("10.1.2.3", "[::1]", "2130706433", "localhost", "8.8.8.8", "example.org")]
    [True, True, True, True, False, False]
    """
    name = host.strip().lower().rstrip(".")
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name == "localhost" or name.endswith(".localhost"):
        return True
    address = _ip_literal(name)
    if address is None:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in net for net in _EXTRA_INTERNAL if net.version == address.version):
        return True
    return not address.is_global or address.is_multicast


def _ip_literal(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    name = name.split("%", 1)[0]                       # an IPv6 zone id
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        pass
    if not name or not all(part and _is_number(part) for part in name.split(".")) or name.count(".") > 3:
        return None
    try:                                               # 127.1, 0x7f.0.0.1, 017700000001, 2130706433
        return ipaddress.IPv4Address(socket.inet_aton(name))
    except OSError:
        return None


def _is_number(part: str) -> bool:
    """A part of a legacy IPv4 spelling: decimal, octal (leading 0) or hex (0x)."""
    lowered = part.lower()
    if lowered.startswith("0x"):
        digits, base = lowered[2:], 16
    else:
        digits, base = lowered, 8 if len(lowered) > 1 and lowered.startswith("0") else 10
    try:
        int(digits, base)
    except ValueError:
        return False
    return True


class CrawlerBound:
    """A middleware made from the crawler, which it keeps (for its spider, stats and settings)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)


class InternalAddressMiddleware(CrawlerBound):
    """Refuse requests to internal addresses (see :func:`is_internal_host`) unless a seed named the
    host. With the news spider the scope middleware refuses every non-seed host first; this guard
    covers spiders and settings without a scope, and counts what it refused."""

    def process_request(self, request: Request) -> None:
        host = urlsplit(request.url).hostname or ""
        if not is_internal_host(host):
            return
        scope = getattr(self.crawler.spider, "scope", None) or frozenset()
        if host_of(request.url) in scope:
            return
        self.crawler.stats.inc_value("newsarchive/skipped/internal_address")
        raise InternalAddress(f"{host} is an internal address and not a seed host")


class RedirectLoopMiddleware(CrawlerBound):
    """Raise :class:`RedirectLoop` on a redirect back into its own chain.

    Scrapy's dupefilter drops such a redirect silently: neither callback nor errback runs, so the
    URL would vanish from the run's counts. Placed after RedirectMiddleware in the response chain
    (a higher order number), it sees the 3xx before the redirect is followed.
    """

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if response.status not in REDIRECT_CODES or not location or request.meta.get("dont_redirect"):
            return response
        target = urljoin(request.url, safe_url_string(location.decode("latin-1")))
        chain = [*request.meta.get("redirect_urls", []), request.url]
        try:
            seen = {normalize_url(url) for url in chain}
            looped = normalize_url(target) in seen
        except ValueError:
            return response
        if looped:
            raise RedirectLoop("redirect loop: " + " -> ".join([*chain, target]))
        return response
