"""Puts committed messages away on the server (moved to the processed or quarantine
folder, or flagged) on a thread of its own, so the server's work on one batch overlaps
the database work on the next messages instead of holding it up.

Moves keep the order of the commits. A move that fails (the connection dropped) is
raised in the draining thread at its next call: the message is committed already, and
the next pass finds its checkpoint and puts it away then."""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from daemon.ingest.mailbox import Mailbox

BATCH = 25          # handled messages moved per IMAP command


class PutAway:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox
        self.batch: list[int] = []
        self.pending: list[Future] = []
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="put-away")

    def __enter__(self) -> "PutAway":
        return self

    def __exit__(self, exc_type, *exc_info) -> None:
        """Waits for every move; raises a failure only when nothing else is on its way up."""
        try:
            if exc_type is None:
                self.flush()
                self.wait()
        finally:
            self.thread.shutdown(wait=True)

    def done(self, uid: int) -> None:
        self._raise_failure()
        self.batch.append(uid)
        if len(self.batch) >= BATCH:
            self.flush()

    def quarantined(self, uid: int) -> None:
        self._raise_failure()
        self.flush()                    # its handled predecessors first
        self.pending.append(self.thread.submit(self.mailbox.quarantine, [uid]))

    def flush(self) -> None:
        if self.batch:
            self.pending.append(self.thread.submit(self.mailbox.mark_done, self.batch))
            self.batch = []

    def wait(self) -> None:
        """Until every move handed over so far is done; raises the first that failed."""
        pending, self.pending = self.pending, []
        for future in pending:
            future.result()

    def _raise_failure(self) -> None:
        while self.pending and self.pending[0].done():
            self.pending.pop(0).result()
