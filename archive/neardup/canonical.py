"""The canonical choice: every member's evidence weighed, the highest score stands for the story.

The weights and the conflict rule are documented in docs/canonical.md; ``explain`` gives, for
each member, the evidence seen and the points it earned (``newsarchive show ID --why``).
"""

from __future__ import annotations

import dataclasses
import functools
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from archive.neardup.publishers import Identity, names_match, registrable_domain

# Points each signal earns (see docs/canonical.md). A declared canonical is a page's own statement
# about the story's original, so one vote outweighs the credited publisher and the earliest date
# together; a credit is what copies say about the original; a date is read from the page and may
# be wrong, text length and first sighting only break near-ties.
WEIGHTS: dict[str, float] = {
    "votes": 8.0,            # per other member whose rel=canonical names this page (or the URL it stands in for)
    "declares_member": -6.0,  # its rel=canonical names another member of the cluster: a copy of it
    "credited": 4.0,         # it is (or declares a page of) the publisher the members credit
    "credits_other": -3.0,   # it says the story appeared first at another publisher
    "declares_other": -3.0,  # its rel=canonical names an absent page of another publisher
    "rights_other": -1.0,    # a copyright notice of a rights holder that is no member (a licensed or wire piece)
    "earliest": 2.0,         # it has the earliest trusted publication date
    "own_canonical": 1.0,    # its rel=canonical names its own publisher's page (served from another host)
    "fullest": 1.0,          # it has the most text
}
# Equal points: the earliest trusted date, then the first seen (arrival order never adds points,
# so the choice does not depend on the order pages arrive in), then the lowest id.


@dataclass(frozen=True, slots=True)
class Member:
    """What the canonical choice needs to know about one cluster member."""

    id: int
    url_key: str
    site_host: str
    site_name: str | None = None
    canonical_key: str | None = None        # url_key of the page's declared canonical
    credits: tuple[str, ...] = field(default=())
    published: datetime | None = None
    first_seen: datetime | None = None
    is_excerpt: bool = False
    size: int = 0                           # shingles of its text
    publisher: tuple[str, ...] = field(default=())   # JSON-LD publisher names and URLs
    rights: tuple[str, ...] = field(default=())      # credits read only from a copyright notice
    date_source: str | None = None
    credit_links: tuple[tuple[str, str], ...] = field(default=())   # (credited name, URL its line links to)
    edge_lines: tuple[str, ...] = field(default=())  # its short first and closing lines, any language

    @property
    def identity(self) -> Identity:
        """The publisher this page declares itself to be: its site name, JSON-LD publisher, host."""
        return _identity(self.site_name, self.publisher, self.site_host)

    @property
    def declared(self) -> str | None:
        """The url_key of its declared canonical when that is not the page itself."""
        return self.canonical_key if self.canonical_key and self.canonical_key != self.url_key else None


@functools.lru_cache(maxsize=4096)
def _identity(site_name: str | None, publisher: tuple[str, ...], host: str) -> Identity:
    return Identity.of([site_name, *publisher], [host])


def own_credits(m: Member) -> tuple[str, ...]:
    """The publishers ``m`` credits, without those that are its own publisher (a copyright footer)."""
    identity = m.identity
    return tuple(c for c in m.credits if not identity.knows(c))


def credited_origin(members: list[Member]) -> str | None:
    """The publisher most members credit as the story's origin ("originally appeared in X",
    "(c) X", "Read more at X"). Spellings of one publisher count together ("Harbour Review",
    "harbourreview.com"); the most frequent name that is not a bare host is returned; between
    names credited as often, one a member is known by. A page's credit to its own publisher (its
    copyright footer) does not count.

    >>> credited_origin([Member(1, "a/1", "a", credits=("harbourreview.com",)),
    ...                  Member(2, "b/1", "b", credits=("Harbour Review",))])
    'Harbour Review'
    """
    groups: list[list[str]] = []
    for m in sorted(members, key=lambda m: m.id):
        for credit in dict.fromkeys(own_credits(m)):
            group = next((g for g in groups if names_match(g[0], credit)), None)
            if group is None:
                groups.append([credit])
            else:
                group.append(credit)
    if not groups:
        return None
    # the most credited; between as many, a publisher that is a member of the story
    best = max(groups, key=lambda g: (len(g), any(m.identity.knows(g[0]) for m in members)))
    names = [c for c in best if " " in c or "." not in c] or best
    return Counter(names).most_common(1)[0][0]


def trusted_date(m: Member) -> datetime | None:
    """The page's date, unless it is after the page was first seen (a template error, not a fact)."""
    if m.published is None or (m.first_seen and m.published > m.first_seen + timedelta(days=1)):
        return None
    return m.published.replace(tzinfo=None)


def _host(key: str | None) -> str:
    return (key or "").split("/", 1)[0]


def own_canonical(m: Member) -> bool:
    """True when the page's declared canonical is its own publisher's page: the same registrable
    domain as its host, or a domain its own names or JSON-LD publisher spell (a mirror, an AMP or
    CDN copy, a syndicated original served from another host)."""
    if not m.declared:
        return False
    host = _host(m.declared)
    return registrable_domain(host) == registrable_domain(m.site_host) or m.identity.knows(host)


def declares_other_publisher(m: Member) -> bool:
    """True when the page's rel=canonical/og:url names a page that is not its own publisher's
    (see ``own_canonical``): a copy naming its original."""
    return bool(m.declared) and not own_canonical(m)


class _Cluster:
    """Facts about the whole cluster the signals of one member are measured against."""

    def __init__(self, members: list[Member], pool: list[Member]) -> None:
        self.members = members
        self.keys = {m.url_key for m in members}
        self.origin = credited_origin(members)
        # The domains the credit lines naming the origin link to: the origin's own, by its copies' word.
        self.origin_domains = {registrable_domain(url) for m in members for name, url in m.credit_links
                               if self.origin and names_match(name, self.origin)} - {""}
        dates = [d for d in (trusted_date(m) for m in pool) if d is not None]
        self.earliest = min(dates) if dates else None
        self.largest = max((m.size for m in pool), default=0)

    def stands_for(self, m: Member) -> set[str]:
        """The URLs whose votes go to ``m``: its own, and the absent page it declares as its
        canonical when that is its own publisher's or the credited publisher's page (the members
        declaring it stand in for a page the archive does not hold; a copy naming another
        publisher's page does not)."""
        own = {m.url_key}
        if m.declared and m.declared not in self.keys and (not declares_other_publisher(m) or self.declares_credited(m)):
            own.add(m.declared)
        return own

    def credited(self, m: Member) -> bool:
        """``m`` is the credited publisher's page (its own names or domains, or its own canonical's)."""
        if not self.origin:
            return False
        identity = m.identity
        if identity.knows(self.origin) or any(identity.knows(domain) for domain in self.origin_domains):
            return True
        if m.declared and registrable_domain(_host(m.declared)) in self.origin_domains:
            return True     # it declares a page where the credit lines' links say the origin lives
        return bool(m.declared) and not declares_other_publisher(m) and self.declares_credited(m)

    def declares_credited(self, m: Member) -> bool:
        """``m`` declares a page of the credited publisher the archive does not hold: it stands
        in for the credited original rather than pointing away from itself."""
        if not (self.origin and m.declared and m.declared not in self.keys):
            return False
        host = _host(m.declared)
        return names_match(self.origin, host) or registrable_domain(host) in self.origin_domains

    def rights_holder_is_member(self, name: str, m: Member) -> bool:
        return any(o.id != m.id and o.identity.knows(name) for o in self.members)


def signals(m: Member, cluster: _Cluster) -> dict[str, float]:
    """The signals ``m`` shows, as counts (votes) or 1.0/0.0, before weighting."""
    stands = cluster.stands_for(m)
    credits = own_credits(m)
    origin_credits = [c for c in credits if c not in m.rights]
    rights = [c for c in credits if c in m.rights]
    date = trusted_date(m)
    return {
        "votes": float(sum(1 for o in cluster.members if o.id != m.id and o.declared in stands)),
        "declares_member": float(bool(m.declared) and m.declared in cluster.keys),
        "credited": float(cluster.credited(m)),
        "credits_other": float(bool(origin_credits) or any(cluster.rights_holder_is_member(r, m) for r in rights)),
        "declares_other": float(m.declared not in cluster.keys and declares_other_publisher(m)
                                and not cluster.declares_credited(m)),
        "rights_other": float(bool(rights) and not any(cluster.rights_holder_is_member(r, m) for r in rights)),
        "earliest": float(date is not None and date == cluster.earliest),
        "own_canonical": float(own_canonical(m)),
        "fullest": float(m.size > 0 and m.size == cluster.largest),
    }


def score(found: dict[str, float]) -> float:
    return sum(WEIGHTS[name] * value for name, value in found.items())


def with_named_members(members: list[Member]) -> list[Member]:
    """The members, each crediting the other members its first or closing lines name (by a
    domain or a name of theirs, in a line of any language): what a copy says about its original
    when no credit phrasing was recognised. A page naming its own publisher credits nobody."""
    out = []
    for m in members:
        own = m.identity
        named = []
        for o in members:
            if not m.edge_lines or o.id == m.id or own.shares(o.identity):
                continue
            name = next((n for n in map(o.identity.named_in, m.edge_lines) if n), None)
            if name and not own.knows(name) and not any(names_match(name, c) for c in (*m.credits, *named)):
                named.append(name)
        out.append(dataclasses.replace(m, credits=(*m.credits, *named)) if named else m)
    return out


def _ranked(members: list[Member]) -> tuple[list[tuple[float, Member, dict[str, float]]], _Cluster]:
    if not members:
        raise ValueError("a cluster needs at least one member to choose a canonical")
    members = with_named_members(members)
    pool = [m for m in members if not m.is_excerpt] or list(members)
    cluster = _Cluster(list(members), pool)
    scored = [(score(found), m, found) for m, found in ((m, signals(m, cluster)) for m in pool)]
    far = datetime.max
    scored.sort(key=lambda t: (-t[0], trusted_date(t[1]) or far,
                               t[1].first_seen.replace(tzinfo=None) if t[1].first_seen else far, t[1].id))
    return scored, cluster


def choose_canonical(members: list[Member]) -> Member:
    """The member with the highest weighted evidence (see ``WEIGHTS``); ties go to the earliest
    trusted date, then the first seen, then the lowest id. Excerpts are chosen only when every
    member is one."""
    return _ranked(members)[0][0][1]


def explain(members: list[Member]) -> dict[str, Any]:
    """Why the canonical is the canonical: each member's signals, points and the deciding margin."""
    scored, cluster = _ranked(members)
    best, runner = scored[0], (scored[1] if len(scored) > 1 else None)
    decided = "only member" if runner is None else _decider(best, runner)
    rows = {m.id: {"score": round(total, 2), "signals": {k: v for k, v in found.items() if v},
                   "publisher": m.identity.describe()} for total, m, found in scored}
    return {"canonical": best[1].id, "credited_origin": cluster.origin, "decided_by": decided,
            "weights": dict(WEIGHTS), "members": rows}


def _decider(best: tuple, runner: tuple) -> str:
    """The signals that set the canonical apart from the runner-up (or the tie-break used)."""
    if best[0] == runner[0]:
        return (f"tie at {best[0]:g} points with article {runner[1].id}: "
                "broken by the earliest trusted date, then the first seen, then the lowest id")
    gains = [(WEIGHTS[k] * (best[2][k] - runner[2][k]), k) for k in WEIGHTS]
    mine = [f"{k} {points:+g}" for points, k in sorted(gains, reverse=True) if points > 0 and WEIGHTS[k] > 0]
    theirs = [f"{k} {-points:+g}" for points, k in sorted(gains, reverse=True) if points > 0 and WEIGHTS[k] < 0]
    text = f"{best[0]:g} points against {runner[0]:g} for article {runner[1].id}"
    if mine:
        text += "; the canonical has " + ", ".join(mine)
    if theirs:
        text += f"; article {runner[1].id} has " + ", ".join(theirs)
    return text
