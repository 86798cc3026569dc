"""One inbound message, one transaction. The stages below run in order over a Work
record; a stage returns None to go on, or an outcome string to stop early (a
duplicate, an auto-reply: expected outcomes, not errors). The checkpoint row is written
in the same transaction, so a crash at any instant either keeps all of it or none.
The caller flags or moves the message on the server only after this commits."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from sqlalchemy.orm import Session

from daemon.commands.apply import Applied
from daemon.commands.parse import CommandBlock, CommandError
from daemon.db import prepared
from daemon.db.models import InboundLog, Ticket
from daemon.ingest.correlate import Join, Open
from daemon.ingest.guards import Verdict
from daemon.ingest.message import ParsedMessage
from daemon.ingest.quotes import Reply
from daemon.ingest.reading import Reading
from daemon.outbound.outbox import Mail
from daemon.runtime import Runtime
from daemon.steps import checkpoint, intake, limits, notify, persist, routing, staff, threading, warranty
from daemon.steps.passing_on import PassedOn

log = logging.getLogger("soporte.ingest")


@dataclass(frozen=True)
class Source:
    """Where the bytes came from: the mailbox checkpoint key."""
    folder: str
    uidvalidity: int
    uid: int


@dataclass
class Work:
    rt: Runtime
    session: Session
    now: datetime
    source: Source
    raw: bytes
    reading: Reading | None = None          # done ahead by a worker process, or None
    parsed: ParsedMessage | None = None
    content_key: str = ""
    safe_html: str = ""
    verdict: Verdict | None = None
    reply: Reply | None = None
    sender_role: str | None = None          # staff role of the sender, None for customers
    thread: Join | Open | None = None
    ticket: Ticket | None = None
    message_row: int | None = None          # id of the inbound message's row
    created: bool = False
    reopened: bool = False
    internal: bool = False
    mails: list[Mail] = field(default_factory=list)
    rating: int | None = None               # a lone 1-5 digit answering the closing mail
    staff_warning: str = ""                 # why a staff member's commands were ignored
    command_block: CommandBlock | None = None
    command_errors: list[CommandError] = field(default_factory=list)
    on_behalf: str | None = None            # #cliente EMAIL on a new ticket
    applied: Applied | None = None
    outcome: str = ""
    bypass_limits: bool = False             # an admin's import or release: no per-sender cap
    released: bool = False                  # an admin released it from quarantine: not held again
    passed_on: PassedOn | None = None       # the files mail caused by this message carries, once read


Stage = Callable[[Work], str | None]

STAGES: tuple[tuple[str, Stage], ...] = (
    ("checkpoint", checkpoint.skip_if_handled),   # this (folder, UIDVALIDITY, UID) is done already
    ("parse", intake.parse),                      # bytes -> ParsedMessage (undecodable: quarantine)
    ("dedupe", intake.dedupe),                    # same Message-ID and same content: done already
    ("guard", intake.guard),                      # bounces, auto-replies, lists, our own mail
    ("correlate", threading.correlate),           # join a ticket by token / references, or open one
    ("commands", staff.read_commands),            # staff: parse and check #commands (nothing applied yet)
    ("limit", limits.cap_new_tickets),            # a sender opening too many tickets is held
    ("persist", persist.persist),                 # customer, ticket, message, attachments, events
    ("apply", staff.apply_commands),              # staff: all commands or none, then relay the reply
    ("rules", routing.route),                     # [[rules]] on creation / on every customer message
    ("warranty", warranty.check_documents),       # proof-of-purchase rule (seed 004)
    ("notify", notify.notify),                    # outbox rows: acknowledgement, notices
)


def process(rt: Runtime, source: Source, raw: bytes, now: datetime | None = None,
            bypass_limits: bool = False, reading: Reading | None = None, released: bool = False) -> str:
    """Run every stage for one message inside one transaction; returns the outcome."""
    now = now or rt.clock()
    with rt.sessions.begin() as session:
        work = Work(rt=rt, session=session, now=now, source=source, raw=raw, reading=reading,
                    bypass_limits=bypass_limits, released=released)
        with session.no_autoflush:      # stages flush where they need ids or their own rows
            for name, stage in STAGES:
                stopped = stage(work)
                if stopped:
                    work.outcome = stopped
                    break
        if work.outcome != "already handled":
            record(work)
    log.info("%s uid %d: %s%s", work.parsed.message_id if work.parsed else "-", source.uid,
             work.outcome, f" ({work.ticket.token})" if work.ticket is not None else "")
    return work.outcome


def record(work: Work) -> None:
    """The checkpoint: what happened to this UID, in the same transaction as the rest."""
    prepared.add_row(
        work.session, InboundLog, folder=work.source.folder, uidvalidity=work.source.uidvalidity,
        uid=work.source.uid, message_id=work.parsed.message_id if work.parsed else "",
        content_key=work.content_key, outcome=work.outcome or "done",
        ticket_id=prepared.row_id(work.session, work.ticket), at=work.now)
