"""Pipeline stage: the warranty-document rule of seed 004. A ticket in the warranty
category without an acceptable proof of purchase waits in `sin_documentacion` (the
customer is asked, a timer starts: the sweep sends reminders and closes it at the
deadline); an acceptable document arriving in time reopens it and asks the supervisors
to re-categorise. The clock arithmetic is pure, in rules/warranty.py."""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from daemon.db.models import Attachment, Message, Timer
from daemon.outbound.outbox import Mail
from daemon.rules.warranty import is_acceptable_document, warranty_deadline
from daemon.steps.passing_on import message_notice
from daemon.ticket_status import change_status

if TYPE_CHECKING:
    from daemon.pipeline import Work

WARRANTY_TIMER = "warranty"
ACTOR = "garantia"


def check_documents(work: "Work") -> str | None:
    cfg = work.rt.config.policy.warranty
    ticket = work.ticket
    if not cfg.enabled or work.rating is not None:
        return None
    if ticket.status == cfg.status:
        if work.sender_role is None and _document_in(work):
            document_received(work)
        return None
    if ticket.category != cfg.category:
        return None
    work.session.flush()                # this message's attachments count as documents
    if _never_requested(work) and not _ticket_has_document(work):
        request_document(work)
    return None


def _document_in(work: "Work") -> str | None:
    cfg = work.rt.config.policy.warranty
    for item in work.parsed.attachments:
        if not item.incidental and is_acceptable_document(item.content_type, item.size, cfg):
            return item.filename
    return None


def _ticket_has_document(work: "Work") -> bool:
    cfg = work.rt.config.policy.warranty
    rows = work.session.execute(select(Attachment.content_type, Attachment.size).join(Message).where(
        Message.ticket_id == work.ticket.id, Message.direction == "in", Attachment.sha256.is_not(None),
        Attachment.incidental.is_(False))).all()
    return any(is_acceptable_document(ct, size, cfg) for ct, size in rows)


def _never_requested(work: "Work") -> bool:
    return work.session.scalar(select(Timer.id).where(
        Timer.ticket_id == work.ticket.id, Timer.kind == WARRANTY_TIMER)) is None


def request_document(work: "Work") -> None:
    cfg = work.rt.config.policy.warranty
    ticket = work.ticket
    change_status(work.session, work.rt.config, ticket, cfg.status, ACTOR, work.now)
    deadline = warranty_deadline(cfg, ticket.created_at)
    first_reminder = ticket.created_at + timedelta(hours=cfg.reminder_hours[0]) if cfg.reminder_hours else deadline
    work.session.add(Timer(ticket=ticket, kind=WARRANTY_TIMER, due_at=min(first_reminder, deadline),
                           note="", progress=0))
    work.mails.append(Mail("customer_document_requested", (ticket.customer.email,), language=_language(work), extra={
        "deadline": local_time(work.rt.config, deadline), "deadline_hours": cfg.deadline_hours,
        "accepted": accepted_names(cfg.accepted_types)}))


def document_received(work: "Work") -> None:
    cfg = work.rt.config.policy.warranty
    ticket = work.ticket
    change_status(work.session, work.rt.config, ticket, cfg.received_status, ACTOR, work.now)
    for timer in work.session.scalars(select(Timer).where(
            Timer.ticket_id == ticket.id, Timer.kind == WARRANTY_TIMER, Timer.done_at.is_(None))):
        timer.done_at = work.now
    work.mails.append(Mail("customer_document_received", (ticket.customer.email,), language=_language(work)))
    supervisors = tuple(s.email for s in work.rt.config.staff_with_role("supervisor"))
    if supervisors:
        work.mails.append(message_notice(work, "staff_recategorize", supervisors, document=_document_in(work) or ""))


def accepted_names(types) -> list[str]:
    names = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG", "image/heic": "HEIC"}
    return sorted(names.get(t, t) for t in types)


def local_time(config, instant) -> str:
    return instant.astimezone(config.policy.calendar.tz).strftime("%d/%m/%Y %H:%M")


def _language(work: "Work") -> str:
    return work.ticket.customer.language or work.rt.config.support.language
