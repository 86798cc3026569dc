"""Empties the mailbox folder through the pipeline: sizes checked before downloading,
one transaction per message, the message put away on the server only after its commit.
A message that fails is quarantined (row + raw bytes + admin alert, then the IMAP folder)
and the rest go on; one too large keeps only its headers and its sender is told."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from daemon import alerts
from daemon.db import prepared
from daemon.db.models import InboundLog
from daemon.ingest.guards import classify
from daemon.ingest.mailbox import Mailbox
from daemon.ingest.parse import UnparseableMessage, parse_message
from daemon.ingest.put_away import PutAway
from daemon.ingest.reading import Reading
from daemon.outbound.context import human_size
from daemon.outbound.outbox import Mail
from daemon.pipeline import Source, process
from daemon.quarantine import TOO_LARGE, put_aside
from daemon.read_ahead import ReadAhead
from daemon.runtime import Runtime
from daemon.steps.checkpoint import HANDLED

log = logging.getLogger("soporte.ingest")


@dataclass
class DrainResult:
    outcomes: dict[str, int] = field(default_factory=dict)
    quarantined: int = 0

    def count(self, outcome: str) -> None:
        key = outcome.split(":")[0]
        self.outcomes[key] = self.outcomes.get(key, 0) + 1

    @property
    def handled(self) -> int:
        return sum(self.outcomes.values())


def drain(rt: Runtime, mailbox: Mailbox, should_stop: Callable[[], bool] = lambda: False,
          on_committed: Callable[[], None] = lambda: None) -> DrainResult:
    folder = rt.config.mailbox.folder
    result = DrainResult()
    # connected: any IMAP outage is over; and a confirmed outage of either side is alerted
    alerts.imap_ok(rt)
    alerts.queue_due(rt)
    waiting = mailbox.waiting(last_uid(rt, folder, mailbox.uidvalidity))
    limit = rt.config.mailbox.max_message_bytes
    oversized = [w for w in waiting if w.size > limit]
    ready = [w for w in waiting if w.size <= limit]
    with ReadAhead(mailbox, ready) as reader, PutAway(mailbox) as put_away:
        for uid, raw, reading in reader.messages():
            source = Source(folder, mailbox.uidvalidity, uid)
            if held_aside(handle(rt, source, raw, result, reading)):
                put_away.quarantined(uid)
            else:
                put_away.done(uid)
            on_committed()
            if should_stop():
                break
    for item in oversized:
        if should_stop():
            break
        handle_oversized(rt, mailbox, Source(folder, mailbox.uidvalidity, item.uid), item.size, result)
        on_committed()
    return result


def held_aside(outcome: str) -> bool:
    """Quarantined for a failure, or held by a limit or as spam: either way it has a
    quarantine row, and the message goes to the quarantine folder beside it."""
    return outcome == "quarantined" or outcome.startswith("held:")


def handle(rt: Runtime, source: Source, raw: bytes, result: DrainResult, reading: Reading | None = None) -> str:
    try:
        outcome = process(rt, source, raw, reading=reading)
    except Exception as exc:   # noqa: BLE001 - one bad message must never stop the others
        log.exception("uid %d in %s cannot be processed; quarantined", source.uid, source.folder)
        quarantine(rt, source, raw, f"{type(exc).__name__}: {exc}")
        result.quarantined += 1
        return "quarantined"
    result.count(outcome)
    return outcome


def handle_oversized(rt: Runtime, mailbox: Mailbox, source: Source, size: int, result: DrainResult) -> None:
    """Only the headers are downloaded and kept; the sender is told, unless a robot."""
    headers = mailbox.fetch_headers(source.uid)
    limit = rt.config.mailbox.max_message_bytes
    reason = (f"{TOO_LARGE}: {size} bytes, over mailbox.max_message_bytes ({limit}); "
              "only its headers were kept")
    quarantine(rt, source, headers, reason, size=size,
               also=lambda session, now: tell_sender_too_large(rt, session, headers, size, now))
    mailbox.quarantine([source.uid])
    result.quarantined += 1


def tell_sender_too_large(rt: Runtime, session: Session, headers: bytes, size: int, now: datetime) -> None:
    try:
        parsed = parse_message(headers)
    except UnparseableMessage:
        return
    verdict = classify(parsed, rt.own)
    if not verdict.accepted or not parsed.from_addr:
        log.info("%s: too large, sender not told (%s)", parsed.message_id, verdict.reason)
        return
    limit = rt.config.mailbox.max_message_bytes
    extra = {"original": {"subject": parsed.subject or "(sin asunto)", "size": human_size(size),
                          "limit": human_size(limit)}}
    rt.mailer.queue(session, None, Mail("customer_message_too_large", (parsed.from_addr,), extra=extra,
                                        language=rt.config.support.language), now)


def quarantine(rt: Runtime, source: Source, raw: bytes, reason: str, size: int | None = None,
               also: Callable[[Session, datetime], None] = lambda session, now: None) -> None:
    """Row, bytes, admin alert and checkpoint in one transaction: a crash before the IMAP
    move finds the checkpoint next time and neither alerts nor tells anyone twice."""
    now = rt.clock()
    with rt.sessions.begin() as session:
        already = prepared.value(session, HANDLED, folder=source.folder, uidvalidity=source.uidvalidity,
                                 uid=source.uid)
        if already is not None:
            return
        row = put_aside(rt, session, source.folder, source.uidvalidity, source.uid, raw, reason, now, size)
        also(session, now)
        session.add(InboundLog(folder=source.folder, uidvalidity=source.uidvalidity, uid=source.uid,
                               message_id="", content_key=row.raw_sha256, outcome="quarantined", at=now))


def last_uid(rt: Runtime, folder: str, uidvalidity: int) -> int:
    with rt.sessions() as session:
        value = session.scalar(select(func.max(InboundLog.uid)).where(
            InboundLog.folder == folder, InboundLog.uidvalidity == uidvalidity))
    return int(value or 0)
