"""`soporte report` against a hand-built data set whose every figure was worked out on
paper (calendar: Europe/Madrid, Monday to Friday 09:00-18:00; built-in SLA targets).
Tickets are inserted directly with SQLAlchemy, then the real command is run, on SQLite
or (with --database=postgres) on PostgreSQL."""
from __future__ import annotations

import csv
import io
import json
import os
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from daemon.db.engine import make_engine, upgrade
from daemon.db.models import Customer, Event, Payment, Ticket, WorkLine
from tests.support.site import Site

MADRID = ZoneInfo("Europe/Madrid")
NOW = "2026-12-01T12:00:00+01:00"


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=MADRID)


def ticket(customer: Customer, created: datetime, **fields) -> Ticket:
    defaults = dict(status="abierto", kind="normal", category="averia", queue="soporte", priority="normal",
                    assignee=None, watchers=[], reopened_count=0)
    defaults.update(fields)
    return Ticket(customer=customer, created_at=created, updated_at=created, subject="x", **defaults)


def event(t: Ticket, at: datetime, action: str, new: str = "") -> Event:
    return Event(ticket=t, at=at, actor="ana@empresa.test", action=action, old=None, new=new)


def build_data(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as s:
        juan = Customer(email="juan@cliente.test", name="Juan", created_at=local(1, 9))
        acme = Customer(email="eva@acme.test", name="Eva", created_at=local(1, 9))
        t1 = ticket(juan, local(23, 10), priority="urgente", status="resuelto", assignee="luis@empresa.test",
                    first_response_at=local(23, 10, 30), resolved_at=local(23, 14), satisfaction=5)
        t2 = ticket(juan, local(23, 17), status="cerrado", assignee="luis@empresa.test",
                    first_response_at=local(24, 10), closed_at=local(25, 17), satisfaction=3,
                    billed_total=Decimal("145.20"))
        t3 = ticket(acme, local(27, 16), priority="urgente", kind="garantia", category="instalacion",
                    queue="instalaciones", first_response_at=local(30, 10), reopened_count=1)
        t4 = ticket(acme, local(28, 11), priority="baja", status="nuevo", category="consulta")
        t6 = ticket(juan, local(24, 10), kind="cortesia", status="cerrado", assignee="marta@empresa.test",
                    first_response_at=local(24, 10, 5), closed_at=local(24, 12))
        old = ticket(juan, local(15, 10, month=10), status="cerrado", satisfaction=1, reopened_count=4,
                     first_response_at=local(16, 10, month=10), closed_at=local(20, 10, month=10),
                     billed_total=Decimal("363.00"))
        s.add_all([juan, acme, t1, t2, t3, t4, t6, old])
        s.flush()
        s.add_all([_line(t2, "2"), _line(t6, "3"), _line(t3, "1"), _line(old, "5"),
                   Payment(ticket_id=t2.id, amount=Decimal("100.00"), at=local(26, 9), actor="finanzas@empresa.test"),
                   Payment(ticket_id=old.id, amount=Decimal("50.00"), at=local(21, 9, month=10), actor="f"),
                   Payment(ticket_id=old.id, amount=Decimal("320.00"), at=local(22, 9, month=10), actor="f"),
                   Payment(ticket_id=t1.id, amount=Decimal("20.00"), at=local(23, 15), actor="f"),
                   event(t2, local(24, 11), "category", "averia"),
                   event(t6, local(24, 10), "category", "averia"),          # the rules, at creation
                   event(t6, local(24, 11), "category", "consulta"),
                   event(t6, local(24, 11, 30), "category", "averia"),
                   event(t3, local(27, 16), "category", "instalacion"),     # the rules, at creation
                   event(t3, local(30, 16), "sla_breach", "first_response"),
                   event(old, local(16, 10, month=10), "category", "consulta")])
        s.commit()
    engine.dispose()


def _line(t: Ticket, quantity: str) -> WorkLine:
    return WorkLine(ticket_id=t.id, line_kind="hours", code="SMANT", description="", quantity=Decimal(quantity),
                    unit_price=Decimal("60.00"), out_of_hours=False, created_at=t.created_at,
                    actor="luis@empresa.test")


@pytest.fixture
def report_site(tmp_path) -> Site:
    # the PostgreSQL run of the suite names this test's own database in the environment
    url = os.environ.get("SOPORTE_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'soporte.db'}"
    site = Site(tmp_path, None, None, database_url=url)
    build_data(site.database_url)
    return site


def run_json(site: Site, *extra: str) -> dict:
    return json.loads(site.run("report", "--json", "--now", NOW, *extra).stdout)


def test_report_json_numbers_match_the_hand_worked_figures(report_site):
    r = run_json(report_site, "--since", "2026-11-01", "--until", "2026-11-30")
    assert r["tickets_total"] == 5
    assert r["by_status"] == {"cerrado": 2, "abierto": 1, "nuevo": 1, "resuelto": 1}
    assert r["by_category"] == {"averia": 3, "consulta": 1, "instalacion": 1}
    assert r["by_kind"] == {"normal": 3, "cortesia": 1, "garantia": 1}
    assert r["by_queue"] == {"soporte": 4, "instalaciones": 1}
    assert r["by_priority"] == {"normal": 2, "urgente": 2, "baja": 1}
    assert r["by_assignee"] == {"luis@empresa.test": 2, "(sin asignar)": 2, "marta@empresa.test": 1}
    assert r["top_categories"][0] == {"category": "averia", "tickets": 3}
    # first responses in business minutes: 30, 120 (Mon 17:00 -> Tue 10:00), 180 (Fri 16:00 -> Mon 10:00), 5
    assert r["first_response_median_minutes"] == 75.0
    assert r["first_response_p90_minutes"] == 162.0
    # resolutions in business hours: 4, 18 (Mon 17:00 -> Wed 17:00), 2
    assert r["resolution_median_hours"] == 4.0
    assert r["resolution_p90_hours"] == 15.2
    # met: t1, t2, t6; breached: t3 (urgent, answered late and unresolved); pending: t4
    assert (r["sla_met"], r["sla_breached"], r["sla_pending"]) == (3, 1, 1)
    assert r["sla_met_pct"] == 75.0
    assert r["sla_breach_events"] == 1
    assert r["reopened"] == 1 and r["reopened_tickets"] == 1
    assert (r["recategorised"], r["recategorisations"]) == (2, 3)
    assert (r["satisfaction_avg"], r["satisfaction_count"]) == (4.0, 2)
    assert r["satisfaction_scores"] == {"3": 1, "5": 1}
    # billed: t2 only, the 145.20 sent to finance (2 h x 60.00 + 21 % tax); t6 is a courtesy and
    # t3 is not closed, so neither was billed; paid counts t1's 20.00 on account too, but only
    # billed tickets can be outstanding
    assert (r["billed_total"], r["paid_total"], r["outstanding_total"]) == ("145.20", "120.00", "45.20")
    assert r["billed_tickets"] == 1
    assert r["per_day"] == {"2026-11-23": 2, "2026-11-24": 1, "2026-11-27": 1, "2026-11-28": 1}
    assert sum(band["tickets"] for band in r["resolution_histogram"]) == 3


def test_report_without_window_includes_older_tickets(report_site):
    r = run_json(report_site)
    assert r["tickets_total"] == 6
    assert r["satisfaction_avg"] == 3.0
    assert r["billed_total"] == "508.20"       # 145.20 + 5 h x 60.00 x 1.21
    # old was overpaid (370.00 of 363.00): it owes nothing, and its 7.00 does not reduce t2's debt
    assert (r["paid_total"], r["outstanding_total"], r["billed_tickets"]) == ("490.00", "45.20", 2)
    assert r["reopened"] == 5


def test_report_on_an_empty_window(report_site):
    r = run_json(report_site, "--since", "2027-01-01")
    assert r["tickets_total"] == 0
    assert r["first_response_median_minutes"] is None and r["sla_met_pct"] is None
    assert r["billed_total"] == "0.00"


def test_report_csv_has_one_section_per_breakdown(report_site):
    out = report_site.run("report", "--csv", "--now", NOW, "--since", "2026-11-01", "--until", "2026-11-30").stdout
    sections = [block.splitlines() for block in out.strip().split("\n\n")]
    headers = [rows[0] for rows in sections]
    assert headers[:3] == ["resumen,valor", "estado,tickets", "categoria,tickets"]
    assert "asignado,tickets" in headers and "tiempo_resolucion,tickets" in headers
    summary = dict(csv.reader(io.StringIO("\n".join(sections[0][1:]))))
    assert summary["tickets_total"] == "5" and summary["billed_total"] == "145.20"


def test_report_text_is_the_default(report_site):
    out = report_site.run("report", "--now", NOW).stdout
    assert "Tickets creados" in out and "SLA cumplido" in out and "averia" in out


def test_report_html_is_one_page_with_inline_charts(report_site, tmp_path):
    target = tmp_path / "informe.html"
    report_site.run("report", "--now", NOW, "--html", str(target))
    page = target.read_text(encoding="utf-8")
    assert page.count("<svg") == 4
    assert "Cumplimiento del SLA" in page and "Tickets por categoría" in page
    assert 'src="http' not in page and "<link" not in page and "<script" not in page   # self-contained


def test_report_rejects_a_bad_date(report_site):
    proc = report_site.run("report", "--since", "ayer", check=False)
    assert proc.returncode == 2 and "not a date" in proc.stderr
