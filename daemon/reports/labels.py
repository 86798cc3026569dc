"""Spanish labels for the report's figures, shared by the text, CSV and HTML renderers,
and how each figure is shown (units, "sin datos"). In: report keys; out: strings."""
from __future__ import annotations

from typing import Any

SUMMARY_LABELS = {
    "tickets_total": "Tickets creados",
    "first_response_median_minutes": "Primera respuesta, mediana",
    "first_response_p90_minutes": "Primera respuesta, p90",
    "resolution_median_hours": "Resolución, mediana",
    "resolution_p90_hours": "Resolución, p90",
    "sla_met_pct": "SLA cumplido",
    "sla_met": "Tickets dentro del SLA",
    "sla_breached": "Tickets fuera del SLA",
    "sla_pending": "Tickets con SLA aún en curso",
    "reopened": "Reaperturas",
    "recategorised": "Tickets recategorizados",
    "satisfaction_avg": "Satisfacción media (1-5)",
    "satisfaction_count": "Valoraciones recibidas",
    "billed_total": "Facturado",
    "paid_total": "Cobrado",
    "outstanding_total": "Pendiente de cobro",
}
UNITS = {
    "first_response_median_minutes": "min (horario laboral)",
    "first_response_p90_minutes": "min (horario laboral)",
    "resolution_median_hours": "h (horario laboral)",
    "resolution_p90_hours": "h (horario laboral)",
    "sla_met_pct": "%",
}
MONEY = ("billed_total", "paid_total", "outstanding_total")
BREAKDOWN_TITLES = {
    "by_status": "Estado",
    "by_category": "Categoría",
    "by_kind": "Tipo de caso",
    "by_queue": "Cola",
    "by_priority": "Prioridad",
    "by_assignee": "Asignado a",
}


def format_value(key: str, report: dict[str, Any]) -> str:
    value = report.get(key)
    if value is None:
        return "sin datos"
    if key in MONEY:
        return f"{value} {report.get('currency', '')}".strip()
    unit = UNITS.get(key)
    return f"{value} {unit}" if unit else str(value)
