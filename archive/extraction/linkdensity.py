"""Pages that are mostly links (a link farm, an index of every story): not articles, however
much text an extractor finds in them."""

from __future__ import annotations

from lxml.html import HtmlElement

PAGE_LINK_SHARE = 0.5     # the page's text is at least this much link text ...
TEXT_LINK_WORDS = 0.8     # ... and this much of the extracted text is made of the links' words


def mostly_links(tree: HtmlElement, lines: list[str]) -> str | None:
    """Why the page is a list of links rather than an article, or None.

    The extracted ``lines`` are judged by the words of the page's links: on a link list nearly all
    their words are link words, while an article's prose shares only its common words with the
    links of its menus. Only pages whose text is mostly link text are judged at all.
    """
    body = tree.find("body")
    root = body if body is not None else tree
    page_chars = len(root.text_content())
    anchors = [a.text_content() for a in root.iter("a")]
    link_chars = sum(len(text) for text in anchors)
    if not page_chars or link_chars < PAGE_LINK_SHARE * page_chars:
        return None
    vocabulary = {word for text in anchors for word in text.lower().split()}
    words = [word for line in lines for word in line.lower().split()]
    linked = sum(1 for word in words if word in vocabulary)
    if not words or linked < TEXT_LINK_WORDS * len(words):
        return None
    return f"mostly links ({len(anchors)} links, {link_chars / page_chars:.0%} of the page's text)"
