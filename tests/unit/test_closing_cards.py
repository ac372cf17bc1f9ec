"""Teaser cards closing an article's text ("Popular", "More from the site": a headline linking to
another story and its blurb) are not the article; its own paragraphs, subheadings that link
elsewhere included, stay. Generated pages, invented texts."""

from __future__ import annotations

import random
from html import escape

from trafilatura.utils import load_html

from archive.extraction.pagemeta import blocks_by_text, text_blocks, without_closing_cards
from textgen import paragraph, story


def _cards(count: int, seed: int) -> tuple[str, list[str]]:
    """Cards as a page shows them, and the lines an extractor keeps of them (the headline doubled by
    a screen-reader copy, then the blurb)."""
    rng = random.Random(seed)
    html, lines = [], ["Popular"]
    for n in range(1, count + 1):
        title, blurb = f"Story {n} of the week", paragraph(rng, 18)
        html.append(f'<li class="item"><div class="card"><div class="card-content"><h3 class="title">'
                    f'<span class="sr-only">{title}</span> <a href="/2024/02/{n:02d}/story-{n}/">{title}</a></h3>'
                    f'<p class="blurb">{escape(blurb)}</p></div></div></li>')
        lines += [f"{title} {title}", blurb]
    return f'<section class="picks"><div class="row"><h2>Popular</h2></div><ol>{"".join(html)}</ol></section>', lines


def _blocks(paragraphs: list[str], after: str):
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    tree = load_html(f"<html><body><article><h1>Ferry timetable</h1><div class='story'>{body}{after}</div>"
                     "</article></body></html>")
    return blocks_by_text(text_blocks(tree))


def test_closing_teaser_cards_and_their_heading_are_cut():
    paragraphs = story(21, 6, 45)
    cards, card_lines = _cards(5, 3)
    assert without_closing_cards([*paragraphs, *card_lines], _blocks(paragraphs, cards)) == paragraphs


def test_a_subheading_linking_elsewhere_inside_the_story_stays():
    paragraphs = story(22, 6, 45)
    linked = '<h3><a href="/2024/01/09/the-old-timetable/">What the old timetable said</a></h3>'
    lines = [*paragraphs[:3], "What the old timetable said", *paragraphs[3:]]
    page = _blocks(paragraphs[:3], linked + "".join(f"<p>{escape(p)}</p>" for p in paragraphs[3:]))
    assert without_closing_cards(lines, page) == lines


def test_a_text_of_cards_only_is_left_for_the_listing_check():
    cards, card_lines = _cards(4, 5)
    assert without_closing_cards(card_lines[1:], _blocks([], cards))[:1] == card_lines[1:2]
