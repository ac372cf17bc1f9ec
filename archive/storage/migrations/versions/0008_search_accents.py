"""search accents: PostgreSQL's search index ignores diacritics exactly as SQLite's FTS5 does

SQLite's index (migration 0005) has always folded them: FTS5's `unicode61 remove_diacritics 2`
tokenizer reads "Ärvel" as "arvel". PostgreSQL's `to_tsvector('simple', ...)` kept them, so the
same search found different articles on the two backends. This migration adds the SQL function
`newsarchive_fold(text)`, which removes the diacritics FTS5 removes (the same letters, no more:
not ß, æ, ø, ł or Cyrillic ё, which FTS5 keeps too), and rebuilds the GIN index on the folded text.

The function is plain SQL on built-in functions (IMMUTABLE, so an index may use it): no extension
and no superuser. A database whose encoding is not UTF8 cannot hold the letters it maps; there the
function folds nothing, search works as before, and the migration and `newsarchive doctor` say so.

Revision ID: 0008
Revises: 0007
"""
from __future__ import annotations

import logging

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

logger = logging.getLogger("archive.migrations")

# Kept in step with archive/storage/searchindex.py (SEARCH_INDEX, SEARCH_FOLD) and the documents of
# archive/analysis/queries.py: a migration holds its own copy (see 0005).
SEARCH_INDEX = "ix_article_search"
SEARCH_FOLD = "newsarchive_fold"
OLD_DOCUMENT = "to_tsvector('simple'::regconfig, COALESCE(title, '') || ' ' || text)"
NEW_DOCUMENT = f"to_tsvector('simple'::regconfig, {SEARCH_FOLD}(COALESCE(title, '') || ' ' || text))"

# What FTS5's unicode61 tokenizer with remove_diacritics 2 folds (SQLite 3.27 and later): each of
# these letters becomes the base letter (case is folded afterwards), and these combining marks are
# dropped. Read from SQLite itself; tests/integration/test_search_accents.py compares the two.
FOLDS = {
    "a": "ÀÁÂÃÄÅàáâãäåĀāĂăĄąǍǎǞǟǺǻȀȁȂȃȦȧḀḁẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặ\u212b",   # and the Angstrom sign
    "b": "ḂḃḄḅḆḇ",
    "c": "ÇçĆćĈĉĊċČčḈḉ",
    "d": "ĎďḊḋḌḍḎḏḐḑḒḓ",
    "e": "ÈÉÊËèéêëĒēĔĕĖėĘęĚěȄȅȆȇȨȩḔḕḖḗḘḙḚḛḜḝẸẹẺẻẼẽẾếỀềỂểỄễỆệ",
    "f": "Ḟḟ",
    "g": "ĜĝĞğĠġĢģǦǧǴǵḠḡ",
    "h": "ĤĥȞȟḢḣḤḥḦḧḨḩḪḫẖ",
    "i": "ÌÍÎÏìíîïĨĩĪīĬĭĮįİǏǐȈȉȊȋḬḭḮḯỈỉỊị",
    "j": "Ĵĵǰ",
    "k": "ĶķǨǩḰḱḲḳḴḵ",
    "l": "ĹĺĻļĽľḶḷḸḹḺḻḼḽ",
    "m": "ḾḿṀṁṂṃ",
    "n": "ÑñŃńŅņŇňǸǹṄṅṆṇṈṉṊṋ",
    "o": "ÒÓÔÕÖòóôõöŌōŎŏŐőƠơǑǒǪǫǬǭȌȍȎȏȪȫȬȭȮȯȰȱṌṍṎṏṐṑṒṓỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợ",
    "p": "ṔṕṖṗ",
    "r": "ŔŕŖŗŘřȐȑȒȓṘṙṚṛṜṝṞṟ",
    "s": "ŚśŜŝŞşŠšȘșṠṡṢṣṤṥṦṧṨṩẛ",
    "t": "ŢţŤťȚțṪṫṬṭṮṯṰṱẗ",
    "u": "ÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲųƯưǓǔǕǖǗǘǙǚǛǜȔȕȖȗṲṳṴṵṶṷṸṹṺṻỤụỦủỨứỪừỬửỮữỰự",
    "v": "ṼṽṾṿ",
    "w": "ŴŵẀẁẂẃẄẅẆẇẈẉẘ",
    "x": "ẊẋẌẍ",
    "y": "ÝýÿŶŷŸȲȳẎẏẙỲỳỴỵỶỷỸỹ",
    "z": "ŹźŻżŽžẐẑẒẓẔẕ",
    "": "\u0300\u0301\u0302\u0303\u0304\u0306\u0307\u0308\u0309\u030a\u030b\u030c\u030f\u0311\u031b\u0323\u0324"
        "\u0325\u0326\u0327\u0328\u032d\u032e\u0330\u0331",
}


def fold_body(folds: dict[str, str]) -> str:
    """The function's SQL: one regexp_replace per base letter (a translate() of all 513 characters
    costs ten times as much on a long text), skipped for a text that holds none of them."""
    every = "".join(folds.values())
    expression = "$1"
    for base, letters in folds.items():
        expression = f"regexp_replace({expression}, '[{letters}]', '{base}', 'g')"
    return f"SELECT CASE WHEN $1 ~ '[{every}]' THEN {expression} ELSE $1 END"


def _create_fold(connection) -> None:  # noqa: ANN001 - a SQLAlchemy connection
    encoding = connection.exec_driver_sql("SHOW server_encoding").scalar()
    body = fold_body(FOLDS) if encoding == "UTF8" else "SELECT $1"
    if encoding != "UTF8":
        logger.warning("this PostgreSQL database's encoding is %s, not UTF8: `newsarchive search` does not "
                       "ignore accents here as it does on SQLite (`newsarchive doctor` reports it)", encoding)
    # Not STRICT: a strict function with a CASE is not inlined, and NULL in gives NULL out anyway.
    op.execute(f"CREATE OR REPLACE FUNCTION {SEARCH_FOLD}(text) RETURNS text LANGUAGE sql IMMUTABLE "
               f"PARALLEL SAFE AS $fold$ {body} $fold$")


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return                      # SQLite's FTS5 index already folds diacritics (migration 0005)
    _create_fold(connection)
    op.execute(f"DROP INDEX IF EXISTS {SEARCH_INDEX}")
    op.execute(f"CREATE INDEX {SEARCH_INDEX} ON article USING gin ({NEW_DOCUMENT})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP INDEX IF EXISTS {SEARCH_INDEX}")
    op.execute(f"CREATE INDEX {SEARCH_INDEX} ON article USING gin ({OLD_DOCUMENT})")
    op.execute(f"DROP FUNCTION IF EXISTS {SEARCH_FOLD}(text)")
