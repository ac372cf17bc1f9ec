"""Invented publishers, republishers and news agencies of the generated multilingual webs.

A publisher's name is rarely its domain: initials (``ndc.com.au``), a transliteration
(``kirishima-nippo.jp`` for 霧島日報), a broadcaster's call sign. Every domain ends in a
country code or a common suffix; pages only declare these domains (canonical links, og:url,
JSON-LD publisher, credits), the sites are served on loopback addresses.
"""

from __future__ import annotations

from dataclasses import dataclass

from archive.demo.model import SiteConfig, Template


@dataclass(frozen=True, slots=True)
class Publisher:
    """A publisher's identity: what it calls itself, its main domain, who owns it."""

    name: str
    domain: str
    owner: str
    language: str
    tagline: str


PUBLISHERS: dict[str, tuple[Publisher, ...]] = {
    "en": (Publisher("Northern Daily Courier", "ndc.com.au", "Northgate Media Pty Ltd", "en",
                     "News for the northern suburbs"),
           Publisher("KVR News", "kvrtv.com", "Kessler Valley Broadcasting", "en", "Your valley, live")),
    "de": (Publisher("Krähenfelder Bote", "kraehenfelder-bote.de", "Bote Mediengruppe GmbH", "de",
                     "Nachrichten aus Krähenfeld und dem Umland"),
           Publisher("Westmark Allgemeine Zeitung", "wmaz.de", "Westmark Verlag KG", "de", "Die Zeitung der Region")),
    "es": (Publisher("Diario del Cierzo", "cierzodigital.es", "Ediciones Cierzo S.L.", "es",
                     "Noticias de la comarca"),
           Publisher("La Crónica Austral", "lca.com.ar", "Grupo Austral S.A.", "es", "El diario del sur")),
    "ja": (Publisher("霧島日報", "kirishima-nippo.jp", "霧島日報社", "ja", "地域のニュースを毎日"),
           Publisher("東湾タイムズ", "towan-times.co.jp", "東湾新聞社", "ja", "湾岸地域の総合ニュース")),
    "zh": (Publisher("青岚晨报", "qinglan-morning.cn", "青岚报业集团", "zh", "青岚山区新闻"),
           Publisher("南屿日报", "nanyu-daily.com.cn", "南屿传媒有限公司", "zh", "南屿本地资讯")),
    "ko": (Publisher("해솔일보", "haesol-ilbo.kr", "해솔미디어", "ko", "해솔시의 모든 소식"),
           Publisher("동해신문", "donghae-news.co.kr", "동해미디어그룹", "ko", "동해안 지역 뉴스")),
    "ru": (Publisher("Вести Сосновогорска", "sosnovogorsk-vesti.ru", "ООО «Медиа Север»", "ru",
                     "Новости города и района"),
           Publisher("Северный курьер", "sevkur.ru", "АО «Курьер»", "ru", "Газета северных районов")),
}

# Republishers: (name, domain, template). Their language is drawn per web.
REPUBLISHERS = (
    ("Riverbank Community Alliance", "riverbank-alliance.org", Template.WIX),
    ("Civic Notes", "civicnotes.net", Template.WORDPRESS),
    ("Valley Voices", "valley-voices.org.nz", Template.BLOGGER),
)
AGGREGATOR = ("The Global Briefing", "globalbriefing.news")

# News agencies credited on originals: (full name, abbreviation).
AGENCIES = (("Nordpress Agentur", "NPA"), ("Agencia Meridiana", "AMD"), ("Pacific Wire Service", "PWS"))


def site_config(sid: str, name: str, template: Template, language: str, domain: str, *,
                owner: str = "", tagline: str = "", sections: tuple[str, ...] = ("News",),
                name_as_url: bool = False, date_meta: bool = True) -> SiteConfig:
    """A generated site's settings: an RSS feed, a plain sitemap (a news sitemap on portals)."""
    return SiteConfig(
        id=sid, name=name, template=template, tagline=tagline or name, about=f"{name} ({domain}).",
        sections=sections, feed="/feed.xml", feed_kind="rss" if template is not Template.BLOGGER else "atom",
        sitemap="/sitemap.xml", sitemap_kind="news" if template is Template.PORTAL else "plain",
        jsonld=template in (Template.PORTAL, Template.NEWSROOM, Template.WORDPRESS), page_size=4,
        language=language, domain=domain, name_as_url=name_as_url, owner=owner, date_meta=date_meta)
