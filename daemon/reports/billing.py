"""Billed, paid and outstanding totals for the report, added up by the database. In: a
Connection and the Window (tickets created in it); out: BillingTotals in Decimal. Billed
is each ticket's `billed_total`, the work-order total last sent to finance (so the
report and finance agree to the cent without pricing anything again); paid is every
payment on the window's tickets; outstanding is billed minus paid, ticket by ticket,
never below zero. Never writes."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Connection, Integer, case, cast, func, select

from daemon.db.models import Payment, Ticket
from daemon.reports.queries import Window

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class BillingTotals:
    billed: Decimal = ZERO
    paid: Decimal = ZERO
    outstanding: Decimal = ZERO
    billed_tickets: int = 0


def billing_totals(conn: Connection, window: Window) -> BillingTotals:
    paid = (select(Payment.ticket_id, func.sum(cents(conn, Payment.amount)).label("cents"))
            .join(Ticket, Ticket.id == Payment.ticket_id).where(window.condition())
            .group_by(Payment.ticket_id).subquery())
    # the billed tickets first, then their payments: joining every ticket of the window
    # to the payments would cost several times more
    billed = (select(Ticket.id, cents(conn, Ticket.billed_total).label("cents"))
              .where(window.condition(), Ticket.billed_total > 0).subquery())
    due = billed.c.cents - func.coalesce(paid.c.cents, 0)
    count, billed_cents, outstanding_cents = conn.execute(
        select(func.count(), func.sum(billed.c.cents), func.sum(case((due > 0, due), else_=0)))
        .select_from(billed.outerjoin(paid, paid.c.ticket_id == billed.c.id))).one()
    paid_cents = conn.execute(select(func.sum(paid.c.cents))).scalar()
    return BillingTotals(from_cents(billed_cents), from_cents(paid_cents), from_cents(outstanding_cents), count)


def cents(conn: Connection, amount: Any) -> ColumnElement[Any]:
    """A money column in cents. SQLite stores NUMERIC as binary floating point, so there
    each amount is rounded to a whole number of cents before anything is added up: a
    million sums stay exact. Other databases keep exact decimals."""
    if conn.dialect.name == "sqlite":
        return cast(func.round(amount * 100), Integer)
    return amount * 100


def from_cents(total: Any) -> Decimal:
    return (Decimal(str(total or 0)) / 100).quantize(ZERO)
