"""URL normalisation through w3lib gives the url keys the hand-written normaliser gave, on every
link of the generated webs (the demo web and the benchmark web, with their tracking parameters,
fragments, default ports and mixed-case hosts); where the two differ, w3lib's is the better key."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import pytest

from archive.demo.sitegen import SITE_IDS
from archive.demo.sitegen import generate as generate_demo
from archive.extraction.urls import is_tracking_param, normalize_url, url_key
from benchmarks.webgen import SITES, generate_web

_HREF = re.compile(rb"""(?:href|src)=["']([^"']+)["']""")


def _former_normalize_url(url: str) -> str:
    """The hand-written normaliser w3lib replaced: the reference for the same-key test."""
    parts = urlsplit(url.strip())
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or {"http": 80, "https": 443}.get(scheme) == port else f"{host}:{port}"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_param(k))
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(query), ""))


def _former_url_key(url: str) -> str:
    parts = urlsplit(_former_normalize_url(url))
    key = parts.netloc + (parts.path.rstrip("/") or "/")
    return f"{key}?{parts.query}" if parts.query else key


def _links(origins: dict, files: dict) -> set[str]:
    """Every link and resource URL the pages of a generated web hold, made absolute."""
    found = set()
    for (site, key), resource in files.items():
        page = origins[site] + key
        for href in _HREF.findall(resource.body if isinstance(resource.body, bytes) else resource.body.encode()):
            url = urljoin(page, href.decode("utf-8", "replace").replace("&amp;", "&"))
            if url.startswith("http"):
                found.add(url)
    return found


def _generated(web: str):
    if web == "demo":
        return generate_demo({sid: f"http://127.0.0.{61 + i}:8000" for i, sid in enumerate(SITE_IDS)}, faults=True)
    return generate_web(40, {i: f"http://127.0.0.{121 + i}:9" for i in range(SITES)})


@pytest.mark.parametrize("web", ["demo", "benchmark"])
def test_w3lib_gives_the_former_url_keys_on_generated_webs(web):
    generated = _generated(web)
    links = _links(generated.origins, generated.files)
    assert len(links) > 100
    assert any("utm_" in url or "#" in url for url in links)        # the webs do carry the noise
    differing = {url: (url_key(url), _former_url_key(url)) for url in links if url_key(url) != _former_url_key(url)}
    assert differing == {}


@pytest.mark.parametrize("url, w3lib_key, former_key", [
    # one page, two spellings: the former kept them apart, w3lib gives one key
    ("http://a.test/caf%c3%a9", "a.test/caf%C3%A9", "a.test/caf%c3%a9"),
    ("http://a.test/caf\u00e9", "a.test/caf%C3%A9", "a.test/caf\u00e9"),
    ("http://a.test/%7Euser/notes", "a.test/~user/notes", "a.test/%7Euser/notes"),
])
def test_where_the_keys_differ_w3lib_gives_one_key_per_page(url, w3lib_key, former_key):
    assert url_key(url) == w3lib_key and _former_url_key(url) == former_key
    assert normalize_url(url) == normalize_url(normalize_url(url))      # idempotent


def test_tracking_parameters_fragments_and_default_ports_go():
    assert normalize_url("HTTPS://News.Example.org:443/a/?utm_source=x&b=2&fbclid=z&a=&pk_c=1#top") == \
        "https://news.example.org/a/?a=&b=2"
    assert url_key("http://a.test:8080/story/?replytocom=4&page=2") == "a.test:8080/story?page=2"
