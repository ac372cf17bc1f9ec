"""Extract one article from a fetched page with trafilatura, or say why the page is not one.

``extract`` is a plain module function with no process-wide state, so a
``ProcessPoolExecutor`` can run it: trafilatura's ``deduplicate`` stays off.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import trafilatura
from lxml import etree
from trafilatura.utils import load_html

from archive.extraction.article import Article, SkipReason, Skipped
from archive.extraction.boilerplate import (caption_texts, remove_chrome_lines, signup_box_texts, without_closing_heads,
                                           without_link_items)
from archive.extraction.credit import credit_links, edge_lines, excerpt_publisher, is_own, own_names, read_credits
from archive.extraction.declared import declared_metadata, with_declared
from archive.extraction.decode import charset_of, decode_html_detected, repair_mojibake, sniff_body
from archive.neardup.fingerprint import Prepared, prepare
from archive.extraction.linkdensity import mostly_links
from archive.extraction.pagelinks import FoundLinks, LinkRequest, read_links
from archive.neardup.normalize import spaced_length
from archive.extraction.pagemeta import (PageMeta, block_texts, blocks_after, blocks_by_text, closing_blocks,
                                         lines_before_block, normalise_line, parse_datetime, read_page_meta,
                                         site_region_texts, teaser_share, text_blocks, without_closing_cards)
from archive.extraction.stub import fuller_lines, with_standfirst
from archive.extraction.urls import classify_url, url_key

if TYPE_CHECKING:
    from collections.abc import Callable

    from lxml.html import HtmlElement
    from trafilatura.settings import Document

    from archive.config import FingerprintParams

logger = logging.getLogger(__name__)

# Ways the crawler finds a URL that already say "this is an article".
ARTICLE_SOURCES = frozenset({"feed", "news_sitemap"})
# Minimum body words: for a page that declares itself an article (or came from a feed), for a
# page whose URL looks like an article's, and for a page with neither.
MIN_WORDS_DECLARED = 20
MIN_WORDS_ARTICLE_URL = 80
MIN_WORDS_UNDECLARED = 250
# A listing has headline links (at least LISTING_MIN_CARDS) and its text is mostly link texts or
# teasers in headline cards; with LISTING_HEADLINE_LINKS or more, a URL that is not an article's suffices.
LISTING_MIN_CARDS = 3
LISTING_HEADLINE_LINKS = 5
LISTING_LINK_SHARE = 0.3
LISTING_TEASER_SHARE = 0.5
# Text blocks after the body's last line searched for a dropped "Read more at X" or attribution.
TAIL_BLOCKS = 6

_BYLINE = re.compile(r"^(?:by|written by|posted by|von|por|par)\s+\S", re.IGNORECASE)


def extract(body: bytes | str, url: str, *, found_via: str | None = None,
            content_type: str | None = None, canonical_missing: bool = False) -> Article | Skipped:
    """Extract the article of one fetched page.

    ``body`` is the page as fetched (bytes are decoded here) and ``url`` its final URL.
    ``found_via`` says how the crawler found the URL ("feed", "sitemap", "news_sitemap",
    "link", "seed"); a feed or news-sitemap entry is taken as a strong hint of an article.
    ``content_type`` is the HTTP Content-Type header, for its media type and charset.
    ``canonical_missing`` says the same-site canonical the page declares is missing (404): the page
    is then no alternate version but the only copy of its article.

    >>> result = extract(b"", "https://example.com/a")
    >>> result.reason
    <SkipReason.EMPTY: 'empty'>
    """
    return _extract(body, url, found_via, content_type, canonical_missing)[0]


def _extract(body: bytes | str, url: str, found_via: str | None, content_type: str | None, canonical_missing: bool,
             want: LinkRequest | None = None) -> tuple[Article | Skipped, FoundLinks | None]:
    """``extract``, and with ``want`` the page's links (read from the tree extraction parses)."""
    found: list[FoundLinks] = []     # read as soon as the page is parsed, before anything else

    def read(html: str, tree: HtmlElement) -> None:
        found.append(read_links(want, body, url, html, tree))   # type: ignore[arg-type]

    skipped = sniff_body(body, content_type)
    if skipped is not None:
        logger.debug("skip %s: %s", url, skipped)
        return skipped, want and read_links(want, body, url)
    try:
        html, detected = (repair_mojibake(body), None) if isinstance(body, str) else decode_html_detected(
            body, charset_of(content_type))
        result = _extract_html(html, url, found_via, canonical_missing, read if want else None)
        if detected and isinstance(result, Article):
            logger.info("%s: the declared charset does not decode it; detected %s", url, detected)
            result = replace(result, charset_detected=detected)
    except (ValueError, TypeError, AttributeError, LookupError, RecursionError, etree.LxmlError) as exc:
        logger.warning("skip %s: extraction failed (%s: %s)", url, type(exc).__name__, exc)
        result = Skipped(SkipReason.MALFORMED, f"{type(exc).__name__}: {exc}"[:200])
    if isinstance(result, Skipped):
        logger.debug("skip %s: %s", url, result)
    return result, want and (found[0] if found else read_links(want, body, url))


@dataclass(frozen=True, slots=True)
class PreparedPage:
    """An extracted article and what the archive's writer would otherwise compute from its text
    (line hashes, word count, fingerprint): made in an extraction worker, so a crawl's single
    writer only looks up, strips learned chrome and stores (``Archive.ingest_article(page.article,
    prepared=page.prepared)``). The writer checks that ``prepared`` belongs to this very text and
    its fingerprint parameters before using it."""

    article: Article
    prepared: Prepared
    links: FoundLinks | None = None     # the page's links, when the crawl asked for them


def extract_prepared(body: bytes | str, url: str, params: FingerprintParams, *, found_via: str | None = None,
                     content_type: str | None = None, canonical_missing: bool = False,
                     links: LinkRequest | None = None) -> PreparedPage | Skipped:
    """``extract``, then ``fingerprint.prepare`` of the article's text with ``params``: what a
    crawl's extraction workers run.

    >>> from archive.config import FingerprintParams
    >>> extract_prepared(b"", "https://example.com/a", FingerprintParams()).reason
    <SkipReason.EMPTY: 'empty'>
    """
    result, found = _extract(body, url, found_via, content_type, canonical_missing, links)
    if isinstance(result, Skipped):
        return replace(result, links=found) if found is not None else result
    return PreparedPage(result, prepare(result.text, params), found)


def _extract_html(html: str, url: str, found_via: str | None, canonical_missing: bool = False,
                  on_tree: Callable[[str, HtmlElement], None] | None = None) -> Article | Skipped:
    tree = load_html(html)
    if tree is None or not len(tree):
        return Skipped(SkipReason.MALFORMED, "no HTML tree")
    if on_tree is not None:
        on_tree(html, tree)
    meta = read_page_meta(tree, html, url)
    alternate = None if canonical_missing else _alternate_of(meta, url)
    if alternate:
        return Skipped(SkipReason.ALTERNATE, alternate, leaf=True)
    url_kind = classify_url(url)
    if url_kind in ("home", "listing", "static"):
        return Skipped(SkipReason.NOT_ARTICLE, f"{url_kind} page URL", leaf=url_kind == "static")
    if meta.declares_non_article:
        return Skipped(SkipReason.NOT_ARTICLE, f"page type {meta.page_type}")
    declared = declared_metadata(tree, url) if meta.published is not None else None   # its date wins anyway
    document = trafilatura.bare_extraction(
        tree, url=url, with_metadata=declared is None, include_comments=False, deduplicate=False,
        favor_precision=True, include_tables=True, include_images=False, include_links=False,
    )
    document = with_declared(document, declared) if document is not None and declared is not None else document
    raw_text = (document.text or "") if document is not None else ""
    lines = fuller_lines(tree, url, meta, [line.strip() for line in raw_text.splitlines() if line.strip()])
    if not lines:
        return Skipped(SkipReason.NO_TEXT, "no body text found")
    links_only = mostly_links(tree, lines)
    if links_only:
        return Skipped(SkipReason.NOT_ARTICLE, links_only)
    blocks = text_blocks(tree)
    lines = with_standfirst(lines, meta.article_body, document.description, blocks)
    texts = block_texts(blocks)
    by_text = blocks_by_text(blocks, texts)
    verdict = _not_article_reason(meta, url_kind, lines, found_via, teaser_share(by_text, lines))
    if verdict:
        return Skipped(SkipReason.NOT_ARTICLE, verdict, leaf=verdict.startswith("too short"))
    return _build_article(url, meta, document, lines, (tree, blocks, texts, by_text))


def _build_article(url: str, meta: PageMeta, document: Document, lines: list[str],
                   page: tuple[HtmlElement, list[HtmlElement], list[str], dict[str, HtmlElement]]) -> Article | Skipped:
    tree, blocks, texts, by_text = page
    site_name = _site_name(meta, document)
    title = _clean(document.title) or (meta.headlines[0] if meta.headlines else None)
    lines, credits, rights = read_credits(lines)
    lines = without_closing_cards(remove_chrome_lines(lines), by_text)
    lines = _without_furniture(lines, tree, blocks, texts)
    if site_name:
        lines = _drop_site_lines(lines, site_name)
    lines = _drop_heading_lines(lines, [title, *meta.headlines], document.author)
    lines, excerpt_of, is_excerpt = _split_excerpt_markers(lines)
    lines = without_closing_heads(without_link_items(lines, by_text, normalise_line))
    if not lines:
        return Skipped(SkipReason.NO_TEXT, "only page chrome found")
    marker, tail = None, []
    if not is_excerpt:   # the extractor may have left out a link-only closing line
        tail = blocks_after(blocks, lines[-1], limit=TAIL_BLOCKS)
        _, tail_credits, tail_rights = read_credits(tail)
        credits, rights = (*credits, *tail_credits), (*rights, *tail_rights)
        closing = [*tail, *closing_blocks(tree, blocks, lines[0])]
        excerpt_of = _split_excerpt_markers(closing)[1]
        marker = next((text for text in closing if excerpt_publisher(text)), None)
    own = own_names(site_name, url)
    if excerpt_of and is_own(excerpt_of, own):
        excerpt_of = None    # "Read more on <this site>" closes the page's own story
    elif excerpt_of and not is_excerpt and marker:
        lines = lines_before_block(lines, blocks, marker) or lines
    is_excerpt = excerpt_of is not None
    names = tuple(dict.fromkeys(n for n in [*credits, *([excerpt_of] if excerpt_of else [])] if not is_own(n, own)))
    return Article(
        url=url,
        text="\n".join(lines),
        title=title,
        author=_clean(document.author),
        published=meta.published or _trafilatura_date(document.date),
        date_source=meta.date_source if meta.published else ("trafilatura" if document.date else None),
        dates=meta.dates,
        publisher=meta.publisher,
        rights=tuple(dict.fromkeys(r for r in rights if r in names)),
        credit_links=tuple(credit_links(tree, names).items()) if names else (),
        sitename=site_name,
        language=meta.language or _clean(document.language),
        canonical_url=meta.canonical_url,
        description=_clean(document.description),
        page_type=meta.page_type,
        credits=names,
        is_excerpt=is_excerpt,
        edge_lines=edge_lines([*lines[:1], *lines[-2:], *tail]),
    )


def _without_furniture(lines: list[str], tree: HtmlElement, blocks: list[HtmlElement], texts: list[str]) -> list[str]:
    """``lines`` without the texts of the site's header, menus, footer and asides, of sign-up boxes,
    and without captions repeating an image's alternative text."""
    region, captions = site_region_texts(blocks, texts) | signup_box_texts(tree, normalise_line), caption_texts(tree)
    return [line for line in lines if line not in captions and normalise_line(line) not in region]


def _site_name(meta: PageMeta, document: Document) -> str | None:
    """The page's own site name; trafilatura's guess is ignored when it comes from a canonical
    URL on another host (a republished copy naming its original)."""
    if meta.site_name:
        return meta.site_name
    guess = _clean(document.sitename)
    if guess and meta.canonical_url:
        canonical_host = normalise_line(urlsplit(meta.canonical_url).hostname or "").replace(" ", "")
        if normalise_line(guess).replace(" ", "") in canonical_host:
            return None
    return guess


def _alternate_of(meta: PageMeta, url: str) -> str | None:
    """The canonical URL when this page is an alternate version (AMP, print, a parameter variant)."""
    canonical = meta.canonical_url
    if not canonical or url_key(canonical) == url_key(url):
        return None
    if meta.is_amp:
        return canonical
    return canonical if declares_alternate(canonical, url) else None


def declares_alternate(canonical: str, url: str) -> bool:
    """Whether a page at ``url`` declaring ``canonical`` is an alternate version of another page of
    its own site (a republished copy naming its original on another site is an article of its own;
    a site that points every page at its home page has a broken canonical)."""
    if url_key(canonical) == url_key(url) or _bare_host(url) != _bare_host(canonical):
        return False
    return classify_url(canonical) != "home"


def _bare_host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def _not_article_reason(meta: PageMeta, url_kind: str, lines: list[str], found_via: str | None,
                        teasers: float) -> str | None:
    """Why a page with text is not an article, or ``None`` when it is one (``teasers``: the share of
    the text that sits in headline cards, see ``teaser_share``)."""
    words = sum(spaced_length(line) for line in lines)     # a Chinese or Japanese character: half a word
    link_words = sum(spaced_length(line) for line in lines if normalise_line(line) in meta.anchor_texts)
    link_share = link_words / words if words else 0.0
    cards = max(meta.headline_links, meta.teaser_cards)
    shape = f"{cards} headline links, {link_share:.0%} link text, {teasers:.0%} teasers"
    if meta.declares_article or found_via in ARTICLE_SOURCES:
        if cards >= LISTING_MIN_CARDS and (link_share >= 0.5 or teasers >= 0.6):
            return f"listing ({shape})"
        return None if words >= MIN_WORDS_DECLARED else f"too short ({words} words)"
    if cards >= LISTING_MIN_CARDS and (link_share >= LISTING_LINK_SHARE or teasers >= LISTING_TEASER_SHARE):
        return f"listing ({shape})"
    if cards >= LISTING_HEADLINE_LINKS and url_kind != "article":
        return f"listing ({shape})"
    if url_kind == "article":
        return None if words >= MIN_WORDS_ARTICLE_URL else f"too short ({words} words)"
    if url_kind == "section" or meta.declares_website:
        return f"{url_kind} URL and page type {meta.page_type or 'none'}"
    return None if words >= MIN_WORDS_UNDECLARED else f"too short for an undeclared page ({words} words)"


def _split_excerpt_markers(lines: list[str]) -> tuple[list[str], str | None, bool]:
    """Drop "Read more at X" lines; return the rest, X, and whether the text ends with one.

    A teaser's marker closes it: the lines after a marker among the last two lines go too.
    """
    found = [(index, name) for index, name in ((i, excerpt_publisher(line)) for i, line in enumerate(lines)) if name]
    if not found:
        return lines, None, False
    last, source = found[-1]
    markers = {index for index, _ in found}
    is_excerpt = last >= len(lines) - 2
    end = last if is_excerpt else len(lines)
    return [line for i, line in enumerate(lines[:end]) if i not in markers], source, is_excerpt


def _drop_heading_lines(lines: list[str], headlines: list[str | None], author: str | None) -> list[str]:
    """Remove the headline, byline and a repeated title from the top of the text."""
    heads = {normalise_line(h) for h in headlines if h}
    heads.discard("")
    author_key = normalise_line(author or "")
    start = 0
    while start < min(len(lines), 4):
        key = normalise_line(lines[start])
        short = len(key.split()) <= 12
        if key in heads or (short and (_BYLINE.match(lines[start]) or (author_key and key == author_key))):
            start += 1
            continue
        break
    return lines[start:]


_WEB_ADDRESS = re.compile(r"\(?\s*(?:https?://)?(?:www\.)?(?:[\w-]+\.)+[a-z]{2,63}(?:/\S*)?\s*\)?", re.IGNORECASE)


def _drop_site_lines(lines: list[str], site_name: str) -> list[str]:
    """Drop lines that only name the site (a logo, a signature, the name with a web address:
    "Valley Alliance (valley-alliance.org).") and its "About <site>:" boilerplate."""
    name = normalise_line(site_name)
    about = re.compile(rf"^about {re.escape(name)}\b")
    return [line for line in lines if normalise_line(line) != name
            and not (len(line) < 3 * len(site_name) + 80 and normalise_line(_WEB_ADDRESS.sub(" ", line)) == name)
            and not (about.match(normalise_line(line)) and re.match(r"^about [^:–—]{2,80}[:–—]", line, re.I))]


def _trafilatura_date(value: str | None) -> datetime | None:
    parsed = parse_datetime(value)
    return parsed if parsed and parsed <= datetime.now(UTC) else None


def _clean(value: str | None) -> str | None:
    value = " ".join(value.split()) if value else ""
    return value or None
