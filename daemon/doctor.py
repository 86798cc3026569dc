"""`soporte doctor`: checks an installation the way an admin would, one line per check.
In: the config file path; out: Check results (ok / FAIL, what was seen, the fix in one
sentence). Network checks use short timeouts and one attempt; SMTP is only greeted
(EHLO, NOOP), never given a message. Never changes tickets; never exits the process."""
from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit
from typing import Any, Callable

from daemon.config import Config, load_config
from daemon.problems import ConfigError

NETWORK_TIMEOUT_SECONDS = 10
MIN_FREE_BYTES = 500 * 1024 * 1024


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def run_checks(config_file: Path) -> list[Check]:
    try:
        config = load_config(config_file)
    except ConfigError as exc:
        detail = exc.report() if exc.problems else str(exc)
        return [Check("config", False, detail, "correct the file (`soporte check` lists every problem).")]
    checks = [Check("config", True, f"{config.source} loads")]
    for check in (check_database, check_templates, check_storage, check_oauth, check_imap, check_smtp):
        checks.append(_guarded(check, config))
    return checks


def _guarded(check: Callable[[Config], Check], config: Config) -> Check:
    try:
        return check(config)
    except Exception as exc:   # noqa: BLE001 - a broken check is a failed check, not a crash
        name = check.__name__.removeprefix("check_")
        return Check(name, False, f"{type(exc).__name__}: {exc}", "see the error above.")


def check_database(config: Config) -> Check:
    from daemon.db.engine import current_revision, head_revision, make_engine
    url = config.database_url
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            return Check("database", False, f"{path} does not exist", "run `soporte db upgrade` to create it.")
    os.environ.setdefault("PGCONNECT_TIMEOUT", str(NETWORK_TIMEOUT_SECONDS))   # read by libpq
    engine = make_engine(url)
    try:
        current, head = current_revision(engine), head_revision()
    except Exception as exc:   # noqa: BLE001
        return Check("database", False, f"cannot connect: {type(exc).__name__}: {_first_line(exc)}",
                     "check [database] url, that the server runs and the credentials.")
    finally:
        engine.dispose()
    if current != head:
        return Check("database", False, f"reachable, schema at {current or 'empty'}, code expects {head}",
                     "run `soporte db upgrade`.")
    return Check("database", True, f"reachable, schema at {head} (newest)")


def check_templates(config: Config) -> Check:
    from daemon.cli.ops import check_templates as compile_all
    from daemon.outbound.templates import Renderer
    problems = compile_all(Renderer(config.templates.override_dir))
    if problems:
        return Check("templates", False, "; ".join(problems[:3]) + (" ..." if len(problems) > 3 else ""),
                     "fix the named templates (`soporte check` lists them all).")
    return Check("templates", True, "every template compiles")


def check_storage(config: Config) -> Check:
    folder = config.storage_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-"):
            pass
    except OSError as exc:
        return Check("storage", False, f"{folder} is not writable: {exc.strerror or exc}",
                     "create the folder and give the soporte user write access to it.")
    free = shutil.disk_usage(folder).free
    if free < MIN_FREE_BYTES:
        return Check("storage", False, f"{folder}: only {_size(free)} free",
                     f"free disk space (at least {_size(MIN_FREE_BYTES)}) or move [storage] dir.")
    return Check("storage", True, f"{folder} writable, {_size(free)} free")


def check_oauth(config: Config) -> Check:
    from daemon import oauth
    cfg = config.mailbox.oauth or config.smtp.oauth
    if cfg is None:
        return Check("oauth", True, "not used (no xoauth2 login renews its tokens through [oauth])")
    host = urlsplit(cfg.token_url).netloc
    try:
        oauth.Tokens(cfg).access_token()
    except oauth.OAuthError as exc:
        return Check("oauth", False, f"{host}: {exc}",
                     f"check [oauth] token_url, client_id and scope, and ${cfg.client_secret_env} and "
                     f"${cfg.refresh_token_env}; a refresh token the provider revoked must be replaced.")
    grant = "refresh token" if oauth.refresh_token(cfg) else "client credentials"
    return Check("oauth", True, f"{host} gave an access token for {cfg.client_id} ({grant})")


def check_imap(config: Config) -> Check:
    from daemon.ingest.mailbox import Mailbox, MailboxError
    cfg = config.mailbox
    if not cfg.configured:
        return Check("imap", True, "not configured ([mailbox] host is empty): ingest is off")
    if cfg.oauth is None and not os.environ.get(cfg.password_env):
        return Check("imap", False, f"${cfg.password_env} is not set",
                     f"set {cfg.password_env} in the service's environment file.")
    quick = replace(cfg, timeout_seconds=min(cfg.timeout_seconds, NETWORK_TIMEOUT_SECONDS))
    try:
        with Mailbox(quick, connect_attempts=1) as mailbox:
            uidvalidity = mailbox.uidvalidity
    except (MailboxError, OSError) as exc:
        return Check("imap", False, f"{cfg.username}@{cfg.host}:{cfg.port}: {_first_line(exc)}",
                     "check [mailbox] host, port, security, username and the password variable.")
    return Check("imap", True, f"logged in as {cfg.username} at {cfg.host}:{cfg.port}, "
                               f"folder {cfg.folder} open (UIDVALIDITY {uidvalidity})")


def check_smtp(config: Config) -> Check:
    from daemon.outbound.smtp import SmtpSettings
    cfg = config.smtp
    settings = SmtpSettings.from_config(cfg)
    settings = replace(settings, timeout=min(settings.timeout, NETWORK_TIMEOUT_SECONDS))
    if cfg.username and cfg.oauth is None and not settings.password:
        return Check("smtp", False, f"${cfg.password_env} is not set",
                     f"set {cfg.password_env} in the service's environment file.")
    try:
        banner = asyncio.run(_greet(settings))
    except Exception as exc:   # noqa: BLE001
        return Check("smtp", False, f"{cfg.host}:{cfg.port}: {_first_line(exc)}",
                     "check [smtp] host, port, security and credentials, and that the relay runs.")
    return Check("smtp", True, f"{cfg.host}:{cfg.port} answers ({banner})")


async def _greet(settings: Any) -> str:
    from daemon.outbound.smtp import SmtpConnection
    async with SmtpConnection(settings, connect_attempts=1) as conn:
        assert conn.client is not None
        hello = await conn.client.ehlo()
        reply = await conn.client.noop()
        return f"EHLO {hello.code}, NOOP {reply.code}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def _size(n: int) -> str:
    return f"{n / 1024 ** 3:.1f} GiB" if n >= 1024 ** 3 else f"{n / 1024 ** 2:.0f} MiB"
