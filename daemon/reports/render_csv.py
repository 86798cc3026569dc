"""`soporte report --csv`: one section per breakdown, each a small table whose header row
names it (summary, status, category, ..., tickets per day, resolution bands), sections
separated by an empty row, so a spreadsheet shows them one under another.
In: the report dict; out: CSV text. Money keeps the JSON's "123.45" form."""
from __future__ import annotations

import csv
import io
from typing import Any, Iterable

from daemon.reports.labels import SUMMARY_LABELS

SECTIONS = (("by_status", "estado"), ("by_category", "categoria"), ("by_kind", "tipo"),
            ("by_queue", "cola"), ("by_priority", "prioridad"), ("by_assignee", "asignado"),
            ("satisfaction_scores", "valoracion"), ("per_day", "dia"))
SUMMARY_EXTRA = ("since", "until", "currency", "first_response_count", "resolution_count",
                 "reopened_tickets", "recategorisations", "sla_breached_first_response",
                 "sla_breached_resolution", "sla_breach_events", "billed_tickets")


def render_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    summary = [(key, report.get(key)) for key in (*SUMMARY_LABELS, *SUMMARY_EXTRA)]
    _section(writer, ("resumen", "valor"), ((k, "" if v is None else v) for k, v in summary))
    for key, name in SECTIONS:
        _section(writer, (name, "tickets"), report[key].items())
    _section(writer, ("tiempo_resolucion", "tickets"),
             ((band["band"], band["tickets"]) for band in report["resolution_histogram"]))
    return out.getvalue()


def _section(writer: Any, header: tuple[str, str], rows: Iterable[tuple[Any, Any]]) -> None:
    if header[0] != "resumen":
        writer.writerow([])
    writer.writerow(header)
    writer.writerows(rows)
