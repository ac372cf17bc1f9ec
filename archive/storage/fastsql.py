"""Core statements built once, run on the DB-API cursor of a SQLAlchemy connection.

Why this is here and not left to ``Connection.execute``: on SQLite a statement run through
SQLAlchemy costs about 17 us of CPU where the driver alone takes 1 us (the statement's cache key,
parameter processing, the result's set-up), and the writer runs some 20 statements per page; that
was about a third of the writer's CPU, measured with ``python -m benchmarks.writer``. Here each
statement is compiled once per dialect (and per length of its expanding ``IN`` lists) by
SQLAlchemy itself; a call only fills in the parameters and runs the driver.

Parameters and result columns go through the bind and result processors SQLAlchemy gives their
types on the dialect (a date written to and read from SQLite's text, JSON), so the values are the
ones ``Connection.execute`` would write and return. A statement that fills a column from a
Python-side default runs through ``Connection.execute`` as before. Driver errors are raised as
SQLAlchemy's exception classes (``IntegrityError``, ``OperationalError``...), as
``Connection.execute`` raises them, so the retry rules in ``archive.storage.retry`` see no
difference; a lost connection invalidates the SQLAlchemy connection, as it would have.

Statements are module-level constants: a plan is kept per statement object for the life of the
process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import exc as sa_exc

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from sqlalchemy.engine import Connection, Dialect
    from sqlalchemy.sql.compiler import Compiled
    from sqlalchemy.sql.expression import Executable


@dataclass(slots=True)
class _Plan:
    """One statement compiled for one dialect: its SQL (by the lengths of its expanding lists),
    the order of its parameters (positional drivers), the values it binds itself, the processors
    of its parameters, and those of its result columns (None: the rows are used as the driver
    gives them; asked for on the first run, with the column types the driver reports)."""

    compiled: Compiled
    positional: bool
    expanding: tuple[str, ...]
    defaults: dict[str, Any]
    binders: dict[str, Callable[[Any], Any]]
    types: tuple[Any, ...]
    processors: tuple[Callable[[Any], Any] | None, ...] | None = None
    described: bool = False
    forms: dict[tuple[int, ...], tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    plain: bool = False         # no value of its own, no conversion, no expanding list

    def __post_init__(self) -> None:
        self.plain = not (self.defaults or self.binders or self.expanding)

    def form(self, params: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
        """The SQL and the names of its parameters in order, for these lengths of the expanding lists."""
        lengths = tuple(len(params[name]) for name in self.expanding)
        known = self.forms.get(lengths)
        if known is None:
            state = self.compiled.construct_expanded_state({**self.defaults, **params})
            names = tuple(state.positiontup) if self.positional else tuple(state.parameters)
            known = self.forms[lengths] = (state.statement, names)
        return known

    def arguments(self, params: dict[str, Any], names: tuple[str, ...]) -> tuple[Any, ...] | dict[str, Any]:
        if self.plain:      # the caller's values as they are (a band, line or link row)
            return tuple(params[name] for name in names) if self.positional else {name: params[name] for name in names}
        values = {**self.defaults, **params}
        for name, binder in self.binders.items():
            value = values[name]
            values[name] = [binder(v) for v in value] if name in self.expanding else binder(value)
        for name in self.expanding:
            values.update((f"{name}_{i}", v) for i, v in enumerate(values.pop(name), 1))
        if self.positional:
            return tuple(values[name] for name in names)
        return {name: values[name] for name in names}


_PLANS: dict[tuple[int, str, str, tuple[str, ...] | None], tuple[Executable, _Plan | None]] = {}


def _plan(statement: Executable, dialect: Dialect, params: dict[str, Any]) -> _Plan | None:
    """The statement's plan; an INSERT or UPDATE sets the columns named by ``params`` (compiled
    once per set of them, as SQLAlchemy does)."""
    columns = tuple(params) if getattr(statement, "is_dml", False) else None
    key = (id(statement), dialect.name, dialect.driver, columns)      # the driver sets the parameter style
    entry = _PLANS.get(key)
    if entry is not None and entry[0] is statement:
        return entry[1]
    compiled = statement.compile(dialect=dialect, column_keys=list(columns) if columns is not None else None)
    binds = compiled.bind_names           # BindParameter -> name
    plan = None
    if not (getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None)):
        binders = {name: bind.type.dialect_impl(dialect).bind_processor(dialect) for bind, name in binds.items()}
        plan = _Plan(compiled, bool(compiled.positional), tuple(name for bind, name in binds.items() if bind.expanding),
                     {name: bind.effective_value for bind, name in binds.items()
                      if not bind.required and not bind.expanding},
                     {name: binder for name, binder in binders.items() if binder is not None},
                     tuple(column.type.dialect_impl(dialect) for column in getattr(compiled, "_result_columns", ())))
    _PLANS[key] = (statement, plan)
    return plan


def _cursor(connection: Connection) -> Any:
    """A driver cursor of ``connection``, in the transaction SQLAlchemy began (begun here when
    none is, as ``Connection.execute`` would have), so its commit and rollback cover the statement."""
    if not connection.in_transaction():
        connection.begin()
    return connection.connection.cursor()


def _run(connection: Connection, plan: _Plan, params: dict[str, Any], fetch: bool) -> tuple[list[tuple], int]:
    sql, names = plan.form(params)
    arguments = plan.arguments(params, names)
    cursor = _cursor(connection)
    try:
        cursor.execute(sql, arguments)
        rows = cursor.fetchall() if fetch else []
        count = cursor.rowcount
        if fetch and not plan.described:
            _describe(plan, connection.dialect, cursor.description)
    except connection.dialect.loaded_dbapi.Error as error:
        _raise(connection, error, sql, arguments, cursor)
    finally:
        cursor.close()
    if plan.processors is not None:
        rows = [tuple(p(v) if p else v for p, v in zip(plan.processors, row)) for row in rows]
    return rows, count


def _describe(plan: _Plan, dialect: Dialect, description: Sequence[Sequence[Any]] | None) -> None:
    """The result processors of the plan's columns, for the column types the driver reports (as
    SQLAlchemy asks for them: a PostgreSQL number is converted or not by its type code)."""
    codes = [column[1] for column in description or ()]
    processors = tuple(kind.result_processor(dialect, code) for kind, code in zip(plan.types, codes))
    plan.processors = processors if any(processors) else None
    plan.described = True


def _raise(connection: Connection, error: Exception, sql: str, arguments: Any, cursor: Any) -> None:
    dialect = connection.dialect
    if dialect.is_disconnect(error, connection.connection, cursor):
        connection.invalidate(error)
    raise sa_exc.DBAPIError.instance(sql, arguments, error, dialect.loaded_dbapi.Error, dialect=dialect) from error


def rows(connection: Connection, statement: Executable, params: dict[str, Any]) -> list[tuple]:
    """The rows of a SELECT, as tuples."""
    plan = _plan(statement, connection.dialect, params)
    if plan is None:
        return [tuple(row) for row in connection.execute(statement, params)]
    return _run(connection, plan, params, fetch=True)[0]


def scalars(connection: Connection, statement: Executable, params: dict[str, Any]) -> list[Any]:
    """The first column of each row of a SELECT."""
    return [row[0] for row in rows(connection, statement, params)]


def scalar(connection: Connection, statement: Executable, params: dict[str, Any]) -> Any:
    """The first column of the first row of a SELECT, or None when there is no row."""
    found = rows(connection, statement, params)
    return found[0][0] if found else None


def execute(connection: Connection, statement: Executable, params: dict[str, Any]) -> int:
    """Run an INSERT, UPDATE or DELETE; the driver's row count."""
    plan = _plan(statement, connection.dialect, params)
    if plan is None:
        return connection.execute(statement, params).rowcount
    return _run(connection, plan, params, fetch=False)[1]


def execute_many(connection: Connection, statement: Executable, many: Sequence[dict[str, Any]]) -> None:
    """Run an INSERT or UPDATE once per parameter set, by the driver's ``executemany`` (the
    statement has no expanding lists; every set has the same keys)."""
    if not many:
        return
    plan = _plan(statement, connection.dialect, many[0])
    if plan is None or plan.expanding:
        connection.execute(statement, list(many))
        return
    sql, names = plan.form(many[0])
    arguments = [plan.arguments(params, names) for params in many]
    cursor = _cursor(connection)
    try:
        cursor.executemany(sql, arguments)
    except connection.dialect.loaded_dbapi.Error as error:
        _raise(connection, error, sql, arguments, cursor)
    finally:
        cursor.close()
