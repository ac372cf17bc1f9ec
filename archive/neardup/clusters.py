"""Cluster decisions as pure functions over plain rows: verification (and, re-exported, the canonical choice)."""

from __future__ import annotations

from dataclasses import dataclass

from archive.neardup.canonical import Member, choose_canonical, credited_origin, declares_other_publisher
from archive.neardup.fingerprint import containment, jaccard
from archive.neardup.publishers import names_match

import numpy as np

__all__ = ["Match", "Member", "choose_canonical", "credited_origin", "declares_other_publisher", "names_match",
           "verify"]


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
