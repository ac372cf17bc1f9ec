"""Noticing a stub: when the precise extraction kept a small part of what the page declares
(its JSON-LD ``articleBody``) or shows (the paragraphs of its main visible text), the fuller
extractions are tried and the best one is kept.

trafilatura's ``favor_precision`` sometimes settles on one block of a story split over several
containers; its balanced mode (with its fallback extractors, readability and jusText) or its
``favor_recall`` mode then finds the whole body, and a page that declares its body gives it whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import trafilatura
from lxml import etree
from trafilatura.xpaths import REMOVE_COMMENTS_XPATH

from archive.neardup.normalize import shingles, spaced_length, words

if TYPE_CHECKING:
    from lxml.html import HtmlElement

    from archive.extraction.pagemeta import PageMeta

# The precise text is a stub when it is shorter than this share of the page's declared or visible body ...
STUB_SHARE = 0.9
# ... and a fuller text replaces it when it is at least this much longer, holds this much of the
# precise text, and is no longer than the visible body (the declared one on a page without
# paragraphs) by more than OVERSHOOT.
MIN_GAIN = 1.15
MIN_KEPT = 0.8
OVERSHOOT = 1.1
_VISIBLE = etree.XPath("//p[not(ancestor::nav or ancestor::header or ancestor::footer or ancestor::aside"
                       " or ancestor::form or ancestor::noscript or ancestor::a)]")
# The declared body's opening found before the text's first line (a standfirst the extractor left
# out) is put back when it has at least MIN_LEAD_WORDS words; LEAD_PROBE characters of the first
# line locate it in the declared body.
MIN_LEAD_WORDS = 8
LEAD_PROBE = 120
LEAD_LINES = 3
_MODES = ({}, {"favor_recall": True})
# A standfirst is one of the STANDFIRST_BLOCKS blocks before the body's first line, showing the
# declared summary and at most STANDFIRST_SPAN times as long (a dateline or a closing word around it).
STANDFIRST_BLOCKS = 12
STANDFIRST_SPAN = 1.5


def visible_length(tree: HtmlElement, without: frozenset[HtmlElement] = frozenset()) -> int:
    """Words in the page's paragraphs outside navigation, header, footer, asides, forms and links
    (a menu entry or a teaser written as a paragraph inside a link) and outside the elements ``without``."""
    return sum(spaced_length(p.text_content()) for p in _VISIBLE(tree)
               if not without or not any(a in without for a in (p, *p.iterancestors())))


def comment_sections(tree: HtmlElement) -> frozenset[HtmlElement]:
    """The page's reader-comment sections, found with trafilatura's own expressions for them (every
    mode of the extractor leaves them out, so their paragraphs are no part of the body it missed)."""
    return frozenset(e for xpath in REMOVE_COMMENTS_XPATH for e in xpath(tree))


def fuller_lines(tree: HtmlElement, url: str, meta: PageMeta, lines: list[str]) -> list[str]:
    """``lines`` (the precise extraction), or a fuller extraction of the page when ``lines`` is a stub.

    With a declared body that shows on the page, the extraction closest to it in length is kept
    (the declared body itself, without its paragraph breaks, only when every extraction is a stub
    of it); without one, the first fuller extraction (balanced, then recall) that holds the precise text."""
    length = _length(lines)
    body = _lines(meta.article_body or "")
    visible = visible_length(tree)
    if not lines or length >= STUB_SHARE * max(_length(body), visible):
        return lines
    comments = comment_sections(tree)         # looked for only here: the expressions cost about 1 ms
    if comments:
        visible = visible_length(tree, comments)
        if length >= STUB_SHARE * max(_length(body), visible):
            return lines
    bound = OVERSHOOT * (visible or _length(body))     # a declared body must show on the page
    fuller = (c for c in (_lines(_extract(tree, url, mode)) for mode in _MODES)     # each mode only when needed
              if length < _length(c) <= bound and _kept(lines, c) >= MIN_KEPT)
    declared = _length(body) if body and _length(body) <= bound else 0
    if declared:
        best = min([lines, *fuller], key=lambda c: abs(_length(c) - declared))
        if _length(best) >= STUB_SHARE * declared or _kept(lines, body) < MIN_KEPT:
            return best
        return body
    return next((c for c in fuller if _length(c) >= MIN_GAIN * length), lines)


def with_standfirst(lines: list[str], article_body: str | None, description: str | None,
                    blocks: list[HtmlElement]) -> list[str]:
    """``lines`` with the opening the extractor left out put back, found by the body the page
    declares (:func:`declared_lead`) or else by the summary it declares (:func:`described_lead`)."""
    led = declared_lead(lines, article_body, blocks)
    return led if led is not lines else described_lead(lines, description, blocks)


def declared_lead(lines: list[str], article_body: str | None, blocks: list[HtmlElement]) -> list[str]:
    """``lines`` with the opening the extractor left out (a standfirst or teaser block) put back:
    the blocks before the text's first body line that the page's declared body begins with (the
    first body line: the first of the first few lines found in the declared body)."""
    body = _key(article_body or "")
    anchors = [(i, _key(line)) for i, line in enumerate(lines[:LEAD_LINES])] if body else []
    index, first, start = next(((i, k, body.find(k[:LEAD_PROBE])) for i, k in anchors if k and k[:LEAD_PROBE] in body),
                               (0, "", -1))
    prefix = body[:start].strip() if start > 0 else ""
    if len(prefix.split()) < MIN_LEAD_WORDS:
        return lines
    before: list[str] = []
    for block in blocks:
        text = " ".join(block.text_content().split())
        key = _key(text)
        if key == first:
            break
        if len(key.split()) >= MIN_LEAD_WORDS and key in prefix:
            before.append(text)
    found = sum(len(_key(t).split()) for t in before)
    return [*lines[:index], *before, *lines[index:]] if found >= MIN_KEPT * len(prefix.split()) else lines


def described_lead(lines: list[str], description: str | None, blocks: list[HtmlElement]) -> list[str]:
    """``lines`` with the page's standfirst put back: the block shortly before the text's first body
    line (the first of its first few lines that is a block of the page) that shows the summary the
    page declares of itself (``og:description`` or the meta description), when the extractor left it
    out. A summary shown nowhere near the body adds nothing."""
    summary = _key(description or "")
    if len(summary.split()) < MIN_LEAD_WORDS or not lines or summary in _key(" ".join(lines)):
        return lines
    firsts = {_key(line): i for i, line in reversed(list(enumerate(lines[:LEAD_LINES])))}
    before: list[str] = []
    for block in blocks:
        text = " ".join(block.text_content().split())
        index = firsts.get(_key(text))
        if index is not None:
            shown = (t for t in reversed(before[-STANDFIRST_BLOCKS:])
                     if summary in _key(t) and len(_key(t)) <= STANDFIRST_SPAN * len(summary))
            standfirst = next(shown, None)
            return [*lines[:index], standfirst, *lines[index:]] if standfirst else lines
        before.append(text)
    return lines


def _key(text: str) -> str:
    """Words only, typography unified (soft hyphens and the like dropped)."""
    return " ".join(words(text))


def _extract(tree: HtmlElement, url: str, mode: dict[str, bool]) -> str:
    document = trafilatura.bare_extraction(
        tree, url=url, with_metadata=False, include_comments=False, deduplicate=False, include_tables=True,
        include_images=False, include_links=False, **mode)
    return (document.text or "") if document is not None else ""


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _length(lines: list[str]) -> int:
    return sum(spaced_length(line) for line in lines)


def _kept(lines: list[str], candidate: list[str]) -> float:
    """Share of the three-word shingles of ``lines`` found in ``candidate``."""
    mine = set(shingles(words(" ".join(lines)), 3))
    return len(mine & set(shingles(words(" ".join(candidate)), 3))) / len(mine) if mine else 0.0
