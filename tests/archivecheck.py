"""Helpers of the crash tests: what an archive holds that must not depend on kills, and killing a
crawl the way a service manager does."""

from __future__ import annotations

import os
import signal
import sqlite3
from pathlib import Path

from sqlalchemy import create_engine, text


def snapshot(db: Path | str) -> dict:
    """What must not depend on kills: articles (by url_key, text), clusters as sets of url_keys with
    their canonical, and the consistency counts. ``db`` is a SQLite file or any database URL."""
    engine = create_engine(db if isinstance(db, str) else f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            def one(sql: str, **params: object) -> int:
                return conn.execute(text(sql), params).scalar_one()

            articles = {key: value for key, value in conn.execute(text("SELECT url_key, text_hash FROM article"))}
            members: dict[int, set[str]] = {}
            canonical: dict[int, str] = {}
            for key, cluster, role in conn.execute(text("SELECT url_key, cluster_id, role FROM article")):
                members.setdefault(cluster, set()).add(key)
                if role == "canonical":
                    canonical[cluster] = key
            clusters = {frozenset(keys): canonical.get(cluster) for cluster, keys in members.items()}
            bands = int(one("SELECT value FROM meta WHERE key = 'lsh_b'"))
            counts = {
                "articles": one("SELECT count(*) FROM article"),
                "distinct_url_keys": one("SELECT count(DISTINCT url_key) FROM article"),
                "orphan_band_rows": one("SELECT count(*) FROM lsh_band WHERE article_id NOT IN (SELECT id FROM article)"),
                "articles_without_all_bands": one(
                    "SELECT count(*) FROM article a WHERE (SELECT count(*) FROM lsh_band b WHERE b.article_id = a.id) <> :n",
                    n=bands),
                "empty_live_clusters": one(
                    "SELECT count(*) FROM cluster c WHERE c.merged_into IS NULL AND c.size > 0 AND NOT EXISTS "
                    "(SELECT 1 FROM article a WHERE a.cluster_id = c.id)"),
                "pending": one("SELECT count(*) FROM frontier WHERE state = 'pending'"),
            }
            runs = [status for (status,) in conn.execute(text("SELECT status FROM crawl_run ORDER BY id"))]
    finally:
        engine.dispose()
    return {"articles": articles, "clusters": clusters, "counts": counts, "runs": runs}


def sigkill_tree(pid: int) -> None:
    """SIGKILL the crawl and its extraction workers at once, as a service manager stopping a
    container or cgroup would."""
    children = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    children.append(int(proc.name))
            except (OSError, IndexError, ValueError):
                continue
    for target in (pid, *children):
        try:
            os.kill(target, signal.SIGKILL)
        except ProcessLookupError:
            pass


def kill_if_running(proc) -> bool:
    """SIGKILL a still-running crawl or import with its workers and reap it; False if it had
    already exited (the kill came too late to land)."""
    if proc.poll() is not None:
        return False
    sigkill_tree(proc.pid)
    proc.wait()
    return True


def export_rows(archive) -> list[dict]:  # noqa: ANN001 - an archive.Archive
    """Every article of ``archive`` as the export's rows (the analysis layer's ``export_rows``)."""
    from archive.analysis.queries import export_rows as rows

    with archive.reader() as session:
        return list(rows(session))


def clusters(archive, **filters) -> list[dict]:  # noqa: ANN001, ANN003
    """The clusters ``newsarchive clusters`` lists, with the same filters."""
    from archive.analysis.queries import clusters as listing

    with archive.reader() as session:
        return listing(session, **filters)


def stats(archive) -> dict:  # noqa: ANN001
    """The archive's counts (``newsarchive stats``)."""
    from archive.analysis.queries import stats as counts

    with archive.reader() as session:
        return counts(session)


def run_count(db: Path) -> int:
    """The crawl runs recorded in the SQLite archive ``db`` (0 while it is not created yet)."""
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM crawl_run").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
