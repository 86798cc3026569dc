"""The hot path's direct statements give what Core gives: same rows, same Python types
(aware UTC instants, JSON lists, booleans), column defaults filled in, and a forgotten
parameter is an error, not a NULL. On SQLite, and on PostgreSQL in the PostgreSQL run.

In: a fresh soporte database. Out: rows read back through the ORM and through Core."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, func, select

from daemon.config import load_config
from daemon.db import prepared
from daemon.db.models import InboundLog, Outbox
from daemon.runtime import build_runtime, fixed_clock
from tests.support.site import Site

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
MADRID = timezone(timedelta(hours=1))
DUE = (select(Outbox.id, Outbox.recipients, Outbox.automatic, Outbox.created_at, Outbox.status)
       .where(Outbox.first_recipient == bindparam("recipient"), Outbox.created_at > bindparam("since"),
              Outbox.automatic.is_(True))
       .order_by(Outbox.id))
COUNT_DUE = select(func.count(Outbox.id)).where(Outbox.first_recipient == bindparam("recipient"))
BY_IDS = select(Outbox.id).where(Outbox.message_id.in_(bindparam("ids", expanding=True))).order_by(Outbox.id)


@pytest.fixture
def rt(tmp_path, smtp_sink):
    runtime = build_runtime(load_config(Site(tmp_path, None, smtp_sink).config_path), fixed_clock(T0))
    yield runtime
    runtime.close()


def add_outbox(session, n: int, **changes) -> int:
    columns = dict(message_id=f"m{n}@soporte.test", event="created", audience="customer",
                   recipients=[f"c{n}@cliente.test", "otro@cliente.test"], first_recipient="c@cliente.test",
                   subject=f"Aviso {n}", raw=b"raw\r\n", created_at=T0.astimezone(MADRID) + timedelta(minutes=n),
                   next_attempt_at=T0, give_up_at=T0 + timedelta(days=3))
    columns.update(changes)
    return prepared.add_row(session, Outbox, **columns)


def test_inserted_rows_read_back_alike_with_defaults_filled(rt):
    with rt.sessions.begin() as session:
        first = add_outbox(session, 1)
        second = add_outbox(session, 2, automatic=False, status="skipped", last_error="held")
    with rt.sessions() as session:
        one, two = session.get(Outbox, first), session.get(Outbox, second)
        assert second == first + 1
        assert (one.automatic, one.status, one.attempts, one.last_error) == (True, "pending", 0, "")
        assert (two.automatic, two.status, two.last_error) == (False, "skipped", "held")
        assert one.recipients == ["c1@cliente.test", "otro@cliente.test"] and one.raw == b"raw\r\n"
        assert one.created_at == T0 + timedelta(minutes=1) and one.created_at.tzinfo is not None


def test_lookups_give_what_core_gives(rt):
    with rt.sessions.begin() as session:
        for n in range(5):
            add_outbox(session, n, automatic=n != 3)
    params = dict(recipient="c@cliente.test", since=T0 + timedelta(seconds=30))
    with rt.sessions() as session:
        direct = prepared.rows(session, DUE, **params)
        core = [tuple(row) for row in session.execute(DUE, params)]
        assert direct == core and len(direct) == 3
        ids, recipients, automatic, created_at, status = direct[0]
        assert recipients == ["c1@cliente.test", "otro@cliente.test"] and automatic is True
        assert created_at == T0 + timedelta(minutes=1) and created_at.utcoffset() == timedelta(0)
        assert prepared.values(session, DUE, **params) == [row[0] for row in core]
        assert prepared.value(session, COUNT_DUE, recipient="c@cliente.test") == 5
        assert prepared.value(session, COUNT_DUE, recipient="nadie@cliente.test") == 0
        assert prepared.value(session, DUE, recipient="nadie@cliente.test", since=T0) is None


def test_an_expanding_list_goes_through_core_with_the_same_answer(rt):
    with rt.sessions.begin() as session:
        ids = [add_outbox(session, n) for n in range(3)]
    with rt.sessions() as session:
        assert prepared.values(session, BY_IDS, ids=["m0@soporte.test", "m2@soporte.test"]) == [ids[0], ids[2]]


def test_a_forgotten_parameter_is_an_error(rt):
    with rt.sessions() as session, pytest.raises(KeyError, match="since"):
        prepared.value(session, DUE, recipient="c@cliente.test")


def test_pending_objects_are_flushed_before_a_lookup_as_the_orm_would(rt):
    with rt.sessions.begin() as session:
        session.add(InboundLog(folder="INBOX", uidvalidity=7, uid=1, message_id="", content_key="k",
                               outcome="done", at=T0))
        found = prepared.value(session, select(func.count(InboundLog.id)).where(InboundLog.uidvalidity == 7))
        assert found == 1


def test_rows_inserted_directly_are_committed_with_the_transaction_or_not_at_all(rt):
    with pytest.raises(RuntimeError), rt.sessions.begin() as session:
        prepared.add_row(session, InboundLog, folder="INBOX", uidvalidity=9, uid=1, message_id="x@cliente.test",
                         content_key="k", outcome="done", ticket_id=None, at=T0)
        raise RuntimeError("the message failed after its rows were written")
    with rt.sessions() as session:
        assert session.scalar(select(func.count(InboundLog.id))) == 0


def test_one_session_over_several_transactions_uses_each_ones_connection(rt):
    """The connection is remembered per transaction: what one transaction wrote and
    rolled back is gone for the next, and what it committed is there."""
    with rt.sessions() as session:
        with session.begin():
            add_outbox(session, 1)
            assert prepared.value(session, COUNT_DUE, recipient="c@cliente.test") == 1
            session.rollback()
        with session.begin():
            assert prepared.value(session, COUNT_DUE, recipient="c@cliente.test") == 0
            add_outbox(session, 2)
        with session.begin():
            assert prepared.value(session, COUNT_DUE, recipient="c@cliente.test") == 1


def test_a_failed_flush_is_reported_by_the_session_not_run_past(rt):
    """After a flush fails, the ORM refuses the transaction until it is rolled back; a
    direct statement must not quietly run on the connection underneath."""
    from sqlalchemy.exc import IntegrityError, PendingRollbackError
    with rt.sessions() as session:
        session.begin()
        assert prepared.value(session, COUNT_DUE, recipient="c@cliente.test") == 0
        session.add(InboundLog(folder="INBOX", uidvalidity=7, uid=1, message_id="", content_key="k",
                               outcome="done", at=None))     # NOT NULL: the flush fails
        with pytest.raises(IntegrityError):
            session.flush()
        with pytest.raises(PendingRollbackError):
            prepared.value(session, COUNT_DUE, recipient="c@cliente.test")
        session.rollback()
