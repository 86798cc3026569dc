"""The one place a ticket's status changes: keeps resolved_at / closed_at and the SLA's
resolution clock in step with the status and writes the audit event. Which mail a
change sends is decided elsewhere."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from daemon.audit import add_event
from daemon.db.models import Ticket
from daemon.sla_timers import follow_status

RESOLVED = "resuelto"
CLOSED = "cerrado"


def change_status(session: Session, config: Any, ticket: Ticket, new: str, actor: str, now: datetime,
                  action: str = "status") -> bool:
    old = ticket.status
    if old == new:
        return False
    ticket.status = new
    if new == RESOLVED:
        ticket.resolved_at = now
    elif new == CLOSED:
        ticket.closed_at = now
        ticket.resolved_at = ticket.resolved_at or now
    else:
        ticket.resolved_at = None
        ticket.closed_at = None
    ticket.updated_at = now
    follow_status(session, config, ticket, now)
    add_event(session, ticket, now, actor, action, old, new)
    return True
