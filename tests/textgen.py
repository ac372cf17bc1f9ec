"""Deterministic filler prose for tests: distinct stories from a seed, no outside text."""

from __future__ import annotations

import random

_WORDS = (
    "council harbour river budget school bridge market farmers station report mayor plan water "
    "road city village union court minister festival museum hospital railway ferry tower garden "
    "library forest energy storm coast island factory airport police fire teachers nurses students "
    "voters tax housing rent prices wages fishermen builders engineers doctors judges senators "
    "province district valley mountain lake north south east west new old large small early late "
    "said announced warned agreed refused opened closed approved rejected delayed expanded reduced "
    "after before during while because although since until when where which who that this those "
    "morning evening week month year decade spring summer autumn winter monday friday officials "
    "residents workers leaders critics experts groups families children owners visitors drivers"
).split()


def paragraph(rng: random.Random, n_words: int) -> str:
    words = [rng.choice(_WORDS) for _ in range(n_words)]
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def story(seed: int, paragraphs: int = 8, words_per_paragraph: int = 45) -> list[str]:
    """A story's paragraphs; the same seed gives the same story."""
    rng = random.Random(seed)
    return [paragraph(rng, words_per_paragraph) for _ in range(paragraphs)]
