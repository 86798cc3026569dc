"""Which mail a staff reply causes, once its commands applied: the public reply relayed
to the customer (from the support address, never the staff member's) with the files
attached to it, the status notices, the decision on a feature request, the assignee's
heads-up, finance's billing notification on close, and the error or warning that goes
to the sender alone."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from daemon.audit import add_event
from daemon.billing.finance import billing_notice
from daemon.commands.apply import Applied
from daemon.commands.parse import CommandError
from daemon.outbound.compose import FileAttachment
from daemon.outbound.context import human_size
from daemon.outbound.outbox import Mail
from daemon.steps.passing_on import file_list, files_to_pass_on, notice_with_files, stored_files_to_pass_on

if TYPE_CHECKING:
    from daemon.pipeline import Work

STATUS_TEMPLATES = {"resuelto": "customer_resolved", "cerrado": "customer_closed"}
log = logging.getLogger("soporte.commands")


def after_commands(work: "Work", applied: Applied, reply_text: str) -> None:
    ticket, config = work.ticket, work.rt.config
    customer = ticket.customer
    language = customer.language or config.support.language
    text = _with_canned(work, applied, reply_text)
    relayed = bool(text.strip()) and not applied.internal
    if relayed:
        staff = config.staff_by_email(work.parsed.from_addr)
        work.mails.append(Mail("customer_reply", (customer.email,), automatic=False, language=language,
                               extra={"reply_text": text, "agent_name": staff.name if staff else ""},
                               attachments=_files_for_the_customer(work)))
        if ticket.first_response_at is None:
            ticket.first_response_at = work.now
    if applied.status_change:
        _status_notice(work, applied.status_change, relayed, language)
    if applied.decision:
        work.mails.append(Mail("customer_decision", (customer.email,), language=language,
                               extra={"decision": applied.decision, "note": ""}))
    if applied.assigned_to and applied.assigned_to != work.parsed.from_addr:
        _tell_assignee(work, applied.assigned_to)


def _files_for_the_customer(work: "Work") -> tuple[FileAttachment, ...]:
    """The files the staff member attached (a manual, a quote, a screenshot). One left
    out is an event on the ticket and a mail to its sender, who believes the customer
    has it."""
    passed = files_to_pass_on(work)
    limit = human_size(work.rt.config.limits.max_attachment_bytes)
    for item in passed.left_out:
        log.warning("%s: %s (%s) not sent to the customer: over %s together", work.ticket.token,
                    item.filename, human_size(item.size), limit)
        add_event(work.session, work.ticket, work.now, work.parsed.from_addr, "attachment_not_sent",
                  None, f"{item.filename} ({human_size(item.size)}): over {limit} together")
    if passed.left_out:
        work.mails.append(Mail("staff_files_not_sent", (work.parsed.from_addr,), extra={
            "files": [f for f in file_list(passed) if not f["attached"]], "limit": limit}))
    return passed.files


def _status_notice(work: "Work", change: tuple[str, str], relayed: bool, language: str) -> None:
    old, new = change
    ticket, config = work.ticket, work.rt.config
    to = (ticket.customer.email,)
    template = STATUS_TEMPLATES.get(new)
    if template == "customer_resolved":
        work.mails.append(Mail(template, to, language=language, extra={
            "solution": ticket.solution or "", "reopen_days": config.tickets.reopen_days}))
    elif template == "customer_closed":
        work.mails.append(Mail(template, to, language=language, extra={"solution": ticket.solution or ""}))
        billing_notice(work.session, config, ticket, work.now, work.mails)
    elif not relayed:
        from daemon.outbound.context import label
        work.mails.append(Mail("customer_status_changed", to, language=language, extra={
            "old_status_label": label(old, language), "new_status_label": label(new, language), "note": ""}))


def _with_canned(work: "Work", applied: Applied, reply_text: str) -> str:
    if not applied.canned:
        return reply_text
    language = work.ticket.customer.language or work.rt.config.support.language
    context = work.rt.mailer.context(work.ticket, {}, language)
    canned = work.rt.renderer.render_string(f"canned/{applied.canned}.txt.j2", context, language).strip()
    return f"{reply_text.strip()}\n\n{canned}".strip() if reply_text.strip() else canned


def command_error(work: "Work", errors: list[CommandError], help_text: str) -> None:
    work.mails.append(Mail("staff_command_error", (work.parsed.from_addr,), extra={
        "errors": [{"line": e.line, "line_no": e.line_no, "message": e.message} for e in errors],
        "help": help_text, "original_subject": work.parsed.subject}))


def unauthenticated(work: "Work", reason: str) -> None:
    work.mails.append(Mail("staff_unauthenticated", (work.parsed.from_addr,), extra={"reason": reason}))


def _name(config, email: str) -> str:
    staff = config.staff_by_email(email)
    return staff.name if staff else email


def _tell_assignee(work: "Work", assignee: str) -> None:
    """The new assignee gets the customer's last message with its files, as when a rule
    assigns: the photo or the receipt is what they start from."""
    ticket = work.ticket
    last = next((m for m in reversed(ticket.messages) if m.direction == "in" and not m.internal), None)
    work.mails.append(notice_with_files(
        "staff_assigned", (assignee,), ticket.customer.email, last.body_text if last else "",
        stored_files_to_pass_on(work, last.attachments if last else ()),
        assigned_by=_name(work.rt.config, work.parsed.from_addr)))
