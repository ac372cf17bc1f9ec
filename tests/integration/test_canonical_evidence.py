"""The canonical from weighed evidence, on pages the tests generate, on SQLite and PostgreSQL:
a publisher recognised by any of its names and domains, an original whose rel=canonical names its
publisher's main domain from another host, credits on the original itself, and a later "updated"
stamp beside the publication date. Each case has a control the old rules would have got wrong or
a companion that must stay a copy."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from archive import Archive
from archive.cli.main import cli
from pages import news_page
from textgen import story

T0 = datetime(2024, 3, 1, 8, tzinfo=timezone.utc)
SEEN = T0 + timedelta(days=30)       # when the archive fetched every page (all dates before it are trusted)
TITLE = "Harbour council approves the new flood barrier"


@pytest.fixture
def archive(db_url):
    with Archive(db_url) as arch:
        yield arch


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


def ingest(archive: Archive, url: str, site: str, *, paragraphs: list[str] | None = None, days: float | None = None,
           canonical: str | None = None, after: list[str] = (), head: str = "", seen: float = 0):
    html = news_page(site=site, title=TITLE, paragraphs=paragraphs or story(41), published=at(days) if days is not None
                     else None, canonical=canonical, after=after, head=head)
    return archive.ingest(html, url=url, fetched_at=SEEN + timedelta(hours=seen))


def canonical_url(archive: Archive, result) -> str:
    detail = archive.show(result.cluster_id)
    assert sum(m["role"] == "canonical" for m in detail["members"]) == 1
    return detail["canonical"]["url"]


# -- 1. publisher identity: the credited publisher's page, whatever spelling the credit uses --------

IDENTITIES = {
    # og:site_name, the page's own canonical (another host), the copies' credit line
    "country-code domain": ("abc24 Website", "https://www.abc24.com.au/news/flood-barrier-approved",
                            "Republished with permission of abc24."),
    "initials domain": ("Northern Daily Courier", "https://www.ndc.de/lokal/flood-barrier-approved",
                        "Dieser Artikel erschien zuerst bei ndc.de"),
    "site name given as a URL": ("https://www.harbourpost.in", None, "Publicado originalmente en Harbour Post"),
    "non-Latin name": ("湾岸テスト新聞", None, "出典：湾岸テスト新聞"),
    "three-letter name": ("KRV", "https://www.krv.no/nyheter/flood-barrier-approved", "Originally published by KRV"),
}


@pytest.mark.parametrize("case", list(IDENTITIES))
def test_credited_publisher_is_recognised_by_any_of_its_names_and_domains(archive, case):
    site, own_canonical, credit = IDENTITIES[case]
    original = ingest(archive, "http://mirror.test/2024/03/flood-barrier-approved", site, days=2,
                      canonical=own_canonical, seen=2)
    # The copies are dated before the original (a wrong date on its page): only the credit can tell.
    copy = ingest(archive, "http://wire.test/world/flood-barrier-approved-1", "Valley Wire", days=1, after=[credit])
    other = ingest(archive, "http://blog.test/posts/flood-barrier-approved-2", "Plains Notes", days=1.5,
                   after=[credit], seen=1)
    assert copy.cluster_id == other.cluster_id == original.cluster_id
    assert canonical_url(archive, original) == "http://mirror.test/2024/03/flood-barrier-approved"


def test_the_link_in_a_credit_line_ties_the_credited_name_to_the_originals_domain(archive):
    """"Morning Ledger" spells neither the original's site name nor its domain: the credit lines'
    link to that domain, where the original declares its canonical, is what ties them."""
    page = "https://www.mledger-news.de/2024/03/flood-barrier-approved"
    original = ingest(archive, "http://mirror.test/2024/03/flood-barrier-approved", "ML Online", days=2,
                      canonical=page, seen=2)
    credit = f'Originally published by <a href="{page}">Morning Ledger</a>.'
    ingest(archive, "http://wire.test/world/flood-barrier-approved-1", "Valley Wire", days=1, after=[credit])
    ingest(archive, "http://blog.test/posts/flood-barrier-approved-2", "Plains Notes", days=1.5, after=[credit], seen=1)
    assert canonical_url(archive, original) == "http://mirror.test/2024/03/flood-barrier-approved"
    why = archive.show(original.cluster_id, why=True)["why"]
    assert why["members"][0]["signals"]["credited"] == 1
    with archive._sessions() as session:        # the tie is kept for analysts: one publisher, both aliases
        rows = session.execute(text("SELECT publisher_id, kind, key, source FROM publisher_alias "
                                    "WHERE source IN ('credit line', 'credit link')")).all()
    assert {(kind, key) for _, kind, key, _ in rows} == {("name", "morningledger"), ("domain", "mledger-news.de")}
    assert len({publisher for publisher, _, _, _ in rows}) == 1


def test_an_uncredited_site_of_similar_name_is_not_the_credited_publisher(archive):
    """Control: a copy crediting abc24 on a site called "abc Review" stays a copy of the earlier page."""
    first = ingest(archive, "http://first.test/2024/03/flood-barrier-approved", "Coast Times", days=1)
    ingest(archive, "http://abcreview.test/news/flood-barrier-approved", "abc Review", days=2,
           after=["Republished with permission of abc24."], seen=1)
    assert canonical_url(archive, first) == "http://first.test/2024/03/flood-barrier-approved"


# -- 2. the original's rel=canonical names its publisher's main domain, served from another host ------

MAIN = "https://www.harbourreview.co.uk/2024/03/01/flood-barrier-approved"


def syndicated(archive: Archive, with_original: bool = True):
    results = []
    if with_original:
        results.append(ingest(archive, "http://partner.test/harbour/flood-barrier-approved", "Harbour Review",
                              days=0.5, canonical=MAIN, seen=3))
    # A copy declaring the same main-domain URL (a syndication partner) and a copy without any; both
    # are dated before the original and one is longer (chrome kept on the page).
    results.append(ingest(archive, "http://wire.test/world/flood-barrier-approved", "Valley Wire", days=0.2,
                          canonical=MAIN, paragraphs=story(41)[:-1]))
    results.append(ingest(archive, "http://blog.test/p/flood-barrier-approved", "Plains Notes", days=0.1,
                          paragraphs=story(41) + ["Share this post with your friends and family today."], seen=1))
    return results


def test_original_declaring_its_publishers_main_domain_is_canonical_and_gets_the_copies_votes(archive):
    original, *_ = syndicated(archive)
    assert canonical_url(archive, original) == "http://partner.test/harbour/flood-barrier-approved"
    why = archive.show(original.cluster_id, why=True)["why"]
    mine = next(m for m in why["members"] if m["url_key"].startswith("partner.test"))
    assert mine["signals"]["votes"] == 1 and mine["signals"]["own_canonical"] == 1
    assert mine["declared_is"] == "its own publisher's page, not archived"
    assert "harbourreview.co.uk" in mine["publisher"]["domains"]


# -- 3. credits on the original: a licence notice and its own copyright footer ----------------------

PUBLISHER_LD = ('<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", '
                '"publisher": {"@type": "Organization", "name": "Tidewater Media Group"}}</script>')


def test_wire_credit_and_own_copyright_do_not_demote_the_original(archive):
    original = ingest(archive, "http://harbour.test/2024/03/01/flood-barrier-approved", "Harbour Review", days=0,
                      after=["© National Courier Ltd. 2024", "Copyright Tidewater Media Group"], head=PUBLISHER_LD,
                      seen=2)
    # A later copy that cut the credit lines and the last paragraph.
    ingest(archive, "http://wire.test/world/flood-barrier-approved", "Valley Wire", days=3,
           paragraphs=story(41)[:-1])
    assert canonical_url(archive, original) == "http://harbour.test/2024/03/01/flood-barrier-approved"
    why = archive.show(original.cluster_id, why=True)["why"]
    mine = why["members"][0]
    assert mine["self_credits"] == ["Tidewater Media Group"]
    assert mine["rights_notices"] == ["National Courier Ltd"]
    assert "credits_other" not in mine["signals"] and mine["signals"]["rights_other"] == 1


def test_a_credit_to_another_member_still_makes_a_copy(archive):
    """Control: a page whose copyright notice names another member's publisher is that member's copy."""
    original = ingest(archive, "http://harbour.test/2024/03/01/flood-barrier-approved", "Harbour Review", days=2,
                      seen=2)
    ingest(archive, "http://wire.test/world/flood-barrier-approved", "Valley Wire", days=1,
           after=["© Harbour Review 2024"])
    assert canonical_url(archive, original) == "http://harbour.test/2024/03/01/flood-barrier-approved"


# -- 4. dates: the publication date, not a later "updated" stamp -------------------------------------

UPDATED = '<meta name="date" content="2024-03-20T10:00:00Z"><meta property="article:modified_time" content="2024-03-20T10:00:00Z">'


def test_published_date_wins_over_a_later_updated_stamp(archive):
    original = ingest(archive, "http://harbour.test/2024/03/01/flood-barrier-approved", "Harbour Review",
                      head=UPDATED, seen=2)
    ingest(archive, "http://wire.test/world/flood-barrier-approved", "Valley Wire", days=4)
    assert canonical_url(archive, original) == "http://harbour.test/2024/03/01/flood-barrier-approved"
    why = archive.show(original.cluster_id, why=True)["why"]
    mine = why["members"][0]
    assert mine["published"].startswith("2024-03-01") and mine["date_source"] in ("url", "htmldate")
    assert mine["date_note"].startswith("date sources disagree by 19 days")
    assert any(source.startswith("modified") for source, _ in mine["dates_seen"])


# -- show --why --------------------------------------------------------------------------------------

def test_show_why_prints_each_members_evidence_and_what_decided(db_url):
    with Archive(db_url) as archive:
        original, *_ = syndicated(archive)
    runner = CliRunner()
    text = runner.invoke(cli, ["show", str(original.cluster_id), "--why", "--db", db_url])
    assert text.exit_code == 0, text.output
    out = text.stdout
    assert f"Why article {original.article_id} is the canonical:" in out
    assert f"declared canonical: {MAIN} (its own publisher's page, not archived)" in out
    assert "date: 2024-03-01T20:00:00+00:00 (from meta article:published_time)" in out
    assert "publisher: Valley Wire" in out and "signals: votes, own_canonical" in out
    as_json = json.loads(runner.invoke(cli, ["show", str(original.cluster_id), "--why", "--json", "--db", db_url]).stdout)
    assert as_json["why"]["canonical"] == original.article_id
    assert {m["article_id"] for m in as_json["why"]["members"]} == {m["article_id"] for m in as_json["members"]}
    assert "own_canonical" in as_json["why"]["decided_by"] and "votes" in as_json["why"]["members"][0]["signals"]
    plain = json.loads(runner.invoke(cli, ["show", str(original.cluster_id), "--json", "--db", db_url]).stdout)
    assert "why" not in plain
