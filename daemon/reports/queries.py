"""The report's SQL: counts grouped in the database (GROUP BY, COUNT, SUM, AVG) over the
tickets created in a window, and the few columns the time statistics need, fetched as
plain tuples with instants already turned into epoch seconds by the database.
In: a Connection and a Window; out: numbers, dicts and tuples. Never writes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Iterator

from sqlalchemy import ColumnElement, Connection, Float, and_, cast, func, select, true
from sqlalchemy.sql.elements import ColumnClause

from daemon.db.models import Customer, Event, Payment, Ticket, WorkLine
from daemon.vocabulary import NON_BILLABLE_KINDS

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


def totals(conn: Connection, window: Window) -> dict[str, Any]:
    """Ticket count, reopenings and satisfaction in one pass."""
    row = conn.execute(select(
        func.count(), func.coalesce(func.sum(Ticket.reopened_count), 0),
        func.count(Ticket.id).filter(Ticket.reopened_count > 0),
        func.count(Ticket.satisfaction), func.sum(Ticket.satisfaction),
    ).where(window.condition())).one()
    return {"tickets": row[0], "reopened": int(row[1]), "reopened_tickets": row[2],
            "satisfaction_count": row[3], "satisfaction_sum": row[4]}


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


def time_rows(conn: Connection, window: Window, batch: int = 50_000
              ) -> Iterator[tuple[float, float | None, float | None, str]]:
    """(created, first response, resolution, priority) per ticket, epoch seconds;
    resolution is resolved_at, else closed_at."""
    resolution = func.coalesce(Ticket.resolved_at, Ticket.closed_at)
    query = select(epoch(conn, Ticket.created_at), epoch(conn, Ticket.first_response_at),
                   epoch(conn, resolution), Ticket.priority).where(window.condition())
    result = conn.execution_options(yield_per=batch).execute(query)
    for partition in result.partitions():
        yield from partition   # type: ignore[misc]


def billing_lines(conn: Connection, window: Window) -> Iterator[tuple[Any, ...]]:
    """Work lines of closed, billable-kind tickets, ordered by ticket:
    (ticket_id, kind, priority, created_at, customer email, line_kind, code, quantity,
    unit_price, out_of_hours). Warranty and courtesy tickets are free: not fetched."""
    query = (select(Ticket.id, Ticket.kind, Ticket.priority, Ticket.created_at, Customer.email,
                    WorkLine.line_kind, WorkLine.code, WorkLine.quantity, WorkLine.unit_price,
                    WorkLine.out_of_hours)
             .join(WorkLine, WorkLine.ticket_id == Ticket.id)
             .join(Customer, Customer.id == Ticket.customer_id)
             .where(window.condition(), Ticket.closed_at.is_not(None),
                    Ticket.kind.not_in(NON_BILLABLE_KINDS))
             .order_by(Ticket.id, WorkLine.id))
    yield from conn.execution_options(yield_per=20_000).execute(query)


def payments_by_ticket(conn: Connection, window: Window) -> dict[int, Decimal]:
    rows = conn.execute(select(Payment.ticket_id, func.sum(Payment.amount))
                        .join(Ticket, Ticket.id == Payment.ticket_id)
                        .where(window.condition()).group_by(Payment.ticket_id))
    return {ticket_id: cents(amount) for ticket_id, amount in rows}


def cents(value: Any) -> Decimal:
    """SQLite sums money as floating point: back to exact cents."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))
