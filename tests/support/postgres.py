"""The real PostgreSQL server the tests use: is it there, and a fresh database per test.

In: $SOPORTE_TEST_POSTGRES (a libpq URL of a superuser on its `postgres` database; the
local trust-auth server by default). Out: SQLAlchemy URLs of throwaway databases.
Never touches a database it did not create: each one gets a random name and is dropped
(with its open connections) when the test ends.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from psycopg import sql

ADMIN_URL = os.environ.get("SOPORTE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
PREFIX = "soporte_t_"


def _admin() -> psycopg.Connection:
    # CREATE/DROP DATABASE cannot run inside a transaction block
    return psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5)


def unreachable_reason() -> str | None:
    """None when the server answers, else why not (for the skip or failure message)."""
    try:
        with _admin() as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return f"PostgreSQL at {ADMIN_URL} is unreachable: {str(exc).strip()}"
    return None


def require() -> None:
    """Skip the calling test when there is no server; with CI=true, fail it instead,
    because a skipped PostgreSQL run would look like a passing one."""
    reason = unreachable_reason()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def sqlalchemy_url(database: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(ADMIN_URL)
    user = info.get("user", "postgres")
    password = f":{info['password']}" if info.get("password") else ""
    host, port = info.get("host", "127.0.0.1"), info.get("port", "5432")
    return f"postgresql+psycopg://{user}{password}@{host}:{port}/{database}"


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new empty database for one test; yields its SQLAlchemy URL."""
    name = PREFIX + secrets.token_hex(6)
    with _admin() as conn:
        # template0: nothing a previous test left in template1 can leak in
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(
            sql.Identifier(name)))
    try:
        yield sqlalchemy_url(name)
    finally:
        with _admin() as conn:
            # FORCE: a daemon the test could not stop must not keep the database alive
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
