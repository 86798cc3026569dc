"""The alembic migrations build exactly the schema the models describe, on SQLite and on
PostgreSQL, and upgrading an up-to-date database changes nothing.

In: an empty database (a SQLite file, a fresh PostgreSQL database). Out: alembic's own
autogenerate comparison, which must find nothing to add, drop or alter.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from daemon.db.engine import current_revision, head_revision, make_engine, upgrade
from daemon.db.models import Base


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'soporte.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    engine = make_engine(url)
    yield engine
    engine.dispose()


def differences(engine: Engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def schema_snapshot(engine: Engine) -> dict[str, tuple]:
    found = inspect(engine)
    return {table: (sorted(str(c) for c in found.get_columns(table)),
                    sorted(str(i) for i in found.get_indexes(table)),
                    sorted(str(u) for u in found.get_unique_constraints(table)),
                    sorted(str(f) for f in found.get_foreign_keys(table)))
            for table in found.get_table_names()}


def test_migrations_build_exactly_the_models(engine: Engine) -> None:
    upgrade(engine)
    assert differences(engine) == []


def test_the_comparison_notices_a_schema_the_models_do_not_describe(engine: Engine) -> None:
    # without this, an empty diff could mean the comparison never looked
    upgrade(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE stray (id INTEGER PRIMARY KEY)")
        conn.exec_driver_sql("DROP INDEX ix_outbox_due")
    kinds = sorted(diff[0] for diff in differences(engine))
    assert kinds == ["add_index", "remove_table"]


def test_upgrade_is_idempotent(engine: Engine) -> None:
    assert upgrade(engine) == (None, head_revision())
    before = schema_snapshot(engine)
    assert upgrade(engine) == (head_revision(), head_revision())
    assert current_revision(engine) == head_revision()
    assert schema_snapshot(engine) == before
    assert "alembic_version" in before and "tickets" in before


def test_tickets_of_an_older_schema_keep_their_rows_and_the_first_sweep_stops_waiting_clocks(
        engine: Engine) -> None:
    from datetime import datetime, timezone
    from pathlib import Path

    from alembic import command
    from sqlalchemy.orm import sessionmaker

    from daemon.config import load_config
    from daemon.db.engine import alembic_config
    from daemon.sla_timers import follow_pause_setting
    command.upgrade(alembic_config(engine), "0001")
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO customers (id, email, name, language, created_at) "
                             "VALUES (1, 'juan@cliente.test', 'Juan', 'es', '2026-11-23 09:00:00')")
        conn.exec_driver_sql(
            "INSERT INTO tickets (id, token, subject, status, kind, category, queue, priority, customer_id, "
            "created_at, updated_at, diagnosis, solution, reopened_count, watchers) VALUES (1, 'SOP-000001', "
            "'x', 'pendiente_cliente', 'normal', 'consulta', 'general', 'normal', 1, '2026-11-23 09:00:00', "
            "'2026-11-23 09:00:00', '', '', 0, '[]')")
    upgrade(engine)
    with engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT token, sla_paused_since, sla_paused_seconds FROM tickets").one()
    assert tuple(row) == ("SOP-000001", None, 0)
    assert differences(engine) == []
    config = load_config(Path(__file__).resolve().parents[2] / "soporte.toml")    # pause_in: pendiente_cliente
    now = datetime(2026, 11, 24, 9, 30, tzinfo=timezone.utc)
    with sessionmaker(engine).begin() as session:
        assert follow_pause_setting(session, config, now) == 1
    with sessionmaker(engine).begin() as session:
        assert follow_pause_setting(session, config, now) == 0           # done once
    with engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT sla_paused_since, sla_paused_seconds FROM tickets").one()
    assert row[0] is not None and str(row[0]).startswith("2026-11-24 09:30") and row[1] == 0
