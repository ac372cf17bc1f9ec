"""How ``newsarchive show`` prints a cluster and, with ``--why``, the evidence behind its canonical."""

from __future__ import annotations

from typing import Any

from archive.cli.common import cut as _cut
from archive.neardup.diff import describe


def format_cluster(detail: dict[str, Any], color: bool = False, full: bool = False) -> str:
    """A cluster as readable lines: credited origin, canonical, then each copy with its site, date,
    similarity to the canonical and what it changed (``neardup.diff.describe``: paragraphs cut
    together counted unless ``full``; ANSI colours with ``color``)."""
    lines = [f"Cluster {detail['id']}: {detail['size']} article(s)",
             f"  credited origin: {detail['origin'] or 'unknown'}"]
    if detail.get("origin_url"):
        lines.append(f"  original URL declared by a member: {detail['origin_url']}")
    for m in detail["members"]:
        sim = "" if m["role"] == "canonical" or m["similarity"] is None else f"  similarity {m['similarity']:.2f}"
        date = (m["published"] or m["first_seen"] or "")[:10]
        lines.append(f"  {m['role']:<9} {_cut(m['site'], 24):<24} {date:<10}{sim}")
        lines.append(f"            {_cut(m['title'], 80)}")
        lines.append(f"            {m['url']}")
        if m.get("changes"):
            lines.append(f"            changes: {m['changes']['summary']}")
            lines.extend(f"              {line}" for line in describe(m["changes"], color, full=full))
    return "\n".join(lines)


def format_why(why: dict[str, Any]) -> str:
    """The canonical choice as readable lines: what decided, then each member's evidence and points."""
    lines = ["", f"Why article {why['canonical']} is the canonical: {why['decided_by']}",
             f"  credited origin (what the members' credits name): {why.get('credited_origin') or 'none'}"]
    for m in why["members"]:
        score = "not weighed (an excerpt)" if m.get("score") is None else f"{m['score']:g} points"
        lines.append(f"  article {m['article_id']} ({m['role']}, {score}): {m['url_key']}")
        lines.extend(f"      {line}" for line in _evidence_lines(m))
    return "\n".join(lines)


def _evidence_lines(m: dict[str, Any]) -> list[str]:
    publisher = m["publisher"]
    date = m["published"] or "none"
    source = f" (from {m['date_source']})" if m.get("date_source") else ""
    trusted = "" if m.get("date_trusted") in (None, True) else ", not trusted: after the page was first seen"
    found = [f"date: {date}{source}{trusted}",
             f"publisher: {', '.join(publisher['names']) or '-'} | domains {', '.join(publisher['domains']) or '-'}"]
    if m.get("date_note"):
        found.append(m["date_note"])
    if m.get("declared_canonical"):
        found.append(f"declared canonical: {m['declared_canonical']} ({m.get('declared_is') or 'elsewhere'})")
    if m.get("credits"):
        found.append(f"credits: {', '.join(m['credits'])}")
    if m.get("rights_notices"):
        found.append(f"copyright notices: {', '.join(m['rights_notices'])}")
    if m.get("self_credits"):
        found.append(f"own credits (ignored): {', '.join(m['self_credits'])}")
    if m.get("signals"):
        found.append("signals: " + ", ".join(f"{k} x{v:g}" if v != 1 else k for k, v in m["signals"].items()))
    return found
