"""Timers evaluated by the sweep from database state at an injected instant: SLA
breaches, follow-up reminders and the daily agenda. Sweeping twice sends nothing twice."""
from __future__ import annotations

from tests.support.mail import make_mail

URGENT = '''
[[rules]]
name = "Urgentes"
when.subject = "(?i)urgente"
then.priority = "urgente"
'''
MONDAY_10 = "2026-11-23T10:00:00+01:00"


def to(smtp_sink, address):
    return [m for m in smtp_sink.messages if m.rcpt_tos == [address] or address in m.rcpt_tos]


def asked_the_customer(site, subject: str, question: str, config: str = URGENT) -> None:
    """SOP-000001 opened Monday 10:00 (urgent: resolution due 18:00), then a technician's
    reply with a question puts it in pendiente_cliente; the sweep that reads it is the test's."""
    site.write_config(config)
    site.deliver(make_mail("juan@cliente.test", subject, "Nada.\n"))
    site.once(now=MONDAY_10)
    site.deliver(make_mail("luis@empresa.test", f"Re: [SOP-000001] {subject}",
                           f"#estado pendiente_cliente\n\n{question}\n"))


def test_sla_breach_notifies_supervisors_once(site, smtp_sink):
    site.write_config(URGENT)
    site.deliver(make_mail("juan@cliente.test", "URGENTE: sin servicio", "Todo parado.\n"))
    site.once(now=MONDAY_10)
    site.once(now="2026-11-23T10:59:00+01:00")
    assert to(smtp_sink, "ana@empresa.test") == []
    site.once(now="2026-11-23T11:01:00+01:00")           # 1 h first-response target missed
    site.once(now="2026-11-23T11:01:00+01:00")
    [breach] = to(smtp_sink, "ana@empresa.test")
    assert "SOP-000001" in breach.message["Subject"]
    assert any(e["action"] == "sla_breach" for e in site.show("SOP-000001")["events"])


def test_sla_counts_business_hours_only(site, smtp_sink):
    site.write_config(URGENT)
    site.deliver(make_mail("juan@cliente.test", "Urgente: viernes tarde", "Parado.\n"))
    site.once(now="2026-11-27T17:30:00+01:00")            # Friday, 30 business minutes left
    site.once(now="2026-11-28T12:00:00+01:00")            # Saturday: the clock is stopped
    assert to(smtp_sink, "ana@empresa.test") == []
    site.once(now="2026-11-30T09:31:00+01:00")            # Monday 09:30 is the deadline
    assert len(to(smtp_sink, "ana@empresa.test")) == 1


def test_first_public_reply_in_time_is_no_breach(site, smtp_sink):
    site.write_config(URGENT)
    site.deliver(make_mail("juan@cliente.test", "Urgente", "Parado.\n"))
    site.once(now=MONDAY_10)
    site.deliver(make_mail("luis@empresa.test", "Re: [SOP-000001] Urgente", "Voy para allá.\n"))
    site.once(now="2026-11-23T10:20:00+01:00")
    site.once(now="2026-11-23T12:00:00+01:00")
    assert to(smtp_sink, "ana@empresa.test") == []
    assert site.show("SOP-000001")["first_response_at"].startswith("2026-11-23T09:20")


def test_the_resolution_clock_stands_still_while_the_customer_owes_an_answer(site, smtp_sink):
    asked_the_customer(site, "Urgente: sin agua caliente", "¿Qué modelo es?")
    site.once(now="2026-11-23T10:20:00+01:00")              # 7 h 40 min left when the clock stops
    site.once(now="2026-11-23T19:00:00+01:00")
    site.once(now="2026-11-24T09:30:00+01:00")
    assert to(smtp_sink, "ana@empresa.test") == []
    waiting = site.show("SOP-000001")
    assert not any(e["action"] == "sla_breach" for e in waiting["events"])
    assert waiting["sla"]["resolution_due"] is None
    assert waiting["sla"]["resolution_paused_since"].startswith("2026-11-23T09:20")
    site.deliver(make_mail("juan@cliente.test", "Re: [SOP-000001] Urgente: sin agua caliente", "El X200.\n"))
    site.once(now="2026-11-24T10:00:00+01:00")              # abierto again: due 17:40 Tuesday
    answered = site.show("SOP-000001")
    assert answered["status"] == "abierto"
    assert answered["sla"]["resolution_due"] == "2026-11-24T17:40:00+01:00"
    assert answered["sla"]["resolution_paused_seconds"] == (7 * 60 + 40 + 60) * 60
    site.once(now="2026-11-24T17:39:00+01:00")
    assert to(smtp_sink, "ana@empresa.test") == []
    site.once(now="2026-11-24T17:41:00+01:00")
    [breach] = to(smtp_sink, "ana@empresa.test")
    assert "SOP-000001" in breach.message["Subject"]


def test_a_clock_stopped_after_its_deadline_is_a_breach_all_the_same(site, smtp_sink):
    asked_the_customer(site, "Urgente: sin luz", "¿Sigue igual?")
    site.once(now="2026-11-23T18:30:00+01:00")              # 30 min after the 18:00 deadline
    assert len(to(smtp_sink, "ana@empresa.test")) == 1


NO_PAUSE = "\n[sla]\npause_in = []\n"


def test_a_pause_status_added_to_the_setting_stops_clocks_already_in_it(site, smtp_sink):
    asked_the_customer(site, "Urgente: sin gas", "¿Qué caldera es?", URGENT + NO_PAUSE)
    site.once(now="2026-11-23T10:20:00+01:00")              # no pause status: the clock runs
    assert site.show("SOP-000001")["sla"]["resolution_paused_since"] is None
    site.write_config(URGENT)                               # the default: pendiente_cliente pauses
    site.once(now="2026-11-23T12:00:00+01:00")              # stops here, 6 h left
    assert site.show("SOP-000001")["sla"]["resolution_paused_since"].startswith("2026-11-23T11:00")
    site.once(now="2026-11-23T18:01:00+01:00")
    assert to(smtp_sink, "ana@empresa.test") == []
    site.deliver(make_mail("juan@cliente.test", "Re: [SOP-000001] Urgente: sin gas", "La Z30.\n"))
    site.once(now="2026-11-24T10:00:00+01:00")              # stood still 6 h + 1 h of business time
    assert site.show("SOP-000001")["sla"]["resolution_due"] == "2026-11-24T16:00:00+01:00"


def test_a_pause_status_taken_out_of_the_setting_starts_stopped_clocks_again(site, smtp_sink):
    asked_the_customer(site, "Urgente: sin gas", "¿Qué caldera es?")
    site.once(now="2026-11-23T10:20:00+01:00")              # stops with 7 h 40 min left
    site.write_config(URGENT + NO_PAUSE)
    site.once(now="2026-11-23T12:00:00+01:00")              # runs again: stood still 1 h 40 min
    waiting = site.show("SOP-000001")
    assert waiting["status"] == "pendiente_cliente"
    assert waiting["sla"]["resolution_paused_since"] is None
    assert waiting["sla"]["resolution_due"] == "2026-11-24T10:40:00+01:00"
    site.once(now="2026-11-24T10:39:00+01:00")
    assert to(smtp_sink, "ana@empresa.test") == []
    site.once(now="2026-11-24T10:41:00+01:00")
    assert len(to(smtp_sink, "ana@empresa.test")) == 1


def test_a_priority_changed_by_command_brings_its_own_deadlines(site, smtp_sink):
    site.deliver(make_mail("juan@cliente.test", "Sin calefacción", "Nada.\n"))
    site.once(now=MONDAY_10)                                # normal: resolution in 5 business days
    site.deliver(make_mail("marta@empresa.test", "Re: [SOP-000001] Sin calefacción",
                           "#prioridad urgente\n\nVamos hoy mismo.\n"))
    site.once(now="2026-11-23T10:10:00+01:00")
    site.once(now="2026-11-23T17:59:00+01:00")
    assert to(smtp_sink, "ana@empresa.test") == []
    site.once(now="2026-11-23T18:01:00+01:00")              # urgent: resolution due 18:00
    assert len(to(smtp_sink, "ana@empresa.test")) == 1


def test_followup_reminds_its_agent_when_due(site, smtp_sink):
    site.deliver(make_mail("juan@cliente.test", "Revisión", "Hola.\n"))
    site.once(now=MONDAY_10)
    site.deliver(make_mail("luis@empresa.test", "Re: [SOP-000001] Revisión",
                           "#seguimiento 2026-11-24 10:00\n#interno\n\nLlamar al cliente.\n"))
    site.once(now="2026-11-23T10:05:00+01:00")
    site.once(now="2026-11-24T09:59:00+01:00")
    assert [m for m in to(smtp_sink, "luis@empresa.test") if "agenda" not in m.message["Subject"].lower()] == []
    site.once(now="2026-11-24T10:01:00+01:00")
    site.once(now="2026-11-24T10:02:00+01:00")
    reminders = [m for m in to(smtp_sink, "luis@empresa.test") if "SOP-000001" in m.message["Subject"]]
    assert len(reminders) == 1


def test_daily_agenda_once_per_day_for_agents_with_work(site, smtp_sink):
    site.deliver(make_mail("juan@cliente.test", "Caldera", "Hola.\n"))
    site.once(now=MONDAY_10)
    site.deliver(make_mail("ana@empresa.test", "Re: [SOP-000001] Caldera", "#asignar luis@empresa.test\n"))
    site.once(now="2026-11-23T10:10:00+01:00")
    before = len(to(smtp_sink, "luis@empresa.test"))       # the assignment notice
    site.once(now="2026-11-24T07:59:00+01:00")
    assert len(to(smtp_sink, "luis@empresa.test")) == before
    site.once(now="2026-11-24T08:01:00+01:00")
    site.once(now="2026-11-24T15:00:00+01:00")
    agendas = to(smtp_sink, "luis@empresa.test")[before:]
    assert len(agendas) == 1 and "SOP-000001" in agendas[0].message.get_body(("plain",)).get_content()
    assert to(smtp_sink, "marta@empresa.test") == []       # nothing assigned: no empty agenda
