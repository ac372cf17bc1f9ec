"""What the `newsarchive` commands share: the --db, --json, story filter, --workers and --frontier
options, opening the archive with one-line errors, and the formatting of table cells."""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import timedelta, timezone
from typing import Any, Iterator

import click
from sqlalchemy.exc import OperationalError

from archive.config import DB_ENVVAR, DEFAULT_DB_URL
from archive.errors import ArchiveError

db_option = click.option("--db", "db_url", envvar=DB_ENVVAR, default=DEFAULT_DB_URL, show_default=True,
                         show_envvar=True, metavar="URL", help="Archive database (any SQLAlchemy URL).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")

# A number the database compares with one of its integers (ids, sizes, limits): 1 to the largest
# 32-bit integer, so a huge one is a usage error rather than an overflow deep in the driver.
class _DbInt(click.IntRange):
    name = "integer"


DB_INT = _DbInt(min=1, max=2**31 - 1)
DATE = click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"])
# Extraction processes: a number beyond any machine's cores is a usage error, not thousands of processes.
MAX_WORKERS = 1024

crawl_workers_option = click.option("--workers", type=click.IntRange(min=1, max=MAX_WORKERS), metavar="N",
                                    help="Extraction processes of this crawl (default: one per usable CPU; "
                                         "the NEWSARCHIVE_WORKERS setting).")
pool_workers_option = click.option("--workers", type=click.IntRange(min=0, max=MAX_WORKERS), default=0,
                                   show_default=True, help="Extraction processes (0: one per CPU).")


def frontier_options(url_help: str, name_help: str) -> Any:
    """The --frontier URL and --frontier-name NAME options of `crawl` and `import-warc`: the Redis
    URL the workers share and the prefix of its keys (each with its environment variable)."""
    def decorate(command: Any) -> Any:
        command = click.option("--frontier-name", envvar="NEWSARCHIVE_FRONTIER_NAME", show_envvar=True,
                               default="newsarchive", show_default=True, metavar="NAME", help=name_help)(command)
        return click.option("--frontier", envvar="NEWSARCHIVE_FRONTIER", show_envvar=True, metavar="URL",
                            help=url_help)(command)
    return decorate


def story_filters(command: Any) -> Any:
    """The --site, --since and --until options of `clusters` and `export`."""
    for option in reversed([
            click.option("--site", metavar="SITE", help="Only clusters with an article on SITE (host or publisher name)."),
            click.option("--since", type=DATE, metavar="DATE", help="Only stories published on or after DATE (UTC)."),
            click.option("--until", type=DATE, metavar="DATE",
                         help="Only stories published before DATE, or on it when DATE is a day.")]):
        command = option(command)
    return command


def utc_bound(value: Any, whole_day: bool = False) -> Any:
    """A --since/--until value as an aware UTC datetime; a bare day given to --until means its end."""
    if value is None:
        return None
    if whole_day and (value.hour, value.minute, value.second) == (0, 0, 0):
        value += timedelta(days=1)
    return value.replace(tzinfo=timezone.utc)


@contextmanager
def open_archive(db_url: str, readonly: bool = False) -> Iterator[Any]:
    """Open the archive, turning operational failures into one-line errors (exit 1)."""
    from archive.storage.archive import Archive

    archive = None
    try:
        archive = Archive(db_url, readonly=readonly)
        yield archive
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    except OperationalError as exc:
        raise click.ClickException(f"database error: {str(exc.orig).strip().splitlines()[0]}") from None
    finally:
        if archive is not None:
            archive.close()


def read(db_url: str, query: Any, **kwargs: Any) -> Any:
    """Run ``query(session, **kwargs)`` in a read-only session of the archive at ``db_url``."""
    with open_archive(db_url, readonly=True) as archive, archive.reader() as session:
        return query(session, **kwargs)


def safe_url(url: str) -> str:
    """The database URL with its password hidden, for messages."""
    from archive.storage.store import safe_url as _safe_url

    return _safe_url(url)


def printed(rows: Any, as_json: bool, empty: str | None = None) -> bool:
    """Print ``rows`` as JSON when asked, or ``empty`` on stderr when there are none. True when
    that was all there is to print (else the caller prints its table)."""
    if as_json:
        dump(rows)
        return True
    if not rows and empty is not None:
        click.echo(empty, err=True)
        return True
    return False


def dump(value: Any) -> None:
    """Print ``value`` as indented JSON."""
    click.echo(json.dumps(value, ensure_ascii=False, indent=1))


def cut(value: Any, width: int) -> str:
    """``value`` as text of at most ``width`` characters (an ellipsis marks a cut)."""
    text = "" if value is None else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def duration(seconds: float | None) -> str:
    """A delay for people: 45s, 12m, 3h05m, 2d04h."""
    if seconds is None:
        return "-"
    sign, s = ("-" if seconds < 0 else ""), int(abs(round(seconds)))
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    text = f"{days}d{hours:02d}h" if days else f"{hours}h{minutes:02d}m" if hours else f"{minutes}m" if minutes else f"{s}s"
    return sign + text
