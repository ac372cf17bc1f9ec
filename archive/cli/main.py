"""The `newsarchive` command line: crawl, list and show clusters, export, runs and the demo."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import click
from sqlalchemy.exc import SQLAlchemyError

from archive.cli.showing import format_cluster, format_why

from archive.cli.analyst import datasette_metadata, report, search, sources, stats, write_rows
from archive.cli.common import cut as _cut
from archive.cli.common import (DB_INT, crawl_workers_option, db_option, frontier_options, json_option, open_archive,
                                printed, safe_url, story_filters, utc_bound)
from archive.cli.ops import doctor, migrate, schedule
from archive.cli.warc import import_warc, print_raw, reprocess
from archive.errors import ArchiveError
from archive.neardup.diff import describe

logger = logging.getLogger(__name__)

EXPORT_FIELDS = ["url", "cluster_id", "is_canonical", "role", "title", "site", "host", "author", "published",
                 "first_seen", "similarity", "origin", "origin_url", "canonical_url", "language", "text"]

DEMO_PORT = 8760          # each demo site has its own loopback address; this port on each

def _setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("alembic").setLevel(logging.WARNING)      # alembic 1.17+ logs its plugins on import


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsarchive")
@click.option("-v", "--verbose", count=True, help="More log output (debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors on stderr.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Crawl news sites into an archive where every republished copy is grouped with its original.

    \b
    Examples:
      newsarchive demo
      newsarchive crawl https://example.org/ https://example.org/feed.xml
      newsarchive clusters --min-size 3
      newsarchive show 42
      newsarchive export --format jsonl -o archive.jsonl
    """
    ctx.ensure_object(dict)
    ctx.obj.update(verbose=verbose, quiet=quiet)
    _setup_logging(verbose, quiet)


def _parse_settings(values: tuple[str, ...]) -> dict[str, str]:
    """The -s NAME=VALUE overrides, each checked now (a bad one is a usage error, not a traceback)."""
    from crawler.checks import check_settings

    settings = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="-s")
        settings[name.strip()] = value
    try:
        check_settings(settings)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="-s") from None
    return settings


def _collect_seeds(urls: tuple[str, ...], seeds_file: str | None) -> tuple[list[str], dict[str, float]]:
    """The seeds of the command line and --seeds-file, and the per-host re-crawl intervals the file gives."""
    from crawler.run import read_seeds
    from crawler.spiders.news import parse_seeds

    try:
        seeds = parse_seeds(list(urls)) if urls else []
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="URL") from None
    intervals: dict[str, float] = {}
    if seeds_file:
        try:
            from_file, intervals = read_seeds(seeds_file)
            seeds += from_file
        except OSError as exc:
            raise click.BadParameter(f"cannot read {seeds_file}: {exc.strerror}", param_hint="--seeds-file")
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--seeds-file") from None
    if not seeds:
        raise click.UsageError("give at least one seed URL or --seeds-file")
    return list(dict.fromkeys(seeds)), intervals


@cli.command()
@click.argument("urls", nargs=-1, metavar="[URL ...]")
@click.option("--seeds-file", type=click.Path(dir_okay=False),
              help="File of seed URLs, one a line, # comments; `URL recrawl=6h` sets the re-crawl interval of URL's host.")
@click.option("--max-pages", type=DB_INT, help="Stop after this many responses.")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy setting, as `scrapy crawl -s` does.")
@crawl_workers_option
@frontier_options("Share the crawl frontier with the other workers started with this Redis URL "
                  "(redis://HOST:PORT/DB) and the same seeds; see docs/scaling.md.",
                  "Prefix of the shared frontier's Redis keys.")
@click.option("--warc", "warc_dir", envvar="NEWSARCHIVE_WARC_DIR", show_envvar=True, metavar="DIR",
              type=click.Path(file_okay=False), help="Keep every response with its request in WARC files in DIR.")
@db_option
@click.pass_context
def crawl(ctx: click.Context, urls: tuple[str, ...], seeds_file: str | None, max_pages: int | None,
          settings: tuple[str, ...], workers: int | None, frontier: str | None, frontier_name: str,
          warc_dir: str | None, db_url: str) -> None:
    """Crawl home pages, feeds, sitemaps or robots.txt files into the archive.

    Each URL's kind is detected from the response; the hosts of the seeds are the crawl's scope.

    \b
    Examples:
      newsarchive crawl https://example.org/ https://example.org/rss.xml
      newsarchive crawl --seeds-file seeds.txt --max-pages 500 --workers 4
      newsarchive crawl https://example.org/ -s DOWNLOAD_DELAY=0 -s AUTOTHROTTLE_ENABLED=False
      newsarchive crawl --seeds-file seeds.txt --frontier redis://127.0.0.1:6379/0
      newsarchive crawl https://example.org/ --warc warcs/
    """
    seeds, intervals = _collect_seeds(urls, seeds_file)
    overrides = _parse_settings(settings)
    if warc_dir:
        overrides["NEWSARCHIVE_WARC_DIR"] = warc_dir
    if workers:
        overrides["NEWSARCHIVE_WORKERS"] = workers
    if intervals:       # `URL recrawl=6h` lines of the seeds file
        overrides.setdefault("NEWSARCHIVE_RECRAWL_BY_HOST", intervals)
    if frontier:
        from crawler.frontier_redis import check_name, check_url

        try:
            overrides.update(NEWSARCHIVE_FRONTIER=check_url(frontier),
                             NEWSARCHIVE_FRONTIER_NAME=check_name(frontier_name))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--frontier") from None
    report = _run_crawl(ctx, seeds, db_url, max_pages, overrides)
    click.echo(report.summary(), err=True)


def _run_crawl(ctx: click.Context, seeds: list[str], db_url: str, max_pages: int | None,
               settings: dict[str, Any]) -> Any:
    """Run one crawl holding the archive's run lock; a second crawl exits 1 at once. The workers of
    a shared frontier hold it together (shared mode), never with a plain crawl."""
    from archive.storage.runlock import run_lock

    frontier = settings.get("NEWSARCHIVE_FRONTIER")
    try:
        if frontier:
            from crawler.frontier_redis import preflight

            preflight(frontier, settings.get("NEWSARCHIVE_FRONTIER_NAME") or "newsarchive", seeds)
        with run_lock(db_url, shared=bool(frontier)):
            return _run_crawl_locked(ctx, seeds, db_url, max_pages, settings)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None


def _run_crawl_locked(ctx: click.Context, seeds: list[str], db_url: str, max_pages: int | None,
                      settings: dict[str, Any]) -> Any:
    from crawler.run import run_crawl

    with open_archive(db_url) as archive:
        run_id = archive.start_run(seeds)
    progress = sys.stderr.isatty() and not ctx.obj.get("quiet")
    settings = {"LOG_LEVEL": _crawl_log_level(ctx, progress), **settings, "NEWSARCHIVE_RUN_ID": run_id}
    logging.getLogger().handlers.clear()     # Scrapy installs its own root handler for the crawl
    try:
        report = run_crawl(seeds, db_url, max_pages=max_pages, settings=settings, progress=progress)
    except KeyboardInterrupt:
        with open_archive(db_url) as archive:
            archive.finish_run(run_id, "interrupted", {}, "interrupted by the user")
        raise
    interrupted = report.finish_reason == "shutdown"
    status = "failed" if report.failed else ("interrupted" if interrupted else "ok")
    try:
        with open_archive(db_url) as archive:
            archive.finish_run(run_id, status, run_stats(report), report.failed)
    except click.ClickException as exc:     # the archive is unavailable: the next run records this one as died
        logging.getLogger(__name__).warning("the run record could not be updated: %s", exc.message)
    if report.failed:
        raise click.ClickException(report.failed)
    return report


def _crawl_log_level(ctx: click.Context, progress: bool) -> str:
    """DEBUG with -v; WARNING with -q or under the live progress line; INFO log lines otherwise."""
    if ctx.obj.get("verbose"):
        return "DEBUG"
    return "WARNING" if ctx.obj.get("quiet") or progress else "INFO"


def run_stats(report: Any) -> dict[str, Any]:
    """The crawl report as the JSON stored with the run."""
    return {"pages": report.pages, "articles_new": report.new, "duplicates": report.duplicate,
            "articles_updated": report.updated, "articles_unchanged": report.unchanged,
            "skipped": report.skipped, "errors": report.errors, "seeds_ok": report.seeds_ok,
            "gone": report.gone, "resumed": report.resumed, "db_wait_retries": report.db_waits,
            "charset_detected": report.charsets_detected,
            "finish_reason": report.finish_reason}


@cli.command()
@click.option("--min-size", type=DB_INT, default=2, show_default=True,
              help="Only clusters with at least this many articles.")
@story_filters
@click.option("--sort", type=click.Choice(["size", "recent"]), default="size", show_default=True,
              help="Largest first, or most recently published first.")
@click.option("--limit", type=DB_INT, help="At most this many clusters.")
@json_option
@db_option
def clusters(min_size: int, site: str | None, since: Any, until: Any, sort: str, limit: int | None, as_json: bool,
             db_url: str) -> None:
    """List story clusters, largest first.

    A story's date is its canonical's published date, or when the archive first saw it.

    \b
    Examples:
      newsarchive clusters
      newsarchive clusters --min-size 1 --json
      newsarchive clusters --site example.org --since 2026-03-01 --sort recent
    """
    from archive.analysis import queries

    since, until = utc_bound(since), utc_bound(until, whole_day=True)
    with open_archive(db_url, readonly=True) as archive, archive.reader() as session:
        rows = queries.clusters(session, min_size=min_size, site=site, since=since, until=until, sort=sort,
                                limit=limit)
    if printed(rows, as_json, f"no clusters with {min_size} or more articles"):
        return
    click.echo(f"{'ID':>5}  {'SIZE':>4}  {'ORIGIN':<22}  TITLE")
    for row in rows:
        click.echo(f"{row['id']:>5}  {row['size']:>4}  {_cut(row['origin'] or row['site'], 22):<22}  {_cut(row['title'], 70)}")


@cli.command()
@click.argument("cluster_id", type=DB_INT)
@click.option("--diff", "full", is_flag=True, help="List every paragraph cut, not only how many.")
@click.option("--why", is_flag=True, help="Also print why the canonical is the canonical: each member's evidence "
              "(date and where it was read, declared canonical, credits, publisher) and the points it earned.")
@click.option("--raw", is_flag=True, help="The argument is an article id: print its stored page (headers and body).")
@json_option
@db_option
def show(cluster_id: int, full: bool, why: bool, raw: bool, as_json: bool, db_url: str) -> None:
    """Show one cluster: its credited origin, canonical article and mirrors, each copy compared
    with the canonical.

    Under each copy: "~ headline:" and "~" for a headline or paragraph edited, with the words
    cut marked [-so-] and the words added {+so+}; "-" for a byline or paragraph cut (paragraphs
    cut together are counted: "- 7 paragraphs cut at the end"; --diff lists each); "+" for a
    paragraph added. Colour when the output is a terminal. JSON gives the same changes as data.

    \b
    Examples:
      newsarchive show 42
      newsarchive show 42 --diff
      newsarchive show 42 --json
      newsarchive show 42 --why
      newsarchive show --raw 1234
    """
    if raw:
        return print_raw(cluster_id, db_url)
    with open_archive(db_url, readonly=True) as archive:
        detail = archive.show(cluster_id, why=why)
    if as_json:
        click.echo(json.dumps(detail, ensure_ascii=False, indent=1))
        return
    click.echo(format_cluster(detail, color=True, full=full))      # click drops the colour unless stdout is a terminal
    if why:
        click.echo(format_why(detail["why"]))


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "parquet"]), default="jsonl", show_default=True,
              help="parquet needs pyarrow (pip install 'newsarchive[parquet]') and -o.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), metavar="FILE",
              help="Write to FILE, replaced once the export is complete (default, or -: stdout).")
@click.option("--min-size", type=DB_INT, default=1, show_default=True,
              help="Only articles of clusters with at least this many articles.")
@story_filters
@db_option
def export(fmt: str, output: str | None, min_size: int, site: str | None, since: Any, until: Any, db_url: str) -> None:
    """Export archived articles, one row each (the contract other tools read), streaming.

    Without filters every article is exported; the filters select whole clusters, as `clusters`
    does.

    \b
    Examples:
      newsarchive export --format jsonl -o archive.jsonl
      newsarchive export --format csv > archive.csv
      newsarchive export --format parquet -o archive.parquet --site example.org --since 2026-03-01
    """
    if fmt == "parquet" and output in (None, "-"):
        raise click.UsageError("--format parquet needs -o FILE")
    filters = {"min_size": min_size, "site": site, "since": utc_bound(since), "until": utc_bound(until, whole_day=True)}
    from archive.analysis.queries import export_rows

    with open_archive(db_url, readonly=True) as archive, archive.reader() as session:
        write_rows(export_rows(session, **filters), fmt, output, EXPORT_FIELDS)


@cli.command()
@click.option("--limit", type=DB_INT, default=20, show_default=True)
@json_option
@db_option
def runs(limit: int, as_json: bool, db_url: str) -> None:
    """List the crawl runs recorded in the archive, newest first.

    \b
    Examples:
      newsarchive runs
      newsarchive runs --json
    """
    with open_archive(db_url, readonly=True) as archive:
        rows = archive.runs(limit=limit)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    click.echo(f"{'ID':>4}  {'STARTED':<19}  {'STATUS':<11}  {'PAGES':>5}  {'NEW':>4}  {'DUPS':>4}  SEEDS")
    for r in rows:
        st = r["stats"] or {}
        click.echo(f"{r['id']:>4}  {(r['started_at'] or '')[:19]:<19}  {r['status']:<11}  {st.get('pages', 0):>5}  "
                   f"{st.get('articles_new', 0):>4}  {st.get('duplicates', 0):>4}  {len(r['seeds'] or [])}")


@cli.command()
@click.option("--keep-serving", is_flag=True, help="Keep the demo web running after the crawl (Ctrl-C stops).")
@click.option("--variety", type=click.IntRange(min=0), metavar="SEED",
              help="Serve the multilingual web of this seed instead (seven languages, eleven sites).")
@db_option
@click.pass_context
def demo(ctx: click.Context, keep_serving: bool, variety: int | None, db_url: str) -> None:
    """Serve the bundled offline news web on loopback, crawl it and print the clusters found.

    No network is needed: the pages are generated from texts shipped with newsarchive.

    \b
    Examples:
      newsarchive demo
      newsarchive demo --db sqlite:///demo.db
      newsarchive demo --variety 7 --db sqlite:///intl.db
    """
    from archive.demo.server import serve_web

    with serve_web(variety, port=DEMO_PORT) as web:
        click.echo(f"serving {len(web.sites)} demo sites on loopback; crawling into {safe_url(db_url)}", err=True)
        settings = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False"}
        report = _run_crawl(ctx, list(web.seeds), db_url, None, settings)
        click.echo(report.summary(), err=True)
        from archive.analysis.queries import clusters

        with open_archive(db_url, readonly=True) as archive:
            with archive.reader() as session:
                rows = clusters(session, min_size=2)
            details = [archive.show(r["id"]) for r in rows]
        click.echo(f"{len(details)} stories with republished copies:\n")
        for detail in details:
            click.echo(format_cluster(detail) + "\n")
        if keep_serving:
            click.echo("demo web still serving; Ctrl-C stops", err=True)
            _wait_forever()


def _wait_forever() -> None:
    import time

    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


for _command in (doctor, migrate, schedule, stats, sources, search, report, datasette_metadata, import_warc, reprocess):
    cli.add_command(_command)


def main() -> None:
    """Entry point of the `newsarchive` console script."""
    try:
        cli(obj={})
    except SQLAlchemyError as exc:  # anything not caught by a command: still one line
        click.echo(f"Error: database error: {str(exc).splitlines()[0]}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
