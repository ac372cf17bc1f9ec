"""Lead keys read from the start of a long line are the keys of the whole line (the shortcut
``leads._opening`` against tokenising every line whole), in every script and at every cut."""

from __future__ import annotations

import random

import pytest

from archive.neardup.normalize import words
from archive.storage import leads
from archive.storage.leads import _CHARS_PER_LEAD_WORD, lead_keys
from textgen import cjk_story, story


def _whole_line_keys(text: str, lead_words: int, paragraphs: int, monkeypatch) -> list[int]:
    """``lead_keys`` as it was: each line tokenised whole."""
    with monkeypatch.context() as patched:
        patched.setattr(leads, "_opening", lambda line, _lead_words: words(line))
        return lead_keys(text, lead_words, paragraphs)


def _awkward_line(rng: random.Random, lead_words: int) -> str:
    """A long line whose start is cut inside whatever sits there: a long word, an apostrophe, a
    combining accent, a ligature, typographic quotes and dashes, Chinese characters."""
    pieces = ["Zusammengehörigkeitsgefühlsbekundungen", "it's", "rock'n'roll", "e\u0301te\u0301", "\ufb01nance",
              "\u201cquoted\u201d", "\u2014", "东京都", "l'\u00e9t\u00e9", "ß-Straße", "Ｆｕｌｌｗｉｄｔｈ", "a"]
    # words about as long as the characters read per word: the start holds just about the words wanted
    long_word = "".join(rng.choice("abcdefghij") for _ in range(_CHARS_PER_LEAD_WORD - rng.randrange(0, 4)))
    text = " ".join(rng.choice(pieces) if rng.random() < 0.3 else long_word for _ in range(lead_words * 3))
    return text[: rng.randrange(lead_words * _CHARS_PER_LEAD_WORD - 40, lead_words * _CHARS_PER_LEAD_WORD * 2)]


@pytest.mark.parametrize("seed", range(40))
def test_keys_equal_those_of_whole_lines(seed, monkeypatch):
    rng = random.Random(seed)
    lead_words = rng.choice([4, 8, 12, 20])
    lines = [*story(seed, paragraphs=3, words_per_paragraph=rng.choice([10, 60, 200])),
             *(_awkward_line(rng, lead_words) for _ in range(4)),
             *cjk_story(seed, rng.choice(["ja", "zh", "ko"]), paragraphs=2, sentences=rng.choice([1, 6]))]
    rng.shuffle(lines)
    text = "\n".join(lines)
    for paragraphs in (1, 3, 9):
        assert lead_keys(text, lead_words, paragraphs) == _whole_line_keys(text, lead_words, paragraphs, monkeypatch)
