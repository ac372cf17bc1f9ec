"""Article pages the tests generate: a news template and a heavily templated site builder's."""

from __future__ import annotations

from datetime import datetime
from html import escape

SITE_BUILDER_CHROME_TOP = ["top of page", "Log In"]
SITE_BUILDER_CHROME_BOTTOM = ["Share post", "Grey Facebook Icon", "Grey Twitter Icon", "Recent Posts", "See All"]


def news_page(*, site: str, title: str, paragraphs: list[str], author: str | None = None,
              published: datetime | None = None, canonical: str | None = None, after: list[str] = (),
              related: list[tuple[str, str]] = (), head: str = "", footer: str = "", lang: str = "en") -> str:
    """A news article page: masthead, headline, byline, body, closing lines and a related-stories list.

    ``head`` is more markup for <head> (JSON-LD, more dates); ``footer`` replaces the footer's line."""
    meta = [f'<meta property="og:type" content="article"><meta property="og:site_name" content="{escape(site)}">', head]
    if published:
        meta.append(f'<meta property="article:published_time" content="{published.isoformat()}">')
    if canonical:
        meta.append(f'<link rel="canonical" href="{escape(canonical)}">')
    byline = f'<p class="byline">By {escape(author)}</p>' if author else ""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    closing = "".join(f"<p>{line}</p>" for line in after)
    more = "".join(f'<li><a href="{escape(href)}">{escape(text)}</a></li>' for href, text in related)
    return f"""<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{escape(title)} | {escape(site)}</title>
{''.join(meta)}</head><body>
<header class="site-header"><a href="/">{escape(site)}</a><p class="tagline">News from every corner of the valley and beyond</p>
<nav><a href="/world/">World</a> <a href="/local/">Local</a></nav></header>
<main><article><h1>{escape(title)}</h1>{byline}<div class="story-body">{body}{closing}</div></article>
<section class="more"><h2>More stories</h2><ul>{more}</ul></section></main>
<footer><p>{footer or "Copyright notice of the site and its owners, all rights kept for the text."}</p></footer>
</body></html>"""


def builder_page(*, site: str, title: str, paragraphs: list[str], blurb: str) -> str:
    """A post on a site-builder template that leaves its chrome inside the post container."""
    top = "".join(f"<p>{escape(line)}</p>" for line in SITE_BUILDER_CHROME_TOP)
    bottom = "".join(f"<p>{escape(line)}</p>" for line in SITE_BUILDER_CHROME_BOTTOM)
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)}</title>
<meta property="og:type" content="article"><meta property="og:site_name" content="{escape(site)}"></head><body>
<div class="post">{top}<h1>{escape(title)}</h1>{body}<p>Follow {escape(site)} for more updates</p>
<p>{escape(blurb)}</p>{bottom}</div></body></html>"""


_AD = ('<div class="ad full-bleed"><span class="ad-label">Advertisement</span>'
       '<div class="ad-wrapper"><div class="slot"></div></div></div>')


def split_page(*, site: str, title: str, chunks: list[list[str]], article_body: str | None = None) -> str:
    """An article whose body is split over several containers with advertisements between them (an
    extractor that keeps one container keeps a stub), optionally declaring its whole body in JSON-LD."""
    import json

    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title}
    if article_body is not None:
        ld["articleBody"] = article_body
    parts = []
    for n, chunk in enumerate(chunks):
        head = (f'<header class="grid__header"><h1>{escape(title)}</h1><div class="meta">By '
                f'<a href="/author/ann-marsh/">Ann Marsh</a></div></header>') if n == 0 else ""
        inner = "".join(f"<p>{escape(p)}</p>" for p in chunk)
        parts.append(f'<div class="grid"><div class="grid__container">{head}<div class="grid__content article__content">{inner}</div>'
                     f'</div><aside class="grid__sidebar">{_AD}</aside></div>{_AD}')
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<meta property="og:type" content="article"><meta property="og:site_name" content="{escape(site)}">
<script type="application/ld+json">{escape(json.dumps(ld), quote=False)}</script></head><body>
<header class="site-header"><a href="/">{escape(site)}</a></header>
<div class="container"><article class="article">{''.join(parts)}</article></div>
<footer><p>Copyright notice of the site and its owners, all rights kept for the text.</p></footer></body></html>"""
