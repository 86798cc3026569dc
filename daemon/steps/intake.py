"""Pipeline stages that look at the message alone: parse it, drop duplicates, and keep
robots out (bounces, auto-replies, lists, our own mail never open or change a ticket;
a bounce of our mail only leaves an internal note, see steps/bounces.py). Mail a spam
filter upstream marked as spam is held in quarantine, unanswered: an answer to spam is
backscatter, and a real customer's message marked by mistake can still be released."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select

from daemon.db import prepared
from daemon.db.models import InboundLog
from daemon.ingest.guards import classify
from daemon.ingest.on_behalf import on_behalf_of
from daemon.ingest.reading import read_message
from daemon.quarantine import hold
from daemon.steps.bounces import attach_bounce

if TYPE_CHECKING:
    from daemon.pipeline import Work

log = logging.getLogger("soporte.ingest")


def parse(work: "Work") -> str | None:
    """Read ahead by a worker process when the caller had it done, here otherwise."""
    reading = work.reading or read_message(work.raw)    # UnparseableMessage → the caller quarantines
    work.parsed, work.content_key, work.reply = reading.parsed, reading.content_key, reading.reply
    work.safe_html = reading.safe_html
    return None


# a message held by a limit was not handled: its release must not count as a duplicate
CONTENT_KEYS_SEEN = select(InboundLog.content_key).where(
    InboundLog.message_id == bindparam("message_id"), InboundLog.outcome.not_like("held%"))


def dedupe(work: "Work") -> str | None:
    assert work.parsed is not None
    previous = prepared.values(work.session, CONTENT_KEYS_SEEN, message_id=work.parsed.message_id)
    if work.content_key in previous:
        return "duplicate"
    if previous:
        log.warning("%s: Message-ID reused with different content; treating it as a new message",
                    work.parsed.message_id)
    return None


def guard(work: "Work") -> str | None:
    """Robots stop here: no ticket, no acknowledgement, no change of state. A bounce of
    our own mail is noted on its ticket first."""
    assert work.parsed is not None
    work.parsed = on_behalf_of(work.parsed, work.rt.own.support_address, work.rt.config.staff_by_email)
    spam_marks = work.rt.config.limits.hold_spam and not work.released
    verdict = work.verdict = classify(work.parsed, work.rt.own, spam_marks)
    if verdict.kind == "accept":
        return None
    log.info("%s: %s (%s)", work.parsed.message_id, verdict.kind, verdict.reason)
    if verdict.kind == "bounce" and verdict.bounce is not None:
        return attach_bounce(work, verdict.bounce)
    if verdict.kind == "spam":
        return hold_spam(work, verdict.reason)
    # the checkpoint column is short: the reason goes to the log, the kind to the row
    return f"ignored {verdict.kind}"


def hold_spam(work: "Work", mark: str) -> str:
    """No alert to the admins: spam comes in numbers; `soporte quarantine list` shows it."""
    hold(work, f"marked as spam before it reached us ({mark})", alert=False)
    return "held: spam"
