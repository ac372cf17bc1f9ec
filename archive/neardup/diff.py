"""What a republished copy changed from the canonical: headline, byline, paragraphs added, cut or
edited (with the words changed), and how to print it for people."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from difflib import SequenceMatcher
from typing import Any

import click

from archive.neardup.normalize import normalize_line

# Two runs of paragraphs whose words agree at least this much are one passage edited (or split
# into paragraphs differently), not one cut and another added.
EDIT_SIMILARITY = 0.6


# A word-level difference: runs of words the same ("="), only in the canonical ("-") or only in
# the copy ("+"), in reading order.
WordRun = tuple[str, str]


@dataclass(frozen=True, slots=True)
class ParagraphChange:
    """One difference in the body: ``kind`` is ``added`` (only the copy has ``copy``), ``cut``
    (only the canonical has ``canonical``), ``edited`` (``words`` tells what changed) or
    ``resplit`` (the same words in another number of paragraphs). Texts are as the pages have them."""

    kind: str
    canonical: str | None = None
    copy: str | None = None
    words: tuple[WordRun, ...] = ()


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
    headline_words: tuple[WordRun, ...] = ()          # the headline's word diff, when it changed
    dropped_byline: str | None = None                 # the canonical's byline, when the copy has none
    paragraphs: tuple[ParagraphChange, ...] = ()      # every difference, in reading order

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


def _paragraphs(text: str) -> tuple[list[str], list[str]]:
    """The text's paragraphs as written and reduced to their words, side by side."""
    pairs = [(" ".join(line.split()), normalize_line(line)) for line in text.split("\n")]
    kept = [(line, key) for line, key in pairs if key]
    return [line for line, _ in kept], [key for _, key in kept]


def word_diff(old: str, new: str) -> tuple[WordRun, ...]:
    """Runs of words kept, cut and added from ``old`` to ``new``; typography and case do not count.

    >>> word_diff("The storm closed the road.", "The storm shut the road today.")
    (('=', 'The storm'), ('-', 'closed'), ('+', 'shut'), ('=', 'the road'), ('+', 'today.'))
    """
    a, b = old.split(), new.split()
    key = lambda token: normalize_line(token) or token  # noqa: E731 - a lone dash or quote is itself
    runs: list[WordRun] = []
    matcher = SequenceMatcher(None, [key(t) for t in a], [key(t) for t in b], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            runs.append(("=", " ".join(b[j1:j2])))
            continue
        if i2 > i1:
            runs.append(("-", " ".join(a[i1:i2])))
        if j2 > j1:
            runs.append(("+", " ".join(b[j1:j2])))
    return tuple(runs)


def compare(canonical: dict[str, Any], copy: dict[str, Any]) -> Changes:
    """Compare ``copy`` with ``canonical``; both hold ``title``, ``author`` and ``text``.

    >>> compare({"title": "A", "text": "one two\\nthree four"}, {"title": "B", "text": "one two"}).summary()
    'new headline; 1 paragraph cut at the end'
    """
    (a_text, a), (b_text, b) = _paragraphs(canonical.get("text") or ""), _paragraphs(copy.get("text") or "")
    counts = {"added": 0, "cut": 0, "edited": 0, "resplit": 0}
    found: list[ParagraphChange] = []
    cut_at_end = False
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            last_cut = _align(a[i1:i2], b[j1:j2], counts, found, a_text[i1:i2], b_text[j1:j2])
            cut_at_end = cut_at_end or (i2 == len(a) and last_cut)
    added, cut, edited, resplit = counts["added"], counts["cut"], counts["edited"], counts["resplit"]
    title_a, title_b = normalize_line(canonical.get("title") or ""), normalize_line(copy.get("title") or "")
    headline_changed = bool(title_a and title_b and title_a != title_b)
    byline_dropped = bool(canonical.get("author")) and not copy.get("author")
    return Changes(
        headline_changed=headline_changed, byline_dropped=byline_dropped,
        paragraphs_added=added, paragraphs_cut=cut, cut_at_end=cut_at_end, paragraphs_edited=edited,
        paragraphs_resplit=resplit,
        headline_words=word_diff(canonical["title"], copy["title"]) if headline_changed else (),
        dropped_byline=canonical["author"] if byline_dropped else None, paragraphs=tuple(found))


def _similar(left: str, right: str) -> bool:
    return SequenceMatcher(None, left.split(), right.split(), autojunk=False).ratio() >= EDIT_SIMILARITY


def _align(a: list[str], b: list[str], counts: dict[str, int], found: list[ParagraphChange],
           a_text: list[str], b_text: list[str]) -> bool:
    """Pair the canonical's paragraphs ``a`` with the copy's ``b`` where they differ: split or
    merged, edited, cut or added (``a_text`` and ``b_text`` are them as written; each difference
    is appended to ``found``). Returns whether the last paragraph of ``a`` was cut."""
    i = j = 0
    last_cut = False
    while i < len(a) and j < len(b):
        last_cut = False
        if j + 1 < len(b) and f"{b[j]} {b[j + 1]}" == a[i]:
            found.append(ParagraphChange("resplit", a_text[i], "\n".join(b_text[j:j + 2])))
            counts["resplit"], i, j = counts["resplit"] + 1, i + 1, j + 2
        elif i + 1 < len(a) and f"{a[i]} {a[i + 1]}" == b[j]:
            found.append(ParagraphChange("resplit", "\n".join(a_text[i:i + 2]), b_text[j]))
            counts["resplit"], i, j = counts["resplit"] + 2, i + 2, j + 1
        elif _similar(a[i], b[j]):
            found.append(ParagraphChange("edited", a_text[i], b_text[j], word_diff(a_text[i], b_text[j])))
            counts["edited"], i, j = counts["edited"] + 1, i + 1, j + 1
        elif any(_similar(b[j], later) for later in a[i + 1:]):
            found.append(ParagraphChange("cut", canonical=a_text[i]))
            counts["cut"], i, last_cut = counts["cut"] + 1, i + 1, True
        else:
            found.append(ParagraphChange("added", copy=b_text[j]))
            counts["added"], j = counts["added"] + 1, j + 1
    found.extend(ParagraphChange("added", copy=text) for text in b_text[j:])
    found.extend(ParagraphChange("cut", canonical=text) for text in a_text[i:])
    counts["added"] += len(b) - j
    counts["cut"] += len(a) - i
    return last_cut if i == len(a) else True


# -- for people -------------------------------------------------------------------------------

COLOURS = {"+": "green", "-": "red", "~": "yellow"}


def marked(runs: Any, color: bool = False) -> str:
    """Word runs inline: ``kept [-cut-]{+added+}`` (as ``git diff --word-diff``), coloured if asked."""
    parts = []
    for op, text in runs:
        if op == "=":
            parts.append(text)
        else:
            mark = f"[-{text}-]" if op == "-" else f"{{+{text}+}}"
            parts.append(click.style(mark, fg=COLOURS[op]) if color else mark)
    return " ".join(parts)


def describe(changes: dict[str, Any], color: bool = False, *, full: bool = True) -> list[str]:
    """The lines that show a copy's differences (``Changes.as_dict()``): ``~ `` a headline or
    paragraph edited (word marks inline), ``- `` a byline or paragraph cut, ``+ `` a paragraph
    added, ``~ split differently:`` the same words in other paragraphs. Unless ``full``, a run of
    paragraphs cut together is one line: ``- 7 paragraphs cut at the end``."""
    def line(prefix: str, text: str, whole: bool = False) -> str:
        if not color:
            return f"{prefix} {text}"
        return click.style(f"{prefix} {text}", fg=COLOURS[prefix]) if whole else f"{click.style(prefix, fg=COLOURS[prefix])} {text}"

    lines = []
    if changes.get("headline_words"):
        lines.append(line("~", "headline: " + marked(changes["headline_words"], color)))
    if changes.get("dropped_byline"):
        lines.append(line("-", f"byline: {changes['dropped_byline']}", whole=True))
    found = list(changes.get("paragraphs") or ())
    for position, run in _runs(found, full):
        kind = run[0]["kind"]
        if kind == "cut" and len(run) > 1:
            at_end = changes.get("cut_at_end") and position + len(run) == len(found)
            lines.append(line("-", f"{_count(len(run))} cut" + (" at the end" if at_end else ""), whole=True))
        elif kind == "added":
            lines.append(line("+", run[0]["copy"], whole=True))
        elif kind == "cut":
            lines.append(line("-", run[0]["canonical"], whole=True))
        elif kind == "edited":
            lines.append(line("~", marked(run[0]["words"], color)))
        else:
            lines.append(line("~", "split differently: " + " ¶ ".join(run[0]["copy"].split("\n"))))
    return lines


def _runs(found: list[dict[str, Any]], full: bool) -> list[tuple[int, list[dict[str, Any]]]]:
    """The paragraph changes one by one, or (unless ``full``) runs of cuts together, with the
    position of each run's first change."""
    runs: list[tuple[int, list[dict[str, Any]]]] = []
    for position, change in enumerate(found):
        if not full and runs and change["kind"] == "cut" and runs[-1][1][-1]["kind"] == "cut":
            runs[-1][1].append(change)
        else:
            runs.append((position, [change]))
    return runs
