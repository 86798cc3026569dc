"""ORM objects whose rows are written and read by prepared statements (db/prepared.py):
the tickets and customers every message opens or touches. Going through the unit of
work cost about a millisecond per flush (sorting, attribute history, events) and an
ORM query several times its SQL; a new ticket paid that three or four times.

Objects made here are attached to the session exactly as if a query had loaded them:
the identity map knows them, later changes to them are tracked and flushed as usual,
and a relationship not filled in loads lazily on first use. An object the session
already holds is returned as it is (it may carry changes not yet flushed), as an ORM
query would."""
from __future__ import annotations

from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, inspect, select
from sqlalchemy.orm import Mapper, Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.interfaces import MANYTOONE
from sqlalchemy.orm.util import identity_key

from daemon.db import prepared

T = TypeVar("T")


def insert(session: Session, obj: T) -> T:
    """INSERT a new object's row at once and attach the object, unchanged. Columns left
    unset get their defaults in the object too, so nothing is loaded back; a many-to-one
    relationship set on it (ticket.customer) fills in its foreign key."""
    mapper: Mapper = inspect(obj).mapper
    given = obj.__dict__
    values: dict[str, Any] = {}
    for prop in mapper.column_attrs:
        if prop.columns[0].primary_key:
            continue
        values[prop.key] = given[prop.key] if prop.key in given else prepared.column_default(prop.columns[0])
    for rel in mapper.relationships:
        if rel.direction is MANYTOONE and given.get(rel.key) is not None:
            target = given[rel.key]
            for local, remote in rel.local_remote_pairs:
                values[mapper.get_property_by_column(local).key] = getattr(
                    target, rel.mapper.get_property_by_column(remote).key)
    new_id = prepared.add_row(session, mapper.class_, **values)
    for key, value in values.items():
        setattr(obj, key, value)
    setattr(obj, mapper.primary_key[0].key, new_id)
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


def load(session: Session, model: type[T], column: str, value: Any) -> T | None:
    """The object whose (unique) `column` equals `value`, or None."""
    mapper: Mapper = inspect(model)
    found = prepared.rows(session, _by_column(model, column), value=value)
    if not found:
        return None
    return _attach(session, mapper, found[0])


def get(session: Session, model: type[T], object_id: int | None) -> T | None:
    """Like session.get: the session's own object first, else the row."""
    if object_id is None:
        return None
    held = session.identity_map.get(identity_key(model, object_id))
    return held if held is not None else load(session, model, "id", object_id)


def fill(session: Session, obj: Any, relationship: str) -> None:
    """Loads a many-to-one relationship now (ticket.customer) if it is not loaded yet."""
    if relationship in obj.__dict__:
        return
    mapper: Mapper = inspect(obj).mapper
    rel = mapper.relationships[relationship]
    (local, _remote), = rel.local_remote_pairs
    target = get(session, rel.mapper.class_, getattr(obj, mapper.get_property_by_column(local).key))
    set_committed_value(obj, relationship, target)


def set_columns(session: Session, obj: Any, **values: Any) -> None:
    """UPDATE these columns of a stored object's row at once and tell the object, so the
    unit of work has nothing left to write for them at commit."""
    prepared.update_row(session, type(obj), prepared.row_id(session, obj), **values)
    for key, value in values.items():
        set_committed_value(obj, key, value)
    state = inspect(obj)
    if state.modified and not state.committed_state:
        # nothing else changed: without this the next flush would still work through
        # the object (and find nothing to write), which costs what we came to save
        state._commit_all(state.dict, session.identity_map)


@lru_cache(maxsize=None)
def _by_column(model: type, column: str) -> Select:
    table = model.__table__
    return select(*table.columns).where(table.c[column] == bindparam("value"))


@lru_cache(maxsize=None)
def _keys(mapper: Mapper) -> tuple[tuple[str, ...], int]:
    """Attribute names in table column order, and where the primary key is."""
    columns = list(mapper.local_table.columns)
    keys = tuple(mapper.get_property_by_column(column).key for column in columns)
    return keys, columns.index(mapper.primary_key[0])


def _attach(session: Session, mapper: Mapper, row: tuple) -> Any:
    keys, id_at = _keys(mapper)
    held = session.identity_map.get(identity_key(mapper.class_, row[id_at]))
    if held is not None:
        return held
    obj = mapper.class_manager.new_instance()
    obj.__dict__.update(zip(keys, row))
    make_transient_to_detached(obj)
    session.add(obj)
    return obj
