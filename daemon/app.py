"""The daemon's three activities: ingest (IMAP IDLE, or polling), the timer sweep and
the outbox sender. `run_once` does one full cycle and returns (cron, tests, `--now`);
`serve` runs them concurrently until SIGTERM/SIGINT, finishing the current message."""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
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
RECONNECT_MAX_SECONDS = 300


@dataclass
class CycleReport:
    ingest: DrainResult | None = None
    ingest_error: str = ""
    swept: dict[str, int] = field(default_factory=dict)
    delivery: FlushResult | None = None


def ingest_once(rt: Runtime) -> DrainResult:
    with Mailbox(rt.config.mailbox) as mailbox:
        return drain(rt, mailbox)


def deliver(rt: Runtime) -> FlushResult:
    return asyncio.run(flush(rt.sessions, SmtpSettings.from_config(rt.config.smtp),
                             rt.config.support.address, rt.clock))


def run_once(rt: Runtime) -> CycleReport:
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


def found_new_mail(result: DrainResult) -> bool:
    """Whether a drain pass did anything besides re-filing mail it had already handled."""
    return result.quarantined > 0 or any(n for k, n in result.outcomes.items() if k != "already handled")


class Daemon:
    """`soporte run`: ingest in a worker thread (imapclient blocks), sweep and sender on
    the event loop; the ingest thread wakes the sender after each commit."""

    def __init__(self, rt: Runtime, stopping: threading.Event | None = None) -> None:
        self.rt = rt
        self.stopping = stopping or threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.mail_queued = asyncio.Event()

    def stop(self) -> None:
        if not self.stopping.is_set():
            log.info("stopping: finishing the current message")
        self.stopping.set()
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self.mail_queued.set)

    async def serve(self) -> None:
        self.loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            self.loop.add_signal_handler(sig, self.stop)
        log.info("running (pid %d)", os.getpid())
        tasks = [asyncio.create_task(self._sender()), asyncio.create_task(self._sweeper())]
        if self.rt.config.mailbox.configured:
            tasks.append(asyncio.create_task(asyncio.to_thread(
                ingest_forever_as_sole, self.rt, self.stopping, self._ingest_forever, self.stop)))
        await asyncio.to_thread(self.stopping.wait)
        self.mail_queued.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        log.info("stopped")

    def _wake_sender(self) -> None:
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self.mail_queued.set)

    def _ingest_forever(self) -> None:
        delay, outage = 1.0, False
        while not self.stopping.is_set():
            try:
                with Mailbox(self.rt.config.mailbox) as mailbox:
                    if outage:
                        log.info("mailbox reachable again")
                    delay, outage = 1.0, False
                    self._ingest_connected(mailbox)
            except (MailboxError, OSError, Exception) as exc:   # noqa: BLE001 - reconnect on anything
                if not outage:
                    log.error("mailbox unavailable, will keep retrying: %s", exc)
                outage = True
                try:
                    alerts.imap_failed(self.rt, str(exc))
                except Exception:   # noqa: BLE001 - the database may be the thing that is down
                    log.exception("could not record the mailbox outage")
                self.stopping.wait(delay)
                delay = min(delay * 2, RECONNECT_MAX_SECONDS)

    def _ingest_connected(self, mailbox: Mailbox) -> None:
        poll = self.rt.config.mailbox.poll_seconds
        while not self.stopping.is_set():
            # a UID search after every (re)connect and every wake-up, repeated until a pass
            # finds nothing: mail announced while we were fetching must not wait for a poll
            while found_new_mail(drain(self.rt, mailbox, self.stopping.is_set, self._wake_sender)):
                if self.stopping.is_set():
                    return
            if self.stopping.is_set():
                return
            mailbox.wait_for_mail(poll, self.stopping.is_set)

    async def _sweeper(self) -> None:
        while not self.stopping.is_set():
            await asyncio.to_thread(sweep, self.rt, self.rt.clock())
            await self._sleep(SWEEP_SECONDS)

    async def _sender(self) -> None:
        settings = SmtpSettings.from_config(self.rt.config.smtp)
        while not self.stopping.is_set():
            self.mail_queued.clear()
            await flush(self.rt.sessions, settings, self.rt.config.support.address, self.rt.clock)
            try:
                await asyncio.wait_for(self.mail_queued.wait(), SENDER_IDLE_SECONDS)
            except asyncio.TimeoutError:
                pass

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(asyncio.to_thread(self.stopping.wait, seconds), seconds + 1)
        except asyncio.TimeoutError:
            pass
