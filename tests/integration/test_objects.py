"""Tickets and customers written and read by direct statements behave as ORM objects
loaded by a query: what is stored is what the ORM would store (defaults included), the
session knows them (one object per row), later changes are flushed as usual, and a
column written at once leaves nothing for the unit of work. On SQLite, and on
PostgreSQL in the PostgreSQL run.

In: a fresh soporte database. Out: rows read back through a new session, and what the
session would flush (counted with its own flush events)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, select

from daemon.config import load_config
from daemon.db import objects, prepared
from daemon.db.models import Customer, Message, Ticket
from daemon.runtime import build_runtime, fixed_clock
from tests.support.site import Site

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def rt(tmp_path, smtp_sink):
    runtime = build_runtime(load_config(Site(tmp_path, None, smtp_sink).config_path), fixed_clock(T0))
    yield runtime
    runtime.close()


@pytest.fixture
def flushes(rt):
    """Flushes the unit of work went through (it skips them when no object is new,
    changed or deleted): the count the tests assert on."""
    written: list[int] = []

    def count(session, context, instances):
        written.append(1)
    event.listen(rt.sessions, "before_flush", count)
    yield written
    event.remove(rt.sessions, "before_flush", count)


def new_ticket(session, customer: Customer, subject: str = "No imprime") -> Ticket:
    return objects.insert(session, Ticket(subject=subject, status="nuevo", kind="incidencia", category="general",
                                          queue="soporte", priority="normal", customer=customer,
                                          created_at=T0, updated_at=T0))


def test_inserted_objects_are_stored_with_their_defaults_and_nothing_left_to_flush(rt, flushes):
    with rt.sessions.begin() as session:
        customer = objects.insert(session, Customer(email="juan@cliente.test", created_at=T0))
        ticket = new_ticket(session, customer)
        assert ticket.customer_id == customer.id and ticket.customer is customer
        assert (customer.name, customer.language) == ("", "es")
        assert (ticket.watchers, ticket.reopened_count, ticket.diagnosis, ticket.token) == ([], 0, "", None)
        assert session.get(Ticket, ticket.id) is ticket
        assert not session.new and not session.dirty
        session.flush()
    assert flushes == []
    with rt.sessions() as session:
        stored = session.get(Ticket, ticket.id)
        assert (stored.subject, stored.customer.email, stored.watchers, stored.created_at) == (
            "No imprime", "juan@cliente.test", [], T0)


def test_later_changes_to_an_inserted_object_are_flushed_as_usual(rt, flushes):
    with rt.sessions.begin() as session:
        ticket = new_ticket(session, objects.insert(session, Customer(email="juan@cliente.test", created_at=T0)))
        ticket.priority = "alta"
        ticket.watchers = ["ana@empresa.test"]
    assert flushes == [1]
    with rt.sessions() as session:
        stored = session.get(Ticket, ticket.id)
        assert (stored.priority, stored.watchers) == ("alta", ["ana@empresa.test"])


def test_set_columns_writes_at_once_and_keeps_other_pending_changes(rt, flushes):
    with rt.sessions.begin() as session:
        ticket_id = new_ticket(session, objects.insert(session, Customer(email="juan@cliente.test",
                                                                         created_at=T0))).id
    later = T0 + timedelta(hours=2)
    with rt.sessions.begin() as session, session.no_autoflush:     # as the pipeline runs
        ticket = objects.get(session, Ticket, ticket_id)
        objects.set_columns(session, ticket, token="SOP-000001", updated_at=later)
        assert not session.dirty
        ticket.status = "abierto"                   # an ORM change after the direct one
        objects.set_columns(session, ticket, last_inbound_message_id="m1@cliente.test")
        assert session.dirty                        # ... is still to be flushed
        assert prepared.value(session, select(Ticket.token).where(Ticket.id == ticket_id)) == "SOP-000001"
    assert flushes == [1]
    with rt.sessions() as session:
        stored = session.get(Ticket, ticket_id)
        assert (stored.token, stored.updated_at, stored.status, stored.last_inbound_message_id) == (
            "SOP-000001", later, "abierto", "m1@cliente.test")


def test_a_change_made_through_the_orm_then_written_at_once_is_not_flushed_again(rt, flushes):
    with rt.sessions.begin() as session, session.no_autoflush:
        ticket = new_ticket(session, objects.insert(session, Customer(email="juan@cliente.test", created_at=T0)))
        ticket.token = f"SOP-{ticket.id:06d}"      # as the pipeline does: the token needs the id
        objects.set_columns(session, ticket, token=ticket.token, updated_at=T0 + timedelta(minutes=1))
        assert not session.dirty
    assert flushes == []
    with rt.sessions() as session:
        assert session.get(Ticket, ticket.id).token == "SOP-000001"


def test_loading_gives_the_session_one_object_per_row(rt):
    with rt.sessions.begin() as session:
        customer = objects.insert(session, Customer(email="juan@cliente.test", name="Juan", created_at=T0))
        ticket = new_ticket(session, customer)
        objects.set_columns(session, ticket, token="SOP-000001")
    with rt.sessions() as session:
        loaded = objects.load(session, Ticket, "token", "SOP-000001")
        assert loaded is session.get(Ticket, ticket.id) is objects.get(session, Ticket, ticket.id)
        assert (loaded.subject, loaded.created_at, loaded.watchers) == ("No imprime", T0, [])
        objects.fill(session, loaded, "customer")
        assert loaded.customer is session.get(Customer, customer.id) and loaded.customer.name == "Juan"
        assert objects.load(session, Ticket, "token", "SOP-999999") is None
        assert objects.get(session, Ticket, 999) is None and objects.get(session, Ticket, None) is None


def test_an_object_the_session_holds_is_returned_with_its_unflushed_changes(rt):
    with rt.sessions.begin() as session:
        ticket = new_ticket(session, objects.insert(session, Customer(email="juan@cliente.test", created_at=T0)))
        objects.set_columns(session, ticket, token="SOP-000001")
    with rt.sessions() as session, session.no_autoflush:
        held = session.get(Ticket, ticket.id)
        held.subject = "Cambiado sin guardar"
        assert objects.load(session, Ticket, "token", "SOP-000001") is held
        assert held.subject == "Cambiado sin guardar"


def test_relationships_not_filled_load_lazily(rt):
    with rt.sessions.begin() as session:
        ticket = new_ticket(session, objects.insert(session, Customer(email="juan@cliente.test", created_at=T0)))
        prepared.add_row(session, Message, ticket_id=ticket.id, direction="in", message_id="m1@cliente.test",
                         content_key="k", from_addr="juan@cliente.test", created_at=T0)
        assert [m.message_id for m in ticket.messages] == ["m1@cliente.test"]
    with rt.sessions() as session:
        loaded = objects.get(session, Ticket, ticket.id)
        assert loaded.customer.email == "juan@cliente.test"
        assert [m.message_id for m in loaded.messages] == ["m1@cliente.test"]


def test_a_failed_transaction_keeps_none_of_it(rt):
    with pytest.raises(RuntimeError), rt.sessions.begin() as session:
        ticket = new_ticket(session, objects.insert(session, Customer(email="juan@cliente.test", created_at=T0)))
        objects.set_columns(session, ticket, token="SOP-000001")
        raise RuntimeError("the message failed after its ticket was written")
    with rt.sessions() as session:
        assert session.scalars(select(Ticket)).all() == [] and session.scalars(select(Customer)).all() == []
