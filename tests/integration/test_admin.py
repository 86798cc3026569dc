"""`soporte doctor | backup | import`, run as real subprocesses the way an admin runs them:
doctor on a broken config and on stopped servers, a backup that opens and holds the
tickets, and an mbox import that is resumable and sends nothing without --notify."""
from __future__ import annotations

import mailbox
import sqlite3
from pathlib import Path

import pytest

from tests.support.ports import free_port
from tests.support.site import Site

BACKLOG = Path(__file__).resolve().parents[1] / "data" / "import" / "backlog.mbox"


@pytest.fixture
def offline_site(tmp_path) -> Site:
    """No mailbox, no SMTP sink: only the database and the files."""
    return Site(tmp_path, None, None)


def test_doctor_on_a_broken_config(offline_site):
    offline_site.write_config(replace='[support]\naddress = "soporte@example.test"\n[smtp]\nport = "veinticinco"\n')
    proc = offline_site.run("doctor", check=False)
    assert proc.returncode == 1
    assert "FAIL  config" in proc.stdout and "smtp.port" in proc.stdout
    assert "fix:" in proc.stdout


def test_doctor_reports_stopped_servers_and_missing_database(offline_site):
    dead_imap, dead_smtp = free_port("127.0.0.1"), free_port("127.0.0.1")
    offline_site.env["SOPORTE_IMAP_PASSWORD"] = "secret"
    offline_site.write_config(replace=(
        '[support]\naddress = "soporte@example.test"\n'
        f'[mailbox]\nhost = "127.0.0.1"\nport = {dead_imap}\nsecurity = "none"\nusername = "soporte"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {dead_smtp}\nsecurity = "none"\n'
        '[database]\nurl = "sqlite:///soporte.db"\n'))
    proc = offline_site.run("doctor", check=False)
    lines = {line.split()[1]: line for line in proc.stdout.splitlines() if line.startswith(("ok", "FAIL"))}
    assert proc.returncode == 1
    assert lines["config"].startswith("ok") and lines["templates"].startswith("ok")
    assert lines["storage"].startswith("ok")
    assert lines["imap"].startswith("FAIL") and str(dead_imap) in lines["imap"]
    assert lines["smtp"].startswith("FAIL") and str(dead_smtp) in lines["smtp"]
    assert lines["database"].startswith("FAIL") and "soporte db upgrade" in proc.stdout
    assert "3 problem(s): database, imap, smtp" in proc.stdout


def test_doctor_all_green(offline_site, smtp_sink):
    site = Site(offline_site.base, None, smtp_sink)
    site.run("db", "upgrade")
    proc = site.run("doctor")
    assert "everything looks right" in proc.stdout
    assert "NOOP 250" in proc.stdout
    assert smtp_sink.messages == []


@pytest.mark.sqlite_only("copies the SQLite file; on PostgreSQL backup points to pg_dump")
def test_backup_copies_database_files_and_config(offline_site, tmp_path):
    offline_site.run("import", str(BACKLOG))
    dest = tmp_path / "copia"
    proc = offline_site.run("backup", str(dest))
    assert "2 tickets" in proc.stdout
    with sqlite3.connect(dest / "soporte.db") as db:
        tokens = [row[0] for row in db.execute("SELECT token FROM tickets ORDER BY id")]
    assert tokens == ["SOP-000001", "SOP-000002"]
    assert (dest / "soporte.toml").read_text() == offline_site.config_path.read_text()
    blobs = sorted(p.name for p in (dest / "storage" / "objects").rglob("*") if p.is_file())
    assert blobs == sorted(p.name for p in (offline_site.base / "var" / "objects").rglob("*") if p.is_file())
    assert blobs
    again = offline_site.run("backup", str(dest))
    assert "0 file(s) copied" in again.stdout


def test_backup_of_postgres_names_pg_dump(offline_site, tmp_path):
    offline_site.write_config(replace='[support]\naddress = "soporte@example.test"\n'
                                      '[database]\nurl = "postgresql+psycopg://soporte:pw@db.example.test:5432/soporte"\n')
    proc = offline_site.run("backup", str(tmp_path / "copia"), check=False)
    assert proc.returncode == 1
    assert "pg_dump --format=custom" in proc.stderr and "postgresql://soporte@db.example.test:5432/soporte" in proc.stderr
    assert "pw" not in proc.stderr.replace("pgpass", "")


def test_import_is_resumable_and_silent_without_notify(tmp_path, smtp_sink):
    site = Site(tmp_path, None, smtp_sink)
    first = site.run("import", str(BACKLOG))
    assert "new ticket: 2" in first.stdout and "follow-up: 1" in first.stdout
    assert "100% 4/4" in first.stderr
    second = site.run("import", str(BACKLOG))
    assert "already imported: 4" in second.stdout
    tickets = site.tickets()
    assert [t["subject"] for t in tickets] == ["La caldera no arranca", "Instalación del equipo nuevo"]
    assert len([m for m in site.show("SOP-000001")["messages"] if m["direction"] == "in"]) == 2
    site.once()
    assert smtp_sink.messages == []


def test_import_with_notify_acknowledges(tmp_path, smtp_sink):
    maildir = tmp_path / "backlog"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    source = mailbox.mbox(BACKLOG, create=False)
    target = mailbox.Maildir(maildir)
    for key in list(source.keys())[:2]:
        target.add(source.get_bytes(key))
    source.close()
    site = Site(tmp_path, None, smtp_sink)
    site.run("import", "--notify", str(maildir))
    site.once()
    assert sorted(m.rcpt_tos[0] for m in smtp_sink.wait_for(2)) == ["juan@cliente.test", "maria@otra.test"]
