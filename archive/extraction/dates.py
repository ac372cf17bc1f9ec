"""A page's publication date, read from every place that declares one, and where it was read.

The earliest plausible publication declaration wins over later ones: a page often carries an
"updated" stamp, a date of the day it was last edited, or a listing date next to the first one.
Modification stamps are kept for ``--why`` but never chosen.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from lxml import etree

if TYPE_CHECKING:
    from lxml.html import HtmlElement

logger = logging.getLogger(__name__)

PUBLISHED_META = (
    "article:published_time", "og:published_time", "published_time", "article:published",
    "datepublished", "pubdate", "publishdate", "publish-date", "publish_date", "date", "dc.date",
    "dc.date.issued", "dcterms.issued", "dcterms.created", "sailthru.date", "parsely-pub-date",
    "article.published", "cxenseparse:recs:publishtime", "originalpublicationdate",
)
MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "last-modified", "dcterms.modified")
MAX_FUTURE = timedelta(days=1)
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
DISAGREE = timedelta(days=1)       # sources further apart than this are reported by --why
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?:[/_.-]|$)")
# The publication date of microformats: mf2 h-entry's dt-published (a datetime attribute, or a
# value-title) and its predecessor hAtom's abbr.published (the ISO date in its title), as blog
# engines write them. Two XPaths on the tree already parsed: mf2py would parse the page again.
# Compiled once; the microformat query reads every element's class three times, so it runs only
# on a page whose markup names one of its classes at all.
_MICROFORMAT_PUBLISHED = etree.XPath(
    '//*[contains(concat(" ", normalize-space(@class), " "), " dt-published ")]/@datetime'
    '|//*[contains(concat(" ", normalize-space(@class), " "), " dt-published ")]'
    '/*[contains(concat(" ", normalize-space(@class), " "), " value-title ")]/@title'
    '|//*[contains(concat(" ", normalize-space(@class), " "), " hentry ")]'
    '//abbr[contains(concat(" ", normalize-space(@class), " "), " published ")]/@title')
_MICROFORMAT_CLASSES = ("dt-published", "hentry")
_ITEMPROP_PUBLISHED = etree.XPath('//*[@itemprop="datePublished"]/@datetime|//*[@itemprop="datePublished"]/@content')
_TIME_PUBLISHED = etree.XPath("//article//time/@datetime|//time[@pubdate]/@datetime")
_HAS_TIME = re.compile(r"\d[T ]\d{1,2}:\d{2}")


@dataclass(frozen=True, slots=True)
class DateReading:
    """The chosen publication date, its source, and every date seen as (source, ISO date)."""

    published: datetime | None = None
    source: str | None = None
    seen: tuple[tuple[str, str], ...] = ()


def read_dates(tree: HtmlElement, metas: dict[str, str], nodes: list[dict[str, Any]], url: str, html: str,
               article_types: frozenset[str], now: datetime) -> DateReading:
    """Every publication date the page declares (JSON-LD, meta, microdata, microformats, <time>,
    URL); the
    earliest plausible one wins, to the day; within that day a stated time beats a bare date.
    htmldate's guess is taken only when the page declares none."""
    found: list[tuple[str, str]] = []
    main = next((n for n in nodes if set(_types(n)) & article_types and isinstance(n.get("datePublished"), str)), None)
    if main is not None:
        found.append(("json-ld datePublished", main["datePublished"]))
    found += [(f"meta {name}", metas[name]) for name in PUBLISHED_META if metas.get(name)]
    found += [("itemprop datePublished", v) for v in _ITEMPROP_PUBLISHED(tree)[:1]]
    if any(name in html for name in _MICROFORMAT_CLASSES):
        found += [("microformat published", v) for v in _MICROFORMAT_PUBLISHED(tree)[:1]]
    found += [("<time>", v) for v in _TIME_PUBLISHED(tree)[:1]]
    match = _URL_DATE.search(url)
    if match:
        found.append(("url", "-".join(f"{int(g):02d}" for g in match.groups())))
    plausible = _plausible(found, now)
    if not plausible:   # a guess from the markup only when the page declares no date of its own:
        # htmldate's "original date" also reads the older dates of a related-articles list
        plausible = _plausible([("htmldate", v) for v in _htmldate(html, url)], now)
    modified = [(f"modified: meta {name}", metas[name]) for name in MODIFIED_META if metas.get(name)]
    if main is not None and isinstance(main.get("dateModified"), str):
        modified.append(("modified: json-ld dateModified", main["dateModified"]))
    seen = tuple((source, parsed.isoformat()) for _, source, parsed in plausible) + tuple(
        (source, p.isoformat()) for source, p in ((s, parse_datetime(r)) for s, r in modified) if p)
    if not plausible:
        return DateReading(seen=seen)
    _, source, best = min(plausible, key=lambda t: t[0])
    return DateReading(best, source, seen)


def _plausible(found: list[tuple[str, str]], now: datetime) -> list[tuple[tuple, str, datetime]]:
    """(sort key, source, date) of each reading between EARLIEST and tomorrow; the key orders by
    day, then a stated time before a bare date."""
    plausible = []
    for source, raw in found:
        parsed = parse_datetime(raw)
        if parsed and EARLIEST <= parsed <= now + MAX_FUTURE:
            plausible.append(((parsed.date(), not _HAS_TIME.search(raw), parsed), source, parsed))
    return plausible


def disagreement(seen: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> str | None:
    """A sentence when the publication dates a page declares are more than a day apart."""
    dates = [(s, parse_datetime(v)) for s, v in seen if not s.startswith("modified")]
    dates = [(s, d) for s, d in dates if d is not None]
    if len(dates) < 2:
        return None
    first, last = min(dates, key=lambda t: t[1]), max(dates, key=lambda t: t[1])
    if last[1] - first[1] <= DISAGREE:
        return None
    days = (last[1] - first[1]).days
    return f"date sources disagree by {days} days: {first[0]} {first[1].date()} vs {last[0]} {last[1].date()}"


def _types(node: dict[str, Any]) -> list[str]:
    value = node.get("@type")
    values = value if isinstance(value, list) else [value]
    return [v.rsplit("/", 1)[-1].lower() for v in values if isinstance(v, str)]


def _htmldate(html: str, url: str) -> list[str]:
    """htmldate's reading of the original publication date (markup and URL only: no text search)."""
    try:
        from htmldate import find_date
        value = find_date(html, extensive_search=False, original_date=True, url=url)
    except Exception:   # noqa: BLE001 - a date guess must never cost the page
        logger.debug("htmldate failed on %s", url, exc_info=True)
        return []
    return [value] if value else []


def parse_datetime(raw: str | None) -> datetime | None:
    """Parse an ISO 8601, RFC 2822 or date-only string into a UTC datetime (naive means UTC).

    >>> parse_datetime("2022-02-24T16:38:00-05:00")
    datetime.datetime(2022, 2, 24, 21, 38, tzinfo=datetime.timezone.utc)
    """
    if not raw or not isinstance(raw, str):
        return None
    text = raw.strip()
    value: datetime | None = None
    iso = re.sub(r"(\d)\s*([+-]\d{2})(\d{2})$", r"\1\2:\3", text.replace(" ", "T", 1) if re.match(
        r"\d{4}-\d{2}-\d{2} \d", text) else text)
    try:
        value = datetime.fromisoformat(iso.replace("z", "Z"))
    except ValueError:
        try:
            value = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            match = re.match(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text)
            if match:
                try:
                    value = datetime.combine(date(*map(int, match.groups())), time())
                except ValueError:
                    return None
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
