"""Pipeline stage: looks up the tickets a message could belong to (subject token first,
then every Message-ID the ticket has seen or sent) and lets ingest/correlate decide."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select

from daemon.db import objects, prepared
from daemon.db.models import Message, Ticket
from daemon.ingest.correlate import Candidate, Join, Lifecycle, ThreadFacts, decide, may_join
from daemon.tokens import find_tokens

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from daemon.pipeline import Work


def correlate(work: "Work") -> str | None:
    parsed, config = work.parsed, work.rt.config
    assert parsed is not None
    staff = config.staff_by_email(parsed.from_addr)
    work.sender_role = staff.role if staff else None
    seen = Seen()
    facts = ThreadFacts(
        sender=parsed.from_addr, sender_is_staff=staff is not None,
        by_token=_by_token(work.session, parsed.subject, config, seen),
        by_reference=_by_reference(work.session, parsed.in_reply_to + parsed.references, seen))
    vocab = config.vocab
    life = Lifecycle(vocab.resolved_status, vocab.closed_status, config.tickets.reopen_days)
    work.thread = decide(facts, life, work.now)
    _rating_reply(work, facts, life)
    if isinstance(work.thread, Join):
        work.ticket = objects.get(work.session, Ticket, work.thread.ticket_id)     # held by `seen` if looked at
    return None


def _rating_reply(work: "Work", facts: ThreadFacts, life: Lifecycle) -> None:
    """A lone 1-5 answering a resolved or closed ticket is its satisfaction rating, not a
    new ticket or a reopening."""
    rating = lone_rating(work.reply.visible if work.reply else "")
    ticket = facts.by_token or facts.by_reference
    if rating is None or facts.sender_is_staff or ticket is None:
        return
    if ticket.status in (life.resolved_status, life.closed_status) and may_join(ticket, facts):
        work.thread = Join(ticket.ticket_id, "rating")
        work.rating = rating


def lone_rating(text: str) -> int | None:
    stripped = text.strip().rstrip(".!")
    return int(stripped) if len(stripped) == 1 and stripped in "12345" else None


# the newest message of the thread wins when references span several tickets
TICKET_BY_MESSAGE_IDS = (select(Message.ticket_id).where(Message.message_id.in_(bindparam("ids", expanding=True)))
                         .order_by(Message.id.desc()).limit(1))
INBOUND_PEOPLE = select(Message.from_addr, Message.to_addrs).where(
    Message.ticket_id == bindparam("ticket_id"), Message.direction == "in")


@dataclass
class Seen:
    """The tickets looked at for one message, held so the session's identity map keeps
    them (it holds objects weakly) and each is loaded and described once."""
    tickets: dict[int, Ticket] = field(default_factory=dict)
    candidates: dict[int, Candidate] = field(default_factory=dict)

    def candidate(self, session: "Session", ticket: Ticket) -> Candidate:
        if ticket.id not in self.candidates:
            self.tickets[ticket.id] = ticket
            self.candidates[ticket.id] = candidate(session, ticket)
        return self.candidates[ticket.id]


def _by_token(session: "Session", subject: str, config, seen: Seen) -> Candidate | None:
    for token in find_tokens(subject, config.tickets.token_prefix, config.tickets.token_digits):
        ticket = objects.load(session, Ticket, "token", token)
        if ticket is not None:
            return seen.candidate(session, ticket)
    return None


def _by_reference(session: "Session", message_ids: tuple[str, ...], seen: Seen) -> Candidate | None:
    if not message_ids:
        return None
    ticket_id = prepared.value(session, TICKET_BY_MESSAGE_IDS, ids=list(message_ids))
    if not ticket_id:
        return None
    return seen.candidate(session, objects.get(session, Ticket, ticket_id))


def candidate(session: "Session", ticket: Ticket) -> Candidate:
    objects.fill(session, ticket, "customer")
    people: set[str] = set()
    for sender, recipients in prepared.rows(session, INBOUND_PEOPLE, ticket_id=ticket.id):
        people.add(sender)
        people.update(recipients or ())
    return Candidate(ticket_id=ticket.id, token=ticket.token or "", status=ticket.status,
                     customer_email=ticket.customer.email, participants=frozenset(people),
                     resolved_at=ticket.resolved_at)
