"""The analyst views of migration 0002 on both backends, and an archive made at 0001 upgraded."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from analystdata import build
import archivecheck
from archive import Archive
from archive.storage.store import MIGRATIONS


def _rows(db_url: str, sql: str) -> list[dict]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(text(sql))]
    engine.dispose()
    return rows


def test_cluster_members_and_syndication_answer_without_joins(db_url):
    build(db_url)
    members = _rows(db_url, "SELECT * FROM cluster_members WHERE role <> 'canonical' ORDER BY url")
    assert [(m["site"], m["canonical_publisher"]) for m in members] == [
        ("River Echo", "Coast Times"), ("Lantern Aid", "Valley Post"), ("Lantern Aid", "Coast Times")]
    assert [round(m["delay_seconds"]) for m in members] == [86400, 6 * 3600, 2 * 3600]
    assert all(m["canonical_url"].startswith("http://") and m["similarity"] > 0.5 for m in members)
    synd = _rows(db_url, "SELECT * FROM syndication ORDER BY origin_publisher, republisher")
    assert [(s["origin_publisher"], s["republisher"], s["stories"]) for s in synd] == [
        ("Coast Times", "Lantern Aid", 1), ("Coast Times", "River Echo", 1), ("Valley Post", "Lantern Aid", 1)]
    assert round(synd[1]["max_delay_seconds"]) == 86400


def test_archive_made_at_revision_0001_opens_and_gains_the_views(db_url):
    engine = create_engine(db_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO site (id, host, name, first_seen) VALUES "
                          "(1, 'a.test', 'A News', '2025-01-01 00:00:00'), (2, 'b.test', NULL, '2025-01-01 00:00:00')"))
        conn.execute(text("INSERT INTO cluster (id, canonical_id, size, created_at, updated_at) "
                          "VALUES (1, 1, 2, '2025-01-01 00:00:00', '2025-01-01 00:00:00')"))
        for aid, site, role, seen in [(1, 1, "canonical", "2025-01-01 00:00:00"), (2, 2, "mirror", "2025-01-01 03:00:00")]:
            conn.execute(text(
                "INSERT INTO article (id, url_key, url, site_id, text, raw_text, text_hash, signature, shingle_count,"
                " credits, is_excerpt, cluster_id, role, similarity, version, first_seen, fetched_at, published) "
                "VALUES (:id, :key, :url, :site, 'text', 'text', :hash, :sig, 1, '[]', false, 1, :role, 0.9, 1,"
                " :seen, :seen, :pub)"),
                {"id": aid, "key": f"k{aid}", "url": f"http://{'ab'[site - 1]}.test/{aid}", "site": site,
                 "hash": f"h{aid}", "sig": b"\0", "role": role, "seen": seen,
                 "pub": "2025-01-01 00:00:00" if aid == 1 else None})
    engine.dispose()
    with Archive(db_url) as archive:            # opened for writing: upgraded (a reader would refuse it)
        assert archivecheck.stats(archive)["articles"] == 2
    (row,) = _rows(db_url, "SELECT * FROM syndication")
    assert (row["origin_publisher"], row["republisher"], row["stories"]) == ("A News", "b.test", 1)
    assert round(row["max_delay_seconds"]) == 3 * 3600
