"""Put-away on its own thread keeps the order of the commits, and a failed move reaches
the draining thread instead of vanishing with the thread."""
from __future__ import annotations

import threading

import pytest

from daemon.ingest.mailbox import MailboxError
from daemon.ingest.put_away import BATCH, PutAway


class Recorder:
    """Stands in for the IMAP connection: records the moves, from whichever thread."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.calls: list[tuple[str, list[int]]] = []
        self.threads: set[str] = set()
        self.fail_on = fail_on
        self.released = threading.Event()
        self.released.set()

    def mark_done(self, uids: list[int]) -> None:
        self._record("done", uids)

    def quarantine(self, uids: list[int]) -> None:
        self._record("quarantine", uids)

    def _record(self, kind: str, uids: list[int]) -> None:
        self.released.wait(5)
        self.threads.add(threading.current_thread().name)
        if self.fail_on is not None and self.fail_on in uids:
            raise MailboxError("connection dropped")
        self.calls.append((kind, list(uids)))


def test_moves_keep_the_order_of_the_commits_off_the_draining_thread():
    mailbox = Recorder()
    with PutAway(mailbox) as put_away:
        for uid in range(1, BATCH + 6):
            put_away.done(uid)
        put_away.quarantined(100)
        for uid in (101, 102):
            put_away.done(uid)
    assert mailbox.calls == [("done", list(range(1, BATCH + 1))), ("done", list(range(BATCH + 1, BATCH + 6))),
                             ("quarantine", [100]), ("done", [101, 102])]
    assert threading.current_thread().name not in mailbox.threads


def test_a_failed_move_is_raised_in_the_draining_thread_at_its_next_call():
    mailbox = Recorder(fail_on=1)
    put_away = PutAway(mailbox)
    put_away.quarantined(1)
    put_away.thread.submit(lambda: None).result()     # the failed move has ended
    with pytest.raises(MailboxError, match="connection dropped"):
        put_away.done(2)
    put_away.thread.shutdown()


def test_a_failed_move_is_raised_at_the_end_of_the_drain():
    mailbox = Recorder(fail_on=3)
    with pytest.raises(MailboxError):
        with PutAway(mailbox) as put_away:
            for uid in (1, 2, 3):
                put_away.done(uid)


def test_a_drain_that_fails_waits_for_moves_under_way_and_raises_its_own_error():
    mailbox = Recorder()
    mailbox.released.clear()
    with pytest.raises(RuntimeError, match="the drain's own"):
        with PutAway(mailbox) as put_away:
            put_away.quarantined(7)
            put_away.done(8)                      # not moved: found handled next pass
            mailbox.released.set()
            raise RuntimeError("the drain's own")
    assert mailbox.calls == [("quarantine", [7])]
