"""A broken config is refused with every problem and its path (or file and line for
invalid TOML), never a traceback."""
from __future__ import annotations

from tests.support.site import Site


def test_invalid_toml_names_file_and_line(tmp_path):
    site = Site(tmp_path, None, None)
    site.write_config(replace='[support]\naddress = "soporte@example.test"\nname = \n')
    proc = site.run("check", check=False)
    assert proc.returncode == 2
    assert "invalid TOML" in proc.stderr and "line 3" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_every_problem_reported_at_once_with_paths(tmp_path):
    site = Site(tmp_path, None, None)
    site.write_config(replace='[support]\naddress = "no-es-un-correo"\ncolour = "red"\n'
                              '[mailbox]\nport = "993"\nsecurity = "tls"\n[bogus]\nx = 1\n'
                              '[[staff]]\nemail = "a@b.test"\nrole = "jefe"\n')
    proc = site.run("once", check=False)
    assert proc.returncode == 2
    for expected in ("support.address:", "support.colour: unknown key", "mailbox.port: must be an integer",
                     "mailbox.security: 'tls' is not one of ssl, starttls, none", "bogus: unknown section",
                     "staff[0].role: 'jefe' is not one of"):
        assert expected in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_plain_imap_refused_for_remote_hosts(tmp_path):
    site = Site(tmp_path, None, None)
    site.write_config(replace='[support]\naddress = "soporte@example.test"\n'
                              '[mailbox]\nhost = "imap.example.test"\nsecurity = "none"\n')
    proc = site.run("check", check=False)
    assert proc.returncode == 2
    assert "mailbox.security: 'none' (plain text) is allowed only on loopback" in proc.stderr


def test_missing_config_file(tmp_path):
    site = Site(tmp_path, None, None)
    site.config_path.unlink()
    proc = site.run("check", check=False)
    assert proc.returncode == 2
    assert "file not found" in proc.stderr


def test_shipped_config_is_valid(tmp_path):
    from tests.support.site import REPO
    site = Site(tmp_path, None, None)
    site.config_path = REPO / "soporte.toml"
    proc = site.run("check", check=False)
    assert proc.returncode == 0, proc.stderr


def test_an_oauth_section_that_cannot_work_is_refused(tmp_path):
    site = Site(tmp_path, None, None)
    for url, expected in (("http://login.example.test/token", "oauth.token_url: must be an https:// address "
                                                              "(http:// only on loopback)"),
                          ("https://login.example.test/token", "oauth.client_id: is required with token_url")):
        site.write_config(f'[oauth]\ntoken_url = "{url}"\n')
        proc = site.run("check", check=False)
        assert proc.returncode == 2 and expected in proc.stderr, proc.stderr
