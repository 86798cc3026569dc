"""The default `soporte report` output: aligned plain-text tables for a terminal. In: the
report dict from build_report; out: a string. Labels are Spanish, like the HTML page."""
from __future__ import annotations

from typing import Any

from daemon.reports.labels import BREAKDOWN_TITLES, SUMMARY_LABELS, format_value


def render_text(report: dict[str, Any]) -> str:
    lines = [_period(report), ""]
    width = max(len(label) for label in SUMMARY_LABELS.values())
    for key, label in SUMMARY_LABELS.items():
        lines.append(f"{label:<{width}}  {format_value(key, report)}")
    for key, title in BREAKDOWN_TITLES.items():
        lines += ["", *_table(title, report[key])]
    return "\n".join(lines) + "\n"


def _period(report: dict[str, Any]) -> str:
    since, until = report["since"] or "el principio", report["until"] or "hoy"
    return f"Informe de soporte: tickets creados desde {since} hasta {until}"


def _table(title: str, counts: dict[str, int]) -> list[str]:
    if not counts:
        return [f"{title}: ninguno"]
    width = max(len(title), *(len(name) for name in counts))
    total = sum(counts.values())
    rows = [f"{title:<{width}}  {'tickets':>8}  {'%':>6}", f"{'-' * width}  {'-' * 8}  {'-' * 6}"]
    rows += [f"{name:<{width}}  {count:>8}  {100 * count / total:>6.1f}" for name, count in counts.items()]
    return rows
