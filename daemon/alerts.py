"""Outage alerts: repeated IMAP or SMTP failures tell the admins ONCE per outage.
In: failures and successes of a channel ("imap", "smtp") at an instant. Out: the outage
state in the KeyValue table (a restart neither forgets nor repeats it), one admin_outage
mail queued in the outbox once an outage is confirmed, one log line when it starts and
one when it ends. An SMTP alert waits in the outbox and leaves when the server is back.
The transitions are pure; only the functions at the bottom touch the database."""
from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from daemon.db import settings_row
from daemon.outbound.outbox import Mail

if TYPE_CHECKING:
    from daemon.runtime import Runtime

log = logging.getLogger("soporte.alerts")
CHANNELS = ("imap", "smtp")
# A blip (a server restart, one refused connection) is not an outage: it takes a
# second failure at least this long after the first.
ALERT_AFTER = timedelta(minutes=5)
MIN_FAILURES = 2


@dataclass(frozen=True)
class Outage:
    since: datetime                 # first failure of this outage
    last_failure: datetime
    failures: int
    last_error: str
    alerted: bool = False


# -- pure -------------------------------------------------------------------------------

def failed(state: Outage | None, now: datetime, error: str) -> Outage:
    if state is None:
        return Outage(since=now, last_failure=now, failures=1, last_error=error[:500])
    return replace(state, last_failure=now, failures=state.failures + 1, last_error=error[:500])


def needs_alert(state: Outage | None, now: datetime) -> bool:
    return (state is not None and not state.alerted and state.failures >= MIN_FAILURES
            and now - state.since >= ALERT_AFTER)


def encode(state: Outage) -> str:
    data = asdict(state)
    data["since"], data["last_failure"] = state.since.isoformat(), state.last_failure.isoformat()
    return json.dumps(data, sort_keys=True)


def decode(text: str) -> Outage | None:
    if not text:
        return None             # the row stays when an outage ends, emptied
    try:
        data = json.loads(text)
        data["since"] = datetime.fromisoformat(data["since"])
        data["last_failure"] = datetime.fromisoformat(data["last_failure"])
        return Outage(**data)
    except (ValueError, KeyError, TypeError):
        return None             # unreadable state: start afresh rather than never alerting


# -- state in the database ----------------------------------------------------------------
# The sender, the ingest thread, the sweep (and several daemons on one PostgreSQL) may
# change one channel's row at once: see settings_row. An empty value is "no outage".

def key(channel: str) -> str:
    return f"outage.{channel}"


def load(session: Session, channel: str) -> Outage | None:
    """The channel's state as last committed (not locked: for reading only)."""
    return decode(settings_row.peek(session, key(channel)))


def save(session: Session, channel: str, state: Outage | None) -> None:
    _lock(session, channel)
    _write(session, channel, state)


def _lock(session: Session, channel: str) -> Outage | None:
    return decode(settings_row.lock(session, key(channel)))


def _write(session: Session, channel: str, state: Outage | None) -> None:
    settings_row.write(session, key(channel), encode(state) if state is not None else settings_row.EMPTY)


def record_failure(session: Session, channel: str, now: datetime, error: str) -> Outage:
    before = _lock(session, channel)
    state = failed(before, now, error)
    _write(session, channel, state)
    if before is None:
        log.error("%s unavailable, will keep retrying: %s", channel.upper(), error)
    return state


def record_success(session: Session, channel: str, now: datetime) -> Outage | None:
    """Ends an outage (logged once); returns the outage that ended, if any. Nearly every
    call finds none, and then locks nothing (a failure committed meanwhile simply comes
    after this success)."""
    value = settings_row.lock_if(session, key(channel), lambda stored: decode(stored) is not None)
    if value is None:
        return None
    before = decode(value)
    _write(session, channel, None)
    log.warning("%s reachable again after an outage from %s (%d failed attempts)",
                channel.upper(), before.since.isoformat(), before.failures)
    return before


def queue_due(rt: "Runtime", now: datetime | None = None) -> int:
    """Queues the alert of every confirmed outage not alerted yet; returns how many.
    Decided under the row's lock, so two daemons never both alert one outage."""
    now = now or rt.clock()
    queued = 0
    with rt.sessions.begin() as session:
        for channel in CHANNELS:        # always in this order: two sweeps never deadlock
            value = settings_row.lock_if(session, key(channel), lambda stored: needs_alert(decode(stored), now))
            if value is None:
                continue
            state = decode(value)
            queue_alert(rt, session, channel, state, now)
            _write(session, channel, replace(state, alerted=True))
            queued += 1
    return queued


def queue_alert(rt: "Runtime", session: Session, channel: str, state: Outage, now: datetime) -> None:
    admins = tuple(s.email for s in rt.config.staff_with_role("admin"))
    if not admins:
        log.error("%s outage since %s, and no staff with role admin to tell", channel.upper(),
                  state.since.isoformat())
        return
    cfg = rt.config.smtp if channel == "smtp" else rt.config.mailbox
    extra = {"outage": {"channel": channel.upper(), "server": f"{cfg.host}:{cfg.port}",
                        "since": _shown(state.since), "until": _shown(now), "failures": state.failures,
                        "last_error": state.last_error, "queued_while_down": channel == "smtp"}}
    rt.mailer.queue(session, None, Mail("admin_outage", admins, extra=extra), now)
    log.warning("%s outage since %s: admins alerted (%s)", channel.upper(), state.since.isoformat(),
                ", ".join(admins))


def _shown(instant: datetime) -> str:
    return instant.strftime("%d/%m/%Y %H:%M:%S %Z").strip()


def imap_failed(rt: "Runtime", error: str, now: datetime | None = None) -> Outage:
    with rt.sessions.begin() as session:
        return record_failure(session, "imap", now or rt.clock(), error)


def imap_ok(rt: "Runtime", now: datetime | None = None) -> Outage | None:
    with rt.sessions.begin() as session:
        return record_success(session, "imap", now or rt.clock())
