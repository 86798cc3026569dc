"""The outbox over several SMTP connections at once, against the real SMTP sink: a full
batch keeps `smtp.connections` sends under way together and every mail is accepted and
recorded exactly once; a server that takes fewer connections still gets everything;
a 4xx stops every connection; a database error mid-batch leaves the mails not yet
handed to SMTP due at once.

In: outbox rows written straight into a fresh database (SQLite, or PostgreSQL in the
PostgreSQL run) and the sink.
Out: what the sink accepted or refused, and the rows' status afterwards."""
from __future__ import annotations

import asyncio
from collections import Counter
from contextlib import suppress
from dataclasses import replace
from datetime import datetime, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from daemon import alerts
from daemon.config import load_config
from daemon.db import prepared
from daemon.db.models import Outbox
from daemon.outbound.delivery import BATCH, FlushResult, flush
from daemon.outbound.smtp import SmtpConnection, SmtpSettings
from daemon.runtime import Runtime, build_runtime, fixed_clock
from tests.support.mail import message_id_of
from tests.support.outbox import queue_mails
from tests.support.site import Site

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
CONNECTIONS = 4             # smtp.connections here (the default, 1, keeps one mail in flight)


@pytest.fixture
def rt(tmp_path, smtp_sink):
    """A soporte installation without a mailbox, its clock stopped at T0."""
    site = Site(tmp_path, None, smtp_sink)
    runtime = build_runtime(load_config(site.config_path), fixed_clock(T0))
    yield runtime
    runtime.close()


def send_due(rt: Runtime) -> FlushResult:
    settings = replace(SmtpSettings.from_config(rt.config.smtp), connections=CONNECTIONS)
    return asyncio.run(flush(rt.sessions, settings, rt.config.support.address, rt.clock))


def rows(rt: Runtime) -> list[Outbox]:
    with rt.sessions() as session:
        return list(session.scalars(select(Outbox).order_by(Outbox.id)))


def smtp_outage(rt: Runtime) -> alerts.Outage | None:
    with rt.sessions() as session:
        return alerts.load(session, "smtp")


class InFlight:
    """Wraps SmtpConnection.send: counts the sends under way at once and the connections
    used. The first CONNECTIONS sends wait (a bounded while) for each other, so sending
    one mail after another fails the test instead of passing by luck."""

    def __init__(self, send) -> None:
        self._send = send
        self.now = self.most = self.started = 0
        self.connections: list[SmtpConnection] = []     # held, so no two share an id()
        self._all_busy = asyncio.Event()

    async def send(self, connection: SmtpConnection, *args) -> None:
        if not any(seen is connection for seen in self.connections):
            self.connections.append(connection)
        self.started += 1
        self.now += 1
        self.most = max(self.most, self.now)
        if self.now == CONNECTIONS:
            self._all_busy.set()
        try:
            if self.started <= CONNECTIONS:
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._all_busy.wait(), 2)
            await self._send(connection, *args)
        finally:
            self.now -= 1


def test_a_full_batch_goes_over_every_connection_at_once_and_each_mail_once(rt, smtp_sink, monkeypatch):
    in_flight = InFlight(SmtpConnection.send)

    async def counted_send(connection: SmtpConnection, *args) -> None:
        await in_flight.send(connection, *args)

    monkeypatch.setattr(SmtpConnection, "send", counted_send)
    sent_ids = queue_mails(rt, BATCH + 7, T0)

    result = send_due(rt)

    # the second batch, 7 mails, goes over one more connection of its own
    assert (in_flight.most, len(in_flight.connections)) == (CONNECTIONS, CONNECTIONS + 1)
    assert result == FlushResult(sent=BATCH + 7)
    accepted = Counter(message_id_of(m.raw) for m in smtp_sink.messages)
    assert accepted == Counter(sent_ids), smtp_sink.describe()          # each mail exactly once
    assert {(r.status, r.attempts, r.sent_at, r.locked_until) for r in rows(rt)} == {("sent", 1, T0, None)}
    assert send_due(rt) == FlushResult() and len(smtp_sink.messages) == BATCH + 7


def test_a_server_taking_one_connection_at_a_time_gets_everything(rt, smtp_sink, monkeypatch):
    connect, opened = SmtpConnection._connect, []

    async def only_the_first(connection: SmtpConnection) -> None:
        opened.append(connection)
        if len(opened) > 1:
            raise ConnectionRefusedError("421 too many connections from your host")
        await connect(connection)

    monkeypatch.setattr(SmtpConnection, "_connect", only_the_first)
    queue_mails(rt, BATCH, T0)

    assert send_due(rt) == FlushResult(sent=BATCH)
    assert len(smtp_sink.messages) == BATCH and len(opened) == CONNECTIONS
    assert smtp_outage(rt) is None                      # fewer connections are no outage


def test_an_unreachable_server_is_one_outage_and_defers_every_row(rt, smtp_sink):
    smtp_sink.stop()
    queue_mails(rt, BATCH, T0)

    result = send_due(rt)

    assert result.sent == 0 and "cannot connect" in result.error
    assert {(r.status, r.attempts, r.locked_until) for r in rows(rt)} == {("pending", 1, None)}
    assert smtp_outage(rt).failures == 1


def test_a_4xx_stops_every_connection_and_defers_what_was_not_sent(rt, smtp_sink):
    smtp_sink.set_mode("tempfail")
    queue_mails(rt, BATCH, T0)

    result = send_due(rt)

    assert result.sent == 0 and "451" in result.error
    assert 1 <= len(smtp_sink.rejected) <= CONNECTIONS     # at most the mails already under way
    assert {(r.status, r.attempts, r.locked_until) for r in rows(rt)} == {("pending", 1, None)}
    assert all("451" in r.last_error for r in rows(rt))
    assert smtp_outage(rt) is None                      # a 4xx is a retry, not an outage


def test_a_database_error_mid_batch_leaves_the_unsent_mails_due_at_once(rt, smtp_sink, monkeypatch):
    """The mail whose bookkeeping failed keeps its lease (it may have been accepted: it
    waits out the lease, as after a crash); the ones not handed to SMTP are due again now,
    not two minutes later."""
    queue_mails(rt, 5, T0)
    real, calls = prepared.changed, []

    def failing_once(conn, statement, **params):
        calls.append(params)
        if len(calls) == 1:
            raise OperationalError("UPDATE outbox", {}, Exception("database is locked"))
        return real(conn, statement, **params)

    monkeypatch.setattr(prepared, "changed", failing_once)
    with pytest.raises(OperationalError):
        asyncio.run(flush(rt.sessions, SmtpSettings.from_config(rt.config.smtp), rt.config.support.address,
                          rt.clock))
    first, *rest = rows(rt)
    assert (first.status, first.locked_until is not None) == ("pending", True)
    assert {(r.status, r.locked_until) for r in rest} == {("pending", None)}

    result = send_due(rt)       # the clock has not moved: only released rows can go

    assert result == FlushResult(sent=4)
    assert [r.status for r in rows(rt)] == ["pending", "sent", "sent", "sent", "sent"]


def test_by_default_one_mail_is_in_flight_at_a_time(rt):
    assert rt.config.smtp.connections == 1 and SmtpSettings.from_config(rt.config.smtp).connections == 1
