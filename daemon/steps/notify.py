"""Pipeline stage: queues the mail an inbound message calls for (the acknowledgement of a
new ticket, the reopened notice, the assignee's heads-up) in the same transaction."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from daemon.ingest.guards import asks_for_no_auto_reply
from daemon.outbound.faq import matching_faq
from daemon.outbound.outbox import Mail
from daemon.steps.passing_on import message_notice

if TYPE_CHECKING:
    from daemon.pipeline import Work

log = logging.getLogger("soporte.ingest")


def notify(work: "Work") -> str | None:
    ticket, config = work.ticket, work.rt.config
    assert ticket is not None and work.parsed is not None
    customer = ticket.customer
    language = customer.language or config.support.language
    if work.rating is not None:
        work.mails.append(Mail("customer_rating_thanks", (customer.email,), language=language,
                               extra={"rating": work.rating}))
    elif work.created and (work.on_behalf or (work.sender_role is None and not _quiet(work))):
        text = f"{work.parsed.subject}\n{work.reply.visible if work.reply else ''}"
        work.mails.append(Mail("customer_created", (customer.email,), language=language,
                               extra={"faq": matching_faq(config.faq, text)}))
    elif work.reopened and not _quiet(work):
        work.mails.append(Mail("customer_reopened", (customer.email,), language=language))
    if not work.created and work.sender_role is None and work.rating is None and ticket.assignee:
        work.mails.append(message_notice(work, "staff_customer_message", (ticket.assignee,)))
    for mail in work.mails:
        work.rt.mailer.queue(work.session, ticket, mail, work.now)
    return None


def _quiet(work: "Work") -> bool:
    assert work.ticket is not None and work.parsed is not None
    why = asks_for_no_auto_reply(work.parsed)
    if why:
        log.info("%s: no acknowledgement, the mail asks for none (%s)", work.ticket.token, why)
    return why is not None
