"""Mail hygiene end to end (real Dovecot, real SMTP sink, `soporte` as a subprocess):
bounces of our mail become internal notes and stop automatic mail to that address;
robots never open tickets; poison and oversized messages are quarantined, alerted once,
and can be retried, while every other message goes through."""
from __future__ import annotations

import json
from pathlib import Path

from tests.support.mail import make_mail

MAIL = Path(__file__).resolve().parents[1] / "data" / "mail"
ADMIN = "admin@empresa.test"


def as_json(site, *args: str):
    return json.loads(site.run(*args, "--json").stdout)


def dsn(returned_id: str, failed: str, subject: str, code: str = "550 5.1.1 User unknown") -> bytes:
    """A Postfix-style delivery status notification returning one of our messages."""
    return (
        "Return-Path: <>\r\nFrom: MAILER-DAEMON@mx.cliente.test (Mail Delivery System)\r\n"
        "To: soporte@example.test\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: <dsn-{returned_id.replace('@', '.')}@mx.cliente.test>\r\n"
        "Date: Mon, 23 Nov 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\r\n"
        "--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.cliente.test\r\n\r\n"
        f"Final-Recipient: rfc822; {failed}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"Diagnostic-Code: smtp; {code}\r\n\r\n"
        "--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: soporte@example.test\r\nTo: {failed}\r\nSubject: {subject}\r\n"
        f"Message-ID: <{returned_id}>\r\n\r\n--b1--\r\n").encode()


def test_bounce_of_our_ack_becomes_a_note_and_stops_automatic_mail(site, smtp_sink):
    site.deliver(make_mail("juan@cliente.test", "No arranca", "Hola.\n"))
    site.once()
    [ack] = smtp_sink.wait_for(1)
    site.deliver(dsn(ack.message["Message-ID"].strip("<>"), "juan@cliente.test", ack.message["Subject"]))
    site.deliver(make_mail("juan@cliente.test", "Otra consulta distinta", "Hola otra vez.\n"))
    site.once()

    assert [t["subject"] for t in site.tickets()] == ["No arranca", "Otra consulta distinta"]
    assert len(smtp_sink.messages) == 1, smtp_sink.describe()    # no ack to a bounced address
    ticket = site.show("SOP-000001")
    assert ticket["status"] == "nuevo"                            # automatic mail changes no state
    [note] = [m for m in ticket["messages"] if m["internal"] and m["direction"] == "in"]
    assert note["automatic"] is True
    assert "juan@cliente.test" in note["body_text"] and "550 5.1.1 User unknown" in note["body_text"]
    assert [e["action"] for e in ticket["events"]].count("bounce") == 1
    [row] = [r for r in as_json(site, "outbox", "list") if r["to"] == ["juan@cliente.test"]]
    assert row["status"] == "failed" and "550 5.1.1" in row["last_error"]


def test_bounce_with_only_a_token_and_an_auto_reply_leave_the_ticket_alone(site, smtp_sink):
    site.deliver(make_mail("juan@cliente.test", "Caldera", "Hola.\n"))
    site.once()
    smtp_sink.wait_for(1)
    site.deliver(make_mail("postmaster@cliente.test", "Undeliverable: [SOP-000001] Caldera",
                           "Delivery has failed to these recipients:\n\njuan@cliente.test\n"
                           "Remote server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound'\n"))
    site.deliver(make_mail("juan@cliente.test", "Respuesta automática: [SOP-000001] Caldera",
                           "Estoy de vacaciones.\n", headers={"Auto-Submitted": "auto-replied"}))
    site.once()

    assert len(site.tickets()) == 1
    ticket = site.show("SOP-000001")
    assert ticket["status"] == "nuevo"
    assert [e["action"] for e in ticket["events"]].count("bounce") == 1
    assert [m["from"] for m in ticket["messages"] if m["direction"] == "in"] == [
        "juan@cliente.test", "postmaster@cliente.test"]
    assert len(smtp_sink.messages) == 1, smtp_sink.describe()


def test_poison_messages_never_stop_the_others(site, smtp_sink, mailbox):
    site.deliver(make_mail("primero@cliente.test", "Primero", "Uno.\n"))
    site.deliver(b"\r\n")                                          # nothing to parse at all
    for name in ("no_message_id", "invalid_charset", "rfc2231_filename", "broken_multipart_boundary"):
        site.deliver((MAIL / f"{name}.eml").read_bytes())
    site.deliver(make_mail("ultimo@cliente.test", "Último", "Dos.\n"))
    site.once()

    senders = [t["customer"]["email"] for t in site.tickets()]
    assert senders == ["primero@cliente.test", "sinid@cliente.test", "latino@cliente.test",
                       "ana@cliente.test", "roto@cliente.test", "ultimo@cliente.test"]
    assert mailbox.counts() == {"INBOX": 0, "Processed": 6, "Quarantine": 1}
    mails = smtp_sink.wait_for(7)
    [alert] = [m for m in mails if m.rcpt_tos == [ADMIN]]
    assert "cuarentena" in alert.message["Subject"].lower()
    assert "soporte quarantine retry 1" in alert.message.get_body(("plain",)).get_content()
    [row] = as_json(site, "quarantine", "list")
    assert (row["id"], row["status"], row["reason"]) == (1, "held", "UnparseableMessage: empty input")

    failed = site.run("quarantine", "retry", "1", check=False)
    assert failed.returncode == 1 and "empty input" in failed.stderr
    assert as_json(site, "quarantine", "show", "1")["reason"].startswith("retry failed: UnparseableMessage")
    site.once()
    assert len(smtp_sink.messages) == 7                            # one alert per message, ever


def test_a_held_message_is_released_by_retry(site, smtp_sink, mailbox):
    site.write_config("[limits]\nnew_tickets_per_hour = 1\n")
    site.deliver(make_mail("prisa@cliente.test", "Uno", "Uno.\n"))
    site.deliver(make_mail("prisa@cliente.test", "Dos", "Dos.\n"))
    site.once()
    assert len(site.tickets()) == 1
    assert mailbox.counts() == {"INBOX": 0, "Processed": 1, "Quarantine": 1}
    [held] = as_json(site, "quarantine", "list", "--status", "held")

    released = site.run("quarantine", "retry", str(held["id"]))
    assert "released: new ticket" in released.stdout
    assert [t["subject"] for t in site.tickets()] == ["Uno", "Dos"]
    assert as_json(site, "quarantine", "show", str(held["id"]))["status"] == "released"


def test_mail_marked_as_spam_upstream_waits_unanswered_until_released(site, smtp_sink, mailbox):
    site.deliver(make_mail("ganga@oferta.test", "Gane dinero", "Haga clic.\n",
                           headers={"X-Spam-Flag": "YES", "X-Spam-Status": "Yes, score=9.1 required=5.0"}))
    site.deliver(make_mail("juan@cliente.test", "La caldera pierde agua", "Desde ayer.\n",
                           headers={"X-Spam-Flag": "NO", "X-Spam-Status": "No, score=0.2 required=5.0"}))
    site.once()
    assert [t["customer"]["email"] for t in site.tickets()] == ["juan@cliente.test"]
    assert mailbox.counts() == {"INBOX": 0, "Processed": 1, "Quarantine": 1}
    assert [m.rcpt_tos for m in smtp_sink.wait_for(1)] == [["juan@cliente.test"]]   # no alert, no answer
    [held] = as_json(site, "quarantine", "list", "--status", "held")
    assert held["reason"] == "marked as spam before it reached us (x-spam-flag: YES)"

    released = site.run("quarantine", "retry", str(held["id"]))     # it was a customer after all
    assert "released: new ticket" in released.stdout
    assert [t["customer"]["email"] for t in site.tickets()] == ["juan@cliente.test", "ganga@oferta.test"]
    site.once()                                                     # the daemon's sender
    assert sorted(m.rcpt_tos[0] for m in smtp_sink.wait_for(2)) == ["ganga@oferta.test", "juan@cliente.test"]


def test_spam_marks_are_ignored_when_told_to(site, smtp_sink):
    site.write_config("[limits]\nhold_spam = false\n")
    site.deliver(make_mail("ana@cliente.test", "Factura", "Adjunto.\n", headers={"X-Spam-Flag": "YES"}))
    site.once()
    assert [t["customer"]["email"] for t in site.tickets()] == ["ana@cliente.test"]
    assert as_json(site, "quarantine", "list") == []


def test_too_large_keeps_headers_tells_the_sender_but_not_a_robot(site, smtp_sink, mailbox):
    site.write_config(replace=site.base_toml().replace("timeout_seconds = 10\n",
                                                       "timeout_seconds = 10\nmax_message_bytes = 40000\n", 1))
    big = ("fotos.zip", "application/zip", bytes(range(256)) * 300)
    site.deliver(make_mail("juan@cliente.test", "Fotos de la avería", "Adjunto fotos.\n", attachments=(big,)))
    site.deliver(make_mail("robot@cliente.test", "Informe", "Adjunto.\n", attachments=(big,),
                           headers={"Auto-Submitted": "auto-generated"}))
    site.deliver(make_mail("ana@cliente.test", "Pequeño", "Hola.\n"))
    site.once()

    assert mailbox.counts() == {"INBOX": 0, "Processed": 1, "Quarantine": 2}
    mails = smtp_sink.wait_for(4)
    by_rcpt = sorted((m.rcpt_tos[0], m.message["Subject"]) for m in mails)
    assert [r for r, _ in by_rcpt] == [ADMIN, ADMIN, "ana@cliente.test", "juan@cliente.test"]
    notice = next(m for m in mails if m.rcpt_tos == ["juan@cliente.test"]).message
    assert "Fotos de la avería" in notice["Subject"] and notice["Auto-Submitted"] == "auto-replied"
    assert "39 KB" in notice.get_body(("plain",)).get_content()
    shown = as_json(site, "quarantine", "show", "1")
    assert shown["reason"].startswith("too large") and shown["size"] > 40000
    assert ["Subject", "Fotos de la avería"] in shown["headers"]
    assert site.run("quarantine", "retry", "1", check=False).returncode == 1
