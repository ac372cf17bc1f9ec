"""What the extraction pool's fork server loads before it forks any worker (see crawler.pool).

Importing this module imports the extraction code and runs it on two small pages written here, so
that the lazily built parts of lxml, trafilatura, htmldate and the project's own caches exist in
the fork server and every worker forked from it starts warm. A worker started from scratch spent
about 0.5 s of CPU importing and 0.1-0.2 s on its first pages, again for each replacement every
MAX_TASKS_PER_WORKER pages (docs/scaling.md has the measured effect).

Nothing here may fail the fork server: a warm-up error is logged and the workers start cold.
"""

from __future__ import annotations

import gc
import logging

from archive.config import FingerprintParams
from archive.extraction.extract import extract_prepared
from archive.extraction.pagelinks import LinkRequest

logger = logging.getLogger(__name__)

_PARAGRAPHS = (
    "The river authority opened the new flood gates on Tuesday after three years of work on the "
    "eastern bank, where the old embankment had given way twice in a decade.",
    "Engineers said the gates can hold back a surge a metre higher than the one that reached the "
    "market square in the spring, and that they close in under four minutes.",
    "Traders in the lower town, who lost stock in both floods, watched the first test from the "
    "bridge; several said they would wait for a wet winter before they believed it.",
    "The project cost less than planned because the contractor reused the stone of the old wall "
    "for the new footings, a choice the council's auditors praised in their report.",
    "A second set of gates upstream is due next year, once the fish pass beside it is finished and "
    "the anglers' association has signed off on the design.",
)


def _page(declared: bool) -> bytes:
    """A small article page with a menu, a footer and related links; with ``declared``, JSON-LD and
    meta tags that name its headline, author and date (the two ways extraction reads metadata)."""
    head = ("<script type='application/ld+json'>{\"@context\": \"https://schema.org\", \"@type\": \"NewsArticle\", "
            "\"headline\": \"Flood gates open on the eastern bank\", \"datePublished\": \"2026-03-04T08:00:00Z\", "
            "\"author\": {\"@type\": \"Person\", \"name\": \"Ana Field\"}}</script>"
            "<meta property='og:site_name' content='Riverside Courier'>"
            "<link rel='canonical' href='http://127.0.0.1/2026/03/04/flood-gates.html'>") if declared else ""
    body = "".join(f"<p>{text}</p>" for text in _PARAGRAPHS * 2)
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Flood gates open on the eastern "
            f"bank | Riverside Courier</title>{head}</head><body><header><nav><a href='/'>Home</a> <a href='/local/'>"
            f"Local</a> <a href='/sport/'>Sport</a></nav></header><main><article><h1>Flood gates open on the eastern "
            f"bank</h1><p class='byline'>By Ana Field</p><time datetime='2026-03-04'>4 March 2026</time>{body}"
            f"</article><aside><h2>More local news</h2><ul><li><a href='/2026/03/03/bridge.html'>Bridge repairs "
            f"finish early</a></li><li><a href='/2026/03/02/market.html'>Market hall to reopen</a></li></ul></aside>"
            f"</main><footer><p>Riverside Courier. All rights reserved.</p></footer></body></html>").encode()


def warm_up() -> list:
    """Extract the two pages once, with links read as a crawl asks for them; their results."""
    url = "http://127.0.0.1/2026/03/04/flood-gates.html"
    want = LinkRequest(hosts=frozenset({"127.0.0.1"}), base_url=url, encoding="utf-8", limit=100)
    return [extract_prepared(_page(declared), url, FingerprintParams(), found_via="link",
                             content_type="text/html; charset=utf-8", links=want) for declared in (True, False)]


try:
    warm_up()
except Exception as exc:  # noqa: BLE001 - the fork server must start even if the warm-up breaks
    logger.warning("extraction warm-up failed (%s: %s); workers start cold", type(exc).__name__, exc)
# What the fork server holds now, every worker shares: keep the collector from walking (and so
# copying) those pages in each of them.
gc.collect()
gc.freeze()
