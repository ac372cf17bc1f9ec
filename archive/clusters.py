"""Cluster decisions as pure functions over plain rows: verification and the canonical choice."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from archive.fingerprint import containment, jaccard

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
    """A publisher name or host reduced for comparison: 'The Foreign Policy' ~ 'foreignpolicy.com'."""
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
    """The publisher most members credit as the story's origin ("originally appeared in X")."""
    counts = Counter(c for m in members for c in dict.fromkeys(m.credits))
    return counts.most_common(1)[0][0] if counts else None


def _trusted_date(m: Member) -> datetime | None:
    # A date in the future of when the page was first seen is a template error, not a fact.
    if m.published is None or (m.first_seen and m.published > m.first_seen + timedelta(days=1)):
        return None
    return m.published


def choose_canonical(members: list[Member]) -> Member:
    """The member that stands for the story, in order of evidence: pointed to by the others'
    rel=canonical/og:url; published by the credited publisher; earliest published; first seen;
    lowest id. Excerpts are chosen only when every member is one.
    """
    if not members:
        raise ValueError("a cluster needs at least one member to choose a canonical")
    pool = [m for m in members if not m.is_excerpt] or list(members)
    votes = Counter(m.canonical_key for m in members if m.canonical_key and m.canonical_key != m.url_key)
    origin = credited_origin(members)
    far = datetime.max.replace(tzinfo=None)

    def key(m: Member) -> tuple:
        date = _trusted_date(m)
        seen = m.first_seen
        return (
            -votes.get(m.url_key, 0),
            not (origin and (names_match(origin, m.site_name) or names_match(origin, m.site_host))),
            bool(m.canonical_key and m.canonical_key != m.url_key),   # points elsewhere: a copy
            bool(m.credits) and not any(names_match(c, m.site_name) for c in m.credits),
            date.replace(tzinfo=None) if date else far,
            seen.replace(tzinfo=None) if seen else far,
            m.id,
        )

    return min(pool, key=key)
