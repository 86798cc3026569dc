"""Drains the outbox: claims due rows (FOR UPDATE SKIP LOCKED where the database has it,
so several senders never take the same row) and hands them to SMTP over up to
`smtp.connections` connections at once (1 by default), so that with a distant relay
the waits for its replies overlap. Each outcome is recorded in its own commit as soon
as the server has answered, so a crash re-sends at most the mails in flight: one per
connection; with the default, the one in flight.
Outages live in the rows: attempts, next_attempt_at, last_error, give_up_at; a server
unreachable for the first connection of a batch also opens (and a reachable one closes)
the SMTP outage in alerts; refusing the extra connections is no outage. A 4xx defers
its mail and stops every connection; a 5xx fails its mail only. A mail the server takes
for some recipients only is sent to those, never again; the ones it deferred get it
from a row of their own. The per-mail bookkeeping is one statement built once, run
on a plain connection: no ORM Session."""
from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, AsyncExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, bindparam, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from daemon import alerts
from daemon.db import prepared
from daemon.db.models import Outbox
from daemon.outbound.smtp import PermanentFailure, SmtpConnection, SmtpSettings, TemporaryFailure

log = logging.getLogger("soporte.outbound")
LEASE = timedelta(minutes=2)      # a batch takes seconds; a killed sender's rows wait this long
BATCH = 50
MAILS_PER_CONNECTION = 12         # fewer mails than this per connection: opening it costs more than it saves
WriteTurn = Callable[[], AbstractContextManager[object]]   # see app.WriterTurns

_outbox = Outbox.__table__
_DUE = (select(_outbox.c.id)
        .where(_outbox.c.status == "pending", _outbox.c.next_attempt_at <= bindparam("now"),
               or_(_outbox.c.locked_until.is_(None), _outbox.c.locked_until < bindparam("now")))
        .order_by(_outbox.c.id).limit(bindparam("batch_size")).with_for_update(skip_locked=True))
# built once: a mail's bookkeeping only binds new values (SKIP LOCKED stays in the subquery)
CLAIM = (update(_outbox).where(_outbox.c.id.in_(_DUE.scalar_subquery()))
         .values(locked_until=bindparam("lease_until", type_=_outbox.c.locked_until.type))
         .returning(_outbox.c.id, _outbox.c.recipients, _outbox.c.raw))
RELEASE = (update(_outbox).where(_outbox.c.id.in_(bindparam("ids", expanding=True)),
                                 _outbox.c.status == "pending")
           .values(locked_until=None))
MARK_SENT = (update(_outbox).where(_outbox.c.id == bindparam("row_id"))
             .values(status="sent", sent_at=bindparam("sent_time", type_=_outbox.c.sent_at.type),
                     locked_until=None, attempts=_outbox.c.attempts + 1, last_error=""))


@dataclass
class FlushResult:
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    error: str = ""

    def add(self, other: "FlushResult") -> None:
        """Sums flushes (a cycle may flush several times); the latest error wins."""
        self.sent += other.sent
        self.deferred += other.deferred
        self.failed += other.failed
        self.error = other.error or self.error


@dataclass(frozen=True)
class Claimed:
    """What sending needs of a claimed row, read once with the claim."""
    id: int
    recipients: list[str]
    raw: bytes


def retry_delay(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Exponential back-off with jitter: 1, 2, 4 … minutes, capped at one hour."""
    base = min(60 * 2 ** max(attempts - 1, 0), 3600)
    jitter = (rng or random).uniform(0.8, 1.2)
    return timedelta(seconds=base * jitter)


def claim(db: Connection | Session, now: datetime, limit: int = BATCH) -> list[Claimed]:
    """Leases up to `limit` due rows to this sender (one statement), oldest first."""
    rows = db.execute(CLAIM, {"now": now, "batch_size": limit, "lease_until": now + LEASE}).all()
    return sorted((Claimed(row.id, list(row.recipients), row.raw) for row in rows), key=lambda c: c.id)


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


@dataclass
class Sending:
    """What every step of one flush needs, and what it has done so far."""
    sessions: sessionmaker[Session]
    settings: SmtpSettings
    sender: str
    clock: Callable[[], datetime]
    write_turn: WriteTurn
    result: FlushResult
    connection: Connection | None = None

    @property
    def engine(self) -> Engine:
        return self.sessions.kw["bind"]

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A transaction of its own, begun on this sender's turn, on the one plain
        connection of this flush: checking a connection out of the pool (and pinging
        it) for each mail cost more than recording the mail as sent. Never awaited
        inside, so concurrent SMTP connections cannot interleave two transactions."""
        with self.write_turn():
            if self.connection is None:
                self.connection = self.engine.connect()
            with self.connection.begin():
                yield self.connection

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """The same with the ORM, for the rare paths (failures, outages)."""
        with self.write_turn(), self.sessions.begin() as session:
            yield session


@dataclass
class Batch:
    """Claimed rows not handed to a connection yet, and why sending stopped, if it did."""
    waiting: deque[Claimed]
    stopped_by: TemporaryFailure | None = None


async def flush(sessions: sessionmaker[Session], settings: SmtpSettings, sender: str,
                clock: Callable[[], datetime], max_batches: int | None = None,
                write_turn: WriteTurn = nullcontext) -> FlushResult:
    """Send everything due now; stops early when the server is unreachable or defers a mail.
    Every transaction begins inside `write_turn()`: the sender's turn at the database."""
    sending = Sending(sessions, settings, sender, clock, write_turn, FlushResult())
    batches = 0
    try:
        while max_batches is None or batches < max_batches:
            batches += 1
            with sending.transaction() as conn:
                batch = claim(conn, clock())
            if not batch or not await _send_batch(sending, batch):
                break
            if len(batch) < BATCH:
                break      # all that was due is sent: skip a claim that would find nothing
    finally:
        sending.close()
    return sending.result


async def _send_batch(sending: Sending, claimed: list[Claimed]) -> bool:
    """One connection first (failing to open it is an outage), then up to smtp.connections
    taking mails from the same queue; False if sending stopped before the end."""
    batch = Batch(deque(claimed))
    try:
        return await _send_claimed(sending, batch)
    except Exception:
        _release_unsent(sending, batch)
        raise


async def _send_claimed(sending: Sending, batch: Batch) -> bool:
    async with AsyncExitStack() as stack:
        try:
            first = await stack.enter_async_context(SmtpConnection(sending.settings))
        except TemporaryFailure as exc:
            # an unreachable server is an outage; a 4xx on one message is only a retry
            _stop_batch(sending, batch, exc)
            _note_outage(sending, str(exc))
            return False
        _note_outage(sending, None)
        extra = connections_for(len(batch.waiting), sending.settings.connections) - 1
        await _together(_send_queued(sending, first, batch),
                        *(_send_on_extra_connection(sending, batch) for _ in range(extra)))
    if batch.stopped_by is not None:
        _stop_batch(sending, batch, batch.stopped_by)
        return False
    return True


def connections_for(mails: int, most: int) -> int:
    """A small batch (what trickles in while the mailbox is drained) goes over one."""
    return max(1, min(most, -(-mails // MAILS_PER_CONNECTION)))


async def _together(*coroutines) -> None:
    """Runs them concurrently; an unexpected error (the database's, say) cancels the
    others and is raised as itself, not wrapped in an ExceptionGroup."""
    try:
        async with asyncio.TaskGroup() as group:
            for coroutine in coroutines:
                group.create_task(coroutine)
    except BaseExceptionGroup as errors:
        raise errors.exceptions[0] from None


async def _send_on_extra_connection(sending: Sending, batch: Batch) -> None:
    """Extra connections only save time: one the server refuses leaves the work to the others."""
    try:
        async with SmtpConnection(sending.settings, connect_attempts=1) as smtp:
            await _send_queued(sending, smtp, batch)
    except TemporaryFailure as exc:      # only connecting gets here: sending records its failures
        log.info("sending over fewer SMTP connections: %s", exc)


async def _send_queued(sending: Sending, smtp: SmtpConnection, batch: Batch) -> None:
    while batch.waiting and batch.stopped_by is None:
        item = batch.waiting.popleft()
        try:
            await _send_one(sending, smtp, item)
        except TemporaryFailure as exc:
            batch.stopped_by = exc       # the server is not taking mail now: every connection stops


def _release_unsent(sending: Sending, batch: Batch) -> None:
    """Something unexpected (the database, say) ended the batch: the mails not handed to
    SMTP yet are due again at once rather than at the end of their lease. Best effort:
    what failed may fail this too, and then the lease runs out as before."""
    ids = [item.id for item in batch.waiting]
    if not ids:
        return
    try:
        with sending.transaction() as conn:
            prepared.changed(conn, RELEASE, ids=ids)
    except Exception:   # noqa: BLE001 - the caller raises the first error
        log.warning("could not release %d unsent outbox rows; due again in %s", len(ids), LEASE, exc_info=True)


def _stop_batch(sending: Sending, batch: Batch, exc: TemporaryFailure) -> None:
    sending.result.error = str(exc)
    if batch.waiting:
        _defer_unsent(sending, [item.id for item in batch.waiting], exc)
        batch.waiting.clear()


def _note_outage(sending: Sending, error: str | None) -> None:
    with sending.session() as session:
        if error is None:
            alerts.record_success(session, "smtp", sending.clock())
        else:
            alerts.record_failure(session, "smtp", sending.clock(), error)


async def _send_one(sending: Sending, smtp: SmtpConnection, item: Claimed) -> None:
    try:
        refused = await smtp.send(sending.sender, item.recipients, item.raw)
    except PermanentFailure as exc:
        _record(sending, item.id, exc)
        return
    except TemporaryFailure as exc:
        _record(sending, item.id, exc)
        raise            # the connection is suspect: stop this batch
    if refused:
        _record_partly_refused(sending, item, refused)
        return
    with sending.transaction() as conn:
        # its own commit: a crash now re-sends at most the mails in flight
        prepared.changed(conn, MARK_SENT, row_id=item.id, sent_time=sending.clock())
    sending.result.sent += 1


def _record(sending: Sending, row_id: int, exc: Exception) -> None:
    with sending.session() as session:
        row = session.get(Outbox, row_id)
        outcome = record_failure(row, exc, sending.clock())
        log.warning("outbox %d (%s) %s: %s", row.id, row.subject, outcome, exc)
    if outcome == "failed":
        sending.result.failed += 1
    else:
        sending.result.deferred += 1


def _record_partly_refused(sending: Sending, item: Claimed, refused: dict[str, tuple[int, str]]) -> None:
    """The others have the mail and must never get it twice: the row is sent, to them.
    A recipient deferred (a full mailbox) gets it from a row of its own, retried like
    any deferred mail; one refused for good is noted on the sent row."""
    now = sending.clock()
    replies = {address: f"{address}: {code} {text}" for address, (code, text) in refused.items()}
    deferred = [address for address, (code, _) in refused.items() if code < 500]
    accepted = [address for address in item.recipients if address not in refused]
    with sending.session() as session:
        row = session.get(Outbox, item.id)
        if deferred:
            retry = Outbox(ticket_id=row.ticket_id, message_id=row.message_id, event=row.event,
                           audience=row.audience, recipients=deferred, first_recipient=deferred[0],
                           subject=row.subject, raw=row.raw, automatic=row.automatic, status="pending",
                           attempts=row.attempts, created_at=row.created_at, next_attempt_at=now,
                           give_up_at=row.give_up_at)
            error = "recipients deferred: " + "; ".join(replies[address] for address in deferred)
            record_failure(retry, TemporaryFailure(error), now)
            session.add(retry)
        row.status, row.sent_at, row.locked_until, row.attempts = "sent", now, None, row.attempts + 1
        row.recipients, row.first_recipient = accepted, accepted[0]
        row.last_error = ("refused: " + "; ".join(replies.values()))[:2000]
    log.warning("outbox %d sent to %s; refused: %s", item.id, ", ".join(accepted), "; ".join(replies.values()))
    sending.result.sent += 1
    sending.result.deferred += bool(deferred)


def _defer_unsent(sending: Sending, ids: list[int], exc: Exception) -> None:
    with sending.session() as session:
        for row in session.scalars(select(Outbox).where(Outbox.id.in_(ids), Outbox.status == "pending",
                                                        Outbox.locked_until.is_not(None))):
            record_failure(row, exc, sending.clock())
