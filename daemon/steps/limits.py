"""Pipeline stage: one sender may open at most `limits.new_tickets_per_hour` tickets; past
that it is a loop or a robot. Nothing is lost: the message is held in quarantine (raw
bytes kept) where `soporte quarantine retry ID` can let it through."""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from daemon.db.models import Customer, Quarantine, Ticket
from daemon.ingest.correlate import Open

if TYPE_CHECKING:
    from daemon.pipeline import Work

log = logging.getLogger("soporte.ingest")


def cap_new_tickets(work: "Work") -> str | None:
    if not isinstance(work.thread, Open) or work.sender_role is not None or work.bypass_limits:
        return None
    cap = work.rt.config.limits.new_tickets_per_hour
    sender = work.parsed.from_addr
    recent = work.session.scalar(
        select(func.count(Ticket.id)).join(Customer, Ticket.customer_id == Customer.id)
        .where(Customer.email == sender, Ticket.created_at > work.now - timedelta(hours=1)))
    if recent < cap:
        return None
    digest = work.rt.store.put(work.raw, work.parsed.raw_sha256)
    src = work.source
    work.session.add(Quarantine(folder=src.folder, uidvalidity=src.uidvalidity, uid=src.uid,
                                raw_sha256=digest, size=len(work.raw), at=work.now, status="held",
                                reason=f"{sender} opened {recent} tickets in the last hour "
                                       f"(limits.new_tickets_per_hour = {cap})"))
    log.warning("%s: held, %s opened %d tickets in the last hour", work.parsed.message_id, sender, recent)
    return "held: new-ticket limit"
