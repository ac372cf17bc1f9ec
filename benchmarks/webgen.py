"""A generated news web of any size for benchmarks: sites built with the demo's templates, served on loopback.

Stories are filler prose made from a seed; about a third of them are republished on other sites
(mirrors with a paragraph cut, an editor's note and a credit line, under another headline),
some are teased by an aggregator, and some are look-alikes (a new story on the same site that
reuses a background paragraph of an older one).

>>> web = generate_web(40, {i: f"http://127.0.0.{90 + i}:8000" for i in range(SITES)})
>>> len(web.articles)
40
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import socket
import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from archive.demo.assemble import SiteAssembler, page_key
from archive.demo.model import Post, Role, SiteConfig, Template
from archive.demo.skins import SKINS

if TYPE_CHECKING:
    from archive.demo.model import Resource
    from archive.demo.templates import Skin

SITES = 8
TEMPLATES = (Template.PORTAL, Template.WORDPRESS, Template.BLOGGER, Template.WIX, Template.PORTAL,
             Template.WORDPRESS, Template.BLOGGER, Template.AGGREGATOR)
START = datetime(2023, 1, 2, 8, 0, tzinfo=timezone.utc)
_NAMES = ("Harbour Ledger", "Valley Courier", "Northfield Post", "Civic Lantern", "Ridge Times",
          "Coastline Review", "Market Square Journal", "Morning Digest")
_VOCAB = (
    "council harbour river budget school bridge market farmers station report mayor plan water road city "
    "village union court minister festival museum hospital railway ferry tower garden library forest energy "
    "storm coast island factory airport police teachers nurses students voters tax housing rent prices wages "
    "fishermen builders engineers doctors judges province district valley mountain lake north south east west "
    "new old large small early late said announced warned agreed refused opened closed approved rejected "
    "delayed expanded reduced after before during while because although since until when where which who "
    "that this those morning evening week month year decade spring summer autumn winter officials residents "
    "workers leaders critics experts groups families children owners visitors drivers the a of to in and for "
    "on with at by from about over under between against its their our more most less than some many every"
).split()


def _sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(_VOCAB) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng, rng.randint(9, 22)) for _ in range(rng.randint(2, 4)))


@dataclass(frozen=True, slots=True)
class Web:
    """The generated web: ``files`` keyed by ``(site index, page key)``, article URLs and seeds."""

    origins: dict[int, str]
    files: dict[tuple[int, str], Resource]
    articles: tuple[str, ...]
    seeds: tuple[str, ...]

    def urls(self) -> list[str]:
        """Every HTML page of the web (articles, listings, static pages), absolute."""
        return [self.origins[site] + path for (site, path), res in sorted(self.files.items())
                if res.content_type.startswith("text/html")]


def _site(index: int) -> SiteConfig:
    template = TEMPLATES[index % len(TEMPLATES)]
    name = _NAMES[index % len(_NAMES)] + (f" {index // len(_NAMES) + 1}" if index >= len(_NAMES) else "")
    return SiteConfig(id=f"s{index}", name=name, template=template, tagline=f"News and notes from {name}",
                      about=f"{name} is an independent newsroom run by its readers.",
                      sections=("Local", "Economy", "Environment"), feed="/feed/", feed_kind="rss",
                      sitemap="/sitemap.xml", sitemap_kind="plain", jsonld=index % 2 == 0, page_size=25)


def _placed(post: Post, skin: Skin) -> Post:
    path = skin.article_path(post)
    return replace(post, path=path, url=skin.url(path))


def _story(rng: random.Random, number: int, site: int, skin: Skin, when: datetime) -> Post:
    title = _sentence(rng, rng.randint(5, 9))[:-1]
    paragraphs = tuple(_paragraph(rng) for _ in range(rng.randint(6, 14)))
    post = Post(site=f"s{site}", story=f"st{number}", role=Role.SINGLETON, slug=f"story-{number}-{title.split()[0].lower()}",
                title=title, author=rng.choice(("Ana Ruiz", "Tom Hale", "Mira Osei", None)), published=when,
                section=rng.choice(("Local", "Economy", "Environment")), tags=(), summary=paragraphs[0][:160],
                paragraphs=paragraphs)
    return _placed(post, skin)


def _mirror(rng: random.Random, original: Post, site: int, skin: Skin, publisher: str, n: int) -> Post:
    cut = rng.randint(0, 2) if len(original.paragraphs) > 6 else 0
    post = replace(
        original, site=f"s{site}", role=Role.MIRROR, slug=f"republished-{n}-{original.slug}",
        title=_sentence(rng, 6)[:-1], published=original.published + timedelta(hours=rng.randint(2, 40)),
        paragraphs=original.paragraphs[: len(original.paragraphs) - cut],
        notes_top=(f"Editor's note: this story first appeared in {publisher}.",) if rng.random() < 0.5 else (),
        credit=f"This article was originally published by {publisher}.", origin_name=publisher,
        original_url=original.url, canonical="original" if rng.random() < 0.4 else "self")
    return _placed(post, skin)


def _excerpt(original: Post, site: int, skin: Skin, publisher: str) -> Post:
    post = replace(original, site=f"s{site}", role=Role.EXCERPT, author=None, paragraphs=original.paragraphs[:1],
                   credit=f"Read more at {publisher}", origin_name=publisher, original_url=original.url,
                   canonical="self", published=original.published + timedelta(hours=1))
    return _placed(post, skin)


def _posts(n_pages: int, skins: dict[str, Skin], seed: int) -> list[Post]:
    """``n_pages`` article pages: originals, mirrors, excerpts and look-alikes."""
    rng = random.Random(seed)
    aggregator = next(i for i in range(SITES) if TEMPLATES[i] is Template.AGGREGATOR)
    publishers = [i for i in range(SITES) if i != aggregator]
    posts: list[Post] = []
    originals: list[Post] = []
    number = 0
    while len(posts) < n_pages:
        number += 1
        when = START + timedelta(minutes=37 * number)
        roll = rng.random()
        if originals and roll < 0.30:                       # a mirror on another site
            original = rng.choice(originals)
            home = int(original.site[1:])
            site = rng.choice([i for i in publishers if i != home])
            posts.append(_mirror(rng, original, site, skins[f"s{site}"], skins[original.site].site.name, number))
        elif originals and roll < 0.36:                     # an aggregator teaser
            original = rng.choice(originals)
            posts.append(_excerpt(original, aggregator, skins[f"s{aggregator}"], skins[original.site].site.name))
        else:
            site = rng.choice(publishers)
            post = _story(rng, number, site, skins[f"s{site}"], when)
            older = [p for p in originals[-50:] if p.site == post.site]
            if older and roll > 0.92:                       # a look-alike: same site, shared background
                background = rng.choice(older).paragraphs[-1]
                post = replace(post, paragraphs=post.paragraphs[:-1] + (background,))
            originals.append(post)
            posts.append(post)
    return posts


def generate_web(n_pages: int, origins: dict[int, str], *, seed: int = 7) -> Web:
    """Build a web of ``n_pages`` article pages over ``SITES`` sites at ``origins`` (index -> origin)."""
    skins = {f"s{i}": SKINS[_site(i).template](_site(i), origins[i]) for i in range(SITES)}
    posts = _posts(n_pages, skins, seed)
    assembler = SiteAssembler(skins)
    for i in range(SITES):
        site_posts = [p for p in posts if p.site == f"s{i}"]
        if site_posts:
            assembler.add_site(f"s{i}", site_posts)
    by_site = {sid: [p for p in posts if p.site == sid] for sid in skins}
    articles = {(p.site, page_key(p.path)) for p in posts}
    listings = {sid: sorted(key for (site, key), res in assembler.files.items() if site == sid and
                            (sid, key) not in articles and res.content_type.startswith("text/html")) for sid in skins}
    extras = {sid: _site_chrome(int(sid[1:]), skin, by_site[sid], listings[sid]) for sid, skin in skins.items()}
    by_key = {(p.site, page_key(p.path)): p for p in posts}
    files = {(int(sid[1:]), key): _with_chrome(res, extras[sid], _page_chrome(key, skins[sid], by_site[sid] or posts,
                                                                                by_key.get((sid, key))))
             for (sid, key), res in assembler.files.items()}
    seeds = tuple(origins[i] + "/" for i in range(SITES)) + tuple(origins[i] + "/sitemap.xml" for i in range(SITES))
    return Web(dict(origins), files, tuple(p.url for p in posts), seeds)


# -- page chrome ------------------------------------------------------------------------------
#
# Real news article pages weigh 60-200 KB of HTML, most of it not the story: inline CSS and a
# script bundle, JSON-LD, a mega-menu, share buttons with inline SVG icons, a cookie banner, a
# related-stories box, a comment thread and a footer of link columns. Each site here gets its own
# fixed chrome (about 55-125 KB, by site) and each page its own related stories, comments (not on
# the aggregator), breadcrumb JSON-LD and analytics call: article pages come out at 60-130 KB.

_ICON = ('<svg class="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path d="{d}"/></svg>')


def _identifier(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 7)))


def _script_bundle(rng: random.Random, kib: int) -> str:
    """Minified-looking JavaScript of about ``kib`` KB (an ad, consent and analytics bundle)."""
    out: list[str] = []
    size = 0
    while size < kib * 1024:
        name, args = _identifier(rng), ",".join(_identifier(rng) for _ in range(rng.randint(1, 4)))
        body = ";".join(f"var {_identifier(rng)}={rng.randrange(10**6)}*{_identifier(rng)}.{_identifier(rng)}"
                        f"(\"{_identifier(rng)}\")" for _ in range(rng.randint(3, 9)))
        chunk = f"function {name}({args}){{{body};return {rng.choice(args.split(','))}}}"
        out.append(chunk)
        size += len(chunk)
    return ";".join(out)


def _stylesheet(index: int, rules: int) -> str:
    return "\n".join(f".c{index}-{i} {{ margin: {i % 7}px; padding: {i % 5}px; color: #{i * 2654435761 % 0xFFFFFF:06x}; }}"
                     for i in range(rules))


def _site_chrome(index: int, skin: Skin, posts: list[Post], pages: list[str]) -> tuple[bytes, bytes, bytes]:
    """A site's fixed chrome: what goes in ``<head>``, what opens the body, what closes it. Menu and
    footer links point at the site's own listing and static ``pages`` (none of them is a dead link)."""
    rng = random.Random(index)
    pages = pages or ["/"]
    scale = 1 + index % 3                       # sites differ in weight
    style = _stylesheet(index, 300 * scale)
    bundle = _script_bundle(rng, 18 * scale)
    consent = _script_bundle(rng, 4)
    head = (f"<style>{style}</style>\n<script>window.dataLayer = window.dataLayer || [];{bundle}</script>\n"
            f'<script>/* consent manager */{consent}</script>\n'
            f'<link rel="preload" href="/assets/app.{rng.randrange(16**8):08x}.js" as="script">\n').encode()
    sections = rng.sample(_VOCAB, 12)
    menu = "".join(
        f'<li class="menu-item"><a href="{skin.href(rng.choice(pages))}">{w.capitalize()}</a><ul class="sub-menu">'
        + "".join(f'<li><a href="{skin.href(rng.choice(pages))}">{v.capitalize()}</a></li>' for v in rng.sample(_VOCAB, 6))
        + "</ul></li>" for w in sections)
    icons = "".join(f'<a class="social {n}" href="https://{n}.example/{skin.site.id}" rel="noopener">'
                    f'{_ICON.format(d=_svg_path(rng))}<span class="sr-only">{n.capitalize()}</span></a>'
                    for n in ("facebook", "twitter", "instagram", "youtube", "linkedin"))
    top = (f'<div id="cookie-banner" class="consent" role="dialog"><p>We use cookies to improve your '
           f'experience and to show you relevant advertising.</p><button>Accept all</button>'
           f'<button>Manage preferences</button></div>\n'
           f'<div class="mega-menu" role="navigation"><ul>{menu}</ul><div class="follow">{icons}</div></div>\n'
           f'<div class="ad-slot ad-leaderboard" data-slot="top" data-sizes="[[728,90],[970,250]]"></div>\n').encode()
    popular = "".join(f'<li><a href="{skin.href(p.path)}">{p.title}</a></li>' for p in posts[-10:])
    columns = "".join(
        f'<div class="footer-col"><h4>{w.capitalize()}</h4><ul>'
        + "".join(f'<li><a href="{skin.href(rng.choice(pages))}">{v.capitalize()} {u}</a></li>'
                  for v, u in zip(rng.sample(_VOCAB, 8), rng.sample(_VOCAB, 8)))
        + "</ul></div>" for w in rng.sample(_VOCAB, 5))
    legal = "".join(f"<p>{_sentence(rng, 12)}</p>" for _ in range(4))
    bottom = (f'<aside class="most-read"><h3>Most read</h3><ol>{popular}</ol></aside>\n'
              f'<div class="newsletter-signup"><form action="/newsletter/" method="post"><label>Get the '
              f'morning briefing in your inbox</label><input type="email" name="email"><button>Sign up'
              f'</button></form></div>\n<footer class="site-footer">{columns}<div class="legal">{legal}</div>'
              f'</footer>\n').encode()
    return head, top, bottom


def _svg_path(rng: random.Random) -> str:
    return "M" + " ".join(f"{rng.uniform(0, 24):.3f} {rng.uniform(0, 24):.3f}" for _ in range(rng.randint(20, 40))) + "Z"


def _page_chrome(key: str, skin: Skin, posts: list[Post], post: Post | None) -> tuple[bytes, bytes, bytes]:
    """One page's own chrome: breadcrumb JSON-LD and an analytics call (head), related stories and
    a comment thread (after the article), from a random generator seeded by the page."""
    rng = random.Random(f"{skin.site.id}{key}")
    breadcrumb = json.dumps({"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": [
        {"@type": "ListItem", "position": 1, "name": "Home", "item": skin.url("/")},
        {"@type": "ListItem", "position": 2, "name": (post.section if post else "News"),
         "item": skin.url(f"/section/{(post.section if post else 'news').lower()}/")}]})
    head = (f'<script type="application/ld+json">{breadcrumb}</script>\n<script>window.dataLayer.push('
            f'{{"event":"pageview","page":"{key}","id":"{rng.randrange(16**12):012x}"}});</script>\n').encode()
    if post is None:
        return head, b"", b""
    others = [p for p in rng.sample(posts, min(len(posts), 7)) if p.path != post.path][:6]
    related = "".join(f'<li class="related-item"><a href="{skin.href(p.path)}"><img src="/img/{p.slug}-320.jpg" '
                      f'alt="" loading="lazy"><span class="related-title">{p.title}</span></a></li>' for p in others)
    comments = "".join(
        f'<li class="comment" id="comment-{rng.randrange(10**7)}"><div class="comment-meta"><span class="comment-author">'
        f'{rng.choice(_COMMENTERS)}</span> <time>{rng.randint(1, 23)} hours ago</time></div><div class="comment-body">'
        + "".join(f"<p>{_sentence(rng, rng.randint(8, 20))}</p>" for _ in range(rng.randint(1, 3)))
        + '</div><a class="reply" href="#respond">Reply</a></li>' for _ in range(rng.randint(3, 14)))
    thread = (f'<section id="comments" class="comments-area"><h2>{rng.randint(3, 90)} comments</h2>'
              f'<ol class="comment-list">{comments}</ol><div id="respond"><form action="/comments/" method="post">'
              f'<textarea name="comment"></textarea><button>Post comment</button></form></div></section>\n')
    if skin.site.template is Template.AGGREGATOR:      # a digest of teasers has no comment thread
        thread = ""
    after = f'<aside class="related-stories"><h2>Related stories</h2><ul>{related}</ul></aside>\n{thread}'.encode()
    return head, b"", after


_COMMENTERS = ("river_watcher", "J. Marsh", "localreader42", "Pat O.", "harbourfan", "M. Lindqvist", "anon")


def _with_chrome(resource: Resource, site: tuple[bytes, bytes, bytes], page: tuple[bytes, bytes, bytes]) -> Resource:
    if not resource.content_type.startswith("text/html") or b"</body>" not in resource.body:
        return resource
    body = resource.body.replace(b"</head>", site[0] + page[0] + b"</head>", 1)
    opening = re.search(rb"<body[^>]*>", body)
    if opening:
        body = body[:opening.end()] + site[1] + body[opening.end():]
    closing = body.rfind(b"</article>")
    after = page[2]
    if closing >= 0 and after:
        body = body[:closing + 10] + after + body[closing + 10:]
        after = b""
    return replace(resource, body=body.replace(b"</body>", after + site[2] + b"</body>", 1))


# -- serving -----------------------------------------------------------------------------------

def _response(resource: Resource | None) -> bytes:
    if resource is None:
        return b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nnot found"
    head = (f"HTTP/1.1 {resource.status} OK\r\nContent-Type: {resource.content_type}\r\n"
            f"Content-Length: {len(resource.body)}\r\n\r\n")
    return head.encode("latin-1") + resource.body


class _Protocol(asyncio.Protocol):
    """A minimal HTTP/1.1 keep-alive server: pre-built responses, GET and HEAD only."""

    def __init__(self, responses: dict[str, bytes]) -> None:
        self.responses = responses
        self.buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            parts = head.split(b"\r\n", 1)[0].split()
            target = parts[1].decode("latin-1") if len(parts) > 1 else "/"
            reply = self.responses.get(page_key(target)) or self.responses["\0missing"]
            self.transport.write(reply)


class WebServer:
    """Serve a generated web on 127.0.0.(first + i), one port per site, from a background thread."""

    def __init__(self, first: int = 121) -> None:
        self.sockets = []
        for i in range(SITES):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((f"127.0.0.{first + i}", 0))
            self.sockets.append(sock)
        self.origins = {i: "http://{}:{}".format(*s.getsockname()) for i, s in enumerate(self.sockets)}
        self._loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None

    def serve(self, web: Web) -> None:
        tables: dict[int, dict[str, bytes]] = {i: {"\0missing": _response(None)} for i in range(SITES)}
        for (site, key), resource in web.files.items():
            tables[site][key] = _response(resource)

        async def start() -> None:
            for i, sock in enumerate(self.sockets):
                await self._loop.create_server(lambda i=i: _Protocol(tables[i]), sock=sock, backlog=256)

        self._loop.run_until_complete(start())
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        if self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
        for sock in self.sockets:
            sock.close()

    def __enter__(self) -> WebServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def host_of_origin(origin: str) -> str:
    return urlsplit(origin).netloc
