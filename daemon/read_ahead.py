"""Downloads the waiting messages, in order, and for a backlog reads (parses) them in a
worker process: while this process does the database work of one message, a second
core downloads and parses the next ones over a connection of its own.

Only worth it for a backlog: a handful of new messages (the daemon's usual IDLE
wake-up) is fetched and read in this process. Starting the worker costs a new
interpreter the first time (about half a second) and an IMAP login every time, so
meanwhile this process fetches and reads the first messages itself, a few at a time,
until the worker takes over from the next one (`HandOver`); a backlog that is gone
before then was all read here. The worker is only an accelerator, and read-only
(BODY.PEEK, like every fetch here): when it fails in any way (a message it cannot read,
a crash, its connection dropping, a pickling problem) that message is read here, or
the rest of the backlog is fetched and read here, so what is quarantined and why is
decided in this process exactly as without a worker."""
from __future__ import annotations

import fcntl
import logging
import multiprocessing
import os
import pickle
import select
import threading
import time
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Iterator

from daemon.ingest.mailbox import Mailbox, MailboxError, Waiting
from daemon.ingest.reading import Reading, read_message
from daemon.sections import Mailbox as MailboxConfig

log = logging.getLogger("soporte.ingest")
MIN_BACKLOG = 32                    # fewer waiting messages are fetched and read in this process
FETCH_BYTES = 20 * 1024 * 1024      # downloaded per FETCH, whatever fetch_batch says
# How far the worker may run ahead: it blocks once the pipe is full. A larger pipe than
# the default 64 KB evens out messages that take longer on one side than the other.
PIPE_BYTES = 1024 * 1024
STOP_SECONDS = 5.0
HEAD_GROUP = 8                      # messages fetched and read here at a time while the worker starts

Fetched = tuple[int, bytes, Reading | None]   # uid, raw bytes, its reading or None: read it here


class HandOver:
    """Which messages this process reads while the worker starts, and where the worker
    begins: shared by both, changed under one lock, so that none is read by both or by
    neither. A worker killed while it held the lock leaves it held: this process waits
    for it a while at most, then takes no more, and what is left is read here once the
    worker's pipe ends."""

    def __init__(self, context: multiprocessing.context.BaseContext, read_here: bool) -> None:
        # [next message this process takes, first message of the worker (-1: not started)]
        self.shared = context.Array("q", [0, -1 if read_here else 0])
        self.values = self.shared.get_obj()         # read without the lock: one aligned word each

    def take_here(self, waiting: list[Waiting], count: int) -> list[Waiting]:
        """The next `count` messages for this process; none once the worker has begun."""
        lock = self.shared.get_lock()
        if not lock.acquire(timeout=STOP_SECONDS):
            return []
        try:
            start, worker_from = self.values[0], self.values[1]
            if worker_from >= 0:
                return []
            group = waiting[start:start + count]
            self.values[0] = start + len(group)
        finally:
            lock.release()
        return group

    def take_over(self) -> int:
        """The worker's side, once it is ready: the index of its first message."""
        with self.shared.get_lock():
            if self.values[1] < 0:
                self.values[1] = self.values[0]
            return self.values[1]

    @property
    def taken_over(self) -> bool:
        return self.values[1] >= 0

    def all_read_here(self, waiting: list[Waiting]) -> bool:
        """This process took every message and the worker has not begun."""
        return self.values[1] < 0 and self.values[0] >= len(waiting)


class ReadAhead:
    def __init__(self, mailbox: Mailbox, waiting: list[Waiting], read_here_while_starting: bool = True) -> None:
        self.mailbox = mailbox
        self.waiting = waiting
        self.worker: BaseProcess | None = None
        self.results: Connection | None = None
        self.hand_over: HandOver | None = None
        self._starting: threading.Thread | None = None
        self.finished = False           # the worker delivered every message it found
        if len(waiting) >= MIN_BACKLOG and (os.cpu_count() or 1) > 1:
            self._start(read_here_while_starting)

    def __enter__(self) -> "ReadAhead":
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop()

    def messages(self) -> Iterator[Fetched]:
        """Every waiting message still on the server, in UID order."""
        last = 0
        if self.hand_over is not None:
            while group := self.hand_over.take_here(self.waiting, HEAD_GROUP):
                for uid, raw in fetch_in_groups(self.mailbox, group):
                    last = uid
                    yield uid, raw, None
            if self.hand_over.all_read_here(self.waiting):
                self._stop_unneeded_worker()
        if self.results is not None:
            for uid, raw, reading in self._from_worker():
                last = uid
                yield uid, raw, reading
        if self.finished:
            return
        rest = [item for item in self.waiting if item.uid > last]
        for uid, raw in fetch_in_groups(self.mailbox, rest):
            yield uid, raw, None

    def _start(self, read_here_while_starting: bool) -> None:
        # forkserver, not fork: forking a process that runs threads (sender, sweep) can copy
        # a held lock into the child; the server process imports only what the worker runs
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["daemon.read_ahead"])
        results, sink = context.Pipe(duplex=False)
        _widen(sink)
        try:
            hand_over = HandOver(context, read_here_while_starting)
        except OSError as exc:     # no shared memory here (/dev/shm missing or full)
            _not_started(exc)
            results.close()
            sink.close()
            return
        worker = context.Process(
            target=fetch_and_read, name="soporte-read-ahead", daemon=True,
            args=(sink, self.mailbox.cfg, self.mailbox.secret, self.mailbox.uidvalidity, self.waiting,
                  hand_over, os.getpid()))
        self.worker, self.results, self.hand_over = worker, results, hand_over
        # started on a thread: the first start waits for the fork server to import the
        # reading code, which is the time this process spends reading the first messages
        self._starting = threading.Thread(target=self._launch, args=(sink,), name="soporte-read-ahead-start",
                                          daemon=True)
        self._starting.start()

    def _launch(self, sink: Connection) -> None:
        assert self.worker is not None
        try:
            self.worker.start()
        except Exception as exc:   # noqa: BLE001 - no worker: it never takes over, all is read here
            _not_started(exc)
            self.worker = None      # read here only once this thread has ended (started())
        finally:
            sink.close()        # the worker's copy is its own: its end means EOF here

    def started(self) -> bool:
        """Waits for the worker's start; whether it runs (or ran)."""
        if self._starting is not None:
            self._starting.join()
            self._starting = None
        return self.worker is not None

    def _stop_unneeded_worker(self) -> None:
        """The backlog was read here before the worker was ready: it is stopped at once,
        unless it has already told why it failed, which is worth a line in the log."""
        assert self.results is not None
        if self.started() and self.results.poll(0):
            for _ in self._from_worker():
                pass            # nothing left for it to have read: this only logs a failure
        if self.worker is not None:
            self.worker.kill()
        self.finished = True
        self._stop()

    def _from_worker(self) -> Iterator[Fetched]:
        assert self.results is not None
        while True:
            try:
                kind, *data = pickle.loads(self.results.recv_bytes())
            except Exception as exc:   # noqa: BLE001 - EOF (a crash), a broken pipe, a bad pickle
                self._give_up(f"{type(exc).__name__}: {exc}")
                return
            if kind == "done":
                self.finished = True
                self._stop()
                return
            if kind == "failed":
                self._give_up(data[0])
                return
            uid, raw, reading = data
            yield uid, raw, reading

    def _give_up(self, why: str) -> None:
        log.warning("read-ahead worker failed (%s); fetching and reading in the main process", why)
        self._stop()

    def _stop(self) -> None:
        """Closing our end ends a worker still sending; one that does not end is killed."""
        if self.results is not None:
            self.results.close()
            self.results = None
        if self.started():
            self.worker.join(STOP_SECONDS)
            if self.worker.exitcode is None:
                self.worker.kill()
                self.worker.join()
            self.worker.close()
            self.worker = None


def _not_started(exc: Exception) -> None:
    log.warning("read-ahead worker not started (%s: %s); reading in the main process", type(exc).__name__, exc)


def fetch_in_groups(mailbox: Mailbox, waiting: list[Waiting]) -> Iterator[tuple[int, bytes]]:
    """One FETCH per group: a batch of large messages is never held at once."""
    for group in fetch_groups(waiting, mailbox.cfg.fetch_batch, FETCH_BYTES):
        yield from mailbox.fetch(group)


def fetch_groups(waiting: list[Waiting], count: int, size: int) -> list[list[int]]:
    """UIDs in order, in groups of at most `count` messages and `size` bytes; a message
    larger than `size` goes alone."""
    groups: list[list[int]] = []
    used = 0
    for item in waiting:
        if not groups or len(groups[-1]) >= count or used + item.size > size:
            groups.append([])
            used = 0
        groups[-1].append(item.uid)
        used += item.size
    return groups


# -- the worker process ------------------------------------------------------------------
def fetch_and_read(sink: Connection, cfg: MailboxConfig, secret: str, uidvalidity: int,
                   waiting: list[Waiting], hand_over: HandOver, parent: int) -> None:
    """Sends ("message", uid, raw, reading or None) for each message from the hand-over
    on, then ("done",); or ("failed", why) when it cannot go on. Ends quietly once the
    daemon stops listening."""
    leave_with(parent)
    try:
        with Mailbox(cfg, secret, connect_attempts=1) as mailbox:
            if mailbox.uidvalidity != uidvalidity:
                raise MailboxError(f"UIDVALIDITY of {cfg.folder} changed")
            for uid, raw in fetch_in_groups(mailbox, waiting[hand_over.take_over():]):
                sink.send_bytes(_message(uid, raw))
        sink.send_bytes(pickle.dumps(("done",)))
    except (BrokenPipeError, ConnectionResetError):
        pass                    # the daemon has what it wanted, or has gone
    except Exception as exc:   # noqa: BLE001 - told to the daemon, which carries on without us
        try:
            sink.send_bytes(pickle.dumps(("failed", f"{type(exc).__name__}: {exc}")))
        except OSError:
            pass
    finally:
        sink.close()


def _message(uid: int, raw: bytes) -> bytes:
    try:
        reading: Reading | None = read_message(raw)
    except Exception:   # noqa: BLE001 - read again in the daemon, which decides what is wrong
        reading = None
    try:
        return pickle.dumps(("message", uid, raw, reading), pickle.HIGHEST_PROTOCOL)
    except Exception:   # noqa: BLE001 - an unpicklable reading: the daemon reads it itself
        return pickle.dumps(("message", uid, raw, None), pickle.HIGHEST_PROTOCOL)


def _widen(sink: Connection) -> None:
    """Best effort: Linux only, and capped by fs.pipe-max-size."""
    try:
        fcntl.fcntl(sink.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (AttributeError, OSError):
        pass


def leave_with(parent: int) -> None:
    """Worker start-up. A daemon killed with SIGKILL cannot stop its worker, and the
    worker, a child of the fork server and not of the daemon, would go on fetching,
    keeping the fork server alive with it. So it watches the daemon and ends when the
    daemon does."""
    threading.Thread(target=_watch, args=(parent,), name="watch-parent", daemon=True).start()


def _watch(parent: int) -> None:
    try:
        handle = os.pidfd_open(parent)
    except ProcessLookupError:
        os._exit(0)                       # gone already
    except (AttributeError, OSError):     # no pidfd here (old kernel, not Linux): ask every second
        while _alive(parent):
            time.sleep(1)
    else:
        select.select([handle], [], [])   # readable once the process has ended
    os._exit(0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
