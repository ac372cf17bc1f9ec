"""Settings checked when a crawl starts, so a bad ``-s NAME=VALUE`` is a one-line usage error
instead of a traceback from deep inside the crawl."""

from __future__ import annotations

from typing import Any, Callable

from archive.config import seconds_setting

# Scrapy settings that must be at least 1 (the other numbers must not be negative).
_AT_LEAST_ONE = frozenset({"CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "CONCURRENT_REQUESTS_PER_IP",
                           "DOWNLOAD_TIMEOUT", "NEWSARCHIVE_MAX_LINKS_PER_PAGE"})
# Settings with an upper bound: a pool of a million processes is a typo, not a wish.
_AT_MOST = {"NEWSARCHIVE_WORKERS": 1024}
# Numbers that are seconds, or durations such as 30s, 5m, 1h.
_DURATIONS = frozenset({"NEWSARCHIVE_DB_WAIT", "NEWSARCHIVE_RECRAWL_AFTER", "NEWSARCHIVE_PG_CONNECT_TIMEOUT"})


def check_settings(overrides: dict[str, Any]) -> None:
    """Raise ValueError (one line, naming the setting) for an override that the crawl could not use:
    a number, flag, duration, list or dict setting given a value of another kind, or a negative
    number. The value's kind is the kind of the setting's default (Scrapy's or crawler.settings')."""
    from scrapy.settings import Settings

    defaults = Settings()
    defaults.setmodule("crawler.settings", priority="project")
    for name, value in overrides.items():
        if isinstance(value, str):
            _check_one(defaults, name, value)


def _check_one(defaults: Any, name: str, value: str) -> None:
    default = defaults.get(name)
    if name in _DURATIONS:
        try:
            seconds_setting(value, name)
        except ValueError as exc:
            raise ValueError(f"bad setting {name}={value}: {exc}") from None
        return
    convert = _converter(default, name)
    if convert is None:
        return
    try:
        number = convert(value)
    except (TypeError, ValueError):
        kind = {bool: "True or False", int: "a whole number", float: "a number"}.get(type(default), "JSON")
        raise ValueError(f"bad setting {name}={value}: must be {kind}") from None
    if isinstance(number, (int, float)) and not isinstance(number, bool):
        least = 1 if name in _AT_LEAST_ONE else 0
        if number < least or number != number:          # NaN is not a number of anything
            raise ValueError(f"bad setting {name}={value}: must be at least {least}")
        if name in _AT_MOST and number > _AT_MOST[name]:
            raise ValueError(f"bad setting {name}={value}: must be at most {_AT_MOST[name]}")


def _converter(default: Any, name: str) -> Callable[[str], Any] | None:
    from scrapy.settings import BaseSettings

    if isinstance(default, int) and not isinstance(default, bool) and name.endswith(("DELAY", "TIMEOUT")):
        return float          # seconds: DOWNLOAD_DELAY=0.5 is as good as DOWNLOAD_DELAY=1

    if isinstance(default, bool):
        return lambda v: BaseSettings({"x": v}).getbool("x")
    if isinstance(default, int):
        return int
    if isinstance(default, float):
        return float
    if isinstance(default, (dict, BaseSettings)):
        return lambda v: BaseSettings({"x": v}).getdict("x")
    return None
