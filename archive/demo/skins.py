"""The five site templates of the demo web: portal, Wix-like, WordPress-like, Blogger-like, aggregator."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from archive.demo.model import Template
from archive.demo.newsroom import NewsroomSkin
from archive.demo.templates import Link, Skin, attr, esc, link_items, long_date, short_date, slugify

if TYPE_CHECKING:
    from archive.demo.model import Post


_CLASS = re.compile(r' class="[^"]*"')


def _others(post: Post, site_posts: list[Post], count: int) -> list[Post]:
    return [p for p in site_posts if p.path != post.path][:count]


class PortalSkin(Skin):
    """A news publisher: masthead, sections, breadcrumb, related links, newsletter box, AMP copies."""

    template = Template.PORTAL
    broken_paths = ("/archive/2021/11/removed-story/",)

    def newsletter_line(self) -> str:
        return f"Get {self.site.name} in your inbox every Friday."

    def render_article(self, post: Post, site_posts: list[Post]) -> tuple[bytes, tuple[str, ...]]:
        line = self.newsletter_line()
        box = f'<aside class="newsletter"><p>{esc(line)}</p></aside>'
        blocks = self.body_blocks(post, {min(2, len(post.paragraphs) - 1): box})
        byline = f'By <span class="author">{esc(post.author)}</span> · ' if post.author else ""
        tags = link_items(self.tag_links(post.tags))
        related = [(Link(p.title, self.href(p.path) + "?utm_source=related&utm_medium=article"), p.published)
                   for p in _others(post, site_posts, 3)]
        related.append((Link("From the archive: the story we corrected", self.broken_paths[0]), None))
        rel = "".join(f'<li><a href="{link.href}">{esc(link.title)}</a>{self.list_date(when)}</li>'
                      for link, when in related)
        inner = (
            f'<nav class="breadcrumb"><a href="/">Home</a> › '
            f'<a href="{self.href(self.section_path(post.section))}">{esc(post.section)}</a></nav>\n'
            f'<article class="story"><h1 class="headline">{esc(post.title)}</h1>\n'
            f'<p class="byline">{byline}<time datetime="{post.published.isoformat()}">'
            f"{long_date(post.published)}</time>{self.updated_html(post)}</p>\n"
            f'<div class="story-body">\n' + "\n".join(blocks) + "\n</div>\n"
            f'<ul class="tags">{tags}</ul></article>\n'
            f'<section class="related"><h2>Related</h2><ul>{rel}</ul></section>'
        )
        extra = ""
        if post.story in self.site.amp and post.site == self.site.id:
            extra = f'\n<link rel="amphtml" href="{attr(self.url(self.amp_path(post)))}">'
        page = self.story_page(post, self.frame(inner), body_class="article", extra=extra)
        return page, (line, *self.own_lines(post))



    def amp_path(self, post: Post) -> str:
        return "/amp" + post.path

    def render_amp(self, post: Post) -> bytes:
        """The AMP copy of an article: minimal markup, ``rel=canonical`` to the article."""
        head = (f'<meta charset="utf-8"><title>{esc(post.title)}</title>'
                f'<link rel="canonical" href="{attr(post.url)}">'
                '<meta name="viewport" content="width=device-width,minimum-scale=1">'
                "<style amp-boilerplate>body{visibility:hidden}</style>")
        body = "".join(f"<p>{esc(p)}</p>" for p in post.paragraphs)
        return (f'<!DOCTYPE html>\n<html amp lang="en">\n<head>{head}</head>\n<body>'
                f'<header><a href="/">{esc(self.site.name)}</a></header><article><h1>{esc(post.title)}</h1>'
                f"{body}</article></body>\n</html>\n").encode("utf-8")

    def listing_item(self, post: Post) -> str:
        href = self.href(post.path) + "?utm_source=homepage&utm_medium=teaser"
        return (f'<li class="teaser"><h2><a href="{href}">{esc(post.title)}</a></h2>'
                f'<p class="date">{long_date(post.published)}</p><p>{esc(post.summary)}</p></li>')


class WixSkin(Skin):
    """A Wix-like NGO site: its chrome sits inside the content area and repeats on every post."""

    template = Template.WIX
    paths = {"about": "/about-us", "contact": "/contact", "privacy": "/privacy-policy"}
    index_pages, section_prefix, tag_prefix = "/blog/page/{page}", "/blog/categories/", "/blog/hashtags/"
    listing_end = ""
    title_format = "{title}"
    static_titles = {"about": "About Us", "contact": "Contact", "privacy": "Privacy Policy"}
    broken_paths = ("/donate",)
    socials = ("Facebook", "Twitter", "LinkedIn")

    def article_path(self, post: Post) -> str:
        return f"/post/{post.slug}"

    # Wix pages carry generated class names, so nothing marks the chrome as chrome.
    def top(self) -> tuple[str, list[str]]:
        items = [("Home", "/"), ("About Us", self.paths["about"]), ("Our Work", self.section_path("Projects")),
                 ("News", self.section_path("News")), ("Donate", "/donate"), ("Contact", self.paths["contact"])]
        nav = "".join(f'<li class="_2kLdM"><a class="_3Bkfb" href="{self.href(path)}"><p class="_2Hij5">'
                      f"{esc(label)}</p></a></li>" for label, path in items)
        text = (f'<div class="_1Hq8x" id="comp-top"><span class="_3kL2q">top of page</span></div>'
                f'<div class="_4vNq1" id="comp-kx1hdr"><div class="wixui-rich-text"><p class="font_0">'
                f'{esc(self.site.name)}</p></div><div class="wixui-rich-text"><p class="font_8">'
                f'{esc(self.site.tagline)}</p></div><ul class="_1b5kd">{nav}</ul></div>')
        return text, ["top of page", self.site.name, self.site.tagline] + [label for label, _ in items]

    def bottom(self, site_posts: list[Post]) -> tuple[str, list[str]]:
        recent = site_posts[:3]
        posts = "".join(f'<div class="_2pq7N"><a class="_3aLm2" href="{self.href(p.path)}"><p class="_1Fz0w">'
                        f"{esc(p.title)}</p></a></div>" for p in recent)
        footer = f"©2022 by {self.site.name}. Built with SiteCanvas"
        text = (f'<div class="_3Jc7s" id="comp-recent"><div class="_1sP9e"><p class="_2Vb1x">Recent Posts</p>'
                f'<a class="_2nR0k" href="/">See All</a></div>{posts}</div>'
                f'<div class="_4vNq1" id="comp-kx1ftr"><div class="wixui-rich-text"><p class="font_9">{esc(footer)}'
                '</p></div></div><div class="_1Hq8x" id="comp-bottom"><span class="_3kL2q">bottom of page</span></div>')
        return text, ["Recent Posts", "See All"] + [p.title for p in recent] + [footer, "bottom of page"]

    def follow(self) -> tuple[str, list[str]]:
        follow = f"Follow {self.site.name} for more updates"
        icons = [f"Grey {name} Icon" for name in self.socials]
        items = "".join(f'<li class="_3Xnzg"><a class="_26AQd" href="#{n.lower()}">'
                        f'<span class="_1Kq3x">{esc(i)}</span></a></li>'
                        for n, i in zip(self.socials, icons))
        about = self.site.about      # a fixed text box in the post template
        return (f'<div class="_2Vb7l" dir="auto"><p class="font_8"><span>{esc(about)}</span></p></div>'
                f'<div class="_2Vb7l" dir="auto"><p class="font_8"><span>{esc(follow)}</span></p></div>'
                f'<ul class="_3Ts6b">{items}</ul>'), [about, follow, *icons]

    def render_article(self, post: Post, site_posts: list[Post]) -> tuple[bytes, tuple[str, ...]]:
        top, top_lines = self.top()
        follow, follow_lines = self.follow()
        bottom, bottom_lines = self.bottom(site_posts)
        minutes = max(1, round(sum(len(p.split()) for p in post.paragraphs) / 200))
        meta_line = [short_date(post.published), "·", f"{minutes} min read"]
        meta = "".join(f'<span class="_2aGvg">{esc(part)}</span>' for part in meta_line)
        tags = "".join(f'<li class="_3uJ7j"><a href="{self.href(self.tag_path(t))}">{esc(t)}</a></li>'
                       for t in post.tags)
        blocks = "".join(f'<div class="_2Vb7l" dir="auto">{_CLASS.sub("", b, count=1)}</div>'
                         for b in self.body_blocks(post))
        body = (f'<div id="SITE_CONTAINER"><div class="_1L3xN">{top}<main id="PAGES_CONTAINER" tabindex="-1">'
                f'<div class="_3hEo2"><div class="_1qx2Y"><div class="_2Tx9b">{meta}</div>'
                f'<h1 class="_1j-3x"><span>{esc(post.title)}</span></h1></div>'
                f'<div class="_6SyeS"><div class="_1Fr2u">{blocks}</div>{follow}</div>'
                f'<div class="_2q0pG"><ul class="_1a9Vt">{tags}</ul></div>'
                f'<div class="_2Xr4b"><span class="_1pR8k">Share post</span></div></div>'
                f"{bottom}</main></div></div>")
        head = self.head(post.title, post=post, description=post.summary)
        chrome = top_lines + meta_line + follow_lines + list(post.tags) + ["Share post"] + bottom_lines
        return self.document(head, body, body_class="wix"), (*chrome, *self.own_lines(post, updated=False))

    def frame(self, inner: str) -> str:
        top, _ = self.top()
        return (f'<div id="SITE_CONTAINER"><div class="_1L3xN">{top}<main id="PAGES_CONTAINER">{inner}'
                f'<ul class="_1b5kd">{link_items(self.footer_links())}</ul></main><div class="_1Hq8x"><span class="_3kL2q">bottom of page'
                "</span></div></div></div>")


class WordPressSkin(Skin):
    """A WordPress-like blog: share buttons, "Also read:" promos, author box, sidebar widgets."""

    template = Template.WORDPRESS
    paths = {"about": "/about/", "contact": "/contact/", "privacy": "/privacy-policy/"}
    section_prefix = "/category/"
    title_format = "{title} – {site}"
    broken_paths = ("/2021/12/09/a-post-we-took-down/",)
    shares = ("Facebook", "Twitter", "Email", "Print")

    def article_path(self, post: Post) -> str:
        return f"/{post.published:%Y/%m/%d}/{post.slug}/"

    def render_article(self, post: Post, site_posts: list[Post]) -> tuple[bytes, tuple[str, ...]]:
        others = _others(post, site_posts, 1)
        if others and post.path != site_posts[-1].path:
            promo = Link(others[0].title, self.href(others[0].path) + "?utm_source=alsoread&utm_medium=internal#main")
        else:   # the oldest post promotes a post that was taken down
            promo = Link("What we learned from a year of council minutes", self.broken_paths[0])
        also = f"Also read: {promo.title}"
        insert = f'<p class="also-read"><strong>Also read:</strong> <a href="{promo.href}">{esc(promo.title)}</a></p>'
        blocks = self.body_blocks(post, {min(1, len(post.paragraphs) - 1): insert})
        shares = "".join(f'<li><a class="share-{s.lower()}" href="#share-{s.lower()}">{s}</a></li>'
                         for s in self.shares)
        chrome = [also, "Share this:", *self.shares]
        blocks.append(f'<div class="sharedaddy"><h3 class="sd-title">Share this:</h3><ul>{shares}</ul></div>')
        byline = ""
        if post.author:
            bio = f"{post.author} writes about councils and public money for {self.site.name}."
            blocks.append(f'<div class="author-box"><h4>About {esc(post.author)}</h4><p>{esc(bio)}</p></div>')
            chrome += [f"About {post.author}", bio]
            byline = (f' <span class="byline">by <span class="author vcard"><a class="url fn n" '
                      f'href="/author/{slugify(post.author)}/">{esc(post.author)}</a></span></span>')
        tags = self.tagged(post.tags)
        inner = (
            f'<article class="post type-post status-publish"><header class="entry-header">'
            f'<h1 class="entry-title">{esc(post.title)}</h1><div class="entry-meta"><span class="posted-on">'
            f'Posted on <time class="entry-date published" datetime="{post.published.isoformat()}">'
            f"{long_date(post.published)}</time></span>{byline}</div></header>\n"
            f'<div class="entry-content">\n' + "\n".join(blocks) + "\n</div>\n"
            f'<footer class="entry-footer"><span class="cat-links">Posted in <a href="'
            f'{self.href(self.section_path(post.section))}">{esc(post.section)}</a></span> '
            f'<span class="tags-links">Tagged {tags}</span></footer></article>\n'
            '<div id="comments"><h3 id="reply-title">Leave a Reply</h3>'
            "<p>Your email address will not be published.</p></div>"
        )
        page = self.story_page(post, self.frame(inner, site_posts), body_class="single")
        return page, (*chrome, *self.own_lines(post, updated=False))

    def frame(self, inner: str, site_posts: list[Post] | None = None) -> str:
        recent = link_items(self.post_links((site_posts or [])[:5]))
        cats = link_items(self.section_links(self.site.sections))
        links = link_items(self.footer_links())
        return (
            f'<div id="page" class="site"><header id="masthead"><p class="site-title"><a href="/">'
            f'{esc(self.site.name)}</a></p><p class="site-description">{esc(self.site.tagline)}</p>'
            f"{self.nav()}</header>"
            f'<div id="content" class="site-content"><div id="primary" class="content-area">'
            f'<main id="main" class="site-main">\n{inner}\n</main></div>'
            f'<aside id="secondary" class="widget-area"><section><h2>Recent Posts</h2><ul>{recent}</ul></section>'
            f'<section><h2>Categories</h2><ul>{cats}</ul></section></aside></div>'
            f'<footer id="colophon"><ul>{links}</ul><p>Proudly powered by PressKit</p></footer></div>'
        )

    def listing_item(self, post: Post) -> str:
        href = self.href(post.path)
        return (f'<article class="post"><h2 class="entry-title"><a href="{href}">{esc(post.title)}</a></h2>'
                f"<p>{esc(post.summary)}</p><p><a href=\"{href}#respond\">Leave a comment</a></p></article>")


class BloggerSkin(Skin):
    """A Blogger-like blog: ``<br>``-separated post bodies, labels, share links, jump breaks."""

    template = Template.BLOGGER
    paths = {"about": "/p/about.html", "contact": "/p/contact.html", "privacy": "/p/privacy.html"}
    static_titles = {"about": "About the Ledger", "contact": "Contact", "privacy": "Privacy"}
    title_format = "{site}: {title}"
    broken_paths = ()
    shares = ("Email This", "BlogThis!", "Share to X", "Share to Facebook", "Share to Pinterest")

    def article_path(self, post: Post) -> str:
        return f"/{post.published:%Y/%m}/{post.slug}.html"

    def index_path(self, page: int, last_on_previous: Post | None) -> str:
        if page == 1 or last_on_previous is None:
            return "/"
        query = urlencode({"updated-max": last_on_previous.published.isoformat(), "max-results": self.site.page_size})
        return f"/search?{query}"

    def section_path(self, name: str) -> str:      # labels keep their own spelling: no slug
        return f"/search/label/{name}"

    def tag_path(self, name: str) -> str:
        return f"/search/label/{name}"

    def paragraph(self, text: str) -> str:
        return esc(text)

    def render_article(self, post: Post, site_posts: list[Post]) -> tuple[bytes, tuple[str, ...]]:
        body = "<br /><br />\n".join(b.removeprefix('<p class="credit">').removesuffix("</p>")
                                     if b.startswith('<p class="credit">') else b for b in self.body_blocks(post))
        posted = f"Posted by {post.author}" if post.author else "Posted"
        labels = [post.section, *post.tags]
        label_links = self.tagged(labels)
        shares = "".join(f'<a class="share-button" href="#share-{slugify(s)}">{esc(s)}</a>' for s in self.shares)
        index = next(i for i, p in enumerate(site_posts) if p.path == post.path)
        newer = site_posts[index - 1] if index > 0 else None
        older = site_posts[index + 1] if index + 1 < len(site_posts) else None
        pager = "".join(f'<a class="blog-pager-{k}-link" href="{self.href(p.path)}">{label}</a> '
                        for k, label, p in (("newer", "Newer Post", newer), ("older", "Older Post", older)) if p)
        inner = (
            f'<div class="date-outer"><h2 class="date-header"><span>{post.published:%A}, '
            f"{long_date(post.published)}</span></h2>"
            '<div class="post-outer"><div class="post hentry">'
            f'<h3 class="post-title entry-title">{esc(post.title)}</h3>'
            f'<div class="post-body entry-content">\n{body}\n</div>'
            f'<div class="post-footer"><span class="post-author">{esc(posted)}</span> at '
            f'<abbr class="published" title="{post.published.isoformat()}">{post.published:%-I:%M %p}</abbr>'
            f'<div class="post-share-buttons">{shares}</div>'
            f'<div class="post-labels">Labels: {label_links}</div></div></div>'
            '<div class="comments" id="comments"><h4>No comments:</h4>'
            '<p><a href="#comment-editor">Post a Comment</a></p></div></div></div>'
            f'<div class="blog-pager">{pager}<a class="home-link" href="/">Home</a></div>'
        )
        page = self.story_page(post, self.frame(inner), body_class="item-view")
        chrome = [f"{posted} at {post.published:%-I:%M %p}", *self.shares, "Labels: " + ", ".join(labels),
                  "No comments:", "Post a Comment", *self.own_lines(post, updated=False)]
        return page, tuple(chrome)

    def frame(self, inner: str) -> str:
        labels = link_items(self.tag_links(self.site.sections))
        links = link_items(self.footer_links())
        return (f'<div class="content-outer"><header><h1 class="title"><a href="/">{esc(self.site.name)}</a></h1>'
                f'<p class="description">{esc(self.site.tagline)}</p></header>'
                f'<div class="main-inner"><div class="column-center-inner"><div class="blog-posts hfeed">\n{inner}\n'
                f'</div></div><div class="sidebar"><h2>Labels</h2><ul>{labels}</ul><h2>Pages</h2><ul>{links}</ul>'
                f"</div></div></div>")

    def listing_item(self, post: Post) -> str:
        href = self.href(post.path)
        return (f'<div class="post-outer"><h3 class="post-title"><a href="{href}">{esc(post.title)}</a></h3>'
                f'<div class="post-body">{esc(post.paragraphs[0])}</div>'
                f'<div class="jump-link"><a href="{href}#more">Read more »</a></div></div>')


class AggregatorSkin(Skin):
    """An aggregator: one teaser page per story, first paragraph and "Read more at <Publisher>"."""

    template = Template.AGGREGATOR
    paths = {"about": "/about", "contact": "/contact", "privacy": "/privacy"}
    index_pages, section_prefix = "/?page={page}", "/topic/"
    title_format, broken_paths = "{title} - {site}", ()

    def article_path(self, post: Post) -> str:
        return f"/story/{post.slug}"

    def render_article(self, post: Post, site_posts: list[Post]) -> tuple[bytes, tuple[str, ...]]:
        link = (post.original_url or "") + "?" + urlencode(
            {"utm_source": "morningdigest", "utm_medium": "referral", "utm_campaign": "daily"})
        more = link_items(self.post_links(_others(post, site_posts, 3)))
        source_home = (post.original_url or "/").split("/", 3)
        source_href = "/".join(source_home[:3]) + "/"
        inner = (
            f'<article class="digest-item"><p class="kicker">{esc(post.section)}</p><h1>{esc(post.title)}</h1>'
            f'<p class="source">From <a href="{attr(source_href)}">{esc(post.origin_name or "")}</a> · '
            f'<time datetime="{post.published.isoformat()}">{long_date(post.published)}</time></p>'
            f'<blockquote class="excerpt">{"".join(self.paragraph(p) for p in post.paragraphs)}</blockquote>'
            f'<p class="read-more"><a href="{attr(link)}">{esc(post.credit or "")}</a></p>'
            '<div class="item-tools"><button type="button">Save for later</button>'
            '<button type="button">Share</button></div></article>'
            f'<section class="more"><h2>More from the digest</h2><ul>{more}</ul></section>'
        )
        page = self.story_page(post, self.frame(inner), body_class="story")
        return page, ("Save for later", "Share")


SKINS: dict[Template, type[Skin]] = {
    Template.PORTAL: PortalSkin, Template.WIX: WixSkin, Template.WORDPRESS: WordPressSkin,
    Template.BLOGGER: BloggerSkin, Template.AGGREGATOR: AggregatorSkin, Template.NEWSROOM: NewsroomSkin,
}
