"""Several daemons on one PostgreSQL database: exactly one ingests a mailbox (the advisory
lock, taken over when its holder dies), any number send the outbox without sharing a
row, and together they never duplicate a ticket or an email. Plus the SQLite file lock.

In: a fresh PostgreSQL database per test, the real Dovecot and SMTP sink.
Out: what the database, the mailbox folders and the sink hold afterwards.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from daemon.db import locks
from daemon.db.engine import make_engine, upgrade
from daemon.db.models import InboundLog, Message, Outbox, Quarantine, Ticket
from daemon.outbound.delivery import LEASE, claim
from tests.support.mail import make_mail, message_id_of
from tests.support.site import REPO, Site

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
REQUESTS = 150          # new tickets; each one then gets a reply quoting its token
TOKEN = re.compile(r"\[(SOP-\d{6})\]")


def mailbox_settings(username: str = "soporte-1@example.test", folder: str = "INBOX") -> SimpleNamespace:
    return SimpleNamespace(username=username, folder=folder)


def until(condition, timeout: float, what: str) -> None:
    """Bounded poll for something another process does."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        threading.Event().wait(0.05)


# -- senders: FOR UPDATE SKIP LOCKED -------------------------------------------------------

def outbox_row(n: int) -> Outbox:
    return Outbox(message_id=f"out-{n}@example.test", event="created", audience="customer",
                  recipients=[f"c{n}@cliente.test"], first_recipient=f"c{n}@cliente.test",
                  subject=f"aviso {n}", raw=b"\x00raw\xff", automatic=True, status="pending",
                  attempts=0, created_at=T0, next_attempt_at=T0, give_up_at=T0 + timedelta(days=3),
                  last_error="")


def test_concurrent_claims_take_disjoint_rows(pg_url):
    engine = make_engine(pg_url)
    upgrade(engine)
    with Session(engine) as setup, setup.begin():
        setup.add_all(outbox_row(n) for n in range(12))
    now = T0 + timedelta(minutes=1)
    with Session(engine) as first, Session(engine) as second:
        first.begin()
        second.begin()
        # a claim that waited for the first one's locks would hang the test: fail fast instead
        second.execute(text("SET LOCAL lock_timeout = '2s'"))
        mine = {row.id for row in claim(first, now, limit=5)}
        # the first transaction is still open: its rows are locked, their lease not yet committed
        theirs = {row.id for row in claim(second, now, limit=5)}
        first.commit()
        second.commit()
    assert len(mine) == len(theirs) == 5 and not mine & theirs
    with Session(engine) as third, third.begin():
        rest = claim(third, now, limit=50)
        assert {row.id for row in rest} == set(range(1, 13)) - mine - theirs
        leases = third.scalars(select(Outbox.locked_until).where(Outbox.id.in_([row.id for row in rest])))
        assert set(leases) == {now + LEASE}
        assert rest[0].raw == b"\x00raw\xff"
    engine.dispose()


# -- the ingest lock ---------------------------------------------------------------------

def test_lock_key_is_stable_per_mailbox_folder():
    key = locks.lock_key("soporte@example.test", "INBOX")
    assert key == locks.lock_key("Soporte@Example.test", "INBOX")
    assert key != locks.lock_key("soporte@example.test", "Otros")
    assert key != locks.lock_key("ventas@example.test", "INBOX")
    assert -2**63 <= key < 2**63


def test_one_advisory_lock_holder_per_mailbox(pg_url):
    url = make_url(pg_url)
    holder = locks.ingest_lock(url, mailbox_settings())
    rival = locks.ingest_lock(url, mailbox_settings())
    other_folder = locks.ingest_lock(url, mailbox_settings(folder="Otros"))
    try:
        assert isinstance(holder, locks.AdvisoryLock)
        assert holder.try_acquire() and holder.still_held()
        assert not rival.try_acquire()
        assert other_folder.try_acquire()
        holder.release()
        assert not holder.still_held()
        assert rival.try_acquire()
    finally:
        for lock in (holder, rival, other_folder):
            lock.release()


def test_a_holder_whose_connection_is_cut_reports_the_loss(pg_url, monkeypatch):
    monkeypatch.setattr(locks, "CHECK_SECONDS", 0.01)
    url = make_url(pg_url)
    holder, rival = (locks.ingest_lock(url, mailbox_settings()) for _ in range(2))
    lost, done = threading.Event(), threading.Event()
    try:
        assert holder.try_acquire()
        backend = holder._conn.scalar(text("SELECT pg_backend_pid()"))
        admin = make_engine(pg_url)
        with admin.connect() as conn:
            assert conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        admin.dispose()
        until(rival.try_acquire, 10, "the cut connection's lock to become free")
        watchdog = threading.Thread(target=locks._watch, args=(holder, "INBOX", done, lost.set))
        watchdog.start()
        assert lost.wait(10)
        assert not holder.still_held()
    finally:
        done.set()
        holder.release()
        rival.release()


HOLD_LOCK = """
import sys
from sqlalchemy.engine import make_url
from types import SimpleNamespace
from daemon.db import locks
lock = locks.ingest_lock(make_url(sys.argv[1]), SimpleNamespace(username="soporte-1@example.test", folder="INBOX"))
print("held" if lock.try_acquire() else "busy", flush=True)
sys.stdin.read()
"""


def test_when_the_holder_dies_another_process_takes_over(pg_url):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, pg_url], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=REPO,
                              env=dict(os.environ, PYTHONPATH=str(REPO)))
    standby = locks.ingest_lock(make_url(pg_url), mailbox_settings())
    try:
        assert holder.stdout.readline().strip() == "held"
        assert not standby.try_acquire()
        holder.send_signal(signal.SIGKILL)      # no release, no goodbye: the server notices
        holder.wait(timeout=10)
        until(standby.try_acquire, 10, "the lock of a killed holder to become free")
    finally:
        standby.release()
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        holder.stdin.close()
        holder.stdout.close()


def runtime_for(url: str) -> SimpleNamespace:
    return SimpleNamespace(engine=make_engine(url), config=SimpleNamespace(mailbox=mailbox_settings()))


def test_sole_ingester_tries_once_or_stands_by_until_stopped(pg_url):
    rt, other = runtime_for(pg_url), runtime_for(pg_url)
    stopping = threading.Event()
    stopping.set()
    with locks.sole_ingester(rt, threading.Event()) as mine:
        assert mine
        assert locks.ingest_if_sole(other, lambda: "ingested") is None
        with locks.sole_ingester(other, stopping) as theirs:
            assert not theirs
    assert locks.ingest_if_sole(other, lambda: "ingested") == "ingested"
    rt.engine.dispose()
    other.engine.dispose()


def test_a_standby_waits_its_turn_and_then_ingests(pg_url, monkeypatch):
    monkeypatch.setattr(locks, "RETRY_SECONDS", 0.01)
    tries, refused_thrice = [], threading.Event()

    def counted(lock):
        tries.append(got := real_try(lock))
        if tries.count(False) >= 3:
            refused_thrice.set()
        return got

    real_try = locks._try
    monkeypatch.setattr(locks, "_try", counted)
    rt, other = runtime_for(pg_url), runtime_for(pg_url)
    stopping, ran = threading.Event(), []
    with locks.sole_ingester(rt, threading.Event()):
        standby = threading.Thread(target=locks.ingest_forever_as_sole,
                                   args=(other, stopping, lambda: ran.append("ingest"), stopping.set))
        standby.start()
        assert refused_thrice.wait(10) and ran == []
    standby.join(timeout=10)
    assert ran == ["ingest"] and tries[-1] is True
    rt.engine.dispose()
    other.engine.dispose()


def test_sqlite_uses_a_file_lock_beside_the_database(tmp_path):
    url = make_url(f"sqlite:///{tmp_path / 'soporte.db'}")
    holder, rival = (locks.ingest_lock(url, mailbox_settings()) for _ in range(2))
    assert isinstance(holder, locks.FileLock)
    assert holder.try_acquire()
    assert not rival.try_acquire()
    holder.release()
    assert rival.try_acquire()
    rival.release()
    assert isinstance(locks.ingest_lock(make_url("sqlite://"), mailbox_settings()), locks.NoLock)


# -- two daemons, one mailbox ------------------------------------------------------------

def acks_by_token(sink) -> Counter:
    return Counter(m for r in sink.messages
                   if r.message["Auto-Submitted"] == "auto-replied"
                   for m in TOKEN.findall(str(r.message["Subject"]))[:1])


def stop_all(site: Site, daemons: list[subprocess.Popen]) -> list[int]:
    for proc in daemons:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    return [proc.wait(timeout=60) for proc in daemons]


@pytest.mark.timeout(600)
def test_two_daemons_share_one_mailbox_without_duplicates(tmp_path, mailbox, smtp_sink, pg_url):
    site = Site(tmp_path, mailbox, smtp_sink, database_url=pg_url)
    site.run("db", "upgrade")        # the schema once, before two processes race to create it
    requests = [make_mail(f"cliente{n}@empresa{n % 7}.test", f"Avería número {n}", f"Equipo {n} roto.\n")
                for n in range(REQUESTS)]
    for raw in requests[:REQUESTS // 2]:
        site.deliver(raw)
    daemons = [site.start(), site.start()]
    try:
        for raw in requests[REQUESTS // 2:]:
            site.deliver(raw)                         # arriving while both are running
        received = smtp_sink.wait_for(REQUESTS, timeout=240)
        replies = []
        for ack in received[:REQUESTS]:
            token = TOKEN.search(str(ack.message["Subject"])).group(1)
            replies.append(make_mail(ack.rcpt_tos[0], f"Re: [{token}] avería", "Sigue sin funcionar.\n"))
            site.deliver(replies[-1])
        mailbox.wait_for_counts({"INBOX": 0, "Processed": 2 * REQUESTS}, timeout=240)
        codes = stop_all(site, daemons)
    finally:
        stop_all(site, daemons)
    log = site.daemon_log()
    assert codes == [0, 0], log[-3000:]

    engine = make_engine(pg_url)
    with Session(engine) as db:
        assert db.scalar(select(func.count()).select_from(Ticket)) == REQUESTS
        assert db.scalar(select(func.count()).select_from(Quarantine)) == 0
        checkpoints = db.execute(select(InboundLog.uid, InboundLog.message_id)).all()
        inbound = Counter(db.scalars(select(Message.message_id).where(Message.direction == "in")))
        per_ticket = Counter(db.scalars(select(Outbox.ticket_id).where(Outbox.event == "created")))
        unsent = db.scalar(select(func.count()).select_from(Outbox).where(Outbox.status != "sent"))
    engine.dispose()
    every_message = {message_id_of(raw) for raw in requests + replies}
    assert len(checkpoints) == 2 * REQUESTS and len({uid for uid, _ in checkpoints}) == 2 * REQUESTS
    assert inbound == Counter(every_message)                         # every message exactly once
    assert sorted(per_ticket.values()) == [1] * REQUESTS and unsent == 0
    assert mailbox.counts()["Quarantine"] == 0
    acks = acks_by_token(smtp_sink)
    assert len(acks) == REQUESTS and set(acks.values()) == {1}, acks.most_common(3)
    assert len(smtp_sink.messages) == REQUESTS                       # no email twice
