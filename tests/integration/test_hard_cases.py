"""The hard cases of republishing, from pages the tests generate, on SQLite and PostgreSQL.

Every case that must join has a companion that must not, so a test passes only when the
archive tells the two apart.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import archivecheck
from archive import Archive, IngestStatus
from archive.config import ArchiveConfig
from pages import builder_page, news_page
from textgen import story

T0 = datetime(2022, 3, 1, 9, tzinfo=timezone.utc)
ORIGINAL_URL = "http://coast.test/2022/03/01/storm-closes-the-harbour-road"
TEMPLATE_CHROME = [
    "Lantern Aid works with local partners in every district we serve, and every donation goes to families who need "
    "clean water, warm shelter and food, and our reports on that work are published each quarter for all our donors.",
    "Our teams in the field write to supporters every month with the stories of the people they meet, the wells they "
    "dig and the schools they repair, so that everyone who gives can see what their gift has changed in a village.",
    "Volunteers are the heart of the charity: they pack parcels, drive vans, teach classes and raise money at markets "
    "and fairs, and anyone who can spare an afternoon a month is welcome to join one of our groups near their home.",
    "The charity is registered in three countries and audited every year by an independent firm; the accounts, the "
    "names of the trustees and the rules on how we choose our partners are open to anyone who asks us for them.",
    "Gifts left in wills have paid for a third of our work since the charity began, and a short guide explains how to "
    "leave one, how it is spent and how the families who benefit are chosen by the local committees we work with.",
]


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


@pytest.fixture
def archive(db_url):
    with Archive(db_url) as arch:
        yield arch


def original(archive: Archive, paragraphs: list[str] | None = None):
    html = news_page(site="Coast Times", title="Storm closes the harbour road", paragraphs=paragraphs or story(1),
                     author="Ann Marsh", published=T0)
    return archive.ingest(html, url=ORIGINAL_URL, fetched_at=at(1))


def copy(archive: Archive, url: str, paragraphs: list[str], *, title: str = "Storm closes the harbour road",
         author: str | None = "Ann Marsh", site: str = "Valley Wire", after: list[str] = (), hours: float = 2):
    html = news_page(site=site, title=title, paragraphs=paragraphs, author=author, published=at(hours), after=after)
    return archive.ingest(html, url=url, fetched_at=at(hours))


def member(archive: Archive, cluster_id: int, url: str) -> dict:
    return next(m for m in archive.show(cluster_id)["members"] if m["url"] == url)


def test_copy_under_a_new_headline_joins_but_another_story_under_the_same_headline_does_not(archive):
    first = original(archive)
    url = "http://wire.test/news/harbour-road-shut-after-gales-1001"
    moved = copy(archive, url, story(1), title="Harbour road shut after gales")
    other = copy(archive, "http://wire.test/news/storm-closes-the-harbour-road-1002", story(2), hours=3)
    assert moved.status is IngestStatus.DUPLICATE and moved.cluster_id == first.cluster_id
    assert member(archive, first.cluster_id, url)["changes"]["headline_changed"]
    assert other.status is IngestStatus.NEW and other.cluster_id != first.cluster_id


def test_copy_without_its_byline_joins_but_another_story_by_the_same_author_does_not(archive):
    first = original(archive)
    url = "http://wire.test/news/storm-closes-the-harbour-road-2001"
    dropped = copy(archive, url, story(1), author=None)
    same_author = copy(archive, "http://wire.test/news/council-budget-passes-2002", story(3), hours=3)
    assert dropped.cluster_id == first.cluster_id
    changes = member(archive, first.cluster_id, url)["changes"]
    assert changes["byline_dropped"] and not changes["headline_changed"]
    assert same_author.cluster_id != first.cluster_id


def test_copy_with_its_last_paragraphs_cut_joins_but_a_page_sharing_only_the_opening_does_not(archive):
    first = original(archive)
    url = "http://wire.test/news/storm-closes-the-harbour-road-3001"
    cut = copy(archive, url, story(1)[:5])
    opening_only = copy(archive, "http://other.test/news/a-different-story-3002", story(1)[:2] + story(4)[:6],
                        site="Other Paper", hours=3)
    assert cut.cluster_id == first.cluster_id
    changes = member(archive, first.cluster_id, url)["changes"]
    assert changes["paragraphs_cut"] == 3 and changes["cut_at_end"] and changes["paragraphs_added"] == 0
    assert opening_only.cluster_id != first.cluster_id


def test_copy_with_an_editors_note_joins_but_the_note_on_another_story_does_not(archive):
    first = original(archive)
    note = "Editor's note: this story was updated on Tuesday with figures from the harbour office and the council."
    url = "http://wire.test/news/storm-closes-the-harbour-road-4001"
    noted = copy(archive, url, [note] + story(1))
    elsewhere = copy(archive, "http://wire.test/news/ferry-timetable-changes-4002", [note] + story(5), hours=3)
    assert noted.cluster_id == first.cluster_id
    assert member(archive, first.cluster_id, url)["changes"]["paragraphs_added"] == 1
    assert elsewhere.cluster_id != first.cluster_id


def curly(text: str) -> str:
    return f"\u201c{text[:40]}\u201d, the harbour master\u2019s office said. {text[40:]}"


def test_straightened_quotes_and_resplit_paragraphs_join_but_changed_words_do_not(archive):
    paragraphs = [curly(p) for p in story(1)]
    first = original(archive, paragraphs)
    straight = [p.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'") for p in paragraphs]
    halves = [part for p in straight[:2] for part in (p[: len(p) // 2].rsplit(" ", 1)[0],
                                                      p[len(p[: len(p) // 2].rsplit(" ", 1)[0]):].strip())]
    url = "http://wire.test/news/storm-closes-the-harbour-road-5001"
    retyped = copy(archive, url, halves + straight[2:])
    reworded = copy(archive, "http://wire.test/news/storm-closes-the-harbour-road-5002",
                    [curly(p) for p in story(6)], hours=3)
    assert retyped.cluster_id == first.cluster_id
    detail = member(archive, first.cluster_id, url)
    assert detail["changes"]["paragraphs_resplit"] == 2 and detail["changes"]["paragraphs_edited"] == 0
    assert detail["similarity"] > 0.8
    assert reworded.cluster_id != first.cluster_id


def short_posts(archive: Archive) -> list:
    results = []
    for i in range(4):
        words = 120 + 20 * i      # 100-200 words of story under about 250 words of template
        body = story(200 + i, paragraphs=2, words_per_paragraph=words // 2)
        html = builder_page(site="Lantern Aid", title=f"News from the field {i}", paragraphs=body,
                            blurb=" ".join(TEMPLATE_CHROME))
        html = html.replace(f"<p>{' '.join(TEMPLATE_CHROME)}</p>", "".join(f"<p>{c}</p>" for c in TEMPLATE_CHROME))
        results.append(archive.ingest(html, url=f"http://ngo.test/post/news-from-the-field-number-{i}"))
    return results


def test_short_articles_of_a_heavily_templated_site_never_cluster(archive):
    results = short_posts(archive)
    assert all(r.article_id for r in results)
    rows = list(archivecheck.export_rows(archive))
    assert len({row["cluster_id"] for row in rows}) == 4
    assert not any("Volunteers are the heart" in row["text"] for row in rows)   # early pages cleaned again


def test_short_articles_of_a_heavily_templated_site_cluster_without_chrome_learning_control(db_url):
    """Control: with chrome learning off, the template alone makes the short posts look alike."""
    with Archive(db_url, ArchiveConfig(chrome_min_pages=10_000, chrome_min_pages_short=10_000)) as archive:
        short_posts(archive)
        rows = list(archivecheck.export_rows(archive))
    assert len({row["cluster_id"] for row in rows}) < 4


def excerpt_page(paragraph: str, source: str, link: str) -> str:
    return news_page(site="Daily Digest", title="Storm closes harbour road", paragraphs=[paragraph],
                     after=[f'<a href="{link}">Read more at {source}</a>'],
                     related=[("http://elsewhere.test/2022/02/03/bridge-repairs", "Bridge repairs begin next month")])


@pytest.mark.parametrize("position", [0, 1, 2])
def test_excerpt_is_recorded_as_an_excerpt_never_canonical_whatever_the_order(archive, position):
    excerpt_url = "http://digest.test/news/storm-closes-harbour-road-7001.html"
    steps = [lambda: original(archive),
             lambda: copy(archive, "http://wire.test/news/storm-closes-the-harbour-road-7002", story(1)[:6]),
             lambda: archive.ingest(excerpt_page(story(1)[0], "Coast Times", ORIGINAL_URL), url=excerpt_url,
                                    fetched_at=at(0.5))]
    steps.insert(position, steps.pop())
    results = [step() for step in steps]
    assert len({r.cluster_id for r in results}) == 1
    detail = archive.show(results[-1].cluster_id)
    roles = {m["url"]: m["role"] for m in detail["members"]}
    assert roles == {ORIGINAL_URL: "canonical", "http://wire.test/news/storm-closes-the-harbour-road-7002": "mirror",
                     excerpt_url: "excerpt"}
    assert detail["origin"] == "Coast Times"
    assert "Bridge repairs" not in member(archive, detail["id"], excerpt_url)["title"]


def test_teaser_of_another_story_is_not_attached_to_this_one(archive):
    first = original(archive)
    teaser = archive.ingest(excerpt_page(story(8)[0], "Coast Times", ORIGINAL_URL),
                            url="http://digest.test/news/another-story-7101.html")
    assert teaser.cluster_id != first.cluster_id
    assert archive.show(teaser.cluster_id)["members"][0]["role"] == "canonical"   # alone, it stands for itself


def test_same_url_after_an_edit_is_a_new_version_but_another_url_with_that_text_is_a_member(archive):
    first = original(archive)
    edited_text = story(1)[:-1] + ["Correction: an earlier version of this story gave the wrong date for the vote."]
    html = news_page(site="Coast Times", title="Storm closes the harbour road", paragraphs=edited_text,
                     author="Ann Marsh", published=T0)
    again = archive.ingest(html, url=ORIGINAL_URL + "/?utm_source=feed", fetched_at=at(5))
    assert again.status is IngestStatus.UPDATED and again.article_id == first.article_id
    assert archive.show(first.cluster_id)["size"] == 1
    other = archive.ingest(html.replace("Coast Times", "Valley Wire"),
                           url="http://wire.test/news/storm-closes-the-harbour-road-8001", fetched_at=at(6))
    assert other.status is IngestStatus.DUPLICATE and other.article_id != first.article_id
    assert archive.show(first.cluster_id)["size"] == 2
