"""`soporte report`: statistics over the tickets created in a window, as text tables
(default), JSON, CSV or a self-contained HTML page with charts. Reads the database only;
never migrates it (a database behind the code is reported, not changed)."""
from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from daemon.cli.common import config_from, parse_instant, print_json
from daemon.db.engine import make_engine
from daemon.reports.period import window
from daemon.reports.render_csv import render_csv
from daemon.reports.render_text import render_text
from daemon.runtime import system_clock


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="statistics: volume, categories, response times, SLA, billing")
    p.add_argument("--since", metavar="D", help="first day (YYYY-MM-DD, calendar time zone) or ISO instant")
    p.add_argument("--until", metavar="D", help="last day, included (YYYY-MM-DD) or ISO instant (excluded)")
    p.add_argument("--now", type=parse_instant, help="judge pending SLA targets at this instant (ISO 8601)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="one JSON object")
    out.add_argument("--csv", action="store_true", help="CSV, one section per breakdown")
    out.add_argument("--html", metavar="FILE", type=Path, help="write an HTML page with charts to FILE")
    p.set_defaults(handler=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    config = config_from(args)
    try:
        period = window(args.since, args.until, config.policy.calendar.tz)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    now: datetime = args.now or system_clock()
    try:
        from daemon.reports.build import build_report   # numpy: only when reporting
    except ImportError as exc:
        print(f"error: the report needs {exc.name}: pip install 'soporte[reports]'", file=sys.stderr)
        return 2
    engine = make_engine(config.database_url)
    try:
        report = build_report(engine, config, period, now)
    except DBAPIError as exc:
        print(f"error: cannot read the database: {str(exc.orig).splitlines()[0]} "
              "(`soporte doctor` says what to fix)", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    if args.json:
        print_json(report)
    elif args.csv:
        sys.stdout.write(render_csv(report))
    elif args.html:
        return write_html(report, args.html)
    else:
        sys.stdout.write(render_text(report))
    return 0


def write_html(report: dict, target: Path) -> int:
    try:
        from daemon.reports.charts import all_charts
    except ImportError:
        print("error: the HTML report needs matplotlib: pip install 'soporte[reports]'", file=sys.stderr)
        return 2
    from daemon.reports.render_html import render_html
    target.write_text(render_html(report, all_charts(report)), encoding="utf-8")
    print(f"report written to {target}")
    return 0
