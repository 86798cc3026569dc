"""Access tokens renewed from the provider's token endpoint (a real HTTP server on
loopback): reused while they last, renewed before they run out, a rotated refresh
token kept for the next start, the provider's own reason shown when it refuses."""
from __future__ import annotations

import json

import pytest

from daemon.oauth import (REFRESH_TOKEN_FILE, RENEW_BEFORE_SECONDS, OAuthError, Tokens, read_grant,
                          token_request)
from daemon.sections import OAuth
from tests.support.oauth_provider import OAuthProvider


@pytest.fixture
def provider():
    with OAuthProvider(user="soporte@example.test") as running:
        yield running


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("T_CLIENT_SECRET", "s3cret")
    monkeypatch.setenv("T_REFRESH", "rt-0")
    return monkeypatch


def settings(provider: OAuthProvider, store=None, scope: str = "https://outlook.office365.com/.default") -> OAuth:
    return OAuth(provider.token_url, "soporte-app", "T_CLIENT_SECRET", "T_REFRESH", scope, store=store)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_the_forms_of_both_grants():
    cfg = OAuth("https://login.test/token", "app", "S", "R", "a b")
    assert token_request(cfg, "sec", "rt") == {"client_id": "app", "client_secret": "sec",
                                               "grant_type": "refresh_token", "refresh_token": "rt", "scope": "a b"}
    assert token_request(cfg, "sec", "") == {"client_id": "app", "client_secret": "sec",
                                             "grant_type": "client_credentials", "scope": "a b"}


@pytest.mark.parametrize("status, body, message", [
    (400, {"error": "invalid_grant", "error_description": "AADSTS70008: expired.\r\nTrace ID: 9"}, "invalid_grant: AADSTS70008: expired."),
    (401, {"error": "invalid_client"}, "invalid_client"),
    (200, {"token_type": "Bearer"}, "HTTP 200"),
    (502, "<html>Bad gateway</html>", "HTTP 502: the answer is not a token response"),
])
def test_a_refusal_says_the_providers_reason(status, body, message):
    with pytest.raises(OAuthError, match=message):
        read_grant(status, (json.dumps(body) if isinstance(body, dict) else body).encode(), 0.0)


def test_a_token_is_reused_while_it_lasts_and_renewed_before_it_runs_out(provider, env):
    clock = Clock()
    tokens = Tokens(settings(provider), clock=clock)
    first = tokens.access_token()
    clock.now += 3600 - RENEW_BEFORE_SECONDS - 1
    assert tokens.access_token() == first and len(provider.requests) == 1
    clock.now += 2
    second = tokens.access_token()
    assert second != first and len(provider.requests) == 2
    assert provider.requests[0] == {"client_id": "soporte-app", "client_secret": "s3cret", "grant_type": "refresh_token",
                                    "refresh_token": "rt-0", "scope": "https://outlook.office365.com/.default"}


def test_without_a_refresh_token_the_application_asks_for_itself(provider, env):
    env.delenv("T_REFRESH")
    Tokens(settings(provider)).access_token()
    assert provider.requests[0]["grant_type"] == "client_credentials"


def test_forgetting_asks_again_at_once(provider, env):
    tokens = Tokens(settings(provider))
    first = tokens.access_token()
    tokens.forget()
    assert tokens.access_token() != first


def test_a_rotated_refresh_token_is_kept_for_the_next_start(provider, env, tmp_path):
    provider.rotate = True
    Tokens(settings(provider, tmp_path)).access_token()
    provider.refresh_tokens.discard("rt-0")            # the provider let the first one go
    Tokens(settings(provider, tmp_path)).access_token()  # a restart: the kept one is used
    assert [r["refresh_token"] for r in provider.requests] == ["rt-0", "rt-1"]
    kept = tmp_path / REFRESH_TOKEN_FILE
    assert kept.stat().st_mode & 0o777 == 0o600 and "rt-3" in kept.read_text()


def test_a_new_refresh_token_from_the_admin_wins_over_the_kept_one(provider, env, tmp_path):
    provider.rotate = True
    Tokens(settings(provider, tmp_path)).access_token()
    provider.refresh_tokens.add("rt-new")
    env.setenv("T_REFRESH", "rt-new")
    Tokens(settings(provider, tmp_path)).access_token()
    assert provider.requests[-1]["refresh_token"] == "rt-new"


def test_an_unreadable_kept_token_is_reported_and_the_environments_used(provider, env, tmp_path, caplog):
    (tmp_path / REFRESH_TOKEN_FILE).write_text("{not json")
    Tokens(settings(provider, tmp_path)).access_token()
    assert provider.requests[-1]["refresh_token"] == "rt-0"
    assert "cannot read the kept refresh token" in caplog.text and "$T_REFRESH" in caplog.text


def test_refusals_and_an_unreachable_provider_are_clear_errors(provider, env):
    env.setenv("T_REFRESH", "revoked")
    with pytest.raises(OAuthError, match="invalid_grant: AADSTS70008: The refresh token has expired or is invalid.$"):
        Tokens(settings(provider)).access_token()
    port = provider.server.server_port
    provider.stop()
    with pytest.raises(OAuthError, match=f"cannot reach 127.0.0.1:{port}"):
        Tokens(settings(provider)).access_token()
