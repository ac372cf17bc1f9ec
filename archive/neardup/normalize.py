"""Text normalisation and shingling: the same words give the same shingles however typeset."""

from __future__ import annotations

import re
import unicodedata

NORMALIZER_VERSION = 1

# Typographic variants that republishers change freely: quotes, apostrophes, dashes, spaces.
_TRANSLATION = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\u00a0": " ", "\u200b": "", "\u00ad": "", "\ufeff": "",
})
_WHITESPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+(?:'\w+)*")


def normalize_text(text: str) -> str:
    """Unicode NFKC, case-folded, quotes/dashes unified, whitespace collapsed.

    >>> normalize_text("\u201cIt\u2019s  HERE\u201d \u2014 now")
    '"it\\'s here" - now'
    """
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATION).casefold()
    return _WHITESPACE.sub(" ", text).strip()


def normalize_line(line: str) -> str:
    """A line reduced to its words, for matching chrome lines across pages."""
    return " ".join(_WORD.findall(normalize_text(line)))


def words(text: str) -> list[str]:
    """The words of a normalised text, punctuation dropped.

    >>> words("It's a test -- of words.")
    ["it's", 'a', 'test', 'of', 'words']
    """
    return _WORD.findall(normalize_text(text))


def shingles(tokens: list[str], size: int) -> list[str]:
    """Overlapping runs of ``size`` words; a text shorter than that is one shingle.

    >>> shingles(["a", "b", "c"], 2)
    ['a b', 'b c']
    """
    if len(tokens) < size:
        return [" ".join(tokens)] if tokens else []
    return [" ".join(tokens[i:i + size]) for i in range(len(tokens) - size + 1)]
