"""Cluster decisions as pure functions over plain rows: verification and the canonical choice."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from archive.neardup.fingerprint import containment, jaccard

import numpy as np

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_HOST_NOISE = re.compile(r"^(www|amp|m)\.|\.(com|org|net|co\.uk|co|info|news|io)$")


@dataclass(frozen=True, slots=True)
class Match:
    """How a new text relates to one archived candidate."""

    article_id: int
    jaccard: float
    containment: float
    excerpt: bool          # the shorter text is a small part of the longer one


def verify(signature: np.ndarray, size: int, cand_signature: np.ndarray, cand_size: int, article_id: int, *,
           join_jaccard: float, join_containment: float, excerpt_ratio: float, min_shingles: int = 8) -> Match | None:
    """Return a Match when the candidate is the same story, else None (a false LSH hit)."""
    j = jaccard(signature, cand_signature)
    c = containment(j, size, cand_size)
    if j >= join_jaccard:
        return Match(article_id, j, c, excerpt=False)
    if c >= join_containment and min(size, cand_size) >= min_shingles:
        ratio = min(size, cand_size) / max(size, cand_size, 1)
        return Match(article_id, j, c, excerpt=ratio < excerpt_ratio)
    return None


def name_key(name: str | None) -> str:
    """A publisher name or host reduced for comparison: 'The Harbour Review' ~ 'harbourreview.com'."""
    if not name:
        return ""
    lowered = name.casefold().strip()
    lowered = _HOST_NOISE.sub("", lowered.split(":")[0]) if "." in lowered and " " not in lowered else lowered
    key = _NON_ALNUM.sub("", lowered)
    return key[3:] if key.startswith("the") and len(key) > 6 else key


def names_match(a: str | None, b: str | None) -> bool:
    ka, kb = name_key(a), name_key(b)
    if not ka or not kb:
        return False
    return ka == kb or (min(len(ka), len(kb)) >= 5 and (ka in kb or kb in ka))


@dataclass(frozen=True, slots=True)
class Member:
    """What the canonical choice needs to know about one cluster member."""

    id: int
    url_key: str
    site_host: str
    site_name: str | None = None
    canonical_key: str | None = None        # url_key of the page's declared canonical
    credits: tuple[str, ...] = field(default=())
    published: datetime | None = None
    first_seen: datetime | None = None
    is_excerpt: bool = False


def credited_origin(members: list[Member]) -> str | None:
    """The publisher most members credit as the story's origin ("originally appeared in X",
    "(c) X", "Read more at X"). Spellings of one publisher count together ("Harbour Review",
    "harbourreview.com"); the most frequent name that is not a bare host is returned.

    >>> credited_origin([Member(1, "a/1", "a", credits=("harbourreview.com",)),
    ...                  Member(2, "b/1", "b", credits=("Harbour Review",))])
    'Harbour Review'
    """
    groups: list[list[str]] = []
    for m in sorted(members, key=lambda m: m.id):
        for credit in dict.fromkeys(m.credits):
            group = next((g for g in groups if names_match(g[0], credit)), None)
            if group is None:
                groups.append([credit])
            else:
                group.append(credit)
    if not groups:
        return None
    best = max(groups, key=len)
    names = [c for c in best if " " in c or "." not in c] or best
    return Counter(names).most_common(1)[0][0]


def _trusted_date(m: Member) -> datetime | None:
    # A date in the future of when the page was first seen is a template error, not a fact.
    if m.published is None or (m.first_seen and m.published > m.first_seen + timedelta(days=1)):
        return None
    return m.published


def _host(key: str | None) -> str:
    return (key or "").split("/", 1)[0]


def declares_other_publisher(m: Member) -> bool:
    """True when the page's rel=canonical/og:url names a page of another publisher: a copy.

    A page whose declared canonical is on its own host, or on a host named like its own
    publisher (a syndicated original served elsewhere), declares itself.
    """
    if not m.canonical_key or m.canonical_key == m.url_key:
        return False
    host = _host(m.canonical_key)
    return host != m.site_host and not names_match(m.site_name, host)


def choose_canonical(members: list[Member]) -> Member:
    """The member that stands for the story, in order of evidence: pointed to by the others'
    rel=canonical/og:url; published by the credited publisher; not declaring another
    publisher's page as its canonical; not crediting another publisher; earliest published;
    first seen; lowest id. Excerpts are chosen only when every member is one.
    """
    if not members:
        raise ValueError("a cluster needs at least one member to choose a canonical")
    pool = [m for m in members if not m.is_excerpt] or list(members)
    origin = credited_origin(members)
    far = datetime.max

    def votes(m: Member) -> int:
        own = {m.url_key} | ({m.canonical_key} if m.canonical_key and not declares_other_publisher(m) else set())
        return sum(1 for o in members if o.id != m.id and o.canonical_key in own and o.canonical_key != o.url_key)

    def key(m: Member) -> tuple:
        date = _trusted_date(m)
        return (
            -votes(m),
            not (origin and (names_match(origin, m.site_name) or names_match(origin, m.site_host))),
            declares_other_publisher(m),
            any(not names_match(c, m.site_name) for c in m.credits),
            date.replace(tzinfo=None) if date else far,
            m.first_seen.replace(tzinfo=None) if m.first_seen else far,
            m.id,
        )

    return min(pool, key=key)
