"""The sweep's jobs: warranty reminders and expiry, SLA breaches, follow-up reminders and
the daily agenda, each evaluated from database rows at the instant given. One
transaction per job run; a timer's progress is written with the mail it sends, so
sweeping twice at the same instant sends nothing twice."""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from daemon import alerts
from daemon.db import settings_row
from daemon.db.models import Ticket, Timer
from daemon.outbound.outbox import Mail
from daemon.outbound.context import label
from daemon.rules.followups import agenda_day, agenda_due
from daemon.rules.sla import next_check_while_paused
from daemon.rules.warranty import warranty_due
from daemon.runtime import Runtime
from daemon.sla_timers import follow_pause_setting, ticket_deadlines
from daemon.audit import add_event
from daemon.steps.warranty import WARRANTY_TIMER, local_time
from daemon.ticket_status import change_status

log = logging.getLogger("soporte.sweep")
BREACH_LABELS = {"sla_first_response": "primera respuesta", "sla_resolution": "resolución"}


def _due_timers(session: Session, kinds: tuple[str, ...], now: datetime) -> list[Timer]:
    return list(session.scalars(select(Timer).where(Timer.kind.in_(kinds), Timer.done_at.is_(None),
                                                    Timer.due_at <= now).order_by(Timer.due_at)))


def warranty_job(rt: Runtime, now: datetime) -> int:
    cfg = rt.config.policy.warranty
    done = 0
    with rt.sessions.begin() as session:
        for timer in _due_timers(session, (WARRANTY_TIMER,), now):
            ticket = timer.ticket
            if ticket.status != cfg.status:          # document arrived or staff moved it on
                timer.done_at = now
                continue
            due = warranty_due(cfg, ticket.created_at, now, timer.progress, expired=False)
            language = ticket.customer.language or rt.config.support.language
            if due.expire:
                change_status(session, rt.config, ticket, cfg.expired_status, "garantia", now)
                rt.mailer.queue(session, ticket, Mail("customer_closed_without_documents", (ticket.customer.email,),
                                                      language=language,
                                                      extra={"deadline_hours": cfg.deadline_hours}), now)
                timer.done_at = now
            else:
                for number in due.reminders_to_send:
                    hours_left = max(0, int((due.deadline - now).total_seconds() // 3600))
                    rt.mailer.queue(session, ticket, Mail("customer_document_reminder", (ticket.customer.email,),
                                                          language=language, extra={
                                                              "reminder_number": number, "hours_left": hours_left,
                                                              "deadline": local_time(rt.config, due.deadline)}), now)
                    add_event(session, ticket, now, "garantia", "document_reminder", None, str(number))
                timer.progress = due.sent_count
                timer.due_at = _next_warranty_instant(cfg, ticket.created_at, due.sent_count, due.deadline)
            done += 1
    return done


def _next_warranty_instant(cfg, created_at: datetime, sent: int, deadline: datetime) -> datetime:
    upcoming = [created_at + timedelta(hours=h) for h in cfg.reminder_hours[sent:]]
    return min(upcoming + [deadline])


def sla_pause_job(rt: Runtime, now: datetime) -> int:
    with rt.sessions.begin() as session:
        return follow_pause_setting(session, rt.config, now)


def sla_job(rt: Runtime, now: datetime) -> int:
    done = 0
    with rt.sessions.begin() as session:
        for timer in _due_timers(session, tuple(BREACH_LABELS), now):
            ticket = timer.ticket
            met = ticket.first_response_at if timer.kind == "sla_first_response" else \
                (ticket.resolved_at or ticket.closed_at)
            if timer.kind == "sla_resolution" and met is None and ticket.sla_paused_since is not None:
                later = _while_paused(rt, ticket, now)
                if later is not None:       # the clock stands still: look again when it could pass
                    timer.due_at = later
                    continue
            timer.done_at = now
            if met is not None and met <= timer.due_at:
                continue
            add_event(session, ticket, now, "sla", "sla_breach", None, timer.kind.removeprefix("sla_"))
            supervisors = tuple(s.email for s in rt.config.staff_with_role("supervisor"))
            if supervisors and met is None:
                rt.mailer.queue(session, ticket, Mail("supervisor_sla_breach", supervisors, extra={
                    "breach_label": BREACH_LABELS[timer.kind], "due_at": local_time(rt.config, timer.due_at)}), now)
            done += 1
    return done


def _while_paused(rt: Runtime, ticket: Ticket, now: datetime) -> datetime | None:
    """When a stopped resolution clock could next pass its deadline (None: it had passed
    before the clock stopped). The deadline is the ticket's own, counting the pauses
    already over, not the timer's: that may hold an earlier look-again instant."""
    policy = rt.config.policy
    due = ticket_deadlines(policy, ticket).resolution_due
    return next_check_while_paused(policy.calendar, due, ticket.sla_paused_since, now)


def followup_job(rt: Runtime, now: datetime) -> int:
    done = 0
    with rt.sessions.begin() as session:
        for timer in _due_timers(session, ("followup",), now):
            timer.done_at = now
            if timer.owner:
                rt.mailer.queue(session, timer.ticket, Mail("staff_followup_due", (timer.owner,), extra={
                    "note": timer.note, "due_at": local_time(rt.config, timer.due_at)}), now)
                done += 1
    return done


def agenda_job(rt: Runtime, now: datetime) -> int:
    calendar, agenda = rt.config.policy.calendar, rt.config.agenda
    if not agenda.enabled:
        return 0
    sent = 0
    with rt.sessions.begin() as session:
        for member in rt.config.staff_with_role(*agenda.roles):
            key = f"agenda:{member.email}"
            # decided under the row's lock: two daemons sweeping at once send one agenda
            if settings_row.lock_if(session, key, lambda last: agenda_due(
                    now, _day(last), agenda.send_at, calendar.tz, calendar.days)) is None:
                continue
            mail = _agenda_mail(session, rt, member, now)
            if mail.extra["tickets"] or mail.extra["followups"]:     # no empty agendas
                rt.mailer.queue(session, None, mail, now)
                sent += 1
            settings_row.write(session, key, agenda_day(now, calendar.tz).isoformat())
    return sent


def _day(value: str) -> date | None:
    return datetime.fromisoformat(value).date() if value else None


def _agenda_mail(session: Session, rt: Runtime, member, now: datetime) -> Mail:
    vocab = rt.config.vocab
    tickets = session.scalars(select(Ticket).where(
        Ticket.assignee == member.email,
        Ticket.status.not_in((vocab.resolved_status, vocab.closed_status))).order_by(Ticket.id)).all()
    end_of_day = now + timedelta(days=1)
    followups = session.scalars(select(Timer).where(
        Timer.kind == "followup", Timer.owner == member.email, Timer.done_at.is_(None),
        Timer.due_at <= end_of_day).order_by(Timer.due_at)).all()
    return Mail("staff_agenda", (member.email,), extra={
        "agent_name": member.name, "date": agenda_day(now, rt.config.policy.calendar.tz).strftime("%d/%m/%Y"),
        "tickets": [{"token": t.token, "subject": t.subject, "status_label": label(t.status),
                     "priority": t.priority, "customer": t.customer.email,
                     "updated_at": local_time(rt.config, t.updated_at)} for t in tickets],
        "followups": [{"token": f.ticket.token, "subject": f.ticket.subject,
                       "due_at": local_time(rt.config, f.due_at), "note": f.note} for f in followups]})


def interrupted_writes_job(rt: Runtime, now: datetime) -> int:
    """Housekeeping: blob files a killed process was still writing."""
    return rt.store.remove_stale_temporaries()


JOBS = [
    ("warranty", warranty_job),      # reminders at 6/12/18 h, closure at 24 h (seed 004)
    ("sla pauses", sla_pause_job),   # clocks brought in line with an edited [sla] pause_in
    ("sla", sla_job),                # first-response and resolution breaches, once each
    ("followups", followup_job),     # #seguimiento reminders to their agent
    ("agenda", agenda_job),          # each agent's daily agenda
    ("outage alerts", alerts.queue_due),   # one mail to the admins per IMAP/SMTP outage
    ("interrupted writes", interrupted_writes_job),   # .tmp- blobs left by a kill mid-write
]
