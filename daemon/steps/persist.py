"""Pipeline stage: writes what the message means: the customer on first contact, a new
ticket (token from its row id, so no two daemons can mint the same one), the message
row with its visible and full text, attachments in the blob store, and audit events."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from daemon.audit import add_event
from daemon.db import objects, prepared
from daemon.db.models import Attachment, Customer, Message, Ticket
from daemon.ingest.correlate import Open
from daemon.ingest.large import store_attachment
from daemon.ingest.language import guess_language
from daemon.sla_timers import schedule_sla
from daemon.ticket_status import change_status
from daemon.tokens import format_token

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from daemon.pipeline import Work

log = logging.getLogger("soporte.ingest")


def persist(work: "Work") -> str | None:
    parsed = work.parsed
    assert parsed is not None
    if isinstance(work.thread, Open):
        work.ticket = open_ticket(work)
        work.created = True
        work.outcome = "new ticket"
    else:
        work.outcome = "follow-up"
    ticket = work.ticket
    assert ticket is not None
    work.message_row = add_inbound_message(work, ticket)
    touched = {"updated_at": work.now}
    if work.sender_role is None:
        touched["last_inbound_message_id"] = parsed.message_id
        if work.rating is not None:
            _record_rating(work, ticket)
        else:
            _customer_replied(work, ticket)
    if work.created:
        touched["token"] = ticket.token
    # written at once, so that a ticket nothing else changes has nothing to flush at commit
    objects.set_columns(work.session, ticket, **touched)
    return None


def _record_rating(work: "Work", ticket: Ticket) -> None:
    old = ticket.satisfaction
    ticket.satisfaction = work.rating
    add_event(work.session, ticket, work.now, work.parsed.from_addr, "satisfaction",
              str(old) if old is not None else None, str(work.rating))
    work.outcome = "rating"


def open_ticket(work: "Work") -> Ticket:
    parsed, config = work.parsed, work.rt.config
    vocab = config.vocab
    language = guess_language(f"{parsed.subject}\n{work.reply.visible if work.reply else parsed.text}",
                              config.support.language)
    if work.on_behalf:               # staff opening a ticket for a customer (#cliente)
        customer = customer_for(work.session, work.on_behalf, "", work.now, language)
    else:
        customer = customer_for(work.session, parsed.from_addr, parsed.from_name, work.now, language)
    linked = work.thread.linked_to if isinstance(work.thread, Open) else None
    ticket = objects.insert(work.session, Ticket(
        subject=(parsed.subject or "(sin asunto)")[:2000], status=vocab.new_status, kind=vocab.default_kind,
        category=vocab.default_category, queue=vocab.default_queue, priority=vocab.default_priority,
        customer=customer, linked_ticket_id=linked, created_at=work.now, updated_at=work.now, watchers=[],
        reopened_count=0))
    # the token comes from the row id; persist() writes it with the ticket's other changes
    ticket.token = format_token(config.tickets.token_prefix, config.tickets.token_digits, ticket.id)
    add_event(work.session, ticket, work.now, parsed.from_addr, "created", None, ticket.token)
    schedule_sla(work.session, config, ticket, new=True)
    if linked is not None:
        old = objects.get(work.session, Ticket, linked)
        add_event(work.session, ticket, work.now, "soporte", "linked", None, old.token if old else str(linked))
    return ticket


def customer_for(session: "Session", email: str, name: str, now: datetime, language: str) -> Customer:
    customer = objects.load(session, Customer, "email", email)
    if customer is None:
        return objects.insert(session, Customer(email=email, name=name or "", created_at=now, language=language))
    if name and not customer.name:
        customer.name = name
    return customer


def add_inbound_message(work: "Work", ticket: Ticket) -> int:
    """Inserted directly (nothing in this transaction reads it back as an object): the
    row id is returned, and replies queued later find its Message-ID in the table."""
    parsed, store, session = work.parsed, work.rt.store, work.session
    raw_digest = store.put(work.raw, parsed.raw_sha256)
    visible = work.reply.visible if work.reply else parsed.text
    message_id = prepared.add_row(
        session, Message, ticket_id=prepared.row_id(session, ticket), direction="in", message_id=parsed.message_id,
        content_key=work.content_key, raw_sha256=raw_digest, from_addr=parsed.from_addr,
        to_addrs=list(parsed.recipients), subject=parsed.subject, body_text=visible, full_text=parsed.text,
        body_html=work.safe_html,
        # staff mail itself is for staff eyes; the relay is what the customer sees
        internal=work.internal or work.sender_role is not None, automatic=False, created_at=work.now)
    limit = work.rt.config.limits.max_attachment_bytes
    for item in parsed.attachments:
        # a large body is decoded from the raw message straight into the store; over the
        # limit nothing is written at all (the row keeps name, type and size)
        digest = store_attachment(store, work.raw, item) if item.size <= limit else None
        if digest is None:
            log.warning("%s: attachment %s (%d bytes) over the limit, not stored", ticket.token,
                        item.filename, item.size)
        prepared.add_row(session, Attachment, message_id=message_id, filename=item.filename,
                         content_type=item.content_type, size=item.size, sha256=digest,
                         incidental=item.incidental)
    return message_id


def _customer_replied(work: "Work", ticket: Ticket) -> None:
    vocab = work.rt.config.vocab
    actor = work.parsed.from_addr
    if work.thread is not None and getattr(work.thread, "reopen", False):
        change_status(work.session, work.rt.config, ticket, vocab.open_status, actor, work.now,
                      action="reopened")
        ticket.reopened_count += 1
        work.reopened = True
        work.outcome = "reopened"
    elif ticket.status == vocab.waiting_status:
        change_status(work.session, work.rt.config, ticket, vocab.open_status, actor, work.now)
