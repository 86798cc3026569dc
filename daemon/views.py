"""The public JSON shapes of `tickets list/show --json` (SPEC §8): scripts and tests
depend on them, so every key is named here once. Money as strings with two decimals."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from daemon.db.models import Event, Message, Ticket
from daemon.rules.sla import standing_still
from daemon.sla_timers import ticket_deadlines


def iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def ticket_summary(ticket: Ticket, work_order: dict[str, Any]) -> dict[str, Any]:
    customer = ticket.customer
    return {
        "token": ticket.token,
        "subject": ticket.subject,
        "status": ticket.status,
        "kind": ticket.kind,
        "category": ticket.category,
        "queue": ticket.queue,
        "priority": ticket.priority,
        "assignee": ticket.assignee,
        "customer": {"email": customer.email, "name": customer.name},
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
        "closed_at": iso(ticket.closed_at),
        "resolved_at": iso(ticket.resolved_at),
        "first_response_at": iso(ticket.first_response_at),
        "due_date": iso(ticket.due_date),
        "serial_number": ticket.serial_number,
        "diagnosis": ticket.diagnosis,
        "solution": ticket.solution,
        "satisfaction": ticket.satisfaction,
        "decision": ticket.decision,
        "reopened": ticket.reopened_count,
        "watchers": list(ticket.watchers or ()),
        "work_order": work_order,
    }


def message_view(message: Message) -> dict[str, Any]:
    return {
        "direction": message.direction,
        "message_id": message.message_id,
        "from": message.from_addr,
        "to": list(message.to_addrs or ()),
        "subject": message.subject,
        "body_text": message.body_text,
        "full_text": message.full_text,
        "internal": message.internal,
        "automatic": message.automatic,
        "created_at": iso(message.created_at),
        "attachments": [{"filename": a.filename, "content_type": a.content_type, "size": a.size,
                         "sha256": a.sha256, "incidental": a.incidental} for a in message.attachments],
    }


def event_view(event: Event) -> dict[str, Any]:
    return {"at": iso(event.at), "actor": event.actor, "action": event.action,
            "old": event.old, "new": event.new}


def ticket_detail(session: Session, ticket: Ticket, work_order: dict[str, Any], policy: Any) -> dict[str, Any]:
    view = ticket_summary(ticket, work_order)
    view["sla"] = sla_view(policy, ticket)
    linked = session.get(Ticket, ticket.linked_ticket_id) if ticket.linked_ticket_id else None
    view["linked_ticket"] = linked.token if linked else None
    view["messages"] = [message_view(m) for m in ticket.messages]
    view["events"] = [event_view(e) for e in ticket.events]
    return view


def sla_view(policy: Any, ticket: Ticket) -> dict[str, Any] | None:
    """The ticket's SLA deadlines. While its resolution clock stands still there is no
    resolution instant yet, only the time since it stopped."""
    if ticket.priority not in policy.sla:
        return None
    due = ticket_deadlines(policy, ticket)
    standing = standing_still(due.resolution_due, ticket.sla_paused_since)
    return {"first_response_due": iso(due.first_response_due),
            "resolution_due": None if standing else iso(due.resolution_due),
            "resolution_paused_since": iso(ticket.sla_paused_since),
            "resolution_paused_seconds": ticket.sla_paused_seconds or 0}


def find_ticket(session: Session, token: str) -> Ticket | None:
    return session.scalar(select(Ticket).where(Ticket.token == token.upper()))
