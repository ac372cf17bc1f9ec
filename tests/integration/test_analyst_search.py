"""`newsarchive search`: full-text search (SQLite FTS5, PostgreSQL GIN) on both backends: phrases,
several words, alternatives and exclusions, ranking, an index kept in step with the articles, and
input that is never read as query syntax."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from alembic import command
from alembic.config import Config
from click.testing import CliRunner
from sqlalchemy import create_engine, select, text

from analystdata import DAY1, build
from archive import Archive, Article
from archive.cli.main import cli
from archive.storage.models import Article as Row
from archive.analysis.queries import SEARCH_INDEX, SearchGroup, _fulltext, parse_search, search
from archive.storage.store import MIGRATIONS
from textgen import story


@pytest.fixture
def built(db_url):
    build(db_url)
    return db_url


def find(db_url: str, words: str, *args: str) -> list[dict]:
    result = CliRunner().invoke(cli, ["search", *args, "--json", "--db", db_url, "--", words])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def urls(db_url: str, words: str, *args: str) -> list[str]:
    return sorted(h["url"] for h in find(db_url, words, *args))


STORM = ["http://coast.test/storm", "http://echo.test/2026/storm", "http://lantern.test/news/storm"]


def test_phrases_words_alternatives_and_exclusions(built):
    assert urls(built, '"lighthouse keeper"') == STORM
    assert urls(built, '"keeper lighthouse"') == []                  # a phrase keeps its word order
    assert urls(built, "keeper lighthouse") == STORM                  # words in any order
    assert urls(built, "LIGHTHOUSE Keeper") == STORM                  # any case
    assert urls(built, "lighthous") == []                             # whole words, not substrings
    assert urls(built, "glasshouse") == ["http://valley.test/museum"]  # a title word
    assert urls(built, "glasshouse lighthouse") == []
    assert urls(built, "glasshouse or lighthouse") == sorted(STORM + ["http://valley.test/museum"])
    # "judges" is only in the storm's last paragraph, which River Echo cut
    assert urls(built, "lighthouse judges") == ["http://coast.test/storm", "http://lantern.test/news/storm"]
    assert urls(built, "lighthouse -judges") == ["http://echo.test/2026/storm"]
    assert urls(built, 'lighthouse -"the ferry"') == ["http://coast.test/storm", "http://lantern.test/news/storm"]
    assert urls(built, "-lighthouse") == []                           # nothing asked for, nothing found


HOSTILE = {'"AND (': None, "*": [], "storm*": STORM, "^storm": STORM, "storm:*": STORM, "(storm)": STORM,
           "NEAR(storm harbour)": None, "title:storm": None, "'": [], '"': [], '""': [], "OR": [], "AND": None,
           "-": [], "-- storm": STORM, "a & b | !c": None, "storm <-> keeper": None, "\\": [], "%_%": [],
           "(((": [], "'; DROP TABLE article; --": None, "\x00": [], "storm\x00": STORM}


def test_no_input_is_read_as_query_syntax(built):
    for words, expected in HOSTILE.items():
        hits = urls(built, words)                                     # exit 0, JSON out
        if expected == []:
            assert hits == [], words
        elif expected is not None:
            assert set(expected) <= set(hits), (words, hits)
    assert set(STORM) <= set(urls(built, "storm"))                   # the archive is untouched


def test_input_is_split_into_quoted_terms():
    assert parse_search('"AND (') == [SearchGroup(include=("AND (",))]
    assert parse_search("*") == parse_search("  ") == parse_search("-x") == []
    (group,) = parse_search('storm "harbour  wall" -ferry -"bus stop"')
    assert group.include == ("storm", "harbour wall") and group.exclude == ("ferry", "bus stop")
    assert [g.include for g in parse_search("a OR b or c")] == [("a",), ("b",), ("c",)]


def test_results_are_ranked_and_carry_their_cluster(built):
    body = story(705)
    with Archive(built) as archive:
        archive.ingest_article(Article(url="http://coast.test/ferries", title="Ferries everywhere", sitename="Coast Times",
                                       text="\n".join([f"The ferry left. {p} The ferry came back, ferry after ferry."
                                                       for p in body]), published=DAY1 + timedelta(days=3)))
    hits = find(built, "ferry")
    assert hits[0]["url"] == "http://coast.test/ferries"             # says "ferry" most, and in its title
    assert "http://echo.test/2026/storm" in [h["url"] for h in hits]
    assert all(h["cluster_id"] and h["cluster_size"] >= 1 for h in hits)
    assert "ferry" in hits[0]["snippet"].lower()
    (first,) = find(built, "ferry", "--limit", "1")
    assert first["url"] == hits[0]["url"]


def test_the_index_follows_inserts_updates_and_deletes(built):
    assert urls(built, "glasshouse") == ["http://valley.test/museum"]
    new_text = "\n".join(story(706)) + "\nThe orangery opened to visitors today."
    with Archive(built) as archive:                                  # a revisit with a changed text
        result = archive.ingest_article(Article(url="http://valley.test/museum", text=new_text,
                                                title="Museum opens an orangery wing", sitename="Valley Post"))
    assert result.status.value == "updated"
    assert urls(built, "orangery") == ["http://valley.test/museum"]
    assert urls(built, "glasshouse") == []
    engine = create_engine(built)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM article WHERE url = 'http://valley.test/museum'"))
    engine.dispose()
    assert urls(built, "orangery") == []


def _alembic(db_url: str, action, revision: str) -> None:  # noqa: ANN001
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    engine = create_engine(db_url)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        action(cfg, revision)
    engine.dispose()


def test_the_migration_indexes_the_articles_already_archived(built):
    _alembic(built, command.downgrade, "0004")                       # an archive from before search
    engine = create_engine(built)
    with engine.connect() as conn:
        tables = conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'article_fts'")).all() \
            if built.startswith("sqlite") else []
    engine.dispose()
    assert tables == []
    Archive(built).close()                                # opening it for writing upgrades it
    assert urls(built, '"lighthouse keeper"') == STORM
    assert urls(built, "glasshouse") == ["http://valley.test/museum"]


def test_an_archive_without_fts5_falls_back_to_substrings(tmp_path, caplog):
    """What a SQLite built without FTS5 leaves: no article_fts (migration 0005 skips it)."""
    url = f"sqlite:///{tmp_path / 'plain.db'}"
    build(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        for trigger in ("insert", "delete", "update"):
            conn.execute(text(f"DROP TRIGGER article_fts_{trigger}"))
        conn.execute(text("DROP TABLE article_fts"))
    engine.dispose()
    with Archive(url, readonly=True) as archive, archive.reader() as session, caplog.at_level(logging.WARNING):
        assert sorted(h["url"] for h in search(session, '"lighthouse keeper"')) == STORM
        assert [h["url"] for h in search(session, "lighthous")] != []   # substrings now
        assert [h["url"] for h in search(session, "lighthouse -judges")] == ["http://echo.test/2026/storm"]
        assert search(session, '"AND (') == []
    assert "no full-text index" in caplog.text


def test_postgresql_search_uses_the_gin_index(pg_url):
    build(pg_url)
    with Archive(pg_url, readonly=True) as archive, archive.reader() as session:
        query = _fulltext(select(Row.id), parse_search('"lighthouse keeper" or glasshouse'))  # as `search` does
        compiled = query.compile(dialect=session.get_bind().dialect)
        session.execute(text("SET LOCAL enable_seqscan = off"))
        explain = session.connection().exec_driver_sql("EXPLAIN " + str(compiled), compiled.params)
        plan = "\n".join(r[0] for r in explain)
    assert SEARCH_INDEX in plan, plan
