"""The multilingual variety webs: every variety is generated, each with its ground truth, and the
held-out template and language stay out of the tuning webs."""

from __future__ import annotations

import doctest
import html
import json
import math
import re
import urllib.request
from urllib.parse import urlsplit

import pytest

from archive.demo import locales, variety
from archive.demo.assemble import page_key
from archive.demo.model import Role, Template
from archive.demo.server import serve_variety
from archive.demo.variety import (HELD_OUT_LANGUAGE, HELD_OUT_TEMPLATE, benchmark_mix, generate_variety, site_ids,
                                  tuning_mix)
from benchmarks.webscore import score_web

SEEDS = range(1, 7)
SCRIPTS = {"ja": r"[\u3040-\u30ff]", "zh": r"[\u4e00-\u9fff]", "ko": r"[\uac00-\ud7af]", "ru": r"[\u0400-\u04ff]",
           "de": r"[äöüß]", "es": r"[áéíóúñ]"}
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))    # loopback only, never a proxy


def build(seed: int, mix=None):
    mix = mix or benchmark_mix()
    return generate_variety({sid: f"http://127.0.0.{150 + i}:8000" for i, sid in enumerate(site_ids(mix))},
                            seed=seed, mix=mix)


@pytest.fixture(scope="module")
def webs():
    return [build(seed) for seed in SEEDS]


def pages(web):
    """(truth article, page HTML) of every article page."""
    for article in web.truth.articles:
        body = web.files[(article.site, page_key(urlsplit(article.url).path))].body
        yield article, body.decode("utf-8")


def all_pages(webs):
    return [item for web in webs for item in pages(web)]


def with_variety(webs, name):
    found = [(a, page) for a, page in all_pages(webs) if name in a.varieties]
    assert found, f"no page carries {name} in seeds {list(SEEDS)}"
    return found


def page_text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", page)).split())


def test_generation_is_deterministic_and_seeds_differ():
    first, again, other = build(3), build(3), build(4)
    assert first.files == again.files and first.truth_json() == again.truth_json()
    assert first.files != other.files


def test_generate_needs_every_origin():
    with pytest.raises(ValueError, match="missing: briefing"):
        generate_variety({sid: "http://127.0.0.150:8000" for sid in site_ids(tuning_mix())[:-1]})


def test_docstring_examples():
    failures, tried = doctest.testmod(variety)
    assert tried and not failures


def test_tuning_webs_never_use_the_held_out_template_or_language():
    for seed in SEEDS:
        web = build(seed, tuning_mix())
        assert HELD_OUT_TEMPLATE not in {s.template for s in web.truth.sites}
        assert HELD_OUT_LANGUAGE not in {a.language for a in web.truth.articles}
        assert not any(f'lang="{HELD_OUT_LANGUAGE}"' in p for _, p in pages(web))


def test_benchmark_webs_always_carry_the_held_out_template_and_language(webs):
    for web in webs:
        held = [a for a in web.truth.articles if a.language == HELD_OUT_LANGUAGE and a.role in (Role.ORIGINAL, Role.SINGLETON)]
        assert held and {web.skins[a.site].site.template for a in held} == {HELD_OUT_TEMPLATE}


def test_pages_in_every_language_and_script(webs):
    for language in locales.LANGUAGES:
        found = [(a, p) for a, p in all_pages(webs) if a.language == language and a.role is not Role.EXCERPT]
        assert found, language
        original = next(p for a, p in found if a.role in (Role.ORIGINAL, Role.SINGLETON))
        assert f'<html lang="{language}">' in original
        if language in SCRIPTS:
            assert all(re.search(SCRIPTS[language], a.text) for a, _ in found), language


def test_truth_text_is_on_every_page(webs):
    for article, page in all_pages(webs):
        for line in (*article.points, *article.paragraphs, article.title):
            assert html.escape(line, quote=False) in page, (article.url, line)
        text = page_text(page)
        if article.credit_line:
            assert article.credit_line in text
        for line in article.chrome:
            assert line in text, (article.url, line)


def test_publishers_are_not_named_after_their_domains_and_sit_on_country_codes(webs):
    publishers = [s for web in webs for s in web.truth.sites if s.id.startswith("pub-")]
    for site in publishers:
        label = site.domain.split(".")[0].replace("-", "")
        assert re.sub(r"\W", "", site.name.lower()) != label, site
    assert any(not re.search(r"[a-zA-Z]", s.name) for s in publishers)        # names in other scripts
    assert any(len(s.domain.split(".")[0]) <= 4 for s in publishers)          # initials
    endings = {s.domain.split(".", 1)[1] for s in publishers}
    assert {"de", "com.au", "co.jp", "ru"} & endings and len(endings) >= 4
    for web in webs:
        for article, page in pages(web):
            assert urlsplit(article.url).hostname.startswith("127.")          # served on loopback only
            site = web.skins[article.site].site
            if site.domain and site.template is not Template.AGGREGATOR and f'"@type": "NewsArticle"' in page:
                assert f'"url": "https://www.{site.domain}/"' in page


def test_site_names_given_as_urls(webs):
    article, page = with_variety(webs, "site_name_url")[0]
    assert re.search(r'<meta property="og:site_name" content="https://www\.[^"]+">', page)


def test_originals_declare_their_publishers_main_domain(webs):
    for article, page in with_variety(webs, "canonical_main_domain"):
        if article.role is Role.EXCERPT:
            continue
        assert urlsplit(article.url).hostname.startswith("127.")
        assert article.canonical_url.startswith("https://www.") and article.canonical_url.endswith(
            urlsplit(article.url).path)
        assert f'<link rel="canonical" href="{article.canonical_url}">' in page
    for web in webs:
        originals = {a.story: a for a in web.truth.articles if a.role is Role.ORIGINAL}
        copies = [a for a in web.truth.articles if "copy_declares_main_domain" in a.varieties]
        assert all(a.canonical_url == originals[a.story].canonical_url for a in copies)
    assert with_variety(webs, "copy_declares_main_domain")


def test_copies_whose_declared_canonical_is_missing(webs):
    for web in webs:
        for article, page in pages(web):
            if "canonical_missing" in article.varieties:
                assert article.canonical_url.startswith("/") and f'<link rel="canonical" href="{article.canonical_url}">' in page
                assert web.resolve(article.site, article.canonical_url) is None      # it answers 404
    assert with_variety(webs, "canonical_missing")


def test_wire_credits_on_originals(webs):
    for article, page in with_variety(webs, "wire_credit"):
        if article.role is not Role.ORIGINAL and article.role is not Role.SINGLETON:
            continue
        assert article.wire and f"({article.wire})" in article.paragraphs[0] or f"【{article.wire}】" in article.paragraphs[0]
        assert article.credit_line.startswith("© ") and article.credited_origin is None


def test_self_copyright_lines_are_chrome(webs):
    for article, page in with_variety(webs, "self_copyright"):
        line = next(c for c in article.chrome if c.startswith("©"))
        assert f'<p class="copyright">{html.escape(line, quote=False)}</p>' in page
        assert line not in article.text


def test_some_publishers_declare_no_publication_time(webs):
    for article, page in with_variety(webs, "no_published_meta"):
        assert "article:published_time" not in page and '"datePublished"' not in page
        assert article.published in page              # only the visible date gives it
        if article.updated:
            assert article.updated in page
    assert all("article:published_time" in page for a, page in all_pages(webs) if "no_published_meta" not in a.varieties)


def test_several_dates_per_page(webs):
    most = 0
    for article, page in with_variety(webs, "updated_date"):
        assert article.updated > article.published
        assert f'<meta property="article:modified_time" content="{article.updated}">' in page
        if "no_published_meta" not in article.varieties:
            assert f'<meta property="article:published_time" content="{article.published}">' in page
        if "template:newsroom" in article.varieties or "template:portal" in article.varieties:
            dates = set(re.findall(r'<time[^>]* datetime="([^"]+)"', page))
            assert {article.published, article.updated} <= dates, article.url
            most = max(most, len(dates))
    assert most >= 4             # published, updated and related stories' dates on one page


def test_summary_boxes_and_partial_copies(webs):
    boxed = with_variety(webs, "summary_box")
    assert all('<div class="summary-box">' in page and article.points for article, page in boxed)
    assert with_variety(webs, "partial_copy")
    left_out = 0
    for web in webs:
        originals = {a.story: a for a in web.truth.articles if a.role is Role.ORIGINAL}
        for article, page in pages(web):
            if "partial_copy" in article.varieties:
                original = originals[article.story]
                assert article.paragraphs == original.paragraphs[: math.ceil(len(original.paragraphs) * 2 / 3)]
                assert not article.points and 'class="summary-box"' not in page
                left_out += bool(original.points)
    assert left_out               # copies that leave out their original's summary box


def test_credits_in_several_languages_and_lowercase(webs):
    credits = [a for a, _ in all_pages(webs) if a.role is Role.MIRROR]
    phrasings = {lang for a in credits for lang, forms in locales.CREDITS.items()
                 for form in (*forms, locales.CONTINUE[lang])
                 if re.fullmatch(re.escape(form).replace(re.escape("{origin}"), ".+"), a.credit_line, re.I)}
    assert {"de", "es", "ja", "zh", "ru"} <= phrasings
    lowered = with_variety(webs, "lowercase_credit")
    assert all(a.credit_line == a.credit_line.lower() for a, _ in lowered)
    assert {"name", "domain", "url"} <= {v.removeprefix("credit_by_") for a in credits for v in a.varieties
                                         if v.startswith("credit_by_")}


def test_truncated_markup_keeps_the_article(webs):
    for article, page in with_variety(webs, "truncated"):
        assert "</html>" not in page and "</body>" not in page
        assert html.escape(article.paragraphs[-1], quote=False) in page


def test_truth_json_gives_cluster_and_text(webs):
    data = json.loads(webs[0].truth_json())
    for item, article in zip(data["articles"], webs[0].truth.articles):
        assert item["cluster"] == article.story and item["text"] == article.text


def test_scorer_gives_perfect_figures_for_a_perfect_export_and_sees_each_error(webs):
    truth = webs[0].truth
    rows = [{"url": a.url, "cluster_id": a.story, "is_canonical": a.role in (Role.ORIGINAL, Role.SINGLETON),
             "text": a.text, "published": a.published} for a in truth.articles]
    perfect = score_web(truth, rows)
    assert perfect.figures == {"discovery_recall": 1.0, "junk_rate": 0.0, "pairwise_f1": 1.0, "canonical_accuracy": 1.0,
                               "extraction_f1": 1.0, "chrome_leakage": 0.0, "date_accuracy": 1.0}
    late = [dict(r, published=a.updated) if a.updated else r for r, a in zip(rows, truth.articles)]
    assert score_web(truth, late).figures["date_accuracy"] < 1.0      # an "updated" stamp read as the date
    story = next(a.story for a in truth.articles if a.role is Role.MIRROR)
    flipped = [dict(r, is_canonical=not r["is_canonical"]) if truth.article(r["url"]).story == story else r
               for r in rows]
    wrong = score_web(truth, flipped)
    assert wrong.figures["canonical_accuracy"] < 1.0 and wrong.wrong_canonicals[0]["varieties"]
    mirror = next(a for a in truth.articles if a.role is Role.MIRROR and a.chrome)
    leaky = [dict(r, text=r["text"] + "\n" + mirror.chrome[0]) if r["url"] == mirror.url else r for r in rows]
    if len(mirror.chrome[0]) >= 10 and len(mirror.chrome[0].split()) >= 2:
        assert score_web(truth, leaky).figures["chrome_leakage"] > 0


def test_a_variety_web_is_served_on_loopback():
    with serve_variety(5, first=150) as web:
        article = next(a for a in web.truth.articles if a.role is Role.ORIGINAL)
        with OPENER.open(article.url, timeout=10) as response:
            body = response.read().decode("utf-8")
        assert response.status == 200 and html.escape(article.paragraphs[-1], quote=False) in body
        assert all(urlsplit(url).hostname.startswith("127.0.0.") for url in web.seeds)


@pytest.mark.parametrize(("template", "language"), [(Template.BLOGGER, "de"), (Template.PORTAL, "ja"),
                                                   (Template.WIX, "en")])
def test_any_template_and_language_can_be_held_out(template, language):
    for seed in (1, 2):
        tuned, held = build(seed, tuning_mix(template, language)), build(seed, benchmark_mix(template, language))
        assert template not in {s.template for s in tuned.truth.sites}
        assert language not in {a.language for a in tuned.truth.articles}
        assert held.skins[f"pub-{language}"].site.template is template
        assert any(a.language == language for a in held.truth.articles)
