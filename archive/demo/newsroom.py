"""The newsroom template: a modern news CMS (kicker, meta line with published and updated dates,
an in-text "read also" teaser, a dated list of more stories). Held out of tuning by default: the
quality benchmark's webs use it, the tests' and the demo's webs do not."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from archive.demo.locales import READ_ALSO, RELATED, label, local_date
from archive.demo.model import Template
from archive.demo.templates import Skin, esc, slugify

if TYPE_CHECKING:
    from archive.demo.model import Post


class NewsroomSkin(Skin):
    """A news CMS whose article text sits in ``div.nr-text`` among a teaser and dated lists."""

    template = Template.NEWSROOM
    paths = {"about": "/service/about.html", "contact": "/service/contact.html", "privacy": "/service/privacy.html"}
    index_pages, section_prefix, tag_prefix = "/latest/{page}.html", "/ressort/", "/thema/"
    title_format = "{title} - {site}"
    broken_paths = ("/service/archive-2019.html",)

    def article_path(self, post: Post) -> str:
        return f"/{slugify(post.section) or 'news'}/{post.slug}-{post.published:%Y%m%d}.html"

    def meta_line(self, post: Post) -> str:
        author = f'<span class="nr-author">{esc(post.author)}</span> ' if post.author else ""
        when = local_date(post.published, self.site.language)
        return (f'<div class="nr-meta">{author}<time class="nr-published" datetime="{post.published.isoformat()}">'
                f"{when}</time>{self.updated_html(post)}</div>")

    def teaser(self, post: Post, site_posts: list[Post]) -> tuple[str, str]:
        """The in-text "read also" box and its line (another story of the site, or the archive)."""
        other = next((p for p in site_posts if p.path != post.path), None)
        title, href = (other.title, self.href(other.path)) if other else ("Archive", self.broken_paths[0])
        word = label(READ_ALSO, self.site.language)
        return (f'<div class="nr-teaser"><span>{esc(word)}</span> <a href="{href}">{esc(title)}</a></div>',
                f"{word} {title}")

    def render_article(self, post: Post, site_posts: list[Post]) -> tuple[bytes, tuple[str, ...]]:
        box, line = self.teaser(post, site_posts)
        photo, caption = self.photo(post)
        facts, fact_lines = self.fact_box(post)
        last = len(post.paragraphs) - 1
        shows_photo = last > 1          # after the first paragraph, when the story has more than two
        inserts: defaultdict[int, str] = defaultdict(str)
        if shows_photo:
            inserts[0] += photo
        inserts[min(1, last)] += box
        inserts[min(3, last)] += facts
        blocks = self.body_blocks(post, inserts)
        topics = "".join(f'<a class="nr-topic" href="{self.href(self.tag_path(t))}">{esc(t)}</a>' for t in post.tags)
        more = [f'<li><a href="{self.href(p.path)}">{esc(p.title)}</a>{self.list_date(p.published)}</li>'
                for p in site_posts if p.path != post.path][:4]
        inner = (
            f'<article class="nr-article"><div class="nr-kicker">{esc(post.section)}</div>'
            f'<h1 class="nr-title">{esc(post.title)}</h1>{self.meta_line(post)}\n'
            f'<div class="nr-text">\n' + "\n".join(blocks) + "\n</div>\n"
            f'<div class="nr-topics">{topics}</div></article>\n'
            f'<aside class="nr-more"><h2>{esc(label(RELATED, self.site.language))}</h2><ol>{"".join(more)}</ol></aside>'
        )
        page = self.story_page(post, self.frame(inner), body_class="nr")
        return page, (line, *([caption] if shows_photo else []), *fact_lines, *self.own_lines(post))

    def photo(self, post: Post) -> tuple[str, str]:
        """A picture whose caption repeats its alternative text word for word."""
        caption = f"{post.section}: {post.title}"
        return (f'<figure class="nr-photo"><img src="/img/{post.slug}.jpg" alt="{esc(caption)}">'
                f'<p class="nr-caption">{esc(caption)}</p></figure>', caption)

    def fact_box(self, post: Post) -> tuple[str, tuple[str, ...]]:
        """A fact box set in the text and marked as complementary content (not the story's)."""
        lines = ("Key facts", f"Section: {post.section}", f"Topics: {', '.join(post.tags) or post.section}")
        items = "".join(f"<li>{esc(text)}</li>" for text in lines[1:])
        return (f'<div class="nr-facts" role="complementary"><h3>{esc(lines[0])}</h3><ul>{items}</ul></div>',
                lines)

    def listing_item(self, post: Post) -> str:
        return (f'<li class="nr-item"><a href="{self.href(post.path)}">{esc(post.title)}</a>'
                f"{self.list_date(post.published)}<p>{esc(post.summary)}</p></li>")
