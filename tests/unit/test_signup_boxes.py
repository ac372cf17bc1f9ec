"""Newsletter and sign-up boxes inside the article container never leak into the text, in any
language; generated pages, invented texts."""

from __future__ import annotations

from html import escape

import pytest

from archive.extraction.article import Article
from archive.extraction.boilerplate import is_chrome_line
from archive.extraction.extract import extract
from textgen import story

URL = "http://coast.test/2024/01/02/harbour-road-reopens-after-the-storm"
BOX_EN = ["The Harbour Briefing", "Our editors pick the five stories of the day for you, each weekday at seven.",
          "Email address", "Sign up", "By signing up, you agree to our Privacy Policy and Terms of Use."]
BOX_DE = ["Der Hafenbrief", "Jeden Morgen die wichtigsten Nachrichten aus der Region, kostenlos.",
          "E-Mail-Adresse", "Jetzt anmelden", "Mit der Anmeldung stimmen Sie unseren Datenschutzhinweisen zu."]


def page(paragraphs: list[str], box: list[str], box_attr: str) -> str:
    title, *rest = box
    inner = f"<h3>{escape(title)}</h3><p>{escape(rest[0])}</p><label>{escape(rest[1])}</label>" \
            f"<input type='email'><button>{escape(rest[2])}</button><p><small>{escape(rest[3])}</small></p>"
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs[:4]) + f"<div {box_attr}>{inner}</div>" + \
        "".join(f"<p>{escape(p)}</p>" for p in paragraphs[4:])
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Harbour road reopens</title>
<meta property="og:type" content="article"><meta property="og:site_name" content="Coast Times"></head><body>
<article><h1>Harbour road reopens</h1><div class="story-body">{body}</div></article></body></html>"""


@pytest.mark.parametrize("box", [BOX_EN, BOX_DE])
@pytest.mark.parametrize("box_attr", ['class="newsletter-signup"', 'id="signupBox" class="promo"',
                                      'class="inline-box subscribe-form"'])
def test_a_signup_box_inside_the_article_does_not_leak(box, box_attr):
    paragraphs = story(9, 8, 40)
    result = extract(page(paragraphs, box, box_attr), URL)
    assert isinstance(result, Article)
    assert result.text.split("\n") == paragraphs


def test_a_subscriber_only_wrapper_is_not_a_signup_box():
    paragraphs = story(10, 3, 30)
    html = page(paragraphs, BOX_EN, 'class="newsletter"').replace(
        '<div class="story-body">', '<div class="story-body subscriber-content">')
    result = extract(html, URL)
    assert isinstance(result, Article) and result.text.split("\n") == paragraphs


@pytest.mark.parametrize("line", ["By signing up, you agree to our Privacy Policy and Terms of Use.", "Thanks for signing up!",
                                  "Success! Check your inbox.", "You can unsubscribe at any time.", "Invalid email address"])
def test_signup_fine_print_is_chrome_wherever_it_sits(line):
    assert is_chrome_line(line)


@pytest.mark.parametrize("line", ["Residents can sign up for the scheme under the same terms as last year, the council said.",
                                  "Members who sign up before May keep the terms of use they agreed in 2019."])
def test_body_sentences_about_signing_up_are_not_chrome(line):
    assert not is_chrome_line(line)


@pytest.mark.parametrize("line", ["Lesen Sie auch: Der Hafen bekommt eine neue Fähre", "Les også: Brua stenges i helgen",
                                  "Läs också: Hamnen får en ny färja", "Lire aussi : le port ferme ses portes",
                                  "Leia também: a ponte fecha no domingo", "Czytaj także: Most zostanie zamknięty",
                                  "Čtěte také: Přístav dostane nový trajekt", "Ayrıca okuyun: Köprü pazar günü kapanıyor"])
def test_read_also_promos_in_other_languages_are_chrome(line):
    assert is_chrome_line(line)
