"""Attribution lines and "Read more at X" teasers."""

from __future__ import annotations

import pytest

from archive.extraction.credit import (clean_publisher, excerpt_publisher, excerpt_source, find_credits, is_excerpt_marker,
                            split_credits)


@pytest.mark.parametrize("line, publisher", [
    ("This article originally appeared in Northfield Courier.", "Northfield Courier"),
    ("This article originally appeared in Northfield Courier magazine and is republished here with permission.",
     "Northfield Courier"),
    ("This story was first published by Riverbend Post, a nonprofit newsroom.", "Riverbend Post"),
    ("The article was originally published on Riverbend Post on March 3, 2021.", "Riverbend Post"),
    ("Originally published by Riverbend Post", "Riverbend Post"),
    ("Originally published in the Valley Examiner.", "The Valley Examiner"),
    ("Originally published on valleyexaminer.example", "valleyexaminer.example"),
    ("First appeared in Coastline Weekly", "Coastline Weekly"),
    ("(c) Northfield Courier, 2022", "Northfield Courier"),
    ("(C) Northfield Courier 2022.", "Northfield Courier"),
    ("© Northfield Courier 2022", "Northfield Courier"),
    ("© 2022 Northfield Courier. All rights reserved.", "Northfield Courier"),
    ("Copyright Northfield Courier", "Northfield Courier"),
    ("Copyright © 2019 by Riverbend Post", "Riverbend Post"),
    ("Republished with permission from Coastline Weekly.", "Coastline Weekly"),
    ("Republished with permission of Coastline Weekly", "Coastline Weekly"),
    ("Reprinted with the kind permission of Coastline Weekly.", "Coastline Weekly"),
    ("This article is republished from Coastline Weekly under a Creative Commons license.", "Coastline Weekly"),
    ("Source: AutoWorld.example", "AutoWorld.example"),
    ("(Source: Riverbend Post)", "Riverbend Post"),
    ("Reprinted from Prairie Signal", "Prairie Signal"),
    ("via Prairie Signal", "Prairie Signal"),
    ("Editor's note: This article was originally published by Prairie Signal.", "Prairie Signal"),
])
def test_each_phrasing_gives_the_clean_publisher(line, publisher):
    assert find_credits(["A first paragraph of the story.", line]) == (publisher,)


@pytest.mark.parametrize("line", [
    "The source of the leak has not been identified, officials said.",
    "Source: officials familiar with the negotiations",
    "Sources close to the mayor said the plan was originally published in a draft form.",
    "Copyright law differs from one country to the next.",
    "The first published version of the report appeared in a trade journal.",
    "He travelled via Lisbon and Madrid before reaching the border on Monday.",
    # A long paragraph is reporting even when it ends with an attribution-like clause.
    "The council met for four hours on Tuesday evening to discuss the budget, the new bridge, the state of "
    "the harbour walls and the bus timetable, and at the end of the session the chair noted that the plan had "
    "been criticised for months and that this article originally appeared in Northfield Courier.",
])
def test_body_sentences_are_not_credits(line):
    assert find_credits([line]) == ()


def test_split_credits_removes_only_the_attribution_sentence():
    lines = ["The river rose by two metres overnight.",
             "Editor's note: This article was originally published by Prairie Signal. Share your photos with us.",
             "This article originally appeared in Northfield Courier."]
    kept, credits = split_credits(lines)
    assert kept == ["The river rose by two metres overnight.", "Share your photos with us."]
    assert credits == ("Prairie Signal", "Northfield Courier")


def test_credits_are_deduplicated_in_order():
    lines = ["© Riverbend Post 2021", "Text.", "Originally published by Riverbend Post", "via Prairie Signal"]
    assert find_credits(lines) == ("Riverbend Post", "Prairie Signal")


def test_clean_publisher():
    assert clean_publisher("Northfield Courier magazine and is republished here with permission.") == \
        "Northfield Courier"
    assert clean_publisher("Northfield Courier, 2022.") == "Northfield Courier"
    assert clean_publisher("https://www.valleyexaminer.example/news/1") == "valleyexaminer.example"
    assert clean_publisher("officials who asked not to be named") is None
    assert clean_publisher("") is None


@pytest.mark.parametrize("line, publisher", [
    ("Read more at Northfield Courier", "Northfield Courier"),
    ("Continue reading at Riverbend Post…", "Riverbend Post"),
    ("Read the full story at Coastline Weekly.", "Coastline Weekly"),
    ("Read the full article on Prairie Signal", "Prairie Signal"),
    ("Continue reading on www.valleyexaminer.example", "valleyexaminer.example"),
    ("Keep reading at Riverbend Post »", "Riverbend Post"),
])
def test_excerpt_markers(line, publisher):
    assert is_excerpt_marker(line)
    assert excerpt_publisher(line) == publisher


@pytest.mark.parametrize("line", [
    "Read more about the budget in our explainer",
    "Read more: Why the bridge cost doubled",
    "Continue reading",
    "She said she would read more at the library over the summer and continue her studies in the autumn term.",
])
def test_not_excerpt_markers(line):
    assert not is_excerpt_marker(line)


def test_excerpt_source_is_the_last_marker():
    lines = ["Teaser paragraph.", "Read more at Riverbend Post", "Another line", "Read more at Northfield Courier"]
    assert excerpt_source(lines) == "Northfield Courier"
    assert excerpt_source(["No marker here."]) is None
