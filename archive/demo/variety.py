"""Seeded multilingual news webs with the real web's variety, and their ground truth.

>>> mix = tuning_mix()
>>> ids = site_ids(mix)
>>> web = generate_variety({sid: f"http://127.0.0.{150 + i}:8000" for i, sid in enumerate(ids)}, seed=3, mix=mix)
>>> sorted({a.language for a in web.truth.articles}) == sorted(mix.languages)
True

Each web has one publisher per language (an invented name that is not its domain, on a
country-code domain), three republishers and an aggregator. Stories come from ``texts/intl``
(German, Spanish, Japanese, Chinese, Korean, Russian) and the demo's English stories. Drawn per
seed: summary boxes, wire datelines and agency credits on originals, copies whose relative
canonical answers 404, "updated" stamps, dated
related lists, publishers that declare no publication time (only the visible date and
``dateModified``), the site's own copyright line, canonicals on the publisher's main domain, site
names given as URLs, truncated markup; copies in full or in part (two thirds of the paragraphs,
without the summary box) credited in the republisher's language, by name, domain or URL, some
in lower case. ``TruthArticle.varieties`` names what each page carries.

A template and a language are held out (``HELD_OUT_TEMPLATE``, ``HELD_OUT_LANGUAGE``): the webs
for tuning and tests (:func:`tuning_mix`) never use them, the quality benchmark's webs
(:func:`benchmark_mix`) always do.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from importlib import resources
from urllib.parse import urlsplit

from archive.demo import locales
from archive.demo.assemble import SiteAssembler
from archive.demo.model import Post, Role, SiteConfig, Template, TruthStory
from archive.demo.publishers import AGENCIES, AGGREGATOR, PUBLISHERS, REPUBLISHERS, site_config
from archive.demo.sitegen import DemoWeb, load_texts, parse_text
from archive.demo.skins import SKINS

HELD_OUT_TEMPLATE = Template.NEWSROOM
HELD_OUT_LANGUAGE = "ko"
PUBLISHER_TEMPLATES = (Template.PORTAL, Template.NEWSROOM, Template.WORDPRESS, Template.BLOGGER)
TEMPLATES = (*PUBLISHER_TEMPLATES, Template.WIX)     # every template but the aggregator's
START = datetime(2024, 3, 4, 6, 0, tzinfo=UTC)
ENGLISH_STORIES = 3          # English stories per web, drawn from the demo's
AGGREGATOR_ID = "briefing"


@dataclass(frozen=True, slots=True)
class Mix:
    """The templates and languages a web may use, and the ones it must use."""

    templates: tuple[Template, ...]
    languages: tuple[str, ...]
    required_template: Template | None = None
    required_language: str | None = None


def tuning_mix(template: Template = HELD_OUT_TEMPLATE, language: str = HELD_OUT_LANGUAGE) -> Mix:
    """Every template and language but the held-out ones (for tests and tuning)."""
    return Mix(tuple(t for t in TEMPLATES if t is not template), tuple(x for x in locales.LANGUAGES if x != language))


def benchmark_mix(template: Template = HELD_OUT_TEMPLATE, language: str = HELD_OUT_LANGUAGE) -> Mix:
    """Every template and language, the held-out ones on the held-out language's publisher."""
    return Mix(TEMPLATES, locales.LANGUAGES, template, language)


def site_ids(mix: Mix) -> tuple[str, ...]:
    """The web's site ids: a publisher per language, the republishers, the aggregator."""
    return (*(f"pub-{lang}" for lang in mix.languages), "ngo", "notes", "voices", AGGREGATOR_ID)


def load_stories(languages: tuple[str, ...], rng: random.Random) -> list[dict]:
    """The stories of ``languages``: every ``texts/intl`` story, and a few of the demo's English ones."""
    folder = resources.files("archive.demo") / "texts" / "intl"
    stories = [parse_text(f.read_text(encoding="utf-8")) for f in sorted(folder.iterdir(), key=lambda f: f.name)
               if f.name.endswith(".txt")]
    stories = [s for s in stories if s["language"] in languages]
    if "en" in languages:
        _, texts = load_texts()
        english = [dict(t, language="en") for t in texts.values() if t["kind"] == "story"]
        stories += rng.sample(english, ENGLISH_STORIES)
    return stories


# -- sites ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Plan:
    """The web's sites and the site-wide varieties drawn for them."""

    sites: dict[str, SiteConfig]
    declares_main: frozenset[str]     # publishers whose pages declare their main domain as canonical
    self_copyright: frozenset[str]    # publishers that print their own copyright line under the text


def plan_sites(rng: random.Random, mix: Mix, stories: list[dict]) -> Plan:
    """One publisher per language (template drawn from the mix), republishers and the aggregator."""
    sites: dict[str, SiteConfig] = {}
    allowed = [t for t in PUBLISHER_TEMPLATES if t in mix.templates]
    for lang in mix.languages:
        pub = rng.choice(PUBLISHERS[lang])
        template = rng.choice(allowed)
        if lang == mix.required_language and mix.required_template is not None:
            template = mix.required_template
        sections = tuple(dict.fromkeys(s["section"] for s in stories if s["language"] == lang)) or ("News",)
        sites[f"pub-{lang}"] = site_config(f"pub-{lang}", pub.name, template, lang, pub.domain, owner=pub.owner,
                                           tagline=pub.tagline, sections=sections, name_as_url=rng.random() < 0.3,
                                           date_meta=rng.random() >= 0.3)
    for sid, (name, domain, template) in zip(("ngo", "notes", "voices"), REPUBLISHERS):
        template = template if template in mix.templates else rng.choice(allowed)    # a held-out one
        sites[sid] = site_config(sid, name, template, rng.choice(mix.languages), domain,
                                 sections=("News", "Republished"))
    sites[AGGREGATOR_ID] = site_config(AGGREGATOR_ID, AGGREGATOR[0], Template.AGGREGATOR, "en", AGGREGATOR[1],
                                       sections=("World",))
    publishers = [sid for sid in sites if sid.startswith("pub-")]
    return Plan(sites, frozenset(s for s in publishers if rng.random() < 0.5),
                frozenset(s for s in publishers if rng.random() < 0.5))


def site_varieties(site: SiteConfig) -> tuple[str, ...]:
    """Site-wide varieties: language, template, site name as a URL."""
    out = [f"language:{site.language}", f"template:{site.template}"]
    if site.name_as_url:
        out.append("site_name_url")
    if not site.date_meta:
        out.append("no_published_meta")
    return tuple(out)


# -- posts ---------------------------------------------------------------------------------------
def _placed(post: Post, skin) -> Post:  # noqa: ANN001 - a Skin
    path = skin.article_path(post)
    return replace(post, path=path, url=skin.url(path))


def _dateline(language: str, agency: str) -> str:
    return f"【{agency}】" if language in ("ja", "zh", "ko") else f"({agency}) – "


def original_post(rng: random.Random, text: dict, number: int, plan: Plan, skins: dict) -> Post:
    """A story as its publisher prints it, with the page varieties drawn for it."""
    sid = f"pub-{text['language']}"
    site = plan.sites[sid]
    published = START + timedelta(days=2 * number, hours=rng.randint(0, 9), minutes=rng.randint(0, 59))
    paragraphs, wire, credit, varieties = tuple(text["paragraphs"]), None, None, []
    if rng.random() < 0.3:
        agency, wire = rng.choice(AGENCIES)
        paragraphs = (_dateline(site.language, wire) + paragraphs[0], *paragraphs[1:])
        credit = f"© {agency} {published.year}"
        varieties.append("wire_credit")
    points = ()
    if rng.random() < 0.6:
        points = tuple(p.strip() for p in text.get("points", text["summary"]).split("|") if p.strip())
        varieties.append("summary_box")
    updated = None
    if rng.random() < 0.5:
        updated = published + timedelta(days=rng.randint(3, 30), hours=rng.randint(1, 9))
        varieties.append("updated_date")
    own = locales.rights_line(site.owner, published.year, site.language) if sid in plan.self_copyright else None
    varieties += ["self_copyright"] * bool(own) + ["truncated"] * (truncated := rng.random() < 0.2)
    post = Post(site=sid, story=text["id"], role=Role.SINGLETON, slug=text.get("slug") or text["id"],
                title=text["title"], author=text.get("author") or None, published=published,
                section=text["section"], tags=text["tags"], summary=text["summary"], paragraphs=paragraphs,
                credit=credit, language=site.language, updated=updated, points=points, wire=wire, copyright=own,
                truncated=truncated)
    post = _placed(post, skins[sid])
    if sid in plan.declares_main:
        post = replace(post, canonical="declared", declared=f"https://www.{site.domain}{urlsplit(post.url).path}")
        varieties.append("canonical_main_domain")
    return replace(post, varieties=(*varieties, *site_varieties(site)))


def _credited(rng: random.Random, publisher: SiteConfig) -> tuple[str, str]:
    """How a copy names the publisher: by name, by domain or by URL; (form, text)."""
    form = rng.choice(("name", "name", "domain", "url"))
    text = {"name": publisher.name, "domain": publisher.domain, "url": f"https://www.{publisher.domain}"}[form]
    return form, text


def copy_post(rng: random.Random, original: Post, publisher: SiteConfig, skin, n: int, *,  # noqa: ANN001
              partial: bool) -> Post:
    """A copy of ``original`` on ``skin``'s site, credited in that site's language: the full
    text (perhaps less its last paragraph) or, ``partial``, two thirds of it without the summary box."""
    site = skin.site
    form, origin = _credited(rng, publisher)
    varieties = [f"credit_language:{site.language}", f"credit_by_{form}"]
    if partial:
        paragraphs = original.paragraphs[: math.ceil(len(original.paragraphs) * 2 / 3)]
        credit, points = locales.continue_at(site.language, origin), ()
        varieties.append("partial_copy")
    else:
        paragraphs = original.paragraphs[:-1] if rng.random() < 0.3 else original.paragraphs
        credit = locales.credit(site.language, n, origin)
        points = original.points if rng.random() < 0.5 else ()
    if rng.random() < 0.3:
        credit = credit.lower()
        varieties.append("lowercase_credit")
    canonical = rng.choice(("none", "self", "original", "declared" if original.declared else "original"))
    declared = original.declared
    if canonical == "declared":
        varieties.append("copy_declares_main_domain")
    elif rng.random() < 0.15:       # a relative canonical that resolves nowhere (404)
        canonical, declared = "declared", f"/archive/{original.slug}-{n}"
        varieties.append("canonical_missing")
    post = Post(
        site=site.id, story=original.story, role=Role.MIRROR, slug=f"{original.slug}-{n}", title=original.title,
        author=original.author if rng.random() < 0.5 else None,
        published=original.published + timedelta(hours=rng.randint(2, 72)), section=site.sections[-1],
        tags=original.tags[:2], summary=original.summary, paragraphs=paragraphs, points=points, credit=credit,
        credit_top=rng.random() < 0.2, credit_link=rng.random() < 0.5, origin_name=origin,
        original_url=original.url, canonical=canonical, declared=declared, language=original.language,
        wire=original.wire)
    varieties += ["no_published_meta"] * (not site.date_meta)
    return replace(_placed(post, skin), varieties=(*varieties, f"language:{original.language}",
                                                   f"template:{site.template}"))


def excerpt_post(rng: random.Random, original: Post, publisher: SiteConfig, skin) -> Post:  # noqa: ANN001
    """An aggregator teaser: the first paragraph and "Read more at <publisher>"."""
    post = replace(original, site=skin.site.id, role=Role.EXCERPT, author=None, paragraphs=original.paragraphs[:1],
                   points=(), credit=f"Read more at {publisher.name}", origin_name=publisher.name, canonical="self",
                   declared=None, published=original.published + timedelta(hours=rng.randint(1, 5)), updated=None,
                   copyright=None, truncated=False, section=skin.site.sections[0], varieties=("excerpt",))
    return _placed(post, skin)


def story_posts(rng: random.Random, text: dict, number: int, plan: Plan, skins: dict) -> list[Post]:
    """A story's original and its copies: up to three copies on other sites, maybe a teaser."""
    original = original_post(rng, text, number, plan, skins)
    publisher = plan.sites[original.site]
    hosts = [sid for sid in plan.sites if sid not in (original.site, AGGREGATOR_ID)]
    copies = [copy_post(rng, original, publisher, skins[sid], n, partial=rng.random() < 0.35)
              for n, sid in enumerate(rng.sample(hosts, rng.choice((0, 1, 1, 2, 2, 3))))]
    if rng.random() < 0.3:
        copies.append(excerpt_post(rng, original, publisher, skins[AGGREGATOR_ID]))
    if copies:
        original = replace(original, role=Role.ORIGINAL)
    return [original, *copies]


# -- the web -------------------------------------------------------------------------------------
def generate_variety(origins: dict[str, str], *, seed: int = 1, mix: Mix | None = None) -> DemoWeb:
    """Build the web of ``seed`` for ``origins`` (site id -> origin; :func:`site_ids` names them).

    Deterministic: the same seed, mix and origins give the same bytes.
    """
    mix = mix or tuning_mix()
    missing = sorted(set(site_ids(mix)) - set(origins))
    if missing:
        raise ValueError(f"generate_variety() needs an origin for every site; missing: {', '.join(missing)}")
    rng = random.Random(seed)
    stories = load_stories(mix.languages, rng)
    plan = plan_sites(rng, mix, stories)
    skins = {sid: SKINS[site.template](site, origins[sid]) for sid, site in plan.sites.items()}
    rng.shuffle(stories)
    posts = [post for number, text in enumerate(stories) for post in story_posts(rng, text, number, plan, skins)]
    assembler = SiteAssembler(skins)
    for sid in plan.sites:
        if any(p.site == sid for p in posts):
            assembler.add_site(sid, [p for p in posts if p.site == sid])
    truth = assembler.truth(tuple(TruthStory(p.story, p.title, p.url, plan.sites[p.site].name)
                                  for p in posts if p.role in (Role.ORIGINAL, Role.SINGLETON)))
    seeds = tuple(url for site in truth.sites for url in (site.index, site.feed, site.sitemap, site.robots))
    return DemoWeb(dict(origins), assembler.files, truth, seeds, skins)
