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


# Invented vocabulary for stories in scripts written without spaces (Japanese, Chinese) and in
# Korean (spaces between words, particles attached to them): nouns, then verbs.
_JA = ("市役所 港 橋 予算 学校 市長 住民 鉄道 図書館 祭り 病院 委員会 計画 農家 漁師 駅 川 工場 空港 警察 "
       "商店街 公園 議会 先生 看護師 学生 家族 観光客 運転手 森 島 海岸 倉庫 劇場 美術館 市場",
       "発表した 決めた 反対した 開いた 延期した 承認した 説明した 調べた 見直した 求めた 話し合った 支えた")
_ZH = ("市政府 港口 桥梁 预算 学校 市长 居民 铁路 图书馆 节日 医院 委员会 计划 农民 渔民 车站 河流 工厂 机场 警察 "
       "商店 公园 议会 老师 护士 学生 家庭 游客 司机 森林 岛屿 海岸 仓库 剧院 博物馆 市场",
       "宣布了 批准了 推迟了 反对 讨论了 开放了 调查了 修改了 支持 要求 说明了 决定了")
_KO = ("시청 항구 다리 예산 학교 시장 주민 철도 도서관 축제 병원 위원회 계획 농민 어부 역 강 공장 공항 경찰 "
       "상가 공원 의회 교사 간호사 학생 가족 관광객 운전사 숲 섬 해안 창고 극장 미술관 시장",
       "발표했다 결정했다 반대했다 열었다 연기했다 승인했다 설명했다 조사했다 검토했다 요구했다 논의했다 지원했다")


def _cjk_sentence(rng: random.Random, language: str) -> str:
    nouns, verbs = (part.split() for part in {"ja": _JA, "zh": _ZH, "ko": _KO}[language])
    a, b, c, d = (rng.choice(nouns) for _ in range(4))
    verb = rng.choice(verbs)
    if language == "ja":
        return f"{a}は{b}で{c}の{d}について{verb}。"
    if language == "zh":
        return f"{a}在{b}{verb}{c}的{d}。"
    return f"{a}은 {b}에서 {c}의 {d}에 대해 {verb}."


def cjk_story(seed: int, language: str, paragraphs: int = 6, sentences: int = 4) -> list[str]:
    """A story in Japanese ("ja"), Chinese ("zh") or Korean ("ko") from invented vocabulary; the
    same seed gives the same story."""
    rng = random.Random(seed)
    joiner = " " if language == "ko" else ""
    return [joiner.join(_cjk_sentence(rng, language) for _ in range(sentences)) for _ in range(paragraphs)]
