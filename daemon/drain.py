"""Empties the mailbox folder through the pipeline: sizes checked before downloading,
one transaction per message, the message put away on the server only after its commit.
A message that fails is quarantined (row + raw bytes + IMAP folder) and the rest go on."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import func, select

from daemon.db.models import InboundLog, Quarantine
from daemon.ingest.mailbox import Mailbox
from daemon.pipeline import Source, process
from daemon.runtime import Runtime

log = logging.getLogger("soporte.ingest")
PUT_AWAY_BATCH = 25


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
    waiting = mailbox.waiting(last_uid(rt, folder, mailbox.uidvalidity))
    limit = rt.config.mailbox.max_message_bytes
    oversized = [w.uid for w in waiting if w.size > limit]
    done: list[int] = []
    for uid, raw in mailbox.fetch([w.uid for w in waiting if w.size <= limit]):
        source = Source(folder, mailbox.uidvalidity, uid)
        if handle(rt, source, raw, result) == "quarantined":
            mailbox.quarantine([uid])
        else:
            done.append(uid)
        on_committed()
        if len(done) >= PUT_AWAY_BATCH:
            mailbox.mark_done(done)
            done = []
        if should_stop():
            break
    mailbox.mark_done(done)
    for uid in oversized:
        if should_stop():
            break
        handle_oversized(rt, mailbox, Source(folder, mailbox.uidvalidity, uid), result)
    return result


def handle(rt: Runtime, source: Source, raw: bytes, result: DrainResult) -> str:
    try:
        outcome = process(rt, source, raw)
    except Exception as exc:   # noqa: BLE001 - one bad message must never stop the others
        log.exception("uid %d in %s cannot be processed; quarantined", source.uid, source.folder)
        quarantine(rt, source, raw, f"{type(exc).__name__}: {exc}")
        result.quarantined += 1
        return "quarantined"
    result.count(outcome)
    return outcome


def handle_oversized(rt: Runtime, mailbox: Mailbox, source: Source, result: DrainResult) -> None:
    headers = mailbox.fetch_headers(source.uid)
    limit = rt.config.mailbox.max_message_bytes
    quarantine(rt, source, headers, f"message larger than mailbox.max_message_bytes ({limit} bytes); "
                                    "only its headers were kept")
    mailbox.quarantine([source.uid])
    result.quarantined += 1


def quarantine(rt: Runtime, source: Source, raw: bytes, reason: str) -> None:
    digest = rt.store.put(raw)
    now = rt.clock()
    with rt.sessions.begin() as session:
        already = session.scalar(select(InboundLog.id).where(
            InboundLog.folder == source.folder, InboundLog.uidvalidity == source.uidvalidity,
            InboundLog.uid == source.uid))
        if already is not None:
            return
        session.add(Quarantine(folder=source.folder, uidvalidity=source.uidvalidity, uid=source.uid,
                               raw_sha256=digest, size=len(raw), reason=reason[:4000], at=now,
                               status="held"))
        session.add(InboundLog(folder=source.folder, uidvalidity=source.uidvalidity, uid=source.uid,
                               message_id="", content_key=digest, outcome="quarantined", at=now))


def last_uid(rt: Runtime, folder: str, uidvalidity: int) -> int:
    with rt.sessions() as session:
        value = session.scalar(select(func.max(InboundLog.uid)).where(
            InboundLog.folder == folder, InboundLog.uidvalidity == uidvalidity))
    return int(value or 0)
