"""The WARC commands of `newsarchive`: `import-warc` and `show --raw` (the stored page of an article)."""

from __future__ import annotations

import logging
import sys
from datetime import datetime
from typing import Any

import click

from archive.cli.common import DATE, DB_INT, db_option, frontier_options, json_option, pool_workers_option, utc_bound
from archive.errors import ArchiveError

logger = logging.getLogger(__name__)


def _hosts(values: tuple[str, ...]) -> frozenset[str]:
    """Exact hosts, or ``@FILE`` for a file of them (one a line, # comments)."""
    hosts: set[str] = set()
    for value in values:
        if value.startswith("@"):
            try:
                lines = open(value[1:], encoding="utf-8").read().splitlines()   # noqa: SIM115
            except OSError as exc:
                raise click.BadParameter(f"cannot read {value[1:]}: {exc.strerror}", param_hint="--host") from None
            hosts.update(line.split("#")[0].strip().lower() for line in lines if line.split("#")[0].strip())
        else:
            hosts.add(value.strip().lower())
    return frozenset(hosts)


@click.command("import-warc")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--host", "hosts", multiple=True, metavar="HOST|@FILE",
              help="Only responses of this exact host (host or host:port; repeatable), or of the hosts listed "
                   "in FILE, one a line.")
@click.option("--since", type=DATE, metavar="DATE", help="Only records with a WARC-Date on or after DATE (UTC).")
@click.option("--until", type=DATE, metavar="DATE", help="Only records with a WARC-Date before DATE, or on it when DATE is a day.")
@click.option("--limit", type=DB_INT, help="Stop after this many HTML responses.")
@pool_workers_option
@frontier_options("Share the files with the other import workers given this Redis URL (redis://HOST:PORT/DB): "
                  "each file is read by one worker, a dead worker's file is taken over.",
                  "Prefix of the shared list's Redis keys.")
@db_option
def import_warc(paths: tuple[str, ...], hosts: tuple[str, ...], since: datetime | None, until: datetime | None,
                limit: int | None, workers: int, frontier: str | None, frontier_name: str, db_url: str) -> None:
    """Import the HTML responses of WARC files (paths, globs or http(s) URLs; gzip or not) into
    the archive: extraction, chrome learning, fingerprinting and clustering as in a crawl.

    The page's URL is the record's WARC-Target-URI and its fetch time the WARC-Date. Progress is
    committed with each article: run the same command again after an interruption and it goes on
    where it stopped. Bad records are counted and skipped; a file that is not WARC is refused.

    \b
    Examples:
      newsarchive import-warc crawl-warcs/*.warc.gz
      newsarchive import-warc CC-NEWS-20240101.warc.gz --host @hosts.txt --since 2024-01-01
      newsarchive import-warc cc-news/*.warc.gz --frontier redis://10.0.0.5:6379/0 --db postgresql+psycopg://...
    """
    from crawler.warcimport import import_files
    from crawler.warcrecords import Filters

    filters = Filters(hosts=_hosts(hosts), since=utc_bound(since), until=utc_bound(until, whole_day=True))
    try:
        shared = _shared(frontier, frontier_name) if frontier else None
        quiet = (click.get_current_context().find_root().obj or {}).get("quiet")
        live = sys.stderr if sys.stderr.isatty() and not quiet else None
        report = import_files(db_url, list(paths), filters=filters, limit=limit, workers=workers, shared=shared,
                              live=live)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(report.summary(), err=True)
    if report.files_refused and report.articles == 0 and report.records == 0:
        sys.exit(1)


def _shared(url: str, name: str) -> Any:
    """The shared file list in Redis (a usage error for a bad URL or name, exit 1 when unreachable)."""
    import os

    from crawler.frontier_redis import check_name, check_url, safe_redis_url
    from crawler.warcshare import SharedFiles

    try:
        shared = SharedFiles(check_url(url), check_name(name), float(os.environ.get("NEWSARCHIVE_FRONTIER_HEARTBEAT", 5)))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--frontier") from None
    try:
        shared.redis.ping()
    except Exception as exc:  # noqa: BLE001 - redis.exceptions.ConnectionError and its kin
        raise click.ClickException(f"cannot reach {safe_redis_url(url)}: {str(exc).splitlines()[0]}") from None
    return shared


def print_raw(article_id: int, db_url: str) -> None:
    """Print the stored response of an article: status line and headers, then the body."""
    from archive.cli.common import open_archive
    from crawler.warcread import read_response

    with open_archive(db_url, readonly=True) as archive:
        ref = archive.warc_location(article_id)
    try:
        page = read_response(ref.file, ref.offset)
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot read {ref.file} at {ref.offset}: {exc}") from None
    out: Any = click.get_binary_stream("stdout")
    out.write(page.head + page.body)


@click.command()
@click.option("--site", "hosts", multiple=True, metavar="HOST", help="Only articles of this host (repeatable).")
@click.option("--since", type=DATE, metavar="DATE", help="Only articles first seen on or after DATE (UTC).")
@click.option("--all", "everything", is_flag=True,
              help="Every article with a stored page, not only those made by another extractor or fingerprint version.")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@pool_workers_option
@json_option
@db_option
def reprocess(hosts: tuple[str, ...], since: datetime | None, everything: bool, dry_run: bool, workers: int,
              as_json: bool, db_url: str) -> None:
    """Extract archived articles again from their stored pages (WARC records) with the current
    extractor and settings, fingerprint and place them again, and report what changed: texts,
    articles moved between stories, stories merged or split, canonicals.

    By default only articles made by another extractor or fingerprint version are taken. Articles
    archived without a stored page (no --warc) are left as they are. One transaction: an
    interrupted reprocess changes nothing.

    \b
    Examples:
      newsarchive reprocess --dry-run
      newsarchive reprocess --site www.example.org --since 2024-01-01 --all
    """
    import json

    from crawler.reprocess import reprocess as run

    try:
        report = run(db_url, hosts=[h.lower() for h in hosts], since=utc_bound(since), everything=everything,
                     dry_run=dry_run, workers=workers)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(report.as_dict()) if as_json else report.summary())
