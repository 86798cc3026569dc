"""Tests of the test harness itself: the real Dovecot and the aiosmtpd sink.

In: the fixtures from conftest. Out: confidence that a failing integration test is about
soporte, not about the servers it talks to.
"""

import smtplib
import socket
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

from tests.support.dovecot import DovecotServer, Mailbox
from tests.support.ports import free_port
from tests.support.smtp_sink import SmtpSink


def make_mail(subject: str, to: str = "soporte@example.test") -> bytes:
    mail = EmailMessage()
    mail["From"] = "cliente@acme.test"
    mail["To"] = to
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain="acme.test")
    mail.set_content("Hola, no funciona la impresora.\n")
    return mail.as_bytes()


def send(sink: SmtpSink, subject: str, to: str = "ana@empresa.test") -> None:
    with smtplib.SMTP(sink.host, sink.port, timeout=5) as client:
        client.sendmail("soporte@example.test", [to], make_mail(subject, to))


def test_free_port_can_be_bound() -> None:
    port = free_port()
    with socket.create_server(("127.0.0.1", port)):
        pass


# --- Dovecot ---------------------------------------------------------------------------


@pytest.mark.dovecot
def test_new_mailbox_has_the_three_folders_and_is_empty(mailbox: Mailbox) -> None:
    assert mailbox.counts() == {"INBOX": 0, "Processed": 0, "Quarantine": 0}


@pytest.mark.dovecot
def test_append_then_list_returns_uid_flags_and_exact_bytes(mailbox: Mailbox) -> None:
    first = make_mail("impresora rota")
    uid1 = mailbox.append(first)
    uid2 = mailbox.append(make_mail("ya visto"), flags=["\\Seen"])
    mailbox.append(make_mail("apartado"), folder="Quarantine")

    listed = mailbox.messages()

    assert [(uid, flags) for uid, flags, _ in listed] == [(uid1, set()), (uid2, {"\\Seen"})]
    assert listed[0][2] == first.replace(b"\n", b"\r\n")
    assert mailbox.counts() == {"INBOX": 2, "Processed": 0, "Quarantine": 1}


@pytest.mark.dovecot
def test_users_added_back_to_back_can_log_in_at_once(dovecot: DovecotServer) -> None:
    boxes = [dovecot.new_mailbox() for _ in range(3)]
    assert len({box.username for box in boxes}) == 3
    for box in boxes:
        assert box.counts()["INBOX"] == 0


@pytest.mark.dovecot
def test_wrong_password_is_refused(dovecot: DovecotServer, mailbox: Mailbox) -> None:
    with pytest.raises(Exception, match="AUTHENTICATIONFAILED"):
        with dovecot.client(mailbox.username, "not-the-password"):
            pass


@pytest.mark.dovecot
def test_idle_is_advertised_and_reports_new_mail(dovecot: DovecotServer, mailbox: Mailbox) -> None:
    with dovecot.client(mailbox.username, mailbox.password) as watcher:
        assert b"IDLE" in watcher.capabilities()
        watcher.select_folder("INBOX")
        watcher.idle()
        mailbox.append(make_mail("llega durante IDLE"))
        responses = watcher.idle_check(timeout=5)
        watcher.idle_done()
    assert (1, b"EXISTS") in responses


@pytest.mark.dovecot
def test_restart_keeps_mail_and_port(dovecot: DovecotServer, mailbox: Mailbox) -> None:
    mailbox.append(make_mail("antes del reinicio"))
    before, port = mailbox.messages(), dovecot.port

    dovecot.restart()

    assert dovecot.port == port
    assert mailbox.messages() == before


@pytest.mark.dovecot
def test_wait_for_counts_fails_with_what_the_server_has(mailbox: Mailbox) -> None:
    mailbox.append(make_mail("uno"))
    assert mailbox.wait_for_counts({"INBOX": 1})["INBOX"] == 1
    with pytest.raises(AssertionError, match=r"'INBOX': 1"):
        mailbox.wait_for_counts({"Processed": 1}, timeout=0.1)


@pytest.mark.dovecot
def test_a_private_server_runs_from_a_pytest_tmp_path_and_cleans_up(
    dovecot: DovecotServer, tmp_path: Path
) -> None:
    # Depends on the session server only so it is skipped the same way when Dovecot is absent.
    with DovecotServer(tmp_path / "own") as server:
        box = server.new_mailbox()
        box.append(make_mail("privado"))
        assert box.counts()["INBOX"] == 1
        assert (tmp_path / "own" / "etc" / "dovecot.conf").is_file()
        assert server.port != dovecot.port
    assert not server.runtime_dir.exists()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((server.host, server.port), timeout=2).close()


# --- SMTP sink -------------------------------------------------------------------------


def test_sink_records_a_message_sent_with_smtplib(smtp_sink: SmtpSink) -> None:
    send(smtp_sink, "Ticket [#A1B2] recibido")

    [received] = smtp_sink.wait_for(1)

    assert received.mail_from == "soporte@example.test"
    assert received.rcpt_tos == ["ana@empresa.test"]
    assert received.message["Subject"] == "Ticket [#A1B2] recibido"
    assert b"impresora" in received.raw


@pytest.mark.parametrize(("mode", "code"), [("tempfail", 451), ("permfail", 550)])
def test_refusing_at_rcpt(smtp_sink: SmtpSink, mode: str, code: int) -> None:
    smtp_sink.set_mode(mode)  # type: ignore[arg-type]
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(smtp_sink, "rechazado")
    assert refused.value.recipients["ana@empresa.test"][0] == code
    assert smtp_sink.messages == [] and len(smtp_sink.rejected) == 1


@pytest.mark.parametrize(("mode", "code"), [("tempfail", 451), ("permfail", 550)])
def test_refusing_after_data(smtp_sink: SmtpSink, mode: str, code: int) -> None:
    smtp_sink.set_mode(mode, at="data")  # type: ignore[arg-type]
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(smtp_sink, "rechazado")
    assert refused.value.smtp_code == code
    smtp_sink.set_mode("accept")
    send(smtp_sink, "aceptado")
    assert [m.message["Subject"] for m in smtp_sink.wait_for(1)] == ["aceptado"]


def test_stopped_sink_refuses_connections_and_comes_back_on_the_same_port(
    smtp_sink: SmtpSink,
) -> None:
    port = smtp_sink.port
    smtp_sink.stop()
    with pytest.raises(ConnectionRefusedError):
        send(smtp_sink, "caído")

    smtp_sink.start()

    assert smtp_sink.port == port
    send(smtp_sink, "de vuelta")
    assert smtp_sink.wait_for(1)[0].message["Subject"] == "de vuelta"


def test_wait_for_timeout_lists_what_did_arrive(smtp_sink: SmtpSink) -> None:
    send(smtp_sink, "el único")
    with pytest.raises(AssertionError, match="(?s)expected 2 .*got 1.*'el único'"):
        smtp_sink.wait_for(2, timeout=0.2)
    smtp_sink.clear()
    assert smtp_sink.messages == []
