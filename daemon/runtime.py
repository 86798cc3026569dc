"""Everything one soporte process holds open: config, database, blob store, template
renderer, mailer and the Message-ID secret. Built once at start-up by the CLI and
passed down; nothing here is global, so tests build as many as they like."""
from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from daemon.config import Config
from daemon.db.engine import make_engine, session_factory, upgrade
from daemon.store import BlobStore

if TYPE_CHECKING:
    from daemon.ingest.guards import OwnIdentity
    from daemon.outbound.outbox import Mailer
    from daemon.outbound.templates import Renderer

log = logging.getLogger("soporte")
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


def fixed_clock(instant: datetime) -> Clock:
    return lambda: instant


@dataclass
class Runtime:
    """Templates and the mailer load on first use: read-only commands never need them."""
    config: Config
    engine: Engine
    sessions: sessionmaker[Session]
    store: BlobStore
    secret: bytes
    clock: Clock

    @cached_property
    def renderer(self) -> "Renderer":
        from daemon.outbound.templates import Renderer
        return Renderer(self.config.templates.override_dir)

    @cached_property
    def mailer(self) -> "Mailer":
        from daemon.outbound.outbox import Mailer
        return Mailer(self.config, self.renderer, self.secret)

    @cached_property
    def own(self) -> "OwnIdentity":
        from daemon.ingest.guards import OwnIdentity
        support = self.config.support
        return OwnIdentity(support_address=support.address, message_id_domain=support.message_id_domain,
                           secret=self.secret, loop_marker=support.address)

    def close(self) -> None:
        self.engine.dispose()


def build_runtime(config: Config, clock: Clock = system_clock, migrate: bool = True) -> Runtime:
    engine = make_engine(config.database_url)
    if migrate:
        upgrade(engine)
    store = BlobStore(config.storage_dir)
    secret = load_secret(config.security.secret_env, config.storage_dir)
    return Runtime(config=config, engine=engine, sessions=session_factory(engine), store=store,
                   secret=secret, clock=clock)


def load_secret(env_name: str, storage_dir: Path) -> bytes:
    """The Message-ID signing secret: from the environment, else one generated once and
    kept beside the data (so our own mail is recognised across restarts)."""
    value = os.environ.get(env_name)
    if value:
        return value.encode()
    path = storage_dir / "secret.key"
    if path.exists():
        return path.read_bytes().strip()
    storage_dir.mkdir(parents=True, exist_ok=True)
    fresh = secrets.token_hex(32).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(fresh)
    log.info("generated a Message-ID signing secret in %s (set $%s to manage it yourself)", path, env_name)
    return fresh
