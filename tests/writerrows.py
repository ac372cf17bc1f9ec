"""A fixed ingest scenario and every row it leaves, to hold the writer's statements to the rows the
ORM-based writer made (tests/data/writer_rows.json.gz, recorded from it).

The scenario's inputs are stored with the rows (extracted articles, their frontier marks), so a
change to extraction never changes this test; a change to what the archive decides (fingerprints,
placement, canonical choice, chrome) does, and then the file is recorded again on purpose:

    python tests/writerrows.py record
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import re
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import create_engine, text

from archive import Archive
from archive.extraction.article import Article
from archive.storage.records import Link, PageMark

GOLDEN = Path(__file__).with_name("data") / "writer_rows.json.gz"
START = datetime(2024, 3, 1, 8, 0, tzinfo=timezone.utc)
# Columns whose values are the wall clock of the run (not the page's fetch time given to ingest).
CLOCK = {"cluster": {"created_at", "updated_at"}, "publisher": {"first_seen"}, "publisher_alias": {"first_seen"},
         "site": {"first_seen"}, "frontier": {"discovered_at", "updated_at"}}
TABLES = ("site", "article", "article_version", "cluster", "lsh_band", "lead_key", "site_line", "article_line",
          "publisher", "publisher_alias", "frontier")


def make_inputs(n_pages: int = 70) -> list[dict]:
    """Article pages of a generated web (copies, excerpts, look-alikes, site chrome), extracted,
    with their same-host links: as plain values."""
    from benchmarks.writer import prepared_pages

    out = []
    for page, mark in prepared_pages(n_pages, seed=5):
        article = {k: v for k, v in dataclasses.asdict(page.article).items()}
        article["published"] = article["published"].isoformat() if article["published"] else None
        out.append({"article": article, "links": [link.url for link in mark.links]})
    return out


def _article(values: dict) -> Article:
    values = dict(values)
    values["published"] = datetime.fromisoformat(values["published"]) if values["published"] else None
    for name in ("credits", "publisher", "rights"):
        values[name] = tuple(values[name])
    for name in ("dates", "credit_links"):
        values[name] = tuple(tuple(v) for v in values[name])
    return Article(**values)


def run(archive: Archive, inputs: list[dict]) -> list[list]:
    """Ingest every page in order with its frontier mark, then visit some again: changed (a new
    version), unchanged, and one under a second URL (an alternate). The results, as lists."""
    results = []

    def ingest(a: Article, i: int, links: list[str] = ()) -> None:
        mark = PageMark(a.url, status="page", links=tuple(Link(u) for u in links), depth=1, found_via="link")
        r = archive.ingest_article(a, mark=mark, found_via="link", etag=f'"e{i}"', fetched_at=START + timedelta(seconds=i))
        results.append([str(r.status), r.article_id, r.cluster_id, r.similarity, r.exact,
                        str(r.skipped) if r.skipped else None])

    articles = [_article(item["article"]) for item in inputs]
    for i, (a, item) in enumerate(zip(articles, inputs)):
        ingest(a, i, item["links"])
    for i, a in enumerate(articles):
        if i % 7 == 3:
            ingest(dataclasses.replace(a, text=a.text + "\nA late correction was added to this story by the editors."),
                   1000 + i)
        elif i % 11 == 5:
            ingest(a, 2000 + i)
    ingest(dataclasses.replace(articles[1], url=articles[1].url + "/print"), 3000)
    return results


def snapshot(url: str) -> dict[str, list[list]]:
    """Every row of the tables the writer fills, ordered, texts as digests, clock columns left out."""
    engine = create_engine(url)
    out: dict[str, list[list]] = {}
    try:
        with engine.connect() as conn:
            for table in TABLES:
                result = conn.execute(text(f"SELECT * FROM {table}"))
                columns = [c for c in result.keys() if c not in CLOCK.get(table, ())]
                rows = [[_plain(row._mapping[c]) for c in columns] for row in result]
                out[table] = [columns, *sorted(rows, key=json.dumps)]
    finally:
        engine.dispose()
    return out


def _plain(value: object) -> object:
    """A value as both backends give it: JSON parsed, SQLite's datetime text as ISO, bytes and
    long texts as digests."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            value = json.loads(value)
        except ValueError:
            pass
    if isinstance(value, str) and _SQLITE_TIME.match(value):
        value = datetime.fromisoformat(value)
    if isinstance(value, (bytes, memoryview)):
        return hashlib.sha1(bytes(value)).hexdigest()[:16]
    if isinstance(value, str) and len(value) > 80:
        return hashlib.sha1(value.encode()).hexdigest()[:16]
    if isinstance(value, datetime):
        return (value if value.tzinfo is None else value.astimezone(timezone.utc).replace(tzinfo=None)).isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        return round(value, 6)
    return value


_SQLITE_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$")


def load() -> dict:
    return json.loads(gzip.decompress(GOLDEN.read_bytes()))


def record(url: str) -> None:
    inputs = make_inputs()
    with Archive(url) as archive:
        results = run(archive, inputs)
    data = {"inputs": inputs, "results": results, "tables": snapshot(url)}
    GOLDEN.write_bytes(gzip.compress(json.dumps(data, sort_keys=True).encode(), mtime=0))


if __name__ == "__main__" and sys.argv[1:] == ["record"]:
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    with tempfile.TemporaryDirectory() as folder:
        record(f"sqlite:///{folder}/archive.db")
