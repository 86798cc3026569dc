"""The IMAP edge: the only module importing imapclient. Lists what is waiting, checks
sizes before downloading, fetches with BODY.PEEK (nothing is flagged before our commit),
and afterwards moves or flags each message, idempotently. Every call has a timeout.
One connection may serve two threads (the drain and its put-away): each command holds
the connection's lock."""
from __future__ import annotations

import logging
import os
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterator

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential, wait_random

from daemon import oauth
from daemon.sections import Mailbox as MailboxConfig

log = logging.getLogger("soporte.ingest")
IDLE_RENEW_SECONDS = 25 * 60        # servers may drop IDLE after 29 minutes (RFC 2177)
NETWORK_ERRORS = (OSError, IMAPClientError, TimeoutError)
PROTOCOL_TRACE = "imapclient.imaplib"      # imaplib's own trace, as imapclient logs it
# 0.5 s, 1 s, 2 s, 4 s … plus up to 1 s of jitter, never more than 5 s in all (spelled so
# that every tenacity since 8.2 takes it: wait_exponential_jitter's `initial` is
# deprecated in 9.x, and warns on every connect)
CONNECT_WAIT = wait_exponential(multiplier=0.5, max=4) + wait_random(0, 1)


class MailboxError(Exception):
    """The mailbox cannot be reached or used; the message says what to check."""


@dataclass(frozen=True)
class Waiting:
    uid: int
    size: int


class Mailbox:
    def __init__(self, cfg: MailboxConfig, secret: str | None = None, connect_attempts: int = 3) -> None:
        self.cfg = cfg
        self._given_secret = secret
        self.connect_attempts = connect_attempts
        self.client: IMAPClient | None = None
        self.uidvalidity = 0
        self.can_move = False
        self.can_idle = False
        self._lock = threading.RLock()

    # -- connection -----------------------------------------------------------------
    @property
    def secret(self) -> str:
        """What a session logs in with: the password, or an access token, renewed when
        [oauth] is set (a given secret, the read-ahead worker's, is used as it is)."""
        if self._given_secret is not None:
            return self._given_secret
        if self.cfg.oauth is not None:             # set only with auth = "xoauth2"
            return oauth.tokens(self.cfg.oauth).access_token()
        return os.environ.get(self.cfg.password_env, "")

    @secret.setter
    def secret(self, value: str) -> None:
        self._given_secret = value

    def connect(self) -> "Mailbox":
        try:
            for attempt in Retrying(stop=stop_after_attempt(self.connect_attempts), reraise=True,
                                    wait=CONNECT_WAIT,
                                    retry=retry_if_exception_type(NETWORK_ERRORS)):
                with attempt:
                    self._open()
        except NETWORK_ERRORS as exc:
            raise MailboxError(f"IMAP {self.cfg.host}:{self.cfg.port}: {exc}") from exc
        except oauth.OAuthError as exc:
            raise MailboxError(f"IMAP {self.cfg.host}:{self.cfg.port}: no OAuth token: {exc}") from exc
        return self

    def _open(self) -> None:
        cfg = self.cfg
        client = IMAPClient(cfg.host, port=cfg.port, ssl=cfg.security == "ssl",
                            timeout=cfg.timeout_seconds, ssl_context=ssl.create_default_context())
        _quiet_protocol_trace(client)
        try:
            if cfg.security == "starttls":
                client.starttls(ssl.create_default_context())
            if cfg.auth == "xoauth2":
                self._oauth_login(client)
            else:
                client.login(cfg.username, self.secret)
            caps = set(client.capabilities())
            self.can_move, self.can_idle = b"MOVE" in caps, b"IDLE" in caps
            for folder in (cfg.processed_folder, cfg.quarantine_folder):
                if folder and not client.folder_exists(folder):
                    client.create_folder(folder)
            self.uidvalidity = int(client.select_folder(cfg.folder)[b"UIDVALIDITY"])
        except BaseException:
            _quietly(client.logout)
            raise
        self.client = client

    def _oauth_login(self, client: IMAPClient) -> None:
        try:
            client.oauth2_login(self.cfg.username, self.secret)
        except LoginError:
            if self.cfg.oauth is not None and self._given_secret is None:
                oauth.tokens(self.cfg.oauth).forget()   # revoked early: the next try asks anew
            raise

    def close(self) -> None:
        with self._lock:
            if self.client is not None:
                _quietly(self.client.logout)
                self.client = None

    def __enter__(self) -> "Mailbox":
        return self.connect()

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- reading ----------------------------------------------------------------------
    def waiting(self, after_uid: int = 0) -> list[Waiting]:
        """UIDs waiting, with sizes. When handled mail is moved away the folder holds only
        what is left; when it is only flagged, the UID checkpoint says where to resume."""
        with self._lock:
            client = self._client()
            if self.cfg.processed_folder or not after_uid:
                uids = client.search(["ALL"])
            else:
                # "N:*" always matches the newest message, even below N: filter ourselves
                uids = [u for u in client.search(["UID", f"{after_uid + 1}:*"]) if u > after_uid]
            uids = sorted(uids)
            sizes = client.fetch(uids, ["RFC822.SIZE"]) if uids else {}
        return [Waiting(u, int(sizes[u][b"RFC822.SIZE"])) for u in uids if u in sizes]

    def fetch(self, uids: list[int]) -> Iterator[tuple[int, bytes]]:
        """Raw bytes, in one FETCH, without setting \\Seen (BODY.PEEK). The caller bounds
        the group (read_ahead.fetch_groups: fetch_batch messages, FETCH_BYTES)."""
        with self._lock:
            found = self._client().fetch(uids, ["BODY.PEEK[]"])
        for uid in uids:
            # gone since it was listed; an unsolicited FLAGS response may be keyed alike
            body = found.get(uid, {}).get(b"BODY[]")
            if body is not None:
                yield uid, body

    def fetch_headers(self, uid: int) -> bytes:
        with self._lock:
            data = self._client().fetch([uid], ["BODY.PEEK[HEADER]"]).get(uid, {})
        return data.get(b"BODY[HEADER]", b"")

    # -- after commit -----------------------------------------------------------------
    def mark_done(self, uids: list[int]) -> None:
        self._put_away(uids, self.cfg.processed_folder)

    def quarantine(self, uids: list[int]) -> None:
        self._put_away(uids, self.cfg.quarantine_folder)

    def _put_away(self, uids: list[int], folder: str) -> None:
        if not uids:
            return
        with self._lock:
            client = self._client()
            client.add_flags(uids, [b"\\Seen"])
            if not folder:
                return
            if self.can_move:
                client.move(uids, folder)
            else:
                client.copy(uids, folder)
                client.delete_messages(uids)
                client.uid_expunge(uids) if client.has_capability("UIDPLUS") else client.expunge()

    # -- waiting for mail ------------------------------------------------------------
    def wait_for_mail(self, seconds: float, should_stop: Callable[[], bool]) -> bool:
        """IDLE (or sleep, for servers without it) until mail arrives, time is up or we stop."""
        with self._lock:
            return self._wait_for_mail(seconds, should_stop)

    def _wait_for_mail(self, seconds: float, should_stop: Callable[[], bool]) -> bool:
        client = self._client()
        deadline = time.monotonic() + min(seconds, IDLE_RENEW_SECONDS)
        if not (self.can_idle and self.cfg.idle):
            while time.monotonic() < deadline and not should_stop():
                time.sleep(0.2)
            return False
        client.idle()
        idle_done = True
        try:
            while time.monotonic() < deadline and not should_stop():
                responses = client.idle_check(timeout=0.5)
                if any(r and r[0] == b"BYE" for r in responses):
                    raise MailboxError(f"IMAP {self.cfg.host}:{self.cfg.port} closed the connection (BYE)")
                if any(_announces_mail(r) for r in responses):
                    return True
            return False
        except MailboxError:
            idle_done = False         # the connection is gone: nothing to end
            raise
        finally:
            if idle_done:
                client.idle_done()

    def _client(self) -> IMAPClient:
        if self.client is None:
            raise MailboxError("not connected")
        return self.client


def _quiet_protocol_trace(client: IMAPClient) -> None:
    """imapclient turns imaplib's protocol trace on and hands it to a logger, but imaplib
    formats each trace line first, the repr of every downloaded message included: that
    cost several times the CPU of the download itself. The trace stays on only when
    someone is listening (the "imapclient.imaplib" logger at DEBUG)."""
    if not logging.getLogger(PROTOCOL_TRACE).isEnabledFor(logging.DEBUG):
        client._imap.debug = 0


def _announces_mail(response: tuple) -> bool:
    return len(response) >= 2 and response[1] in (b"EXISTS", b"RECENT")


def _quietly(call: Callable[[], object]) -> None:
    try:
        call()
    except Exception:   # noqa: BLE001 - closing a connection that is already broken
        pass
