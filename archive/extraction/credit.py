"""Attribution lines: the publishers a page credits as a story's origin, and "Read more at X" teasers."""

from __future__ import annotations

import re

# Attribution is a line or a short paragraph; a long paragraph that mentions a source is reporting.
MAX_CREDIT_WORDS = 40
MAX_NAME_WORDS = 8

_NAME = r"(?P<name>[^\n]{2,120}?)"
_END = r"\s*[.!]?\s*$"
_KINDS = (r"(?:article|story|post|piece|report|essay|column|op-?ed|commentary|interview|analysis|item|text|"
          r"content|feature)")

_CREDIT_PATTERNS = tuple(re.compile(p, re.IGNORECASE) for p in (
    # "This article originally appeared in X", "The story was first published by X on May 2"
    rf"^(?:this|the|a version of this|an earlier version of this) {_KINDS}(?: \w+)? (?:was |has been |is )?"
    rf"(?:originally|first)(?: appeared| published| ran| posted| printed)?(?: in| on| at| by)? {_NAME}{_END}",
    # "Originally published by X", "First appeared in X"
    rf"^(?:originally|first) (?:appeared|published|ran|posted|printed)(?: in| on| at| by| with)? {_NAME}{_END}",
    # "Republished with permission from X", "Reprinted with the kind permission of X"
    rf"^(?:(?:this {_KINDS} (?:is|was|has been) )?(?:re-?published|reprinted|reproduced|shared|used)(?: here)?"
    rf" (?:with|by) (?:the )?(?:kind |express )?permission (?:from|of|by) {_NAME}{_END})",
    # "Reprinted from X", "This article is republished from X under a Creative Commons license"
    rf"^(?:this {_KINDS} (?:is|was|has been) )?(?:re-?printed|re-?published|reproduced|adapted|excerpted)"
    rf" from {_NAME}{_END}",
    # "(c) X, 2022", "© 2022 X. All rights reserved.", "Copyright X"
    rf"^(?:©|\(c\)|copyright(?: ©| \(c\))?)\s*(?:\d{{4}}(?:\s*[-–]\s*\d{{4}})?\s*,?\s*)?(?:by\s+)?{_NAME}{_END}",
    # "Source: X", "Via X"
    rf"^\(?(?:source|sources|via|courtesy(?: of)?)\s*[:\-–—]?\s+{_NAME}\)?{_END}",
))

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


def clean_publisher(raw: str) -> str | None:
    """The publisher's name in an attribution tail, or ``None`` when it does not look like a name.

    >>> clean_publisher("Harbour Review magazine and is republished here with permission.")
    'Harbour Review'
    >>> clean_publisher("Harbour Review, 2022.")
    'Harbour Review'
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
    if not (name[0].isupper() or name[0].isdigit()):
        return None
    if sum(w[:1].isupper() or w[:1].isdigit() for w in words) < max(1, len(words) // 2):
        return None   # a clause ("Source: officials familiar with the talks"), not a name
    return name


def _sentences(line: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(line.strip()) if s.strip()]


def _credit_in(sentence: str) -> str | None:
    sentence = _NOTE_PREFIX.sub("", sentence.replace("’", "'"))
    for pattern in _CREDIT_PATTERNS:
        match = pattern.match(sentence)
        if match:
            name = clean_publisher(match.group("name"))
            if name:
                return name
    return None


def split_credits(lines: list[str]) -> tuple[list[str], tuple[str, ...]]:
    """Separate attribution sentences from the text: the lines without them, and the publishers credited.

    Only lines of at most ``MAX_CREDIT_WORDS`` words are examined; within them, a sentence that is
    an attribution is dropped and the rest of the line is kept.
    """
    kept: list[str] = []
    credits: list[str] = []
    for line in lines:
        if len(line.split()) > MAX_CREDIT_WORDS:
            kept.append(line)
            continue
        rest = []
        for sentence in _sentences(line):
            name = _credit_in(sentence)
            if name:
                credits.append(name)
            elif not (credits and _RIGHTS.match(sentence)):
                rest.append(sentence)
        if rest:
            kept.append(line if len(rest) == len(_sentences(line)) else " ".join(rest))
    return kept, tuple(dict.fromkeys(credits))


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
