"""The report's charts as geometry: where each bar, mark, edge and label goes, in SVG units.

Pure functions of the numbers ``report.gather`` read; ``templates/charts.html.j2`` draws them as
inline SVG (Jinja2 escapes every text that came from a crawled page).
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

TIMELINE_ROWS = 25        # at most this many sites in one story's timeline
GRAPH_EDGES = 40          # at most this many origin -> republisher pairs in the graph
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


# -- small helpers (also template filters) ---------------------------------------------------------

def num(value: float) -> str:
    """A coordinate with at most one decimal: 12, 12.5."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def cut(value: Any, width: int) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def when(value: datetime | str | None, zone: bool = True) -> str:
    """A time as UTC minutes: 2026-03-02 08:00 UTC (without " UTC" when ``zone`` is false)."""
    if value is None:
        return "–"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%d %H:%M") + (" UTC" if zone else "")


def span(seconds: float | None) -> str:
    """A delay, short: 45s, 12m, 2h05m, 12h, 1d12h, 3d, 14d, 4.7y."""
    if seconds is None:
        return "–"
    sign, s = ("-" if seconds < 0 else ""), int(abs(round(seconds)))
    days, rest = divmod(s, DAY)
    hours, minutes = rest // 3600, rest % 3600 // 60
    if days >= 365:
        text = f"{s / (365 * DAY):.1f}y"
    elif days >= 10:
        text = f"{days}d"
    elif days:
        text = f"{days}d{hours:02d}h" if hours else f"{days}d"
    elif hours:
        text = f"{hours}h{minutes:02d}m" if minutes else f"{hours}h"
    else:
        text = f"{minutes}m" if minutes else f"{s}s"
    return sign + text


def offset(seconds: float) -> str:
    return "0" if seconds == 0 else ("+" if seconds > 0 else "") + span(seconds)


def nice_max(value: int) -> tuple[int, int]:
    """A round axis top at or above ``value`` and its tick step (1, 2 or 5 times a power of ten)."""
    value = max(value, 1)
    for power in range(0, 12):
        for base in (1, 2, 5):
            step = base * 10 ** power
            if value / step <= 5:
                return step * math.ceil(value / step), step
    return value, value


# -- histograms ----------------------------------------------------------------------------------

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


def bar_chart(bins: list[tuple[str, int]], name: str, x_label: str, y_label: str) -> dict[str, Any] | None:
    """A histogram: one bar per bin (height 0 when empty), its label and count, the y ticks."""
    if not bins:
        return None
    height, left, right, top, bottom = 226, 56, 12, 22, 50
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    y_max, y_step = nice_max(max(count for _, count in bins))
    slot = plot_w / len(bins)
    ticks = [{"value": tick, "y": num(top + plot_h - plot_h * tick / y_max),
              "text_y": num(top + plot_h - plot_h * tick / y_max + 4)} for tick in range(0, y_max + 1, y_step)]
    bars = []
    for i, (label, count) in enumerate(bins):
        bar_h = plot_h * count / y_max
        x, y = left + i * slot + slot * 0.12, top + plot_h - bar_h
        bars.append({"label": label, "count": count, "x": num(x), "y": num(y), "width": num(slot * 0.76),
                     "height": num(bar_h), "count_x": num(x + slot * 0.38), "count_y": num(y - 4),
                     "label_x": num(left + (i + 0.5) * slot)})
    return {"name": name, "x_label": x_label, "y_label": y_label, "width": WIDTH, "height": height,
            "left": left, "right_x": WIDTH - right, "axis_y": top + plot_h, "label_y": top + plot_h + 16,
            "x_label_x": left + plot_w / 2, "x_label_y": height - 8, "y_label_y": top + plot_h / 2,
            "colour": BAR_COLOUR, "ticks": ticks, "bars": bars}


# -- one story's spread --------------------------------------------------------------------------

def timeline(cluster: dict[str, Any]) -> dict[str, Any] | None:
    """How one story spread: a row per site (in the order the story reached them), a mark per
    article at the time it appeared (its stated publication, else its first sighting), and each
    copy's delay from the original's publication to the archive's first sighting of it."""
    members = cluster["members"]
    if not members:
        return None
    canonical = next((m for m in members if m["role"] == "canonical"), members[0])
    start = canonical["published"] or canonical["first_seen"]
    rows: dict[str, list[dict[str, Any]]] = {}
    for member in sorted(members, key=lambda m: (_appeared(m), m["role"] != "canonical")):
        rows.setdefault(member["site"] or member["host"], []).append(member)
    hidden = max(0, len(rows) - TIMELINE_ROWS)
    rows = dict(list(rows.items())[:TIMELINE_ROWS])
    times = [_appeared(m) for ms in rows.values() for m in ms] + [start]
    low, high = min(times), max(times)
    width = max((high - low).total_seconds(), 60.0)
    step = next((s for s in TICK_STEPS if width / s <= 6), None) or 365 * DAY * math.ceil(width / (365 * DAY) / 6)
    left, right, top, row_h = 210, 150, 10, 26
    plot_w = WIDTH - left - right - 20
    axis_y = top + row_h * len(rows) + 4
    x_of = lambda t: left + 10 + plot_w * ((t - low).total_seconds() / width)  # noqa: E731
    ticks = [{"x": num(x_of(start) + plot_w * (k * step / width)), "text": offset(k * step)}
             for k in range(math.ceil((low - start).total_seconds() / step),
                            math.floor((high - start).total_seconds() / step) + 1)]
    sites = [_timeline_row(site, found, top + row_h * i + row_h / 2, x_of, start)
             for i, (site, found) in enumerate(rows.items())]
    return {"id": cluster["id"], "width": WIDTH, "height": axis_y + 40, "left": left, "right_x": WIDTH - right,
            "axis_y": axis_y, "tick_y": axis_y + 16, "row_h": row_h, "top": top, "ticks": ticks, "sites": sites,
            "stripes": [top + row_h * i for i in range(0, len(rows), 2)], "delay_x": WIDTH - right + 10,
            "path": " ".join(s["path"] for s in sites) if len(sites) > 1 else "", "hidden": hidden,
            "label_x": left + 10 + plot_w / 2, "label_y": axis_y + 36, "start": when(start)}


def _appeared(member: dict[str, Any]) -> datetime:
    return member["published"] or member["first_seen"]


def _timeline_row(site: str, found: list[dict[str, Any]], y: float, x_of: Any, start: datetime) -> dict[str, Any]:
    """One site's row of a timeline: its label, a mark per article and the copy's delay."""
    marks = []
    for member in found:
        colour = ROLE_COLOURS.get(member["role"], "#555")
        tip = (f'{site}: {member["role"]}\n{member["title"] or member["url"]}'
               f'\npublished {when(member["published"])}\nfirst seen {when(member["first_seen"])}')
        marks.append({"role": member["role"], "x": num(x_of(_appeared(member))), "colour": colour,
                      "fill": colour if member["published"] else "#fff", "tip": tip})
    copy = next((m for m in found if m["role"] != "canonical"), None)
    note = "original" if copy is None else "seen " + offset((copy["first_seen"] - start).total_seconds())
    return {"site": site, "label": cut(site, 30), "host": found[0]["host"], "y": num(y), "text_y": num(y + 4),
            "marks": marks, "note": note, "path": f"{num(x_of(_appeared(found[0])))},{num(y)}"}


# -- who republishes whom ------------------------------------------------------------------------

def graph(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Who republishes whom: origin publishers on the left, republishing sites on the right, an
    edge per pair as thick as the number of stories copied (the ``sources`` rows)."""
    if not rows:
        return None
    rows = rows[:GRAPH_EDGES]
    totals: dict[tuple[str, str], int] = {}
    for r in rows:
        totals[("o", r["origin"])] = totals.get(("o", r["origin"]), 0) + r["stories"]
        totals[("r", r["republisher"])] = totals.get(("r", r["republisher"]), 0) + r["stories"]
    columns = [sorted((k for k in totals if k[0] == side), key=lambda k: (-totals[k], str(k[1]))) for side in "or"]
    row_h, top, tallest = 30, 34, max(len(c) for c in columns)
    left_x, right_x = 300, WIDTH - 300
    y = {node: top + (row_h * (tallest - len(nodes))) / 2 + row_h * i + row_h / 2
         for nodes in columns for i, node in enumerate(nodes)}
    heaviest, mid = max(r["stories"] for r in rows), (left_x + right_x) / 2
    edges = [{"origin": r["origin"], "republisher": r["republisher"], "stories": r["stories"],
              "d": f'M{left_x + 7},{num(y[("o", r["origin"])])} C{num(mid)},{num(y[("o", r["origin"])])} '
                   f'{num(mid)},{num(y[("r", r["republisher"])])} {right_x - 7},{num(y[("r", r["republisher"])])}',
              "stroke_width": num(1.5 + 10 * r["stories"] / heaviest),
              "tip": f'{r["origin"]} → {r["republisher"]}: {r["stories"]} stories, {r["copies"]} copies, '
                     f'median delay {span(r["median_delay_seconds"])}'}
             for r in sorted(rows, key=lambda r: r["stories"])]
    nodes = [{"side": "origin" if side == "o" else "republisher", "name": name, "label": cut(name, 32),
              "total": totals[(side, name)], "x": left_x if side == "o" else right_x, "y": num(pos),
              "text_x": left_x - 12 if side == "o" else right_x + 12, "text_y": num(pos + 4),
              "anchor": "end" if side == "o" else "start"} for (side, name), pos in y.items()]
    return {"width": WIDTH, "height": top + row_h * tallest + 10, "pairs": len(rows), "left_x": left_x,
            "right_x": right_x, "colour": EDGE_COLOUR, "edges": edges, "nodes": nodes}
