"""Finance's billing notification when a billable ticket closes (seeds 000, 002): the
albarán as an HTML table plus a CSV attachment, in the ticket's thread so finance can
answer with #facturado / #pagado. Sent once; a re-close sends again only if the total
changed (the last notified total is kept as an audit event)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from daemon.billing.albaran import albaran_csv, money
from daemon.billing.ledger import paid_total, work_order, work_order_view
from daemon.billing.pricing import billable
from daemon.db.models import Event, Ticket
from daemon.outbound.compose import FileAttachment
from daemon.outbound.outbox import Mail
from daemon.audit import add_event


def billing_notice(session: Session, config: Any, ticket: Ticket, now: datetime, mails: list[Mail]) -> bool:
    finance = config.policy.billing.finance_address
    session.flush()
    order = work_order(session, config, ticket)
    if not finance or not billable(order):
        return False
    total = money(order.total)
    if last_notified_total(session, ticket) == total:
        return False
    csv = albaran_csv(ticket.token, order).encode("utf-8-sig")    # Excel reads the accents
    view = work_order_view(order, ticket.invoice_number, paid_total(session, ticket))
    mails.append(Mail("finance_billing", (finance,), extra={"work_order": view},
                      attachments=(FileAttachment(f"albaran-{ticket.token}.csv", "text/csv", csv),)))
    add_event(session, ticket, now, "soporte", "billing_notified", None, total)
    ticket.billed_total = order.total
    return True


def last_notified_total(session: Session, ticket: Ticket) -> str | None:
    return session.scalar(select(Event.new).where(Event.ticket_id == ticket.id, Event.action == "billing_notified")
                          .order_by(Event.id.desc()).limit(1))
