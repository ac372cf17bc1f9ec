"""Configuration: the database URL rule and the fingerprint and clustering parameters."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

DEFAULT_DB_URL = "sqlite:///newsarchive.db"
DB_ENVVAR = "NEWSARCHIVE_DB"


def resolve_db_url(cli_value: str | None = None) -> str:
    """Return the database URL: ``--db`` value, else ``$NEWSARCHIVE_DB``, else the default.

    >>> resolve_db_url("sqlite:///x.db")
    'sqlite:///x.db'
    """
    if cli_value:
        return cli_value
    return os.environ.get(DB_ENVVAR) or DEFAULT_DB_URL


@dataclass(frozen=True, slots=True)
class FingerprintParams:
    """How texts are turned into signatures; fixed per archive (recorded in ``meta``)."""

    num_perm: int = 128
    seed: int = 1
    shingle_size: int = 5          # words per shingle
    threshold: float = 0.5         # LSH Jaccard threshold the banding is built for
    normalizer_version: int = 1

    def __post_init__(self) -> None:
        if self.num_perm < 16:
            raise ValueError(f"num_perm must be at least 16, got {self.num_perm}")
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"threshold must be between 0 and 1, got {self.threshold}")
        if self.shingle_size < 1:
            raise ValueError(f"shingle_size must be at least 1, got {self.shingle_size}")


@dataclass(frozen=True, slots=True)
class ArchiveConfig:
    """Fingerprint parameters plus the thresholds that decide cluster membership."""

    fingerprint: FingerprintParams = FingerprintParams()
    # A candidate joins when its estimated Jaccard similarity reaches this ...
    join_jaccard: float = 0.5
    # ... or when the shorter text is contained in the longer one at least this much
    # (a copy with its last paragraphs cut, or a paragraph added).
    join_containment: float = 0.8
    # A contained copy shorter than this fraction of the longer one is an excerpt.
    excerpt_ratio: float = 0.35
    # Containment is only trusted for texts of at least this many shingles.
    min_shingles: int = 8
    # Lead keys: the first ``lead_words`` words of each of the first ``lead_paragraphs``
    # paragraphs long enough; articles of other sites sharing one are compared on their texts.
    # Taken from eight paragraphs, not only the first: a copy that left out its original's
    # summary box (or an editor's note on a copy) still shares the opening of a paragraph with it.
    lead_words: int = 12
    lead_paragraphs: int = 8
    # A line seen on at least this many distinct pages of one site is site chrome ...
    chrome_min_pages: int = 3
    # ... and a short line (a few words: "Share this", "Grey Facebook Icon") on this many.
    chrome_min_pages_short: int = 2


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)([smhd])")


def parse_duration(text: str) -> float:
    """Seconds in a duration such as ``30s``, ``30m``, ``1h``, ``1d`` or ``1h30m``.

    >>> [parse_duration(t) for t in ("30m", "1h", "1d", "1h30m", "45s")]
    [1800.0, 3600.0, 86400.0, 5400.0, 45.0]
    """
    value = text.strip().lower()
    parts = _DURATION_RE.findall(value)
    if not value or "".join(n + u for n, u in parts) != value:
        raise ValueError(f"not a duration: {text!r} (use e.g. 30m, 1h, 1d or 1h30m)")
    seconds = sum(float(number) * _UNITS[unit] for number, unit in parts)
    if seconds <= 0:
        raise ValueError(f"the interval must be longer than 0: {text!r}")
    return seconds


def seconds_setting(value: object, name: str) -> float:
    """A duration setting as seconds: a number of seconds (0 allowed) or ``30s``, ``6h``, ``1d`` ...

    >>> [seconds_setting(v, "X") for v in (0, "3600", "1d", "1h30m")]
    [0.0, 3600.0, 86400.0, 5400.0]
    """
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return parse_duration(str(value))
    if seconds < 0:
        raise ValueError(f"{name} must not be negative, got {value!r}")
    return seconds
