"""A mailbox that takes no password (Microsoft 365, Google): soporte logs in to a real
Dovecot with XOAUTH2, the access token fetched from a token endpoint on loopback with a
refresh token, and a token the provider revoked is replaced, not retried."""
from __future__ import annotations

import sys

import pytest

from tests.support.dovecot import DovecotServer
from tests.support.mail import make_mail
from tests.support.oauth_provider import OAuthProvider
from tests.support.site import Site
from tests.support.smtp_sink import SmtpSink


@pytest.fixture(scope="module")
def provider():
    with OAuthProvider() as running:
        yield running


@pytest.fixture(scope="module")
def oauth_dovecot(dovecot, provider, tmp_path_factory):
    """A second Dovecot, asking the provider whether a token is good (dovecot: installed)."""
    with DovecotServer(tmp_path_factory.mktemp("dovecot-oauth"), introspection_url=provider.introspection_url) as server:
        yield server


@pytest.fixture
def oauth_site(tmp_path, oauth_dovecot, provider, smtp_sink):
    mailbox = oauth_dovecot.new_mailbox()
    provider.user, provider.requests[:] = mailbox.username, []
    site = Site(tmp_path, mailbox, smtp_sink)
    site.env.update(SOPORTE_IMAP_PASSWORD="", SOPORTE_OAUTH_CLIENT_SECRET=provider.client_secret,
                    SOPORTE_OAUTH_REFRESH_TOKEN="rt-0")
    site.write_config(replace=site.base_toml().replace('security = "none"\nusername', 'security = "none"\nauth = "xoauth2"\nusername', 1)
                      + f'\n[oauth]\ntoken_url = "{provider.token_url}"\nclient_id = "{provider.client_id}"\n'
                        'scope = "https://outlook.office365.com/IMAP.AccessAsUser.All offline_access"\n')
    return site


def test_the_mailbox_is_read_with_a_token_from_the_provider(oauth_site, provider):
    oauth_site.deliver(make_mail("juan@cliente.test", "No arranca el portátil", "Se queda en negro.\n"))
    oauth_site.once()
    assert [t["subject"] for t in oauth_site.tickets()] == ["No arranca el portátil"]
    assert [r["grant_type"] for r in provider.requests] == ["refresh_token"]
    assert provider.requests[0]["scope"] == "https://outlook.office365.com/IMAP.AccessAsUser.All offline_access"
    doctor = oauth_site.run("doctor")
    assert "oauth" in doctor.stdout and f"gave an access token for {provider.client_id} (refresh token)" in doctor.stdout


def test_a_revoked_refresh_token_is_a_clear_error_and_loses_nothing(oauth_site, provider):
    oauth_site.env["SOPORTE_OAUTH_REFRESH_TOKEN"] = "revocado"
    oauth_site.deliver(make_mail("juan@cliente.test", "Pantalla rota", "Se cayó.\n"))
    failed = oauth_site.once(check=False)
    assert failed.returncode != 0
    assert "invalid_grant: AADSTS70008: The refresh token has expired or is invalid." in failed.stderr
    doctor = oauth_site.run("doctor", check=False)
    assert doctor.returncode != 0 and "a refresh token the provider revoked must be replaced" in doctor.stdout
    oauth_site.env["SOPORTE_OAUTH_REFRESH_TOKEN"] = "rt-0"
    oauth_site.once()
    assert [t["subject"] for t in oauth_site.tickets()] == ["Pantalla rota"]


def test_mail_is_sent_with_the_same_token(oauth_site, provider):
    with SmtpSink(token_check=lambda user, token: provider.introspect(token)[0] == 200
                  and user == "soporte@example.test") as sink:
        oauth_site.sink = sink
        config = oauth_site.base_toml().replace('security = "none"\nusername', 'security = "none"\nauth = "xoauth2"\nusername', 1)
        config = config.replace("timeout_seconds = 5\n", 'timeout_seconds = 5\nusername = "soporte@example.test"\nauth = "xoauth2"\n', 1)
        oauth_site.write_config(replace=config + f'\n[oauth]\ntoken_url = "{provider.token_url}"\n'
                                                 f'client_id = "{provider.client_id}"\n')
        oauth_site.deliver(make_mail("juan@cliente.test", "Sin sonido", "No suena.\n"))
        oauth_site.once()
        assert [m.rcpt_tos for m in sink.messages] == [["juan@cliente.test"]]
        assert len(provider.requests) == 1                # one token for the IMAP and the SMTP login


def test_a_password_is_refused_where_only_tokens_are_taken(oauth_site, provider):
    """The control: Dovecot really checks the token (no token from the provider, no login)."""
    oauth_site.write_config(replace=oauth_site.config_path.read_text().replace(provider.token_url, ""))
    oauth_site.env["SOPORTE_IMAP_PASSWORD"] = "at-made-up"
    failed = oauth_site.once(check=False)
    assert failed.returncode != 0 and not provider.requests


def signing_in_site(oauth_site, provider, endpoint: str):
    """The admin's setup before the first sign-in: no refresh token anywhere yet."""
    oauth_site.env.pop("SOPORTE_OAUTH_REFRESH_TOKEN", None)
    oauth_site.write_config(replace=oauth_site.config_path.read_text() + endpoint)
    return oauth_site


def test_the_admin_signs_in_once_with_a_code_and_soporte_keeps_the_token(oauth_site, provider):
    site = signing_in_site(oauth_site, provider, f'device_url = "{provider.device_url}"\n')
    login = site.run("oauth", "login")
    assert "enter the code ABCD-1234" in login.stdout and "signed in" in login.stdout
    kept = site.base / "var" / "oauth-refresh-token.json"
    assert kept.stat().st_mode & 0o777 == 0o600
    issued = [r for r in provider.requests if r.get("grant_type", "").endswith("device_code")]
    assert len(issued) == provider.polls_before_approval + 1          # polled until the code was entered
    site.deliver(make_mail("juan@cliente.test", "Sin conexión", "No conecta.\n"))
    site.once()
    assert [t["subject"] for t in site.tickets()] == ["Sin conexión"]
    refreshed = [r for r in provider.requests if r.get("grant_type") == "refresh_token"]
    assert refreshed and refreshed[-1]["refresh_token"] in kept.read_text()
    assert "(refresh token)" in site.run("doctor").stdout


def test_the_admin_signs_in_in_a_browser_sent_back_to_loopback(oauth_site, provider, tmp_path):
    site = signing_in_site(oauth_site, provider, f'authorize_url = "{provider.authorize_url}"\n')
    browser = tmp_path / "browser.py"          # follows the provider's redirect, as a browser does
    browser.write_text("import sys, urllib.request\nurllib.request.urlopen(sys.argv[1], timeout=20).read()\n")
    site.env["BROWSER"] = f"{sys.executable} {browser} %s"
    login = site.run("oauth", "login")
    assert "signed in" in login.stdout, login.stderr
    site.deliver(make_mail("juan@cliente.test", "Teclado", "Faltan teclas.\n"))
    site.once()
    assert [t["subject"] for t in site.tickets()] == ["Teclado"]


def test_a_refused_sign_in_says_why_and_keeps_nothing(oauth_site, provider):
    site = signing_in_site(oauth_site, provider, f'device_url = "{provider.device_url}"\n')
    provider.deny = True
    try:
        failed = site.run("oauth", "login", check=False)
    finally:
        provider.deny = False
    assert failed.returncode == 1 and "access_denied: AADSTS70000: The user declined." in failed.stderr
    assert not (site.base / "var" / "oauth-refresh-token.json").exists()
    unset = site.run("oauth", "login", "--browser", check=False)
    assert unset.returncode == 2 and "set [oauth] authorize_url" in unset.stderr
