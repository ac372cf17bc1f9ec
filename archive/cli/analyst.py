"""The analyst commands of `newsarchive` (`stats`, `sources`, `search`, `datasette-metadata`) and the story filters and export
writers (JSON lines, CSV, Parquet) that `clusters` and `export` use."""

from __future__ import annotations

import csv
import json
import logging
import os
import sys
import tempfile
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

import click

from archive.cli.common import cut as _cut
from archive.cli.common import DB_INT, db_option, duration, json_option, open_archive, printed
from archive.cli.common import read as _read
from archive.cli.common import safe_url

logger = logging.getLogger(__name__)

def write_rows(rows: Iterator[dict[str, Any]], fmt: str, output: str | None, fields: list[str]) -> None:
    """Write export rows as JSON lines, CSV or Parquet to ``output`` (stdout when None or ``-``; not
    for Parquet). A file is replaced whole or not at all: the rows go to a temporary file beside
    it, renamed over it once complete, so an export killed halfway leaves the previous file."""
    if output in (None, "-"):
        _write_text(rows, fmt, sys.stdout, fields)
        return
    with atomic_path(output) as temporary:
        if fmt == "parquet":
            write_parquet(rows, temporary, fields)
        else:
            with open(temporary, "w", encoding="utf-8", newline="") as stream:
                _write_text(rows, fmt, stream, fields)


def _write_text(rows: Iterator[dict[str, Any]], fmt: str, stream: Any, fields: list[str]) -> None:
    if fmt == "jsonl":
        for row in rows:
            stream.write(json.dumps({k: row.get(k) for k in fields}, ensure_ascii=False) + "\n")
    else:
        writer = csv.DictWriter(stream, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


@contextmanager
def atomic_path(path: str) -> Iterator[str]:
    """A temporary file's path beside ``path``, renamed over ``path`` when the block ends without
    error and removed otherwise. A missing folder or an unwritable one is a one-line error."""
    target = Path(path)
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror or exc}") from None
    os.close(fd)
    try:
        yield temporary
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@click.command()
@json_option
@db_option
def stats(as_json: bool, db_url: str) -> None:
    """Count articles and clusters, the duplicate share of each site and growth per day.

    A site's duplicate share is the part of its articles that are copies (mirrors or excerpts) of
    a story whose canonical is elsewhere or earlier. Days are UTC days of first_seen.

    \b
    Examples:
      newsarchive stats
      newsarchive stats --json
    """
    from archive.analysis.queries import stats as query

    result = _read(db_url, query)
    if printed(result, as_json):
        return
    click.echo(f"{result['articles']} articles on {result['sites']} sites; {result['clusters']} stories, "
               f"{result['clusters_with_copies']} republished; {result['copies']} copies "
               f"({result['duplicate_share']:.0%} of articles)\n")
    click.echo(f"{'SITE':<28}  {'HOST':<28}  {'ARTICLES':>8}  {'COPIES':>6}  {'SHARE':>5}")
    for r in result["by_site"]:
        click.echo(f"{_cut(r['site'], 28):<28}  {_cut(r['host'], 28):<28}  {r['articles']:>8}  {r['copies']:>6}  "
                   f"{r['duplicate_share']:>5.0%}")
    click.echo(f"\n{'DAY':<10}  {'ARTICLES':>8}  {'COPIES':>6}")
    for r in result["per_day"]:
        click.echo(f"{r['day']:<10}  {r['articles']:>8}  {r['copies']:>6}")


@click.command()
@json_option
@db_option
def sources(as_json: bool, db_url: str) -> None:
    """Show who republishes whom: for each origin publisher and republishing site, the stories
    copied and the median and longest delay from the original's publication to the copy.

    The delay runs from the canonical's published date (its first_seen when the page gave none)
    to the moment the archive first saw the copy, so it is only as fine as the crawl interval.
    JSON gives delays in seconds.

    \b
    Examples:
      newsarchive sources
      newsarchive sources --json
    """
    from archive.analysis.queries import sources as query

    rows = _read(db_url, query)
    if printed(rows, as_json, "no republished copies in the archive"):
        return
    click.echo(f"{'ORIGIN':<24}  {'REPUBLISHER':<24}  {'STORIES':>7}  {'MEDIAN':>7}  {'MAX':>7}  {'SIM':>4}")
    for r in rows:
        sim = "" if r["avg_similarity"] is None else f"{r['avg_similarity']:.2f}"
        click.echo(f"{_cut(r['origin'], 24):<24}  {_cut(r['republisher'], 24):<24}  {r['stories']:>7}  "
                   f"{duration(r['median_delay_seconds']):>7}  {duration(r['max_delay_seconds']):>7}  {sim:>4}")


@click.command()
@click.argument("words")
@click.option("--limit", type=DB_INT, default=20, show_default=True, help="At most this many articles.")
@json_option
@db_option
def search(words: str, limit: int, as_json: bool, db_url: str) -> None:
    """Find articles whose title or text holds WORDS, best matches first, with their cluster.

    Whole words in any case, accents aside (arvel finds Ärvel and ärvel finds Arvel, the same
    letters folded on both backends): every word must be there; "a phrase" in double quotes keeps its
    words together; -word (or -"a phrase") leaves out the articles holding it; `or` between words
    or phrases gives alternatives. Other punctuation only separates words. A search that starts
    with - goes after `--`. Ranked by bm25 on SQLite (FTS5; title words count double) and by
    ts_rank on PostgreSQL (a GIN index).

    \b
    Examples:
      newsarchive search "harbour storm"
      newsarchive search '"lighthouse keeper" -ferry'
      newsarchive search "ferry or harbour" --limit 5 --json
    """
    from archive.analysis.queries import search as query

    if not words.split():
        raise click.BadParameter("give at least one word", param_hint="WORDS")
    rows = _read(db_url, query, words=words, limit=limit)
    if printed(rows, as_json, f"no articles match {words!r}"):
        return
    click.echo(f"{'CLUSTER':>7}  {'SIZE':>4}  {'ROLE':<9}  {'SITE':<22}  TITLE")
    for r in rows:
        click.echo(f"{r['cluster_id'] or '':>7}  {r['cluster_size'] or '':>4}  {r['role']:<9}  "
                   f"{_cut(r['site'], 22):<22}  {_cut(r['title'], 60)}")
        click.echo(f"{'':>7}  {'':>4}  {'':<9}  {r['url']}")


@click.command("datasette-metadata")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to FILE (default stdout).")
@db_option
def datasette_metadata(output: str | None, db_url: str) -> None:
    """Write Datasette metadata for a SQLite archive: what every table, view and column means,
    full-text search on the article table, and canned queries (biggest stories, who republishes
    whom, copies of one URL).

    Then serve the archive with `datasette newsarchive.db -m metadata.json`. Datasette reads
    SQLite files only; the metadata names the database after the file.

    \b
    Examples:
      newsarchive datasette-metadata -o metadata.json
      newsarchive datasette-metadata --db sqlite:///archive/news.db > metadata.json
    """
    from sqlalchemy.engine import make_url

    from archive.analysis.datasette import database_name, metadata
    from archive.analysis.queries import has_fts

    try:
        url = make_url(db_url)
    except Exception:  # noqa: BLE001 - any unreadable URL is a usage error here
        raise click.BadParameter("not a database URL", param_hint="--db") from None
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise click.BadParameter(f"Datasette reads SQLite files only, not {url.get_backend_name()} archives",
                                 param_hint="--db")
    fts = _read(db_url, has_fts)
    text = json.dumps(metadata(database_name(url.database), fts=fts), ensure_ascii=False, indent=2) + "\n"
    if output:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text)
        click.echo(f"wrote {output}: datasette {url.database} -m {output}", err=True)
    else:
        click.echo(text, nl=False)


PARQUET_BATCH = 1000


def _parquet_schema(fields: list[str]) -> Any:
    import pyarrow as pa

    types = {"cluster_id": pa.int64(), "is_canonical": pa.bool_(), "similarity": pa.float64(),
             "published": pa.timestamp("us", tz="UTC"), "first_seen": pa.timestamp("us", tz="UTC")}
    return pa.schema([(name, types.get(name, pa.string())) for name in fields])


def write_parquet(rows: Iterator[dict[str, Any]], path: str, fields: list[str]) -> None:
    """Write ``rows`` to a Parquet file, a batch of rows at a time (constant memory)."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise click.ClickException("--format parquet needs pyarrow: pip install 'newsarchive[parquet]'") from None
    schema = _parquet_schema(fields)
    with pq.ParquetWriter(path, schema) as writer:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append({k: _parquet_value(k, row.get(k)) for k in fields})
            if len(batch) >= PARQUET_BATCH:
                writer.write_batch(pa.RecordBatch.from_pylist(batch, schema=schema))
                batch = []
        if batch:
            writer.write_batch(pa.RecordBatch.from_pylist(batch, schema=schema))


def _parquet_value(name: str, value: Any) -> Any:
    if name in ("published", "first_seen") and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


# -- report ----------------------------------------------------------------------------------

@click.command()
@click.option("-o", "--output", default="report.html", show_default=True, metavar="FILE",
              type=click.Path(dir_okay=False), help="Write the page to FILE (replaced if it exists).")
@click.option("--top", type=DB_INT, default=10, show_default=True, metavar="N",
              help="Show the N largest republished stories and their timelines.")
@db_option
def report(output: str, top: int, db_url: str) -> None:
    """Write one self-contained HTML page about the archive: the biggest stories, how each spread
    from site to site, who republishes whom, and the sizes of stories and delays of copies.

    The page loads nothing from anywhere (charts are inline SVG, no scripts), so it opens offline
    and can be mailed or archived as it is. Titles and site names are shown as text.

    \b
    Examples:
      newsarchive report
      newsarchive report -o story-report.html --top 20
    """
    from archive.analysis import report as report_page

    parent = Path(output).resolve().parent
    if not parent.is_dir():
        raise click.BadParameter(f"folder {parent} does not exist", param_hint="-o/--output")
    with open_archive(db_url, readonly=True) as archive, archive.reader() as session:
        data = report_page.gather(session, top)
    page = report_page.render(data, source=f"archive {safe_url(db_url)}")
    try:
        report_page.write_file(output, page)
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
    stats = data["stats"]
    click.echo(f"wrote {output}: {len(data['clusters'])} of {stats['clusters_with_copies']} republished stories, "
               f"{stats['articles']} articles on {stats['sites']} sites", err=True)
