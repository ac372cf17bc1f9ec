"""The archive as one self-contained HTML page for analysts (`newsarchive report`).

The page holds the biggest stories, a timeline of how each of them spread from site to site,
the republishing graph between sites and histograms of story sizes and republication delays.
Every chart is inline SVG drawn here; the page loads nothing (no script, font, style sheet or
image from anywhere), and its Content-Security-Policy forbids it to. Every text that comes from a
crawled page (titles, site names, URLs) is HTML-escaped.
"""

from __future__ import annotations

import html
import math
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from archive.storage.models import Article, Cluster, Site

DEFAULT_TOP = 10
TIMELINE_ROWS = 25        # at most this many sites in one story's timeline
GRAPH_EDGES = 40          # at most this many origin -> republisher pairs in the graph
TABLE_ROWS = 100          # at most this many rows in the pairs and sites tables
WIDTH = 960               # width of every chart, in SVG units (charts scale to the page)

ROLE_COLOURS = {"canonical": "#1c64c8", "mirror": "#d9480f", "excerpt": "#2b8a3e"}
BAR_COLOUR = "#4263eb"
EDGE_COLOUR = "#5c7cfa"

DAY = 86400
# (lower bound, label) of the delay histogram's bins; each bin runs to the next bound
DELAY_BINS = [(0, "<15m"), (900, "15m–1h"), (3600, "1h–3h"), (3 * 3600, "3h–6h"), (6 * 3600, "6h–12h"),
              (12 * 3600, "12h–1d"), (DAY, "1d–2d"), (2 * DAY, "2d–7d"), (7 * DAY, "7d–30d"),
              (30 * DAY, "30d–1y"), (365 * DAY, "≥1y")]
TICK_STEPS = [60, 300, 900, 1800, 3600, 2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600, DAY, 2 * DAY, 7 * DAY, 14 * DAY,
              30 * DAY, 91 * DAY, 182 * DAY, 365 * DAY]


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


# -- small helpers --------------------------------------------------------------------------------

def esc(value: Any) -> str:
    """``value`` as HTML text or attribute value: every <, >, &, " and ' escaped."""
    return html.escape("" if value is None else str(value), quote=True)


def _cut(value: Any, width: int) -> str:
    text_ = "" if value is None else str(value)
    return text_ if len(text_) <= width else text_[: width - 1] + "…"


def _when(value: datetime | str | None, zone: bool = True) -> str:
    """A time as UTC minutes: 2026-03-02 08:00 UTC (without " UTC" when ``zone`` is false)."""
    if value is None:
        return "–"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%d %H:%M") + (" UTC" if zone else "")


def _link(url: str | None, label: str) -> str:
    """``label`` linking to ``url`` when it is an http(s) URL (a link is followed only when clicked)."""
    if url and url.lower().startswith(("http://", "https://")):
        return f'<a href="{esc(url)}" rel="noreferrer noopener">{esc(label)}</a>'
    return esc(label)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def span(seconds: float | None) -> str:
    """A delay, short: 45s, 12m, 2h05m, 12h, 1d12h, 3d, 14d, 4.7y."""
    if seconds is None:
        return "–"
    sign, s = ("-" if seconds < 0 else ""), int(abs(round(seconds)))
    days, rest = divmod(s, DAY)
    hours, minutes = rest // 3600, rest % 3600 // 60
    if days >= 365:
        text_ = f"{s / (365 * DAY):.1f}y"
    elif days >= 10:
        text_ = f"{days}d"
    elif days:
        text_ = f"{days}d{hours:02d}h" if hours else f"{days}d"
    elif hours:
        text_ = f"{hours}h{minutes:02d}m" if minutes else f"{hours}h"
    else:
        text_ = f"{minutes}m" if minutes else f"{s}s"
    return sign + text_


def _offset(seconds: float) -> str:
    return "0" if seconds == 0 else ("+" if seconds > 0 else "") + span(seconds)


def _nice_max(value: int) -> tuple[int, int]:
    """A round axis top at or above ``value`` and its tick step (1, 2 or 5 times a power of ten)."""
    value = max(value, 1)
    for power in range(0, 12):
        for base in (1, 2, 5):
            step = base * 10 ** power
            if value / step <= 5:
                return step * math.ceil(value / step), step
    return value, value


# -- the charts -----------------------------------------------------------------------------------

def bar_chart(bins: list[tuple[str, int]], name: str, x_label: str, y_label: str) -> str:
    """An SVG histogram: one ``<rect class="bar">`` per bin (height 0 when empty), each with its
    label and count in ``data-`` attributes and a tooltip."""
    if not bins:
        return ""
    height, left, right, top, bottom = 226, 56, 12, 22, 50
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    y_max, y_step = _nice_max(max(count for _, count in bins))
    slot = plot_w / len(bins)
    parts = [f'<svg class="chart histogram" data-chart="{esc(name)}" viewBox="0 0 {WIDTH} {height}" '
             f'role="img" aria-label="{esc(y_label)} by {esc(x_label)}">']
    for tick in range(0, y_max + 1, y_step):
        y = top + plot_h - plot_h * tick / y_max
        parts.append(f'<line class="grid" x1="{left}" x2="{WIDTH - right}" y1="{_num(y)}" y2="{_num(y)}"/>'
                     f'<text class="tick" x="{left - 6}" y="{_num(y + 4)}" text-anchor="end">{tick}</text>')
    for i, (label, count) in enumerate(bins):
        bar_h = plot_h * count / y_max
        x, y = left + i * slot + slot * 0.12, top + plot_h - bar_h
        parts.append(f'<rect class="bar" data-label="{esc(label)}" data-count="{count}" x="{_num(x)}" y="{_num(y)}" '
                     f'width="{_num(slot * 0.76)}" height="{_num(bar_h)}" fill="{BAR_COLOUR}">'
                     f'<title>{esc(label)}: {count}</title></rect>')
        if count:
            parts.append(f'<text class="count" x="{_num(x + slot * 0.38)}" y="{_num(y - 4)}" '
                         f'text-anchor="middle">{count}</text>')
        parts.append(f'<text class="tick" x="{_num(left + (i + 0.5) * slot)}" y="{top + plot_h + 16}" '
                     f'text-anchor="middle">{esc(label)}</text>')
    parts.append(f'<line class="axis" x1="{left}" x2="{WIDTH - right}" y1="{top + plot_h}" y2="{top + plot_h}"/>'
                 f'<text class="label" x="{left + plot_w / 2}" y="{height - 8}" text-anchor="middle">'
                 f'{esc(x_label)}</text><text class="label" transform="translate(14 {top + plot_h / 2}) rotate(-90)" '
                 f'text-anchor="middle">{esc(y_label)}</text></svg>')
    return "".join(parts)


def size_bins(sizes: dict[int, int]) -> list[tuple[str, int]]:
    """Stories by size: one bin per size up to 15, else 1..5, 6–10, 11–20, 21–50, 51–100, ..."""
    if not sizes:
        return []
    biggest = max(sizes)
    if biggest <= 15:
        edges = list(range(1, biggest + 2))
    else:
        edges, power = [1, 2, 3, 4, 5, 6], 1
        while edges[-1] <= biggest:
            edges += [m * 10 ** power + 1 for m in (1, 2, 5)]
            power += 1
        edges = edges[: next(i for i, e in enumerate(edges) if e > biggest) + 1]
    bins = []
    for low, high in zip(edges, edges[1:]):
        label = str(low) if high == low + 1 else f"{low}–{high - 1}"
        bins.append((label, sum(n for size, n in sizes.items() if low <= size < high)))
    return bins


def delay_bins(delays: list[float]) -> list[tuple[str, int]]:
    """Copies by delay, in the bins of DELAY_BINS up to the last one holding a copy ("before" first
    when some copy was first seen before its original's stated publication)."""
    if not delays:
        return []
    counts = [0] * len(DELAY_BINS)
    for delay in delays:
        if delay >= 0:
            counts[max(i for i, (low, _) in enumerate(DELAY_BINS) if delay >= low)] += 1
    last = max((i for i, n in enumerate(counts) if n), default=0)
    bins = [(label, counts[i]) for i, (_, label) in enumerate(DELAY_BINS[: last + 1])]
    early = sum(1 for d in delays if d < 0)
    return ([("before", early)] if early else []) + bins


def timeline(cluster: dict[str, Any]) -> str:
    """How one story spread: a row per site (in the order the story reached them), a mark per
    article at the time it appeared (its stated publication, else its first sighting), and each
    copy's delay from the original's publication to the archive's first sighting of it."""
    members = cluster["members"]
    if not members:
        return ""
    canonical = next((m for m in members if m["role"] == "canonical"), members[0])
    start = canonical["published"] or canonical["first_seen"]
    appeared = lambda m: m["published"] or m["first_seen"]  # noqa: E731
    rows: dict[str, list[dict[str, Any]]] = {}
    for member in sorted(members, key=lambda m: (appeared(m), m["role"] != "canonical")):
        rows.setdefault(member["site"] or member["host"], []).append(member)
    hidden = max(0, len(rows) - TIMELINE_ROWS)
    rows = dict(list(rows.items())[:TIMELINE_ROWS])
    times = [appeared(m) for ms in rows.values() for m in ms] + [start]
    low, high = min(times), max(times)
    width = max((high - low).total_seconds(), 60.0)
    step = next((s for s in TICK_STEPS if width / s <= 6), None) or 365 * DAY * math.ceil(width / (365 * DAY) / 6)

    left, right, top, row_h = 210, 150, 10, 26
    plot_w = WIDTH - left - right - 20
    height = top + row_h * len(rows) + 44
    x_of = lambda t: left + 10 + plot_w * ((t - low).total_seconds() / width)  # noqa: E731
    parts = [f'<svg class="chart timeline" data-cluster="{cluster["id"]}" viewBox="0 0 {WIDTH} {height}" role="img" '
             f'aria-label="spread of story {cluster["id"]} over {len(rows)} sites">']
    first_tick = math.ceil((low - start).total_seconds() / step)
    last_tick = math.floor((high - start).total_seconds() / step)
    axis_y = top + row_h * len(rows) + 4
    for i in range(0, len(rows), 2):
        parts.append(f'<rect class="stripe" x="0" y="{top + row_h * i}" width="{WIDTH}" height="{row_h}"/>')
    for k in range(first_tick, last_tick + 1):
        x = x_of(start) + plot_w * (k * step / width)
        parts.append(f'<line class="grid" x1="{_num(x)}" x2="{_num(x)}" y1="{top}" y2="{axis_y}"/>'
                     f'<text class="tick" x="{_num(x)}" y="{axis_y + 16}" text-anchor="middle">'
                     f'{esc(_offset(k * step))}</text>')
    path, marks = [], []
    for i, (site, found) in enumerate(rows.items()):
        y = top + row_h * i + row_h / 2
        marks.append(f'<text class="site" x="{left - 8}" y="{_num(y + 4)}" text-anchor="end">{esc(_cut(site, 30))}'
                     f'<title>{esc(site)} ({esc(found[0]["host"])})</title></text>')
        path.append(f"{_num(x_of(appeared(found[0])))},{_num(y)}")
        for member in found:
            colour = ROLE_COLOURS.get(member["role"], "#555")
            fill = colour if member["published"] else "#fff"
            tip = (f'{site}: {member["role"]}\n{member["title"] or member["url"]}'
                   f'\npublished {_when(member["published"])}'
                   f'\nfirst seen {_when(member["first_seen"])}')
            marks.append(f'<circle class="sighting" data-site="{esc(site)}" data-role="{esc(member["role"])}" '
                         f'cx="{_num(x_of(appeared(member)))}" cy="{_num(y)}" r="6" fill="{fill}" stroke="{colour}" '
                         f'stroke-width="2"><title>{esc(tip)}</title></circle>')
        copy = next((m for m in found if m["role"] != "canonical"), None)
        note = "original" if copy is None else "seen " + _offset((copy["first_seen"] - start).total_seconds())
        marks.append(f'<text class="delay" x="{WIDTH - right + 10}" y="{_num(y + 4)}">{esc(note)}</text>')
    if len(path) > 1:
        parts.append(f'<polyline class="spread" points="{" ".join(path)}"/>')
    parts += marks
    parts.append(f'<line class="axis" x1="{left}" x2="{WIDTH - right}" y1="{axis_y}" y2="{axis_y}"/>'
                 f'<text class="label" x="{left + 10 + plot_w / 2}" y="{height - 4}" text-anchor="middle">'
                 f'time from the original&#8217;s publication ({esc(_when(start))})</text></svg>')
    if hidden:
        parts.append(f'<p class="note">{hidden} more site(s) not shown.</p>')
    return "".join(parts)


def graph(rows: list[dict[str, Any]]) -> str:
    """Who republishes whom: origin publishers on the left, republishing sites on the right, an
    edge per pair as thick as the number of stories copied (the ``sources`` rows)."""
    if not rows:
        return ""
    rows = rows[:GRAPH_EDGES]
    totals: dict[tuple[str, str], int] = {}
    for r in rows:
        totals[("o", r["origin"])] = totals.get(("o", r["origin"]), 0) + r["stories"]
        totals[("r", r["republisher"])] = totals.get(("r", r["republisher"]), 0) + r["stories"]

    def column(side: str) -> list[tuple[str, str]]:
        return sorted((k for k in totals if k[0] == side), key=lambda k: (-totals[k], str(k[1])))

    origins, republishers = column("o"), column("r")
    row_h, top = 30, 34
    height = top + row_h * max(len(origins), len(republishers)) + 10
    left_x, right_x = 300, WIDTH - 300

    def place(nodes: list[tuple[str, str]]) -> dict[tuple[str, str], float]:
        offset = top + (row_h * (max(len(origins), len(republishers)) - len(nodes))) / 2
        return {node: offset + row_h * i + row_h / 2 for i, node in enumerate(nodes)}

    y = {**place(origins), **place(republishers)}
    heaviest = max(r["stories"] for r in rows)
    parts = [f'<svg class="chart graph" viewBox="0 0 {WIDTH} {height}" role="img" '
             f'aria-label="republishing graph: {len(rows)} origin to republisher pairs">',
             f'<text class="label" x="{left_x}" y="16" text-anchor="end">origin publisher</text>'
             f'<text class="label" x="{right_x}" y="16">republishing site</text>']
    for r in sorted(rows, key=lambda r: r["stories"]):
        y1, y2, mid = y[("o", r["origin"])], y[("r", r["republisher"])], (left_x + right_x) / 2
        tip = (f'{r["origin"]} → {r["republisher"]}: {r["stories"]} stories, {r["copies"]} copies, '
               f'median delay {span(r["median_delay_seconds"])}')
        parts.append(f'<path class="edge" data-origin="{esc(r["origin"])}" data-republisher="{esc(r["republisher"])}" '
                     f'data-stories="{r["stories"]}" d="M{left_x + 7},{_num(y1)} C{_num(mid)},{_num(y1)} '
                     f'{_num(mid)},{_num(y2)} {right_x - 7},{_num(y2)}" stroke="{EDGE_COLOUR}" '
                     f'stroke-width="{_num(1.5 + 10 * r["stories"] / heaviest)}"><title>{esc(tip)}</title></path>')
    for (side, name), pos in y.items():
        x, anchor, dx = (left_x, "end", -12) if side == "o" else (right_x, "start", 12)
        parts.append(f'<circle class="node" data-side="{"origin" if side == "o" else "republisher"}" '
                     f'cx="{x}" cy="{_num(pos)}" r="6"/><text class="site" x="{x + dx}" y="{_num(pos + 4)}" '
                     f'text-anchor="{anchor}">{esc(_cut(name, 32))} ({totals[(side, name)]})'
                     f'<title>{esc(name)}</title></text>')
    parts.append("</svg>")
    return "".join(parts)


# -- the page -------------------------------------------------------------------------------------

STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1d2330;
margin:0;background:#f6f7f9}
main{max-width:1040px;margin:0 auto;padding:24px 28px 48px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:32px 0 8px;border-bottom:1px solid #d8dce3;
padding-bottom:4px}h3{font-size:15px;margin:18px 0 4px}
.meta,.note{color:#5b6373;font-size:13px}.empty{padding:16px;background:#fff;border:1px dashed #b9c0cc}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0}.card{background:#fff;border:1px solid #dde1e7;
border-radius:6px;padding:8px 14px;min-width:120px}.card b{display:block;font-size:22px}
.card span{color:#5b6373;font-size:12px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}
th,td{border-bottom:1px solid #e3e6eb;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#eef0f4;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
td.t{white-space:nowrap;font-variant-numeric:tabular-nums}
a{color:#1c64c8;text-decoration:none}a:hover{text-decoration:underline}
svg.chart{width:100%;height:auto;background:#fff;border:1px solid #dde1e7;border-radius:4px;display:block}
svg text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;fill:#1d2330}
svg text.tick,svg text.delay{fill:#5b6373;font-size:11px}svg text.label{font-size:12px;fill:#3b4252}
svg text.count{font-size:11px}svg .grid{stroke:#e6e9ef}svg .axis{stroke:#8a93a3}svg .stripe{fill:#f7f8fa}
svg .spread{fill:none;stroke:#adb5bd;stroke-dasharray:3 3}svg .edge{fill:none;stroke-opacity:.55}
svg .edge:hover{stroke-opacity:.9}svg .node{fill:#343a40}
.legend span{display:inline-block;margin-right:14px;font-size:13px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:5px;border:2px solid}
.charts{display:grid;gap:18px}
"""

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def render(data: dict[str, Any], *, source: str = "", generated: datetime | None = None) -> str:
    """The report page of ``gather``'s ``data`` as one HTML document."""
    stats, generated = data["stats"], generated or datetime.now(timezone.utc)
    head = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>newsarchive report</title><style>{STYLE}</style></head><body><main>'
            f'<h1>newsarchive report</h1><p class="meta">{esc(source)} · generated {esc(_when(generated))}</p>')
    if not stats["articles"]:
        return head + ('<p class="empty" id="nothing">Nothing in the archive yet: no article has been archived. '
                       'Crawl some sites (<code>newsarchive crawl URL</code>) and make the report again.</p>'
                       '</main></body></html>\n')
    cards = [(stats["articles"], "articles"), (stats["sites"], "sites"), (stats["clusters"], "stories"),
             (stats["clusters_with_copies"], "republished stories"), (stats["copies"], "copies"),
             (f'{stats["duplicate_share"]:.0%}', "of articles are copies")]
    body = ['<div class="cards">', *(f'<div class="card"><b>{esc(v)}</b><span>{esc(k)}</span></div>' for v, k in cards),
            "</div>", _clusters_section(data["clusters"]), _timelines_section(data["clusters"]),
            _graph_section(data["sources"]), _histograms_section(data), _pairs_section(data["sources"]),
            _sites_section(stats["by_site"])]
    return head + "".join(body) + "</main></body></html>\n"


def _clusters_section(clusters: list[dict[str, Any]]) -> str:
    out = ['<section id="clusters"><h2>The biggest stories</h2>']
    if not clusters:
        return out[0] + '<p class="empty">No story has been republished yet: every story has one article.</p></section>'
    out.append('<table><thead><tr><th>#</th><th>Title</th><th>Canonical publisher</th><th>Size</th>'
               '<th>Credited origin</th><th>Published (UTC)</th><th>First sighting</th><th>Last sighting</th>'
               '</tr></thead><tbody>')
    for c in clusters:
        out.append(f'<tr class="cluster" data-cluster="{c["id"]}"><td class="n">{c["id"]}</td>'
                   f'<td>{_link(c["canonical_url"], c["title"] or c["canonical_url"])}</td><td>{esc(c["site"])}</td>'
                   f'<td class="n">{c["size"]}</td><td>{esc(c["origin"] or "–")}</td>'
                   f'<td class="t">{esc(_when(c["published"], False))}</td>'
                   f'<td class="t">{esc(_when(c["first_sighting"], False))}</td>'
                   f'<td class="t">{esc(_when(c["last_sighting"], False))}</td></tr>')
    out.append("</tbody></table></section>")
    return "".join(out)


def _timelines_section(clusters: list[dict[str, Any]]) -> str:
    if not clusters:
        return ""
    legend = "".join(f'<span><i style="background:{c};border-color:{c}"></i>{role}</span>'
                     for role, c in ROLE_COLOURS.items())
    out = ['<section id="timelines"><h2>How they spread</h2><p class="note">One row per site, in the order the '
           'story reached them; a mark per article at its stated publication (filled) or, when the page states '
           'none, at its first sighting (hollow). On the right, the time from the original&#8217;s publication to '
           'the archive&#8217;s first sighting of the copy.</p>'
           f'<p class="legend">{legend}</p>']
    for c in clusters:
        out.append(f'<h3>{esc(c["title"] or c["canonical_url"])} <span class="note">story {c["id"]}, '
                   f'{c["size"]} articles</span></h3>{timeline(c)}')
    out.append("</section>")
    return "".join(out)


def _graph_section(rows: list[dict[str, Any]]) -> str:
    out = ['<section id="graph"><h2>Who republishes whom</h2>']
    if not rows:
        return out[0] + '<p class="empty">No republished copies in the archive yet.</p></section>'
    shown = f" (the {GRAPH_EDGES} strongest of {len(rows)} pairs)" if len(rows) > GRAPH_EDGES else ""
    out.append(f'<p class="note">Each edge runs from the publisher of an original to a site that republished it, '
               f'as thick as the number of stories copied{shown}; a site&#8217;s total is in brackets.</p>')
    out.append(graph(rows) + "</section>")
    return "".join(out)


def _pairs_section(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    out = ['<section id="pairs"><h2>Origins and republishers</h2><p class="note">The delays run from the '
           'original&#8217;s publication to the first sighting of the copy; similarity is the copies&#8217; mean '
           'similarity to the original (lower: more edited).</p>']
    out.append('<table class="pairs"><thead><tr><th>Origin</th><th>Republisher</th><th>Stories</th><th>Copies</th>'
               '<th>Median delay</th><th>Longest delay</th><th>Similarity</th></tr></thead><tbody>')
    for r in rows[:TABLE_ROWS]:
        similarity = "–" if r["avg_similarity"] is None else f'{r["avg_similarity"]:.2f}'
        out.append(f'<tr><td>{esc(r["origin"])}</td><td>{esc(r["republisher"])}</td><td class="n">{r["stories"]}</td>'
                   f'<td class="n">{r["copies"]}</td><td class="n">{esc(span(r["median_delay_seconds"]))}</td>'
                   f'<td class="n">{esc(span(r["max_delay_seconds"]))}</td><td class="n">{similarity}</td></tr>')
    out.append("</tbody></table>")
    if len(rows) > TABLE_ROWS:
        out.append(f'<p class="note">{len(rows) - TABLE_ROWS} more pairs: <code>newsarchive sources</code> lists '
                   f'them all.</p>')
    out.append("</section>")
    return "".join(out)


def _histograms_section(data: dict[str, Any]) -> str:
    delays = data["delays"]
    out = ['<section id="histograms"><h2>Sizes and delays</h2><div class="charts">',
           '<div><h3>Stories by number of articles</h3>',
           bar_chart(size_bins(data["sizes"]), "sizes", "articles in the story", "stories"), "</div>",
           '<div><h3>Copies by republication delay</h3>']
    if delays:
        median = sorted(delays)[len(delays) // 2]
        out += [f'<p class="note">From the original&#8217;s publication to the first sighting of the copy; '
                f'{len(delays)} copies, median about {esc(span(median))}.</p>',
                bar_chart(delay_bins(delays), "delays", "delay", "copies")]
    else:
        out.append('<p class="empty">No republished copies in the archive yet.</p>')
    out.append("</div></div></section>")
    return "".join(out)


def _sites_section(by_site: list[dict[str, Any]]) -> str:
    out = ['<section id="sites"><h2>Sites</h2><table><thead><tr><th>Site</th><th>Host</th><th>Articles</th>'
           '<th>Copies</th><th>Copies share</th></tr></thead><tbody>']
    for r in by_site[:TABLE_ROWS]:
        out.append(f'<tr><td>{esc(r["site"])}</td><td>{esc(r["host"])}</td><td class="n">{r["articles"]}</td>'
                   f'<td class="n">{r["copies"]}</td><td class="n">{r["duplicate_share"]:.0%}</td></tr>')
    out.append("</tbody></table>")
    if len(by_site) > TABLE_ROWS:
        out.append(f'<p class="note">{len(by_site) - TABLE_ROWS} more sites: <code>newsarchive stats</code> lists '
                   f'them all.</p>')
    out.append("</section>")
    return "".join(out)


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
