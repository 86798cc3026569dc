"""Work orders and billing end to end (seeds 000, 002): staff log hours and parts, close;
finance gets ONE notification with the albarán CSV and records invoice and payments."""
from __future__ import annotations

import csv
import io
import json

from tests.support.mail import make_mail

BILLING = '''
[billing]
finance_address = "finanzas@empresa.test"
tax_pct = "21"
[billing.materials.KIT-01]
description = "Kit de juntas"
price = "25.00"

[[contracts]]
match = "@acme.test"
plan = "mantenimiento_anual"
from = 2026-01-01
until = 2026-12-31
'''


def open_ticket(site, sender="juan@cliente.test", subject="Avería en la bomba"):
    site.deliver(make_mail(sender, subject, "La bomba hace ruido.\n"))
    site.once()
    return site.tickets()[-1]["token"]


def staff(site, who, token, body):
    site.deliver(make_mail(who, f"RE: [{token}] Avería", body))
    site.once()


def finance_mail(smtp_sink):
    """Billing notifications: mail to finance carrying the albarán."""
    return [m for m in smtp_sink.messages if m.rcpt_tos == ["finanzas@empresa.test"]
            and any(p.get_filename("").startswith("albaran-") for p in m.message.iter_attachments())]


def test_billable_close_notifies_finance_once_and_payments_add_up(site, smtp_sink):
    site.write_config(BILLING)
    token = open_ticket(site)
    staff(site, "luis@empresa.test", token, "#horas 2 SMANT\n#material KIT-01 1\n#serie BOMBA-77\n#estado cerrado\n")
    ticket = site.show(token)
    order = ticket["work_order"]
    assert [(l["concept"], l["quantity"], l["unit_price"], l["total"]) for l in order["lines"]] == [
        ("SMANT", "2", "60.00", "120.00"), ("KIT-01", "1", "25.00", "25.00")]
    assert (order["subtotal"], order["tax"], order["total"]) == ("145.00", "30.45", "175.45")

    [notice] = finance_mail(smtp_sink)
    assert token in notice.message["Subject"]
    [attachment] = [p for p in notice.message.iter_attachments()]
    assert attachment.get_filename() == f"albaran-{token}.csv"
    rows = list(csv.reader(io.StringIO(attachment.get_content() if isinstance(attachment.get_content(), str)
                                       else attachment.get_content().decode("utf-8-sig"))))
    flat = [cell for row in rows for cell in row]
    assert "SMANT" in flat and "KIT-01" in flat and "175.45" in flat
    assert "175.45" in notice.message.get_body(("html",)).get_content()

    staff(site, "finanzas@empresa.test", token, "#facturado F-2026-0042\n#pagado 100\n")
    staff(site, "finanzas@empresa.test", token, "#pagado 75,45\n")
    order = site.show(token)["work_order"]
    assert (order["invoiced"], order["paid"], order["outstanding"]) == ("F-2026-0042", "175.45", "0.00")
    assert site.show(token)["status"] == "cerrado"          # finance commands don't reopen

    before = len(smtp_sink.messages)
    staff(site, "finanzas@empresa.test", token, "#pagado 1\n")
    errors = [m for m in smtp_sink.messages[before:]]
    assert [m.rcpt_tos for m in errors] == [["finanzas@empresa.test"]]
    assert "supera" in errors[0].message.get_body(("plain",)).get_content()
    assert site.show(token)["work_order"]["paid"] == "175.45"

    staff(site, "luis@empresa.test", token, "#estado abierto\n")
    staff(site, "luis@empresa.test", token, "#estado cerrado\n")
    assert len(finance_mail(smtp_sink)) == 1             # same total: not notified twice


def test_agents_cannot_record_payments(site, smtp_sink):
    site.write_config(BILLING)
    token = open_ticket(site)
    staff(site, "marta@empresa.test", token, "#pagado 10\n")
    assert site.show(token)["work_order"]["paid"] == "0.00"


def test_contract_customer_pays_materials_not_hours(site, smtp_sink):
    site.write_config(BILLING)
    token = open_ticket(site, sender="eva@acme.test")
    staff(site, "luis@empresa.test", token, "#horas 3 SMANTND fuera-de-horario\n#material KIT-01 2\n#estado cerrado\n")
    order = site.show(token)["work_order"]
    hours, parts = order["lines"]
    assert (hours["discount_pct"], hours["surcharge_pct"], hours["total"]) == ("100", "50", "0.00")
    assert (parts["discount_pct"], parts["total"]) == ("0", "50.00")
    assert order["total"] == "60.50"
    assert len(finance_mail(smtp_sink)) == 1


def test_warranty_work_is_recorded_but_never_invoiced(site, smtp_sink):
    site.write_config(BILLING)
    token = open_ticket(site)
    staff(site, "luis@empresa.test", token, "#tipo garantia\n#horas 1 SMANT\n#material KIT-01 1\n#estado cerrado\n")
    order = site.show(token)["work_order"]
    assert len(order["lines"]) == 2 and all(l["discount_pct"] == "100" for l in order["lines"])
    assert order["total"] == "0.00"
    assert finance_mail(smtp_sink) == []


def test_kind_change_reprices_the_open_work_order(site, smtp_sink):
    site.write_config(BILLING)
    token = open_ticket(site)
    staff(site, "luis@empresa.test", token, "#horas 1 SMANTND\n")
    assert site.show(token)["work_order"]["total"] == "48.40"
    staff(site, "luis@empresa.test", token, "#tipo cortesia\n")
    assert site.show(token)["work_order"]["total"] == "0.00"


def test_serial_history_across_tickets(site, smtp_sink):
    site.write_config(BILLING)
    first = open_ticket(site)
    staff(site, "luis@empresa.test", first, "#serie BOMBA-77\n#diagnostico Rodamiento gastado\n#estado cerrado\n")
    second = open_ticket(site, subject="Otra vez la bomba")
    staff(site, "luis@empresa.test", second, "#serie BOMBA-77\n#horas 1 SMANT\n")
    history = json.loads(site.run("serial", "BOMBA-77", "--json").stdout)
    assert [h["token"] for h in history] == [first, second]
    assert history[0]["diagnosis"] == "Rodamiento gastado"
    assert history[1]["total"] == "72.60"
    assert "BOMBA-77" in site.run("serial", "BOMBA-77").stdout
