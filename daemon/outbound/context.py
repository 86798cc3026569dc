"""What templates see: plain dicts built from a ticket, never ORM objects, so a template
cannot lazy-load the database or reach fields it should not show the customer."""
from __future__ import annotations

from typing import Any

from daemon.db.models import Ticket

STATUS_LABELS = {
    "nuevo": "Nuevo", "abierto": "Abierto", "sin_documentacion": "Sin documentación completa",
    "pendiente_cliente": "Pendiente del cliente", "resuelto": "Resuelto", "cerrado": "Cerrado",
}


def label(value: str | None) -> str:
    if not value:
        return ""
    return STATUS_LABELS.get(value, value.replace("_", " ").capitalize())


def ticket_context(ticket: Ticket, staff_names: dict[str, str]) -> dict[str, Any]:
    return {
        "token": ticket.token,
        "subject": ticket.subject,
        "status": ticket.status,
        "status_label": label(ticket.status),
        "kind": ticket.kind,
        "category": ticket.category,
        "category_label": label(ticket.category),
        "priority": ticket.priority,
        "queue": ticket.queue,
        "assignee": ticket.assignee or "",
        "assignee_name": staff_names.get(ticket.assignee or "", ticket.assignee or ""),
        "created_at": ticket.created_at.strftime("%d/%m/%Y %H:%M"),
        "due_date": ticket.due_date.strftime("%d/%m/%Y") if ticket.due_date else "",
        "serial_number": ticket.serial_number or "",
    }


def customer_context(ticket: Ticket) -> dict[str, Any]:
    customer = ticket.customer
    return {"email": customer.email, "name": customer.name or customer.email.split("@")[0]}
