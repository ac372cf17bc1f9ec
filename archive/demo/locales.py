"""Words the generated multilingual webs put on their pages: credits, dates, box headings, per language.

Every phrase is the generator's own. ``credit(language, n)`` gives the n-th way (cycling) a
republisher in that language credits the first publisher; ``{origin}`` is the publisher's name
or domain.
"""

from __future__ import annotations

from datetime import datetime

LANGUAGES = ("en", "de", "es", "ja", "zh", "ko", "ru")

CREDITS: dict[str, tuple[str, ...]] = {
    "en": ("This article was first published by {origin}.", "Republished with permission of {origin}.",
           "Originally published at {origin}."),
    "de": ("Dieser Artikel erschien zuerst bei {origin}.", "Mit freundlicher Genehmigung von {origin}.",
           "Zuerst veröffentlicht von {origin}."),
    "es": ("Publicado originalmente en {origin}.", "Este artículo apareció primero en {origin}.",
           "Reproducido con permiso de {origin}."),
    "ja": ("この記事は{origin}に掲載されたものです。", "出典：{origin}", "{origin}の許可を得て転載しています。"),
    "zh": ("本文首发于{origin}。", "来源：{origin}", "经{origin}授权转载。"),
    "ko": ("이 기사는 {origin}에 처음 실렸습니다.", "출처: {origin}", "{origin}의 허락을 받아 전재합니다."),
    "ru": ("Статья впервые опубликована в издании {origin}.", "Источник: {origin}",
           "Публикуется с разрешения {origin}."),
}
CONTINUE: dict[str, str] = {
    "en": "Continue reading at {origin}", "de": "Weiterlesen bei {origin}", "es": "Siga leyendo en {origin}",
    "ja": "続きは{origin}で", "zh": "阅读全文请访问{origin}", "ko": "전체 기사는 {origin}에서", "ru": "Читать далее: {origin}",
}
UPDATED: dict[str, str] = {
    "en": "Updated", "de": "Aktualisiert", "es": "Actualizado", "ja": "更新", "zh": "更新", "ko": "수정",
    "ru": "Обновлено",
}
SUMMARY: dict[str, str] = {
    "en": "In brief", "de": "Das Wichtigste in Kürze", "es": "Claves", "ja": "ポイント", "zh": "要点", "ko": "요약",
    "ru": "Главное",
}
RELATED: dict[str, str] = {
    "en": "More stories", "de": "Mehr zum Thema", "es": "Más noticias", "ja": "関連記事", "zh": "相关阅读",
    "ko": "관련 기사", "ru": "Читайте также",
}
READ_ALSO: dict[str, str] = {
    "en": "Read also:", "de": "Lesen Sie auch:", "es": "Lea también:", "ja": "あわせて読みたい：", "zh": "延伸阅读：",
    "ko": "함께 읽기:", "ru": "По теме:",
}
RIGHTS: dict[str, str] = {
    "en": "All rights reserved.", "de": "Alle Rechte vorbehalten.", "es": "Todos los derechos reservados.",
    "ja": "無断転載を禁じます。", "zh": "版权所有。", "ko": "무단 전재 및 재배포 금지.", "ru": "Все права защищены.",
}


def credit(language: str, n: int, origin: str) -> str:
    """The ``n``-th credit phrasing of ``language`` naming ``origin``."""
    forms = CREDITS.get(language, CREDITS["en"])
    return forms[n % len(forms)].format(origin=origin)


def continue_at(language: str, origin: str) -> str:
    """The "continue reading at" line under a partial copy."""
    return CONTINUE.get(language, CONTINUE["en"]).format(origin=origin)


def label(table: dict[str, str], language: str) -> str:
    """A heading or label in ``language`` (English when the table has none)."""
    return table.get(language, table["en"])


def rights_line(owner: str, year: int, language: str) -> str:
    """A site's own copyright line: ``© 2024 Owner. All rights reserved.``"""
    return f"© {year} {owner.rstrip('.')}. {label(RIGHTS, language)}"


def local_date(moment: datetime, language: str) -> str:
    """A date written the way pages in ``language`` write it."""
    if language in ("ja", "zh"):
        return f"{moment.year}年{moment.month}月{moment.day}日"
    if language == "ko":
        return f"{moment.year}년 {moment.month}월 {moment.day}일"
    if language in ("de", "ru"):
        return f"{moment.day:02d}.{moment.month:02d}.{moment.year}"
    if language == "es":
        return f"{moment.day}/{moment.month}/{moment.year}"
    return f"{moment:%B} {moment.day}, {moment.year}"
