"""What templates see: plain dicts built from a ticket, never ORM objects, so a template
cannot lazy-load the database or reach fields it should not show the customer. Values
of the vocabulary (status, kind, category, priority, queue) also come as human labels,
in Spanish or English; an unknown value (an admin's own) is shown tidied up."""
from __future__ import annotations

from typing import Any

from daemon.db.models import Ticket

# One table per language; a value that is both a kind and a priority ("normal") or both a
# category and a queue ("finanzas") reads the same either way, so one table suffices.
LABELS: dict[str, dict[str, str]] = {
    "es": {
        # status
        "nuevo": "Nuevo", "abierto": "Abierto", "sin_documentacion": "Sin documentación completa",
        "pendiente_cliente": "Pendiente del cliente", "resuelto": "Resuelto", "cerrado": "Cerrado",
        # kind
        "normal": "Normal", "garantia": "Garantía", "cortesia": "Cortesía", "mejora": "Mejora",
        # category
        "informes_sobre_proceso": "Informes sobre proceso", "averia": "Avería",
        "instalacion": "Instalación", "reinstalacion": "Reinstalación", "finanzas": "Finanzas",
        "consulta": "Consulta",
        # priority
        "baja": "Baja", "alta": "Alta", "urgente": "Urgente",
        # queue
        "soporte": "Soporte", "instalaciones": "Instalaciones",
    },
    "en": {
        "nuevo": "New", "abierto": "Open", "sin_documentacion": "Awaiting documents",
        "pendiente_cliente": "Waiting for customer", "resuelto": "Resolved", "cerrado": "Closed",
        "normal": "Normal", "garantia": "Warranty", "cortesia": "Courtesy", "mejora": "Feature request",
        "informes_sobre_proceso": "Warranty claim", "averia": "Fault",
        "instalacion": "Installation", "reinstalacion": "Reinstallation", "finanzas": "Billing",
        "consulta": "Enquiry",
        "baja": "Low", "alta": "High", "urgente": "Urgent",
        "soporte": "Support", "instalaciones": "Installations",
    },
}
# Day first in both languages: the English set is written for European customers.
DATE = "%d/%m/%Y"


def human_size(size: int) -> str:
    """Spanish style: "35,0 MB", "39 KB"."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")
    return f"{max(size // 1024, 1)} KB"


def label(value: str | None, language: str = "es") -> str:
    if not value:
        return ""
    table = LABELS.get(language, LABELS["es"])
    return table.get(value, value.replace("_", " ").capitalize())


def ticket_context(ticket: Ticket, staff_names: dict[str, str], language: str = "es") -> dict[str, Any]:
    """`assignee` is a staff ADDRESS: only staff templates may show it. `assignee_name`
    never falls back to the address, so a name is always safe in front of a customer."""
    assignee = ticket.assignee or ""
    return {
        "token": ticket.token,
        "subject": ticket.subject,
        "status": ticket.status,
        "status_label": label(ticket.status, language),
        "kind": ticket.kind,
        "kind_label": label(ticket.kind, language),
        "category": ticket.category,
        "category_label": label(ticket.category, language),
        "priority": ticket.priority,
        "priority_label": label(ticket.priority, language),
        "queue": ticket.queue,
        "queue_label": label(ticket.queue, language),
        "assignee": assignee,
        "assignee_name": staff_names.get(assignee, assignee.split("@")[0]),
        "created_at": ticket.created_at.strftime(f"{DATE} %H:%M"),
        "due_date": ticket.due_date.strftime(DATE) if ticket.due_date else "",
        "serial_number": ticket.serial_number or "",
    }


def customer_context(ticket: Ticket) -> dict[str, Any]:
    customer = ticket.customer
    return {"email": customer.email, "name": customer.name or customer.email.split("@")[0]}
