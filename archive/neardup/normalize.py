"""Text normalisation and shingling: the same words give the same shingles however typeset."""

from __future__ import annotations

import re
import unicodedata

NORMALIZER_VERSION = 2   # 2: Chinese and Japanese characters are tokens of their own

# Typographic variants that republishers change freely: quotes, apostrophes, dashes, spaces.
_TRANSLATION = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\u00a0": " ", "\u200b": "", "\u00ad": "", "\ufeff": "",
})
_WHITESPACE = re.compile(r"\s+")
# Scripts written without spaces between words: Han ideographs (Chinese, Japanese kanji) and kana.
# Each of their characters is a token of its own, so shingles of them are character n-grams; every
# other script's tokens are its words, as before (a text with no such character tokenises as it did).
CJK_CHARS = ("\u3005-\u3007\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
             "\U00020000-\U0002ebef\U00030000-\U0003134f")
# How many such characters make a word when a text's length is counted in words.
CHARS_PER_WORD = 2
_WORD = re.compile(rf"[{CJK_CHARS}]|[^\W{CJK_CHARS}]+(?:'[^\W{CJK_CHARS}]+)*")
_CJK = re.compile(rf"[{CJK_CHARS}]")


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
    """The words of a normalised text, punctuation dropped; in Chinese and Japanese each
    character is a token (see ``CJK_CHARS``).

    >>> words("It's a test -- of words.")
    ["it's", 'a', 'test', 'of', 'words']
    >>> words("東京で3日")
    ['東', '京', 'で', '3', '日']
    """
    return _WORD.findall(normalize_text(text))


def word_count(tokens: list[str]) -> int:
    """The length of a text in words from its tokens: a Chinese or Japanese character is half a
    word (``CHARS_PER_WORD``), so length limits mean the same in every script.

    >>> word_count(words("Ein kurzer Satz")), word_count(words("東京都は今日、新しい計画を発表した"))
    (3, 8)
    """
    chars = sum(1 for t in tokens if len(t) == 1 and _CJK.match(t))
    return len(tokens) - chars + -(-chars // CHARS_PER_WORD)


def spaced_length(text: str) -> int:
    """The number of words of a text as separated by spaces, where a run of Chinese or Japanese
    counts as its characters do in ``word_count``: ``len(text.split())`` for other scripts.

    >>> spaced_length("Breaking — news today"), spaced_length("速報 東京都は今日、新しい計画を発表した")
    (4, 9)
    """
    chunks = text.split()
    if _CJK.search(text) is None:      # the common case, one search instead of one per word
        return len(chunks)
    return sum(1 if not _CJK.search(chunk) else max(1, word_count(words(chunk))) for chunk in chunks)


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds a Chinese or Japanese character (tokenised on its own)."""
    return _CJK.search(text) is not None


def shingles(tokens: list[str], size: int) -> list[str]:
    """Overlapping runs of ``size`` words; a text shorter than that is one shingle.

    >>> shingles(["a", "b", "c"], 2)
    ['a b', 'b c']
    """
    if len(tokens) < size:
        return [" ".join(tokens)] if tokens else []
    return [" ".join(tokens[i:i + size]) for i in range(len(tokens) - size + 1)]
