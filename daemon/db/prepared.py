"""The per-message hot path's SQL, cheaply: lookups are built once (module constants with
`bindparam`s) and executed on the session's connection, so no statement is rebuilt and
no ORM row processing happens for a plain value; pending objects are flushed first
exactly when the ORM would (the session's autoflush). Rows that nothing reads back in
the same transaction (audit events, outbox rows, checkpoints) are inserted directly,
not through the unit of work: several times cheaper, and committed all the same.

Each statement is compiled once per database dialect into a `Plan`: its SQL text, the
order of its parameters and the column types' own conversions (instants to UTC, JSON,
booleans). It then runs on the driver's cursor, in the session's transaction, skipping
Core's per-call work, which cost thirty times the SQLite call itself. A statement the
plan cannot express (an expanding IN list, a computed default) goes through Core."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from sqlalchemy import Column, Connection, Dialect, Executable, Insert, Select, Update, bindparam, insert, update
from sqlalchemy.orm import Session

Convert = Callable[[Any], Any] | None
_REQUIRED = object()        # a parameter the caller must give (a KeyError says which)


@dataclass(frozen=True)
class Plan:
    sql: str
    order: tuple[str, ...] | None            # parameter names in place order; None: named style
    binds: tuple[tuple[str, str, Any, Convert], ...]   # name in the SQL, caller's key, fixed value, conversion
    results: tuple[Convert, ...]             # each result column's conversion back
    defaults: tuple[Column, ...] = ()        # INSERT: columns the caller left out, given their defaults


def value(session: Session, statement: Executable, **params: Any) -> Any:
    """The first column of the first row, or None."""
    found = _run(session, statement, params, many=False)
    return found[0] if found else None


def values(session: Session, statement: Executable, **params: Any) -> list[Any]:
    """The first column of every row."""
    return [row[0] for row in _run(session, statement, params, many=True)]


def rows(session: Session, statement: Executable, **params: Any) -> list[tuple]:
    return _run(session, statement, params, many=True)


def _run(session: Session, statement: Executable, params: dict[str, Any], many: bool) -> Any:
    connection = _flushed_connection(session)
    plan = _plan(statement, connection.dialect)
    if plan is None:
        result = connection.execute(statement, params)
        return [tuple(row) for row in result] if many else result.first()
    fetched = _execute(connection, plan, params, lambda c: c.fetchall() if many else [c.fetchone()])
    converted = [_converted(row, plan.results) for row in fetched if row is not None]
    return converted if many else (converted[0] if converted else None)


def _flushed_connection(session: Session) -> Connection:
    """The session's connection, its pending objects flushed first when the ORM would."""
    if session.autoflush:
        session.flush()
    return _connection(session)


_CONNECTION = "soporte.prepared.connection"    # session.info key: (transaction, its connection)


def _connection(session: Session) -> Connection:
    """`session.connection()`, remembered for the rest of the transaction: asking the
    session each time, through its state checks, cost more than most statements here.
    A transaction that is no longer active (an error, a rollback) is asked again, so
    the session says what is wrong with it."""
    transaction = session.get_transaction()
    known = session.info.get(_CONNECTION)
    if known is not None and known[0] is transaction and transaction.is_active:
        return known[1]
    connection = session.connection()
    session.info[_CONNECTION] = (session.get_transaction(), connection)
    return connection


def _execute(connection, plan: Plan, params: dict[str, Any], read: Callable[[Any], Any]) -> Any:
    """Runs the plan on the driver's cursor; returns what `read` takes from the cursor."""
    values = {}
    for name, key, fixed, convert in plan.binds:
        given = params[key] if key in params or fixed is _REQUIRED else fixed
        values[name] = convert(given) if convert else given
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(plan.sql, tuple(values[name] for name in plan.order) if plan.order is not None else values)
        return read(cursor)
    finally:
        cursor.close()


def _converted(row: tuple, results: tuple[Convert, ...]) -> tuple:
    return tuple(convert(item) if convert else item for item, convert in zip(row, results))


_plans: dict[tuple[Executable, str, tuple[str, ...] | None], Plan | None] = {}


def _plan(statement: Executable, dialect: Dialect, column_keys: tuple[str, ...] | None = None) -> Plan | None:
    """Built once per statement and dialect. The statements are built once too (module
    constants): the cache holds each one, so it is never mistaken for another."""
    key = (statement, dialect.name, column_keys)
    if key not in _plans:
        _plans[key] = _build_plan(statement, dialect, column_keys)
    return _plans[key]


def _build_plan(statement: Executable, dialect: Dialect, column_keys: tuple[str, ...] | None) -> Plan | None:
    if not isinstance(statement, (Insert, Select, Update)):
        return None
    compiled = statement.compile(dialect=dialect, column_keys=list(column_keys) if column_keys else None)
    if any(bind.expanding for bind in compiled.binds.values()) or compiled.literal_execute_params:
        return None
    if isinstance(statement, Update) and compiled.update_prefetch:
        return None         # onupdate defaults computed in Python: Core binds them
    # (a column the database computes, "attempts = attempts + 1", is in the SQL already;
    # Core would only read it back for the ORM, which a direct statement does not inform)
    defaults = tuple(getattr(compiled, "insert_prefetch", ()))
    if not all(_python_default(column) for column in defaults):
        return None
    binds = tuple((name, bind.key, _REQUIRED if bind.required else bind.effective_value,
                   bind.type.dialect_impl(dialect).bind_processor(dialect))
                  for bind, name in compiled.bind_names.items())
    columns = statement.selected_columns if isinstance(statement, Select) else ()
    try:
        results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns)
    except (TypeError, ValueError):
        return None         # a conversion that depends on the driver's column type (PostgreSQL NUMERIC)
    order = tuple(compiled.positiontup) if compiled.positiontup is not None else None
    return Plan(compiled.string, order, binds, results, defaults)


def column_default(column: Column) -> Any:
    """What the ORM stores in a column left unset: its scalar default, or a fresh value of
    its callable one (each row its own list), never one computed once and shared."""
    default = column.default
    if default is None:
        return None
    if not _python_default(column):
        raise ValueError(f"{column} has a default only the database computes; insert it through the ORM")
    return default.arg if default.is_scalar else default.arg(None)


def _python_default(column: Column) -> bool:
    default = column.default
    return default is not None and (default.is_scalar or default.is_callable)


def row_id(session: Session, parent: Any) -> int | None:
    """The id of an ORM object a directly inserted row points at, flushing it first when
    it is still pending (None stays None: no parent)."""
    if parent is not None and parent.id is None:
        session.flush()
    return parent.id if parent is not None else None


def add_row(session: Session, model: type, **columns: Any) -> int:
    """INSERT one row of `model` at once; returns its id. Foreign keys must already be
    in the database: pass them through row_id."""
    connection = _connection(session)
    returning_id = connection.dialect.name != "sqlite"
    statement = _insert(model, returning_id)
    plan = _plan(statement, connection.dialect, tuple(sorted(columns)))
    if plan is None:
        return connection.execute(statement, columns).inserted_primary_key[0]
    defaults = {column.key: column_default(column) for column in plan.defaults}
    return _execute(connection, plan, {**defaults, **columns},
                    lambda c: c.fetchone()[0] if returning_id else c.lastrowid)


@lru_cache(maxsize=None)
def _insert(model: type, returning_id: bool) -> Insert:
    """SQLite hands the new id back on the cursor; other databases are asked for it."""
    statement = insert(model)
    return statement.returning(model.__table__.c.id) if returning_id else statement


def update_row(session: Session, model: type, row_id: int, **columns: Any) -> int:
    """UPDATE some columns of one row by id, whether the ORM knows the row or not (an
    object it holds must be told: see objects.set_columns). Returns the rows changed."""
    return changed(_flushed_connection(session), _update(model, tuple(sorted(columns))),
                   **columns, **{ROW_ID: row_id})


def changed(connection: Connection, statement: Update, **params: Any) -> int:
    """Runs a built-once UPDATE on a plain connection (no Session); returns the rows changed."""
    plan = _plan(statement, connection.dialect)
    if plan is None:
        return connection.execute(statement, params).rowcount
    return _execute(connection, plan, params, lambda c: c.rowcount)


ROW_ID = "row_id_"      # the id's parameter: no column of ours is called so


@lru_cache(maxsize=None)
def _update(model: type, keys: tuple[str, ...]) -> Update:
    table = model.__table__
    return (update(table).where(table.c.id == bindparam(ROW_ID))
            .values({table.c[key]: bindparam(key, type_=table.c[key].type) for key in keys}))
