"""The operations commands of `newsarchive`: `doctor` checks the archive, `schedule` repeats crawls."""

from __future__ import annotations

import json
import logging

import click

from archive.cli.common import db_option
from archive.cli.schedule import CRAWL_COMMAND, Scheduler
from archive.config import parse_duration
from archive.errors import ArchiveError

logger = logging.getLogger(__name__)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of one line per check.")
@db_option
def doctor(as_json: bool, db_url: str) -> None:
    """Check the archive's invariants; exit 1 when one fails.

    Every article has its band rows, no band or lead rows without an article, no empty live
    cluster, each live cluster's size is its member count and it has exactly one canonical, every
    article is in a live (not merged) cluster, no url_key twice, and search ignores accents as
    on the other backend (FTS5 on SQLite; on PostgreSQL, a UTF8 database). Read-only.

    \b
    Examples:
      newsarchive doctor
      newsarchive doctor --json --db postgresql+psycopg://archive@db/news
    """
    from archive.storage.doctor import check_archive

    try:
        checks = check_archive(db_url)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    failed = [c for c in checks if not c.ok]
    if as_json:
        click.echo(json.dumps({"ok": not failed, "checks": [c.as_dict() for c in checks]}, indent=1))
    else:
        for check in checks:
            click.echo(check.line())
    if failed:
        click.echo(f"doctor: {len(failed)} of {len(checks)} checks failed", err=True)
        raise SystemExit(1)


@click.command()
@db_option
def migrate(db_url: str) -> None:
    """Create the archive, or upgrade its schema to this release's.

    Crawls and imports do this themselves; the read-only commands (clusters, show, export, doctor
    ...) never change an archive and ask for it when the schema is older than this release's.

    \b
    Examples:
      newsarchive migrate
      newsarchive migrate --db postgresql+psycopg://archive@db/news
    """
    from archive.storage.archive import Archive
    from archive.storage.store import safe_url

    try:
        Archive(db_url).close()
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"archive {safe_url(db_url)} is at this release's schema", err=True)


@click.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option("--every", required=True, metavar="DURATION",
              help="Interval between crawl starts: 30m, 1h, 1d, 1h30m ...")
@click.option("--runs", "max_runs", type=click.IntRange(min=1, max=2**31 - 1),
              help="Stop after this many crawls.")
@click.argument("crawl_args", nargs=-1, type=click.UNPROCESSED, metavar="[CRAWL OPTIONS] URL ...")
@click.pass_context
def schedule(ctx: click.Context, every: str, max_runs: int | None, crawl_args: tuple[str, ...]) -> None:
    """Run `newsarchive crawl` every DURATION in the foreground, for a container or a service.

    Everything after the schedule's own options is passed to `crawl`. A crawl still running when
    the next is due is not overlapped; the next starts when it ends. SIGTERM or Ctrl-C stops the
    running crawl gracefully (its run is recorded as interrupted) and ends the schedule. Exit 1
    when any crawl failed.

    \b
    Examples:
      newsarchive schedule --every 1h --seeds-file seeds.txt --db postgresql+psycopg://archive@db/news
      newsarchive schedule --every 30m https://example.org/ https://example.org/feed.xml
    """

    try:
        seconds = parse_duration(every)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--every") from None
    crawl = ctx.parent.command.get_command(ctx.parent, "crawl") if ctx.parent else None
    if crawl is not None:                       # bad crawl options are a usage error now, not every hour
        crawl.make_context("crawl", list(crawl_args), parent=ctx.parent)
    flags = ["-v"] * ctx.find_root().obj.get("verbose", 0) + (["-q"] if ctx.find_root().obj.get("quiet") else [])
    result = Scheduler(crawl_args, seconds, runs=max_runs, command=[*CRAWL_COMMAND, *flags]).run()
    click.echo(f"schedule: {result.runs} crawl(s), {result.failed} failed", err=True)
    if result.failed:
        raise SystemExit(1)
