"""Text edits that republishers make to a story: straightened quotes, cut, merged and split paragraphs."""

from __future__ import annotations

import re

_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})
_SENTENCE_END = re.compile(r"(?<=[.?!\u201d\"])\s+(?=[A-Z\u201c\"])")


def straighten(text: str) -> str:
    """Curly quotes to straight ones.

    >>> straighten("\u201cIt\u2019s fine,\u201d she said.")
    '"It\\'s fine," she said.'
    """
    return text.translate(_QUOTES)


def split_paragraph(text: str) -> tuple[str, str]:
    """Split a paragraph at the sentence boundary nearest its middle.

    >>> split_paragraph("One. Two. Three. Four.")
    ('One. Two.', 'Three. Four.')
    """
    cuts = [m for m in _SENTENCE_END.finditer(text)]
    if not cuts:
        raise ValueError(f"cannot split a one-sentence paragraph: {text[:40]!r}")
    best = min(cuts, key=lambda m: abs(m.start() - len(text) / 2))
    return text[:best.start()], text[best.end():]


def apply_edits(paragraphs: tuple[str, ...], ops: list[list]) -> tuple[str, ...]:
    """Apply edit operations in order to a list of paragraphs.

    ``["straighten"]``, ``["cut_last", n]`` (drop the last n paragraphs), ``["merge", i]``
    (join paragraph i with the next one) and ``["split", i]`` (split paragraph i in two);
    indexes refer to the list as it is when the operation runs.

    >>> apply_edits(("A b. C d.", "E.", "F.", "G."), [["cut_last", 1], ["merge", 1], ["split", 0]])
    ('A b.', 'C d.', 'E. F.')
    """
    out = list(paragraphs)
    for op in ops:
        name, args = op[0], op[1:]
        if name == "straighten":
            out = [straighten(p) for p in out]
        elif name == "cut_last":
            out = out[: len(out) - args[0]]
        elif name == "merge":
            out[args[0]: args[0] + 2] = [out[args[0]] + " " + out[args[0] + 1]]
        elif name == "split":
            out[args[0]: args[0] + 1] = list(split_paragraph(out[args[0]]))
        else:
            raise ValueError(f"unknown edit {name!r}: use straighten, cut_last, merge or split")
    return tuple(out)
