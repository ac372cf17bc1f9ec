"""Attribution lines: the publishers a page credits as a story's origin, and "Read more at X" teasers."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from archive.extraction.pagemeta import normalise_line

if TYPE_CHECKING:
    from lxml.html import HtmlElement

# Attribution is a line or a short paragraph; a long paragraph that mentions a source is reporting.
MAX_CREDIT_WORDS = 40
MAX_NAME_WORDS = 8

_NAME = r"(?P<name>[^\n]{2,120}?)"
_END = r"\s*[.!]?\s*$"
_KINDS = (r"(?:article|story|post|piece|report|essay|column|op-?ed|commentary|interview|analysis|item|text|"
          r"content|feature)")

# Attribution phrasings of other languages, each followed by the publisher's name.
FOREIGN_CREDITS = (
    # German
    r"(?:dieser|der) (?:artikel|beitrag|text) (?:ist|erschien|wurde) (?:zuerst|zuerst erschienen|erstmals|"
    r"urspr(?:ü|ue)nglich)(?: erschienen| ver(?:ö|oe)ffentlicht)?(?: bei| in| im| auf| von)?",
    r"(?:zuerst|erstmals|urspr(?:ü|ue)nglich) (?:erschienen|ver(?:ö|oe)ffentlicht)(?: bei| in| im| auf| von)?",
    r"erstver(?:ö|oe)ffentlichung(?: bei| in| auf)?", r"mit freundlicher genehmigung (?:von|der|des)", r"quelle",
    # Spanish and Portuguese
    r"(?:este|el) (?:art[íi]culo|texto|reportaje) (?:fue|foi) (?:publicado|originalmente publicado)"
    r"(?: originalmente| primero| primeiro)?(?: en| em| no| na| por| pelo| pela)?",
    r"publicad[oa] (?:originalmente|primero|inicialmente|primeiro)(?: en| em| no| na| por| pelo| pela)?",
    r"reproducid[oa] con (?:el )?permiso de", r"fuente", r"fonte",
    # French
    r"(?:cet|l') ?article (?:a (?:d'abord )?été|est) (?:initialement |d'abord |originellement )?publié"
    r"(?: initialement| à l'origine| d'abord)?(?: sur| dans| par| chez)?",
    r"(?:initialement|originellement|d'abord) (?:publié|paru)e?(?: sur| dans| par| chez)?",
    r"(?:publié|paru)e? (?:initialement|à l'origine|d'abord)(?: sur| dans| par| chez)?",
    # Italian
    r"(?:questo articolo (?:è stato|e stato) )?pubblicato (?:originariamente|originalmente|inizialmente|per la prima volta)"
    r"(?: su| in| da| sul| sulla)?",
    # Dutch
    r"(?:dit artikel )?(?:verscheen|is) (?:eerder|eerst|oorspronkelijk)(?: verschenen| gepubliceerd)?(?: in| bij| op| door)?",
    r"oorspronkelijk (?:gepubliceerd|verschenen)(?: in| bij| op| door)?", r"bron",
    # Scandinavian, Polish, Czech, Turkish, Russian, Japanese, Chinese, Korean
    r"(?:saken|artikkelen|artikeln|artiklen) (?:ble|blev|er|var) (?:først|f(?:ö|o)rst) "
    r"(?:publisert|publicerad|publiceret)(?: i| hos| av| på)?", r"kilde", r"k(?:ä|a)lla",
    r"artyku(?:ł|l) (?:pierwotnie |pierwszy raz )?ukaza(?:ł|l) si(?:ę|e)(?: pierwotnie)?(?: w| na)?", r"(?:ź|z)r(?:ó|o)d(?:ł|l)o",
    r"(?:č|c)l(?:á|a)nek (?:p(?:ů|u)vodn(?:ě|e) )?vy(?:š|s)el(?: p(?:ů|u)vodn(?:ě|e))?(?: v| na)?", r"zdroj",
    r"kaynak", r"источник", r"впервые опубликовано(?: в| на)?", r"出典", r"出所", r"来源", r"來源", r"출처",
)

# Each pattern with the kind of credit it is: "origin" (the story appeared first elsewhere) or
# "rights" (a copyright notice: the rights holder, who may have licensed the text to this page).
_CREDIT_PATTERNS = tuple((re.compile(p, re.IGNORECASE), kind) for p, kind in (
    # "This article originally appeared in X", "The story was first published by X on May 2"
    (rf"^(?:this|the|a version of this|an earlier version of this) {_KINDS}(?: \w+)? (?:was |has been |is )?"
     rf"(?:originally|first)(?: appeared| published| ran| posted| printed)?(?: in| on| at| by)? {_NAME}{_END}", "origin"),
    # "Originally published by X", "First appeared in X"
    (rf"^(?:originally|first) (?:appeared|published|ran|posted|printed)(?: in| on| at| by| with)? {_NAME}{_END}",
     "origin"),
    # "Republished with permission from X", "Reprinted with the kind permission of X"
    (rf"^(?:(?:this {_KINDS} (?:is|was|has been) )?(?:re-?published|reprinted|reproduced|shared|used)(?: here)?"
     rf" (?:with|by) (?:the )?(?:kind |express )?permission (?:from|of|by) {_NAME}{_END})", "origin"),
    # "Reprinted from X", "This article is republished from X under a Creative Commons license"
    (rf"^(?:this {_KINDS} (?:is|was|has been) )?(?:re-?printed|re-?published|reproduced|adapted|excerpted)"
     rf" from {_NAME}{_END}", "origin"),
    # "(c) X, 2022", "© 2022 X. All rights reserved.", "Copyright X"
    (rf"^(?:©|\(c\)|copyright(?: ©| \(c\))?)\s*(?:\d{{4}}(?:\s*[-–]\s*\d{{4}})?\s*,?\s*)?(?:by\s+)?{_NAME}{_END}",
     "rights"),
    # "Source: X", "Via X"
    (rf"^\(?(?:source|sources|via|courtesy(?: of)?)\s*[:\-–—]?\s+{_NAME}\)?{_END}", "origin"),
    *((rf"^(?:{phrase})\s*[:：\-–—]?\s*{_NAME}{_END}", "origin") for phrase in FOREIGN_CREDITS),
))
# The phrases above whose name is often written in lower case ("via abc24"): a bare "Source: x"
# needs a capitalised name, the others accept a lower-case one of a few words.
_LOOSE_KINDS = frozenset(range(len(_CREDIT_PATTERNS))) - {5}
_NOT_NAMES = frozenset({"a", "an", "our", "his", "her", "its", "their", "this", "that", "these", "those", "my",
                        "your", "print", "part", "full", "draft", "the"})

# Everything after one of these is not part of the publisher's name.
_NAME_STOPS = re.compile(
    r"\s*(?:,?\s+and (?:is|was|has|are|were|it|appears|republished|reprinted|reproduced)\b|,?\s+(?:which|where|who)\b|"
    r"\s+(?:is |was )?(?:re-?published|reprinted|reproduced|shared|used)\b|\s+with (?:the )?(?:kind )?permission\b|"
    r"\s+under\b|\s+(?:by )?(?:click(?:ing)?|tap(?:ping)?) here\b|\s+here\b|\s+on \w+day\b|"
    r"\s+on (?:\d|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)|\s+in (?:\d{4}|jan|feb|mar|"
    r"apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\b|\s*[.;!?]\s|\s*\(|\s*,\s|\s*[,.]?\s*all rights reserved|\s*\|)",
    re.IGNORECASE,
)
_TRAILING_YEAR = re.compile(r"[\s,.;:–—-]*(?:\d{4}(?:\s*[-–]\s*\d{4})?)?[\s,.;:–—-]*$")
_TRAILING_NOUN = re.compile(r"\s+(?:magazine|newspaper|website|web site|site|blog|online|news ?site|journal|"
                            r"daily|newsletter|podcast)$", re.IGNORECASE)
_URL = re.compile(r"^(?:https?://)?(?:www\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)+)(?:/\S*)?$", re.IGNORECASE)

_EXCERPT = re.compile(
    r"^(?:\W*)(?:(?:read|see|view|get) (?:more|the (?:full|rest of the|complete|whole|original) \w+(?: \w+)?|"
    r"the (?:full|rest of the|complete|original) \w+)|continue reading(?: (?:the|this) \w+)?|keep reading|"
    r"full (?:story|article|text|report))(?: of this \w+)?\s*(?:at|on|from|in|via)\s+{name}{end}".format(
        name=_NAME, end=r"\s*(?:[.!…»›→>]+)?\s*$"),
    re.IGNORECASE,
)
_NOTE_PREFIX = re.compile(r"^(?:editor'?s'? note|editors' note|ed\. note|note|update)\s*[:\-–—]\s*", re.IGNORECASE)
_RIGHTS = re.compile(r"^all rights reserved\W*$", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"“(A-Z©])")


def clean_publisher(raw: str, loose: bool = False) -> str | None:
    """The publisher's name in an attribution tail, or ``None`` when it does not look like a name.

    >>> clean_publisher("Harbour Review magazine and is republished here with permission.")
    'Harbour Review'
    >>> clean_publisher("Harbour Review, 2022.")
    'Harbour Review'

    ``loose`` accepts a name of a few lower-case words ("republished with permission of abc24").
    """
    name = raw.strip().strip("\"“”'‘’*_ ")
    stop = _NAME_STOPS.search(name)
    if stop:
        name = name[: stop.start()]
    name = _TRAILING_YEAR.sub("", name).strip("\"“”'‘’*_ ,;:")
    name = _TRAILING_NOUN.sub("", name).strip()
    url = _URL.match(name)
    if url and " " not in name:
        return url.group(1) if "." in url.group(1) else None
    if name.lower().startswith("the "):
        name = "The " + name[4:]
    words = name.split()
    if not words or len(words) > MAX_NAME_WORDS or len(name) < 2:
        return None
    if loose and name.islower() and len(words) <= 3 and words[0] not in _NOT_NAMES:
        return name
    if name[0].islower():
        return None
    if sum(not w[:1].islower() for w in words) < max(1, len(words) // 2):
        return None   # a clause ("Source: officials familiar with the talks"), not a name
    return name


def _sentences(line: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(line.strip()) if s.strip()]


def _credit_in(sentence: str) -> tuple[str, str] | None:
    """The publisher a sentence credits and the kind of credit ("origin" or "rights")."""
    sentence = _NOTE_PREFIX.sub("", sentence.replace("’", "'"))
    for index, (pattern, kind) in enumerate(_CREDIT_PATTERNS):
        match = pattern.match(sentence)
        if match:
            name = clean_publisher(match.group("name"), loose=index in _LOOSE_KINDS)
            if name:
                return name, kind
    return None


def read_credits(lines: list[str]) -> tuple[list[str], tuple[str, ...], tuple[str, ...]]:
    """Separate attribution sentences from the text: the lines without them, the publishers
    credited, and those of them named only by a copyright notice ("© X 2024": a rights holder).

    Only lines of at most ``MAX_CREDIT_WORDS`` words are examined; within them, a sentence that is
    an attribution is dropped and the rest of the line is kept.
    """
    kept: list[str] = []
    credits: dict[str, set[str]] = {}
    for line in lines:
        if len(line.split()) > MAX_CREDIT_WORDS:
            kept.append(line)
            continue
        rest = []
        for sentence in _sentences(line):
            found = _credit_in(sentence)
            if found:
                credits.setdefault(found[0], set()).add(found[1])
            elif not (credits and _RIGHTS.match(sentence)):
                rest.append(sentence)
        if rest:
            kept.append(line if len(rest) == len(_sentences(line)) else " ".join(rest))
    rights = tuple(name for name, kinds in credits.items() if kinds == {"rights"})
    return kept, tuple(credits), rights


def split_credits(lines: list[str]) -> tuple[list[str], tuple[str, ...]]:
    """The lines without their attribution sentences, and the publishers credited (see read_credits)."""
    kept, credits, _ = read_credits(lines)
    return kept, credits


def credit_links(tree: HtmlElement, names: tuple[str, ...]) -> dict[str, str]:
    """The link an attribution line gives for each credited publisher ("Originally published by
    <a href="https://abc24.de/x">abc24</a>"): a tie between a name and a domain."""
    found: dict[str, str] = {}
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        block = anchor.getparent()
        if not href.startswith(("http://", "https://")) or block is None:
            continue
        text = " ".join(block.text_content().split())
        if len(text.split()) > MAX_CREDIT_WORDS:
            continue
        for name in read_credits([text])[1]:
            if name in names:
                found.setdefault(name, href)
    return found


def find_credits(lines: list[str]) -> tuple[str, ...]:
    """Publishers that ``lines`` credit as the origin of the story, in order of appearance.

    >>> find_credits(["Body text.", "This article originally appeared in Harbour Review."])
    ('Harbour Review',)
    >>> find_credits(["(c) The Harbor Ledger, 2022"])
    ('The Harbor Ledger',)
    """
    return split_credits(lines)[1]


def excerpt_publisher(line: str) -> str | None:
    """The publisher named by a "Read more at X" line, or ``None`` when ``line`` is not one."""
    if len(line.split()) > 20:
        return None
    match = _EXCERPT.match(line.strip())
    return clean_publisher(match.group("name")) if match else None


def is_excerpt_marker(line: str) -> bool:
    """True for a teaser's closing line such as "Read more at X" or "Continue reading at X".

    >>> is_excerpt_marker("Read the full story at The Daily Courier"), is_excerpt_marker("Read more about taxes")
    (True, False)
    """
    return excerpt_publisher(line) is not None


def excerpt_source(lines: list[str]) -> str | None:
    """The publisher a teaser sends its readers to: the last "Read more at X" line among ``lines``."""
    for line in reversed(lines):
        name = excerpt_publisher(line)
        if name:
            return name
    return None


MAX_EDGE_LINE = 300    # characters of a kept first or closing line


def edge_lines(candidates: list[str]) -> tuple[str, ...]:
    """The short lines at a text's edges (its first line, its last two, the blocks after it),
    kept in any language: a copy's "이 기사는 X에 처음 실렸습니다" or "Weiterlesen bei x.de" names
    its original even where no phrasing of ``read_credits`` knows the language. The canonical
    choice reads them against the other members' names and domains (``neardup.canonical``)."""
    kept = [" ".join(c.split()) for c in candidates if c and len(c.split()) <= MAX_CREDIT_WORDS]
    return tuple(dict.fromkeys(c for c in kept if 2 <= len(c) <= MAX_EDGE_LINE))


_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "edu", "ne", "or", "go", "gob", "nic"})


def own_names(site_name: str | None, url: str) -> set[str]:
    """Keys of the names a page's own site goes by: its site name and its domain's main label."""
    labels = [label for label in (urlsplit(url).hostname or "").lower().split(".") if label and label != "www"]
    labels = labels[:-1] if len(labels) > 1 else labels
    if len(labels) > 1 and labels[-1] in _SECOND_LEVEL:
        labels = labels[:-1]
    names = [site_name, labels[-1] if labels and not labels[-1].isdigit() else None]
    return {normalise_line(name).replace(" ", "") for name in names if name}


def is_own(name: str, own: set[str]) -> bool:
    key = normalise_line(re.sub(r"\.[a-z]{2,6}$", "", name, flags=re.IGNORECASE)).replace(" ", "")
    return any(len(key) >= 4 and (key in site or site in key) for site in own if len(site) >= 4)
