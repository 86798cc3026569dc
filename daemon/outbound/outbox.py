"""Queues outgoing mail: renders the template, composes the message and writes the
outbox row (plus an outbound message row that threads later replies) in the CALLER's
transaction, so a mail exists exactly when the change that caused it is committed.
Never talks to an SMTP server."""
from __future__ import annotations

import hashlib
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterator

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from daemon.db import prepared
from daemon.db.models import Attachment, Customer, Message, Outbox, Ticket
from daemon.outbound.compose import Envelope, FileAttachment, compose
from daemon.outbound.context import customer_context, ticket_context
from daemon.outbound.msgid import make_message_id
from daemon.outbound.templates import Renderer
from daemon.tokens import subject_with_token
from daemon.unattended import nobody_reads

log = logging.getLogger("soporte.outbound")
REFERENCES_KEPT = 20
SKIPPED = "skipped"         # recorded (the history shows it) but never sent
UNDELIVERABLE_UNTIL = select(Customer.undeliverable_until).where(Customer.email == bindparam("email"))
AUTOMATIC_SENT_SINCE = select(func.count(Outbox.id)).where(
    Outbox.automatic.is_(True), Outbox.audience == "customer", Outbox.status != SKIPPED,
    Outbox.first_recipient == bindparam("recipient"), Outbox.created_at > bindparam("since"))
THREAD_MESSAGE_IDS = (select(Message.message_id).where(Message.ticket_id == bindparam("ticket_id"))
                      .order_by(Message.id.desc()).limit(REFERENCES_KEPT))


@dataclass(frozen=True)
class Mail:
    """One mail to queue: which template, to whom, with which extra variables."""
    template: str                      # "<audience>_<event>"
    to: tuple[str, ...]
    extra: dict[str, Any] = field(default_factory=dict)
    automatic: bool = True
    language: str = "es"
    attachments: tuple[FileAttachment, ...] = ()

    @property
    def audience(self) -> str:
        return self.template.split("_", 1)[0]

    @property
    def event(self) -> str:
        return self.template.split("_", 1)[1]


class Mailer:
    def __init__(self, config: Any, renderer: Renderer, secret: bytes) -> None:
        self.config = config
        self.renderer = renderer
        self.secret = secret
        self.staff_names = {s.email: s.name for s in config.staff}
        self.holding = ""           # why mail queued now is kept but not sent ("" = send it)

    @contextmanager
    def held(self, reason: str) -> Iterator[None]:
        """While inside, queued mail is recorded with status "skipped" and never sent."""
        self.holding = reason
        try:
            yield
        finally:
            self.holding = ""

    def queue(self, session: Session, ticket: Ticket | None, mail: Mail, now: datetime) -> str | None:
        """Writes the outbox row; returns the mail's Message-ID, None when nobody may get it."""
        recipients = tuple(r for r in mail.to if self._may_send(session, ticket, r, mail, now))
        if not recipients:
            return None
        body = self.renderer.render(mail.template, self.context(ticket, mail.extra, mail.language),
                                    mail.language)
        tickets = self.config.tickets
        if ticket is not None:
            body = type(body)(subject_with_token(body.subject, ticket.token, tickets.token_prefix,
                                                 tickets.token_digits), body.text, body.html)
        envelope = self._envelope(session, ticket, recipients, now, mail.automatic)
        raw = compose(envelope, body, mail.attachments)
        ticket_id = prepared.row_id(session, ticket)
        prepared.add_row(session, Outbox, ticket_id=ticket_id,
                         message_id=envelope.message_id, event=mail.event, audience=mail.audience,
                         recipients=list(recipients), first_recipient=recipients[0], subject=body.subject,
                         raw=raw, automatic=mail.automatic, status=SKIPPED if self.holding else "pending",
                         attempts=0, created_at=now, next_attempt_at=now, last_error=self.holding,
                         give_up_at=now + timedelta(hours=self.config.smtp.retry_for_hours))
        if ticket is not None:
            # threads the customer's answer to this mail back into the ticket
            message_row = prepared.add_row(
                session, Message, ticket_id=ticket_id, direction="out", message_id=envelope.message_id,
                content_key="", from_addr=self.config.support.address, to_addrs=list(recipients),
                subject=body.subject, body_text=body.text, full_text=body.text, body_html="",
                internal=mail.audience != "customer", automatic=mail.automatic, created_at=now)
            for item in mail.attachments:
                # the bytes are in the store already, under the message they came with
                prepared.add_row(session, Attachment, message_id=message_row, filename=item.filename,
                                 content_type=item.content_type, size=len(item.data),
                                 sha256=hashlib.sha256(item.data).hexdigest())
        log.info("%s: queued %s to %s", ticket.token if ticket else "-", mail.template, ", ".join(recipients))
        return envelope.message_id

    def context(self, ticket: Ticket | None, extra: dict[str, Any], language: str = "es") -> dict[str, Any]:
        support = {"address": self.config.support.address, "name": self.config.support.name}
        context: dict[str, Any] = {"support": support}
        if ticket is not None:
            context["ticket"] = ticket_context(ticket, self.staff_names, language)
            context["customer"] = customer_context(ticket)
        context.update(extra)
        return context

    def _envelope(self, session: Session, ticket: Ticket | None, to: tuple[str, ...],
                  now: datetime, automatic: bool) -> Envelope:
        support = self.config.support
        in_reply_to, references = None, ()
        if ticket is not None:
            in_reply_to = ticket.last_inbound_message_id
            references = thread_references(session, ticket)
        return Envelope(from_name=support.name, from_addr=support.address, to=to,
                        message_id=make_message_id(support.message_id_domain, self.secret),
                        date=now, loop_marker=support.address, in_reply_to=in_reply_to,
                        references=references, automatic="auto-replied" if automatic else None)

    def _may_send(self, session: Session, ticket: Ticket | None, recipient: str, mail: Mail,
                  now: datetime) -> bool:
        """Automatic customer mail stops at a no-reply address, at a recipient that
        bounced lately, and at the per-recipient cap: the last line of defence against loops."""
        if not mail.automatic or mail.audience != "customer":
            return True
        if nobody_reads(recipient):
            log.warning("not sending %s to %s: a no-reply address, nobody reads it", mail.template, recipient)
            return False
        if ticket is not None and ticket.customer.email == recipient:
            until = ticket.customer.undeliverable_until        # already loaded: no query
        else:
            until = prepared.value(session, UNDELIVERABLE_UNTIL, email=recipient)
        if until is not None and until > now:
            log.warning("not sending %s to %s: it bounced, undeliverable until %s",
                        mail.template, recipient, until.isoformat())
            return False
        cap = self.config.limits.auto_replies_per_hour
        recent = prepared.value(session, AUTOMATIC_SENT_SINCE, recipient=recipient, since=now - timedelta(hours=1))
        if recent >= cap:
            log.warning("not sending %s to %s: %d automatic replies in the last hour (cap %d)",
                        mail.template, recipient, recent, cap)
            return False
        return True

def thread_references(session: Session, ticket: Ticket) -> tuple[str, ...]:
    ids = prepared.values(session, THREAD_MESSAGE_IDS, ticket_id=ticket.id)
    return tuple(reversed(ids))
