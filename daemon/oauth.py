"""Access tokens for mailboxes that refuse passwords (Microsoft 365, Google). They last
about an hour, so a daemon that runs for years cannot be given one: it asks the
provider's token endpoint (RFC 6749) with a refresh token, or with the application's
own credentials, and renews the token before it runs out. One token serves every IMAP
and SMTP session of the process. A provider that hands out a new refresh token with
each renewal (Microsoft does) gets the newest one back after a restart: it is kept in
the storage folder, readable by soporte's user only."""
from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from daemon.sections import OAuth

RENEW_BEFORE_SECONDS = 300          # a token this close to its end is renewed first
HTTP_TIMEOUT_SECONDS = 30
DEFAULT_LIFETIME_SECONDS = 3600     # when the provider does not say
REFRESH_TOKEN_FILE = "oauth-refresh-token.json"

Post = Callable[[str, dict[str, str]], tuple[int, bytes]]
log = logging.getLogger("soporte.oauth")


class OAuthError(Exception):
    """The provider refused or could not be reached; the message says which and why."""


@dataclass(frozen=True)
class Grant:
    access_token: str
    expires_at: float               # seconds since the epoch
    refresh_token: str              # "" when the provider sent none


def client_form(cfg: OAuth, client_secret: str) -> dict[str, str]:
    """Who asks, in every form posted to the provider: a public client sends no secret."""
    form = {"client_id": cfg.client_id}
    if client_secret:
        form["client_secret"] = client_secret
    return form


def token_request(cfg: OAuth, client_secret: str, refresh_token: str) -> dict[str, str]:
    """The form posted to the token endpoint: a refresh grant when there is a refresh
    token, else the client-credentials grant (Microsoft 365's app-only access)."""
    form = client_form(cfg, client_secret)
    if refresh_token:
        form.update(grant_type="refresh_token", refresh_token=refresh_token)
    else:
        form["grant_type"] = "client_credentials"
    if cfg.scope:
        form["scope"] = cfg.scope
    return form


def answer_json(status: int, body: bytes) -> dict:
    """An endpoint's JSON object, or OAuthError when the answer is none (a proxy's page)."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise OAuthError(f"HTTP {status}: the answer is not a token response")
    return data


def read_grant(status: int, body: bytes, now: float) -> Grant:
    """The token endpoint's answer, or OAuthError with the provider's own reason."""
    data = answer_json(status, body)
    token = data.get("access_token")
    if status != 200 or not isinstance(token, str) or not token:
        error = str(data.get("error") or f"HTTP {status}")
        reason = str(data.get("error_description") or "").strip().splitlines()
        raise OAuthError(f"{error}: {reason[0]}" if reason else error)
    try:
        lifetime = float(data.get("expires_in", DEFAULT_LIFETIME_SECONDS))
    except (TypeError, ValueError):
        lifetime = DEFAULT_LIFETIME_SECONDS
    return Grant(token, now + lifetime, str(data.get("refresh_token") or ""))


def post_form(url: str, form: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded",
                                              "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise OAuthError(f"cannot reach {urllib.parse.urlsplit(url).netloc}: {reason}") from None


class Tokens:
    """The current access token, renewed under a lock: the IMAP thread and the sender
    ask for it at the same time."""

    def __init__(self, cfg: OAuth, clock: Callable[[], float] = time.time, post: Post = post_form) -> None:
        self.cfg = cfg
        self.clock = clock
        self.post = post
        self._grant: Grant | None = None
        self._lock = threading.Lock()

    def access_token(self) -> str:
        with self._lock:
            now = self.clock()
            if self._grant is None or self._grant.expires_at - now <= RENEW_BEFORE_SECONDS:
                self._grant = self._renew(now)
            return self._grant.access_token

    def forget(self) -> None:
        """After a server refused the token (revoked early): the next call asks again."""
        with self._lock:
            self._grant = None

    def _renew(self, now: float) -> Grant:
        refresh = refresh_token(self.cfg)
        secret = os.environ.get(self.cfg.client_secret_env, "")
        grant = read_grant(*self.post(self.cfg.token_url, token_request(self.cfg, secret, refresh)), now)
        if refresh and grant.refresh_token and grant.refresh_token != refresh:
            keep_refresh_token(self.cfg, grant.refresh_token)
        return grant


# The newest refresh token (rotated by the provider, or got by `soporte oauth login`) is
# remembered with a digest of the one the admin gave in the environment: when the admin
# gives a new one there (the old was revoked), theirs wins over what was kept.
def refresh_token(cfg: OAuth) -> str:
    """The refresh token to use: the kept one, else the environment's ("": none)."""
    given = os.environ.get(cfg.refresh_token_env, "")
    path = _kept_file(cfg)
    try:
        kept = json.loads(path.read_text(encoding="utf-8")) if path is not None else None
    except FileNotFoundError:
        return given
    except (OSError, ValueError) as exc:
        # e.g. `oauth login` run as root, the daemon as its own user
        log.warning("cannot read the kept refresh token %s (%s): using $%s", path, exc, cfg.refresh_token_env)
        return given
    if isinstance(kept, dict) and kept.get("given") == _digest(given) and kept.get("refresh_token"):
        return str(kept["refresh_token"])
    return given


def keep_refresh_token(cfg: OAuth, token: str) -> Path | None:
    """Written atomically, readable by soporte's user only; the file, or None without
    a storage folder."""
    path = _kept_file(cfg)
    if path is None:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"given": _digest(os.environ.get(cfg.refresh_token_env, "")), "refresh_token": token}, handle)
    os.replace(temporary, path)
    return path


def _kept_file(cfg: OAuth) -> Path | None:
    return cfg.store / REFRESH_TOKEN_FILE if cfg.store is not None else None


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


_SOURCES: dict[OAuth, Tokens] = {}
_SOURCES_LOCK = threading.Lock()


def tokens(cfg: OAuth) -> Tokens:
    """The process's one token source for these settings (IMAP and SMTP share it)."""
    with _SOURCES_LOCK:
        if cfg not in _SOURCES:
            _SOURCES[cfg] = Tokens(cfg)
        return _SOURCES[cfg]
