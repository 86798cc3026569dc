"""The template catalog: every email soporte sends, who reads it, whether a ticket is in
its context, and the extra variables its caller must pass (with a realistic sample).
`soporte check` and the tests render every template from here, so a template that needs
a variable nobody passes fails before it reaches an inbox. Data, plus the one check that
renders it; nothing here touches a database or sends anything."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Mapping

from daemon.db.models import Customer, Ticket
from daemon.outbound.context import customer_context, ticket_context
from daemon.outbound.templates import Renderer

LANGUAGES = ("es", "en")

SAMPLE_SUPPORT = {"address": "soporte@empresa.test", "name": "Soporte Técnico"}
# Staff addresses a customer must never see; the sample ticket is assigned to the first.
SAMPLE_STAFF = {"luis.martin@empresa.test": "Luis Martín", "ana.ruiz@empresa.test": "Ana Ruiz"}
_CUSTOMER_TEXT = ("Buenos días. El calentador hace un ruido fuerte al encenderse y se apaga "
                  "a los pocos minutos.\nEl piloto parpadea en rojo.")
_MESSAGE = {"from": "maria.lopez@cliente.test", "body_text": _CUSTOMER_TEXT,
            "files": [{"filename": "piloto.jpg", "size": "2,1 MB", "attached": True},
                      {"filename": "video_ruido.mp4", "size": "38,4 MB", "attached": False}]}
_DEADLINE = "24/11/2026 09:15"


@dataclass(frozen=True)
class TemplateSpec:
    audience: str                       # the name's prefix: customer, staff, supervisor, finance, admin
    ticket: bool                        # `ticket` and `customer` are in the context
    description: str
    extras: Mapping[str, Any] = field(default_factory=dict)   # variable -> sample value


def _spec(audience: str, ticket: bool, description: str, **extras: Any) -> TemplateSpec:
    return TemplateSpec(audience, ticket, description, extras)


TEMPLATES: dict[str, TemplateSpec] = {
    # customers: never a staff address, only names
    "customer_created": _spec("customer", True, "acknowledgement of a new ticket, with FAQ links",
                              faq=[{"title": "Cómo purgar el calentador",
                                    "url": "https://ayuda.empresa.test/purgado"}]),
    "customer_reopened": _spec("customer", True, "a reply reopened a resolved ticket"),
    "customer_status_changed": _spec("customer", True, "the ticket's status changed",
                                     old_status_label="Abierto", new_status_label="Pendiente del cliente",
                                     note="Necesitamos saber si el piloto sigue en rojo."),
    "customer_reply": _spec("customer", True, "a staff member's public answer, from the support address",
                            reply_text="Buenos días, María.\n\nPruebe a purgar el circuito y díganos si "
                                       "el ruido continúa.", agent_name="Luis Martín"),
    "customer_document_requested": _spec("customer", True, "warranty claim: proof of purchase needed",
                                         deadline=_DEADLINE, accepted=["PDF", "JPEG", "PNG", "HEIC"],
                                         deadline_hours=24),
    "customer_document_reminder": _spec("customer", True, "reminder: proof of purchase still missing",
                                        reminder_number=2, deadline=_DEADLINE, hours_left=12),
    "customer_document_received": _spec("customer", True, "proof of purchase received; ticket open"),
    "customer_closed_without_documents": _spec("customer", True, "closed: no proof of purchase in time",
                                               deadline_hours=24),
    "customer_resolved": _spec("customer", True, "marked resolved; a reply within N days reopens it",
                               solution="Sustituimos el termopar y purgamos el circuito.", reopen_days=7),
    "customer_closed": _spec("customer", True, "closed; asks for a 1-5 satisfaction rating",
                             solution="Sustituimos el termopar y purgamos el circuito."),
    "customer_decision": _spec("customer", True, "a feature request was approved or rejected",
                               decision="aprobada", note="La incluiremos en la versión de primavera."),
    "customer_rating_thanks": _spec("customer", True, "thanks for the satisfaction rating", rating=4),
    "customer_message_too_large": _spec("customer", False, "a message over the size limit was not accepted",
                                        original={"subject": "Fotos de la avería", "size": "41,3 MB",
                                                  "limit": "25 MB"}),
    # staff
    "staff_assigned": _spec("staff", True, "a ticket was assigned to you", assigned_by="Ana Ruiz",
                            message=_MESSAGE),
    "staff_customer_message": _spec("staff", True, "the customer wrote in your ticket", message=_MESSAGE),
    "staff_command_error": _spec("staff", True, "your commands were refused (none applied)",
                                 errors=[{"line": "#estado terminado", "line_no": 1,
                                          "message": "estado 'terminado' desconocido"}],
                                 help="#estado S — cambia el estado (también #status)\n"
                                      "#asignar QUIEN — asigna la solicitud (también #assign)",
                                 original_subject="Re: El calentador no enciende"),
    "staff_unauthenticated": _spec("staff", True, "your commands were ignored: mail not authenticated",
                                   reason="no trae una cabecera Authentication-Results con dkim=pass"),
    "staff_files_not_sent": _spec("staff", True, "files of your reply left out: over the size limit together",
                                  files=[{"filename": "fotos_instalacion.zip", "size": "31,2 MB"}],
                                  limit="25 MB"),
    "staff_followup_due": _spec("staff", True, "a follow-up you scheduled is due",
                                note="Llamar al cliente para confirmar la visita.", due_at="23/11/2026 10:00"),
    "staff_agenda": _spec("staff", False, "an agent's daily agenda: open tickets and follow-ups",
                          agent_name="Luis Martín", date="23/11/2026",
                          tickets=[{"token": "SOP-000123", "subject": "El calentador no enciende",
                                    "status_label": "Abierto", "priority": "alta",
                                    "customer": "María López", "updated_at": "22/11/2026 17:40"}],
                          followups=[{"token": "SOP-000118", "subject": "Instalación en Getafe",
                                      "due_at": "23/11/2026 10:00", "note": "Confirmar la visita."}]),
    "staff_recategorize": _spec("staff", True, "proof of purchase arrived; please re-categorise",
                                document="factura_calentador.pdf",
                                message={**_MESSAGE, "files": [{"filename": "factura_calentador.pdf",
                                                                "size": "184 KB", "attached": True}]}),
    "staff_rule_notice": _spec("staff", True, "a routing rule asked to notify this address",
                               rule="Garantía de calentadores", message=_MESSAGE),
    "supervisor_sla_breach": _spec("supervisor", True, "a ticket missed an SLA target",
                                   breach_label="primera respuesta", due_at="23/11/2026 10:15"),
    "finance_billing": _spec("finance", True, "a billable ticket closed: the albarán to invoice",
                             work_order={
                                 "lines": [{"concept": "SMANT", "description": "Mantenimiento presencial",
                                            "quantity": "2", "unit_price": "60.00", "discount_pct": "0",
                                            "surcharge_pct": "25", "total": "150.00"},
                                           {"concept": "KIT-01", "description": "Kit de juntas",
                                            "quantity": "1", "unit_price": "25.00", "discount_pct": "0",
                                            "surcharge_pct": "0", "total": "25.00"}],
                                 "subtotal": "175.00", "tax": "36.75", "tax_pct": "21",
                                 "total": "211.75", "currency": "EUR"}),
    # admins: about the daemon itself, never a ticket
    "admin_quarantine": _spec("admin", False, "a message could not be processed and was quarantined",
                              quarantine={"id": 17, "reason": "cabecera From ilegible", "size": 48213,
                                          "folder": "INBOX", "uid": 5121, "at": "23/11/2026 08:02:11 CET",
                                          "sender": "desconocido@remoto.test", "subject": "Factura pendiente",
                                          "message_id": "<a1b2c3@remoto.test>", "headers_only": False}),
    "admin_outage": _spec("admin", False, "the mailbox or the SMTP server has been failing",
                          outage={"channel": "SMTP", "server": "smtp.empresa.test:587",
                                  "since": "23/11/2026 08:02:11 CET", "until": "23/11/2026 08:17:40 CET",
                                  "failures": 9, "last_error": "Connection refused",
                                  "queued_while_down": True}),
}


def required_templates() -> list[str]:
    return sorted(TEMPLATES)


def canned_file(name: str) -> str:
    """Where `#plantilla NAME` looks for its text, relative to a template root."""
    return f"canned/{name}.txt.j2"


def sample_ticket() -> Ticket:
    """An unsaved ticket: the sample context goes through the same `ticket_context` as real mail."""
    customer = Customer(email="maria.lopez@cliente.test", name="María López", language="es")
    return Ticket(token="SOP-000123", subject="El calentador no enciende", status="abierto",
                  kind="normal", category="averia", queue="soporte", priority="alta",
                  assignee=next(iter(SAMPLE_STAFF)), customer=customer,
                  created_at=datetime(2026, 11, 23, 9, 15, tzinfo=timezone.utc),
                  due_date=date(2026, 11, 27), serial_number="CAL-2291-0457")


def base_context(with_ticket: bool = True, language: str = "es") -> dict[str, Any]:
    """What every template gets: `support`, and the ticket and customer when there is one."""
    context: dict[str, Any] = {"support": dict(SAMPLE_SUPPORT)}
    if with_ticket:
        ticket = sample_ticket()
        context["ticket"] = ticket_context(ticket, SAMPLE_STAFF, language)
        context["customer"] = customer_context(ticket)
    return context


def sample_context(name: str, language: str = "es") -> dict[str, Any]:
    spec = TEMPLATES[name]
    context = base_context(spec.ticket, language)
    context.update(copy.deepcopy(dict(spec.extras)))     # callers may mutate their copy
    return context


def render_problems(renderer: Renderer, languages: tuple[str, ...] = LANGUAGES) -> list[str]:
    """Renders every catalogued template with its sample; one line per failure (for `soporte check`)."""
    problems = []
    for name in required_templates():
        for language in languages:
            try:
                renderer.render(name, sample_context(name, language), language)
            except Exception as exc:   # noqa: BLE001 - report every broken template, not the first
                problems.append(f"{name} ({language}): {type(exc).__name__}: {exc}")
    return problems
