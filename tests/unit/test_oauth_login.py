"""The admin's first sign-in: the device flow polled at the provider's pace (slow_down,
refusal, expiry) with an injected clock and sleep, and the browser flow's redirect read
and checked (state, errors, PKCE)."""
from __future__ import annotations

import base64
import hashlib
import json
import urllib.parse

import pytest

from daemon.oauth import OAuthError
from daemon.oauth_login import (DEVICE_GRANT, SLOW_DOWN_SECONDS, DeviceCode, browser_login, code_from_redirect,
                                exchange_code, finish_device_flow, start_device_flow)
from daemon.sections import OAuth

CFG = OAuth("https://login.test/token", "app", "S", "R", "https://outlook.office365.com/IMAP.AccessAsUser.All offline_access",
            device_url="https://login.test/devicecode", authorize_url="https://login.test/authorize?tenant=x")


class Provider:
    """Answers in turn, recording what was posted where."""

    def __init__(self, *answers: tuple[int, dict]) -> None:
        self.answers = list(answers)
        self.posted: list[tuple[str, dict[str, str]]] = []

    def __call__(self, url: str, form: dict[str, str]) -> tuple[int, bytes]:
        self.posted.append((url, form))
        status, body = self.answers.pop(0)
        return status, json.dumps(body).encode()


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


TOKEN = {"access_token": "at", "expires_in": 3600, "refresh_token": "rt-user"}


def test_the_device_code_as_microsoft_and_google_give_it():
    microsoft = Provider((200, {"device_code": "dc", "user_code": "ABCD", "verification_uri": "https://m.test/devicelogin",
                                "expires_in": 900, "interval": 5, "message": "To sign in, open ..."}))
    code = start_device_flow(CFG, "sec", microsoft, 1_000.0)
    assert code == DeviceCode("dc", "ABCD", "https://m.test/devicelogin", "To sign in, open ...", 5.0, 1_900.0)
    assert microsoft.posted == [("https://login.test/devicecode", {"client_id": "app", "client_secret": "sec",
                                                                  "scope": CFG.scope})]
    google = Provider((200, {"device_code": "dc", "user_code": "XYZ", "verification_url": "https://g.test/device"}))
    code = start_device_flow(CFG, "", google, 0.0)
    assert (code.verification_uri, code.interval, code.expires_at) == ("https://g.test/device", 5.0, 900.0)


def test_a_refused_device_request_shows_the_providers_reason():
    refusing = Provider((400, {"error": "invalid_scope", "error_description": "AADSTS70011: bad scope.\r\nTrace"}))
    with pytest.raises(OAuthError, match="invalid_scope: AADSTS70011: bad scope.$"):
        start_device_flow(CFG, "", refusing, 0.0)


def test_polling_waits_while_pending_and_slows_down_when_told():
    provider = Provider((400, {"error": "authorization_pending"}), (400, {"error": "slow_down"}),
                        (400, {"error": "authorization_pending"}), (200, TOKEN))
    clock = Clock()
    grant = finish_device_flow(CFG, "", DeviceCode("dc", "U", "https://x", "", 5, 10_000), provider, clock, clock.sleep)
    assert grant.refresh_token == "rt-user" and grant.access_token == "at"
    assert clock.slept == [5, 5 + SLOW_DOWN_SECONDS, 5 + SLOW_DOWN_SECONDS]
    assert {form["grant_type"] for _, form in provider.posted} == {DEVICE_GRANT}
    assert provider.posted[0][1]["device_code"] == "dc"


@pytest.mark.parametrize("error, message", [
    ({"error": "access_denied", "error_description": "AADSTS70000: The user declined."},
     "access_denied: AADSTS70000: The user declined."),
    ({"error": "expired_token"}, "expired_token"),
])
def test_a_refusal_or_an_expired_code_ends_the_wait(error, message):
    provider = Provider((400, {"error": "authorization_pending"}), (400, error))
    clock = Clock()
    with pytest.raises(OAuthError, match=message):
        finish_device_flow(CFG, "", DeviceCode("dc", "U", "https://x", "", 1, 10_000), provider, clock, clock.sleep)


def test_the_wait_ends_when_the_code_expires_here():
    provider = Provider(*[(400, {"error": "authorization_pending"})] * 10)
    clock = Clock()
    with pytest.raises(OAuthError, match="not entered in time"):
        finish_device_flow(CFG, "", DeviceCode("dc", "U", "https://x", "", 4, 1_010), provider, clock, clock.sleep)
    assert len(provider.posted) == 3


def test_the_browser_is_sent_with_pkce_and_back_to_loopback():
    login = browser_login(CFG, 8765)
    url = urllib.parse.urlsplit(login.url)
    query = dict(urllib.parse.parse_qsl(url.query))
    assert url.geturl().startswith("https://login.test/authorize?tenant=x&")
    assert query["redirect_uri"] == login.redirect_uri == "http://127.0.0.1:8765/"
    challenge = base64.urlsafe_b64encode(hashlib.sha256(login.verifier.encode()).digest()).decode().rstrip("=")
    assert (query["code_challenge"], query["code_challenge_method"]) == (challenge, "S256")
    assert (query["state"], query["scope"], query["response_type"]) == (login.state, CFG.scope, "code")
    assert browser_login(CFG, 8765).state != login.state


def test_the_redirect_gives_the_code_only_for_this_login():
    login = browser_login(CFG, 8765)
    assert code_from_redirect(login, f"http://127.0.0.1:8765/?code=c-1&state={login.state}\n") == "c-1"
    with pytest.raises(OAuthError, match="state differs"):
        code_from_redirect(login, "http://127.0.0.1:8765/?code=c-1&state=other")
    with pytest.raises(OAuthError, match="access_denied: The user declined."):
        code_from_redirect(login, f"http://127.0.0.1:8765/?error=access_denied&error_description=The+user+declined."
                                  f"&state={login.state}")
    with pytest.raises(OAuthError, match="no authorization code"):
        code_from_redirect(login, f"http://127.0.0.1:8765/?state={login.state}")


def test_the_code_is_exchanged_with_its_verifier():
    login = browser_login(CFG, 8765)
    provider = Provider((200, TOKEN))
    assert exchange_code(CFG, "sec", login, "c-1", provider, 0.0).refresh_token == "rt-user"
    assert provider.posted == [("https://login.test/token", {
        "client_id": "app", "client_secret": "sec", "grant_type": "authorization_code", "code": "c-1",
        "redirect_uri": "http://127.0.0.1:8765/", "code_verifier": login.verifier})]
