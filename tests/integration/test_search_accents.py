"""`newsarchive search` ignores accents the same way on both backends (issue 15): SQLite's FTS5
tokenizer removes diacritics, and on PostgreSQL migration 0008's `newsarchive_fold` removes the very
same ones from the indexed text and from the search. A search without accents finds accented words,
one with accents finds plain words, and the letters FTS5 keeps (ß, ł, ø, Cyrillic ё) stay distinct
on PostgreSQL too. A PostgreSQL database that is not UTF8 searches without folding and says so."""

from __future__ import annotations

import json
import logging
import sqlite3

import pytest
from alembic import command
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from analystdata import build
from archive import Archive, Article
from archive.cli.main import cli
from archive.storage.doctor import check_archive
from conftest import needs_pg, scratch_pg_database
from test_analyst_search import HOSTILE, _alembic
from textgen import story

NORD, SUD, NFD = "http://nord.test/arvel", "http://sud.test/arvel", "http://nfd.test/cafe"
LODZ, YOZH, EZH = "http://lodz.test/news", "http://ru.test/yozh", "http://ru.test/ezh"
# url -> (title, the sentence after a filler story: the snippet has to find it at the end)
PAGES = {
    NORD: ("Ärvel wins the regatta", "Ärvel sailed past the café on the quay, and naïve crews followed."),
    SUD: ("Arvel again", "Arvel rowed to the cafe at dawn while naive rowers cheered."),
    NFD: ("Decomposed letters", "The cafe\u0301 by the pier opened its doors."),    # é as e + a combining acute
    LODZ: ("Łódź", "In łódź the straße was quiet and smørrebrød was served."),
    YOZH: ("Ёж", "ёж вышел на улицу."),
    EZH: ("Еж", "еж спал весь день."),
}
# The same answers on both backends, by construction of the test.
SEARCHES = {
    "arvel": {NORD, SUD}, "ärvel": {NORD, SUD}, "ÄRVEL": {NORD, SUD}, "ar\u0308vel": {NORD, SUD},
    "café": {NORD, SUD, NFD}, "cafe": {NORD, SUD, NFD}, "cafe\u0301": {NORD, SUD, NFD},
    "naïve": {NORD, SUD}, "naive": {NORD, SUD}, "naïve -regatta": {SUD},
    '"ärvel sailed"': {NORD}, '"arvel rowed"': {SUD}, '"arvel sailed past the cafe"': {NORD},
    "ärvel -café": set(), "quay or dawn": {NORD, SUD},
    # letters FTS5 does not fold are not folded on PostgreSQL either
    "łódź": {LODZ}, "łodz": {LODZ}, "lodz": set(), "straße": {LODZ}, "strasse": set(),
    "smørrebrød": {LODZ}, "smorrebrod": set(), "ёж": {YOZH}, "еж": {EZH},
}
# Hostile input with accents and combining marks: never a syntax error, the same on both backends.
ACCENTED_HOSTILE = ["\u0301", "\u0301\u0301", "é*", "-é", '"é', "ä:*", "ß", "ǅ", "ﬁ", "\u0301arvel", "İstanbul",
                    "café'; DROP TABLE article; --", "à & b | !c", "ärvel <-> quay", "\x00é", "ärvel\x00",
                    "(ärvel)", "NEAR(ärvel quay)", "title:ärvel", '"AND ä', "%é_%", "\\é"]


def build_accents(db_url: str) -> None:
    with Archive(db_url) as archive:
        for seed, (url, (title, sentence)) in enumerate(PAGES.items(), 801):
            body = "\n".join(story(seed)) + "\n" + sentence
            archive.ingest_article(Article(url=url, title=title, text=body, sitename=title))


def find(db_url: str, words: str) -> list[dict]:
    result = CliRunner().invoke(cli, ["search", "--json", "--limit", "50", "--db", db_url, "--", words])
    assert result.exit_code == 0, (words, result.output)
    return json.loads(result.stdout)


def urls(db_url: str, words: str) -> set[str]:
    return {hit["url"] for hit in find(db_url, words)}


def test_a_search_finds_words_with_and_without_their_accents(db_url):
    build_accents(db_url)
    for words, expected in SEARCHES.items():
        assert urls(db_url, words) == expected, words
    snippets = {hit["url"]: hit["snippet"] for hit in find(db_url, "arvel")}
    assert "Ärvel sailed" in snippets[NORD] and "Arvel rowed" in snippets[SUD]   # found at the end, accent or not
    assert "café" in {h["url"]: h["snippet"] for h in find(db_url, "cafe")}[NORD]


def test_hostile_accented_input_is_a_sane_result(db_url):
    build_accents(db_url)
    for words in ACCENTED_HOSTILE:
        urls(db_url, words)                                            # exit 0, JSON out
    assert urls(db_url, "\u0301") == urls(db_url, "ß") == urls(db_url, "ǅ") == set()
    assert urls(db_url, "\u0301arvel") == urls(db_url, "(ärvel)") == {NORD, SUD}
    assert urls(db_url, "arvel") == {NORD, SUD}                        # the archive is untouched


@needs_pg
def test_both_backends_give_the_same_articles(tmp_path, pg_url):
    lite = f"sqlite:///{tmp_path / 'lite.db'}"
    for url in (lite, pg_url):
        build(url)
        build_accents(url)
    for words in [*SEARCHES, *ACCENTED_HOSTILE, *HOSTILE, "lighthouse keeper", "glasshouse or lighthouse"]:
        assert urls(lite, words) == urls(pg_url, words), repr(words)


def fts5_folds(first: int = 0x80, last: int = 0x3000) -> dict[str, str]:
    """Every character that FTS5's unicode61 tokenizer with remove_diacritics 2 changes, as this SQLite
    folds it ('' for a combining mark it drops). Nothing past U+3000 is folded (SQLite 3.27 to 3.4x)."""
    chars = [chr(c) for c in range(first, last) if chr(c).isprintable()]

    def tokens(remove: int) -> dict[int, str]:
        db = sqlite3.connect(":memory:")
        db.execute(f"CREATE VIRTUAL TABLE f USING fts5(t, tokenize='unicode61 remove_diacritics {remove}')")
        db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(f, 'instance')")
        db.executemany("INSERT INTO f(rowid, t) VALUES (?, ?)", [(ord(c), f"q{c}q") for c in chars])
        found: dict[int, list[tuple[int, str]]] = {}
        for term, doc, _col, offset in db.execute("SELECT term, doc, col, offset FROM v"):
            found.setdefault(doc, []).append((offset, term))
        db.close()
        return {doc: " ".join(t for _, t in sorted(terms)) for doc, terms in found.items()}

    kept, folded = tokens(0), tokens(2)
    return {chr(c): folded[c][1:-1] for c in kept if kept[c] != folded.get(c)}


@needs_pg
def test_postgresql_folds_exactly_the_letters_fts5_folds(pg_url):
    Archive(pg_url).close()                                            # the schema, migration 0008 included
    expected = fts5_folds()
    assert len(expected) > 500 and expected["Ä"] == "a" and expected["\u0301"] == "" and "ß" not in expected
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT c, lower(newsarchive_fold(c)) FROM unnest(CAST(:chars AS text[])) AS c"),
                            {"chars": [chr(c) for c in range(0x80, 0x3000) if chr(c).isprintable()]}).all()
    engine.dispose()
    assert {c: f for c, f in rows if f != c.lower()} == expected


def test_the_migration_goes_down_and_up_again(db_url):
    build_accents(db_url)
    _alembic(db_url, command.downgrade, "0007")
    engine = create_engine(db_url)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            assert conn.execute(text("SELECT to_regprocedure('newsarchive_fold(text)')")).scalar() is None
            (index,) = conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_article_search'"
                                           " AND schemaname = current_schema()"))
            assert "newsarchive_fold" not in index[0]
    engine.dispose()
    Archive(db_url).close()                                           # opening it for writing upgrades it
    assert urls(db_url, "arvel") == urls(db_url, "ärvel") == {NORD, SUD}


def test_doctor_says_when_search_cannot_ignore_accents(tmp_path):
    url = f"sqlite:///{tmp_path / 'plain.db'}"
    build_accents(url)
    assert all(c.ok for c in check_archive(url))
    engine = create_engine(url)
    with engine.begin() as conn:                                       # what a SQLite without FTS5 leaves
        for trigger in ("insert", "delete", "update"):
            conn.execute(text(f"DROP TRIGGER article_fts_{trigger}"))
        conn.execute(text("DROP TABLE article_fts"))
    engine.dispose()
    (failed,) = [c for c in check_archive(url) if not c.ok]
    assert failed.name == "search_accents" and "no FTS5" in failed.message


@pytest.fixture
def latin1_url():
    """A PostgreSQL database in LATIN1, which cannot hold the letters the fold function maps."""
    with scratch_pg_database("na_latin1", "ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0") as url:
        yield url.render_as_string(hide_password=False)


def test_a_database_not_in_utf8_searches_without_folding_and_says_so(latin1_url, caplog):
    latin = {url: page for url, page in PAGES.items() if url in (NORD, SUD)}    # letters LATIN1 holds
    with caplog.at_level(logging.WARNING, logger="archive.migrations"), Archive(latin1_url) as archive:
        for seed, (url, (title, sentence)) in enumerate(latin.items(), 801):
            archive.ingest_article(Article(url=url, title=title, text="\n".join(story(seed)) + "\n" + sentence))
    assert "encoding is LATIN1, not UTF8" in caplog.text
    assert urls(latin1_url, "arvel") == {SUD} and urls(latin1_url, "cafe") == {SUD}   # search works, accents count
    (failed,) = [c for c in check_archive(latin1_url) if not c.ok]
    assert failed.name == "search_accents" and "LATIN1, not UTF8" in failed.message
