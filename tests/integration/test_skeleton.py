"""End to end, the way users drive soporte: mail into the real Dovecot, `soporte once`,
then what the SMTP sink received and what `soporte tickets show --json` says."""
from __future__ import annotations

import pytest

from tests.support.mail import make_mail


def test_new_request_opens_ticket_and_acknowledges(site, smtp_sink, mailbox):
    site.deliver(make_mail("juan@cliente.test", "La caldera no arranca", "Hola, no arranca.\n",
                           name="Juan Pérez", message_id="req-1@cliente.test"))
    site.once()

    [ack] = smtp_sink.wait_for(1)
    assert ack.rcpt_tos == ["juan@cliente.test"]
    msg = ack.message
    assert msg["Subject"].startswith("[SOP-000001] ")
    assert msg["From"].addresses[0].addr_spec == "soporte@example.test"
    assert msg["In-Reply-To"] == "<req-1@cliente.test>"
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Loop"] == "soporte@example.test"
    assert msg.get_body(("plain",)).get_content().count("SOP-000001") >= 1
    assert msg.get_body(("html",)) is not None

    ticket = site.show("SOP-000001")
    assert ticket["status"] == "nuevo"
    assert ticket["customer"] == {"email": "juan@cliente.test", "name": "Juan Pérez"}
    assert [m["direction"] for m in ticket["messages"]] == ["in", "out"]
    assert ticket["messages"][0]["body_text"] == "Hola, no arranca."
    assert ticket["events"][0]["action"] == "created"
    assert mailbox.counts() == {"INBOX": 0, "Processed": 1, "Quarantine": 0}


def test_reply_with_token_joins_ticket_and_strips_quotes(site, smtp_sink):
    site.deliver(make_mail("juan@cliente.test", "No imprime", "No imprime nada.\n"))
    site.once()
    smtp_sink.wait_for(1)
    site.deliver(make_mail("juan@cliente.test", "RE: AW: [sop-000001] No imprime",
                           "Adjunto más datos.\n\nEl lun, 23 nov 2026 a las 10:00, Soporte <soporte@example.test> escribió:\n> Hemos recibido su solicitud\n"))
    site.once()
    ticket = site.show("SOP-000001")
    inbound = [m for m in ticket["messages"] if m["direction"] == "in"]
    assert len(inbound) == 2
    assert inbound[1]["body_text"] == "Adjunto más datos."
    assert "Hemos recibido su solicitud" in inbound[1]["full_text"]
    assert len(site.tickets()) == 1


def test_a_reply_quoting_our_mail_keeps_only_what_the_customer_wrote(site, smtp_sink):
    """Our mail opens with "type your reply above this line": an answer is cut there,
    however the client quoted us (here under a header with no date or address, which
    alone would be taken for the customer's own lead-in)."""
    site.deliver(make_mail("juan@cliente.test", "No imprime", "No imprime nada.\n"))
    site.once()
    [ack] = smtp_sink.wait_for(1)
    ours_text = ack.message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    ours_html = ack.message.get_body(("html",)).get_content()
    assert ours_text.startswith("##- Escriba su respuesta encima de esta línea -##\n")
    quoted = "".join(f"> {line}\n" if line else ">\n" for line in ours_text.splitlines())
    site.deliver(make_mail("juan@cliente.test", "RE: [SOP-000001] No imprime",
                           f"Ya imprime, gracias.\n\nSoporte escribió:\n{quoted}"))
    site.deliver(make_mail("juan@cliente.test", "RE: [SOP-000001] No imprime", "",
                           html=f"<div>Otra cosa: el escáner tampoco.</div><div>Soporte escribió:</div>"
                                f"<div>{ours_html.split('<body', 1)[1].split('>', 1)[1]}</div>"))
    site.once()
    inbound = [m for m in site.show("SOP-000001")["messages"] if m["direction"] == "in"]
    assert [m["body_text"] for m in inbound[1:]] == ["Ya imprime, gracias.", "Otra cosa: el escáner tampoco."]
    assert "Hemos recibido su solicitud" in inbound[1]["full_text"]


def test_reply_threaded_by_headers_only(site, smtp_sink):
    site.deliver(make_mail("juan@cliente.test", "Consulta", "Una pregunta.\n"))
    site.once()
    [ack] = smtp_sink.wait_for(1)
    our_id = ack.message["Message-ID"].strip("<>")
    site.deliver(make_mail("juan@cliente.test", "Re: Consulta (sin token)", "Sigo esperando.\n",
                           in_reply_to=our_id, references=(our_id,)))
    site.once()
    assert len(site.tickets()) == 1
    assert len([m for m in site.show("SOP-000001")["messages"] if m["direction"] == "in"]) == 2


def test_stranger_with_valid_token_opens_new_ticket(site, smtp_sink):
    site.deliver(make_mail("juan@cliente.test", "Factura", "Mi factura.\n"))
    site.once()
    site.deliver(make_mail("intruso@otro.test", "Re: [SOP-000001] Factura", "Quiero ver esto.\n"))
    site.once()
    tickets = site.tickets()
    assert [t["customer"]["email"] for t in tickets] == ["juan@cliente.test", "intruso@otro.test"]
    first = site.show("SOP-000001")
    assert all(m["from"] != "intruso@otro.test" for m in first["messages"])
    assert len(smtp_sink.wait_for(2)) == 2
    assert smtp_sink.messages[1].rcpt_tos == ["intruso@otro.test"]


@pytest.mark.parametrize("headers", [
    {"Auto-Submitted": "auto-replied"},
    {"X-Autoreply": "yes"},
    {"Precedence": "bulk"},
    {"X-Loop": "soporte@example.test"},
])
def test_automatic_mail_is_not_acknowledged(site, smtp_sink, mailbox, headers):
    site.deliver(make_mail("robot@cliente.test", "Aviso automático", "Texto.\n", headers=headers))
    site.once()
    assert site.tickets() == []
    assert smtp_sink.messages == []
    assert mailbox.counts()["Processed"] == 1     # handled, not left to be read again


def test_a_mail_asking_for_no_auto_reply_opens_a_ticket_without_acknowledgement(site, smtp_sink):
    site.deliver(make_mail("ana@cliente.test", "Factura duplicada", "Me han cobrado dos veces.\n",
                           headers={"X-Auto-Response-Suppress": "All"}))
    site.deliver(make_mail("tickets@proveedor.test", "[#4411] Su pedido", "Seguimos revisando.\n",
                           headers={"X-Loop": "tickets@proveedor.test"}))
    site.deliver(make_mail("juan@cliente.test", "La caldera no arranca", "No arranca.\n"))
    site.once()

    assert [t["customer"]["email"] for t in site.tickets()] == [
        "ana@cliente.test", "tickets@proveedor.test", "juan@cliente.test"]
    # another helpdesk would answer our acknowledgement with its own, and so on
    smtp_sink.wait_for(1)
    assert [m.rcpt_tos for m in smtp_sink.messages] == [["juan@cliente.test"]]


def test_mail_from_the_support_address_never_becomes_a_customer(site, smtp_sink):
    site.deliver(make_mail("soporte@example.test", "Eco", "Bucle.\n"))
    site.once()
    assert site.tickets() == []
    assert smtp_sink.messages == []


def test_a_web_form_sending_for_a_customer_opens_the_customers_ticket(site, smtp_sink):
    # a site's contact form sends as the support address, a shop's as noreply@: the
    # customer typed into it is in Reply-To; a staff address typed there is not trusted
    site.deliver(make_mail("soporte@example.test", "Formulario de contacto", "La caldera pierde agua.\n",
                           name="Web", headers={"Reply-To": "Juan Pérez <juan@cliente.test>"}))
    site.deliver(make_mail("noreply@tienda.test", "Pedido 4411", "No ha llegado.\n",
                           headers={"Reply-To": "lucia@cliente.test"}))
    site.deliver(make_mail("noreply@tienda.test", "Pedido 4412", "#estado cerrado\n",
                           headers={"Reply-To": "ana@empresa.test"}))
    site.once()

    tickets = site.tickets()
    assert [(t["subject"], t["customer"]["email"]) for t in tickets] == [
        ("Formulario de contacto", "juan@cliente.test"), ("Pedido 4411", "lucia@cliente.test"),
        ("Pedido 4412", "noreply@tienda.test")]
    assert site.show("SOP-000001")["customer"] == {"email": "juan@cliente.test", "name": "Juan Pérez"}
    # the ticket left with the robot is acknowledged to nobody: nobody reads noreply@
    smtp_sink.wait_for(2)
    assert sorted(m.rcpt_tos[0] for m in smtp_sink.messages) == ["juan@cliente.test", "lucia@cliente.test"]


def test_second_pass_changes_nothing(site, smtp_sink, mailbox):
    site.deliver(make_mail("juan@cliente.test", "Una", "Uno.\n"))
    site.once()
    before = site.show("SOP-000001")
    site.once()
    site.once()
    assert site.show("SOP-000001") == before
    assert len(smtp_sink.messages) == 1
    assert len(site.tickets()) == 1


def test_same_message_delivered_twice_is_one_ticket(site, smtp_sink, mailbox):
    raw = make_mail("juan@cliente.test", "Duplicado", "Hola.\n", message_id="dup@cliente.test")
    site.deliver(raw)
    site.deliver(raw)
    site.once()
    assert len(site.tickets()) == 1
    assert len(smtp_sink.messages) == 1
    assert mailbox.counts()["Processed"] == 2


def test_reused_message_id_with_other_content_is_a_new_message(site, smtp_sink):
    site.deliver(make_mail("juan@cliente.test", "Primero", "Uno.\n", message_id="same@cliente.test"))
    site.deliver(make_mail("ana@otra.test", "Segundo", "Dos.\n", message_id="same@cliente.test"))
    site.once()
    assert len(site.tickets()) == 2


def test_without_mailbox_once_still_sends_the_outbox(tmp_path, smtp_sink):
    from tests.support.site import Site
    site = Site(tmp_path, None, smtp_sink)
    assert site.once().returncode == 0
    assert site.tickets() == []


def test_tickets_show_unknown_token_fails_clearly(site):
    site.once()
    proc = site.run("tickets", "show", "SOP-999999", check=False)
    assert proc.returncode == 1
    assert "no ticket SOP-999999" in proc.stderr


def test_daemon_acknowledges_through_idle_and_stops_cleanly(site, smtp_sink, mailbox):
    """`soporte run`: new mail is noticed through IMAP IDLE (no poll within the test's
    time: poll_seconds is an hour) and SIGTERM ends it with exit status 0."""
    site.write_config("")
    text = site.config_path.read_text().replace("timeout_seconds = 10\n", "timeout_seconds = 10\npoll_seconds = 3600\n", 1)
    site.write_config(replace=text)
    proc = site.start()
    try:
        mailbox.wait_for_counts({"INBOX": 0}, timeout=30)
        site.deliver(make_mail("juan@cliente.test", "Por IDLE", "Hola.\n"))
        [ack] = smtp_sink.wait_for(1, timeout=30)
        assert ack.rcpt_tos == ["juan@cliente.test"]
    finally:
        status = site.stop(proc)
    assert status == 0, site.daemon_log()
    assert "stopped" in site.daemon_log()


def test_english_customer_gets_the_english_templates(site, smtp_sink):
    site.deliver(make_mail("john@client.test", "Boiler does not start",
                           "Hello, my boiler is not working since yesterday. Thanks for your help.\n"))
    site.once()
    [ack] = smtp_sink.wait_for(1)
    body = ack.message.get_body(("plain",)).get_content()
    assert "SOP-000001" in body and "Hemos recibido" not in body
