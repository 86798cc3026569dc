"""The sender's turns at SQLite's one write lock while a thread ingests (app.WriterTurns),
and the small sums of delivery: how many SMTP connections a batch gets, what a cycle
of several flushes reports.

In: two real threads, the ingest side played by the test itself. Out: the order in
which the two sides "write". Every wait is bounded: a broken turn fails, never hangs."""
from __future__ import annotations

import threading
import time

import pytest

from daemon import app
from daemon.app import WriterTurns
from daemon.outbound.delivery import BATCH, MAILS_PER_CONNECTION, FlushResult, connections_for


def start_sender(turns: WriterTurns, wrote: list[str]) -> threading.Thread:
    """A sender thread with one transaction to write."""
    def write() -> None:
        with turns.turn():
            wrote.append("sender")
    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def until(condition, what: str, timeout: float = 5.0) -> None:
    """Bounded poll for something the other thread does."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        threading.Event().wait(0.001)


@pytest.fixture(autouse=True)
def no_safety_net(monkeypatch):
    """A turn that only its safety timeout ends would pass slowly: make it hang instead."""
    monkeypatch.setattr(app, "WRITE_TURN_SECONDS", 60)


def sender_waiting_for_a_turn(turns: WriterTurns, wrote: list[str]) -> threading.Thread:
    sender = start_sender(turns, wrote)
    until(lambda: turns.waiting, "the sender to ask for a turn")
    return sender


@pytest.mark.timeout(10)
def test_while_ingesting_the_sender_writes_only_on_a_turn_offered_between_commits():
    turns, wrote = WriterTurns(enabled=True), []
    with turns.ingesting():
        sender = sender_waiting_for_a_turn(turns, wrote)
        wrote.append("ingest commit")
        turns.offer()                       # returns once the sender's transaction is done
        wrote.append("ingest next transaction")
    sender.join(5)
    assert wrote == ["ingest commit", "sender", "ingest next transaction"]


@pytest.mark.timeout(10)
def test_the_end_of_an_ingest_pass_frees_a_waiting_sender():
    turns, wrote = WriterTurns(enabled=True), []
    with turns.ingesting():
        sender = sender_waiting_for_a_turn(turns, wrote)
        wrote.append("last ingest commit")
    with turns.ingesting():                 # the next pass may begin before the sender runs
        sender.join(5)
    assert wrote == ["last ingest commit", "sender"]


@pytest.mark.timeout(10)
@pytest.mark.parametrize("enabled, ingesting", [(True, False), (False, True)])
def test_a_turn_is_at_once_when_nobody_ingests_or_the_database_has_row_locks(enabled, ingesting):
    turns, wrote = WriterTurns(enabled=enabled), []
    if ingesting:
        with turns.ingesting():
            start_sender(turns, wrote).join(5)
    else:
        start_sender(turns, wrote).join(5)
    assert wrote == ["sender"]


@pytest.mark.timeout(10)
def test_an_offer_with_no_sender_waiting_returns_at_once():
    turns = WriterTurns(enabled=True)
    with turns.ingesting():
        turns.offer()
    assert not turns.waiting


@pytest.mark.parametrize("mails, most, connections", [
    (1, 4, 1), (MAILS_PER_CONNECTION, 4, 1), (MAILS_PER_CONNECTION + 1, 4, 2), (BATCH, 4, 4), (BATCH, 1, 1)])
def test_a_trickle_goes_over_one_connection_a_full_batch_over_all_allowed(mails, most, connections):
    assert connections_for(mails, most) == connections


def test_a_cycle_reports_the_sum_of_its_flushes_and_the_latest_error():
    total = FlushResult()
    total.add(FlushResult(sent=3, deferred=1, error="451 later"))
    total.add(FlushResult(sent=2, failed=1))
    assert total == FlushResult(sent=5, deferred=1, failed=1, error="451 later")
