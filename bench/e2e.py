"""Throughput end to end: a fresh mailbox holding the corpus -> committed tickets ->
acknowledgements accepted by the SMTP sink, SQLite, one `run_once` in a child process
(so its peak RSS is its own), optionally under cProfile.

The parent fills the mailbox, starts the child and checks the outcome (sink count,
tickets in the database); the child (`python -m bench.e2e --config ...`) times run_once.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import logging
import os
import resource
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.corpus import Item
from bench.servers import Rig, descendants, machine_busy_seconds, site_env, vm_status


@dataclass
class E2EResult:
    messages: int
    expected_acks: int
    acks: int
    tickets: int
    seconds: float                    # run_once: first IMAP command to last ack accepted
    command_seconds: float            # the whole child: interpreter start, imports, migration
    peak_rss: int
    cpu_seconds: float                # user + system time of the child, start-up included
    run_cpu_seconds: float            # user + system time of run_once alone
    worker_cpu_seconds: float = 0.0   # what its read-ahead worker (another process) used meanwhile
    machine_cpu_seconds: float = 0.0  # every process on the machine meanwhile: Dovecot and the sink included
    outcomes: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    @property
    def all_cpu_rate(self) -> float:
        """Messages per CPU-second of run_once and its worker processes together."""
        total = self.run_cpu_seconds + self.worker_cpu_seconds
        return self.messages / total if total else 0.0

    @property
    def others_cpu_seconds(self) -> float:
        """What the rest of the machine (Dovecot, the SMTP sink, the kernel) spent meanwhile."""
        return max(0.0, self.machine_cpu_seconds - self.run_cpu_seconds - self.worker_cpu_seconds)

    @property
    def cpu_rate(self) -> float:
        """Messages per CPU-second of run_once: steadier than wall time on a busy machine."""
        return self.messages / self.run_cpu_seconds if self.run_cpu_seconds else 0.0


def run(rig: Rig, items: list[Item], name: str = "e2e", profile: Path | None = None,
        timeout: float = 1800) -> E2EResult:
    mailbox = rig.mailbox(item.raw for item in items)
    site = rig.site(name, mailbox)
    rig.sink.reset()
    expected = sum(item.kind == "new" for item in items)
    result_file = site.base / "child.json"
    command = [sys.executable, "-m", "bench.e2e", "--config", str(site.config_path), "--result", str(result_file)]
    if profile is not None:
        command += ["--profile", str(profile.resolve())]
    started = time.monotonic()
    with open(site.base / "daemon.log", "wb") as log:
        proc = subprocess.run(command, cwd=site.base, env=site_env(site), stdout=log,
                              stderr=subprocess.STDOUT, timeout=timeout)
    command_seconds = time.monotonic() - started
    if proc.returncode != 0:
        raise RuntimeError(f"soporte run_once child exited {proc.returncode}; see {site.base / 'daemon.log'}")
    child = json.loads(result_file.read_text())
    result = E2EResult(messages=len(items), expected_acks=expected, acks=len(rig.sink.messages),
                       tickets=count_tickets(site.base / "soporte.db"), seconds=child["seconds"],
                       command_seconds=command_seconds, peak_rss=child["peak_rss"], cpu_seconds=child["cpu_seconds"],
                       run_cpu_seconds=child["run_cpu_seconds"],
                       worker_cpu_seconds=child.get("worker_cpu_seconds", 0.0),
                       machine_cpu_seconds=child.get("machine_cpu_seconds", 0.0),
                       outcomes=child["outcomes"])
    result.problems = check(result)
    return result


def check(result: E2EResult) -> list[str]:
    problems = []
    if result.acks != result.expected_acks:
        problems.append(f"sink accepted {result.acks} acknowledgements, expected {result.expected_acks}")
    if result.tickets != result.expected_acks:
        problems.append(f"{result.tickets} tickets committed, expected {result.expected_acks}")
    return problems


def count_tickets(database: Path) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute("SELECT count(*) FROM tickets").fetchone()[0])


class WorkerCpu(threading.Thread):
    """CPU time of this process's descendants (the read-ahead worker and its fork
    server), sampled from /proc every 50 ms: they are not our children to wait for, so
    getrusage does not see them."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.last: dict[int, int] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.05):
            for pid in descendants(os.getpid()):
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                self.last[pid] = int(fields[11]) + int(fields[12])       # utime + stime, ticks

    def stop(self) -> None:
        self.done.set()
        self.join()

    def seconds(self) -> float:
        return sum(self.last.values()) / os.sysconf("SC_CLK_TCK")


# -- the child -----------------------------------------------------------------------
def child(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.e2e")
    parser.add_argument("--config", required=True)
    parser.add_argument("--result", required=True)
    parser.add_argument("--profile")
    args = parser.parse_args(argv)
    # the same logging as `soporte once`: its cost is part of what is measured
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)

    from daemon.app import run_once
    from daemon.config import load_config
    from daemon.runtime import build_runtime

    rt = build_runtime(load_config(Path(args.config)))
    profiler = cProfile.Profile() if args.profile else None
    workers = WorkerCpu()
    workers.start()
    before = resource.getrusage(resource.RUSAGE_SELF)
    machine = machine_busy_seconds()
    started = time.perf_counter()
    report = profiler.runcall(run_once, rt) if profiler else run_once(rt)
    seconds = time.perf_counter() - started
    machine = machine_busy_seconds() - machine
    workers.stop()
    rt.close()
    if profiler is not None:
        profiler.dump_stats(args.profile)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak = max(vm_status().get("VmHWM", 0), usage.ru_maxrss * 1024)
    delivery = asdict(report.delivery) if report.delivery else {}
    outcomes = dict(report.ingest.outcomes) if report.ingest else {}
    if report.ingest:
        outcomes["quarantined"] = report.ingest.quarantined
    Path(args.result).write_text(json.dumps({"seconds": seconds, "peak_rss": peak,
                                             "cpu_seconds": usage.ru_utime + usage.ru_stime,
                                             "run_cpu_seconds": usage.ru_utime + usage.ru_stime
                                             - before.ru_utime - before.ru_stime, "outcomes": outcomes,
                                             "worker_cpu_seconds": workers.seconds(),
                                             "machine_cpu_seconds": machine,
                                             "delivery": delivery, "ingest_error": report.ingest_error}))
    return 0


if __name__ == "__main__":
    sys.exit(child())
