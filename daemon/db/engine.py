"""Opens the database: SQLite in WAL mode (one file, embedded) or PostgreSQL, and brings
its schema to the newest alembic revision. The only module that knows engine details."""
from __future__ import annotations

import logging
from pathlib import Path

import re
from functools import lru_cache

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger("soporte.db")
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schema"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        _ensure_parent(url)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _ensure_parent(url: str) -> None:
    path = url.removeprefix("sqlite:///")
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")   # durable across process crashes in WAL mode
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    # let SQLAlchemy, not the sqlite3 module, open transactions: savepoints then work
    dbapi_connection.isolation_level = None


def _sqlite_begin(connection) -> None:
    # IMMEDIATE takes the write lock up front: two writers wait for each other (busy
    # timeout) instead of failing when a read transaction tries to become a write
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine):
    from alembic.config import Config as AlembicConfig
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(SCHEMA_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest migration, read from the files (importing alembic costs every command
    a noticeable start-up delay, and the schema is almost always current)."""
    revisions, parents = set(), set()
    for path in (SCHEMA_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = re.search(r"^revision\s*=\s*['\"]([^'\"]+)['\"]", source, re.M)
        if found:
            revisions.add(found.group(1))
        down = re.search(r"^down_revision\s*=\s*(.+)$", source, re.M)
        parents.update(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)) if down else ())
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def upgrade(engine: Engine) -> tuple[str | None, str | None]:
    """Apply pending migrations; returns (before, after) revisions."""
    before = current_revision(engine)
    if before is not None and before == head_revision():
        return before, before
    from alembic import command
    command.upgrade(alembic_config(engine), "head")
    after = current_revision(engine)
    if before != after:
        log.info("database schema upgraded from %s to %s", before or "empty", after)
    return before, after
