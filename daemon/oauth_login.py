"""The first refresh token, got once by the admin at a terminal (`soporte oauth login`),
so that soporte can act as the support mailbox's user without anyone pasting tokens:

- the device flow (RFC 8628): soporte shows a short code, the admin types it at the
  provider's page on any device and signs in as the mailbox's user (Microsoft 365);
- the browser flow of installed applications (RFC 8252, with PKCE): the provider sends
  the browser back to a port on this machine's loopback (Google, which refuses mail
  scopes to the device flow). On a server without a browser, forward that port over
  SSH, or paste the address the browser ended on.

The refresh token is kept where the token source looks for it (daemon/oauth.py); a
running daemon takes it at its next renewal. The HTTP calls and the waiting are passed
in, so the flows are tested without a provider and without sleeping."""
from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Callable

from daemon.oauth import Grant, OAuthError, Post, answer_json, client_form, read_grant
from daemon.sections import OAuth

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_INTERVAL_SECONDS = 5        # RFC 8628 §3.2, when the provider does not say
SLOW_DOWN_SECONDS = 5               # added to the interval on "slow_down" (§3.5)
BROWSER_WAIT_SECONDS = 600
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class DeviceCode:
    device_code: str
    user_code: str
    verification_uri: str
    message: str            # the provider's own instructions, when it gives them
    interval: float
    expires_at: float


def start_device_flow(cfg: OAuth, client_secret: str, post: Post, now: float) -> DeviceCode:
    form = client_form(cfg, client_secret)
    if cfg.scope:
        form["scope"] = cfg.scope
    status, body = post(cfg.device_url, form)
    data = answer_json(status, body)
    device_code, user_code = data.get("device_code"), data.get("user_code")
    # Google and the RFC say verification_url[_complete]; Microsoft verification_uri
    uri = data.get("verification_uri") or data.get("verification_url")
    if status != 200 or not all(isinstance(v, str) and v for v in (device_code, user_code, uri)):
        read_grant(status, body, now)       # raises with the provider's reason
        raise OAuthError(f"HTTP {status}: the answer holds no device code")
    return DeviceCode(device_code, user_code, uri, str(data.get("message") or ""),
                      _number(data.get("interval"), DEFAULT_INTERVAL_SECONDS),
                      now + _number(data.get("expires_in"), 900))


def _number(value: object, default: float) -> float:
    try:
        return max(0.0, float(value)) if value is not None else default
    except (TypeError, ValueError):
        return default


def finish_device_flow(cfg: OAuth, client_secret: str, code: DeviceCode, post: Post,
                       clock: Callable[[], float] = time.time,
                       sleep: Callable[[float], None] = time.sleep) -> Grant:
    """Asks the token endpoint, at the pace the provider sets, until the admin has
    signed in, refused, or let the code expire."""
    form = {**client_form(cfg, client_secret), "grant_type": DEVICE_GRANT, "device_code": code.device_code}
    interval = code.interval
    while True:
        now = clock()
        if now >= code.expires_at:
            raise OAuthError("expired_token: the code was not entered in time; run the login again")
        status, body = post(cfg.token_url, form)
        if status == 200:
            return read_grant(status, body, now)
        error = answer_json(status, body).get("error")
        if error == "slow_down":
            interval += SLOW_DOWN_SECONDS
        elif error != "authorization_pending":
            read_grant(status, body, now)   # access_denied, expired_token...: the provider's reason
        sleep(interval)


@dataclass(frozen=True)
class BrowserLogin:
    url: str                # where the admin signs in
    redirect_uri: str
    state: str
    verifier: str           # PKCE (RFC 7636): only this process can use the code


def browser_login(cfg: OAuth, port: int) -> BrowserLogin:
    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    state = secrets.token_urlsafe(24)
    redirect_uri = f"http://{LOOPBACK}:{port}/"
    query = {"response_type": "code", "client_id": cfg.client_id, "redirect_uri": redirect_uri,
             "state": state, "code_challenge": challenge, "code_challenge_method": "S256",
             # a refresh token, asked for the way each provider wants it
             "access_type": "offline", "prompt": "consent"}
    if cfg.scope:
        query["scope"] = cfg.scope
    separator = "&" if "?" in cfg.authorize_url else "?"
    return BrowserLogin(cfg.authorize_url + separator + urllib.parse.urlencode(query), redirect_uri, state, verifier)


def code_from_redirect(login: BrowserLogin, address: str) -> str:
    """The authorization code in the address the provider sent the browser back to."""
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(address.strip()).query))
    if "error" in query:
        reason = query.get("error_description", "").strip().splitlines()
        raise OAuthError(f"{query['error']}: {reason[0]}" if reason else query["error"])
    if query.get("state") != login.state:
        raise OAuthError("the answer does not belong to this login (state differs); run the login again")
    if not query.get("code"):
        raise OAuthError("the address holds no authorization code")
    return query["code"]


def exchange_code(cfg: OAuth, client_secret: str, login: BrowserLogin, code: str, post: Post,
                  now: float) -> Grant:
    form = {**client_form(cfg, client_secret), "grant_type": "authorization_code", "code": code,
            "redirect_uri": login.redirect_uri, "code_verifier": login.verifier}
    return read_grant(*post(cfg.token_url, form), now)


class RedirectCatcher:
    """A one-page HTTP server on loopback that takes the browser's return."""

    def __init__(self, port: int = 0) -> None:
        self.address: str | None = None
        self._arrived = threading.Event()
        catcher = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = urllib.parse.urlsplit(self.path).query
                if "code=" not in query and "error=" not in query:
                    self.send_error(404)
                    return
                catcher.address = f"http://{LOOPBACK}{self.path}"
                page = ("soporte: sign-in received, you can close this page."
                        if "code=" in query else "soporte: the sign-in was refused; see the terminal.").encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)
                catcher._arrived.set()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer((LOOPBACK, port), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.1,), daemon=True)
        self._thread.start()

    def offer(self, address: str) -> None:
        """The address, pasted by the admin instead of arriving over HTTP."""
        self.address = address
        self._arrived.set()

    def wait(self, seconds: float) -> str | None:
        self._arrived.wait(seconds)
        return self.address

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
