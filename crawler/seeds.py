"""The spider's arguments: its seeds and its page budget, checked."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit


def parse_seeds(seeds: str | Iterable[str] | None) -> list[str]:
    """Split ``-a seeds=URL,URL`` (or take a list) and check every seed is an http(s) URL.

    >>> parse_seeds("http://a.test/, https://b.test/feed")
    ['http://a.test/', 'https://b.test/feed']
    """
    items = seeds.split(",") if isinstance(seeds, str) else list(seeds or ())
    urls = [item.strip() for item in items if item and item.strip()]
    if not urls:
        raise ValueError("no seeds given: pass -a seeds=URL[,URL...]")
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"seed is not an http(s) URL: {url!r}")
    return urls


def parse_max_pages(value: str | int | None) -> int | None:
    """``max_pages`` as a positive int, or None for no limit."""
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"max_pages must be a positive integer, got {value!r}") from None
    if number < 1:
        raise ValueError(f"max_pages must be a positive integer, got {value!r}")
    return number
