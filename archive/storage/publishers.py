"""Publishers learned as pages arrive: every name and domain a page ties together, in one table.

A page declares who publishes it: its ``og:site_name``, its JSON-LD ``publisher`` (name and url),
and, when the page's declared canonical is its own publisher's page, that page's domain; its
serving host counts when one of its names spells it. Those names and registrable domains become
aliases of one publisher (``publisher_alias``); aliases already known to several publishers merge
them. The canonical choice reads a member's aliases to recognise its publisher in other spellings.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, insert, select, update

from archive.extraction.urls import url_key
from archive.neardup.canonical import Member, own_canonical
from archive.neardup.publishers import Identity, name_fits_domain, name_words, registrable_domain
from archive.storage import fastsql
from archive.storage.models import Article, Publisher, PublisherAlias, utcnow
from archive.storage.store import lock_keys

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from archive.extraction.article import Article as ArticleValue

MAX_KEY = 255


def evidence_of(a: ArticleValue) -> dict[str, Any]:
    """What a page declares about its date and publisher, kept with the article for ``--why``."""
    return {"dates": [list(d) for d in a.dates], "publisher": list(a.publisher), "rights": list(a.rights),
            "credit_links": [list(link) for link in a.credit_links],
            **({"edge_lines": list(a.edge_lines)} if a.edge_lines else {})}


def page_aliases(row: Article, host: str) -> list[tuple[str, str, str, str]]:
    """(kind, key, value, source) of every name and domain ``row`` declares for its publisher."""
    evidence = row.evidence or {}
    found: list[tuple[str, str, str]] = []       # (value, source, kind hint)
    if row.sitename:
        found.append((row.sitename, "og:site_name", ""))
    found += [(v, "json-ld publisher", "") for v in evidence.get("publisher", [])]
    identity = Identity.of([v for v, _, _ in found])
    member = Member(row.id, row.url_key, host, row.sitename, url_key(row.canonical_url) if row.canonical_url else None,
                    publisher=tuple(evidence.get("publisher", [])))
    if identity and member.declared and own_canonical(member):
        found.append((member.declared.split("/", 1)[0], "canonical host", "domain"))
    domain = registrable_domain(host)
    if domain and any(name_fits_domain(n, domain) for n in identity.names):
        found.append((host, "host", "domain"))
    aliases: dict[tuple[str, str], tuple[str, str, str, str]] = {}
    for value, source, hint in found:
        alias = _alias(value, source, domain=bool(hint))
        if alias is not None:
            aliases.setdefault(alias[:2], alias)
    return list(aliases.values())


def _alias(value: str, source: str, domain: bool = False) -> tuple[str, str, str, str] | None:
    """(kind, key, value, source) for a name or a domain; ``None`` for an IP address (a host, not a
    publisher's domain) or a name with no letters."""
    registrable = registrable_domain(value) if domain or ("." in value and " " not in value.strip()) else ""
    if registrable and _IP.match(registrable):
        return None
    kind, key = ("domain", registrable) if registrable else ("name", "".join(name_words(value)))
    return (kind, key[:MAX_KEY], value[:2000], source) if key else None


_IP = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
# Names that only attach to a publisher: a JSON-LD publisher name is often a publishing house or a
# platform ("Blogger") shared by many sites, and a credit line's name is another page's word. They
# never join two known publishers; site names and domains do.
WEAK_SOURCES = frozenset({"json-ld publisher", "credit line"})


def learn(session: Session, row: Article, host: str) -> int | None:
    """Record the publisher aliases ``row`` declares and set its publisher id (``None`` when the
    page declares nothing); record too each credit line's tie of a name to the domain it links to.
    (An ``Article`` is flushed; on a ``rows.NewArticle`` the id is written with its next save.)"""
    for name, url in (row.evidence or {}).get("credit_links", []):
        pair = [_alias(name, "credit line"), _alias(url, "credit link", domain=True)]
        if None not in pair:
            _learn_group(session, pair)
    aliases = page_aliases(row, host)
    publisher_id = _learn_group(session, aliases) if aliases else None
    row.publisher_id = publisher_id
    if isinstance(row, Article):
        session.flush()
    return publisher_id


_ALIAS = PublisherAlias.__table__
_KNOWN = select(_ALIAS.c.kind, _ALIAS.c.key, _ALIAS.c.publisher_id).where(_ALIAS.c.key.in_(bindparam("keys", expanding=True)))
_NEW_PUBLISHER = insert(Publisher.__table__)
_NEW_ALIAS = insert(_ALIAS)
_SEEN_AGAIN = update(_ALIAS).where(_ALIAS.c.kind == bindparam("b_kind"), _ALIAS.c.key == bindparam("b_key")).values(
    pages=_ALIAS.c.pages + 1)


def _learn_group(session: Session, aliases: list[tuple[str, str, str, str]]) -> int:
    """Make the aliases one publisher's: new ones join the publisher that knows any of the others;
    publishers sharing a strong alias (a site name, a domain) merge, a weak one only attaches
    (see ``WEAK_SOURCES``). Returns the publisher's id. (Core statements built once.)"""
    lock_keys(session, [f"publisher:{kind}:{key}" for kind, key, _, _ in aliases])
    connection = session.connection()
    wanted = {(kind, key) for kind, key, _, _ in aliases}
    known = {(kind, key): publisher for kind, key, publisher in fastsql.rows(
        connection, _KNOWN, {"keys": [key for _, key, _, _ in aliases]}) if (kind, key) in wanted}
    strong = {publisher for alias, publisher in known.items() if alias in _strong(aliases)}
    ids = sorted(strong or set(known.values()))[: None if strong else 1]
    if ids:
        target = ids[0]
        if ids[1:]:
            _merge(session, target, ids[1:])
    else:
        name = next((v for kind, _, v, _ in aliases if kind == "name"), aliases[0][2])
        target = connection.execute(_NEW_PUBLISHER, {"name": name, "first_seen": utcnow()}).inserted_primary_key[0]
    new = [{"kind": kind, "key": key, "publisher_id": target, "value": value, "source": source, "pages": 1,
            "first_seen": utcnow()} for kind, key, value, source in aliases if (kind, key) not in known]
    again = [{"b_kind": kind, "b_key": key} for kind, key, _, _ in aliases if known.get((kind, key)) == target]
    if new:
        connection.execute(_NEW_ALIAS, new)
    if again:
        fastsql.execute_many(connection, _SEEN_AGAIN, again)
    return target


def _strong(aliases: list[tuple[str, str, str, str]]) -> set[tuple[str, str]]:
    return {(kind, key) for kind, key, _, source in aliases if kind == "domain" or source not in WEAK_SOURCES}


def _merge(session: Session, target: int, others: list[int]) -> None:
    session.execute(update(PublisherAlias).where(PublisherAlias.publisher_id.in_(others)).values(publisher_id=target))
    session.execute(update(Article).where(Article.publisher_id.in_(others)).values(publisher_id=target))
    session.execute(delete(Publisher).where(Publisher.id.in_(others)))


_ALIASES_OF = select(_ALIAS.c.publisher_id, _ALIAS.c.kind, _ALIAS.c.key, _ALIAS.c.value).where(
    _ALIAS.c.publisher_id.in_(bindparam("ids", expanding=True)))


def aliases_of(session: Session, publisher_ids: set[int]) -> dict[int, tuple[str, ...]]:
    """Every name and domain (as first seen) of each publisher in ``publisher_ids``."""
    if not publisher_ids:
        return {}
    found: dict[int, list[str]] = {}
    rows = fastsql.rows(session.connection(), _ALIASES_OF, {"ids": list(publisher_ids)})
    for publisher_id, kind, key, value in rows:
        found.setdefault(publisher_id, []).append(key if kind == "domain" else value)
    return {k: tuple(v) for k, v in found.items()}
