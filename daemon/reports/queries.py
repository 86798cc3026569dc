"""The report's SQL: counts grouped in the database (GROUP BY, COUNT, SUM, AVG) over the
tickets created in a window, and the few columns the time statistics need, fetched in
one go as plain numbers, instants already turned into epoch seconds by the database.
In: a Connection and a Window; out: numbers, dicts and tuples. Never writes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping, Sequence

from sqlalchemy import ColumnElement, Connection, Float, and_, case, cast, func, literal, select, true
from sqlalchemy.sql.elements import ColumnClause

from daemon.db.models import Event, Ticket

BREAKDOWNS = ("status", "category", "kind", "queue", "priority", "assignee")
UNASSIGNED = "(sin asignar)"


@dataclass(frozen=True)
class Window:
    since: datetime | None = None       # inclusive
    until: datetime | None = None       # exclusive

    def condition(self) -> ColumnElement[bool]:
        parts = []
        if self.since is not None:
            parts.append(Ticket.created_at >= self.since)
        if self.until is not None:
            parts.append(Ticket.created_at < self.until)
        return and_(true(), *parts)


def epoch(conn: Connection, column: Any) -> ColumnElement[float]:
    """An instant column as epoch seconds, computed by the database (much faster than
    building a datetime per value in Python). SQLite's julianday() counts whole
    milliseconds, so there the result is exact to about a millisecond."""
    if conn.dialect.name == "sqlite":
        return (func.julianday(column) - 2440587.5) * 86400.0
    return cast(func.extract("epoch", column), Float)


def breakdown(conn: Connection, window: Window, field: str) -> dict[str, int]:
    column: ColumnClause = getattr(Ticket, field)
    rows = conn.execute(select(column, func.count()).where(window.condition())
                        .group_by(column).order_by(func.count().desc(), column))
    return {(value if value is not None else UNASSIGNED): count for value, count in rows}


def totals(conn: Connection, window: Window, known: Mapping[str, Sequence[Any]]) -> dict[str, Any]:
    """Ticket count, reopenings, satisfaction and the breakdowns by the `known` fields
    (field -> its expected values) in ONE pass: a FILTERed count per expected value.
    Those fields have no index, and a GROUP BY sorts the whole table once per field;
    only a field that also holds other values (say, renamed in the vocabulary since) is
    grouped again. "satisfaction" gives the scores, keyed by their text."""
    plan = [(field, value) for field, values in known.items() for value in values]
    row = conn.execute(select(
        func.count(), func.coalesce(func.sum(Ticket.reopened_count), 0),
        func.count(Ticket.id).filter(Ticket.reopened_count > 0),
        func.count(Ticket.satisfaction), func.sum(Ticket.satisfaction),
        *(func.count(Ticket.id).filter(getattr(Ticket, field) == value) for field, value in plan),
    ).where(window.condition())).one()
    out = {"tickets": row[0], "reopened": int(row[1]), "reopened_tickets": row[2],
           "satisfaction_count": row[3], "satisfaction_sum": row[4]}
    counted: dict[str, dict[Any, int]] = {field: {} for field in known}
    for (field, value), count in zip(plan, row[5:]):
        counted[field][value] = count
    for field, counts in counted.items():
        whole = out["satisfaction_count" if field == "satisfaction" else "tickets"]
        if sum(counts.values()) < whole:
            out[f"by_{field}"] = (satisfaction_scores(conn, window) if field == "satisfaction"
                                  else breakdown(conn, window, field))
        else:
            out[f"by_{field}"] = _ordered(counts, field == "satisfaction")
    return out


def _ordered(counts: dict[Any, int], by_value: bool) -> dict[str, int]:
    """Non-zero counts as breakdown() (most tickets first) or satisfaction_scores() (by
    score) order them."""
    items = sorted(((value, n) for value, n in counts.items() if n),
                   key=lambda item: item[0] if by_value else (-item[1], item[0]))
    return {str(value): n for value, n in items}


def satisfaction_scores(conn: Connection, window: Window) -> dict[str, int]:
    rows = conn.execute(select(Ticket.satisfaction, func.count()).where(
        window.condition(), Ticket.satisfaction.is_not(None)).group_by(Ticket.satisfaction))
    return {str(score): count for score, count in sorted(rows)}


def recategorised(conn: Connection, window: Window) -> tuple[int, int]:
    """(tickets, changes): category events later than the ticket's creation (the rules'
    own choice at creation is not a re-categorisation)."""
    row = conn.execute(select(func.count(func.distinct(Event.ticket_id)), func.count(Event.id))
                       .join(Ticket, Ticket.id == Event.ticket_id)
                       .where(window.condition(), Event.action == "category",
                              Event.at > Ticket.created_at)).one()
    return row[0], row[1]


def sla_breach_events(conn: Connection, window: Window) -> int:
    """Breaches the sweep recorded (and notified), for comparison with the computed ones."""
    return conn.execute(select(func.count(func.distinct(Event.ticket_id)))
                        .join(Ticket, Ticket.id == Event.ticket_id)
                        .where(window.condition(), Event.action == "sla_breach")).scalar_one()


def time_rows(conn: Connection, window: Window, priorities: Sequence[str]) -> list[tuple[Any, ...]]:
    """(created, first response, resolution, priority, paused seconds, paused since) per
    ticket: instants as epoch seconds (None where missing; resolution is resolved_at,
    else closed_at), the priority as its index in `priorities` (-1 for any other) and the
    resolution clock's pauses (rules/sla), all numbers so numpy reads them in one go.
    Plain tuples straight from the DBAPI cursor: building SQLAlchemy Row objects costs
    more than the query itself, and numpy reads Rows far slower."""
    resolution = func.coalesce(Ticket.resolved_at, Ticket.closed_at)
    code = (case({name: index for index, name in enumerate(priorities)}, value=Ticket.priority, else_=-1)
            if priorities else literal(-1))
    query = select(epoch(conn, Ticket.created_at), epoch(conn, Ticket.first_response_at),
                   epoch(conn, resolution), code, Ticket.sla_paused_seconds,
                   epoch(conn, Ticket.sla_paused_since)).where(window.condition())
    result = conn.execute(query)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()
