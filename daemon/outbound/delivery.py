"""Drains the outbox: claims due rows (FOR UPDATE SKIP LOCKED where the database has it,
so several senders never take the same row), hands them to SMTP, and records each
outcome in its own commit, so a crash re-sends at most the one message in flight.
Outages live in the rows: attempts, next_attempt_at, last_error, give_up_at; an
unreachable server also opens (and a reachable one closes) the SMTP outage in alerts."""
from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from daemon import alerts
from daemon.db.models import Outbox
from daemon.outbound.smtp import PermanentFailure, SmtpConnection, SmtpSettings, TemporaryFailure

log = logging.getLogger("soporte.outbound")
LEASE = timedelta(minutes=2)      # a batch takes seconds; a killed sender's rows wait this long
BATCH = 50


@dataclass
class FlushResult:
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    error: str = ""


def retry_delay(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Exponential back-off with jitter: 1, 2, 4 … minutes, capped at one hour."""
    base = min(60 * 2 ** max(attempts - 1, 0), 3600)
    jitter = (rng or random).uniform(0.8, 1.2)
    return timedelta(seconds=base * jitter)


def claim(session: Session, now: datetime, limit: int = BATCH) -> list[Outbox]:
    rows = session.scalars(
        select(Outbox).where(Outbox.status == "pending", Outbox.next_attempt_at <= now,
                             or_(Outbox.locked_until.is_(None), Outbox.locked_until < now))
        .order_by(Outbox.id).limit(limit).with_for_update(skip_locked=True)).all()
    for row in rows:
        row.locked_until = now + LEASE
    return list(rows)


def requeue(row: Outbox, now: datetime, retry_for: timedelta) -> None:
    """An admin's `outbox retry`: due at once, with a fresh give-up deadline."""
    row.status, row.next_attempt_at, row.locked_until = "pending", now, None
    row.give_up_at = now + retry_for


def record_failure(row: Outbox, error: Exception, now: datetime) -> str:
    row.attempts += 1
    row.last_error = str(error)[:2000]
    row.locked_until = None
    if isinstance(error, PermanentFailure) or now >= row.give_up_at:
        row.status = "failed"
        return "failed"
    row.next_attempt_at = now + retry_delay(row.attempts)
    return "deferred"


async def flush(sessions: sessionmaker[Session], settings: SmtpSettings, sender: str,
                clock: Callable[[], datetime], max_batches: int | None = None) -> FlushResult:
    """Send everything due now; stops early when the server is unreachable."""
    result = FlushResult()
    batches = 0
    while max_batches is None or batches < max_batches:
        batches += 1
        with sessions.begin() as session:
            batch = [Claimed(row.id, list(row.recipients), row.raw) for row in claim(session, clock())]
        if not batch:
            break
        if not await _send_batch(sessions, settings, sender, batch, clock, result):
            break
    return result


@dataclass(frozen=True)
class Claimed:
    """What sending needs of a claimed row, read once with the claim."""
    id: int
    recipients: list[str]
    raw: bytes


async def _send_batch(sessions, settings, sender, batch: list[Claimed], clock, result: FlushResult) -> bool:
    ids = [item.id for item in batch]
    connected = False
    try:
        async with SmtpConnection(settings) as smtp:
            connected = True
            _note_outage(sessions, clock(), None)
            for item in batch:
                await _send_one(sessions, smtp, sender, item, clock, result)
    except TemporaryFailure as exc:
        result.error = str(exc)
        _defer_unsent(sessions, ids, exc, clock())
        if not connected:
            # an unreachable server is an outage; a 4xx on one message is only a retry
            _note_outage(sessions, clock(), str(exc))
        return False
    return True


def _note_outage(sessions, now: datetime, error: str | None) -> None:
    with sessions.begin() as session:
        if error is None:
            alerts.record_success(session, "smtp", now)
        else:
            alerts.record_failure(session, "smtp", now, error)


async def _send_one(sessions, smtp: SmtpConnection, sender: str, item: Claimed, clock, result) -> None:
    try:
        await smtp.send(sender, item.recipients, item.raw)
    except PermanentFailure as exc:
        _record(sessions, item.id, exc, clock(), result)
        return
    except TemporaryFailure as exc:
        _record(sessions, item.id, exc, clock(), result)
        raise            # the connection is suspect: stop this batch
    with sessions.begin() as session:
        # one UPDATE, its own commit: a crash now re-sends at most this message
        session.execute(update(Outbox).where(Outbox.id == item.id).values(
            status="sent", sent_at=clock(), locked_until=None, attempts=Outbox.attempts + 1, last_error=""))
    result.sent += 1


def _record(sessions, row_id: int, exc: Exception, now: datetime, result: FlushResult) -> None:
    with sessions.begin() as session:
        row = session.get(Outbox, row_id)
        outcome = record_failure(row, exc, now)
        log.warning("outbox %d (%s) %s: %s", row.id, row.subject, outcome, exc)
    if outcome == "failed":
        result.failed += 1
    else:
        result.deferred += 1


def _defer_unsent(sessions, ids: list[int], exc: Exception, now: datetime) -> None:
    with sessions.begin() as session:
        for row in session.scalars(select(Outbox).where(Outbox.id.in_(ids), Outbox.status == "pending",
                                                        Outbox.locked_until.is_not(None))):
            record_failure(row, exc, now)
