"""The database side of work orders: reads a ticket's recorded lines and payments and
prices them with billing/pricing (contract checked on the ticket's creation date), and
gives the public JSON of SPEC §8 (money as strings with two decimals)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from daemon.billing.albaran import money, plain
from daemon.billing.contracts import active_contract
from daemon.billing.pricing import LineInput, WorkOrder, price_work_order
from daemon.db.models import Payment, Ticket, WorkLine


def line_inputs(session: Session, ticket: Ticket) -> list[LineInput]:
    rows = session.scalars(select(WorkLine).where(WorkLine.ticket_id == ticket.id).order_by(WorkLine.id))
    return [LineInput(r.line_kind, r.code, r.description, Decimal(r.quantity), Decimal(r.unit_price),
                      r.out_of_hours) for r in rows]


def contract_active(config: Any, ticket: Ticket) -> bool:
    on = ticket.created_at.astimezone(config.policy.calendar.tz).date()
    return active_contract(config.policy.contracts, ticket.customer.email, on) is not None


def work_order(session: Session, config: Any, ticket: Ticket) -> WorkOrder:
    return price_work_order(line_inputs(session, ticket), ticket_kind=ticket.kind, priority=ticket.priority,
                            contract_active=contract_active(config, ticket), cfg=config.policy.billing)


def paid_total(session: Session, ticket: Ticket) -> Decimal:
    value = session.scalar(select(func.coalesce(func.sum(Payment.amount), 0)).where(Payment.ticket_id == ticket.id))
    return Decimal(value or 0).quantize(Decimal("0.01"))


def work_order_view(order: WorkOrder, invoiced: str | None, paid: Decimal) -> dict[str, Any]:
    return {
        "lines": [{"concept": line.concept, "description": line.description, "kind": line.kind,
                   "quantity": plain(line.quantity), "unit_price": money(line.unit_price),
                   "discount_pct": plain(line.discount_pct), "surcharge_pct": plain(line.surcharge_pct),
                   "total": money(line.total)} for line in order.lines],
        "currency": order.currency,
        "tax_pct": plain(order.tax_pct),
        "subtotal": money(order.subtotal),
        "tax": money(order.tax),
        "total": money(order.total),
        "invoiced": invoiced,
        "paid": money(paid),
        "outstanding": money(max(order.total - paid, Decimal("0"))),
    }


def ticket_work_order_view(session: Session, config: Any, ticket: Ticket) -> dict[str, Any]:
    return work_order_view(work_order(session, config, ticket), ticket.invoice_number, paid_total(session, ticket))
