"""The daemon's three activities: ingest (IMAP IDLE, or polling), the timer sweep and
the outbox sender. `run_once` does one full cycle and returns (cron, tests, `--now`);
`serve` runs them concurrently until SIGTERM/SIGINT, finishing the current message.
Both send with the same Sender."""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
from collections.abc import Awaitable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field

from daemon import alerts
from daemon.db.locks import ingest_forever_as_sole, ingest_if_sole
from daemon.drain import DrainResult, drain
from daemon.ingest.mailbox import Mailbox, MailboxError
from daemon.outbound.delivery import FlushResult, flush
from daemon.outbound.smtp import SmtpSettings
from daemon.runtime import Runtime
from daemon.sweep import sweep

log = logging.getLogger("soporte")
SWEEP_SECONDS = 60
SENDER_IDLE_SECONDS = 30
WRITE_TURN_SECONDS = 2.0    # a safety net: a turn normally comes within one ingested message
RECONNECT_MAX_SECONDS = 300
# A sender or sweep pass that raised (the database locked or down, a full disk) is tried
# again after RETRY_FIRST_SECONDS, doubling up to RETRY_MAX_SECONDS; a success starts afresh.
RETRY_FIRST_SECONDS = 1.0
RETRY_MAX_SECONDS = 60.0


@dataclass
class CycleReport:
    ingest: DrainResult | None = None
    ingest_error: str = ""
    swept: dict[str, int] = field(default_factory=dict)
    delivery: FlushResult | None = None


def ingest_once(rt: Runtime) -> DrainResult:
    with Mailbox(rt.config.mailbox) as mailbox:
        return drain(rt, mailbox)


def run_once(rt: Runtime) -> CycleReport:
    """Ingest, sweep, then send. In order: sending on a thread while ingesting was
    measured to save no time here (both are Python work sharing one interpreter lock)
    and cost about a tenth more CPU."""
    report = CycleReport()
    if rt.config.mailbox.configured:
        try:
            # a running daemon holding the ingest lock does the ingesting; we sweep and send
            report.ingest = ingest_if_sole(rt, lambda: ingest_once(rt))
        except MailboxError as exc:
            report.ingest_error = str(exc)
            log.error("mailbox unavailable: %s", exc)
            alerts.imap_failed(rt, str(exc))
    report.swept = sweep(rt, rt.clock())
    report.delivery = deliver(rt)
    return report


def deliver(rt: Runtime) -> FlushResult:
    """One flush of everything due, as the daemon's sender does it."""
    sender = Sender(rt, threading.Event())
    asyncio.run(sender.flush())
    return sender.total


class Backoff:
    """Pauses between tries after consecutive failures: `first`, doubling up to `most`;
    a success starts afresh."""

    def __init__(self, first: float, most: float) -> None:
        self.first, self.most = first, most
        self.reset()

    def reset(self) -> None:
        self.delay = self.first
        self.failures = 0           # in a row

    def pause(self) -> float:
        """The pause after this failure; the next one will be twice as long."""
        delay, self.delay = self.delay, min(self.delay * 2, self.most)
        self.failures += 1
        return delay

    def log_failure(self, what: str) -> float:
        """Inside `except`: counts the failure and logs it; returns the pause. Only the
        first of a run of failures carries its traceback: an outage of hours would
        otherwise fill the journal with the same one every RETRY_MAX_SECONDS."""
        pause = self.pause()
        if self.failures == 1:
            log.exception("%s failed; trying again in %g s", what, pause)
        else:
            error = sys.exc_info()[1]
            log.error("%s failed again (%d in a row: %s: %s); trying again in %g s", what, self.failures,
                      type(error).__name__, error, pause)
        return pause


class WriterTurns:
    """Fair turns at SQLite's one write lock for the sender while a thread ingests.

    The busy handler is not fair: a sender waiting for the lock sleeps up to 100 ms
    between tries, and the ingest thread, which holds the lock for nearly every
    message and begins the next one right after each commit, wins nearly every race,
    so acknowledgements would pile up until the mailbox is empty. Instead, while
    `ingesting`, the sender's transactions wait for a turn, which the ingest thread
    offers after each commit (holding no lock then) and waits out, or the end of the
    ingest pass. Both waits are bounded by WRITE_TURN_SECONDS, after which the busy
    handler decides as before: neither thread can wait for the other forever."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._changed = threading.Condition()
        self._ingesting = False
        self._passes = 0            # ingest passes ended: one ending frees a waiting sender
        self._wanted = False        # the sender waits for a turn, or is using one
        self._granted = False       # the ingest thread waits for the sender to finish

    @property
    def waiting(self) -> bool:
        """Whether the sender wants a turn (or is using one) right now."""
        with self._changed:
            return self._wanted

    @contextmanager
    def ingesting(self) -> Iterator[None]:
        """One ingest pass, which offers turns after its commits."""
        with self._changed:
            self._ingesting = self.enabled
        try:
            yield
        finally:
            with self._changed:
                self._ingesting = False
                self._passes += 1
                self._changed.notify_all()

    def offer(self) -> None:
        """Ingest thread, between two transactions: lets a waiting sender write first."""
        with self._changed:
            if not (self._wanted and self._ingesting):
                return
            self._granted = True
            self._changed.notify_all()
            self._changed.wait_for(lambda: not self._granted, WRITE_TURN_SECONDS)
            self._granted = False

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Sender thread, around one transaction."""
        with self._changed:
            self._wanted = True
            passes = self._passes
            self._changed.wait_for(lambda: self._granted or not self._ingesting or self._passes != passes,
                                   WRITE_TURN_SECONDS)
        try:
            yield
        finally:
            with self._changed:
                self._wanted = self._granted = False
                self._changed.notify_all()


class Sender:
    """The outbox sender loop: flushes, then waits until woken (a commit queued mail, or
    stop) or SENDER_IDLE_SECONDS pass, until `stopping`. Adds up what its flushes did.
    `wake` and `committed` may be called from any thread, before or while the loop runs."""

    def __init__(self, rt: Runtime, stopping: threading.Event) -> None:
        self.rt = rt
        self.stopping = stopping
        self.settings = SmtpSettings.from_config(rt.config.smtp)
        self.turns = WriterTurns(enabled=rt.engine.url.get_backend_name() == "sqlite")
        self.woken = threading.Event()
        self.total = FlushResult()

    def wake(self) -> None:
        self.woken.set()

    def committed(self) -> None:
        """The ingest thread's hook after each commit: mail may be queued, and the
        database is free for a moment."""
        self.wake()
        self.turns.offer()

    def ingesting(self) -> AbstractContextManager[None]:
        """While it lasts, the sender writes on the turns `committed` offers."""
        return self.turns.ingesting()

    def stop(self) -> None:
        self.stopping.set()
        self.woken.set()

    async def run(self, wait_first: bool = False) -> None:
        """Never ends of an error: a flush that raises is logged and tried again after a
        growing pause (waiting out only `stopping`, not commits that would wake it), or
        nothing would be sent again while the daemon goes on queueing."""
        if wait_first:
            await self._wait()
        backoff = Backoff(RETRY_FIRST_SECONDS, RETRY_MAX_SECONDS)
        while not self.stopping.is_set():
            self.woken.clear()
            try:
                await self.flush()
            except Exception:   # noqa: BLE001 - the outbox keeps every mail for the next try
                pause = backoff.log_failure("sending the outbox")
                await self._wait(pause, stop_only=True)
                continue
            backoff.reset()
            await self._wait()

    async def flush(self) -> None:
        self.total.add(await flush(self.rt.sessions, self.settings, self.rt.config.support.address,
                                   self.rt.clock, write_turn=self.turns.turn))

    async def _wait(self, seconds: float | None = None, stop_only: bool = False) -> None:
        """Until woken (or, with `stop_only`, until stopping) or `seconds` pass
        (SENDER_IDLE_SECONDS by default)."""
        event = self.stopping if stop_only else self.woken
        await asyncio.to_thread(event.wait, SENDER_IDLE_SECONDS if seconds is None else seconds)


def found_new_mail(result: DrainResult) -> bool:
    """Whether a drain pass did anything besides re-filing mail it had already handled."""
    return result.quarantined > 0 or any(n for k, n in result.outcomes.items() if k != "already handled")


class DaemonFailed(RuntimeError):
    """An activity of `soporte run` ended while the daemon was not stopping (a bug: each
    survives its own errors). The daemon has stopped the others; exiting non-zero lets
    its supervisor (systemd) start a fresh one."""


class Daemon:
    """`soporte run`: ingest in a worker thread (imapclient blocks), sweep and sender on
    the event loop; the ingest thread wakes the sender after each commit and offers it
    a turn at the database. The activities run until stopping; if one ends on its own,
    the daemon stops and `serve` raises DaemonFailed rather than limp on without it."""

    def __init__(self, rt: Runtime, stopping: threading.Event | None = None) -> None:
        self.rt = rt
        self.stopping = stopping or threading.Event()
        self.sender = Sender(rt, self.stopping)
        self.failed: list[str] = []         # activities that ended while not stopping

    def stop(self) -> None:
        if not self.stopping.is_set():
            log.info("stopping: finishing the current message")
        self.sender.stop()

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop)
        log.info("running (pid %d)", os.getpid())
        tasks = [self._supervised("the outbox sender", self.sender.run()),
                 self._supervised("the timer sweep", self._sweeper())]
        if self.rt.config.mailbox.configured:
            tasks.append(self._supervised("the mailbox ingest", asyncio.to_thread(
                ingest_forever_as_sole, self.rt, self.stopping, self._ingest_forever, self._lost_ingest_lock)))
        await asyncio.to_thread(self.stopping.wait)
        self.sender.stop()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self.failed:
            raise DaemonFailed(f"stopped because {' and '.join(self.failed)} ended unexpectedly")
        log.info("stopped")

    def _supervised(self, name: str, activity: Awaitable[None]) -> asyncio.Task[None]:
        return asyncio.create_task(self._watch(name, activity), name=name)

    async def _watch(self, name: str, activity: Awaitable[None]) -> None:
        """Runs one activity; its ending while not stopping stops the whole daemon."""
        try:
            await activity
        except Exception:   # noqa: BLE001 - told apart below, and logged with its traceback
            if self.stopping.is_set():
                log.exception("%s failed while stopping", name)
                return
            log.critical("%s failed: stopping the daemon", name, exc_info=True)
        else:
            if self.stopping.is_set():
                return
            log.critical("%s ended unexpectedly: stopping the daemon", name)
        self.failed.append(name)
        self.stop()

    def _lost_ingest_lock(self) -> None:
        """Another process ingests now. Restarting (non-zero exit, so systemd does it)
        brings this one back as a sender and standby, as if it had started second."""
        self.failed.append("the ingest lock (another soporte process took it over)")
        self.stop()

    def _ingest_forever(self) -> None:
        backoff = Backoff(1.0, RECONNECT_MAX_SECONDS)      # its failures: the outage so far
        while not self.stopping.is_set():
            try:
                with Mailbox(self.rt.config.mailbox) as mailbox:
                    if backoff.failures:
                        log.info("mailbox reachable again")
                    backoff.reset()
                    self._ingest_connected(mailbox)
            except Exception as exc:   # noqa: BLE001 - reconnect on anything: the server, the network, a bug
                if not backoff.failures:
                    log.error("mailbox unavailable, will keep retrying: %s", exc)
                try:
                    alerts.imap_failed(self.rt, str(exc))
                except Exception:   # noqa: BLE001 - the database may be the thing that is down
                    log.exception("could not record the mailbox outage")
                self.stopping.wait(backoff.pause())

    def _ingest_connected(self, mailbox: Mailbox) -> None:
        poll = self.rt.config.mailbox.poll_seconds
        while not self.stopping.is_set():
            # a UID search after every (re)connect and every wake-up, repeated until a pass
            # finds nothing: mail announced while we were fetching must not wait for a poll
            while found_new_mail(self._drain(mailbox)):
                if self.stopping.is_set():
                    return
            if self.stopping.is_set():
                return
            mailbox.wait_for_mail(poll, self.stopping.is_set)

    def _drain(self, mailbox: Mailbox) -> DrainResult:
        with self.sender.ingesting():
            return drain(self.rt, mailbox, self.stopping.is_set, self.sender.committed)

    async def _sweeper(self) -> None:
        """Like the sender, never ends of an error (each job already survives its own:
        this catches what lies around them, such as the clock or the thread pool)."""
        backoff = Backoff(RETRY_FIRST_SECONDS, RETRY_MAX_SECONDS)
        while not self.stopping.is_set():
            try:
                await asyncio.to_thread(sweep, self.rt, self.rt.clock())
            except Exception:   # noqa: BLE001 - timers live in the database: nothing is lost
                pause = backoff.log_failure("the timer sweep")
                await self._sleep(pause)
                continue
            backoff.reset()
            await self._sleep(SWEEP_SECONDS)

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(asyncio.to_thread(self.stopping.wait, seconds), seconds + 1)
        except asyncio.TimeoutError:
            pass
