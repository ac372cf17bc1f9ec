"""What an HTML page declares about itself: canonical URL, page type, publication date, AMP, listing shape."""

from __future__ import annotations

import functools
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from lxml import etree

from archive.neardup.normalize import normalize_line
from archive.extraction.dates import parse_datetime, read_dates  # noqa: F401 - parse_datetime re-exported
from archive.neardup.normalize import spaced_length

if TYPE_CHECKING:
    from collections.abc import Iterator

    from lxml.html import HtmlElement

logger = logging.getLogger(__name__)

# schema.org and OpenGraph types of a single article (lower-cased).
ARTICLE_TYPES = frozenset({
    "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
    "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "askpublicnewsarticle",
    "satiricalarticle", "scholarlyarticle", "medicalscholarlyarticle", "techarticle", "report",
    "liveblogposting", "socialmediaposting", "advertisercontentarticle", "news", "blogpost",
    "news_article", "article:news", "review", "criticreview", "posting",
})
# Types that only pages which are not one article declare.
NON_ARTICLE_TYPES = frozenset({
    "collectionpage", "itemlist", "searchresultspage", "aboutpage", "contactpage", "profilepage",
    "profile", "blog", "checkoutpage", "faqpage", "qapage", "realestatelisting", "event", "product",
})
_GENERIC_TYPES = frozenset({"website", "webpage", "website:home", "object"})

_AMP_HTML = re.compile(r"<html\b[^>]*?\s(?:amp|⚡)(?=[\s>=/])", re.IGNORECASE)
# Queries compiled once (a query given as a string is compiled again on every call)
_HEADLINE_HREFS = etree.XPath("//h2//a/@href|//h3//a/@href|//h4//a/@href|//a[.//h2 or .//h3 or .//h4]/@href")
_TEASER_CARDS = etree.XPath("//article[.//a[@href]]")
_JSON_LD = etree.XPath('//script[contains(translate(@type, "JSONLD", "jsonld"), "ld+json")]')


@dataclass(frozen=True, slots=True)
class PageMeta:
    """Signals read from a page's markup before extraction."""

    canonical_url: str | None = None
    page_type: str | None = None        # the most telling declared type, lower-cased
    types: frozenset[str] = field(default=frozenset())   # every og:type and JSON-LD @type, lower-cased
    published: datetime | None = None
    date_source: str | None = None      # where ``published`` was read ("json-ld datePublished", "url", ...)
    dates: tuple[tuple[str, str], ...] = ()   # every date seen, as (source, ISO date)
    publisher: tuple[str, ...] = ()     # JSON-LD publisher names and URLs
    is_amp: bool = False
    language: str | None = None
    site_name: str | None = None
    headlines: tuple[str, ...] = ()     # og:title, <title> and <h1> texts
    headline_links: int = 0             # distinct targets of links inside or around h2-h4 headings
    teaser_cards: int = 0               # <article> elements holding a link: cards of a listing
    anchor_texts: frozenset[str] = field(default=frozenset())   # normalised texts of links of 3+ words
    article_body: str | None = None     # the longest JSON-LD ``articleBody`` the page declares

    @property
    def declares_article(self) -> bool:
        return bool(self.types & ARTICLE_TYPES)

    @property
    def declares_non_article(self) -> bool:
        return bool(self.types & NON_ARTICLE_TYPES) and not self.declares_article

    @property
    def declares_website(self) -> bool:
        return bool(self.types & _GENERIC_TYPES) and not self.declares_article


def read_page_meta(tree: HtmlElement, html: str, url: str, now: datetime | None = None) -> PageMeta:
    """Read a parsed page's own declarations (``html`` is its text, for what lxml does not keep)."""
    nodes = list(_json_ld_nodes(tree))
    metas = _metas(tree)
    ld_types = [t for node in nodes for t in _node_types(node)]
    og_type = metas.get("og:type")
    types = {t for t in ld_types} | ({og_type.lower()} if og_type else set())
    dates = read_dates(tree, metas, nodes, url, html, ARTICLE_TYPES, now or datetime.now(UTC))
    return PageMeta(
        canonical_url=_canonical(tree, metas, url),
        page_type=_page_type(ld_types, og_type),
        types=frozenset(types),
        published=dates.published,
        date_source=dates.source,
        dates=dates.seen,
        publisher=_publisher(nodes),
        is_amp=bool(_AMP_HTML.search(html[:5000])),
        language=_language(tree, metas),
        site_name=metas.get("og:site_name") or metas.get("application-name"),
        headlines=_headlines(tree, metas),
        headline_links=len(set(_HEADLINE_HREFS(tree))),
        teaser_cards=len(_TEASER_CARDS(tree)),
        anchor_texts=frozenset(_anchor_texts(tree)),
        article_body=max((b for b in (n.get("articleBody") for n in nodes) if isinstance(b, str)), key=len,
                         default=None),
    )


@functools.lru_cache(maxsize=8192)
def normalise_line(text: str) -> str:
    """``normalize.normalize_line`` with apostrophes as word breaks (``it s``): how headlines, link
    texts and names are compared with body lines and hosts (cached: one page's block texts are
    compared several times)."""
    return normalize_line(text).replace("'", " ")


_WORD = re.compile(r"\w+")


def _metas(tree: HtmlElement) -> dict[str, str]:
    """``<meta>`` contents by lower-cased property, name, itemprop or http-equiv (first one wins)."""
    found: dict[str, str] = {}
    for element in tree.iter("meta"):
        content = (element.get("content") or "").strip()
        for attribute in ("property", "name", "itemprop", "http-equiv"):
            key = (element.get(attribute) or "").strip().lower()
            if key and content:
                found.setdefault(key, content)
    return found


def _json_ld_nodes(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    for script in _JSON_LD(tree):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            logger.debug("unreadable JSON-LD block skipped")
            continue
        yield from _flatten(data, depth=0)


def _flatten(data: Any, depth: int) -> Iterator[dict[str, Any]]:
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            yield from _flatten(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _flatten(data["@graph"], depth + 1)


def _node_types(node: dict[str, Any]) -> list[str]:
    value = node.get("@type")
    values = value if isinstance(value, list) else [value]
    return [v.rsplit("/", 1)[-1].lower() for v in values if isinstance(v, str)]


def _publisher(nodes: list[dict[str, Any]]) -> tuple[str, ...]:
    """The names and URLs of the publisher the page's JSON-LD article declares (``publisher``)."""
    found: list[str] = []
    for node in nodes:
        if not set(_node_types(node)) & ARTICLE_TYPES:
            continue
        publishers = node.get("publisher")
        for item in publishers if isinstance(publishers, list) else [publishers]:
            if isinstance(item, dict):
                found += [v.strip() for v in (item.get("name"), item.get("url")) if isinstance(v, str) and v.strip()]
            elif isinstance(item, str) and item.strip():
                found.append(item.strip())
        break
    return tuple(dict.fromkeys(found))


def _page_type(ld_types: list[str], og_type: str | None) -> str | None:
    for candidate in ld_types:
        if candidate in ARTICLE_TYPES:
            return candidate
    if og_type:
        return og_type.strip().lower()
    for candidate in ld_types:
        if candidate in NON_ARTICLE_TYPES or candidate in _GENERIC_TYPES:
            return candidate
    return None


def _canonical(tree: HtmlElement, metas: dict[str, str], url: str) -> str | None:
    base = url
    base_href = tree.xpath("//base/@href")
    if base_href:
        base = urljoin(url, base_href[0].strip())
    hrefs = [link.get("href") for link in tree.iter("link")
             if "canonical" in (link.get("rel") or "").lower().split() and link.get("href")]
    candidates = hrefs + [metas.get("og:url")]
    for href in candidates:
        if not href or not href.strip():
            continue
        absolute = urljoin(base, href.strip())
        if urlsplit(absolute).scheme in ("http", "https") and urlsplit(absolute).netloc:
            return absolute
    return None


def _language(tree: HtmlElement, metas: dict[str, str]) -> str | None:
    root = tree.getroottree().getroot()
    candidates = [root.get("lang"), root.get("xml:lang"), metas.get("content-language"),
                  metas.get("og:locale"), metas.get("language")]
    for value in candidates:
        if value:
            match = re.match(r"\s*([a-zA-Z]{2,3})(?:[-_]|$|\s)", value)
            if match:
                return match.group(1).lower()
    return None


def _headlines(tree: HtmlElement, metas: dict[str, str]) -> tuple[str, ...]:
    found = [metas.get("og:title"), metas.get("twitter:title")]
    found += [" ".join(h.text_content().split()) for h in tree.xpath("//h1")[:3]]
    title = tree.findtext(".//title")
    if title:
        found.append(title)
        found += re.split(r"\s+[|–—:-]+\s+|\s+::\s+", title)
    return tuple(dict.fromkeys(h.strip() for h in found if h and h.strip()))


def _anchor_texts(tree: HtmlElement) -> Iterator[str]:
    for anchor in tree.iter("a"):
        text = normalise_line(anchor.text_content())
        if text.count(" ") >= 2:
            yield text


_BLOCK_TAGS = frozenset({"p", "li", "blockquote", "h2", "h3", "h4", "h5", "h6", "figcaption", "dd", "td",
                         "div", "span", "a", "em", "strong", "small", "section", "aside", "footer"})
_NESTED_BLOCKS = ("p", "li", "div", "blockquote", "h2", "h3", "h4", "table", "ul", "ol")
_CHROME_ANCESTORS = etree.XPath("ancestor::nav|ancestor::header|ancestor::form|ancestor::footer|ancestor::aside")


def text_blocks(tree: HtmlElement) -> list[HtmlElement]:
    """The innermost text blocks of a page (paragraphs, list items, link-only divs) in document order."""
    holders: set[HtmlElement] = set()
    for element in tree.iter(*_NESTED_BLOCKS):
        for ancestor in element.iterancestors():
            if ancestor in holders:      # and so are its own ancestors: they were added with it
                break
            holders.add(ancestor)
    return [element for element in tree.iter(*_BLOCK_TAGS) if element not in holders]


_HEADLINE_LINK = etree.XPath("descendant::*[self::h2 or self::h3 or self::h4]//a[@href]"
                             "|descendant::a[@href][.//h2 or .//h3 or .//h4]")
MAX_CARD_CHARS = 600


def block_texts(blocks: list[HtmlElement]) -> list[str]:
    """The normalised text of each block (from :func:`text_blocks`), read once for the page."""
    return [normalise_line(block.text_content()) for block in blocks]


def blocks_by_text(blocks: list[HtmlElement], texts: list[str] | None = None) -> dict[str, HtmlElement]:
    """The first block (from :func:`text_blocks`) of each normalised text: where a line sits on the
    page (``texts``: the blocks' :func:`block_texts`, when read already)."""
    by_text: dict[str, HtmlElement] = {}
    for block, text in zip(blocks, block_texts(blocks) if texts is None else texts):
        by_text.setdefault(text, block)
    return by_text


def teaser_share(by_text: dict[str, HtmlElement], lines: list[str]) -> float:
    """Share of the words of ``lines`` that sit in small cards beside a headline link: the
    teasers of a listing page rather than the paragraphs of one article (``by_text``: from
    :func:`blocks_by_text`)."""
    total = teaser = 0
    for line in lines:
        words = spaced_length(line)
        total += words
        block = by_text.get(normalise_line(line))
        if block is not None and _in_card(block):
            teaser += words
    return teaser / total if total else 0.0


def without_closing_cards(lines: list[str], by_text: dict[str, HtmlElement]) -> list[str]:
    """``lines`` without their closing run of teaser cards (a headline link to another story and
    its blurb: "Popular", "More from the site") and the headings of that run; the body before it
    stays (``by_text``: from :func:`blocks_by_text`)."""
    def block_of(line: str) -> HtmlElement | None:
        return by_text.get(normalise_line(line))

    end = len(lines)
    while end > 1 and (block := block_of(lines[end - 1])) is not None and _in_card(block):
        end -= 1
    while 1 < end < len(lines) and (block := block_of(lines[end - 1])) is not None and block.tag in ("h2", "h3", "h4"):
        end -= 1
    return lines[:end]


def _in_card(block: HtmlElement) -> bool:
    for ancestor in list(block.iterancestors())[:3]:
        if len(ancestor.text_content()) > MAX_CARD_CHARS:
            return False
        if _HEADLINE_LINK(ancestor):
            return True
    return False


def _texts(blocks: list[HtmlElement], limit: int) -> list[str]:
    found: list[str] = []
    for element in blocks:
        if len(found) >= limit:
            break
        text = " ".join(element.text_content().split())
        if text and (not found or found[-1] != text) and not _CHROME_ANCESTORS(element):
            found.append(text)
    return found


def blocks_after(blocks: list[HtmlElement], last_line: str, limit: int = 8) -> list[str]:
    """Texts of the blocks (from :func:`text_blocks`) that follow the body's last line, where a
    teaser's "Read more at X" or an attribution sits when the extractor left it out (a link-only line).
    """
    target = normalise_line(last_line)[:80]
    end = next((i for i in range(len(blocks) - 1, -1, -1)
                if target and target in normalise_line(blocks[i].text_content())), None)
    return [] if end is None else _texts(blocks[end + 1:], limit)


def closing_blocks(tree: HtmlElement, blocks: list[HtmlElement], first_line: str, limit: int = 3) -> list[str]:
    """The last text blocks of the article container (``itemprop=articleBody``, else the
    ``<article>`` or ``<main>`` that holds the body's first line), last block first."""
    containers = tree.xpath('//*[@itemprop="articleBody"]')
    if not containers:
        target = normalise_line(first_line)[:80]
        start = next((b for b in blocks if target and target in normalise_line(b.text_content())), None)
        containers = start.xpath("ancestor::article[1]|ancestor::main[1]")[-1:] if start is not None else []
    if len(containers) != 1:
        return []
    members = set(blocks)      # the container's blocks in document order, without walking each block's ancestors
    inside = [b for b in containers[0].iter(*_BLOCK_TAGS) if b in members]
    return _texts(list(reversed(inside)), limit)


_SITE_REGIONS = etree.XPath(
    "//*[self::header or self::nav or self::footer or @role='banner' or @role='navigation'"
    " or @role='contentinfo'][not(ancestor::article or ancestor::main or ancestor::*[@role='main']"
    " or ancestor::*[@itemprop='articleBody'])]"
    # asides: a fact box, a "read also" or a promo, in the article or beside it
    "|//aside|//*[@role='complementary']")


def site_region_texts(blocks: list[HtmlElement], texts: list[str] | None = None) -> frozenset[str]:
    """Normalised texts found only in the site's own header, navigation and footer (outside the
    article and ``<main>``) and in asides (``<aside>``, ``role="complementary"``, wherever they
    are): a tagline, a menu or a fact box an extractor may take for a paragraph (``texts``: the
    blocks' :func:`block_texts`, when read already)."""
    if not blocks:
        return frozenset()
    # One query for the page, then every element below a region once (not the ancestors of each block).
    below_region: set[HtmlElement] = set()
    for region in _SITE_REGIONS(blocks[0].getroottree()):
        below_region.update(region.iterdescendants())
    inside: set[str] = set()
    outside: set[str] = set()
    for block, text in zip(blocks, block_texts(blocks) if texts is None else texts):
        if text:
            (inside if block in below_region else outside).add(text)
    return frozenset(inside - outside)


def lines_before_block(lines: list[str], blocks: list[HtmlElement], marker: str) -> list[str]:
    """The lines that come before the block reading ``marker`` (a teaser's "Read more at X"): what
    follows it on the page (more stories, around the web) is not part of the teaser."""
    key = normalise_line(marker)
    end = next((i for i in range(len(blocks) - 1, -1, -1) if normalise_line(blocks[i].text_content()) == key), None)
    if end is None:
        return lines
    position = 0
    for index, line in enumerate(lines):
        target = normalise_line(line)[:80]
        found = next((i for i in range(position, len(blocks)) if target and target in normalise_line(blocks[i].text_content())), None)
        if found is None:
            continue
        if found > end:
            return lines[:index]
        position = found
    return lines
