"""`soporte run` outlives errors in its loops and never limps on without one of them.

A flush or a sweep that raises (the database locked, a full disk) is logged with its
traceback and tried again after a growing pause that a success resets; the mail is
still delivered. An activity that ends while the daemon is not stopping (a bug) stops
the daemon, and the `soporte` command then exits non-zero so systemd restarts it.

In: the daemon served in this process (its back-off pauses shrunk, never slept on)
against the real Dovecot, SMTP sink and the run's database; one `soporte run` process.
Out: what the sink received, what was logged, how serve and the process ended.
"""
from __future__ import annotations

import asyncio
import logging
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timezone

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from daemon import app
from daemon.app import Daemon, DaemonFailed
from daemon.cli import EXIT_DAEMON_FAILED
from daemon.config import load_config
from daemon.outbound.delivery import FlushResult
from daemon.runtime import Runtime, build_runtime, fixed_clock
from tests.support.mail import make_mail, message_id_of
from tests.support.outbox import queue_mails
from tests.support.site import Site

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
pytestmark = pytest.mark.timeout(120)


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Back-off pauses this short are never what a test waits for."""
    monkeypatch.setattr(app, "RETRY_FIRST_SECONDS", 0.01)
    monkeypatch.setattr(app, "RETRY_MAX_SECONDS", 0.04)


def runtime_of(site: Site, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    monkeypatch.setenv("SOPORTE_SECRET", "test-secret")
    if site.mailbox is not None:
        monkeypatch.setenv("SOPORTE_IMAP_PASSWORD", site.mailbox.password)
    runtime = build_runtime(load_config(site.config_path), fixed_clock(T0))
    yield runtime
    runtime.close()


@pytest.fixture
def rt(site: Site, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    """The whole daemon: mailbox, sink, database."""
    yield from runtime_of(site, monkeypatch)


@pytest.fixture
def rt_no_mailbox(tmp_path, smtp_sink, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    """Sweep and sender only: no ingest thread to wait for."""
    yield from runtime_of(Site(tmp_path, None, smtp_sink), monkeypatch)


def serve_until(daemon: Daemon, condition: Callable[[], object]) -> None:
    """Serves on this thread (signal handlers need the main one) until `condition`, a
    blocking call run on a worker thread, returns or raises; then stops the daemon."""
    async def main() -> None:
        serving = asyncio.create_task(daemon.serve())
        try:
            await asyncio.to_thread(condition)
        finally:
            daemon.stop()
            await serving
    asyncio.run(main())


def database_locked() -> OperationalError:
    return OperationalError("UPDATE outbox SET locked_until=?", {}, sqlite3.OperationalError("database is locked"))


class ScriptedFlush:
    """Stands in for delivery.flush: each call takes the next step of `script`, an
    exception to raise or None for the real flush; `calls_made(n)` waits for n calls."""

    def __init__(self, real, script: list[BaseException | None]) -> None:
        self.real, self.script, self.calls = real, list(script), 0
        self._changed = threading.Condition()

    async def __call__(self, *args, **kwargs) -> FlushResult:
        with self._changed:
            step = self.script[self.calls] if self.calls < len(self.script) else None
            self.calls += 1
            self._changed.notify_all()
        if step is not None:
            raise step
        return await self.real(*args, **kwargs)

    def calls_made(self, count: int, timeout: float = 30) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: self.calls >= count, timeout), f"only {self.calls} flushes"


def failures_logged(caplog: pytest.LogCaptureFixture, text: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if text in r.getMessage() and r.exc_info is not None]


# -- the sender ---------------------------------------------------------------------------

def test_a_flush_that_raises_is_logged_and_the_ingested_mail_still_goes(rt, site, smtp_sink, monkeypatch, caplog):
    scripted = ScriptedFlush(app.flush, [database_locked()])
    monkeypatch.setattr(app, "flush", scripted)
    site.deliver(make_mail("juan@cliente.test", "Impresora", "No imprime.\n"))
    daemon = Daemon(rt)

    serve_until(daemon, lambda: smtp_sink.wait_for(1, timeout=60))

    assert [m.rcpt_tos for m in smtp_sink.messages] == [["juan@cliente.test"]]
    [logged] = failures_logged(caplog, "sending the outbox failed")
    assert logged.levelno == logging.ERROR and logged.name == "soporte"
    assert "database is locked" in str(logged.exc_info[1])
    assert daemon.failed == [] and scripted.calls >= 2


def test_the_sender_backs_off_more_each_failure_and_afresh_after_a_success(
        rt_no_mailbox, smtp_sink, monkeypatch, caplog):
    monkeypatch.setattr(app, "SENDER_IDLE_SECONDS", 0.01)     # a flush after every short wait
    script = [database_locked(), OSError(28, "No space left on device"), None,
              StaleDataError("UPDATE statement on table 'outbox' expected to update 1 row(s); 0 were matched.")]
    scripted = ScriptedFlush(app.flush, script)
    monkeypatch.setattr(app, "flush", scripted)
    waits: list[tuple[float | None, bool]] = []
    real_wait = app.Sender._wait

    async def recorded_wait(sender, seconds=None, stop_only=False) -> None:
        waits.append((seconds, stop_only))
        await real_wait(sender, seconds, stop_only)

    monkeypatch.setattr(app.Sender, "_wait", recorded_wait)
    sent = queue_mails(rt_no_mailbox, 3, T0)
    daemon = Daemon(rt_no_mailbox)

    serve_until(daemon, lambda: scripted.calls_made(len(script) + 1))

    assert sorted(message_id_of(m.raw) for m in smtp_sink.wait_for(3)) == sorted(sent)
    # paused 0.01 s, then 0.02 s, stopped only by stopping; a success waits for mail as usual
    # and the next failure starts again from the first pause
    assert waits[:4] == [(0.01, True), (0.02, True), (None, False), (0.01, True)]
    # a traceback for the first failure of each run of them; a repeat gets one line
    assert len(failures_logged(caplog, "sending the outbox failed")) == 2
    [again] = [r for r in caplog.records if "sending the outbox failed again" in r.getMessage()]
    assert again.exc_info is None and "2 in a row: OSError" in again.getMessage()
    assert "No space left on device" in again.getMessage()
    assert daemon.failed == []


def test_the_back_off_never_grows_past_its_bound(rt_no_mailbox, monkeypatch):
    script = [database_locked() for _ in range(5)]
    scripted = ScriptedFlush(app.flush, script)
    monkeypatch.setattr(app, "flush", scripted)
    pauses: list[float] = []
    real_wait = app.Sender._wait

    async def recorded_wait(sender, seconds=None, stop_only=False) -> None:
        if stop_only:
            pauses.append(seconds)
        await real_wait(sender, seconds, stop_only)

    monkeypatch.setattr(app.Sender, "_wait", recorded_wait)

    serve_until(Daemon(rt_no_mailbox), lambda: scripted.calls_made(len(script) + 1))

    assert pauses == [0.01, 0.02, 0.04, 0.04, 0.04]


# -- the sweeper --------------------------------------------------------------------------

def test_a_sweep_that_raises_is_logged_and_the_sweeper_goes_on(rt_no_mailbox, monkeypatch, caplog):
    monkeypatch.setattr(app, "SWEEP_SECONDS", 0.01)
    real_sweep, calls, third = app.sweep, [], threading.Event()

    def failing_once(rt: Runtime, now: datetime) -> dict[str, int]:
        calls.append(now)
        if len(calls) == 1:
            raise OSError(28, "No space left on device")
        if len(calls) == 3:
            third.set()
        return real_sweep(rt, now)

    monkeypatch.setattr(app, "sweep", failing_once)
    daemon = Daemon(rt_no_mailbox)

    serve_until(daemon, lambda: third.wait(30))

    assert len(calls) >= 3                              # after the failure, and after a success
    [logged] = failures_logged(caplog, "the timer sweep failed")
    assert logged.levelno == logging.ERROR and "No space left" in str(logged.exc_info[1])
    assert daemon.failed == []


# -- an activity that ends on its own -------------------------------------------------------

async def ends_at_once(self) -> None:
    return None


async def raises_at_once(self) -> None:
    raise RuntimeError("a bug in the loop itself")


def ingest_returns(*args) -> None:
    return None


@pytest.mark.parametrize("target, name, replacement, traceback", [
    (Daemon, "_sweeper", ends_at_once, False),
    (app.Sender, "run", raises_at_once, True),
    (app, "ingest_forever_as_sole", ingest_returns, False),
], ids=["sweeper returns", "sender raises", "ingest thread returns"])
def test_an_activity_ending_while_not_stopping_stops_the_daemon(
        rt, smtp_sink, monkeypatch, caplog, target, name, replacement, traceback):
    monkeypatch.setattr(target, name, replacement)
    daemon = Daemon(rt)

    with pytest.raises(DaemonFailed, match="ended unexpectedly"):
        asyncio.run(daemon.serve())             # returns at all: every other activity stopped

    assert daemon.stopping.is_set() and len(daemon.failed) == 1
    [critical] = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert "stopping the daemon" in critical.getMessage()
    assert (critical.exc_info is not None) is traceback
    assert smtp_sink.messages == []


def test_stopping_normally_is_no_failure(rt, smtp_sink):
    daemon = Daemon(rt)
    serve_until(daemon, lambda: None)
    assert daemon.failed == []


def test_losing_the_ingest_lock_stops_the_daemon_for_a_restart(rt, smtp_sink, monkeypatch):
    """Another process took the lock over (this one's database session died): the daemon
    must not stay up as neither ingester nor restartable; it ends as a failure."""
    def lock_taken_over(rt, stopping, ingest_forever, on_lost) -> None:
        on_lost()                               # what the lock's watchdog calls
        stopping.wait(30)

    monkeypatch.setattr(app, "ingest_forever_as_sole", lock_taken_over)
    daemon = Daemon(rt)
    with pytest.raises(DaemonFailed, match="ingest lock"):
        asyncio.run(daemon.serve())
    assert daemon.stopping.is_set()


BROKEN_RUN = textwrap.dedent("""
    import sys
    from daemon import app
    from daemon.cli import main

    async def ends_at_once(self):
        return None

    app.Daemon._sweeper = ends_at_once      # a bug: the sweeper returns while not stopping
    sys.exit(main(sys.argv[1:]))
""")


def test_soporte_run_exits_non_zero_when_an_activity_ends(site):
    proc = subprocess.run([sys.executable, "-c", BROKEN_RUN, "--config", str(site.config_path), "run"],
                          cwd=site.base, env=site.env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == EXIT_DAEMON_FAILED, proc.stderr     # systemd's Restart=on-failure
    assert "CRITICAL soporte: the timer sweep ended unexpectedly: stopping the daemon" in proc.stderr
    assert "error: stopped because the timer sweep ended unexpectedly" in proc.stderr
    assert "Traceback" not in proc.stderr
