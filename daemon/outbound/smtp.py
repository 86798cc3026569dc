"""The SMTP edge: the only module importing aiosmtplib. Sorts every failure into
TemporaryFailure (4xx, network, timeout: retry later) or PermanentFailure (5xx: give up
and show it). Short blips while connecting are retried here with tenacity; longer
outages are the outbox's business (rows keep their own retry schedule)."""
from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

import aiosmtplib
from aiosmtplib import errors
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential, wait_random

from daemon import oauth
from daemon.sections import OAuth, Smtp

# 0.2 s, 0.4 s … at most 2 s, plus up to 1 s of jitter (spelled so that every tenacity
# since 8.2 takes it: wait_exponential_jitter's `initial` is deprecated in 9.x)
CONNECT_WAIT = wait_exponential(multiplier=0.2, max=2) + wait_random(0, 1)

class TemporaryFailure(Exception):
    pass


class PermanentFailure(Exception):
    pass


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    username: str
    password: str
    timeout: float
    connections: int = 1        # mails under way at once, one per connection
    auth: str = "password"      # or "xoauth2": `password` is then the access token
    oauth: OAuth | None = None  # renews the access token instead

    @classmethod
    def from_config(cls, cfg: Smtp) -> "SmtpSettings":
        password = os.environ.get(cfg.password_env, "") if cfg.username else ""
        return cls(cfg.host, cfg.port, cfg.security, cfg.username, password, float(cfg.timeout_seconds),
                   cfg.connections, cfg.auth, cfg.oauth)


class SmtpConnection:
    """One SMTP session used for a batch of messages."""

    def __init__(self, settings: SmtpSettings, connect_attempts: int = 3) -> None:
        self.settings = settings
        self.connect_attempts = connect_attempts
        self.client: aiosmtplib.SMTP | None = None

    async def __aenter__(self) -> "SmtpConnection":
        try:
            async for attempt in AsyncRetrying(
                    stop=stop_after_attempt(self.connect_attempts), reraise=True,
                    wait=CONNECT_WAIT,
                    retry=retry_if_exception_type((OSError, errors.SMTPConnectError,
                                                   errors.SMTPServerDisconnected, errors.SMTPTimeoutError))):
                with attempt:
                    await self._connect()
        except Exception as exc:   # noqa: BLE001
            # failing to connect or log in is an outage, never a property of one message
            raise TemporaryFailure(f"cannot connect to {self.settings.host}:{self.settings.port}: "
                                   f"{classify(exc)}") from exc
        return self

    async def _connect(self) -> None:
        s = self.settings
        client = aiosmtplib.SMTP(hostname=s.host, port=s.port, timeout=s.timeout,
                                 use_tls=s.security == "ssl",
                                 start_tls=True if s.security == "starttls" else False)
        await client.connect()
        if s.username and s.auth == "xoauth2":
            await self._oauth_login(client)
        elif s.username:
            await client.login(s.username, s.password)
        self.client = client

    async def _oauth_login(self, client: aiosmtplib.SMTP) -> None:
        s = self.settings
        if s.oauth is None:
            await client.auth_xoauth2(s.username, s.password)
            return
        source = oauth.tokens(s.oauth)
        try:       # renewing may wait on the provider: not on this event loop
            await client.auth_xoauth2(s.username, await asyncio.to_thread(source.access_token))
        except errors.SMTPAuthenticationError:
            source.forget()             # revoked early: the next connection asks anew
            raise

    async def send(self, sender: str, recipients: list[str], raw: bytes) -> dict[str, tuple[int, str]]:
        """The recipients the server refused while it took the mail for the others, each
        with its reply (empty when none was refused). Refusing them all raises, like any
        other failure: nobody has the mail."""
        assert self.client is not None
        try:
            refused, _ = await self.client.sendmail(sender, recipients, raw)
        except Exception as exc:   # noqa: BLE001
            raise classify(exc) from exc
        return {rcpt: (resp.code, resp.message) for rcpt, resp in refused.items()}

    async def __aexit__(self, *exc_info) -> None:
        if self.client is not None and self.client.is_connected:
            try:
                await self.client.quit()
            except Exception:   # noqa: BLE001 - the mail is already accepted or recorded
                self.client.close()


def classify(exc: BaseException) -> Exception:
    if isinstance(exc, (TemporaryFailure, PermanentFailure)):
        return exc
    if isinstance(exc, oauth.OAuthError):
        return TemporaryFailure(f"no OAuth token: {exc}")
    if isinstance(exc, errors.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        kind = PermanentFailure if codes and all(c >= 500 for c in codes) else TemporaryFailure
        return kind(f"recipients refused: {exc}")
    if isinstance(exc, errors.SMTPResponseException):
        kind = PermanentFailure if exc.code >= 500 else TemporaryFailure
        return kind(f"{exc.code} {exc.message}")
    if isinstance(exc, (OSError, TimeoutError, errors.SMTPException)):
        return TemporaryFailure(f"{type(exc).__name__}: {exc}")
    return TemporaryFailure(f"unexpected {type(exc).__name__}: {exc}")
