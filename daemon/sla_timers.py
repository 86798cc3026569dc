"""Keeps a ticket's SLA deadlines as timers the sweep evaluates: first response and
resolution, in business time per the calendar and the ticket's priority (SPEC §4).
Rescheduled whenever the priority changes, and when the resolution clock starts again
after standing still in a `[sla] pause_in` status; a met target just closes its timer."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from daemon.db import prepared, settings_row
from daemon.db.models import Ticket, Timer
from daemon.rules.calendar import business_time_between
from daemon.rules.sla import SlaDeadlines, sla_deadlines

SLA_KINDS = ("sla_first_response", "sla_resolution")
PAUSE_APPLIED = "sla:pause_in"     # the `[sla] pause_in` the tickets' clocks last followed


def schedule_sla(session: Session, config: Any, ticket: Ticket, new: bool = False) -> None:
    """`new`: the ticket was just created, so it has no timers to look up."""
    policy = config.policy
    if ticket.priority not in policy.sla:
        return
    deadlines = ticket_deadlines(policy, ticket)
    due = {"sla_first_response": deadlines.first_response_due, "sla_resolution": deadlines.resolution_due}
    if new:
        ticket_id = prepared.row_id(session, ticket)
        for kind, due_at in due.items():
            prepared.add_row(session, Timer, ticket_id=ticket_id, kind=kind, due_at=due_at, note="", progress=0)
        return
    open_timers = {t.kind: t for t in session.scalars(select(Timer).where(
        Timer.ticket_id == ticket.id, Timer.kind.in_(SLA_KINDS), Timer.done_at.is_(None)))}
    for kind, due_at in due.items():
        timer = open_timers.get(kind)
        if timer is not None:
            timer.due_at = due_at
        elif not _already_done(session, ticket, kind):
            session.add(Timer(ticket=ticket, kind=kind, due_at=due_at, note="", progress=0))


def ticket_deadlines(policy: Any, ticket: Ticket) -> SlaDeadlines:
    """The ticket's due instants, its resolution's moved by the business time its clock
    stood still in pauses already over (one standing still now is the caller's to weigh)."""
    return sla_deadlines(policy.calendar, policy.sla, ticket.priority, ticket.created_at,
                         timedelta(seconds=ticket.sla_paused_seconds or 0))


def follow_status(session: Session, config: Any, ticket: Ticket, now: datetime) -> None:
    """After a status change: the resolution clock stops on entering a pause status and
    starts again on leaving it, its deadline moved by the business time it stood still.
    Decided by the ticket's own state, so a pause begun under an older `pause_in` still
    ends."""
    policy = config.policy
    paused = ticket.status in policy.sla_pause
    if paused and ticket.sla_paused_since is None:
        ticket.sla_paused_since = now
    elif not paused and ticket.sla_paused_since is not None:
        stood = business_time_between(policy.calendar, ticket.sla_paused_since, now)
        ticket.sla_paused_seconds = (ticket.sla_paused_seconds or 0) + max(int(stood.total_seconds()), 0)
        ticket.sla_paused_since = None
        schedule_sla(session, config, ticket)


def follow_pause_setting(session: Session, config: Any, now: datetime) -> int:
    """When `[sla] pause_in` is not the one the clocks last followed (it was edited, or the
    database predates pauses), stops the clocks of tickets now in a pause status and
    starts again those of tickets no longer in one, from `now`: a setting counts from
    when the daemon first sees it. Returns how many tickets it changed; decided under
    the setting's row lock, so two daemons sweeping at once do it once."""
    pause = config.policy.sla_pause
    wanted = json.dumps(sorted(pause))
    if settings_row.lock_if(session, PAUSE_APPLIED, lambda applied: applied != wanted) is None:
        return 0
    out_of_step = session.scalars(select(Ticket).where(or_(
        and_(Ticket.status.in_(pause), Ticket.sla_paused_since.is_(None)),
        and_(Ticket.status.not_in(pause), Ticket.sla_paused_since.is_not(None)))).order_by(Ticket.id)).all()
    for ticket in out_of_step:
        follow_status(session, config, ticket, now)
    settings_row.write(session, PAUSE_APPLIED, wanted)
    return len(out_of_step)


def _already_done(session: Session, ticket: Ticket, kind: str) -> bool:
    if ticket.id is None:
        return False
    return session.scalar(select(Timer.id).where(Timer.ticket_id == ticket.id, Timer.kind == kind)) is not None
