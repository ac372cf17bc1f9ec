"""What a copy changed from the canonical, paragraph by paragraph, and how `show` prints it."""

from __future__ import annotations

import click

from archive.cli.main import format_cluster
from archive.neardup.diff import compare, describe, marked, word_diff

CANON = {"title": "Storm closes the road", "author": "Ann Marsh",
         "text": "First paragraph of the story here.\nSecond paragraph “quoted” here.\nThird one.\nFourth one."}


def test_identical_copy_modulo_typography_is_unchanged():
    copy = dict(CANON, text=CANON["text"].replace("“", '"').replace("”", '"'))
    changes = compare(CANON, copy)
    assert changes.unchanged and changes.summary() == "same text"


def test_headline_byline_cut_added_edited_and_resplit_are_told_apart():
    text = ("Editor's note: updated.\nFirst paragraph of the story\nhere.\n"
            "Second paragraph quoted right here today.")
    changes = compare(CANON, {"title": "A new headline", "author": None, "text": text})
    assert changes.headline_changed and changes.byline_dropped
    assert changes.paragraphs_added == 1 and changes.paragraphs_resplit == 1 and changes.paragraphs_edited == 1
    assert changes.paragraphs_cut == 2 and changes.cut_at_end
    assert changes.summary() == ("new headline; byline dropped; 2 paragraphs cut at the end; 1 paragraph added; "
                                 "1 paragraph edited; 1 paragraph split differently")


def test_show_prints_origin_canonical_and_each_copy_with_what_it_changed():
    member = {"url": "http://b.test/x", "title": "T", "site": "Valley Wire", "published": "2022-03-02T00:00:00",
              "first_seen": None, "similarity": 0.73, "role": "mirror",
              "changes": compare(CANON, dict(CANON, title="Other")).as_dict()}
    canonical = dict(member, url="http://a.test/x", site="Coast Times", role="canonical", similarity=1.0, changes=None)
    out = format_cluster({"id": 7, "size": 2, "origin": "Coast Times", "origin_url": None,
                          "members": [canonical, member]})
    assert "credited origin: Coast Times" in out
    assert "canonical Coast Times" in out and "mirror    Valley Wire" in out
    assert "similarity 0.73" in out and "changes: new headline" in out


def test_the_changes_hold_the_paragraphs_and_the_words_edited():
    text = ("Editor's note: updated.\nFirst paragraph of the story\nhere.\n"
            "Second paragraph quoted right here today.")
    changes = compare(CANON, {"title": "A new headline", "author": None, "text": text})
    assert [(p.kind, p.canonical, p.copy) for p in changes.paragraphs] == [
        ("added", None, "Editor's note: updated."),
        ("resplit", "First paragraph of the story here.", "First paragraph of the story\nhere."),
        ("edited", "Second paragraph “quoted” here.", "Second paragraph quoted right here today."),
        ("cut", "Third one.", None), ("cut", "Fourth one.", None)]
    edited = changes.paragraphs[2]
    assert edited.words == (("=", "Second paragraph quoted"), ("+", "right"), ("=", "here"), ("+", "today."))
    assert changes.headline_words == (("-", "Storm closes the road"), ("+", "A new headline"))
    assert changes.dropped_byline == "Ann Marsh"
    assert compare(CANON, CANON).paragraphs == () and compare(CANON, CANON).headline_words == ()


def test_word_diff_marks_words_cut_and_added_and_ignores_typography():
    assert word_diff("It’s the “old” bridge", "It's the \"old\" bridge") == (("=", "It's the \"old\" bridge"),)
    assert word_diff("the council voted on Monday", "the city council voted Tuesday") == (
        ("=", "the"), ("+", "city"), ("=", "council voted"), ("-", "on Monday"), ("+", "Tuesday"))
    assert marked(word_diff("a b c", "a x c")) == "a [-b-] {+x+} c"


def test_show_highlights_each_difference_and_colours_only_when_asked():
    text = "New opening paragraph.\nFirst paragraph of the story here.\nSecond paragraph quoted there.\nThird one."
    member = {"url": "http://b.test/x", "title": "Road shut by storm", "site": "Valley Wire", "published": None,
              "first_seen": "2022-03-02T00:00:00", "similarity": 0.6, "role": "mirror",
              "changes": compare(CANON, {"title": "Road shut by storm", "author": None, "text": text}).as_dict()}
    canonical = dict(member, url="http://a.test/x", site="Coast Times", role="canonical", similarity=1.0, changes=None)
    detail = {"id": 7, "size": 2, "origin": None, "origin_url": None, "members": [canonical, member]}
    plain = format_cluster(detail)
    lines = [line.strip() for line in plain.splitlines()]
    start = lines.index("changes: new headline; byline dropped; 1 paragraph cut at the end; 1 paragraph added; "
                        "1 paragraph edited")
    assert lines[start + 1:] == [
        "~ headline: {+Road shut by+} storm [-closes the road-]",
        "- byline: Ann Marsh",
        "+ New opening paragraph.",
        "~ Second paragraph quoted [-here.-] {+there.+}",           # the quotes are typography
        "- Fourth one."]
    coloured = format_cluster(detail, color=True)
    assert "\x1b[" not in plain and "\x1b[31m" in coloured and "\x1b[32m" in coloured
    assert click.unstyle(coloured) == plain


def test_show_counts_the_paragraphs_an_excerpt_cuts_and_diff_lists_them():
    """An excerpt keeps the first paragraphs: `show` says how many were cut at the end in one
    line; `show --diff` (full) lists each cut paragraph."""
    paragraphs = [f"Paragraph number {n} of the long story, with words of its own." for n in range(10)]
    canonical_text = "\n".join(paragraphs)
    excerpt = compare({"title": "T", "author": None, "text": canonical_text},
                      {"title": "T", "author": None, "text": "\n".join(paragraphs[:3])}).as_dict()
    middle = compare({"title": "T", "author": None, "text": canonical_text},
                     {"title": "T", "author": None, "text": "\n".join(paragraphs[:4] + paragraphs[6:])}).as_dict()
    assert describe(excerpt, full=False) == ["- 7 paragraphs cut at the end"]
    assert describe(excerpt) == [f"- {p}" for p in paragraphs[3:]]
    assert describe(middle, full=False) == ["- 2 paragraphs cut"]
    member = {"url": "http://b.test/x", "title": "T", "site": "Valley Wire", "published": None,
              "first_seen": "2022-03-02T00:00:00", "similarity": 0.4, "role": "excerpt", "changes": excerpt}
    detail = {"id": 7, "size": 2, "origin": None, "origin_url": None,
              "members": [dict(member, role="canonical", changes=None), member]}
    short = [line.strip() for line in format_cluster(detail).splitlines()]
    assert short[-2:] == ["changes: 7 paragraphs cut at the end", "- 7 paragraphs cut at the end"]
    assert [line.strip() for line in format_cluster(detail, full=True).splitlines()][-7:] == \
        [f"- {p}" for p in paragraphs[3:]]
