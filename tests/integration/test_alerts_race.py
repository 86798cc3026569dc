"""Outage state written by several transactions at once: the sender, the ingest thread,
the sweep, and several daemons on one PostgreSQL database. No transaction fails (no
duplicate key when two create the row, no stale row when one ends the outage while
another counts a failure), no failure is counted twice or lost, and a confirmed outage
is alerted once however many sweeps find it at the same instant; so is an agent's agenda.

In: threads, each on its own connection, released together by a barrier, many rounds;
the run's database (SQLite, or PostgreSQL in the PostgreSQL run) and always PostgreSQL
(tests marked postgres, which fail rather than skip with CI=true when it is missing).
Out: every thread's returns and the state committed at the end.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from daemon import alerts, timers
from daemon.config import load_config
from daemon.db import settings_row
from daemon.db.engine import make_engine, session_factory, upgrade
from daemon.db.models import KeyValue, Outbox, Ticket
from daemon.pipeline import Source, process
from daemon.runtime import build_runtime, fixed_clock
from tests.support.mail import make_mail
from tests.support.site import Site

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
THREADS = 4
ROUNDS = 60
pytestmark = pytest.mark.timeout(180)


@pytest.fixture(params=["run database", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """This run's database (a SQLite file, or the PostgreSQL run's own database), and
    PostgreSQL in every run that does not leave out the postgres mark."""
    if request.param == "postgresql":
        return request.getfixturevalue("pg_url")
    return os.environ.get("SOPORTE_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'soporte.db'}"


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    upgrade(engine)
    yield session_factory(engine)
    engine.dispose()


def together(work: Callable[[int], object], threads: int = THREADS) -> list[object]:
    """Runs work(0) … work(threads - 1) at once; fails with the first error any raised."""
    results: list[object] = [None] * threads
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            results[n] = work(n)
        except BaseException as exc:   # noqa: BLE001 - handed to the test below
            errors.append(exc)

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not any(w.is_alive() for w in workers), "a thread is still waiting: a deadlock?"
    if errors:
        raise errors[0]
    return results


def state(sessions: sessionmaker[Session], channel: str) -> alerts.Outage | None:
    with sessions() as session:
        return alerts.load(session, channel)


def test_threads_creating_one_row_at_once_count_every_failure(sessions):
    barrier = threading.Barrier(THREADS)

    def fail_on_fresh_channels(n: int) -> None:
        for round_ in range(ROUNDS):
            barrier.wait(timeout=60)        # all INSERT the channel's absent row at once
            with sessions.begin() as session:
                alerts.record_failure(session, f"race{round_}", T0, f"thread {n}")

    together(fail_on_fresh_channels)

    for round_ in range(ROUNDS):
        outage = state(sessions, f"race{round_}")
        assert outage is not None and outage.failures == THREADS, (round_, outage)


def test_failures_and_successes_at_once_lose_nothing(sessions):
    """Every failure is either in an outage some success ended, or in the one still open."""
    barrier = threading.Barrier(THREADS)

    def fail_and_recover(n: int) -> tuple[int, int]:
        failures, ended = 0, 0
        for round_ in range(ROUNDS):
            barrier.wait(timeout=60)
            with sessions.begin() as session:
                if (n + round_) % 3:
                    alerts.record_failure(session, "smtp", T0 + timedelta(seconds=round_), f"thread {n}")
                    failures += 1
                else:
                    outage = alerts.record_success(session, "smtp", T0 + timedelta(seconds=round_))
                    ended += outage.failures if outage is not None else 0
        return failures, ended

    results = together(fail_and_recover)

    failed = sum(f for f, _ in results)
    ended = sum(e for _, e in results)
    still_open = state(sessions, "smtp")
    assert ended + (still_open.failures if still_open else 0) == failed
    with sessions() as session:     # the row is never deleted, only emptied
        assert session.scalar(select(func.count()).select_from(KeyValue)
                              .where(KeyValue.key == alerts.key("smtp"))) == 1


def test_an_ended_outage_reads_as_none_and_the_next_one_starts_afresh(sessions):
    with sessions.begin() as session:
        alerts.record_failure(session, "imap", T0, "refused")
        alerts.record_failure(session, "imap", T0 + timedelta(minutes=1), "refused")
    with sessions.begin() as session:
        assert alerts.record_success(session, "imap", T0 + timedelta(minutes=2)).failures == 2
        assert alerts.record_success(session, "imap", T0 + timedelta(minutes=3)) is None
    with sessions() as session:
        assert session.get(KeyValue, alerts.key("imap")).value == settings_row.EMPTY
    assert state(sessions, "imap") is None
    with sessions.begin() as session:
        alerts.save(session, "smtp", None)              # saving "no outage" over nothing
        again = alerts.record_failure(session, "imap", T0 + timedelta(hours=1), "refused")
    assert (again.since, again.failures, again.alerted) == (T0 + timedelta(hours=1), 1, False)
    assert state(sessions, "smtp") is None


def test_sweeps_finding_one_outage_at_once_alert_it_once(tmp_path, smtp_sink, db_url, monkeypatch):
    monkeypatch.setenv("SOPORTE_SECRET", "test-secret")
    site = Site(tmp_path, None, smtp_sink, database_url=db_url)
    daemons = [build_runtime(load_config(site.config_path), fixed_clock(T0)) for _ in range(THREADS)]
    try:
        first = daemons[0]
        for minutes in (0, 6):
            alerts.imap_failed(first, "connection refused", T0 + timedelta(minutes=minutes))
        for rt in daemons:
            rt.mailer      # templates loaded before the race, not during it
        barrier = threading.Barrier(THREADS)

        def sweep(n: int) -> int:
            barrier.wait(timeout=60)
            return alerts.queue_due(daemons[n], T0 + timedelta(minutes=7))

        assert sorted(together(sweep)) == [0] * (THREADS - 1) + [1]
        with first.sessions() as session:
            assert session.scalar(select(func.count()).select_from(Outbox)
                                  .where(Outbox.event == "outage")) == 1
        assert state(first.sessions, "imap").alerted
    finally:
        for rt in daemons:
            rt.close()


def test_sweeps_at_once_send_an_agent_one_agenda(tmp_path, smtp_sink, db_url, monkeypatch):
    """The agenda's "sent today" row is the same kind of key/value row: several daemons
    sweeping at the same instant send one agenda, not one each."""
    monkeypatch.setenv("SOPORTE_SECRET", "test-secret")
    site = Site(tmp_path, None, smtp_sink, database_url=db_url)
    daemons = [build_runtime(load_config(site.config_path), fixed_clock(T0)) for _ in range(THREADS)]
    try:
        first = daemons[0]
        process(first, Source("INBOX", 1, 1), make_mail("juan@cliente.test", "Caldera", "No enciende.\n"))
        with first.sessions.begin() as session:
            session.execute(update(Ticket).values(assignee="luis@empresa.test"))
        for rt in daemons:
            rt.mailer
        barrier = threading.Barrier(THREADS)

        def sweep(n: int) -> int:
            barrier.wait(timeout=60)
            return timers.agenda_job(daemons[n], T0)

        assert sum(together(sweep)) == 1
        with first.sessions() as session:
            agendas = session.scalars(select(Outbox.recipients).where(Outbox.event == "agenda")).all()
        assert agendas == [["luis@empresa.test"]]
        assert timers.agenda_job(first, T0 + timedelta(hours=2)) == 0      # once a day
    finally:
        for rt in daemons:
            rt.close()
