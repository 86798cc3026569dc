"""Network faults end to end: SMTP down, refusing with 4xx or 5xx, and the IMAP server
restarting under a running daemon. Nothing is lost, nothing is sent twice, the retry
schedule is kept, and the admins hear of an outage once."""
from __future__ import annotations

import json
import shutil
import subprocess
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone


from daemon import alerts
from daemon.config import load_config
from daemon.runtime import build_runtime, fixed_clock
from tests.support.mail import make_mail

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
ADMIN = "admin@empresa.test"


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def outbox(site, *args: str) -> list[dict]:
    return json.loads(site.run("outbox", "list", "--json", *args).stdout)


def test_smtp_down_keeps_mail_pending_alerts_once_and_delivers_on_recovery(site, smtp_sink):
    smtp_sink.stop()
    site.deliver(make_mail("juan@cliente.test", "Impresora", "No imprime.\n"))
    site.once(now=at(0))
    [row] = outbox(site)
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert "cannot connect" in row["last_error"]
    assert datetime.fromisoformat(row["next_attempt_at"]) > T0
    assert "cannot connect" in site.run("outbox", "list").stdout

    site.once(now=at(10))                       # second failure: an outage, not yet alerted
    site.once(now=at(20))                       # confirmed: the alert waits in the outbox
    site.once(now=at(30))                       # a new process: the outage is remembered
    alerts_queued = [r for r in outbox(site) if r["to"] == [ADMIN]]
    assert [r["status"] for r in alerts_queued] == ["pending"]

    smtp_sink.start()
    due = min(datetime.fromisoformat(r["next_attempt_at"]) for r in outbox(site, "--status", "pending"))
    site.once(now=(due - timedelta(seconds=1)).isoformat())
    assert smtp_sink.messages == []             # nothing leaves before its next attempt
    recovered = site.once(now=at(180))
    mails = smtp_sink.wait_for(2)
    assert sorted(m.rcpt_tos[0] for m in mails) == [ADMIN, "juan@cliente.test"]
    alert = next(m for m in mails if m.rcpt_tos == [ADMIN]).message
    assert "SMTP" in alert["Subject"]
    assert "desde 23/11/2026 09:00:00 UTC hasta 23/11/2026 09:20:00 UTC" in " ".join(
        alert.get_body(("plain",)).get_content().split())
    assert "SMTP reachable again" in recovered.stderr
    assert all(r["status"] == "sent" for r in outbox(site))
    site.once(now=at(240))
    assert len(smtp_sink.messages) == 2         # one alert per outage


def test_tempfail_is_retried_permfail_is_final_and_can_be_retried(site, smtp_sink):
    smtp_sink.set_mode("tempfail")
    site.deliver(make_mail("juan@cliente.test", "Uno", "Uno.\n"))
    site.once(now=at(0))
    [row] = outbox(site)
    assert (row["status"], row["attempts"]) == ("pending", 1) and "451" in row["last_error"]

    smtp_sink.set_mode("permfail")
    site.once(now=at(5))
    [row] = outbox(site, "--status", "failed")
    assert row["attempts"] == 2 and "550" in row["last_error"]
    site.once(now=at(60))
    assert len(smtp_sink.rejected) == 2         # a failed mail is not tried again by itself

    smtp_sink.set_mode("accept")
    assert "queued again: 1" in site.run("outbox", "retry", "--all-failed", "--now", at(61)).stdout
    site.once(now=at(61))                       # retry makes it due at once
    juan = [m for m in smtp_sink.wait_for(1) if m.rcpt_tos == ["juan@cliente.test"]]
    assert len(juan) == 1, smtp_sink.describe()
    assert [r["status"] for r in outbox(site) if r["to"] == ["juan@cliente.test"]] == ["sent"]
    assert site.run("outbox", "retry", "1", check=False).returncode == 1   # already sent
    assert [r for r in outbox(site) if r["to"] == [ADMIN]] == []          # a 4xx is no outage


SECOND_SUPERVISOR_AND_RULE = """
[[staff]]
email = "sara@empresa.test"
name = "Sara"
role = "supervisor"

[[rules]]
name = "Aviso a supervision"
when.subject = "(?i)denuncia"
then.notify = { to = "supervisor", template = "staff_rule_notice" }
"""


def test_a_mail_refused_for_one_of_its_recipients_reaches_the_others_once(site, smtp_sink):
    site.write_config(SECOND_SUPERVISOR_AND_RULE)
    smtp_sink.refuse_recipient("sara@empresa.test", "tempfail")     # her mailbox is full
    site.deliver(make_mail("juan@cliente.test", "Denuncia", "Voy a poner una denuncia.\n"))
    site.once(now=at(0))
    [notice] = [r for r in outbox(site) if r["event"] == "rule_notice" and r["status"] == "sent"]
    assert notice["to"] == ["ana@empresa.test"]
    assert "sara@empresa.test: 451" in notice["last_error"]
    [later] = outbox(site, "--status", "pending")
    assert later["to"] == ["sara@empresa.test"] and later["attempts"] == 1 and "451" in later["last_error"]
    assert datetime.fromisoformat(later["next_attempt_at"]) > T0

    site.once(now=at(1))                # before its retry: nobody is sent anything again
    smtp_sink.refuse_recipient("sara@empresa.test", "accept")
    site.once(now=at(30))
    notices = [m for m in smtp_sink.messages if m.message["Subject"] and "Denuncia" in m.message["Subject"]
               and m.rcpt_tos != ["juan@cliente.test"]]
    assert sorted(tuple(m.rcpt_tos) for m in notices) == [("ana@empresa.test",), ("sara@empresa.test",)], \
        smtp_sink.describe()
    assert notices[0].message["Message-ID"] == notices[1].message["Message-ID"]
    assert outbox(site, "--status", "pending") == []
    assert [r for r in outbox(site) if r["to"] == [ADMIN]] == []        # no outage either


def test_a_recipient_refused_for_good_is_noted_and_the_others_have_the_mail(site, smtp_sink):
    site.write_config(SECOND_SUPERVISOR_AND_RULE)
    smtp_sink.refuse_recipient("sara@empresa.test", "permfail")
    site.deliver(make_mail("juan@cliente.test", "Denuncia", "Voy a poner una denuncia.\n"))
    site.once(now=at(0))
    site.once(now=at(120))
    rows = outbox(site)
    assert all(r["status"] == "sent" for r in rows), rows
    [notice] = [r for r in rows if r["to"] == ["ana@empresa.test"]]
    assert "sara@empresa.test: 550" in notice["last_error"]
    assert [m.rcpt_tos for m in smtp_sink.messages].count(["ana@empresa.test"]) == 1
    assert len(smtp_sink.rejected) == 1


def drop_sessions(dovecot, user: str) -> None:
    """A real server restart drops its clients; Dovecot's master restart alone keeps the
    running IMAP sessions alive, so they are kicked first."""
    doveadm = shutil.which("doveadm") or "/usr/bin/doveadm"
    subprocess.run([doveadm, "-c", str(dovecot.config_path), "kick", user], check=True,
                   capture_output=True, timeout=10)


@contextmanager
def running_daemon(site):
    """`soporte run` in the background, its log file closed with it."""
    with open(site.base / "daemon.log", "ab") as log:
        proc = subprocess.Popen(site.command("run"), cwd=site.base, env=site.env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            yield proc
        finally:
            if proc.poll() is None:
                site.stop(proc)


def wait_until(check, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_imap_outage_under_a_running_daemon_loses_and_doubles_nothing(site, smtp_sink, dovecot, mailbox):
    with running_daemon(site) as proc:
        try:
            for i in range(3):
                site.deliver(make_mail(f"antes{i}@cliente.test", f"Antes {i}", "Hola.\n"))
            smtp_sink.wait_for(3, timeout=60)
            drop_sessions(dovecot, mailbox.username)
            dovecot.stop()
            wait_until(lambda: "mailbox unavailable" in site.daemon_log(), "the daemon to notice",
                       timeout=15)
            dovecot.start()
            for i in range(3):
                site.deliver(make_mail(f"despues{i}@cliente.test", f"Después {i}", "Hola.\n"))
            smtp_sink.wait_for(6, timeout=60)
        finally:
            dovecot.start()                     # the session's server stays up for the others
        assert site.stop(proc) == 0, site.daemon_log()
    assert len(site.tickets()) == 6
    assert sorted(m.rcpt_tos[0] for m in smtp_sink.messages) == sorted(
        [f"antes{i}@cliente.test" for i in range(3)] + [f"despues{i}@cliente.test" for i in range(3)])
    assert mailbox.counts() == {"INBOX": 0, "Processed": 6, "Quarantine": 0}


def test_imap_outage_alert_goes_by_smtp_once(site, smtp_sink, monkeypatch):
    monkeypatch.setenv("SOPORTE_SECRET", "test-secret")
    site.once(now=at(0))                        # creates the database
    rt = build_runtime(load_config(site.config_path), fixed_clock(T0))
    try:
        alerts.imap_failed(rt, "connection refused", T0)
        alerts.imap_failed(rt, "connection refused", T0 + timedelta(minutes=6))
        assert alerts.queue_due(rt, T0 + timedelta(minutes=6)) == 1
        assert alerts.queue_due(rt, T0 + timedelta(minutes=9)) == 0
        rebuilt = build_runtime(load_config(site.config_path), fixed_clock(T0))   # a restart
        alerts.imap_failed(rebuilt, "still refused", T0 + timedelta(minutes=30))
        assert alerts.queue_due(rebuilt, T0 + timedelta(minutes=30)) == 0
        rebuilt.close()
        assert alerts.imap_ok(rt, T0 + timedelta(minutes=40)).failures == 3
        assert alerts.imap_ok(rt, T0 + timedelta(minutes=41)) is None
    finally:
        rt.close()
    site.once(now=at(45))
    [alert] = smtp_sink.wait_for(1)
    assert alert.rcpt_tos == [ADMIN] and "IMAP" in alert.message["Subject"]


def test_unreachable_imap_in_once_is_alerted(site, smtp_sink):
    site.write_config(replace=site.base_toml().replace(f"port = {site.mailbox.port}\n", "port = 1\n", 1))
    for minutes in (0, 10, 20):
        site.once(now=at(minutes), check=False)
    assert [m.rcpt_tos for m in smtp_sink.messages] == [[ADMIN]]
