"""Messages that could not be processed: putting one aside (row + raw bytes in the blob
store + ONE alert to the admins) and letting an admin retry it. In: raw bytes and a
reason, or a quarantine id. Out: the row, and for a retry the pipeline's outcome. A retry
runs with the new-ticket limit lifted and its own checkpoint key ("quarantine:<id>"), so
it never collides with the mailbox UID. Never touches the IMAP server."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from daemon.db.models import Quarantine
from daemon.ingest.decode import decode_header_value
from daemon.outbound.outbox import Mail
from daemon.runtime import Runtime

if TYPE_CHECKING:
    from daemon.pipeline import Work

log = logging.getLogger("soporte.ingest")
TOO_LARGE = "too large"             # reason prefix of a headers-only stub
SHOWN_HEADERS = ("from", "to", "subject", "date", "message-id")


@dataclass(frozen=True)
class Summary:
    """What a person needs to recognise a message, read leniently from its headers."""
    sender: str
    subject: str
    message_id: str
    headers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class RetryResult:
    ok: bool
    outcome: str                    # the pipeline's outcome, or why it failed again


# -- pure -------------------------------------------------------------------------------

def summarize(raw: bytes) -> Summary:
    try:
        parsed = BytesHeaderParser(policy=compat32).parsebytes(raw)
        headers = tuple((k, decode_header_value(v)) for k, v in parsed.items())
    except Exception:   # noqa: BLE001 - this message is here because it is malformed
        headers = ()
    first = {k.lower(): v for k, v in reversed(headers)}
    return Summary(sender=first.get("from", ""), subject=first.get("subject", ""),
                   message_id=first.get("message-id", "").strip(), headers=headers)


def alert_context(row: Quarantine, summary: Summary) -> dict:
    return {"quarantine": {"id": row.id, "reason": row.reason, "size": row.size, "folder": row.folder,
                           "uid": row.uid, "at": row.at.strftime("%d/%m/%Y %H:%M:%S %Z").strip(),
                           "sender": summary.sender or "(desconocido)",
                           "subject": summary.subject or "(sin asunto)",
                           "message_id": summary.message_id or "(sin Message-ID)",
                           "headers_only": row.reason.startswith(TOO_LARGE)}}


# -- I/O --------------------------------------------------------------------------------

def put_aside(rt: Runtime, session: Session, folder: str, uidvalidity: int, uid: int, raw: bytes,
              reason: str, now: datetime, size: int | None = None, alert: bool = True) -> Quarantine:
    """The row and the bytes, plus the admins' alert (not for spam: they would get one per
    spam), in the caller's transaction."""
    digest = rt.store.put(raw)
    row = Quarantine(folder=folder, uidvalidity=uidvalidity, uid=uid, raw_sha256=digest,
                     size=len(raw) if size is None else size, reason=reason[:4000], at=now, status="held")
    session.add(row)
    session.flush()
    if alert:
        alert_admins(rt, session, row, summarize(raw), now)
    return row


def hold(work: "Work", reason: str, alert: bool = True) -> None:
    """A pipeline stage holds the message it is working on (a limit, spam)."""
    src = work.source
    put_aside(work.rt, work.session, src.folder, src.uidvalidity, src.uid, work.raw, reason, work.now, alert=alert)


def alert_admins(rt: Runtime, session: Session, row: Quarantine, summary: Summary, now: datetime) -> None:
    admins = tuple(s.email for s in rt.config.staff_with_role("admin"))
    if not admins:
        log.warning("quarantine %d: no staff with role admin to alert", row.id)
        return
    rt.mailer.queue(session, None, Mail("admin_quarantine", admins, extra=alert_context(row, summary)), now)


def retry(rt: Runtime, quarantine_id: int) -> RetryResult:
    with rt.sessions() as session:
        row = session.get(Quarantine, quarantine_id)
        if row is None:
            return RetryResult(False, f"no quarantined message {quarantine_id}")
        if row.reason.startswith(TOO_LARGE):
            return RetryResult(False, "only the headers of this message were kept; ask the sender "
                                      "to send it again in smaller parts")
        raw = rt.store.get(row.raw_sha256)
    from daemon.pipeline import Source, process     # the pipeline itself holds messages here
    source = Source(f"quarantine:{quarantine_id}", 0, quarantine_id)
    try:
        outcome = process(rt, source, raw, bypass_limits=True, released=True)
    except Exception as exc:   # noqa: BLE001 - report it, keep the message held
        reason = f"retry failed: {type(exc).__name__}: {exc}"
        log.exception("quarantine %d: %s", quarantine_id, reason)
        _update(rt, quarantine_id, reason=reason)
        return RetryResult(False, reason)
    _update(rt, quarantine_id, status="released")
    return RetryResult(True, outcome)


def _update(rt: Runtime, quarantine_id: int, status: str | None = None, reason: str | None = None) -> None:
    with rt.sessions.begin() as session:
        row = session.get(Quarantine, quarantine_id)
        if status is not None:
            row.status, row.resolved_at = status, rt.clock()
        if reason is not None:
            row.reason = reason[:4000]
