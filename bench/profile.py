"""Reads a cProfile dump of the e2e run and says where the time went: inclusive time of
each pipeline stage and of the other run_once activities, own time grouped by library
(sqlalchemy, mail-parser, email, sockets ...), and the top functions. Pure reporting."""
from __future__ import annotations

import io
import pstats
import re
from pathlib import Path

# (label, file suffix, function) whose inclusive time is reported
ACTIVITIES = (
    ("run_once", "daemon/app.py", "run_once"),
    ("  ingest: IMAP search + sizes", "daemon/ingest/mailbox.py", "waiting"),
    ("  ingest: IMAP fetch (here when not read ahead)", "daemon/ingest/mailbox.py", "fetch"),
    ("  ingest: IMAP move (mark_done, on the put-away thread)", "daemon/ingest/mailbox.py", "mark_done"),
    ("  pipeline: process()", "daemon/pipeline.py", "process"),
    ("    checkpoint", "daemon/steps/checkpoint.py", "skip_if_handled"),
    ("    parse (here when not read ahead)", "daemon/steps/intake.py", "parse"),
    ("    dedupe", "daemon/steps/intake.py", "dedupe"),
    ("    guard", "daemon/steps/intake.py", "guard"),
    ("    correlate", "daemon/steps/threading.py", "correlate"),
    ("    limit", "daemon/steps/limits.py", "cap_new_tickets"),
    ("    persist", "daemon/steps/persist.py", "persist"),
    ("    notify (render + compose + outbox row)", "daemon/steps/notify.py", "notify"),
    ("    record (checkpoint row)", "daemon/pipeline.py", "record"),
    ("  sweep", "daemon/sweep.py", "sweep"),
    ("  read ahead: waiting for the worker", "daemon/read_ahead.py", "_from_worker"),
    ("  deliver (outbox -> SMTP)", "daemon/app.py", "deliver"),
    ("  all sqlite COMMITs (ingest + outbox)", "~", "<method 'commit' of 'sqlite3.Connection' objects>"),
    ("  all SQLAlchemy flushes", "sqlalchemy/orm/session.py", "_flush"),
    ("  all logging", "logging/__init__.py", "_log"),
)
_SITE = re.compile(r"site-packages/([A-Za-z0-9_]+)")
_STDLIB = re.compile(r"python3\.\d+/([A-Za-z0-9_]+)")


def component(filename: str, function: str) -> str:
    """Which library a profiled function belongs to."""
    if filename == "~":
        for needle, name in (("sqlite3", "sqlite3 (C)"), ("socket", "socket I/O"), ("epoll", "waiting (epoll)"),
                             ("ssl", "socket I/O"), ("posix", "filesystem"), ("io.", "filesystem")):
            if needle in function:
                return name
        return "builtins"
    if "/daemon/" in filename:
        return "daemon." + filename.split("/daemon/", 1)[1].split("/")[0].removesuffix(".py")
    found = _SITE.search(filename)
    if found:
        return found.group(1)
    found = _STDLIB.search(filename)
    if found:
        return "stdlib " + found.group(1)
    return "other"


def summarise(path: Path, top: int = 25) -> dict:
    stats = pstats.Stats(str(path))
    entries = stats.stats  # type: ignore[attr-defined]
    total = max((ct for (f, _, fn), (_, _, _, ct, _) in entries.items() if fn == "run_once"), default=0.0) \
        or stats.total_tt  # type: ignore[attr-defined]
    activities = []
    for label, suffix, function in ACTIVITIES:
        cumulative = sum(ct for (f, _, fn), (_, _, _, ct, _) in entries.items()
                         if fn == function and f.endswith(suffix))
        activities.append({"what": label, "seconds": round(cumulative, 3),
                           "share": round(cumulative / total, 3) if total else 0.0})
    groups: dict[str, float] = {}
    for (filename, _, function), (_, _, own, _, _) in entries.items():
        name = component(filename, function)
        groups[name] = groups.get(name, 0.0) + own
    libraries = [{"library": name, "seconds": round(sec, 3), "share": round(sec / total, 3) if total else 0.0}
                 for name, sec in sorted(groups.items(), key=lambda kv: -kv[1])[:15]]
    return {"profiled_seconds": round(total, 3), "activities": activities, "libraries": libraries,
            "top_cumulative": _top(stats, "cumulative", top), "top_own": _top(stats, "tottime", top)}


def _top(stats: pstats.Stats, key: str, count: int) -> str:
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats(key).print_stats(count)
    text = out.getvalue()
    return text[text.find("   ncalls"):] if "   ncalls" in text else text


def render(summary: dict) -> str:
    lines = [f"profiled run_once: {summary['profiled_seconds']:.2f} s (cProfile slows it down; shares are what matter)",
             "", "inclusive time by activity:"]
    lines += [f"  {a['what']:<48} {a['seconds']:8.2f} s  {a['share']:6.1%}" for a in summary["activities"]]
    lines += ["", "own time by library:"]
    lines += [f"  {g['library']:<30} {g['seconds']:8.2f} s  {g['share']:6.1%}" for g in summary["libraries"]]
    return "\n".join(lines)
