"""Routing rules end to end: the admin's [[rules]] route a new ticket, every hit is an
event, and `soporte rules test` dry-runs a message without touching anything."""
from __future__ import annotations

from tests.support.mail import make_mail

RULES = '''
[[rules]]
name = "Finanzas"
when.subject = "(?i)factura|pago"
then.queue = "finanzas"
then.category = "finanzas"
then.assign = "finanzas@empresa.test"
then.stop = true

[[rules]]
name = "Urgencias de clientes con contrato"
match = "all"
when.body = "(?i)urgente"
when.customer_has_contract = true
then.priority = "urgente"
then.watchers = ["ana@empresa.test"]

[[rules]]
name = "Aviso a supervisión"
on = "message"
when.body = "(?i)abogado|denuncia"
then.notify = { to = "supervisor", template = "staff_rule_notice" }

[[contracts]]
match = "@acme.test"
plan = "mantenimiento_anual"
from = 2026-01-01
until = 2026-12-31
'''


def test_rules_route_new_tickets_and_record_why(site, smtp_sink):
    site.write_config(RULES)
    site.deliver(make_mail("juan@cliente.test", "Duda con la factura 123", "¿Es correcta?\n"))
    site.deliver(make_mail("eva@acme.test", "Parada total", "Es urgente, la línea está parada.\n"))
    site.deliver(make_mail("pepe@otro.test", "Parada", "Es urgente también.\n"))
    site.once(now="2026-11-23T10:00:00+01:00")
    finance, contract, other = (site.show(f"SOP-00000{i}") for i in (1, 2, 3))
    assert (finance["queue"], finance["category"], finance["assignee"]) == ("finanzas", "finanzas", "finanzas@empresa.test")
    [why] = [e["new"] for e in finance["events"] if e["action"] == "rule"]
    assert why.startswith("Finanzas:") and "finanzas@empresa.test" in why
    assert not any(e["action"] == "rule" and "Urgencias" in e["new"] for e in finance["events"])   # stop
    assert (contract["priority"], contract["watchers"]) == ("urgente", ["ana@empresa.test"])
    assert other["priority"] == "normal"
    assert ["finanzas@empresa.test"] in [m.rcpt_tos for m in smtp_sink.messages]


def test_message_rules_notify_on_every_customer_message(site, smtp_sink):
    site.write_config(RULES)
    site.deliver(make_mail("juan@cliente.test", "Consulta", "Hola.\n"))
    site.once()
    site.deliver(make_mail("juan@cliente.test", "Re: [SOP-000001] Consulta", "Hablaré con mi abogado.\n"))
    site.once()
    assert ["ana@empresa.test"] in [m.rcpt_tos for m in smtp_sink.wait_for(2)]


def test_rules_test_dry_run_touches_nothing(site, tmp_path):
    site.write_config(RULES)
    eml = tmp_path / "factura.eml"
    eml.write_bytes(make_mail("juan@cliente.test", "Mi factura de octubre", "Hola.\n"))
    proc = site.run("rules", "test", str(eml))
    assert "Finanzas" in proc.stdout and "queue" in proc.stdout
    assert site.tickets() == []


def test_has_attachment_counts_files_not_a_signature_logo(site, tmp_path):
    site.write_config('''
[[rules]]
name = "Con adjunto"
when.has_attachment = true
then.queue = "instalaciones"
''')
    logo = ("image001.png@01DB3E7A", "image001.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 6000)
    html = ('<p class=MsoNormal>No enciende.</p><p class=MsoNormal><a name="_MailAutoSig">Juan</a></p>'
            '<p class=MsoNormal><img width=151 height=48 src="cid:image001.png@01DB3E7A"></p>')
    signed_only = make_mail("juan@cliente.test", "No enciende", "No enciende.\n", html=html, related=(logo,))
    with_file = make_mail("eva@cliente.test", "No enciende", "Foto adjunta.\n", html=html, related=(logo,),
                          attachments=(("foto.jpg", "image/jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 9000),))
    eml = tmp_path / "logo.eml"
    eml.write_bytes(signed_only)
    assert "queue=soporte" in site.run("rules", "test", str(eml)).stdout
    site.deliver(signed_only)
    site.deliver(with_file)
    site.once()
    assert [site.show(f"SOP-00000{i}")["queue"] for i in (1, 2)] == ["soporte", "instalaciones"]


def test_broken_rules_are_all_reported_with_paths(site):
    site.write_config('''
[[rules]]
name = "Rota"
when.subject = "(unclosed"
then.priority = "altisima"
then.colour = "red"
''')
    proc = site.run("check", check=False)
    assert proc.returncode == 2
    for expected in ("rules[0].when.subject", "rules[0].then.priority", "rules[0].then.colour"):
        assert expected in proc.stderr, proc.stderr
