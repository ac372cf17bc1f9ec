"""Where raw pages are stored (WARC file and record of each article and version) and the progress
of WARC imports, committed with the articles they make."""

from __future__ import annotations

import socket
import os
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from archive.errors import ChangedFile, NotFound
from archive.extraction.article import ImportMark, WarcRef
from archive.storage.models import Article, ArticleVersion, WarcImport, utcnow



def columns(ref: WarcRef | None) -> dict[str, Any]:
    """The row columns of ``ref`` (none when the page was not captured)."""
    if ref is None:
        return {}
    return {"warc_file": ref.file, "warc_offset": ref.offset, "warc_length": ref.length,
            "warc_record_id": ref.record_id, "warc_digest": ref.digest}


def store_ref(row: Article, ref: WarcRef | None) -> None:
    """Record ``ref`` on an article row (its columns are cleared when the page was not captured)."""
    values = columns(ref) or dict.fromkeys(columns(WarcRef("", 0)))
    for name, value in values.items():
        setattr(row, name, value)


def ref_of(row: Article | ArticleVersion) -> WarcRef | None:
    if row.warc_file is None or row.warc_offset is None:
        return None
    return WarcRef(row.warc_file, row.warc_offset, row.warc_length, row.warc_record_id, row.warc_digest)


def location(session: Session, article_id: int) -> WarcRef:
    """Where article ``article_id``'s raw page is; NotFound when there is no such article or its
    page was not captured."""
    row = session.get(Article, article_id)
    if row is None:
        raise NotFound(f"no article {article_id}")
    ref = ref_of(row)
    if ref is None:
        raise NotFound(f"article {article_id} has no stored page (it was archived without --warc)")
    return ref


def begin(session: Session, source: str, size: int | None, first_digest: str | None) -> tuple[int, int, bool]:
    """Start or resume the import of ``source``: (next offset, records read, done). A file whose
    size or first record changed since its import started is refused (ChangedFile)."""
    row = session.get(WarcImport, source, with_for_update=session.bind.dialect.name == "postgresql")
    worker = f"{socket.gethostname()}:{os.getpid()}"
    if row is None:
        session.add(WarcImport(source=source, size=size, first_digest=first_digest, next_offset=0, records=0,
                               state="reading", worker=worker))
        return 0, 0, False
    if (row.size, row.first_digest) != (size, first_digest):
        raise ChangedFile(f"{source} changed since its import started (size {row.size} -> {size} or another "
                          f"first record); import it under another name or remove its import record")
    row.worker, row.updated_at = worker, utcnow()
    return row.next_offset, row.records, row.state == "done"


_WHERE = WarcImport.__table__.c.source == bindparam("b_source")
_ADVANCE = update(WarcImport.__table__).where(_WHERE).values(
    next_offset=bindparam("next_offset"), records=bindparam("records"), updated_at=bindparam("updated_at"))
_FINISH = _ADVANCE.values(state="done")


def advance(session: Session, mark: ImportMark, done: bool = False) -> None:
    """Commit the import's position with the page just read (same transaction): one UPDATE built
    once, no ORM object per record."""
    values = {"b_source": mark.source, "next_offset": mark.next_offset, "records": mark.records, "updated_at": utcnow()}
    if session.connection().execute(_FINISH if done else _ADVANCE, values).rowcount == 0:
        raise NotFound(f"no import of {mark.source} was started")


def imports(session: Session) -> list[dict[str, Any]]:
    return [{"source": r.source, "size": r.size, "next_offset": r.next_offset, "records": r.records,
             "state": r.state} for r in session.scalars(select(WarcImport).order_by(WarcImport.source))]
