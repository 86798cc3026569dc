"""Threading: which ticket an inbound message belongs to, or whether it opens a new one.
Pure: the pipeline looks up the candidate tickets (by subject token, then by
In-Reply-To/References) and this module decides. A stranger holding a valid token never
joins someone else's ticket; a reply to a closed ticket opens a new, linked one."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Candidate:
    ticket_id: int
    token: str
    status: str
    customer_email: str
    participants: frozenset[str]
    resolved_at: datetime | None


@dataclass(frozen=True)
class ThreadFacts:
    sender: str
    sender_is_staff: bool
    by_token: Candidate | None
    by_reference: Candidate | None


@dataclass(frozen=True)
class Join:
    ticket_id: int
    via: str                 # "token" | "references"
    reopen: bool = False


@dataclass(frozen=True)
class Open:
    reason: str
    linked_to: int | None = None


@dataclass(frozen=True)
class Lifecycle:
    resolved_status: str
    closed_status: str
    reopen_days: int


def decide(facts: ThreadFacts, life: Lifecycle, now: datetime) -> Join | Open:
    if facts.by_token is not None:
        return _decide_for(facts.by_token, "token", facts, life, now)
    if facts.by_reference is not None:
        return _decide_for(facts.by_reference, "references", facts, life, now)
    return Open("no token or known reference")


def _decide_for(ticket: Candidate, via: str, facts: ThreadFacts, life: Lifecycle, now: datetime) -> Join | Open:
    if not may_join(ticket, facts):
        return Open(f"{facts.sender} is not a participant of {ticket.token}")
    if facts.sender_is_staff:
        # staff commands still apply to closed tickets (finance recording a payment)
        return Join(ticket.ticket_id, via)
    if ticket.status == life.closed_status:
        return Open(f"{ticket.token} is closed", linked_to=ticket.ticket_id)
    if ticket.status == life.resolved_status:
        if _within_reopen_window(ticket, life, now):
            return Join(ticket.ticket_id, via, reopen=True)
        return Open(f"{ticket.token} was resolved over {life.reopen_days} days ago", linked_to=ticket.ticket_id)
    return Join(ticket.ticket_id, via)


def may_join(ticket: Candidate, facts: ThreadFacts) -> bool:
    sender = facts.sender.lower()
    return facts.sender_is_staff or sender == ticket.customer_email or sender in ticket.participants


def _within_reopen_window(ticket: Candidate, life: Lifecycle, now: datetime) -> bool:
    if ticket.resolved_at is None:
        return True
    return now - ticket.resolved_at <= timedelta(days=life.reopen_days)
