"""What a republished copy changed from the canonical: headline, byline, paragraphs added, cut or edited."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from difflib import SequenceMatcher
from typing import Any

from archive.normalize import normalize_line

# Two runs of paragraphs whose words agree at least this much are one passage edited (or split
# into paragraphs differently), not one cut and another added.
EDIT_SIMILARITY = 0.6


@dataclass(frozen=True, slots=True)
class Changes:
    """The differences of one copy from the canonical article, paragraph by paragraph."""

    headline_changed: bool = False
    byline_dropped: bool = False
    paragraphs_added: int = 0
    paragraphs_cut: int = 0
    cut_at_end: bool = False          # the cut paragraphs include the canonical's last one
    paragraphs_edited: int = 0        # changed wording (typography aside)
    paragraphs_resplit: int = 0       # same words, split into paragraphs differently

    @property
    def unchanged(self) -> bool:
        return not (self.headline_changed or self.byline_dropped or self.paragraphs_added
                    or self.paragraphs_cut or self.paragraphs_edited or self.paragraphs_resplit)

    def summary(self) -> str:
        """One line for people: "new headline; 2 paragraphs cut at the end; 1 added"."""
        if self.unchanged:
            return "same text"
        parts = []
        if self.headline_changed:
            parts.append("new headline")
        if self.byline_dropped:
            parts.append("byline dropped")
        if self.paragraphs_cut:
            parts.append(f"{_count(self.paragraphs_cut)} cut" + (" at the end" if self.cut_at_end else ""))
        if self.paragraphs_added:
            parts.append(f"{_count(self.paragraphs_added)} added")
        if self.paragraphs_edited:
            parts.append(f"{_count(self.paragraphs_edited)} edited")
        if self.paragraphs_resplit:
            parts.append(f"{_count(self.paragraphs_resplit)} split differently")
        return "; ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "summary": self.summary()}


def _count(n: int) -> str:
    return f"{n} paragraph" + ("" if n == 1 else "s")


def paragraphs(text: str) -> list[str]:
    """The text's paragraphs reduced to their words (quotes, dashes and case do not count)."""
    return [p for p in (normalize_line(line) for line in text.split("\n")) if p]


def compare(canonical: dict[str, Any], copy: dict[str, Any]) -> Changes:
    """Compare ``copy`` with ``canonical``; both hold ``title``, ``author`` and ``text``.

    >>> compare({"title": "A", "text": "one two\\nthree four"}, {"title": "B", "text": "one two"}).summary()
    'new headline; 1 paragraph cut at the end'
    """
    a, b = paragraphs(canonical.get("text") or ""), paragraphs(copy.get("text") or "")
    counts = {"added": 0, "cut": 0, "edited": 0, "resplit": 0}
    cut_at_end = False
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            last_cut = _align(a[i1:i2], b[j1:j2], counts)
            cut_at_end = cut_at_end or (i2 == len(a) and last_cut)
    added, cut, edited, resplit = counts["added"], counts["cut"], counts["edited"], counts["resplit"]
    title_a, title_b = normalize_line(canonical.get("title") or ""), normalize_line(copy.get("title") or "")
    return Changes(
        headline_changed=bool(title_a and title_b and title_a != title_b),
        byline_dropped=bool(canonical.get("author")) and not copy.get("author"),
        paragraphs_added=added, paragraphs_cut=cut, cut_at_end=cut_at_end, paragraphs_edited=edited,
        paragraphs_resplit=resplit)


def _similar(left: str, right: str) -> bool:
    return SequenceMatcher(None, left.split(), right.split(), autojunk=False).ratio() >= EDIT_SIMILARITY


def _align(a: list[str], b: list[str], counts: dict[str, int]) -> bool:
    """Pair the canonical's paragraphs ``a`` with the copy's ``b`` where they differ: split or
    merged, edited, cut or added. Returns whether the last paragraph of ``a`` was cut."""
    i = j = 0
    last_cut = False
    while i < len(a) and j < len(b):
        last_cut = False
        if j + 1 < len(b) and f"{b[j]} {b[j + 1]}" == a[i]:
            counts["resplit"], i, j = counts["resplit"] + 1, i + 1, j + 2
        elif i + 1 < len(a) and f"{a[i]} {a[i + 1]}" == b[j]:
            counts["resplit"], i, j = counts["resplit"] + 2, i + 2, j + 1
        elif _similar(a[i], b[j]):
            counts["edited"], i, j = counts["edited"] + 1, i + 1, j + 1
        elif any(_similar(b[j], later) for later in a[i + 1:]):
            counts["cut"], i, last_cut = counts["cut"] + 1, i + 1, True
        else:
            counts["added"], j = counts["added"] + 1, j + 1
    counts["added"] += len(b) - j
    counts["cut"] += len(a) - i
    return last_cut if i == len(a) else True
