"""Article extraction: article vs listing vs about pages, alternates, charsets, chrome and credits."""

from __future__ import annotations

import json
import pickle
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from archive.extraction.article import Article, SkipReason, Skipped
from archive.extraction.boilerplate import is_chrome_line, remove_chrome_lines
from archive.extraction.extract import extract
from archive.extraction.urls import classify_url

SITE = "https://harwick-news.example"
STORY = [
    "Harwick county council voted on Tuesday night to build a footbridge across the Esk river, ending a "
    "debate that has divided the market town for the better part of a decade.",
    "The bridge will link the railway station on the northern bank with the new primary school and the "
    "allotments on the southern side, a walk that today takes almost forty minutes by the road bridge.",
    "Councillors approved the plan by nine votes to four after a three-hour meeting in the old corn exchange, "
    "where more than two hundred residents crowded into the public gallery and the corridors outside.",
    "Opponents argued that the money should be spent on repairing the flood defences, which were overtopped "
    "twice last winter, and warned that construction traffic would damage the narrow lanes by the water.",
    "The council's engineer told the meeting that the structure would be raised well above the highest "
    "recorded flood level and that the contractor would bring materials in by rail wherever possible.",
    "Work is expected to begin in the spring and to take about eighteen months. The county has set aside "
    "money for the first phase and will ask the regional transport fund to cover the remainder of the cost.",
    "Residents on both banks said they hoped the crossing would bring more visitors to the riverside cafes, "
    "while the angling club asked for a quiet zone beneath the span during the summer fishing season.",
]
SHORT_STORY = [
    "A lorry carrying garden furniture overturned on the Esk road on Wednesday morning, closing the route "
    "between Harwick and Lowmoor for most of the day while recovery crews cleared the carriageway.",
    "Nobody was hurt. The driver, who was checked by paramedics at the scene, told police he had swerved to "
    "avoid a deer that ran out from the woods near the old quarry entrance just after seven o'clock.",
    "Buses were diverted through Upper Dale and the county asked drivers to avoid the area until the "
    "evening, when one lane reopened under temporary traffic lights.",
]
TITLE = "Council approves footbridge over the Esk after decade of debate"
NAV = "".join(f'<li><a href="/news/{s}/">{s.title()}</a></li>' for s in
              ("politics", "business", "sport", "culture", "weather", "opinion"))
RELATED = "".join(f'<li><a href="/2024/03/0{i}/other-story-number-{i}/">Another headline about item {i} here</a></li>'
                  for i in range(1, 5))


def page(paragraphs: list[str], *, title: str = TITLE, og_type: str | None = "article",
         ld_type: str | None = "NewsArticle", canonical: str | None = None, html_attrs: str = 'lang="en-GB"',
         published: str = "2024-03-05T18:30:00+01:00", body_extra: str = "", after: str = "",
         head_extra: str = "") -> str:
    """A news page in a heavy template: navigation, share buttons, related links and a footer."""
    head = [f"<title>{title} | Harwick News</title>", '<meta property="og:site_name" content="Harwick News">',
            f'<meta property="og:title" content="{title}">']
    if og_type:
        head.append(f'<meta property="og:type" content="{og_type}">')
    if canonical:
        head.append(f'<link rel="canonical" href="{canonical}">')
    if ld_type:
        ld = {"@context": "https://schema.org", "@type": ld_type, "headline": title, "datePublished": published}
        head.append(f'<script type="application/ld+json">{json.dumps(ld)}</script>')
    paras = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html><html {html_attrs}><head><meta charset="utf-8">{''.join(head)}{head_extra}</head>
<body><header><a href="/">Harwick News</a><nav><ul>{NAV}</ul></nav>
<form action="/search"><input name="q"><button>Search</button></form></header>
<main><article><h1>{title}</h1><p class="byline">By Jo Marsh</p>
<div class="share"><a href="https://facebook.example/share">Share on Facebook</a>
<a href="https://x.example/share">Share on X</a></div>
<div class="story-body">{paras}{body_extra}</div>{after}</article>
<section class="related"><h2>Related stories</h2><ul>{RELATED}</ul></section></main>
<footer><p>© 2024 Harwick News Ltd. All rights reserved.</p><a href="/about-us/">About us</a>
<a href="/privacy/">Privacy</a></footer></body></html>"""


def listing(n: int = 10) -> str:
    """A section front: headline cards, each with a teaser sentence."""
    cards = "".join(
        f'<article class="card"><h2><a href="/2024/03/{i:02d}/story-about-the-town-number-{i}/">Town story '
        f"number {i} makes the front page</a></h2><p>A teaser sentence about story {i} for the front page.</p>"
        "</article>" for i in range(1, n + 1))
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Politics | Harwick News</title>
<meta property="og:type" content="website"></head><body><header><nav><ul>{NAV}</ul></nav></header>
<main><h1>Politics</h1>{cards}</main><footer>© 2024 Harwick News Ltd.</footer></body></html>"""


def about_page() -> str:
    text = " ".join(STORY[:4]).replace("footbridge", "newspaper")
    return f"""<!DOCTYPE html><html lang="en"><head><title>About us | Harwick News</title>
<meta property="og:type" content="website"></head><body><header><nav><ul>{NAV}</ul></nav></header>
<main><h1>About us</h1><p>Harwick News has reported on the county since 1921.</p><p>{text}</p>
<p>{text}</p></main><footer>© 2024 Harwick News Ltd.</footer></body></html>"""


ARTICLE_URL = f"{SITE}/2024/03/05/council-approves-footbridge-over-the-esk/"


def test_article_page_gives_an_article_with_metadata():
    result = extract(page(STORY, canonical="/2024/03/05/council-approves-footbridge-over-the-esk/").encode(),
                     ARTICLE_URL, found_via="link", content_type="text/html; charset=utf-8")
    assert isinstance(result, Article)
    assert result.title == TITLE
    assert result.text.split("\n")[0] == STORY[0]
    assert TITLE not in result.text
    assert all(p in result.text for p in STORY)
    assert "Share on Facebook" not in result.text and "Another headline" not in result.text
    assert result.published == datetime(2024, 3, 5, 17, 30, tzinfo=UTC)
    assert result.canonical_url == ARTICLE_URL
    assert result.page_type == "newsarticle"
    assert result.language == "en"
    assert result.sitename == "Harwick News"
    assert result.credits == ()       # the site's own footer copyright is not a credit
    assert not result.is_excerpt


def test_extracting_twice_gives_the_same_result():
    html = page(STORY)
    first, second = extract(html, ARTICLE_URL), extract(html, ARTICLE_URL)
    assert isinstance(first, Article) and first == second   # no process-wide duplicate cache


def test_runs_in_a_process_pool():
    pickle.dumps(extract)
    with ProcessPoolExecutor(max_workers=1) as pool:
        result = pool.submit(extract, page(STORY).encode(), ARTICLE_URL, found_via="feed").result(timeout=60)
    assert isinstance(result, Article) and result.text.startswith(STORY[0][:40])


@pytest.mark.parametrize("url, html", [
    (f"{SITE}/", listing()),
    (f"{SITE}/news/politics/", listing()),
    (f"{SITE}/latest", listing()),
    (f"{SITE}/tag/bridges/", listing(4)),
    (f"{SITE}/category/local-news/page/2/", listing()),
    (f"{SITE}/search?q=bridge", listing()),
    (f"{SITE}/author/jo-marsh/", listing(3)),
    (f"{SITE}/about-us/", about_page()),
    (f"{SITE}/about", about_page()),
    (f"{SITE}/contact/", about_page()),
    (f"{SITE}/p/privacy-policy.html", about_page()),
])
def test_non_article_pages_are_skipped(url, html):
    result = extract(html, url, found_via="link")
    assert isinstance(result, Skipped) and result.reason == SkipReason.NOT_ARTICLE, result


def test_listing_at_an_article_like_url_is_skipped_by_its_structure():
    result = extract(listing(12), f"{SITE}/2024/03/the-week-in-pictures-from-around-the-county/", found_via="link")
    assert isinstance(result, Skipped) and result.reason == SkipReason.NOT_ARTICLE
    assert "listing" in result.detail


def test_about_page_declaring_a_collection_type_is_skipped_anywhere():
    html = page(STORY, og_type=None, ld_type="CollectionPage")
    result = extract(html, f"{SITE}/the-harwick-collection-of-local-history-essays", found_via="link")
    assert isinstance(result, Skipped) and result.reason == SkipReason.NOT_ARTICLE


@pytest.mark.parametrize("og_type, ld_type, found_via, url", [
    ("article", None, "link", f"{SITE}/lorry-overturns"),                 # OpenGraph says article
    (None, "BlogPosting", "link", f"{SITE}/lorry-overturns"),             # JSON-LD says article
    (None, None, "feed", f"{SITE}/lorry-overturns"),                      # came from a feed
    (None, None, "news_sitemap", f"{SITE}/news/lorry"),                   # came from a news sitemap
    (None, None, "link", f"{SITE}/2024/03/06/lorry-overturns-on-esk-road/"),   # URL of an article
    (None, None, "sitemap", f"{SITE}/news/lorry-overturns-on-the-esk-road-1234567"),
])
def test_short_articles_on_heavy_templates_are_articles(og_type, ld_type, found_via, url):
    html = page(SHORT_STORY, title="Lorry overturns on Esk road", og_type=og_type, ld_type=ld_type)
    result = extract(html, url, found_via=found_via)
    assert isinstance(result, Article), result
    assert result.text == "\n".join(SHORT_STORY)


def test_short_text_without_any_article_signal_is_not_an_article():
    # The control for the test above: the same page, but nothing says it is an article.
    html = page(SHORT_STORY, title="Lorry overturns on Esk road", og_type="website", ld_type=None)
    result = extract(html, f"{SITE}/news/lorry", found_via="link")
    assert isinstance(result, Skipped) and result.reason == SkipReason.NOT_ARTICLE


@pytest.mark.parametrize("amp_attr", ["amp", "⚡", 'amp=""'])
def test_amp_pages_are_alternates(amp_attr):
    html = page(STORY, html_attrs=f'{amp_attr} lang="en"', canonical=ARTICLE_URL, og_type=None, ld_type=None)
    result = extract(html, f"{SITE}/amp/2024/03/05/council-approves-footbridge-over-the-esk/")
    assert result == Skipped(SkipReason.ALTERNATE, ARTICLE_URL)
    # AMP copies served from another host (an AMP cache, an amp. subdomain) are alternates too.
    result = extract(html, "https://amp.harwick-news-cdn.example/c/2024/03/05/council-approves-footbridge/")
    assert result == Skipped(SkipReason.ALTERNATE, ARTICLE_URL)


def test_same_host_canonical_elsewhere_is_an_alternate():
    result = extract(page(STORY, canonical=ARTICLE_URL), f"{SITE}/print/council-approves-footbridge?id=99")
    assert result == Skipped(SkipReason.ALTERNATE, ARTICLE_URL)


@pytest.mark.parametrize("canonical", [
    "https://riverbend-post.example/2024/03/05/footbridge/",   # a republished copy naming its original
    f"{ARTICLE_URL}?utm_source=feed",                           # the same page, spelled differently
    "http://harwick-news.example/2024/03/05/council-approves-footbridge-over-the-esk",
    f"{SITE}/",                                                 # a broken canonical to the home page
])
def test_canonicals_that_do_not_make_an_alternate(canonical):
    result = extract(page(STORY, canonical=canonical), ARTICLE_URL)
    assert isinstance(result, Article), result
    assert result.canonical_url == canonical


def test_utf8_body_with_a_wrong_latin1_header():
    story = [p.replace("market town", "marché town – “Élan”") for p in STORY]
    result = extract(page(story).encode("utf-8"), ARTICLE_URL, content_type="text/html; charset=iso-8859-1")
    assert isinstance(result, Article)
    assert "marché town – “Élan”" in result.text and "Ã" not in result.text


def test_cp1252_body_without_a_declaration():
    story = [p.replace("market town", "marché town – “Élan”") for p in STORY]
    body = page(story).replace('<meta charset="utf-8">', "").encode("cp1252")
    result = extract(body, ARTICLE_URL, content_type="text/html")
    assert isinstance(result, Article)
    assert "marché town – “Élan”" in result.text


def test_pdf_and_empty_bodies():
    assert extract(b"%PDF-1.4\n1 0 obj <<>> endobj", ARTICLE_URL).reason == SkipReason.NOT_HTML
    assert extract(page(STORY).encode(), ARTICLE_URL, content_type="application/pdf").reason == SkipReason.NOT_HTML
    assert extract(b"", ARTICLE_URL).reason == SkipReason.EMPTY
    assert extract("  \n", ARTICLE_URL).reason == SkipReason.EMPTY


@pytest.mark.parametrize("html", [
    page(STORY)[:1500],                                       # cut off in the middle of the page
    page(STORY)[: len(page(STORY)) // 2],
    "<html><head><title>x</title></head><body><div><p>unclosed <b>tags <i>everywhere",
    "<html><body>" + "<div>" * 5000 + "deep" + "</div>" * 10 + "</body></html>",
    "<html><body><p>" + "\x0b\x0c\ud800 odd characters " * 50 + "</p></body></html>",
    '<html><head><script type="application/ld+json">{"@type": [1, {"x": 2}], "datePublished": 5</script>'
    "</head><body><p>broken json-ld</p></body></html>",
])
def test_truncated_and_malformed_html_does_not_crash(html):
    result = extract(html, ARTICLE_URL, found_via="feed")
    assert isinstance(result, (Article, Skipped))


def test_nonsense_bytes_are_skipped():
    result = extract(bytes(range(1, 256)) * 20, ARTICLE_URL)
    assert isinstance(result, Skipped) and result.reason in (SkipReason.NOT_HTML, SkipReason.NO_TEXT)


def test_future_dates_are_ignored():
    future = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    result = extract(page(STORY, published=future), ARTICLE_URL)
    assert isinstance(result, Article)
    assert result.published is None or result.published <= datetime.now(UTC) + timedelta(days=1)


def test_chrome_lines_inside_the_article_are_removed():
    chrome = ["top of page", "Grey Facebook Icon", "Black Twitter Icon", "Share this:", "Tweet",
              "Follow Harwick News for more updates:", "Subscribe to our newsletter",
              "Also read: Flood defences to be inspected after winter storms",
              "We use cookies to improve your experience. By continuing to browse you agree to our cookie policy.",
              "Click here to download the council's report", "bottom of page"]
    long_mention = ("Facebook and Twitter posts shared by residents on Tuesday showed the queue for the public "
                    "gallery stretching along the river path, and several people said they had subscribed to the "
                    "council's newsletter only to learn the time of the vote, which had been moved twice.")
    body = STORY[:3] + [chrome[0], chrome[1], chrome[2], long_mention] + STORY[3:] + chrome[3:]
    result = extract(page(body), ARTICLE_URL)
    assert isinstance(result, Article)
    assert long_mention in result.text
    for line in chrome:
        assert line not in result.text


def test_credits_are_recorded_and_removed_from_the_text():
    body = STORY + ["This article originally appeared in Riverbend Post and is republished with permission."]
    result = extract(page(body), ARTICLE_URL)
    assert isinstance(result, Article)
    assert result.credits == ("Riverbend Post",)
    assert "originally appeared" not in result.text
    assert result.text.endswith(STORY[-1])


def test_link_only_attribution_left_out_by_the_extractor_is_still_credited():
    after = '<p class="source"><a href="https://riverbend-post.example/x">(c) Riverbend Post, 2024</a></p>'
    result = extract(page(STORY, body_extra=after), ARTICLE_URL)
    assert isinstance(result, Article) and result.credits == ("Riverbend Post",)


def test_teaser_ending_in_read_more_is_an_excerpt():
    marker = '<p class="read-more"><a href="https://riverbend-post.example/bridge">Read more at Riverbend Post</a></p>'
    result = extract(page(STORY[:2], body_extra=marker), ARTICLE_URL, found_via="feed")
    assert isinstance(result, Article)
    assert result.is_excerpt
    assert result.credits == ("Riverbend Post",)
    assert "Read more" not in result.text


def test_read_more_on_the_own_site_is_not_an_excerpt():
    marker = '<p><a href="/more">Read more at Harwick News</a></p>'
    result = extract(page(STORY, body_extra=marker), ARTICLE_URL)
    assert isinstance(result, Article) and not result.is_excerpt and result.credits == ()


@pytest.mark.parametrize("url, kind", [
    ("https://a.example/", "home"), ("https://a.example/index.html", "home"),
    ("https://a.example/tag/floods/", "listing"), ("https://a.example/search/label/floods", "listing"),
    ("https://a.example/blog/page/3", "listing"), ("https://a.example/?s=bridge", "listing"),
    ("https://a.example/about-us/", "static"), ("https://a.example/p/contact.html", "static"),
    ("https://a.example/2024/03/05/bridge/", "article"), ("https://a.example/news/bridge-vote-ends-debate", "article"),
    ("https://a.example/eng/news/275221/", "article"), ("https://a.example/news/politics/", "section"),
    ("https://a.example/category/news/council-votes-for-the-new-footbridge/", "article"),
])
def test_classify_url(url, kind):
    assert classify_url(url) == kind


@pytest.mark.parametrize("line", [
    "top of page", "Bottom of page", "Skip to content", "Grey Facebook Icon", "Black Twitter Icon", "Facebook",
    "Share on X", "Tweet", "Share this:", "Follow Harwick News for more updates:", "Follow us on Instagram",
    "Subscribe to our newsletter", "Sign up for our weekly newsletter", "Also read: Flood defences inspected",
    "Related: Council budget approved", "Accept all cookies", "Click here to read the report", "123 views",
    "Facebook Twitter LinkedIn Email", "Advertisement", "Join 2,114 other subscribers",
])
def test_generic_chrome_lines(line):
    assert is_chrome_line(line)


@pytest.mark.parametrize("line", [
    "Facebook said on Tuesday it would share data with researchers.",
    "The council will follow the engineer's advice on the flood defences.",
    "Click",
    "Residents who subscribe to the newsletter said they had been told of the vote late.",
    "The company said it would stop using third-party cookies next year.",
    "Related talks between the two councils broke down in 2019 after a dispute over funding for the bridge, "
    "and the regional transport fund was asked to arbitrate.",
])
def test_body_lines_are_not_chrome(line):
    assert not is_chrome_line(line)
    assert remove_chrome_lines([line]) == [line]


def test_the_sites_own_copyright_line_is_not_a_credit():
    html = page(STORY, body_extra="<p>© 2024 Harwick News Ltd.</p>").replace(
        '<meta property="og:site_name" content="Harwick News">', "")
    result = extract(html, ARTICLE_URL)
    assert isinstance(result, Article)
    assert result.credits == ()
    assert "©" not in result.text


def test_xml_declaration_in_a_str_body():
    result = extract('<?xml version="1.0" encoding="utf-8"?>' + page(STORY), ARTICLE_URL)
    assert isinstance(result, Article) and result.text.startswith(STORY[0])


def test_body_given_as_str_with_mojibake_is_repaired():
    story = [p.replace("market town", "marché town") for p in STORY]
    mojibake = page(story).encode("utf-8").decode("latin-1")    # what a wrong header gives a str
    result = extract(mojibake, ARTICLE_URL)
    assert isinstance(result, Article) and "marché town" in result.text
