"""`newsarchive doctor`: a consistent archive passes every check; each kind of damage fails its own."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from archive import Archive
from archive.extraction.article import Article
from archive.storage.doctor import check_archive
from textgen import story


def _build(db_url: str) -> None:
    """Six articles: one story copied on three sites, one on two, one alone."""
    with Archive(db_url) as archive:
        for n, seed in enumerate((1, 1, 1, 2, 2, 3)):
            body = story(seed)
            if n % 3 == 1:
                body = body[:-1]                        # a copy with its last paragraph cut
            archive.ingest_article(Article(url=f"http://site{n}.test/story/{seed}", text="\n\n".join(body)))


def _damage(db_url: str, *statements: str) -> None:
    engine = create_engine(db_url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET session_replication_role = replica")   # foreign keys not enforced
        else:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def _failed(db_url: str) -> dict[str, int]:
    return {c.name: c.count for c in check_archive(db_url) if not c.ok}


CANONICAL_OF_BIG = "(SELECT canonical_id FROM cluster WHERE size = 3)"
MIRROR_OF_BIG = "(SELECT MIN(id) FROM article WHERE role = 'mirror' AND cluster_id = (SELECT id FROM cluster WHERE size = 3))"

DAMAGE = {
    "article_bands": [f"DELETE FROM lsh_band WHERE band = 0 AND article_id = {CANONICAL_OF_BIG}"],
    "orphan_bands": ["INSERT INTO lsh_band (article_id, band, bucket) VALUES (9999, 0, 1)"],
    "orphan_lead_keys": ["INSERT INTO lead_key (article_id, key) VALUES (9999, 1)"],
    "empty_clusters": ["INSERT INTO cluster (size, created_at, updated_at) VALUES (0, '2026-01-01', '2026-01-01')"],
    "cluster_size": ["UPDATE cluster SET size = 7 WHERE size = 3"],
    "one_canonical": [f"UPDATE article SET role = 'canonical' WHERE id = {MIRROR_OF_BIG}"],
    "article_cluster": [f"UPDATE article SET cluster_id = NULL WHERE id = {MIRROR_OF_BIG}"],
}


def test_a_consistent_archive_passes_every_check(db_url):
    _build(db_url)
    checks = check_archive(db_url)
    assert len(checks) == 9 and all(c.ok for c in checks), [c.line() for c in checks]


@pytest.mark.parametrize("check", sorted(DAMAGE))
def test_each_kind_of_damage_fails_its_check(db_url, check):
    _build(db_url)
    _damage(db_url, *DAMAGE[check])
    failed = _failed(db_url)
    assert check in failed and failed[check] == 1
    if check != "article_cluster":                  # a member taken out also changes its cluster's size
        assert list(failed) == [check]


def test_a_cluster_merged_away_fails_for_its_articles(db_url):
    _build(db_url)
    _damage(db_url, "UPDATE cluster SET merged_into = (SELECT MIN(id) FROM cluster WHERE size = 1) WHERE size = 2")
    assert _failed(db_url)["article_cluster"] == 2


def test_the_command_prints_one_line_per_check_and_exits_1_on_failure(run_cli, tmp_path):
    db_url = f"sqlite:///{tmp_path / 'a.db'}"
    _build(db_url)
    ok = run_cli("doctor", "--db", db_url)
    assert ok.code == 0 and len(ok.out.splitlines()) == 9
    assert all(line.startswith("ok   ") for line in ok.out.splitlines())

    _damage(db_url, *DAMAGE["orphan_bands"], *DAMAGE["one_canonical"])
    bad = run_cli("doctor", "--db", db_url)
    assert bad.code == 1
    assert [line.split(":")[0] for line in bad.out.splitlines() if line.startswith("FAIL")] == [
        "FAIL orphan_bands", "FAIL one_canonical"]
    assert "FAIL orphan_bands: 1 article ids in lsh_band rows with no article (9999)" in bad.out
    report = run_cli("doctor", "--json", "--db", db_url).json()
    assert report["ok"] is False and {c["check"] for c in report["checks"] if not c["ok"]} == {
        "orphan_bands", "one_canonical"}


def test_a_database_that_is_not_an_archive_is_a_one_line_error(run_cli, tmp_path):
    empty = tmp_path / "empty.db"
    create_engine(f"sqlite:///{empty}").connect().close()
    result = run_cli("doctor", "--db", f"sqlite:///{empty}")
    assert result.code == 1 and result.err.strip().splitlines() == [
        f"Error: sqlite:///{empty} is not a newsarchive archive (no schema: a crawl or `newsarchive migrate` "
        "creates one)"]
