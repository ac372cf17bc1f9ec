"""A new article's row written through Core: the writer's common path holds no ORM object per page.

``NewArticle`` holds the values of an article inserted in this transaction (read like an
``Article``); values set on it afterwards are remembered and written by ``save`` in one UPDATE,
as an ORM flush would. Statements are built once (compiled once per set of columns); the UPDATE
and the read-back run through ``fastsql``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, insert, select, update

from archive.storage import fastsql
from archive.storage.models import Article, Cluster

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

_ARTICLE = Article.__table__
_INSERT = insert(_ARTICLE)
_UPDATE = update(_ARTICLE).where(_ARTICLE.c.id == bindparam("b_id"))     # SET: the columns given
_PLACED = (select(_ARTICLE.c.cluster_id, _ARTICLE.c.similarity, Cluster.__table__.c.size)
           .join(Cluster.__table__, Cluster.__table__.c.id == _ARTICLE.c.cluster_id)
           .where(_ARTICLE.c.id == bindparam("b_id")))
# Column defaults an ORM insert gives a new row (the writer sets every other column).
_DEFAULTS = {"role": "canonical", "similarity": None, "cluster_id": None, "publisher_id": None, "version": 1,
             "gone_at": None}


class NewArticle:
    """An article row inserted in this transaction, read like an ``Article``.

    >>> art = NewArticle({"id": 1, "cluster_id": None})
    >>> art.cluster_id = 4; art.cluster_id, art.changed
    (4, {'cluster_id': 4})
    """

    __slots__ = ("values", "changed")

    def __init__(self, values: dict[str, Any]) -> None:
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "changed", {})

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self.changed[name] = value
        self.values[name] = value

    def __repr__(self) -> str:
        return f"NewArticle(id={self.values.get('id')!r}, url={self.values.get('url')!r})"


def insert_article(session: Session, values: dict[str, Any]) -> NewArticle:
    """INSERT the article (one statement; the id read back as the driver gives it)."""
    values = {**_DEFAULTS, **values}
    result = session.connection().execute(_INSERT, values)
    return NewArticle({**values, "id": result.inserted_primary_key[0]})


def save(session: Session, art: Any) -> None:
    """Write what changed on ``art`` since it was inserted or last saved: one UPDATE for a
    ``NewArticle``, an ORM flush for an ``Article``."""
    if not isinstance(art, NewArticle):
        session.flush()
        return
    if not art.changed:
        return
    fastsql.execute(session.connection(), _UPDATE, {"b_id": art.id, **art.changed})
    art.changed.clear()


def placed(session: Session, article_id: int) -> tuple[int, float | None, int]:
    """The article's cluster, similarity and its cluster's size, as the database holds them."""
    session.flush()
    found = fastsql.rows(session.connection(), _PLACED, {"b_id": article_id})
    if len(found) != 1:
        raise LookupError(f"article {article_id} is in no cluster")
    return found[0]
