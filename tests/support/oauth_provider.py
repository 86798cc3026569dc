"""A token endpoint and a token introspection endpoint on loopback, as an OAuth provider
(Microsoft's, Google's) offers them: refresh and client-credentials grants, tokens
that expire, refresh tokens it may rotate, and every request recorded. Dovecot asks its
introspection URL whether an access token is good. For the admin's first sign-in: a
device authorization endpoint whose code is "entered" after a few polls, and an
authorization endpoint that sends the browser straight back with a code (PKCE checked)."""
from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from types import TracebackType

HOST = "127.0.0.1"


@dataclass
class Issued:
    user: str
    expires_at: float


@dataclass
class OAuthProvider:
    client_id: str = "soporte-app"
    client_secret: str = "s3cret"
    user: str = ""                         # whose mailbox the tokens open
    lifetime: int = 3600                   # expires_in of every token
    rotate: bool = False                   # a new refresh token with each refresh
    refresh_tokens: set[str] = field(default_factory=lambda: {"rt-0"})
    requests: list[dict[str, str]] = field(default_factory=list)
    tokens: dict[str, Issued] = field(default_factory=dict)
    polls_before_approval: int = 2         # device flow: "authorization_pending" this often
    deny: bool = False                     # the user refuses the sign-in
    device_codes: dict[str, int] = field(default_factory=dict)     # device code -> polls so far
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)  # code -> (redirect_uri, challenge)

    def __post_init__(self) -> None:
        self._numbers = count(1)
        self._lock = threading.Lock()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                self._answer(*(provider.device(form) if self.path == "/devicecode" else provider.grant(form)))

            def do_GET(self) -> None:
                if self.path.startswith("/authorize?"):
                    self.send_response(302)
                    self.send_header("Location", provider.authorize(dict(urllib.parse.parse_qsl(self.path[11:]))))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                bearer = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
                self._answer(*provider.introspect(bearer))

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer((HOST, 0), Handler)
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        base = f"http://{HOST}:{self.server.server_port}"
        self.token_url, self.introspection_url = f"{base}/token", f"{base}/introspect"
        self.device_url, self.authorize_url = f"{base}/devicecode", f"{base}/authorize"

    def device(self, form: dict[str, str]) -> tuple[int, dict]:
        with self._lock:
            self.requests.append(form)
            if form.get("client_id") != self.client_id:
                return 400, {"error": "unauthorized_client", "error_description": "AADSTS700016: Application not found."}
            code = f"dc-{next(self._numbers)}"
            self.device_codes[code] = 0
            return 200, {"device_code": code, "user_code": "ABCD-1234", "verification_uri": "https://microsoft.test/devicelogin",
                         "expires_in": 900, "interval": 0,
                         "message": "To sign in, open https://microsoft.test/devicelogin and enter the code ABCD-1234."}

    def authorize(self, query: dict[str, str]) -> str:
        """Where the browser goes next: back to the application, with a code or an error."""
        with self._lock:
            self.requests.append(query)
            back = query.get("redirect_uri", "")
            if not back.startswith(f"http://{HOST}:") or query.get("code_challenge_method") != "S256":
                return back + "?" + urllib.parse.urlencode({"error": "invalid_request", "state": query.get("state", "")})
            if self.deny:
                return back + "?" + urllib.parse.urlencode({"error": "access_denied", "state": query.get("state", ""),
                                                            "error_description": "The user declined."})
            code = f"code-{next(self._numbers)}"
            self.codes[code] = (back, query.get("code_challenge", ""))
            return back + "?" + urllib.parse.urlencode({"code": code, "state": query.get("state", "")})

    def _user_grant(self, form: dict[str, str]) -> tuple[int, dict] | None:
        """The device and authorization-code grants; None for the others."""
        kind = form.get("grant_type")
        if kind == "urn:ietf:params:oauth:grant-type:device_code":
            code = form.get("device_code", "")
            if code not in self.device_codes:
                return 400, {"error": "expired_token"}
            if self.deny:
                return 400, {"error": "access_denied", "error_description": "AADSTS70000: The user declined."}
            self.device_codes[code] += 1
            if self.device_codes[code] <= self.polls_before_approval:
                return 400, {"error": "authorization_pending"}
            del self.device_codes[code]
        elif kind == "authorization_code":
            back, challenge = self.codes.pop(form.get("code", ""), ("", ""))
            verifier = form.get("code_verifier", "").encode()
            expected = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).decode().rstrip("=")
            if not back or back != form.get("redirect_uri") or expected != challenge:
                return 400, {"error": "invalid_grant", "error_description": "The code or its verifier is wrong."}
        else:
            return None
        fresh = f"rt-{next(self._numbers)}"
        self.refresh_tokens.add(fresh)
        return self._issue({"refresh_token": fresh})

    def _issue(self, body: dict) -> tuple[int, dict]:
        """A new access token for the mailbox's user, with `body` (a refresh token)."""
        token = f"at-{next(self._numbers)}"
        self.tokens[token] = Issued(self.user, time.time() + self.lifetime)
        return 200, {"token_type": "Bearer", "access_token": token, "expires_in": self.lifetime, **body}

    def grant(self, form: dict[str, str]) -> tuple[int, dict]:
        with self._lock:
            self.requests.append(form)
            if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
                return 401, {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."}
            body: dict = {}
            user_grant = self._user_grant(form)
            if user_grant is not None:
                return user_grant
            if form.get("grant_type") == "refresh_token":
                if form.get("refresh_token") not in self.refresh_tokens:
                    return 400, {"error": "invalid_grant",
                                 "error_description": "AADSTS70008: The refresh token has expired or is invalid.\r\nTrace ID: 1"}
                if self.rotate:
                    fresh = f"rt-{next(self._numbers)}"
                    self.refresh_tokens.add(fresh)
                    body["refresh_token"] = fresh
            elif form.get("grant_type") != "client_credentials":
                return 400, {"error": "unsupported_grant_type"}
            return self._issue(body)

    def introspect(self, token: str) -> tuple[int, dict]:
        with self._lock:
            issued = self.tokens.get(token)
            if issued is None or issued.expires_at < time.time():
                return 401, {"error": "invalid_token"}
            return 200, {"email": issued.user, "active": "true"}

    def start(self) -> "OAuthProvider":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> "OAuthProvider":
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()
