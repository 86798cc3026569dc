"""The warranty-document rule of seed 004, walked with an injected clock (`--now`):
request, reminders at 6/12/18 h, closure at 24 h, and the document-received path."""
from __future__ import annotations

from tests.support.mail import make_mail
from tests.support.tnef import tnef, tnef_file

RULES = '''
[[rules]]
name = "Reclamaciones de garantía"
when.subject = "(?i)garant[ií]a"
then.category = "informes_sobre_proceso"
then.kind = "garantia"
'''
T0 = "2026-11-23T10:00:00+01:00"


def at(hours: float) -> str:
    from datetime import datetime, timedelta
    return (datetime.fromisoformat(T0) + timedelta(hours=hours)).isoformat()


def customer_mail(smtp_sink, start: int = 0):
    return [(m.message["Subject"], m.rcpt_tos) for m in smtp_sink.messages[start:] if m.rcpt_tos == ["juan@cliente.test"]]


def last_received(ticket):
    return [m for m in ticket["messages"] if m["direction"] == "in"][-1]


def claim(site):
    site.write_config(RULES)
    site.deliver(make_mail("juan@cliente.test", "Garantía: la lavadora pierde agua", "Pierde agua por debajo.\n"))
    site.once(now=T0)


def test_warranty_timeline_reminds_three_times_then_closes(site, smtp_sink):
    claim(site)
    ticket = site.show("SOP-000001")
    assert (ticket["category"], ticket["kind"], ticket["status"]) == ("informes_sobre_proceso", "garantia", "sin_documentacion")
    assert any(e["action"] == "rule" and "Reclamaciones de garantía" in e["new"] for e in ticket["events"])
    sent = customer_mail(smtp_sink)
    assert len(sent) == 2                               # acknowledgement + document request
    for hours, expected in ((7, 3), (7, 3), (13, 4), (19, 5), (19, 5)):
        site.once(now=at(hours))                        # the same instant twice sends nothing twice
        assert len(customer_mail(smtp_sink)) == expected, customer_mail(smtp_sink)
    site.once(now=at(25))
    assert site.show("SOP-000001")["status"] == "cerrado"
    assert len(customer_mail(smtp_sink)) == 6
    site.once(now=at(26))
    assert len(customer_mail(smtp_sink)) == 6
    site.deliver(make_mail("juan@cliente.test", "Re: [SOP-000001] Garantía", "Aquí está la factura.\n"))
    site.once(now=at(27))
    tickets = site.tickets()
    assert len(tickets) == 2 and site.show(tickets[1]["token"])["linked_ticket"] == "SOP-000001"


def test_a_late_sweep_does_not_burst_reminders(site, smtp_sink):
    claim(site)
    site.once(now=at(14))
    assert len(customer_mail(smtp_sink)) == 3          # only the latest due reminder


def test_document_in_time_reopens_and_asks_supervisors(site, smtp_sink):
    claim(site)
    start = len(smtp_sink.messages)
    pdf = b"%PDF-1.4\n" + b"0" * 4096
    site.deliver(make_mail("juan@cliente.test", "Re: [SOP-000001] Garantía", "Adjunto el ticket de compra.\n",
                           attachments=(("ticket-compra.pdf", "application/pdf", pdf),)))
    site.once(now=at(2))
    ticket = site.show("SOP-000001")
    assert ticket["status"] == "abierto"
    recipients = sorted(r for m in smtp_sink.messages[start:] for r in m.rcpt_tos)
    assert recipients == ["ana@empresa.test", "juan@cliente.test"]
    # the supervisor re-categorises with the receipt in hand
    [to_supervisor] = [m.message for m in smtp_sink.messages[start:] if m.rcpt_tos == ["ana@empresa.test"]]
    assert [(a.get_filename(), a.get_content()) for a in to_supervisor.iter_attachments()] == [
        ("ticket-compra.pdf", pdf)]
    site.once(now=at(7))
    site.once(now=at(25))
    assert site.show("SOP-000001")["status"] == "abierto"
    assert len(customer_mail(smtp_sink, start)) == 1


def test_a_document_outlook_wrapped_in_winmail_dat_counts(site, smtp_sink):
    claim(site)
    stream = tnef(tnef_file(b"%PDF-1.4\n" + b"0" * 4096, title="TICKET~1.PDF", long_name="ticket-compra.pdf"))
    site.deliver(make_mail("juan@cliente.test", "Re: [SOP-000001] Garantía", "Adjunto el ticket de compra.\n",
                           attachments=(("winmail.dat", "application/ms-tnef", stream),)))
    site.once(now=at(2))
    ticket = site.show("SOP-000001")
    assert ticket["status"] == "abierto"
    assert [(a["filename"], a["content_type"]) for a in last_received(ticket)["attachments"]] == [
        ("ticket-compra.pdf", "application/pdf")]


def test_a_receipt_sent_as_some_file_or_under_another_type_name_counts(site, smtp_sink):
    """Web forms send application/octet-stream, Android image/jpg: the admin lists only
    the standard types in accepted_types."""
    claim(site)
    site.deliver(make_mail("juan@cliente.test", "Re: [SOP-000001] Garantía", "Adjunto la factura.\n",
                           attachments=(("factura.pdf", "application/octet-stream", b"%PDF-1.4\n" + b"0" * 4096),
                                        ("foto.jpg", "image/jpg", b"\xff\xd8\xff\xe0" + b"0" * 4096))))
    site.once(now=at(2))
    ticket = site.show("SOP-000001")
    assert ticket["status"] == "abierto"
    assert [(a["filename"], a["content_type"]) for a in last_received(ticket)["attachments"]] == [
        ("factura.pdf", "application/pdf"), ("foto.jpg", "image/jpeg")]


LOGO = ("image001.png@01DB3E7A.5C1B2F40", "image001.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 6000)


def outlook_html(text: str, photo: str = "") -> str:
    """As Outlook writes a message whose signature has the company's logo."""
    pasted = f'<p class=MsoNormal><img width=602 height=803 src="cid:{photo}"></p>' if photo else ""
    return (f"<html><body lang=ES><div class=WordSection1><p class=MsoNormal>{text}</p>{pasted}"
            '<p class=MsoNormal><a name="_MailAutoSig">Juan Pérez<br>Ferretería López</a></p>'
            f'<p class=MsoNormal><img width=151 height=48 src="cid:{LOGO[0]}"></p></div></body></html>')


def test_a_signature_logo_is_no_proof_of_purchase_but_a_pasted_photo_is(site, smtp_sink):
    site.write_config(RULES)
    site.deliver(make_mail("juan@cliente.test", "Garantía: el calentador no enciende", "No enciende.\n",
                           html=outlook_html("No enciende."), related=(LOGO,)))
    site.once(now=T0)
    assert site.show("SOP-000001")["status"] == "sin_documentacion"
    assert len(customer_mail(smtp_sink)) == 2           # acknowledgement + document request
    site.deliver(make_mail("juan@cliente.test", "Re: [SOP-000001] Garantía", "Mañana la busco.\n",
                           html=outlook_html("Mañana la busco."), related=(LOGO,)))
    site.once(now=at(1))
    ticket = site.show("SOP-000001")
    assert ticket["status"] == "sin_documentacion"
    assert [(a["filename"], a["incidental"]) for a in last_received(ticket)["attachments"]] == [("image001.png", True)]
    photo = ("image002.jpg@01DB3E7B.1A2B3C40", "image002.jpg", "image/jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 90_000)
    site.deliver(make_mail("juan@cliente.test", "Re: [SOP-000001] Garantía", "Aquí la factura.\n",
                           html=outlook_html("Aquí la factura.", photo=photo[0]), related=(photo, LOGO)))
    site.once(now=at(2))
    ticket = site.show("SOP-000001")
    assert ticket["status"] == "abierto"
    assert [(a["filename"], a["incidental"]) for a in last_received(ticket)["attachments"]] == [
        ("image002.jpg", False), ("image001.png", True)]
    shown = site.run("tickets", "show", "SOP-000001").stdout
    assert "attached: image002.jpg (image/jpeg, 87 KB)\n" in shown
    assert "attached: image001.png (image/png, 5 KB)  (came with the mail: a signature logo" in shown


def test_a_too_small_or_wrong_document_does_not_count(site, smtp_sink):
    claim(site)
    site.deliver(make_mail("juan@cliente.test", "Re: [SOP-000001] Garantía", "Adjunto.\n",
                           attachments=(("nota.txt", "text/plain", b"x" * 5000), ("mini.pdf", "application/pdf", b"%PDF"))))
    site.once(now=at(1))
    assert site.show("SOP-000001")["status"] == "sin_documentacion"


def test_staff_recategorising_into_warranty_requests_the_document(site, smtp_sink):
    site.deliver(make_mail("juan@cliente.test", "La lavadora pierde agua", "Pierde agua.\n"))
    site.once(now=T0)
    site.deliver(make_mail("ana@empresa.test", "Re: [SOP-000001] La lavadora", "#categoria informes_sobre_proceso\n"))
    site.once(now=at(1))
    assert site.show("SOP-000001")["status"] == "sin_documentacion"
    assert len(customer_mail(smtp_sink)) == 2
