"""Generic page-chrome lines (share buttons, newsletter prompts, cookie notices) that any site builder emits.

Only short lines are ever judged, so a paragraph that merely mentions Facebook or cookies
stays. Chrome that is particular to one site is learned per site by ``archive.storage.chrome``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lxml import etree

from archive.neardup.normalize import spaced_length

if TYPE_CHECKING:
    from collections.abc import Callable

    from lxml.html import HtmlElement

# A line longer than this (in words) is body text, whatever it says.
MAX_WORDS = 12
# A promoted headline after a lead-in ("Also read: ...") may run this long.
MAX_PROMO_WORDS = 25
# Cookie notices and newsletter pitches are full sentences; they may run this long.
MAX_NOTICE_WORDS = 40

_SOCIAL = (
    r"facebook|twitter|x|instagram|youtube|linkedin|pinterest|tiktok|whatsapp|telegram|reddit|"
    r"rss|e-?mail|flickr|tumblr|vimeo|threads|mastodon|bluesky|snapchat|messenger|flipboard|"
    r"google\+?|vk|weibo|wechat|line|xing|pocket|mail|print|sms|copy link|feed"
)
_COLOUR = r"(?:grey|gray|black|white|blue|red|dark|light|colou?r|social|round|circle|square)"

_LABELS = (
    # navigation left by site builders
    r"(?:top|bottom) of (?:the )?page", r"back to top", r"(?:go|scroll|return) to top",
    r"skip to (?:main )?(?:content|navigation|footer|search)", r"jump to (?:main )?(?:content|navigation)",
    r"(?:toggle|open|close) (?:navigation|menu|search)", r"menu", r"main menu", r"close", r"search",
    r"navigation", r"home", r"previous(?: post| article)?", r"next(?: post| article)?",
    # sharing
    r"share", r"shares?", r"share (?:this|post|article|story|page|via|now)(?: (?:post|article|story|page))?",
    rf"share (?:on|to|with|via) (?:{_SOCIAL})", r"tweet(?: this)?", r"pin(?: it)?", r"like", r"copy(?: the)? link",
    r"link copied", r"e-?mail (?:this|the)(?: article| story| post| page)?",
    r"print(?: this)?(?: article| story| page)?",
    r"send(?: by| via)? e-?mail", r"post not marked as liked", r"post marked as liked",
    # social follow
    r"follow(?: us)?", rf"follow us(?: on)? (?:{_SOCIAL})", rf"(?:like|find|join) us on (?:{_SOCIAL})",
    r"connect with us", r"stay connected", r"social(?: media)?",
    # newsletter, account
    r"subscribe(?: now| today| here)?", r"sign ?up(?: now| today| here)?", r"newsletters?", r"log ?in", r"log ?out",
    r"sign ?in", r"register", r"my account", r"create (?:an )?account", r"already a subscriber\??",
    r"(?:subscribe|sign up) (?:to|for) (?:our|the) (?:\w+ ){0,3}(?:newsletters?|mailing list|updates|emails?)",
    r"(?:get|join) (?:our|the) (?:\w+ ){0,2}(?:newsletters?|mailing list)", r"enter your e-?mail(?: address)?",
    r"your e-?mail(?: address)?", r"(?:you can )?unsubscribe at any time\.?", r"no spam\.?", r"e-?mail(?: address)?",
    r"(?:thanks?|thank you) for (?:subscribing|signing up)!?", r"(?:success!? )?check your inbox\.?",
    r"(?:please enter a )?(?:in)?valid e-?mail(?: address)?", r"(?:newsletter|subscribe|sign up) (?:now|today)",
    # promos and related-content headers
    r"(?:also|must|don't|do not) (?:read|see|miss)", r"read (?:also|next|more)", r"see (?:also|more)",
    r"related(?: (?:articles?|posts?|stories|news|content|reading|topics|links))?", r"recommended(?: for you)?",
    r"(?:recent|popular|latest|top|more|other|similar|featured) (?:posts?|stories|articles?|news|headlines)",
    r"(?:most|the most) (?:read|popular|viewed|shared|commented)", r"trending(?: now| stories)?",
    r"you (?:may|might) also (?:like|enjoy|be interested in)", r"more from (?:\w+ ){0,4}\w+", r"read next",
    r"up next", r"see all", r"view all", r"show more", r"load more", r"around the web", r"from the web",
    r"what to read next", r"editor'?s picks?", r"(?:tags|topics|categories|filed under|posted in)",
    # advertising
    r"advertisements?", r"advertising", r"ad", r"ads", r"sponsored(?: content| post| links?)?", r"promoted",
    r"(?:story|article) continues below(?: (?:this )?advertisement)?", r"continue reading below",
    r"scroll (?:down )?to continue(?: reading| with content)?",
    # cookie banner buttons
    r"accept(?: all)?(?: cookies)?", r"reject(?: all)?(?: cookies)?",
    r"(?:manage|customi[sz]e) (?:preferences|cookies|settings|choices)",
    r"cookie (?:settings|preferences|policy|notice)", r"(?:i )?agree", r"got it", r"ok(?:ay)?", r"dismiss",
    # comments and counters
    r"(?:leave|add|write|post) a (?:comment|reply)", r"no comments(?: yet)?", r"comments?", r"reply",
    r"\d[\d,.]*k?\s+(?:views?|comments?|likes?|shares?|reactions?|min(?:ute)?s? read)",
    r"\d+\s+min(?:ute)?s?(?: read)?",
)
_LABEL = re.compile(r"(?:" + "|".join(_LABELS) + r")", re.IGNORECASE)

_SOCIAL_ICON = re.compile(
    rf"(?:{_COLOUR}\s+)?(?:{_SOCIAL})(?:\s+(?:icon|logo|link|button|page|share))?", re.IGNORECASE)
_SOCIAL_LIST = re.compile(rf"(?:(?:{_SOCIAL})(?:\s*[|,/•·]\s*|\s+|$)){{2,}}", re.IGNORECASE)

# Short lines that start with a chrome lead-in and carry a promoted headline or a call to action.
_LEAD_INS = re.compile(
    r"(?:(?:also|must|don't|do not) (?:read|see|miss)|read (?:also|next|more)|see also|"
    r"related(?: articles?| stories| posts?)?|"
    r"recommended|more|watch|listen|trending|latest|tags|topics|filed under|posted in|categories|"
    # "read also" in other common languages (German, Nordic, Dutch, Romance, Slavic, Turkish)
    r"lesen sie (?:auch|mehr)|auch interessant|mehr zum thema|(?:les|læs|läs|lees) (?:også|också|ook)|"
    r"(?:lee|lea|leia|lisez|leggi) (?:también|tambien|também|aussi|anche)|(?:à )?lire aussi|"
    r"ver também|veja também|vea también|te puede interesar|czytaj (?:też|także|również)|"
    r"(?:čtěte|přečtěte si) (?:také|též)|ayrıca (?:okuyun|bakınız)|ilgili (?:haber|haberler))"
    r"\s*[:|»›>–—-]\s*\S",
    re.IGNORECASE,
)
_FOLLOW = re.compile(
    r"(?:follow|like|join|find) (?:us|[\w'&.-]+(?: [\w'&.-]+){0,5}) (?:on|for|at) (?:\w+ ){0,3}"
    r"(?:updates|news|stories|more|social media|facebook|twitter|x|instagram|youtube|linkedin|tiktok|telegram|"
    r"whatsapp)\b",
    re.IGNORECASE,
)
_CLICK_HERE = re.compile(r"^(?:please )?(?:click|tap) here\b|\b(?:click|tap) here\.?$", re.IGNORECASE)
_POWERED = re.compile(r"\b(?:proudly )?(?:powered by|created with|built with|made with) [\w.]+", re.IGNORECASE)

# Longer notices: cookie consent and newsletter pitches.
_COOKIE = re.compile(
    r"(?:\bwe\b|\bour\b|\byou\b|\byour device\b|this (?:web)?site).*\bcookies?\b"
    r"|\bcookies?\b.*\b(?:accept|consent|agree|preferences|settings|cookie policy|partners|browsing experience|"
    r"continuing to (?:use|browse))",
    re.IGNORECASE,
)
_NEWSLETTER = re.compile(
    r"\b(?:inbox|newsletter|mailing list|unsubscribe|sign(?:ing)? up|subscribe|subscribing)\b.*"
    r"\b(?:e-?mail|inbox|newsletter|spam|unsubscribe|delivered|weekly|daily|every (?:morning|day|week)|"
    r"agree to (?:our|the) (?:privacy|terms)|(?:receive|get) (?:new|our|future|the latest) "
    r"(?:posts|stories|articles|updates|issues))\b",
    re.IGNORECASE,
)
# Calls to action of blog and news builders: reader prompts, app pitches, subscriber counts.
_PROMPT = re.compile(
    r"^(?:if you (?:enjoyed|liked|found|appreciated) (?:this|the|our) (?:post|article|story|piece|content)|"
    r"thanks? (?:you )?for (?:reading|visiting|stopping by)\b|(?:got|have) a (?:news )?tip\b|"
    r"download (?:the|our) (?:free )?(?:[\w'&.-]+ ){0,4}app\b|get (?:breaking )?news alerts\b|"
    r"join \d[\d,.]*k? other (?:subscribers|followers|readers)|stay (?:informed|updated|connected|in the loop)\b|"
    r"(?:support|help fund|donate to) (?:our|independent) (?:journalism|work|reporting)\b)",
    re.IGNORECASE,
)

_TRIM = " \t\u00a0:|•·»›>–—-*#_=~"


def _core(line: str) -> str:
    return " ".join(line.split()).strip(_TRIM)


def is_chrome_line(line: str) -> bool:
    """True when ``line`` is generic page chrome rather than article text.

    >>> is_chrome_line("Grey Facebook Icon"), is_chrome_line("Share on X"), is_chrome_line("bottom of page")
    (True, True, True)
    >>> is_chrome_line("Facebook said on Tuesday it would share data with researchers.")
    False
    """
    core = _core(line)
    if not core:
        return True
    words = len(core.split())
    if words > MAX_NOTICE_WORDS:
        return False
    if _looks_like_quote(core):
        return False
    if _PROMPT.match(core) or ((_COOKIE.search(core) or _NEWSLETTER.search(core)) and words >= 4):
        return True
    if words > MAX_WORDS:
        return words <= MAX_PROMO_WORDS and bool(_LEAD_INS.match(core))
    return bool(
        _LABEL.fullmatch(core)
        or _SOCIAL_ICON.fullmatch(core)
        or _SOCIAL_LIST.fullmatch(core + " ")
        or _LEAD_INS.match(core)
        or _FOLLOW.match(core)
        or _CLICK_HERE.search(core)
        or (_POWERED.search(core) and words <= 10)
    )


def _looks_like_quote(text: str) -> bool:
    """A sentence in quotation marks or attributed speech is reporting, not a notice."""
    return text[:1] in "\"“‘'" or bool(re.search(r"\b(?:said|says|told|according to)\b", text, re.IGNORECASE))


def remove_chrome_lines(lines: list[str]) -> list[str]:
    """Return ``lines`` without the generic chrome lines (see :func:`is_chrome_line`)."""
    return [line for line in lines if not is_chrome_line(line)]


# A sign-up box: an element whose class or id names a newsletter or sign-up form, small enough that
# it cannot hold the article (a subscriber-only article's wrapper is not one: "subscriber" is left out).
_BOX = ("//*[contains({a}, 'newsletter') or contains({a}, 'signup') or contains({a}, 'sign-up')"
        " or contains({a}, 'sign_up') or (contains({a}, 'subscribe') and not(contains({a}, 'subscriber')))]")
_BOX_XPATH = "|".join(_BOX.format(a=f"translate(@{name}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')")
                      for name in ("class", "id"))
MAX_BOX_WORDS = 120
_BOX_BLOCKS = ("p", "h2", "h3", "h4", "h5", "h6", "li", "label", "button", "div", "span", "strong")


def signup_box_texts(tree: HtmlElement, normalise: Callable[[str], str]) -> frozenset[str]:
    """The ``normalise``d texts of a page's newsletter and sign-up boxes (their titles, pitches and
    fine print, in any language), to be dropped from the article's lines."""
    found: set[str] = set()
    for box in _boxes(tree):
        if len(box.text_content().split()) > MAX_BOX_WORDS:
            continue
        for element in (box, *box.iterdescendants(*_BOX_BLOCKS)):
            text = normalise(element.text_content())
            if text:
                found.add(text)
    return frozenset(found)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _names_box(value: str | None) -> bool:
    """``_BOX``'s test of one class or id value (ASCII letters lower-cased, as XPath's translate)."""
    if not value:
        return False
    value = value.translate(_ASCII_LOWER)
    return ("newsletter" in value or "signup" in value or "sign-up" in value or "sign_up" in value
            or ("subscribe" in value and "subscriber" not in value))


def _boxes(tree: HtmlElement) -> list[HtmlElement]:
    """The elements ``_BOX_XPATH`` selects, in document order: read in one walk of the tree, which
    costs less than the XPath's string functions on every element."""
    return [element for element in tree.getroottree().iter(etree.Element)
            if _names_box(element.get("class")) or _names_box(element.get("id"))]


CAPTION_MIN_WORDS = 4     # "Photo", "Logo" or a name alone is no evidence of a caption


def caption_texts(tree: HtmlElement) -> frozenset[str]:
    """The alternative texts of a page's images, as written: a line that repeats one word for word
    is the image's caption shown beside the picture. A story's paragraph that the caption quotes
    differs from it (a closing full stop at least) and stays."""
    return frozenset(alt.strip() for alt in tree.xpath("//img/@alt") if len(alt.split()) >= CAPTION_MIN_WORDS)


LINK_ITEM_SHARE = 0.9     # of a list item's characters inside links: the item is a link, nothing more


def without_link_items(lines: list[str], by_text: dict[str, HtmlElement],
                       normalise: Callable[[str], str]) -> list[str]:
    """``lines`` without list items that are a link and nothing else: the related-story, "read also"
    and source lists set inside a story's body (``by_text``: the page's blocks by normalised text)."""
    def link_only(line: str) -> bool:
        block = by_text.get(normalise(line))
        if block is None or block.tag != "li":
            return False
        total = len(block.text_content().strip())
        linked = sum(len(link.text_content().strip()) for link in block.iter("a"))
        return total > 0 and linked >= LINK_ITEM_SHARE * total

    return [line for line in lines if not (line.startswith("- ") and link_only(line))]


CLOSING_HEAD_WORDS = 5
_ENDS_SENTENCE = re.compile(r"[.!?…\"”»)。！？」』]$")


def without_closing_heads(lines: list[str]) -> list[str]:
    """``lines`` without a closing run of two or more short lines that end no sentence and are no
    list items: the headings of a sidebar's boxes ("Most read", "More links") whose links the
    extractor dropped. One such line alone (a sign-off, a dateline) stays."""
    end = len(lines)
    while end > 1 and _closing_head(lines[end - 1]):
        end -= 1
    return lines[:end] if len(lines) - end >= 2 else lines


def _closing_head(line: str) -> bool:
    return (spaced_length(line) <= CLOSING_HEAD_WORDS and not line.startswith("- ")
            and not _ENDS_SENTENCE.search(line))
