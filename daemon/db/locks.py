"""Exactly one ingester per mailbox folder, however many daemons share the database.
PostgreSQL: a session advisory lock held on a dedicated connection while this process
ingests; the server frees it when that connection closes, so a standby takes over when
the holder dies. SQLite: an flock on a file beside the database, freed by the kernel.
In: the engine URL and the mailbox settings. Out: whether this process may ingest.
Never ingests itself, and never blocks the caller except while it waits for its turn."""
from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

if TYPE_CHECKING:
    from daemon.runtime import Runtime
    from daemon.sections import Mailbox

log = logging.getLogger("soporte.ingest")
RETRY_SECONDS = 5.0     # how soon a standby notices that the ingester died
CHECK_SECONDS = 10.0    # how often the holder proves its lock connection is still alive
T = TypeVar("T")


def lock_key(username: str, folder: str) -> int:
    """A stable signed 64-bit key (what pg_advisory_lock takes) for one mailbox folder."""
    digest = hashlib.sha256(f"soporte ingest\0{username.lower()}\0{folder}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class IngestLock(Protocol):
    def try_acquire(self) -> bool: ...
    def still_held(self) -> bool: ...
    def release(self) -> None: ...


class AdvisoryLock:
    """pg_try_advisory_lock on a connection of its own: a pooled one would be handed
    back to the pool, lock and all, and be lent to some other part of the process."""

    def __init__(self, url: URL, key: int) -> None:
        self.key = key
        self._engine = create_engine(url, poolclass=NullPool)
        self._conn: Connection | None = None

    def try_acquire(self) -> bool:
        conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        if conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}):
            self._conn = conn
            return True
        conn.close()
        return False

    def still_held(self) -> bool:
        # a session lock lives exactly as long as its connection: alive means held
        if self._conn is None:
            return False
        try:
            self._conn.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            self.release()
            return False

    def release(self) -> None:
        # closing the connection frees the lock even if the unlock cannot be sent
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except SQLAlchemyError:
                pass
        self._engine.dispose()


class FileLock:
    """flock on `<database file>.ingest-<key>.lock`: SQLite lives on one machine."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def still_held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)      # closing the descriptor drops the flock


class NoLock:
    """An in-memory SQLite database cannot be shared between processes anyway."""

    def try_acquire(self) -> bool:
        return True

    def still_held(self) -> bool:
        return True

    def release(self) -> None:
        pass


def ingest_lock(url: URL, mailbox: "Mailbox") -> IngestLock:
    key = lock_key(mailbox.username, mailbox.folder)
    if url.get_backend_name() == "postgresql":
        return AdvisoryLock(url, key)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return FileLock(Path(f"{url.database}.ingest-{key & 0xFFFFFFFFFFFFFFFF:016x}.lock"))
    return NoLock()


def _try(lock: IngestLock) -> bool:
    try:
        return lock.try_acquire()
    except SQLAlchemyError as exc:
        # the database is down: nobody can ingest now; the caller retries or moves on
        log.warning("cannot reach the database to take the ingest lock: %s", exc)
        return False


def _wait_for_turn(lock: IngestLock, where: str, stopping: threading.Event | None) -> bool:
    """True once the lock is ours; False if `stopping` is set first (or, without
    `stopping`, at once when someone else holds it)."""
    announced = False
    while not _try(lock):
        if stopping is None:
            log.info("another soporte process is ingesting %s; this run leaves it alone", where)
            return False
        if not announced:
            log.info("another soporte process is ingesting %s; standing by", where)
            announced = True
        if stopping.wait(RETRY_SECONDS):
            return False
    log.info("this process is now the one ingesting %s", where)
    return True


def _watch(lock: IngestLock, where: str, done: threading.Event, on_lost: Callable[[], None]) -> None:
    """Proves the lock is still ours every CHECK_SECONDS (which also keeps an idle
    connection from being timed out); takes it back if its connection dropped."""
    while not done.wait(CHECK_SECONDS):
        if lock.still_held() or _try(lock):
            continue
        log.error("lost the ingest lock for %s to another soporte process", where)
        on_lost()
        return


@contextmanager
def sole_ingester(rt: "Runtime", stopping: threading.Event | None = None,
                  on_lost: Callable[[], None] = lambda: None) -> Iterator[bool]:
    """Yields True while this process is the one ingester of its mailbox folder.

    With `stopping`, waits for the turn (retrying every RETRY_SECONDS) and yields False
    only if stopping was requested meanwhile; while held, a watchdog calls `on_lost` if
    the lock ever passes to another process. Without it, one try (cron-style runs)."""
    mailbox = rt.config.mailbox
    where = f"{mailbox.folder} of {mailbox.username}"
    lock = ingest_lock(rt.engine.url, mailbox)
    if not _wait_for_turn(lock, where, stopping):
        yield False
        return
    done = threading.Event()
    watchdog = threading.Thread(target=_watch, args=(lock, where, done, on_lost),
                                name="ingest-lock", daemon=True)
    if stopping is not None:
        watchdog.start()
    try:
        yield True
    finally:
        done.set()
        if watchdog.is_alive():
            watchdog.join()
        lock.release()
        log.info("released the ingest lock for %s", where)


# -- the two calls app.py makes -----------------------------------------------------------

def ingest_if_sole(rt: "Runtime", ingest: Callable[[], T]) -> T | None:
    """`soporte once`: ingest only if no daemon is ingesting this mailbox right now."""
    with sole_ingester(rt) as mine:
        return ingest() if mine else None


def ingest_forever_as_sole(rt: "Runtime", stopping: threading.Event, ingest_forever: Callable[[], None],
                           on_lost: Callable[[], None]) -> None:
    """`soporte run`: stand by until this process is the one ingester, then ingest until
    `stopping`; the lock is released when ingest_forever returns or raises."""
    with sole_ingester(rt, stopping, on_lost) as mine:
        if mine:
            ingest_forever()
