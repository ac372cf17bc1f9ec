"""Texts in scripts written without spaces (Japanese, Chinese) and in Korean: length checks,
tokens, shingles and lead keys, from pages the tests generate with invented texts."""

from __future__ import annotations

import re

import pytest

from archive.config import FingerprintParams
from archive.extraction.article import Article, Skipped
from archive.extraction.extract import extract
from archive.neardup.fingerprint import fingerprint, jaccard
from archive.neardup.normalize import normalize_text, spaced_length, word_count, words
from archive.storage.leads import lead_keys
from pages import news_page
from textgen import cjk_story, story

_OLD_WORD = re.compile(r"\w+(?:'\w+)*")     # the tokeniser before scripts without spaces were split


@pytest.mark.parametrize("language", ["ja", "zh", "ko"])
def test_a_short_article_in_any_script_is_an_article_not_too_short(language):
    paragraphs = cjk_story(7, language, paragraphs=4, sentences=3)
    html = news_page(site="Sample Shimbun", title="Sample", paragraphs=paragraphs, lang=language)
    result = extract(html, "http://east.test/articles/2024/05/01/12345")
    assert isinstance(result, Article), result
    assert result.text.split("\n") == paragraphs


@pytest.mark.parametrize("language", ["ja", "zh"])
def test_a_page_of_a_few_characters_is_still_too_short(language):
    html = news_page(site="Sample Shimbun", title="Sample", paragraphs=[cjk_story(3, language, 1, 1)[0]], lang=language)
    result = extract(html, "http://east.test/articles/2024/05/01/12345")
    assert isinstance(result, Skipped) and "too short" in result.detail


def test_chinese_and_japanese_characters_are_tokens_and_count_as_half_a_word():
    assert words("東京で3日、会議") == ["東", "京", "で", "3", "日", "会", "議"]
    assert word_count(words("市政府在学校宣布了")) == 5            # 9 characters
    assert spaced_length("速報 市政府在学校宣布了") == 6
    assert words("시청은 예산을 발표했다") == ["시청은", "예산을", "발표했다"]   # Korean: its words


def test_latin_and_other_spaced_scripts_tokenise_exactly_as_before():
    texts = [" ".join(story(5)), "Der Bürgermeister sagte: „Es wird teurer.“ — l'été, O'Brien's", "Москва 12 мая",
             "İstanbul'da seçim", "Ωμέγα_test 3.5"]
    for text in texts:
        assert words(text) == _OLD_WORD.findall(normalize_text(text))
        assert word_count(words(text)) == len(words(text))
        assert spaced_length(text) == len(text.split())


@pytest.mark.parametrize("language", ["ja", "zh", "ko"])
def test_shingles_tell_a_cut_copy_from_another_story(language):
    params = FingerprintParams()
    original = fingerprint("\n".join(cjk_story(11, language)), params)
    cut = fingerprint("\n".join(cjk_story(11, language)[:5]), params)
    other = fingerprint("\n".join(cjk_story(12, language)), params)
    assert original.shingle_count > 120          # characters or words, not a handful of sentences
    assert jaccard(original.signature, cut.signature) > 0.7
    assert jaccard(original.signature, other.signature) < 0.3


@pytest.mark.parametrize("language", ["ja", "zh"])
def test_lead_keys_of_texts_without_spaces(language):
    text = "\n".join(cjk_story(21, language))
    keys = lead_keys(text, 12, 3)
    assert len(keys) == 3
    assert lead_keys("短い行\n" + text, 12, 3) == keys           # a short first line is passed over
    assert not set(keys) & set(lead_keys("\n".join(cjk_story(22, language)), 12, 3))
