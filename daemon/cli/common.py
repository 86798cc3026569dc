"""Helpers every CLI handler shares: loading the config and the runtime, parsing --now,
printing JSON."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from typing import Any

from daemon.config import Config, config_path, load_config
from daemon.runtime import Runtime, build_runtime, fixed_clock, system_clock


def config_from(args: argparse.Namespace) -> Config:
    return load_config(config_path(args.config))


def runtime_from(args: argparse.Namespace, migrate: bool = True) -> Runtime:
    config = config_from(args)
    now = getattr(args, "now", None)
    return build_runtime(config, fixed_clock(now) if now else system_clock, migrate=migrate)


def parse_instant(text: str) -> datetime:
    """ISO 8601; a value without an offset is taken as UTC."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date-time: {text!r} (e.g. 2026-11-23T10:00:00+01:00)")
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")
