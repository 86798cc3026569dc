"""Staff work tickets by replying in the thread (SPEC §5): commands at the top, the rest
relayed to the customer from the support address. End to end on Dovecot + aiosmtpd."""
from __future__ import annotations

from tests.support.mail import make_mail

STAFF_ADDRESSES = ("ana@empresa.test", "luis@empresa.test", "marta@empresa.test", "finanzas@empresa.test",
                   "admin@empresa.test")


def open_ticket(site, smtp_sink, subject="La caldera no arranca", sender="juan@cliente.test"):
    site.deliver(make_mail(sender, subject, "No arranca desde ayer.\n", name="Juan"))
    site.once()
    smtp_sink.wait_for(len(smtp_sink.messages) + 0 or 1)
    return site.tickets()[-1]["token"]


def staff_reply(site, who, token, body, subject="La caldera no arranca", headers=None):
    site.deliver(make_mail(who, f"RE: [{token}] {subject}", body, headers=headers))
    site.once()


def customer_mail_headers(received) -> str:
    msg = received.message
    return "\n".join(f"{k}: {v}" for k, v in msg.items())


def test_reply_with_commands_applies_them_and_relays_the_text(site, smtp_sink):
    token = open_ticket(site, smtp_sink)
    smtp_sink.clear()
    staff_reply(site, "luis@empresa.test", token,
                "#estado pendiente_cliente\n#prioridad alta\n#serie SN-555\n\n"
                "Hola Juan, ¿puede enviarnos una foto del display?\n\nLuis\n\n"
                "El lun, 23 nov 2026, Juan escribió:\n> No arranca desde ayer.\n")
    [reply] = smtp_sink.wait_for(1)
    assert reply.rcpt_tos == ["juan@cliente.test"]
    body = reply.message.get_body(("plain",)).get_content()
    assert "¿puede enviarnos una foto del display?" in body
    assert "#estado" not in body and "No arranca desde ayer" not in body
    headers = customer_mail_headers(reply)
    assert not any(address in headers for address in STAFF_ADDRESSES), headers
    assert reply.message["From"].addresses[0].addr_spec == "soporte@example.test"
    assert reply.message["Auto-Submitted"] is None          # a human reply, not automatic
    assert token in reply.message["Subject"]

    ticket = site.show(token)
    assert (ticket["status"], ticket["priority"], ticket["serial_number"]) == ("pendiente_cliente", "alta", "SN-555")
    changes = {(e["action"], e["old"], e["new"], e["actor"]) for e in ticket["events"]}
    assert ("status", "nuevo", "pendiente_cliente", "luis@empresa.test") in changes
    assert ("priority", "normal", "alta", "luis@empresa.test") in changes
    staff_message = [m for m in ticket["messages"] if m["from"] == "luis@empresa.test"][0]
    assert staff_message["internal"] is True
    assert ticket["first_response_at"] is not None


def test_files_the_staff_attach_reach_the_customer_without_their_signature_logo(site, smtp_sink):
    site.write_config("[limits]\nmax_attachment_bytes = 150000\n")
    token = open_ticket(site, smtp_sink)
    smtp_sink.clear()
    manual = b"%PDF-1.4\n" + bytes(range(256)) * 400     # large: read back from the store
    logo = ("image001.png@01DB3E7A", "image001.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 6000)
    html = ('<p class=MsoNormal>Le adjunto el manual.</p><p class=MsoNormal><a name="_MailAutoSig">Luis</a></p>'
            '<p class=MsoNormal><img width=151 height=48 src="cid:image001.png@01DB3E7A"></p>')
    site.deliver(make_mail("luis@empresa.test", f"RE: [{token}] La caldera no arranca", "Le adjunto el manual.\n",
                           html=html, related=(logo,),
                           attachments=(("manual caldera.pdf", "application/pdf", manual),
                                        ("fotos.zip", "application/zip", b"PK" + b"\x00" * 60000))))
    site.once()
    reply, warning = sorted(smtp_sink.wait_for(2), key=lambda m: m.rcpt_tos != ["juan@cliente.test"])
    assert reply.rcpt_tos == ["juan@cliente.test"]
    assert "Le adjunto el manual." in reply.message.get_body(("plain",)).get_content()
    assert [(part.get_filename(), part.get_content_type(), part.get_content())
            for part in reply.message.iter_attachments()] == [("manual caldera.pdf", "application/pdf", manual)]
    ticket = site.show(token)
    [left_out] = [e for e in ticket["events"] if e["action"] == "attachment_not_sent"]
    assert left_out["new"] == "fotos.zip (58 KB): over 146 KB together"
    # the agent hears which file the customer did not get
    assert warning.rcpt_tos == ["luis@empresa.test"]
    assert "- fotos.zip (58 KB)" in warning.message.get_body(("plain",)).get_content()
    # the ticket shows what the customer received
    relayed = [m for m in ticket["messages"] if m["direction"] == "out" and not m["internal"]][-1]
    assert "Le adjunto el manual." in relayed["body_text"]
    assert [(a["filename"], a["size"]) for a in relayed["attachments"]] == [("manual caldera.pdf", len(manual))]


PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 300


def photo_mail(subject: str, video_bytes: int):
    """Juan's photo of the pilot light, a video too large to pass on, and his Outlook
    signature's logo."""
    logo = ("image001.png@01DB3E7A", "image001.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 6000)
    html = ('<p>Le mando una foto del piloto.</p><div id="Signature"><p>Juan</p>'
            '<img width=120 height=40 src="cid:image001.png@01DB3E7A"></div>')
    return make_mail("juan@cliente.test", subject, "Le mando una foto del piloto.\n", html=html, related=(logo,),
                     attachments=(("piloto.jpg", "image/jpeg", PHOTO), ("video.mp4", "video/mp4", b"\x00" * video_bytes)))


def assert_notice_carries_the_photo(notice, video_size: str) -> None:
    assert notice.rcpt_tos == ["luis@empresa.test"]
    assert [(a.get_filename(), a.get_content()) for a in notice.message.iter_attachments()] == [
        ("piloto.jpg", PHOTO)]
    text = notice.message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Le mando una foto del piloto." in text
    assert f"  - piloto.jpg (75 KB)\n  - video.mp4 ({video_size}): no va adjunto" in text
    assert "image001.png" not in text


def test_the_assignee_gets_the_customers_files_with_their_message(site, smtp_sink):
    site.write_config("[limits]\nmax_attachment_bytes = 150000\n")
    token = open_ticket(site, smtp_sink)
    staff_reply(site, "luis@empresa.test", token, "#asignar yo\n#interno\n\nMe encargo yo.\n")
    smtp_sink.clear()
    site.deliver(photo_mail(f"RE: [{token}] La caldera no arranca", video_bytes=90000))
    site.once()
    [notice] = smtp_sink.wait_for(1)
    assert_notice_carries_the_photo(notice, "87 KB")


def test_a_ticket_assigned_by_command_reaches_its_assignee_with_the_customers_files(site, smtp_sink):
    # the video is over the limit on its own: never stored, named but not attached
    site.write_config("[limits]\nmax_attachment_bytes = 150000\n")
    site.deliver(photo_mail("La caldera no arranca", video_bytes=160000))
    site.once()
    token = site.tickets()[-1]["token"]
    smtp_sink.clear()
    staff_reply(site, "ana@empresa.test", token, "#interno\n#asignar Luis\n\nTuyo, Luis.\n")
    [notice] = smtp_sink.wait_for(1)
    assert_notice_carries_the_photo(notice, "156 KB")


def test_unknown_command_applies_nothing_and_only_the_sender_hears(site, smtp_sink):
    token = open_ticket(site, smtp_sink)
    smtp_sink.clear()
    staff_reply(site, "luis@empresa.test", token, "#estado resuelto\n#estatus abierto\n\nYa está arreglado.\n")
    [error] = smtp_sink.wait_for(1)
    assert error.rcpt_tos == ["luis@empresa.test"]
    text = error.message.get_body(("plain",)).get_content()
    assert "#estatus abierto" in text and "#estado" in text
    assert site.show(token)["status"] == "nuevo"
    assert any(e["action"] == "command_error" for e in site.show(token)["events"])


def test_role_not_allowed_is_refused(site, smtp_sink):
    token = open_ticket(site, smtp_sink)
    smtp_sink.clear()
    staff_reply(site, "marta@empresa.test", token, "#categoria averia\n#prioridad alta\n")
    [error] = smtp_sink.wait_for(1)
    assert error.rcpt_tos == ["marta@empresa.test"]
    assert "agente" in error.message.get_body(("plain",)).get_content()
    ticket = site.show(token)
    assert (ticket["category"], ticket["priority"]) == ("consulta", "normal")


def test_customer_hash_lines_are_plain_text(site, smtp_sink):
    token = open_ticket(site, smtp_sink)
    site.deliver(make_mail("juan@cliente.test", f"Re: [{token}] La caldera", "#estado cerrado\n#prioridad urgente\nGracias\n"))
    site.once()
    ticket = site.show(token)
    assert (ticket["status"], ticket["priority"]) == ("nuevo", "normal")
    assert ticket["messages"][-1]["body_text"].startswith("#estado cerrado")


def test_internal_note_never_reaches_the_customer(site, smtp_sink):
    token = open_ticket(site, smtp_sink)
    smtp_sink.clear()
    staff_reply(site, "ana@empresa.test", token, "#interno\n#asignar Luis\n\nEl cliente tiene deuda pendiente.\n")
    received = smtp_sink.wait_for(1)                    # only Luis's assignment notice
    assert [r.rcpt_tos for r in received] == [["luis@empresa.test"]]
    ticket = site.show(token)
    assert ticket["assignee"] == "luis@empresa.test"
    note = [m for m in ticket["messages"] if m["from"] == "ana@empresa.test"][0]
    assert note["internal"] and "deuda pendiente" in note["body_text"]


def test_assign_yo_takes_the_ticket_for_whoever_writes(site, smtp_sink):
    token = open_ticket(site, smtp_sink)
    smtp_sink.clear()
    staff_reply(site, "luis@empresa.test", token, "#asignar yo\n\nMe encargo yo.\n")
    # the customer gets the reply; nobody is told of an assignment they made themselves
    assert [r.rcpt_tos for r in smtp_sink.messages] == [["juan@cliente.test"]]
    ticket = site.show(token)
    assert ticket["assignee"] == "luis@empresa.test"
    assigned = [(e["new"], e["actor"]) for e in ticket["events"] if e["action"] == "assigned"]
    assert assigned == [("luis@empresa.test", "luis@empresa.test")]


def test_commands_only_reply_sends_the_status_notice(site, smtp_sink):
    token = open_ticket(site, smtp_sink)
    smtp_sink.clear()
    staff_reply(site, "luis@empresa.test", token, "#estado abierto\n")
    [notice] = smtp_sink.wait_for(1)
    assert notice.rcpt_tos == ["juan@cliente.test"]
    assert "Abierto" in notice.message.get_body(("plain",)).get_content()


def test_spoofed_staff_mail_is_plain_text_when_authentication_required(site, smtp_sink):
    site.write_config('[security]\nrequire_authenticated_staff = true\nauthserv_id = "mx.empresa.test"\n')
    token = open_ticket(site, smtp_sink)
    smtp_sink.clear()
    staff_reply(site, "luis@empresa.test", token, "#estado cerrado\n\nCerrado.\n",
                headers={"Authentication-Results": "evil.test; dkim=pass header.d=empresa.test"})
    [warning] = smtp_sink.wait_for(1)
    assert warning.rcpt_tos == ["luis@empresa.test"]
    assert site.show(token)["status"] == "nuevo"
    smtp_sink.clear()
    staff_reply(site, "luis@empresa.test", token, "#estado abierto\n",
                headers={"Authentication-Results": "mx.empresa.test; spf=pass smtp.mailfrom=luis@empresa.test"})
    assert site.show(token)["status"] == "abierto"


def test_staff_opens_ticket_on_behalf_of_customer(site, smtp_sink):
    site.deliver(make_mail("marta@empresa.test", "RV: No puedo entrar al portal",
                           "#cliente rosa@cliente.test\n\n---------- Mensaje reenviado ----------\n"
                           "De: Rosa <rosa@cliente.test>\nAsunto: No puedo entrar al portal\n\n"
                           "Me dice que la contraseña no vale.\n"))
    site.once()
    [ack] = smtp_sink.wait_for(1)
    assert ack.rcpt_tos == ["rosa@cliente.test"]
    [ticket] = site.tickets()
    assert ticket["customer"]["email"] == "rosa@cliente.test"
    detail = site.show(ticket["token"])
    assert "la contraseña no vale" in detail["messages"][0]["body_text"]


def test_closing_asks_for_rating_and_a_lone_digit_is_recorded(site, smtp_sink):
    token = open_ticket(site, smtp_sink)
    smtp_sink.clear()
    staff_reply(site, "luis@empresa.test", token, "#solucion Cambio de la placa.\n#estado cerrado\n")
    [closing] = smtp_sink.wait_for(1)
    assert "1 al 5" in closing.message.get_body(("plain",)).get_content()
    site.deliver(make_mail("juan@cliente.test", f"Re: [{token}] Cerrado", "4\n\nEl lun, 23 nov 2026 a las 10:00, Soporte <soporte@example.test> escribió:\n> Valore\n"))
    site.once()
    assert len(site.tickets()) == 1
    ticket = site.show(token)
    assert (ticket["satisfaction"], ticket["status"]) == (4, "cerrado")


def test_message_to_closed_ticket_opens_a_linked_one(site, smtp_sink):
    token = open_ticket(site, smtp_sink)
    staff_reply(site, "luis@empresa.test", token, "#estado cerrado\n")
    site.deliver(make_mail("juan@cliente.test", f"Re: [{token}] Otra vez", "Vuelve a fallar.\n"))
    site.once()
    tickets = site.tickets()
    assert len(tickets) == 2
    assert site.show(tickets[1]["token"])["linked_ticket"] == token


def test_reply_to_resolved_ticket_reopens_it(site, smtp_sink):
    token = open_ticket(site, smtp_sink)
    staff_reply(site, "luis@empresa.test", token, "#estado resuelto\n")
    site.deliver(make_mail("juan@cliente.test", f"Re: [{token}] Resuelto", "Sigue sin funcionar.\n"))
    site.once()
    ticket = site.show(token)
    assert ticket["status"] == "abierto" and ticket["reopened"] == 1
    assert len(site.tickets()) == 1


def test_canned_response_and_feature_request_decision(site, smtp_sink):
    token = open_ticket(site, smtp_sink, subject="Sugerencia: exportar a Excel")
    smtp_sink.clear()
    staff_reply(site, "ana@empresa.test", token, "#tipo mejora\n#decision aprobada\n#plantilla solicitar_datos\n",
                subject="Sugerencia")
    received = smtp_sink.wait_for(2)
    bodies = [r.message.get_body(("plain",)).get_content() for r in received]
    assert any("hemos aprobado" in b for b in bodies)
    assert all(r.rcpt_tos == ["juan@cliente.test"] for r in received)
    assert site.show(token)["decision"] == "aprobada"


def test_unknown_canned_response_is_an_error(site, smtp_sink):
    token = open_ticket(site, smtp_sink)
    smtp_sink.clear()
    staff_reply(site, "ana@empresa.test", token, "#plantilla no_existe\n#estado abierto\n")
    [error] = smtp_sink.wait_for(1)
    assert error.rcpt_tos == ["ana@empresa.test"]
    assert site.show(token)["status"] == "nuevo"
