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
import random
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
    extras = {sid: _site_chrome(int(sid[1:]), skin, [p for p in posts if p.site == sid]) for sid, skin in skins.items()}
    files = {(int(sid[1:]), key): _with_chrome(res, extras[sid]) for (sid, key), res in assembler.files.items()}
    seeds = tuple(origins[i] + "/" for i in range(SITES)) + tuple(origins[i] + "/sitemap.xml" for i in range(SITES))
    return Web(dict(origins), files, tuple(p.url for p in posts), seeds)


def _site_chrome(index: int, skin: Skin, posts: list[Post]) -> tuple[bytes, bytes]:
    """What real news pages carry besides the story: inline styles and scripts, a mega-menu, a
    "most read" box and a long footer (about 40 KB a page, as on many news sites)."""
    rng = random.Random(index)
    style = "\n".join(f".c{index}-{i} {{ margin: {i % 7}px; padding: {i % 5}px; color: #{i * 2654435761 % 0xFFFFFF:06x}; }}"
                      for i in range(300))
    script = "\n".join(f"window.dataLayer.push({{event: 'slot{i}', id: {rng.randrange(10**6)}}});" for i in range(200))
    head = f"<style>{style}</style>\n<script>window.dataLayer = [];\n{script}</script>\n".encode()
    menu = "".join(f'<li><a href="/section/{w}/">{w.capitalize()}</a></li>' for w in rng.sample(_VOCAB, 60))
    popular = "".join(f'<li><a href="{skin.href(p.path)}">{p.title}</a></li>' for p in posts[-10:])
    footer = "".join(f"<p>{_sentence(rng, 12)}</p>" for _ in range(4))
    body = (f'<div class="mega-menu"><ul>{menu}</ul></div>\n<aside class="most-read"><h3>Most read</h3>'
            f'<ol>{popular}</ol></aside>\n<div class="legal">{footer}</div>\n').encode()
    return head, body


def _with_chrome(resource: Resource, chrome: tuple[bytes, bytes]) -> Resource:
    if not resource.content_type.startswith("text/html") or b"</body>" not in resource.body:
        return resource
    head, body = chrome
    return replace(resource, body=resource.body.replace(b"</head>", head + b"</head>", 1)
                   .replace(b"</body>", body + b"</body>", 1))


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
