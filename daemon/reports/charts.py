"""The report's charts as inline SVG, drawn with matplotlib's object API on the Agg
canvas (no pyplot, no display, no global state). In: the report dict; out: SVG strings
with Spanish titles. The only module importing matplotlib (the `reports` extra)."""
from __future__ import annotations

import io
import logging
from datetime import date, timedelta
from typing import Any

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

logging.getLogger("matplotlib").setLevel(logging.WARNING)   # font cache notices are not news
BLUE, GREEN, RED, GREY = "#2f6db5", "#3a9a5b", "#c8453b", "#9aa0a6"


def all_charts(report: dict[str, Any]) -> list[tuple[str, str]]:
    """(title, svg) for every chart that has data to show."""
    charts = [("Tickets creados por día", volume_per_day(report["per_day"])),
              ("Tickets por categoría", categories(report["by_category"])),
              ("Tiempo de resolución (horario laboral)", resolution_bands(report["resolution_histogram"])),
              ("Cumplimiento del SLA", sla(report))]
    return [(title, svg) for title, svg in charts if svg]


def volume_per_day(per_day: dict[str, int]) -> str:
    if not per_day:
        return ""
    first, last = date.fromisoformat(min(per_day)), date.fromisoformat(max(per_day))
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    fig, ax = _figure()
    ax.bar(days, [per_day.get(d.isoformat(), 0) for d in days], color=BLUE, width=0.8)
    ax.set_ylabel("tickets")
    fig.autofmt_xdate()
    return _svg(fig)


def categories(by_category: dict[str, int]) -> str:
    if not by_category:
        return ""
    names = list(by_category)[::-1]
    fig, ax = _figure(height=max(2.5, 0.4 * len(names) + 1))
    ax.barh(names, [by_category[n] for n in names], color=BLUE)
    ax.set_xlabel("tickets")
    return _svg(fig)


def resolution_bands(bands: list[dict[str, Any]]) -> str:
    if not any(b["tickets"] for b in bands):
        return ""
    fig, ax = _figure()
    ax.bar([b["band"] for b in bands], [b["tickets"] for b in bands], color=BLUE)
    ax.set_ylabel("tickets")
    return _svg(fig)


def sla(report: dict[str, Any]) -> str:
    values = [("Cumplido", report["sla_met"], GREEN), ("Incumplido", report["sla_breached"], RED),
              ("En curso", report["sla_pending"], GREY)]
    values = [v for v in values if v[1]]
    if not values:
        return ""
    fig, ax = _figure(width=5, height=3.5)
    ax.pie([v[1] for v in values], labels=[f"{v[0]} ({v[1]})" for v in values],
           colors=[v[2] for v in values], autopct="%1.0f %%", startangle=90, counterclock=False)
    ax.set_aspect("equal")
    return _svg(fig)


def _figure(width: float = 8, height: float = 3.2) -> tuple[Figure, Any]:
    fig = Figure(figsize=(width, height), layout="tight")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig, ax


def _svg(fig: Figure) -> str:
    buffer = io.StringIO()
    # text stays text (smaller, selectable); a fixed salt keeps the output reproducible
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "soporte"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg"):]
