"""Alternate versions whose canonical page may be missing.

A page that declares another page of its own site as its canonical (an AMP or print view, a
parameter variant) is an alternate: the canonical page is archived instead. When that canonical
page is missing (it answers 404 or 410, robots.txt forbids it, or the declared URL, often a
relative one, resolves to nothing), the alternate is the only copy of the article and is archived.

The spider holds an alternate's page until its canonical URL has answered, then hands it on,
marked ``canonical_missing`` when that answer was a missing page.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from archive.extraction.extract import declares_alternate
from archive.extraction.urls import url_key

if TYPE_CHECKING:
    from collections.abc import Iterable

    from crawler.items import PageItem


class Alternates:
    """Pages held until the canonical URL they declare has answered (in this run)."""

    def __init__(self) -> None:
        self._answered: set[str] = set()      # url_keys that answered with a page (or were already archived)
        self._missing: set[str] = set()       # url_keys that answered 404/410 or may not be fetched
        self._held: dict[str, list[PageItem]] = defaultdict(list)

    def hold(self, item: PageItem, canonicals: Iterable[str]) -> list[PageItem]:
        """The pages to hand on now: ``item`` itself, marked when its canonical is known missing,
        or nothing while its same-site canonical has not answered yet (then it is held)."""
        url = item.final_url or item.url
        key = next((url_key(c) for c in canonicals if declares_alternate(c, url)), None)
        if key is None or key in self._answered:
            return [item]
        if key in self._missing:
            return [item.canonical_is_missing()]
        self._held[key].append(item)
        return []

    def answered(self, *urls: str) -> list[PageItem]:
        """``urls`` answered with a page (or are archived and fresh): the pages held for them, unmarked."""
        keys = {url_key(u) for u in urls}
        self._answered.update(keys)
        return [item for key in keys for item in self._held.pop(key, [])]

    def missing(self, url: str) -> list[PageItem]:
        """``url`` is missing: the pages held for it, marked ``canonical_missing``."""
        key = url_key(url)
        self._missing.add(key)
        return [item.canonical_is_missing() for item in self._held.pop(key, [])]

    def __len__(self) -> int:
        return sum(len(items) for items in self._held.values())
