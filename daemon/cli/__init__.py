"""The `soporte` command line. Parses arguments, loads the config, and hands over to one
small handler per command; the only place that turns errors into exit codes."""
from __future__ import annotations

import argparse
import importlib
import logging
import sys
from daemon.problems import ConfigError

EXIT_CONFIG = 2
EXIT_DAEMON_FAILED = 70     # sysexits' EX_SOFTWARE: an activity of `soporte run` ended; restart it
# one module per group of commands, each with register(subparsers)
COMMAND_GROUPS = ("ops", "tickets", "rulescli", "outbox", "quarantine", "serial", "report", "admin", "oauthcli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="soporte", description="Email-driven support tickets.")
    parser.add_argument("--config", help="config file (default: $SOPORTE_CONFIG or ./soporte.toml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("-q", "--quiet", action="store_true", help="warnings and errors only")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_GROUPS:
        importlib.import_module(f"daemon.cli.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(level=level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        return int(args.handler(args) or 0)
    except ConfigError as exc:
        print(exc.report() if exc.problems else f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
