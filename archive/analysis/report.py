"""The archive as one self-contained HTML page for analysts (`newsarchive report`).

The page holds the biggest stories, a timeline of how each of them spread from site to site,
the republishing graph between sites and histograms of story sizes and republication delays.
Every chart is inline SVG (geometry in ``charts.py``, drawn by ``templates/charts.html.j2``); the
page loads nothing (no script, font, style sheet or image from anywhere), and its
Content-Security-Policy forbids it to. The page is a Jinja2 template with autoescape: every text
that comes from a crawled page (titles, site names, URLs) is HTML-escaped.
"""

from __future__ import annotations

import functools
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from archive.analysis import charts
from archive.analysis.charts import GRAPH_EDGES, ROLE_COLOURS, TIMELINE_ROWS  # noqa: F401 - re-exported
from archive.storage.models import Article, Cluster, Site

DEFAULT_TOP = 10
TABLE_ROWS = 100          # at most this many rows in the pairs and sites tables
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


# -- reading the archive -------------------------------------------------------------------------

def gather(session: Session, top: int = DEFAULT_TOP) -> dict[str, Any]:
    """Everything the page shows, read in one read-only session: the ``stats`` and ``sources``
    queries, the ``top`` largest republished stories with their articles, the number of stories of
    each size and every copy's delay."""
    from archive.analysis import queries

    biggest = queries.clusters(session, min_size=2, limit=top)
    members = _members(session, [c["id"] for c in biggest])
    for cluster in biggest:
        cluster["members"] = members.get(cluster["id"], [])
        seen = [m["first_seen"] for m in cluster["members"]]
        cluster["first_sighting"], cluster["last_sighting"] = (min(seen), max(seen)) if seen else (None, None)
    sizes = session.execute(select(Cluster.size, func.count()).where(Cluster.merged_into.is_(None), Cluster.size > 0)
                            .group_by(Cluster.size)).all()
    delays = session.execute(text("SELECT delay_seconds FROM cluster_members "
                                  "WHERE role <> 'canonical' AND delay_seconds IS NOT NULL")).scalars()
    return {"stats": queries.stats(session), "clusters": biggest, "sources": queries.sources(session),
            "sizes": {size: n for size, n in sizes}, "delays": [float(d) for d in delays]}


def _members(session: Session, cluster_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The articles of the clusters ``cluster_ids``, first sighted first."""
    if not cluster_ids:
        return {}
    publisher = func.coalesce(Article.sitename, Site.name, Site.host)
    query = (select(Article.cluster_id, Article.url, Article.title, Article.role, Article.published,
                    Article.first_seen, Article.similarity, publisher.label("site"), Site.host)
             .join(Site, Site.id == Article.site_id).where(Article.cluster_id.in_(cluster_ids))
             .order_by(Article.cluster_id, Article.first_seen, Article.id))
    found: dict[int, list[dict[str, Any]]] = {}
    for row in session.execute(query):
        found.setdefault(row.cluster_id, []).append(dict(row._mapping))
    return found


# -- the page -------------------------------------------------------------------------------------

@functools.cache
def _environment() -> Environment:
    environment = Environment(loader=PackageLoader("archive.analysis", "templates"),
                              autoescape=select_autoescape(default=True, default_for_string=True),
                              undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    environment.filters.update(when=charts.when, span=charts.span)
    return environment


def render(data: dict[str, Any], *, source: str = "", generated: datetime | None = None) -> str:
    """The report page of ``gather``'s ``data`` as one HTML document."""
    stats, delays = data["stats"], data["delays"]
    cards = [(stats["articles"], "articles"), (stats["sites"], "sites"), (stats["clusters"], "stories"),
             (stats["clusters_with_copies"], "republished stories"), (stats["copies"], "copies"),
             (f'{stats.get("duplicate_share", 0):.0%}', "of articles are copies")]
    return _environment().get_template("report.html.j2").render(
        csp=CSP, source=source, generated=generated or datetime.now(timezone.utc), stats=stats, cards=cards,
        clusters=[{**c, "timeline": charts.timeline(c)} for c in data["clusters"]], sources=data["sources"],
        graph=charts.graph(data["sources"]), graph_edges=GRAPH_EDGES, table_rows=TABLE_ROWS,
        role_colours=ROLE_COLOURS, delays=delays, median_delay=sorted(delays)[len(delays) // 2] if delays else None,
        sizes_chart=charts.bar_chart(charts.size_bins(data["sizes"]), "sizes", "articles in the story", "stories"),
        delays_chart=charts.bar_chart(charts.delay_bins(delays), "delays", "delay", "copies")) + "\n"


def write_file(path: str, content: str) -> None:
    """Write ``content`` to ``path`` whole or not at all (a temporary file renamed over it)."""
    target = Path(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
