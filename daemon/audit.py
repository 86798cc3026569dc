"""The audit trail: every change to a ticket is one Event row (who, what, old, new),
written in the caller's transaction. The only place events are built. Nothing reads
events back while a ticket is being changed, so they are inserted directly."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from daemon.db import prepared
from daemon.db.models import Event, Ticket


def add_event(session: Session, ticket: Ticket, at: datetime, actor: str, action: str,
              old: str | None, new: str | None) -> None:
    prepared.add_row(session, Event, ticket_id=prepared.row_id(session, ticket), at=at, actor=actor,
                     action=action, old=old, new=new)
