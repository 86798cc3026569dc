"""`soporte run | once | check | db upgrade`: running the daemon and looking after it."""
from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import threading

from daemon.cli import EXIT_DAEMON_FAILED
from daemon.cli.common import config_from, parse_instant, runtime_from
from daemon.db.engine import make_engine, upgrade
from daemon.outbound.templates import Renderer, TemplateMissing


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="the daemon: ingest (IDLE or poll), timer sweep, outbox sender")
    p.set_defaults(handler=cmd_run)
    p = sub.add_parser("once", help="one full cycle (ingest, sweep, send) and exit")
    p.add_argument("--now", type=parse_instant, help="evaluate timers at this instant (ISO 8601)")
    p.set_defaults(handler=cmd_once)
    p = sub.add_parser("check", help="validate config, rules and templates")
    p.set_defaults(handler=cmd_check)
    db = sub.add_parser("db", help="database maintenance").add_subparsers(dest="db_command", required=True)
    p = db.add_parser("upgrade", help="apply pending schema migrations")
    p.set_defaults(handler=cmd_db_upgrade)


def cmd_run(args: argparse.Namespace) -> int:
    # a SIGTERM during start-up (imports, migrations) must still mean "stop cleanly"
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    from daemon.app import Daemon, DaemonFailed   # the daemon's modules load only for the commands that run it
    rt = runtime_from(args)
    try:
        asyncio.run(Daemon(rt, stopping).serve())
    except DaemonFailed as exc:
        print(f"error: {exc}; exiting for the service manager to start it again", file=sys.stderr)
        return EXIT_DAEMON_FAILED
    finally:
        rt.close()
    return 0


def cmd_once(args: argparse.Namespace) -> int:
    from daemon.app import run_once
    rt = runtime_from(args)
    try:
        report = run_once(rt)
    finally:
        rt.close()
    if report.ingest is not None:
        summary = ", ".join(f"{k}: {v}" for k, v in sorted(report.ingest.outcomes.items())) or "no new mail"
        print(f"ingest: {summary}; quarantined: {report.ingest.quarantined}", file=sys.stderr)
    if report.delivery is not None:
        d = report.delivery
        print(f"outbox: sent {d.sent}, deferred {d.deferred}, failed {d.failed}"
              + (f" ({d.error})" if d.error else ""), file=sys.stderr)
    return 1 if report.ingest_error else 0


def cmd_check(args: argparse.Namespace) -> int:
    config = config_from(args)          # raises ConfigError with every problem
    from daemon.outbound.catalog import render_problems
    renderer = Renderer(config.templates.override_dir)
    problems = check_templates(renderer) or render_problems(renderer)
    problems += notify_template_problems(config, renderer)
    for problem in problems:
        print(f"templates: {problem}", file=sys.stderr)
    if problems:
        return 2
    print(f"{config.source}: configuration, rules and templates are valid")
    return 0


def check_templates(renderer: Renderer) -> list[str]:
    """Every template must at least compile; rendering is tested with sample data."""
    problems = []
    for name in renderer.names():
        for part in ("subject", "txt", "html"):
            try:
                renderer._env("es").get_template(f"{name}.{part}.j2")
            except TemplateMissing as exc:
                problems.append(str(exc))
            except Exception as exc:   # noqa: BLE001 - report every broken template
                problems.append(f"{name}.{part}.j2: {exc}")
    return problems


def notify_template_problems(config, renderer: Renderer) -> list[str]:
    """A rule's notify.template must exist, or the rule would fail on its first hit."""
    known = set(renderer.names())
    return [f"rules ({rule.name}): notify template '{action.value.template}' does not exist"
            for rule in config.policy.rules for action in rule.actions
            if action.key == "notify" and action.value.template not in known]


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    config = config_from(args)
    engine = make_engine(config.database_url)
    try:
        before, after = upgrade(engine)
    finally:
        engine.dispose()
    print(f"database at revision {after}" + (f" (was {before or 'empty'})" if before != after else " (up to date)"))
    return 0
