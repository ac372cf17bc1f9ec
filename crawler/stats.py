"""Scrapy's in-memory stats collector, its attributes read plainly.

Scrapy 2.19's ``StatsCollector`` reads every attribute through a ``__getattribute__`` of its own,
which first tries a ``_cached_<name>`` attribute (a failed lookup: an exception raised and
caught), so that it can warn about a deprecated ``spider`` argument. That happens on every
``self._stats`` inside every ``inc_value``. Scrapy and the crawl update stats about a dozen times
per page; it was about 3% of the crawl's main process (py-spy). This collector keeps Scrapy's
methods and stats as they are; only the warning about a ``spider`` argument, which no code here
passes, is not given.
"""

from __future__ import annotations

from scrapy.statscollectors import MemoryStatsCollector


class PlainStatsCollector(MemoryStatsCollector):
    """``MemoryStatsCollector`` with Python's own attribute lookup."""

    __getattribute__ = object.__getattribute__
