"""What a copy changed from the canonical, paragraph by paragraph, and how `show` prints it."""

from __future__ import annotations

from archive.cli import format_cluster
from archive.diff import compare

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
