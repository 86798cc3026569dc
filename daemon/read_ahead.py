"""Reading (parsing) a backlog in a worker process while this one does the database work,
so a second core parses the next messages while the current one is being committed.

Only worth it for a backlog: starting the worker costs about half a second, so a
handful of new messages (the daemon's usual IDLE wake-up) is read in this process. The
worker is only an accelerator: when it fails in any way (a message it cannot read, a
crash, a pickling problem) the message is read again here, so what is quarantined and
why is decided in this process exactly as without a worker."""
from __future__ import annotations

import logging
import multiprocessing
import os
import select
import threading
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Iterable, Iterator

from daemon.ingest.reading import Reading, read_message

log = logging.getLogger("soporte.ingest")
MIN_BACKLOG = 32        # fewer waiting messages are read in this process
WINDOW = 16             # messages handed to the worker ahead of the one being committed


class ReadAhead:
    def __init__(self, backlog: int) -> None:
        self.pool: ProcessPoolExecutor | None = None
        if backlog >= MIN_BACKLOG and (os.cpu_count() or 1) > 1:
            self.pool = _start_pool()

    def __enter__(self) -> "ReadAhead":
        return self

    def __exit__(self, *exc_info) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def readings(self, messages: Iterable[tuple[int, bytes]]) -> Iterator[tuple[int, bytes, Reading | None]]:
        """The messages in order, each with its reading, or None: read it yourself."""
        if self.pool is None:
            for uid, raw in messages:
                yield uid, raw, None
            return
        ahead: deque[tuple[int, bytes, Future | None]] = deque()
        source = iter(messages)
        while True:
            while len(ahead) < WINDOW:
                item = next(source, None)
                if item is None:
                    break
                ahead.append((item[0], item[1], self._submit(item[1])))
            if not ahead:
                return
            uid, raw, future = ahead.popleft()
            yield uid, raw, self._result(future)

    def _submit(self, raw: bytes) -> Future | None:
        if self.pool is None:
            return None
        try:
            return self.pool.submit(read_message, raw)
        except Exception as exc:   # noqa: BLE001 - a broken pool: read here from now on
            self._give_up(exc)
            return None

    def _result(self, future: Future | None) -> Reading | None:
        if future is None:
            return None
        try:
            return future.result()
        except Exception as exc:   # noqa: BLE001 - the message is read again here
            if isinstance(exc, BrokenProcessPool):
                self._give_up(exc)
            return None

    def _give_up(self, exc: BaseException) -> None:
        log.warning("read-ahead worker failed (%s: %s); reading in the main process",
                    type(exc).__name__, exc)
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None


def _start_pool() -> ProcessPoolExecutor:
    # forkserver, not fork: forking a process that runs threads (sender, sweep) can copy
    # a held lock into the child; the server process imports only the reading code
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["daemon.ingest.reading"])
    return ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=leave_with,
                               initargs=(os.getpid(),))


def leave_with(parent: int) -> None:
    """Worker start-up. A daemon killed with SIGKILL cannot shut its pool down, and the
    worker, a child of the fork server and not of the daemon, would wait for work
    forever, keeping the fork server alive with it. So it watches the daemon and ends
    when the daemon does."""
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
