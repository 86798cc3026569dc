"""`soporte report --html FILE`: one self-contained page a manager can open or forward:
the key figures, the charts inline as SVG, and the breakdown tables, in Spanish. In: the
report dict; out: the HTML text. Every value from the database is escaped."""
from __future__ import annotations

from html import escape
from typing import Any

from daemon.reports.labels import BREAKDOWN_TITLES, SUMMARY_LABELS, format_value

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:60rem;color:#222;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem} .period{color:#555;margin-top:0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(13rem,1fr));gap:.8rem;margin:1.5rem 0}
.card{border:1px solid #ddd;border-radius:.5rem;padding:.7rem 1rem}
.card .value{font-size:1.4rem;font-weight:600} .card .label{color:#555;font-size:.9rem}
figure{margin:1.5rem 0} figcaption{font-weight:600;margin-bottom:.4rem} svg{max-width:100%;height:auto}
table{border-collapse:collapse;margin:.5rem 2rem 1.5rem 0;display:inline-table;vertical-align:top}
th,td{border-bottom:1px solid #eee;padding:.25rem .7rem;text-align:left} td.n{text-align:right}
"""


def render_html(report: dict[str, Any], charts: list[tuple[str, str]]) -> str:
    since, until = report["since"] or "el principio", report["until"] or "hoy"
    parts = ["<!DOCTYPE html>", '<html lang="es"><head><meta charset="utf-8">',
             "<title>Informe de soporte</title>", f"<style>{STYLE}</style></head><body>",
             "<h1>Informe de soporte</h1>",
             f'<p class="period">Tickets creados desde {escape(since)} hasta {escape(until)}</p>',
             _cards(report)]
    parts += [f"<figure><figcaption>{escape(title)}</figcaption>{svg}</figure>" for title, svg in charts]
    parts.append("<h2>Desglose</h2>")
    parts += [_table(title, report[key]) for key, title in BREAKDOWN_TITLES.items()]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _cards(report: dict[str, Any]) -> str:
    cards = [f'<div class="card"><div class="value">{escape(format_value(key, report))}</div>'
             f'<div class="label">{escape(label)}</div></div>' for key, label in SUMMARY_LABELS.items()]
    return '<div class="cards">' + "".join(cards) + "</div>"


def _table(title: str, counts: dict[str, int]) -> str:
    rows = "".join(f'<tr><td>{escape(name)}</td><td class="n">{count}</td></tr>' for name, count in counts.items())
    return (f"<table><thead><tr><th>{escape(title)}</th><th>tickets</th></tr></thead>"
            f"<tbody>{rows or '<tr><td colspan=2>ninguno</td></tr>'}</tbody></table>")
