"""Read-modify-write of one row of the key/value table, safe when several transactions
(threads of one daemon, several daemons on one PostgreSQL) change the same key at once.
The row is created with INSERT … ON CONFLICT DO NOTHING, so two creators both succeed,
and read with SELECT … FOR UPDATE, so the second writer waits for the first to commit
and then sees its value (on SQLite, BEGIN IMMEDIATE already makes writers take turns).
An empty value means "nothing stored": rows are emptied, never deleted."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from daemon.db.models import KeyValue

EMPTY = ""
_kv = KeyValue.__table__
_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def peek(session: Session, key: str) -> str:
    """The value as last committed, without locking: for reading, or to skip the lock
    when there is clearly nothing to change."""
    return session.scalar(select(_kv.c.value).where(_kv.c.key == key)) or EMPTY


def lock(session: Session, key: str) -> str:
    """The value, its row locked until the transaction ends: a read-modify-write
    starts here."""
    insert = _INSERT[session.get_bind().dialect.name]
    session.execute(insert(_kv).values(key=key, value=EMPTY).on_conflict_do_nothing(index_elements=[_kv.c.key]))
    return session.scalar(select(_kv.c.value).where(_kv.c.key == key).with_for_update()) or EMPTY


def lock_if(session: Session, key: str, needed: Callable[[str], bool]) -> str | None:
    """The value, its row locked, when `needed(value)` holds; None when it does not. The
    committed value is looked at first, so the usual case (nothing to change) locks
    nothing; it is looked at again under the lock, since another writer may have made
    the change meanwhile (two daemons sweeping at once do the work once)."""
    if not needed(peek(session, key)):
        return None
    value = lock(session, key)
    return value if needed(value) else None


def write(session: Session, key: str, value: str) -> None:
    """Only on a row `lock` has locked in this transaction."""
    session.execute(update(_kv).where(_kv.c.key == key).values(value=value))
