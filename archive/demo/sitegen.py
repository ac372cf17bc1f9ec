"""Generator of the bundled offline demo news web: every page, feed and sitemap in memory, plus ground truth.

>>> from archive.demo.sitegen import SITE_IDS, generate
>>> web = generate({sid: f"http://127.0.0.{61 + i}:8000" for i, sid in enumerate(SITE_IDS)})
>>> web.seeds[0]
'http://127.0.0.61:8000/'
>>> sorted({str(a.role) for a in web.truth.articles})
['excerpt', 'mirror', 'original', 'singleton']

Stories and short posts live in ``texts/*.txt`` (a ``key: value`` header, a blank line, then
paragraphs separated by blank lines); ``texts/web.json`` names the sites and says which story is
republished where, with which edits.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from importlib import resources
from pathlib import Path

from archive.demo.assemble import FAULT_SITE, HTML, STATIC_DATE, SiteAssembler, page_key
from archive.demo.edits import apply_edits, straighten
from archive.demo.model import Post, Resource, Role, SiteConfig, Template, Truth, TruthStory
from archive.demo.skins import SKINS
from archive.demo.templates import Link, Skin

logger = logging.getLogger(__name__)

SITE_IDS = ("meridian", "courier", "greenbridge", "civicnotebook", "lowmoor", "digest")
_CALENDAR = re.compile(r"^/calendar/(\d{4})/(\d{2})/$")


@dataclass(frozen=True, slots=True)
class DemoWeb:
    """The generated web: ``files`` keyed by ``(site_id, page_key)``, ground ``truth`` and crawl ``seeds``."""

    origins: dict[str, str]
    files: dict[tuple[str, str], Resource]
    truth: Truth
    seeds: tuple[str, ...]
    skins: dict[str, Skin] = field(repr=False, compare=False)

    def resolve(self, site_id: str, target: str) -> Resource | None:
        """The resource a request target on a site answers with, or None (404).

        Tracking parameters and fragments are ignored; ``/calendar/YYYY/MM/`` pages are made
        on demand, without end (a crawler trap that robots.txt disallows).
        """
        key = page_key(target)
        found = self.files.get((site_id, key))
        if found is not None:
            return found
        match = _CALENDAR.match(key)
        if match and 1900 <= int(match[1]) <= 2999 and 1 <= int(match[2]) <= 12:
            body = self.skins[site_id].render_calendar(int(match[1]), int(match[2]))
            return Resource(HTML, body, STATIC_DATE)
        return None

    def truth_json(self) -> str:
        """The ground truth as indented JSON."""
        return json.dumps(self.truth.as_dict(), indent=2, ensure_ascii=False, sort_keys=True)

    def write_truth(self, path: str | Path) -> None:
        """Write :meth:`truth_json` to ``path``."""
        Path(path).write_text(self.truth_json() + "\n", encoding="utf-8")


# -- loading -----------------------------------------------------------------------------------
def parse_text(raw: str) -> dict:
    """Split one ``texts/*.txt`` file into its header fields and ``paragraphs``."""
    header, _, body = raw.strip().partition("\n\n")
    fields: dict = {}
    for line in header.splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    fields["tags"] = tuple(t.strip() for t in fields.get("tags", "").split(",") if t.strip())
    fields["paragraphs"] = tuple(" ".join(p.split()) for p in body.split("\n\n") if p.strip())
    return fields


def load_texts() -> tuple[dict, dict[str, dict]]:
    """The site plan (``web.json``) and every text by id, in file-name order."""
    folder = resources.files("archive.demo") / "texts"
    plan = json.loads((folder / "web.json").read_text(encoding="utf-8"))
    texts = {}
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".txt"):
            text = parse_text(item.read_text(encoding="utf-8"))
            texts[text["id"]] = text
    return plan, texts


def site_configs(plan: dict) -> dict[str, SiteConfig]:
    """``SiteConfig`` objects from the plan's ``sites`` list."""
    out = {}
    for raw in plan["sites"]:
        values = dict(raw, template=Template(raw["template"]), sections=tuple(raw["sections"]),
                      amp=tuple(raw.get("amp", ())), hidden=tuple(raw.get("hidden", ())))
        out[raw["id"]] = SiteConfig(**values)
    return out


# -- posts -------------------------------------------------------------------------------------
def _placed(post: Post, skin: Skin) -> Post:
    path = skin.article_path(post)
    return replace(post, path=path, url=skin.url(path))


def original_posts(texts: dict[str, dict], copied: set[str], sites: dict[str, SiteConfig],
                   skins: dict[str, Skin]) -> dict[str, Post]:
    """Every text as published first, by story id."""
    posts = {}
    for sid, text in texts.items():
        role = Role.ORIGINAL if sid in copied else Role.SINGLETON
        post = Post(site=text["site"], story=sid, role=role, slug=text["slug"], title=text["title"],
                    author=text.get("author") or None, published=datetime.fromisoformat(text["published"]),
                    section=text["section"], tags=text["tags"], summary=text["summary"],
                    paragraphs=text["paragraphs"], hidden=sid in sites[text["site"]].hidden)
        posts[sid] = _placed(post, skins[post.site])
    return posts


def mirror_post(spec: dict, original: Post, publisher: str, skin: Skin) -> Post:
    """A republished copy of ``original`` edited as ``spec`` says."""
    straightened = ["straighten"] in spec["edits"]
    post = Post(
        site=spec["site"], story=original.story, role=Role.MIRROR, slug=spec["slug"],
        title=spec.get("title", original.title), author=original.author if spec["byline"] else None,
        published=datetime.fromisoformat(spec["published"]), section=spec["section"],
        tags=tuple(spec.get("tags", original.tags)),
        summary=straighten(original.summary) if straightened else original.summary,
        paragraphs=apply_edits(original.paragraphs, spec["edits"]),
        notes_top=tuple(spec.get("notes_top", ())), notes_bottom=tuple(spec.get("notes_bottom", ())),
        credit=spec.get("credit"), credit_top=spec.get("credit_position") == "top",
        credit_link=spec.get("credit_link", False), origin_name=publisher, original_url=original.url,
        canonical=spec["canonical"], hidden=spec.get("hidden", False),
    )
    return _placed(post, skin)


def excerpt_post(spec: dict, original: Post, publisher: str, skin: Skin) -> Post:
    """An aggregator teaser of ``original``: its first paragraph and a "Read more at" link."""
    post = Post(
        site=skin.site.id, story=original.story, role=Role.EXCERPT, slug=original.slug, title=original.title,
        author=None, published=datetime.fromisoformat(spec["published"]), section=spec["section"],
        tags=original.tags[:2], summary=original.summary, paragraphs=original.paragraphs[:1],
        credit=f"Read more at {publisher}", origin_name=publisher, original_url=original.url,
    )
    return _placed(post, skin)


def all_posts(plan: dict, texts: dict[str, dict], sites: dict[str, SiteConfig],
              skins: dict[str, Skin]) -> list[Post]:
    """Originals, mirrors and excerpts of the whole web."""
    copied = {m["story"] for m in plan["mirrors"]} | {e["story"] for e in plan["excerpts"]}
    originals = original_posts(texts, copied, sites, skins)
    posts = list(originals.values())
    for spec in plan["mirrors"]:
        original = originals[spec["story"]]
        posts.append(mirror_post(spec, original, sites[original.site].name, skins[spec["site"]]))
    aggregator = next(s for s in sites.values() if s.template is Template.AGGREGATOR)
    for spec in plan["excerpts"]:
        original = originals[spec["story"]]
        posts.append(excerpt_post(spec, original, sites[original.site].name, skins[aggregator.id]))
    return posts


def fault_links(faults: bool) -> tuple[Link, ...]:
    """Footer links to the fault pages (only when faults are on)."""
    if not faults:
        return ()
    return (Link("Server status", "/status/server-error"), Link("Print edition", "/archive/empty/"),
            Link("Old website", "/archive/legacy.html"), Link("Full archive", "/archive/slow/"))


def generate(origins: dict[str, str], *, faults: bool = False) -> DemoWeb:
    """Build the demo web for ``origins`` (site id -> ``"http://127.0.0.X:PORT"``).

    Deterministic: the same origins give the same bytes. With ``faults=True`` one site also
    links to a 500 page, a PDF, an empty page, a truncated page and a slow page.
    """
    missing = sorted(set(SITE_IDS) - set(origins))
    if missing:
        raise ValueError(f"generate() needs an origin for every site; missing: {', '.join(missing)}")
    plan, texts = load_texts()
    sites = site_configs(plan)
    skins = {sid: SKINS[sites[sid].template](sites[sid], origins[sid],
                                            fault_links(faults) if sid == FAULT_SITE else ())
             for sid in SITE_IDS}
    posts = all_posts(plan, texts, sites, skins)
    assembler = SiteAssembler(skins, faults=faults)
    for sid in SITE_IDS:
        assembler.add_site(sid, [p for p in posts if p.site == sid])
    stories = tuple(
        TruthStory(p.story, p.title, p.url, sites[p.site].name)
        for p in posts if p.role in (Role.ORIGINAL, Role.SINGLETON)
    )
    truth = assembler.truth(stories)
    seeds = tuple(url for site in truth.sites for url in (site.index, site.feed, site.sitemap, site.robots))
    logger.debug("demo web: %d files, %d articles", len(assembler.files), len(truth.articles))
    return DemoWeb(dict(origins), assembler.files, truth, seeds, skins)


__all__ = ["SITE_IDS", "DemoWeb", "generate", "page_key"]
