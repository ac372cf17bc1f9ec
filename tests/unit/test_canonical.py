"""The canonical choice and the credited origin as pure functions, for every arrival order."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import permutations

import pytest

from archive.neardup.canonical import explain
from archive.neardup.clusters import Member, choose_canonical, credited_origin, names_match

DAY = datetime(2022, 3, 1, tzinfo=timezone.utc)


def day(n: float) -> datetime:
    return DAY + timedelta(days=n)


# The original is published last (a wrong date on its page); only the others' rel=canonical and
# credits can tell it apart. The excerpt has the earliest date of all.
ORIGINAL = Member(1, "orig.test/story", "orig.test", "Orig Daily", canonical_key="orig.test/story", published=day(5))
CREDITING = Member(2, "wire.test/a", "wire.test", "Valley Wire", credits=("Orig Daily",), published=day(3))
POINTING = Member(3, "blog.test/b", "blog.test", "Notes", canonical_key="orig.test/story", published=day(4))
EXCERPT = Member(4, "digest.test/c", "digest.test", "Digest", credits=("Orig Daily",), published=day(1), is_excerpt=True)


def arrived(members: tuple[Member, ...]) -> list[Member]:
    """The members with first_seen in the order given (ids stay: an id is not an arrival rank)."""
    return [Member(m.id, m.url_key, m.site_host, m.site_name, m.canonical_key, m.credits, m.published,
                   day(10 + i), m.is_excerpt) for i, m in enumerate(members)]


@pytest.mark.parametrize("order", list(permutations([ORIGINAL, CREDITING, POINTING, EXCERPT])),
                         ids=lambda o: "-".join(str(m.id) for m in o))
def test_original_is_canonical_whatever_the_arrival_order(order):
    assert choose_canonical(arrived(order)).id == ORIGINAL.id


@pytest.mark.parametrize("order", list(permutations([CREDITING, POINTING, EXCERPT])),
                         ids=lambda o: "-".join(str(m.id) for m in o))
def test_without_the_original_a_copy_stands_in_never_the_excerpt(order):
    assert choose_canonical(arrived(order)).id != EXCERPT.id


def test_pointed_to_member_beats_credited_publisher_and_earlier_date():
    pointed = Member(1, "a.test/x", "a.test", "A", published=day(9))
    credited = Member(2, "b.test/x", "b.test", "B", published=day(1))
    others = [Member(3, "c.test/x", "c.test", "C", canonical_key="a.test/x", credits=("B",), published=day(2))]
    assert choose_canonical([pointed, credited, *others]).id == 1
    # negative: without the pointer, the credited publisher wins
    unpointed = [Member(3, "c.test/x", "c.test", "C", credits=("B",), published=day(2))]
    assert choose_canonical([pointed, credited, *unpointed]).id == 2


def test_credited_publisher_beats_earlier_date():
    credited = Member(1, "b.test/x", "b.test", "The Harbor Ledger", published=day(5))
    early = Member(2, "c.test/x", "c.test", "Other", credits=("Harbor Ledger",), published=day(1))
    assert choose_canonical([early, credited]).id == 1
    # negative: when nobody credits anyone, the earliest wins
    uncredited = Member(2, "c.test/x", "c.test", "Other", published=day(1))
    assert choose_canonical([uncredited, credited]).id == 2
    # a page crediting another publisher is a copy, whatever its date
    crediting_absent = Member(2, "c.test/x", "c.test", "Other", credits=("Somebody Else",), published=day(1))
    assert choose_canonical([crediting_absent, credited]).id == 1


def test_earliest_published_then_first_seen():
    a = Member(1, "a.test/x", "a.test", published=day(3), first_seen=day(3))
    b = Member(2, "b.test/x", "b.test", published=day(2), first_seen=day(4))
    assert choose_canonical([a, b]).id == 2
    undated = [Member(1, "a.test/x", "a.test", first_seen=day(5)), Member(2, "b.test/x", "b.test", first_seen=day(4))]
    assert choose_canonical(undated).id == 2


def test_a_date_in_the_future_of_its_first_sighting_is_not_trusted():
    wrong = Member(1, "a.test/x", "a.test", published=day(1), first_seen=day(0))  # "published" after it was seen
    right = Member(2, "b.test/x", "b.test", published=day(0.5), first_seen=day(2))
    assert choose_canonical([wrong, right]).id == 2
    assert choose_canonical([Member(1, "a.test/x", "a.test", published=day(0.5), first_seen=day(0)), right]).id == 1


def test_a_cluster_of_excerpts_has_an_excerpt_canonical():
    only = [Member(1, "a.test/x", "a.test", is_excerpt=True), Member(2, "b.test/x", "b.test", is_excerpt=True)]
    assert choose_canonical(only).id in (1, 2)
    with pytest.raises(ValueError):
        choose_canonical([])


def test_credited_origin_counts_spellings_of_one_publisher_together():
    members = [Member(1, "a/1", "a", credits=("harbourreview.com",)), Member(2, "b/1", "b", credits=("Harbour Review",)),
               Member(3, "c/1", "c", credits=("Other Paper",)), Member(4, "d/1", "d", credits=("Other Paper",)),
               Member(5, "e/1", "e", credits=("HARBOUR REVIEW",))]
    assert credited_origin(members) == "Harbour Review"
    assert credited_origin(members[2:4]) == "Other Paper"
    assert credited_origin([Member(1, "a/1", "a")]) is None


@pytest.mark.parametrize("a, b, same", [("Harbour Review", "harbourreview.com", True), ("The Harbor Ledger", "Harbor Ledger", True),
                                        ("Gizmodo", "gizmodo.com", True), ("Harbour Review", "Policy Review", False),
                                        ("AP", "Reuters", False)])
def test_names_match(a, b, same):
    assert names_match(a, b) is same


# A copy credits its original in a language no credit phrasing covers; the original carries a wire
# credit and its own publishing house's copyright (a licensed piece) and a later copy is fuller.
LICENSED = Member(11, "ndc.test/2024/bakery", "ndc.test", "Northern Daily Courier", published=day(0), size=80,
                  credits=("Nordpress Agentur", "Northgate Media Pty Ltd"),
                  rights=("Nordpress Agentur", "Northgate Media Pty Ltd"))
IN_KOREAN = Member(12, "haesol.test/bakery-0", "haesol.test", "해솔일보", published=day(1), size=90,
                   canonical_key="haesol.test/archive/bakery-0",
                   edge_lines=("이 기사는 northern daily courier에 처음 실렸습니다.",))
IN_CHINESE = Member(13, "notes.test/bakery-1", "notes.test", "Civic Notes", published=day(1.5), size=70,
                    edge_lines=("本文首发于northern daily courier。",))


@pytest.mark.parametrize("order", list(permutations([LICENSED, IN_KOREAN, IN_CHINESE])),
                         ids=lambda o: "-".join(str(m.id) for m in o))
def test_a_closing_line_naming_another_member_in_any_language_credits_it(order):
    assert choose_canonical(list(order)).id == LICENSED.id
    # without those lines the fuller copy that declares its own page wins: the lines decide
    bare = [Member(m.id, m.url_key, m.site_host, m.site_name, m.canonical_key, m.credits, m.published,
                   size=m.size, rights=m.rights) for m in order]
    assert choose_canonical(bare).id == IN_KOREAN.id


def test_a_line_names_a_member_by_its_whole_name_not_itself_nor_a_short_name():
    own = Member(21, "a.test/x", "a.test", "Coast Times", edge_lines=("Follow Coast Times for more updates",),
                 published=day(2))
    short = Member(22, "b.test/x", "b.test", "NDC", edge_lines=("Photo: Coast", "Times are hard"), published=day(1))
    assert explain([own, short])["credited_origin"] is None     # nobody credited: the earlier date decides
    assert choose_canonical([own, short]).id == 22
    naming = Member(23, "c.test/x", "c.test", "Valley Wire", edge_lines=("Mit Genehmigung: coast times",),
                    published=day(0))
    assert explain([own, short, naming])["credited_origin"] == "Coast Times"
    assert choose_canonical([own, short, naming]).id == 21
