"""Pipeline stage: looks up the tickets a message could belong to (subject token first,
then every Message-ID the ticket has seen or sent) and lets ingest/correlate decide."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

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
    facts = ThreadFacts(
        sender=parsed.from_addr, sender_is_staff=staff is not None,
        by_token=_by_token(work.session, parsed.subject, config),
        by_reference=_by_reference(work.session, parsed.in_reply_to + parsed.references))
    vocab = config.vocab
    life = Lifecycle(vocab.resolved_status, vocab.closed_status, config.tickets.reopen_days)
    work.thread = decide(facts, life, work.now)
    _rating_reply(work, facts, life)
    if isinstance(work.thread, Join):
        work.ticket = work.session.get(Ticket, work.thread.ticket_id)
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


def _by_token(session: "Session", subject: str, config) -> Candidate | None:
    for token in find_tokens(subject, config.tickets.token_prefix, config.tickets.token_digits):
        ticket = session.scalar(select(Ticket).where(Ticket.token == token))
        if ticket is not None:
            return candidate(session, ticket)
    return None


def _by_reference(session: "Session", message_ids: tuple[str, ...]) -> Candidate | None:
    if not message_ids:
        return None
    ticket_id = session.scalar(select(Message.ticket_id).where(Message.message_id.in_(message_ids))
                               .order_by(Message.id.desc()).limit(1))
    return candidate(session, session.get(Ticket, ticket_id)) if ticket_id else None


def candidate(session: "Session", ticket: Ticket) -> Candidate:
    rows = session.execute(select(Message.from_addr, Message.to_addrs).where(
        Message.ticket_id == ticket.id, Message.direction == "in")).all()
    people: set[str] = set()
    for sender, recipients in rows:
        people.add(sender)
        people.update(recipients or ())
    return Candidate(ticket_id=ticket.id, token=ticket.token or "", status=ticket.status,
                     customer_email=ticket.customer.email, participants=frozenset(people),
                     resolved_at=ticket.resolved_at)
