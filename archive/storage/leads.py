"""Lead keys: the opening words of a text's first paragraphs, to find excerpts and short copies of a story."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select

from archive.neardup.clusters import Match
from archive.storage import fastsql
from archive.storage.bulk import insert_rows
from archive.storage.models import Article, LeadKey
from archive.neardup.normalize import shingles, word_count, words

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from archive.config import ArchiveConfig


def lead_keys(text: str, lead_words: int, paragraphs: int) -> list[int]:
    """Hashes of the first ``lead_words`` words of each of the first ``paragraphs`` lines that
    have at least that many words (short lines: datelines, captions, labels, are passed over).

    An aggregator's teaser is a story's first paragraph; a copy with an editor's note on top
    still has the story's first paragraph among its first lines.

    >>> len(lead_keys("too short\\n" + "w " * 30, 12, 3))
    1
    """
    keys: list[int] = []
    for line in text.split("\n"):
        tokens = _opening(line, lead_words)
        if word_count(tokens) < lead_words:
            continue
        digest = hashlib.blake2b(" ".join(_lead(tokens, lead_words)).encode(), digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
        if len(keys) >= paragraphs:
            break
    return list(dict.fromkeys(keys))


# A long line is read from its start only, this many characters per word wanted: lead keys need
# its first words, and tokenising whole paragraphs of every page was 5% of a WARC import's main
# process. A start that holds too few words is read whole.
_CHARS_PER_LEAD_WORD = 24


def _opening(line: str, lead_words: int) -> list[str]:
    """The tokens of ``line``, or of its start when that holds ``lead_words`` words: the same
    first tokens as ``words(line)`` (the start's last token, which the cut may have split, is left out)."""
    limit = lead_words * _CHARS_PER_LEAD_WORD
    if len(line) > limit:
        tokens = words(line[:limit])[:-1]
        if word_count(tokens) >= lead_words:
            return tokens
    return words(line)


def _lead(tokens: list[str], lead_words: int) -> list[str]:
    """The first ``lead_words`` words of ``tokens``: as many tokens for a text in words, twice as
    many for Chinese or Japanese characters (see ``normalize.word_count``)."""
    if len(tokens) == word_count(tokens):
        return tokens[:lead_words]
    end = next(i for i in range(lead_words, len(tokens) + 1) if word_count(tokens[:i]) >= lead_words)
    return tokens[:end]


def write_lead_keys(session: Session, article_id: int, keys: list[int], *, replace: bool = True) -> None:
    """Replace the article's lead keys (``replace=False``: a new article, it has none yet)."""
    if replace:
        fastsql.execute(session.connection(), _DELETE_LEADS, {"b_article": article_id})
    if keys:
        insert_rows(session, _LEADS, [{"article_id": article_id, "key": k} for k in keys])


_LEADS = LeadKey.__table__
_DELETE_LEADS = _LEADS.delete().where(_LEADS.c.article_id == bindparam("b_article"))
_HOLDERS = select(_LEADS.c.article_id).where(_LEADS.c.key.in_(bindparam("keys", expanding=True)))
_ARTICLE = Article.__table__
_TEXTS = select(_ARTICLE.c.id, _ARTICLE.c.text, _ARTICLE.c.shingle_count, _ARTICLE.c.is_excerpt).where(
    _ARTICLE.c.id.in_(bindparam("ids", expanding=True)), _ARTICLE.c.site_id != bindparam("b_site"),
    _ARTICLE.c.cluster_id.is_not(None))


def shingle_containment(short: str, long: str, size: int, min_words: int = 0) -> float:
    """Exact share of the shingles of ``short`` found in ``long``; with ``min_words`` only the
    lines of ``short`` with that many words count (a teaser's date and headline lines do not)."""
    if min_words:
        short = "\n".join(line for line in short.split("\n") if word_count(words(line)) >= min_words)
    a = set(shingles(words(short), size))
    if not a:
        return 0.0
    return len(a & set(shingles(words(long), size))) / len(a)


def lead_matches(session: Session, art: Article, keys: list[int], config: ArchiveConfig,
                 exclude: set[int], limit: int = 20) -> list[Match]:
    """Articles of other sites that open with the same paragraph as ``art`` and contain it, or are
    contained in it, almost entirely (checked on the texts): an excerpt or a short copy."""
    if not keys:
        return []
    connection = session.connection()       # Core reads: ``art`` is flushed, no ORM objects needed
    ids = list(dict.fromkeys(fastsql.scalars(connection, _HOLDERS, {"keys": keys})))
    ids = [i for i in ids if i != art.id and i not in exclude][:limit]
    if not ids:
        return []
    rows = fastsql.rows(connection, _TEXTS, {"ids": ids, "b_site": art.site_id})
    size = config.fingerprint.shingle_size
    out = []
    for article_id, text, count, is_excerpt in rows:
        shorter, longer = (art.text, text) if art.shingle_count <= count else (text, art.text)
        excerpt = art.is_excerpt if art.shingle_count <= count else is_excerpt
        if min(art.shingle_count, count) < config.min_shingles:
            continue
        c = shingle_containment(shorter, longer, size, config.lead_words if excerpt else 0)
        if c >= config.join_containment:
            small, big = sorted((art.shingle_count, count))
            out.append(Match(article_id, round(c * small / max(small + big - c * small, 1), 4), c,
                             excerpt=bool(excerpt)))
    return out
