"""Pages whose charset is declared wrongly or not at all are decoded by detection, not archived as
mojibake, and counted in the run's stats."""

from __future__ import annotations

import json
import random

from sqlalchemy import create_engine, text

from faultweb import LOOPBACK_SETTINGS, FaultWeb

WORDS = ("город", "совет", "решение", "жители", "мост", "река", "школа", "больница", "дорога", "весна",
         "новый", "старый", "большой", "утром", "вечером", "сегодня", "вчера", "депутаты", "бюджет", "строительство",
         "обсудили", "приняли", "открыли", "закрыли", "рассказал", "сообщил", "планирует", "улица", "площадь", "парк")


def russian_story(seed: int, paragraphs: int = 5) -> list[str]:
    """Paragraphs of generated Russian sentences (our own word list, a seeded order)."""
    rng = random.Random(seed)
    return [" ".join((" ".join(rng.choice(WORDS) for _ in range(10)) + ".").capitalize() for _ in range(4))
            for _ in range(paragraphs)]


def page(title: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!doctype html><html><head><title>{title}</title><meta property=\"og:type\" content=\"article\">"
            f"</head><body><article><h1>{title}</h1>{body}</article></body></html>")


def test_mislabelled_and_undeclared_windows_1251_pages(newsarchive, tmp_path, db_url):
    web = FaultWeb()
    site = web.site("127.0.0.2")
    stories = {"/novosti/most": russian_story(1), "/novosti/shkola": russian_story(2)}
    site.page("/", "<html><body>" + "".join(f'<a href="{p}">новость</a>' for p in stories) + "</body></html>")
    site.page("/novosti/most", page("Новый мост через реку", stories["/novosti/most"]).encode("cp1251"),
              "text/html; charset=utf-8")                                        # mislabelled
    site.page("/novosti/shkola", page("Школа откроется весной", stories["/novosti/shkola"]).encode("cp1251"),
              "text/html")                                                       # undeclared
    try:
        result = newsarchive("crawl", f"{site.url}/", "--db", db_url, *LOOPBACK_SETTINGS, cwd=tmp_path)
    finally:
        web.close()
    assert result.code == 0, result.err[-3000:]
    engine = create_engine(db_url)
    with engine.connect() as conn:
        texts = dict(conn.execute(text("SELECT url, text FROM article")).all())
        stats = conn.execute(text("SELECT stats FROM crawl_run ORDER BY id DESC LIMIT 1")).scalar()
    engine.dispose()
    stats = stats if isinstance(stats, dict) else json.loads(stats)
    assert len(texts) == 2
    for path, paragraphs in stories.items():
        (stored,) = [t for url, t in texts.items() if url.endswith(path)]
        assert paragraphs[0] in stored and paragraphs[-1] in stored
    assert stats["charset_detected"] == 2
