"""The per-message hot path's SQL, cheaply: lookups are built once (module constants with
`bindparam`s) and executed on the session's connection, so no statement is rebuilt and
no ORM row processing happens for a plain value; pending objects are flushed first
exactly when the ORM would (the session's autoflush). Rows that nothing reads back in
the same transaction (audit events, outbox rows, checkpoints) are inserted directly,
not through the unit of work: several times cheaper, and committed all the same."""
from __future__ import annotations

from typing import Any

from functools import lru_cache

from sqlalchemy import Executable, Insert, insert, update
from sqlalchemy.orm import Session


def value(session: Session, statement: Executable, **params: Any) -> Any:
    """The first column of the first row, or None."""
    return _execute(session, statement, params).scalar()


def values(session: Session, statement: Executable, **params: Any) -> list[Any]:
    """The first column of every row."""
    return list(_execute(session, statement, params).scalars())


def rows(session: Session, statement: Executable, **params: Any) -> list[Any]:
    return list(_execute(session, statement, params))


def _execute(session: Session, statement: Executable, params: dict[str, Any]):
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, params)


def row_id(session: Session, parent: Any) -> int | None:
    """The id of an ORM object a directly inserted row points at, flushing it first when
    it is still pending (None stays None: no parent)."""
    if parent is not None and parent.id is None:
        session.flush()
    return parent.id if parent is not None else None


def add_row(session: Session, model: type, **columns: Any) -> int:
    """INSERT one row of `model` at once; returns its id. Foreign keys must already be
    in the database: pass them through row_id."""
    result = session.connection().execute(_insert(model), columns)
    return result.inserted_primary_key[0]


@lru_cache(maxsize=None)
def _insert(model: type) -> Insert:
    return insert(model)


def update_row(session: Session, model: type, row_id: int, **columns: Any) -> None:
    """UPDATE one row inserted with add_row (the ORM does not know it)."""
    session.connection().execute(update(model).where(model.id == row_id).values(**columns))
