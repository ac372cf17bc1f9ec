"""Publisher identity, credits in any case and language, and publication dates, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime

import lxml.html
import pytest

from archive.extraction.credit import read_credits
from archive.extraction.dates import disagreement, read_dates
from archive.extraction.pagemeta import ARTICLE_TYPES, read_page_meta
from archive.neardup.publishers import Identity, name_fits_domain, names_match, registrable_domain


@pytest.mark.parametrize("value, domain", [
    ("www.abc24.com.au", "abc24.com.au"), ("https://amp.abc24.com.au/news/1", "abc24.com.au"),
    ("abc24.de", "abc24.de"), ("news.harbourreview.co.uk:8080", "harbourreview.co.uk"),
    ("127.0.0.20:8765", "127.0.0.20"), ("Harbour Review", ""),
])
def test_registrable_domain_uses_the_public_suffix_list(value, domain):
    assert registrable_domain(value) == domain


@pytest.mark.parametrize("name, domain, fits", [
    ("abc24 Website", "abc24.com.au", True), ("Northern Daily Courier", "ndc.de", True),
    ("Los Angeles Times", "latimes.com", True), ("SVT Nyheter", "svt.se", True), ("KRV", "krv.no", True),
    ("Süddeutsche Zeitung", "sueddeutsche.de", True), ("https://www.harbourpost.in", "harbourpost.in", True),
    ("Harbour Review", "policyreview.com", False), ("Valley Wire", "abc24.de", False),
    ("Peace Monitor", "127.0.0.27", False), ("KRV", "krvnews.de", False),
])
def test_a_name_fits_the_domain_it_spells(name, domain, fits):
    assert name_fits_domain(name, domain) is fits


@pytest.mark.parametrize("a, b, same", [
    ("湾岸テスト新聞", "湾岸テスト新聞", True), ("湾岸テスト新聞", "湾岸テスト新聞社", True), ("湾岸テスト新聞", "山岳日報", False),
    ("Москва Сегодня", "МОСКВА СЕГОДНЯ", True), ("https://www.harbourpost.in", "Harbour Post", True),
    ("NDC", "Northern Daily Courier", True), ("abc24", "abc24 Website", True),
    ("Harbour Daily", "Harbour Journal", False), ("AP", "Reuters", False),
])
def test_names_match_in_any_script(a, b, same):
    assert names_match(a, b) is same


def test_an_identity_knows_every_name_and_domain_it_was_given():
    identity = Identity.of(["Harbour Review", "https://www.harbourmedia.co.uk/"], ["127.0.0.9:80"])
    assert identity.knows("harbourreview.com") and identity.knows("www.harbourmedia.co.uk")
    assert identity.knows("The Harbour Review") and not identity.knows("Valley Wire")
    assert not Identity.of([], [])


@pytest.mark.parametrize("line, name", [
    ("Republished with permission of abc24.", "abc24"),
    ("Dieser Artikel erschien zuerst bei Nordkurier Online.", "Nordkurier"),
    ("Publicado originalmente en El Diario Austral.", "El Diario Austral"),
    ("Cet article a été initialement publié sur Le Petit Matin.", "Le Petit Matin"),
    ("Pubblicato originariamente su Gazzetta del Lago", "Gazzetta del Lago"),
    ("Publicado originalmente em Jornal da Serra", "Jornal da Serra"),
    ("Oorspronkelijk gepubliceerd door Het Polderblad", "Het Polderblad"),
    ("出典：湾岸テスト新聞", "湾岸テスト新聞"),
])
def test_credits_are_read_in_any_case_and_in_common_languages(line, name):
    assert read_credits(["A first paragraph.", line])[1] == (name,)


def test_a_copyright_notice_names_a_rights_holder_apart_from_origin_credits():
    kept, credits, rights = read_credits(["Body.", "© National Courier Ltd. 2024", "Originally published by Coast Times"])
    assert kept == ["Body."] and credits == ("National Courier Ltd", "Coast Times") and rights == ("National Courier Ltd",)
    assert read_credits(["Originally published in a draft form."])[1] == ()


PAGE = """<html><head><meta name="date" content="2024-03-20T10:00:00Z">
<meta property="article:modified_time" content="2024-03-21T10:00:00Z">
<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2024-03-02T09:30:00Z",
 "publisher": {"@type": "Organization", "name": "Harbour Review", "url": "https://www.harbourreview.co.uk/"}}</script>
</head><body><article><h1>T</h1><p>Text.</p></article></body></html>"""


def test_the_earliest_publication_declaration_wins_over_updated_stamps():
    tree = lxml.html.fromstring(PAGE)
    now = datetime(2024, 4, 1, tzinfo=UTC)
    reading = read_dates(tree, {"date": "2024-03-20T10:00:00Z"}, [], "http://h.test/2024/03/01/story", PAGE,
                         ARTICLE_TYPES, now)
    assert reading.published == datetime(2024, 3, 1, tzinfo=UTC) and reading.source == "url"
    meta = read_page_meta(tree, PAGE, "http://h.test/news/story", now)
    assert meta.published == datetime(2024, 3, 2, 9, 30, tzinfo=UTC) and meta.date_source == "json-ld datePublished"
    assert ("modified: meta article:modified_time", "2024-03-21T10:00:00+00:00") in meta.dates
    assert meta.publisher == ("Harbour Review", "https://www.harbourreview.co.uk/")
    assert disagreement(meta.dates).startswith("date sources disagree by 18 days")
    # within one day, a stated time beats a bare date (a URL's day)
    same_day = read_dates(tree, {}, [{"@type": "NewsArticle", "datePublished": "2024-03-01T15:00:00Z"}],
                          "http://h.test/2024/03/01/story", "<html></html>", ARTICLE_TYPES, now)
    assert same_day.published == datetime(2024, 3, 1, 15, tzinfo=UTC)


RELATED = """<html><head><title>Harbour works begin</title></head>
<body><article><h1>Harbour works begin</h1>
<p>By A. Writer, <time datetime="2024-05-10T08:00:00Z">10 May 2024</time></p><p>Text of the story.</p></article>
<aside><h2>Related</h2><ul>
<li><a href="/news/2024/04/28/older">Older story</a> <time datetime="2024-04-28">28 April 2024</time></li>
<li><a href="/news/2024/04/12/another">Another</a> <span class="date">2024-04-12</span></li></ul></aside></body></html>"""


def test_dates_of_a_related_articles_list_do_not_replace_the_pages_own():
    now = datetime(2024, 6, 1, tzinfo=UTC)
    reading = read_dates(lxml.html.fromstring(RELATED), {}, [], "http://h.test/news/harbour", RELATED,
                         ARTICLE_TYPES, now)
    assert reading.published == datetime(2024, 5, 10, 8, tzinfo=UTC) and reading.source == "<time>"
    # with no date of its own, the page still gets htmldate's reading of its markup
    bare = RELATED.replace('<time datetime="2024-05-10T08:00:00Z">10 May 2024</time>', "")
    guess = read_dates(lxml.html.fromstring(bare), {}, [], "http://h.test/news/harbour", bare, ARTICLE_TYPES, now)
    assert guess.source == "htmldate" and guess.published is not None


HATOM = """<html><head><meta property="article:modified_time" content="2024-03-23T15:41:00+00:00"></head><body>
<div class="post hentry"><h3 class="entry-title">Olive growers try treated water</h3>
<div class="entry-content"><p>Forty farms have been watering their trees with treated water.</p></div>
<div class="post-footer">Posted by L. F. at <abbr class="published" title="2024-03-20T12:41:00+00:00">12:41 PM</abbr>
</div></div></body></html>"""


@pytest.mark.parametrize("page, published", [
    (HATOM, datetime(2024, 3, 20, 12, 41, tzinfo=UTC)),
    ('<html><body><article class="h-entry"><p>Text</p><time class="dt-published" datetime="2024-02-02T10:00:00Z">'
     'Feb 2</time></article></body></html>', datetime(2024, 2, 2, 10, tzinfo=UTC)),
    ('<html><body><div class="h-entry"><span class="dt-published"><span class="value-title" '
     'title="2024-01-05T08:00:00+01:00"> </span>5 Jan</span></div></body></html>', datetime(2024, 1, 5, 7, tzinfo=UTC)),
])
def test_microformat_publication_dates_are_read(page, published):
    metas = {"article:modified_time": "2024-03-23T15:41:00+00:00"} if page is HATOM else {}
    reading = read_dates(lxml.html.fromstring(page), metas, [], "http://h.test/post/olive", page, ARTICLE_TYPES,
                         datetime(2024, 6, 1, tzinfo=UTC))
    assert reading.published == published and reading.source == "microformat published"


def test_an_articles_closing_lines_are_kept_as_edge_lines_in_any_language():
    from archive import extract

    body = "".join(f"<p>{'Die Bäckerei am Markt hat den Winter mit neuen Öfen überstanden, sagt die Inhaberin. ' * 3}"
                   f"Absatz {n}.</p>" for n in range(8))
    page = (f"<html><head><title>Bäckerei</title></head><body><article><h1>Bäckerei</h1>{body}"
            "<p>이 기사는 northern daily courier에 처음 실렸습니다.</p></article></body></html>")
    article = extract(page, "http://h.test/news/2024/03/baeckerei-am-markt")
    assert "이 기사는 northern daily courier에 처음 실렸습니다." in article.edge_lines
    assert all(len(line.split()) <= 40 for line in article.edge_lines)


def test_a_signature_line_of_the_sites_name_and_web_address_is_not_article_text():
    from archive import extract

    body = "".join(f"<p>{'The alliance planted four hundred willows along the river this spring, volunteers said. ' * 3}"
                   f"Part {n}.</p>" for n in range(6))
    page = ('<html><head><meta property="og:site_name" content="Valley Alliance"><title>Willows</title></head>'
            f"<body><article><h1>Willows</h1>{body}<p>Valley Alliance (valley-alliance.org).</p>"
            "<p>Valley Alliance and the river trust planted more trees at the weir.</p></article></body></html>")
    article = extract(page, "http://h.test/news/2024/04/willows")
    assert "valley-alliance.org" not in article.text
    assert "Valley Alliance and the river trust planted more trees at the weir." in article.text
