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
    received = [m for m in ticket["messages"] if m["direction"] == "in"][-1]
    assert [(a["filename"], a["content_type"]) for a in received["attachments"]] == [
        ("ticket-compra.pdf", "application/pdf")]


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
