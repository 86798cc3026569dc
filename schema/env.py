"""Alembic environment: migrations run on the engine soporte hands over (never on a URL
read from an ini file), so `soporte db upgrade` and the tests share one code path."""
from __future__ import annotations

from alembic import context

from daemon.db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # two daemons starting on an empty database: one migrates, the other waits
                connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7469031)")
            context.run_migrations()
        connection.commit()


run_migrations_online()
