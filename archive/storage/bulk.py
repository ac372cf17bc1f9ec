"""Many rows of one table in one statement: PostgreSQL's ``INSERT .. SELECT FROM unnest(arrays)``,
the driver's executemany on SQLite.

psycopg runs an executemany as one prepared statement sent per row (in a pipeline): for the 60-90
band, lead, line and page-line rows of a page that is most of the writer's CPU on PostgreSQL. One
array per column makes it one statement whatever the number of rows; SQLite's executemany is
already a loop in C (run by ``fastsql.execute_many``). Statements are built once per table and
set of columns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, text

from archive.storage import fastsql

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.engine import Dialect
    from sqlalchemy.orm import Session

_STATEMENTS: dict[tuple[str, str, tuple[str, ...]], Any] = {}


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT ``rows`` (dicts with the same keys) into ``table`` on the session's connection."""
    if not rows:
        return
    connection = session.connection()
    postgresql = connection.dialect.name == "postgresql"
    columns = tuple(rows[0])
    key = (connection.dialect.name, table.name, columns)
    statement = _STATEMENTS.get(key)
    if statement is None:
        statement = _STATEMENTS[key] = (
            _unnest(table, columns, connection.dialect) if postgresql
            else table.insert().values({name: bindparam(name) for name in columns}))
    if not postgresql:
        fastsql.execute_many(connection, statement, rows)
        return
    fastsql.execute(connection, statement, {f"c{i}": [row[name] for row in rows] for i, name in enumerate(columns)})


def _unnest(table: Table, columns: tuple[str, ...], dialect: Dialect) -> Any:
    quote = dialect.identifier_preparer.quote
    arrays = ", ".join(f"CAST(:c{i} AS {table.c[name].type.compile(dialect=dialect)}[])" for i, name in enumerate(columns))
    return text(f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in columns)}) "
                f"SELECT * FROM unnest({arrays})")
