"""What a page sets inside or beside a story without being the story: a caption repeating its
picture's alternative text, a fact box marked as complementary, a list of links to other stories,
and the headings of a sidebar's boxes at the end of the text. Generated pages, invented texts."""

from __future__ import annotations

from html import escape

import pytest
from trafilatura.utils import load_html

from archive import extract
from archive.extraction.boilerplate import without_closing_heads, without_link_items
from archive.extraction.pagemeta import blocks_by_text, normalise_line, text_blocks
from textgen import cjk_story, story

URL = "https://harbour-news.example/2024/03/04/ferry-timetable-changes/"


def _page(body: str, after: str = "") -> bytes:
    return (f"<html><head><title>Ferry timetable changes</title></head><body><article>"
            f"<h1>Ferry timetable changes</h1><div class='story'>{body}</div></article>{after}</body></html>").encode()


def _paragraphs(texts: list[str]) -> str:
    return "".join(f"<p>{escape(t)}</p>" for t in texts)


def test_a_caption_repeating_the_pictures_alternative_text_is_left_out_and_the_paragraph_it_quotes_stays():
    paragraphs = story(31, 6, 40)
    quoted = paragraphs[3].removesuffix(".")                # the caption quotes a paragraph, without its full stop
    figure = (f'<div class="image"><img src="/p.jpg" alt="{escape(quoted)}"><p class="pic-text">{escape(quoted)}</p>'
              '</div><div class="image"><img src="/q.jpg" alt="The new ferry at the north pier at dawn">'
              '<p class="pic-text">The new ferry at the north pier at dawn</p></div>')
    article = extract(_page(_paragraphs(paragraphs[:2]) + figure + _paragraphs(paragraphs[2:])), URL)
    assert article.text.split("\n") == paragraphs


def test_a_fact_box_marked_complementary_inside_the_story_is_left_out():
    paragraphs = story(32, 6, 40)
    facts = story(33, 3, 14)
    box = (f'<div class="fact-box" role="complementary"><h3>Facts about the ferry</h3>'
           f'<ul>{"".join(f"<li>{escape(f)}</li>" for f in facts)}</ul></div>')
    article = extract(_page(_paragraphs(paragraphs[:3]) + box + _paragraphs(paragraphs[3:])), URL)
    assert article.text.split("\n") == paragraphs


def _by_text(html: str):
    return blocks_by_text(text_blocks(load_html(html)))


def test_list_items_that_are_only_a_link_are_left_out_and_list_items_of_the_story_stay():
    paragraphs = story(34, 4, 30)
    related = ["Ferry fares rise again this spring", "Harbour council approves the new pier"]
    own = ["Monday to Friday: every 40 minutes", "Weekends: every hour, with a first ferry at seven"]
    page = (_paragraphs(paragraphs[:2])
            + "<ul>" + "".join(f'<li><a href="/2024/02/{n}/story/">{t}</a></li>' for n, t in enumerate(related)) + "</ul>"
            + "<ul>" + "".join(f"<li>{t}</li>" for t in own) + "</ul>" + _paragraphs(paragraphs[2:]))
    lines = [*paragraphs[:2], *(f"- {t}" for t in related), *(f"- {t}" for t in own), *paragraphs[2:]]
    kept = without_link_items(lines, _by_text(page.join(("<html><body>", "</body></html>"))), normalise_line)
    assert kept == [*paragraphs[:2], *(f"- {t}" for t in own), *paragraphs[2:]]


def test_a_closing_run_of_box_headings_is_cut():
    paragraphs = story(35, 5, 30)
    heads = ["Most read", "Share prices", "Forum posts", "More links"]
    assert without_closing_heads([*paragraphs, *heads]) == paragraphs


@pytest.mark.parametrize("closing", [
    ["Reporting by Ana Ruiz"],                             # one short line alone: a sign-off
    ["- Monday to Friday", "- Weekends"],                  # a closing list
    ["Ferries run daily.", "Tickets cost five euros."],    # short sentences
])
def test_closing_lines_that_are_no_run_of_headings_stay(closing):
    lines = [*story(36, 5, 30), *closing]
    assert without_closing_heads(lines) == lines


@pytest.mark.parametrize("language", ["ja", "zh"])
def test_paragraphs_written_without_spaces_are_no_headings(language):
    paragraphs = cjk_story(37, language, paragraphs=5)
    unstopped = [p.rstrip("。") for p in paragraphs]           # counted by their words, not by spaces
    assert without_closing_heads(paragraphs) == paragraphs
    assert without_closing_heads(unstopped) == unstopped
