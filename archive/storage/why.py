"""Why a cluster's canonical is the canonical: each member's evidence and the points it earned."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from archive.extraction.dates import disagreement
from archive.neardup.canonical import (Member, declares_other_publisher, explain, own_canonical, own_credits,
                                       trusted_date)
from archive.storage.placement import cluster_members, member_rows

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def explain_cluster(session: Session, cluster_id: int) -> dict[str, Any]:
    """The canonical choice of ``cluster_id`` (a resolved id) with the evidence of every member."""
    rows = member_rows(session, cluster_id)
    if not rows:
        return {"canonical": None, "credited_origin": None, "decided_by": "no members", "members": []}
    members = cluster_members(session, rows)
    result = explain(members)
    keys = {m.url_key for m in members}
    by_id = {r.id: r for r in rows}
    scored = result.pop("members")
    result["members"] = [{**_evidence(m, by_id[m.id], keys),
                          **scored.get(m.id, {"score": None, "signals": {}, "note": "an excerpt: never weighed"})}
                         for m in sorted(members, key=lambda m: (m.id != result["canonical"], m.id))]
    return result


def _evidence(m: Member, row: Any, keys: set[str]) -> dict[str, Any]:
    dates = [tuple(d) for d in (row.evidence or {}).get("dates", [])]
    own = set(own_credits(m))
    return {
        "article_id": m.id, "url_key": m.url_key, "role": row.role,
        "published": m.published.isoformat() if m.published else None,
        "date_source": m.date_source, "date_trusted": trusted_date(m) is not None if m.published else None,
        "dates_seen": [list(d) for d in dates], "date_note": disagreement(dates),
        "declared_canonical": row.canonical_url if m.declared else None,
        "declared_is": _declared_is(m, keys),
        "credits": list(own), "self_credits": [c for c in m.credits if c not in own],
        "rights_notices": [r for r in m.rights if r in own], "publisher": m.identity.describe(),
    }


def _declared_is(m: Member, keys: set[str]) -> str | None:
    if not m.declared:
        return None
    if m.declared in keys:
        return "another member of the cluster"
    if own_canonical(m):
        return "its own publisher's page, not archived"
    return "another publisher's page, not archived" if declares_other_publisher(m) else None
