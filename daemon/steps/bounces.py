"""Guard-stage helper: a bounce of mail we sent goes back to its ticket. In: the parsed
bounce and its `BounceInfo`. Out: an internal, automatic note and a "bounce" event on the
ticket, the returned outbox row marked failed, the failed customers marked undeliverable
for a while. Never opens a ticket, never changes its status, never queues mail."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Sequence

from sqlalchemy import select

from daemon.audit import add_event
from daemon.db import prepared
from daemon.db.models import Customer, Message, Outbox, Ticket
from daemon.ingest.bounces import BounceInfo
from daemon.tokens import find_tokens

if TYPE_CHECKING:
    from daemon.pipeline import Work

log = logging.getLogger("soporte.ingest")
UNDELIVERABLE_FOR = timedelta(days=3)


@dataclass(frozen=True)
class SentMail:
    """An outbox row, as the matcher sees it."""
    outbox_id: int
    ticket_id: int | None
    recipients: tuple[str, ...]


@dataclass(frozen=True)
class BounceMatch:
    ticket_id: int | None
    failed_outbox_ids: tuple[int, ...]      # rows to mark failed (permanent bounces only)
    undeliverable: tuple[str, ...]          # addresses to stop writing to for a while
    note: str                               # the internal note's text


# -- pure -------------------------------------------------------------------------------

def match_bounce(info: BounceInfo, sent: Sequence[SentMail], token_ticket_id: int | None) -> BounceMatch:
    """Our Message-ID outranks a token: a token can be quoted anywhere, an ID is ours."""
    ticket_id = next((s.ticket_id for s in sent if s.ticket_id is not None), token_ticket_id)
    failed = info.failed_recipients
    if not failed and len(sent) == 1:
        failed = sent[0].recipients      # a DSN that names nobody returns the one mail we sent
    if not info.permanent:
        return BounceMatch(ticket_id, (), (), bounce_note(info, failed))
    # a mail to several people fails for those the report names: the row that went to
    # the others (a mail refused for some recipients is split in rows) stays sent
    named = {address.lower() for address in info.failed_recipients}
    rows = tuple(s.outbox_id for s in sent if not named or named & {r.lower() for r in s.recipients})
    return BounceMatch(ticket_id, rows, tuple(failed), bounce_note(info, failed))


def bounce_note(info: BounceInfo, failed: Sequence[str]) -> str:
    head = "Rebote: el correo no se pudo entregar" if info.permanent else \
        "Aviso de retraso: el correo aún no se ha entregado"
    lines = [head + (f" a {', '.join(failed)}." if failed else ".")]
    if info.diagnostic:
        lines.append(f"Diagnóstico: {info.diagnostic}")
    if info.original_subject:
        lines.append(f"Asunto del correo devuelto: {info.original_subject}")
    return "\n".join(lines)


def bounce_tokens(info: BounceInfo, subject: str, prefix: str, digits: int) -> list[str]:
    return find_tokens(subject, prefix, digits) + find_tokens(info.original_subject, prefix, digits)


# -- I/O --------------------------------------------------------------------------------

def attach_bounce(work: "Work", info: BounceInfo) -> str:
    """Records what the bounce says; returns a short outcome for the checkpoint."""
    session = work.session
    rows = _sent_rows(work, info)
    match = match_bounce(info, [SentMail(r.id, r.ticket_id, tuple(r.recipients)) for r in rows],
                         _token_ticket_id(work, info))
    for row in rows:
        if row.id in match.failed_outbox_ids:
            _fail(row, info)
    _mark_undeliverable(work, match.undeliverable)
    if match.ticket_id is None:
        log.info("%s: bounce for no ticket of ours (%s)", work.parsed.message_id, info.diagnostic or "-")
        return "bounce, no ticket"
    work.ticket = session.get(Ticket, match.ticket_id)
    _add_note(work, work.ticket, match.note)
    log.warning("%s: bounce attached to %s: %s", work.parsed.message_id, work.ticket.token,
                match.note.splitlines()[0])
    return "bounce noted"


def _sent_rows(work: "Work", info: BounceInfo) -> list[Outbox]:
    if not info.original_message_ids:
        return []
    return list(work.session.scalars(select(Outbox).where(
        Outbox.message_id.in_(info.original_message_ids)).order_by(Outbox.id)))


def _token_ticket_id(work: "Work", info: BounceInfo) -> int | None:
    tickets = work.rt.config.tickets
    for token in bounce_tokens(info, work.parsed.subject, tickets.token_prefix, tickets.token_digits):
        found = work.session.scalar(select(Ticket.id).where(Ticket.token == token))
        if found is not None:
            return found
    return None


def _fail(row: Outbox, info: BounceInfo) -> None:
    # A mail accepted by our relay and bounced later is "sent" no more: it never arrived.
    row.status = "failed"
    row.locked_until = None
    row.last_error = f"bounce: {info.diagnostic or 'delivery failed'}"[:2000]


def _mark_undeliverable(work: "Work", addresses: Sequence[str]) -> None:
    if not addresses:
        return
    until = work.now + UNDELIVERABLE_FOR
    for customer in work.session.scalars(select(Customer).where(Customer.email.in_(addresses))):
        customer.undeliverable_until = until
        log.warning("%s: undeliverable until %s", customer.email, until.isoformat())


def _add_note(work: "Work", ticket: Ticket, note: str) -> None:
    parsed = work.parsed
    raw_digest = work.rt.store.put(work.raw, parsed.raw_sha256)
    prepared.add_row(
        work.session, Message, ticket_id=ticket.id, direction="in", message_id=parsed.message_id,
        content_key=work.content_key, raw_sha256=raw_digest, from_addr=parsed.from_addr,
        to_addrs=list(parsed.recipients), subject=parsed.subject, body_text=note, full_text=parsed.text,
        body_html="", internal=True, automatic=True, created_at=work.now)
    add_event(work.session, ticket, work.now, parsed.from_addr or "mailer-daemon", "bounce", None,
              note.splitlines()[0][:500])

