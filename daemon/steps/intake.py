"""Pipeline stages that look at the message alone: parse it, drop duplicates, and keep
robots out (bounces, auto-replies, lists, our own mail never open or change a ticket)."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import select

from daemon.db.models import InboundLog
from daemon.ingest.guards import classify
from daemon.ingest.identity import content_key
from daemon.ingest.parse import parse_message
from daemon.ingest.quotes import split_reply

if TYPE_CHECKING:
    from daemon.pipeline import Work

log = logging.getLogger("soporte.ingest")


def parse(work: "Work") -> str | None:
    work.parsed = parse_message(work.raw)       # UnparseableMessage → the caller quarantines
    work.content_key = content_key(work.raw, work.parsed)
    work.reply = split_reply(work.parsed.text)
    return None


def dedupe(work: "Work") -> str | None:
    assert work.parsed is not None
    previous = work.session.scalars(select(InboundLog.content_key).where(
        InboundLog.message_id == work.parsed.message_id)).all()
    if work.content_key in previous:
        return "duplicate"
    if previous:
        log.warning("%s: Message-ID reused with different content; treating it as a new message",
                    work.parsed.message_id)
    return None


def guard(work: "Work") -> str | None:
    assert work.parsed is not None
    work.verdict = classify(work.parsed, work.rt.own)
    if work.verdict.kind == "accept":
        return None
    return f"ignored {work.verdict.kind}: {work.verdict.reason}"
