"""``fastsql`` runs a statement on the driver's cursor and gives what ``Connection.execute`` gives:
the same rows (dates, JSON, floats, booleans and bytes converted as SQLAlchemy converts them), the
same rows written, SQLAlchemy's own exception classes; on a real SQLite file and the real
PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import (JSON, BigInteger, Boolean, Column, DateTime, Float, Integer, LargeBinary, MetaData, String,
                        Table, bindparam, create_engine, insert, select, update)
from sqlalchemy.exc import IntegrityError

from archive.storage import fastsql

META = MetaData()


def _table(name: str) -> Table:
    return Table(name, META,
                 Column("id", Integer, primary_key=True, autoincrement=False),
                 Column("key", String(40), unique=True, nullable=False),
                 Column("at", DateTime(timezone=True)),
                 Column("data", JSON),
                 Column("score", Float),
                 Column("flag", Boolean),
                 Column("blob", LargeBinary),
                 Column("big", BigInteger),
                 Column("made", String(20), default=lambda: "by default"))


ITEMS, SLOW = _table("fast_item"), _table("slow_item")
_ROWS = [{"id": i, "key": f"k{i}", "at": datetime(2026, 1, i, 8, 30, 15, 123456, tzinfo=timezone.utc),
          "data": {"names": ["a", f"b{i}"], "n": i}, "score": i / 3, "flag": i % 2 == 0,
          "blob": bytes([i, 0, 255]), "big": -(2 ** 62) + i, "made": "given"} for i in range(1, 6)]


def _statements(table: Table) -> dict:
    return {"insert": insert(table).values({name: bindparam(name) for name in _ROWS[0]}),
            "all": select(table).where(table.c.id.in_(bindparam("ids", expanding=True))).order_by(table.c.id),
            "by_key": select(table.c.id, table.c.score).where(table.c.key == bindparam("b_key")),
            "touch": update(table).where(table.c.id == bindparam("b_id")),          # SET: the columns given
            "bump": update(table).where(table.c.big == bindparam("b_big")).values(big=table.c.big + 1)}


FAST, BY_SA = _statements(ITEMS), _statements(SLOW)
_INSERT, _ALL, _BY_KEY, _TOUCH = FAST["insert"], FAST["all"], FAST["by_key"], FAST["touch"]


@pytest.fixture
def engine(db_url):
    engine = create_engine(db_url)
    META.create_all(engine)
    yield engine
    engine.dispose()


def _utc(value: datetime) -> datetime:
    """SQLite keeps no time zone (SQLAlchemy reads its dates back naive)."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _sa_rows(connection, statement, params):
    return [tuple(row) for row in connection.execute(statement, params)]


def test_rows_equal_those_sqlalchemy_reads(engine):
    with engine.begin() as connection:
        fastsql.execute_many(connection, _INSERT, _ROWS)
        for ids in ([1], [2, 4], [5, 1, 3, 2], list(range(1, 6)), [99]):
            fast = fastsql.rows(connection, _ALL, {"ids": ids})
            assert fast == _sa_rows(connection, _ALL, {"ids": ids})
        assert _utc(fastsql.rows(connection, _ALL, {"ids": [3]})[0][2]) == _ROWS[2]["at"]   # a datetime, as written
        assert fastsql.rows(connection, _ALL, {"ids": [3]})[0][3] == _ROWS[2]["data"]
        assert fastsql.scalar(connection, _BY_KEY, {"b_key": "k2"}) == 2
        assert fastsql.scalar(connection, _BY_KEY, {"b_key": "none"}) is None
        assert fastsql.scalars(connection, _ALL, {"ids": [4, 2]}) == [2, 4]


def test_writes_equal_those_sqlalchemy_makes(engine):
    changes = {"at": datetime(2027, 5, 6, 7, 8, 9, tzinfo=timezone.utc), "data": {"x": [1, 2]}, "score": 0.25,
               "flag": True, "blob": b"\x00\x01"}
    with engine.begin() as connection:
        fastsql.execute_many(connection, FAST["insert"], _ROWS)
        connection.execute(BY_SA["insert"], _ROWS)
        assert fastsql.execute(connection, FAST["touch"], {"b_id": 1, **changes}) == 1
        connection.execute(BY_SA["touch"], {"b_id": 1, **changes})
        assert fastsql.execute(connection, FAST["bump"], {"b_big": _ROWS[1]["big"]}) == 1
        connection.execute(BY_SA["bump"], {"b_big": _ROWS[1]["big"]})
        fastsql.execute_many(connection, FAST["touch"], [{"b_id": 2, "score": 9.5}, {"b_id": 3, "score": None}])
        connection.execute(BY_SA["touch"], [{"b_id": 2, "score": 9.5}, {"b_id": 3, "score": None}])
        fast = connection.execute(select(ITEMS).order_by(ITEMS.c.id)).all()
        slow = connection.execute(select(SLOW).order_by(SLOW.c.id)).all()
    assert [tuple(row) for row in fast] == [tuple(row) for row in slow]
    assert _utc(fast[0].at) == changes["at"] and fast[0].data == changes["data"] and fast[0].blob == changes["blob"]
    assert fast[1].big == _ROWS[1]["big"] + 1 and fast[1].score == 9.5 and fast[2].score is None


def test_a_python_side_default_is_filled_as_sqlalchemy_fills_it(engine):
    with engine.begin() as connection:
        fastsql.execute(connection, insert(ITEMS), {"id": 7, "key": "k7"})
        assert connection.execute(select(ITEMS.c.made).where(ITEMS.c.id == 7)).scalar() == "by default"


def test_driver_errors_are_sqlalchemy_exceptions(engine):
    with engine.connect() as connection:
        fastsql.execute_many(connection, _INSERT, _ROWS[:1])
        with pytest.raises(IntegrityError):
            fastsql.execute(connection, _TOUCH, {"b_id": 1, "key": None})
        connection.rollback()
        fastsql.execute_many(connection, _INSERT, _ROWS[:1])
        with pytest.raises(IntegrityError):
            fastsql.execute_many(connection, _INSERT, _ROWS[:2])
        connection.rollback()
