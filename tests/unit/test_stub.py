"""Extraction that notices a stub: a story split over several containers, which the precise
extraction cuts to its first part, is kept whole when the page declares its body (JSON-LD
``articleBody``) and that body shows on the page; a standfirst the extractor left out is put
back when the declared body begins with it, or when it shows the summary the page declares of
itself; generated pages, invented texts."""

from __future__ import annotations

import json
import random
from html import escape

from archive.extraction.article import Article
from archive.extraction.extract import extract
from pages import news_page, split_page
from textgen import paragraph, story

URL = "http://coast.test/2024/01/02/harbour-road-reopens-after-the-storm"


def test_a_story_split_over_containers_is_kept_whole_when_the_page_declares_its_body():
    paragraphs = story(5, 12, 40)
    html = split_page(site="Coast Times", title="Harbour road reopens", chunks=[paragraphs[:3], paragraphs[3:7],
                      paragraphs[7:]], article_body="\n".join(paragraphs))
    result = extract(html, URL)
    assert isinstance(result, Article)
    assert result.text.split("\n") == paragraphs


def test_a_declared_body_that_does_not_show_on_the_page_is_not_taken():
    paragraphs = story(5, 12, 40)
    hidden = "\n".join(paragraphs + story(6, 12, 40))        # twice what the page shows
    html = split_page(site="Coast Times", title="Harbour road reopens", chunks=[paragraphs[:3], paragraphs[3:7],
                      paragraphs[7:]], article_body=hidden)
    result = extract(html, URL)
    assert isinstance(result, Article)
    assert story(6, 12, 40)[0] not in result.text
    assert len(result.text.split()) < len(" ".join(paragraphs).split())


def test_a_whole_extraction_is_left_as_it_is():
    paragraphs = story(7, 8, 40)
    html = news_page(site="Coast Times", title="Harbour road reopens", paragraphs=paragraphs)
    result = extract(html, URL)
    assert isinstance(result, Article) and result.text.split("\n") == paragraphs


def _standfirst_page(lead: str, paragraphs: list[str], article_body: str | None, description: str = "") -> str:
    ld = json.dumps({"@type": "NewsArticle", "headline": "Harbour road reopens",
                     **({"articleBody": article_body} if article_body else {})})
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    described = f'<meta property="og:description" content="{escape(description)}">' if description else ""
    return f"""<html><head><title>Harbour road reopens</title><meta property="og:type" content="article">{described}
<script type="application/ld+json">{escape(ld, quote=False)}</script></head><body><article><h1>Harbour road reopens</h1>
<div id="story"><div class="standfirst">{escape(lead)}</div><div class="tools"><a href="/print.pdf">PDF</a></div>
{body}</div></article></body></html>"""


def test_a_standfirst_the_declared_body_begins_with_is_put_back():
    paragraphs, lead = story(14, 6, 40), paragraph(random.Random(99), 30)
    result = extract(_standfirst_page(lead, paragraphs, " ".join([lead, *paragraphs])), URL)
    assert isinstance(result, Article)
    assert result.text.split("\n") == [lead, *paragraphs]


def test_a_standfirst_the_declared_body_leaves_out_stays_out():
    paragraphs, lead = story(14, 6, 40), paragraph(random.Random(99), 30)
    result = extract(_standfirst_page(lead, paragraphs, " ".join(paragraphs)), URL)
    assert isinstance(result, Article) and result.text.split("\n") == paragraphs


def test_a_standfirst_showing_the_declared_summary_is_put_back():
    paragraphs, summary = story(14, 6, 40), paragraph(random.Random(98), 20)
    result = extract(_standfirst_page(summary, paragraphs, None, description=summary), URL)
    assert isinstance(result, Article) and result.text.split("\n") == [summary, *paragraphs]
    dated = "Harbourside. " + summary                      # a dateline before it: the block is taken whole
    result = extract(_standfirst_page(dated, paragraphs, None, description=summary), URL)
    assert isinstance(result, Article) and result.text.split("\n") == [dated, *paragraphs]


def test_a_declared_summary_that_is_not_a_standfirst_adds_nothing():
    paragraphs, summary = story(14, 6, 40), paragraph(random.Random(98), 20)
    other = paragraph(random.Random(97), 30)
    result = extract(_standfirst_page(other, paragraphs, None, description=summary), URL)   # shown nowhere
    assert isinstance(result, Article) and result.text.split("\n") == paragraphs
    box = " ".join([summary, other, paragraph(random.Random(96), 30)])     # inside a much longer block
    result = extract(_standfirst_page(box, paragraphs, None, description=summary), URL)
    assert isinstance(result, Article) and result.text.split("\n") == paragraphs
    result = extract(_standfirst_page(other, paragraphs, None, description=paragraphs[0]), URL)  # already there
    assert isinstance(result, Article) and result.text.split("\n") == paragraphs


def test_paragraphs_inside_links_are_no_shown_body():
    """Menu entries and teasers written as a paragraph inside a link (``<a><p>About us</p></a>``)
    are link labels: they do not make the story look like a stub of the page."""
    from trafilatura.utils import load_html

    from archive.extraction.stub import visible_length

    paragraphs = story(41, 5, 40)
    teasers = "".join(f'<li><a href="/post/{n}"><p>{escape(t)}</p></a></li>' for n, t in enumerate(story(42, 6, 12)))
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    tree = load_html(f"<html><body><div class='menu'><ul>{teasers}</ul></div><div class='post'>{body}</div></body></html>")
    assert visible_length(tree) == sum(len(p.split()) for p in paragraphs)
