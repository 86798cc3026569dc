"""Pipeline stage: one sender may open at most `limits.new_tickets_per_hour` tickets; past
that it is a loop or a robot. Nothing is lost: the message is held in quarantine (raw
bytes kept) where `soporte quarantine retry ID` can let it through."""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, func, select

from daemon.db import prepared
from daemon.db.models import Customer, Ticket
from daemon.ingest.correlate import Open
from daemon.quarantine import hold

if TYPE_CHECKING:
    from daemon.pipeline import Work

log = logging.getLogger("soporte.ingest")


TICKETS_OPENED_SINCE = (select(func.count(Ticket.id)).join(Customer, Ticket.customer_id == Customer.id)
                        .where(Customer.email == bindparam("email"), Ticket.created_at > bindparam("since")))


def cap_new_tickets(work: "Work") -> str | None:
    if not isinstance(work.thread, Open) or work.sender_role is not None or work.bypass_limits:
        return None
    cap = work.rt.config.limits.new_tickets_per_hour
    sender = work.parsed.from_addr
    recent = prepared.value(work.session, TICKETS_OPENED_SINCE, email=sender, since=work.now - timedelta(hours=1))
    if recent < cap:
        return None
    hold(work, f"{sender} opened {recent} tickets in the last hour (limits.new_tickets_per_hour = {cap})")
    log.warning("%s: held, %s opened %d tickets in the last hour", work.parsed.message_id, sender, recent)
    return "held: new-ticket limit"
