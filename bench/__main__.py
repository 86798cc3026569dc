"""`python -m bench` (`make bench`): the quality bars of SPEC §11, measured on this
machine against a throw-away Dovecot and SMTP sink on loopback.

    python -m bench                     everything at full size (~10 minutes)
    python -m bench --quick             small sizes, a smoke run (~1-2 minutes)
    python -m bench --only floor,e2e    some of: floor, e2e, profile, latency, memory, attachment, report

Prints a table (figure, value, target, ratio to the floor) and writes bench/out/results.json,
the e2e profile (bench/out/e2e.prof, bench/out/profile.txt) and keeps the servers' logs
under bench/out/work until the next run.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

from bench import corpus, e2e, floor, latency, memory, profile, report_speed
from bench.servers import Rig, repo_root

OUT = Path(__file__).resolve().parent / "out"
ALL = ("floor", "e2e", "profile", "latency", "memory", "attachment", "report")
FULL = {"size": 2000, "profile_size": 1000, "latency": 50, "backlog": 10_000, "report": 1_000_000}
QUICK = {"size": 300, "profile_size": 200, "latency": 10, "backlog": 500, "report": 20_000}
MB = 1024 * 1024


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--only", default=",".join(ALL), help=f"comma-separated subset of {','.join(ALL)}")
    parser.add_argument("--size", type=int, help="corpus size for floor/e2e (default 2000; quick 300)")
    parser.add_argument("--backlog", type=int, help="messages in the memory run (default 10000)")
    parser.add_argument("--report-tickets", type=int, help="tickets for the report run (default 1000000)")
    parser.add_argument("--out", type=Path, default=OUT, help="output directory (default bench/out)")
    args = parser.parse_args(argv)
    unknown = set(args.only.split(",")) - set(ALL)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    return args


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        sizes = dict(QUICK if args.quick else FULL)
        for key, value in (("size", args.size), ("backlog", args.backlog), ("report", args.report_tickets)):
            if value:
                sizes[key] = value
        self.sizes = sizes
        self.out = args.out.resolve()
        self.only = [name for name in ALL if name in args.only.split(",")]
        self.results: dict[str, Any] = {"meta": meta(sizes, args.quick)}
        self.rows: list[tuple[str, str, str, str]] = []
        self._items: list[corpus.Item] | None = None

    @property
    def items(self) -> list[corpus.Item]:
        if self._items is None:
            started = time.monotonic()
            self._items = corpus.build(self.sizes["size"])
            self.results["corpus"] = corpus.summary(self._items) | {
                "generated_in_s": round(time.monotonic() - started, 1)}
            say(f"corpus: {self.results['corpus']}")
        return self._items

    def run(self) -> int:
        self.out.mkdir(parents=True, exist_ok=True)
        with Rig(self.out / "work") as rig:
            for name in self.only:
                say(f"--- {name}")
                started = time.monotonic()
                try:
                    getattr(self, f"bench_{name}")(rig)
                except Exception as exc:   # noqa: BLE001 - one broken benchmark must not hide the others
                    traceback.print_exc()
                    self.results[name] = {"error": f"{type(exc).__name__}: {exc}"}
                    self.rows.append((name, "ERROR", "", str(exc)[:60]))
                say(f"    ({time.monotonic() - started:.0f} s)")
                self.save()
        self.results["meta"]["load_after"] = os.getloadavg()
        self.save()
        print(table(self.rows))
        print(f"\nresults: {self.out / 'results.json'}")
        load = self.results["meta"]["load_after"][0]
        if load > (os.cpu_count() or 1):
            print(f"note: load average {load:.1f} on {os.cpu_count()} cores: other work shared the machine, "
                  "figures are pessimistic")
        return 0

    def save(self) -> None:
        self.results["table"] = [dict(zip(("figure", "value", "target", "ratio"), row)) for row in self.rows]
        (self.out / "results.json").write_text(json.dumps(self.results, indent=2, default=plain))

    # -- the benchmarks --------------------------------------------------------------
    def floor_rate(self) -> float | None:
        value = self.results.get("floor", {}).get("rate")
        return value or None

    def bench_floor(self, rig: Rig) -> None:
        mailbox = rig.mailbox(item.raw for item in self.items)
        result = floor.run(mailbox, rig.workdir / "floor.db")
        self.results["floor"] = asdict(result) | {"rate": result.rate, "cpu_rate": result.cpu_rate}
        self.rows.append(("floor: IMAP fetch + email parse + SQLite insert", f"{result.rate:.0f} msg/s",
                          "(spec machine ~595)", "1.00"))
        self.rows.append(("floor per CPU-second (client side)", f"{result.cpu_rate:.0f} msg/cpu-s", "", "1.00"))
        self.rows.append(("floor CPU per message: client + rest of machine",
                          f"{_ms(result.cpu_seconds, result.messages)} + "
                          f"{_ms(result.others_cpu_seconds, result.messages)}", "", ""))

    def bench_e2e(self, rig: Rig) -> None:
        result = e2e.run(rig, self.items)
        self.results["e2e"] = asdict(result) | {"rate": result.rate, "cpu_rate": result.cpu_rate}
        for problem in result.problems:
            say(f"    PROBLEM: {problem}")
        status = "" if not result.problems else "  (CHECK FAILED)"
        self.rows.append(("e2e throughput (run_once, mailbox -> acks)", f"{result.rate:.0f} msg/s",
                          ">= 500 msg/s", self.ratio(result.rate) + status))
        whole = result.messages / result.command_seconds
        self.rows.append(("e2e incl. process start + migrations", f"{whole:.0f} msg/s", "", self.ratio(whole)))
        floor_cpu = self.results.get("floor", {}).get("cpu_rate")
        self.rows.append(("e2e per CPU-second of run_once", f"{result.cpu_rate:.0f} msg/cpu-s", "",
                          f"{result.cpu_rate / floor_cpu:.2f}" if floor_cpu else "n/a"))
        self.rows.append(("e2e per CPU-second incl. read-ahead worker", f"{result.all_cpu_rate:.0f} msg/cpu-s", "",
                          f"{result.all_cpu_rate / floor_cpu:.2f}" if floor_cpu else "n/a"))
        own = result.run_cpu_seconds + result.worker_cpu_seconds
        self.rows.append(("e2e CPU per message: soporte + rest of machine",
                          f"{_ms(own, result.messages)} + {_ms(result.others_cpu_seconds, result.messages)}", "",
                          "Dovecot, SMTP sink, kernel"))
        if result.machine_cpu_seconds:
            ceiling = (os.cpu_count() or 1) * result.messages / (own + result.others_cpu_seconds)
            self.rows.append((f"e2e ceiling: {os.cpu_count()} cores kept busy at these costs",
                              f"{ceiling:.0f} msg/s", "", self.ratio(ceiling)))
        self.rows.append(("e2e peak RSS", f"{result.peak_rss / MB:.0f} MB", "< 250 MB", ""))

    def bench_profile(self, rig: Rig) -> None:
        items = self.items[:self.sizes["profile_size"]]
        dump = self.out / "e2e.prof"
        result = e2e.run(rig, items, name="e2e-profiled", profile=dump)
        summary = profile.summarise(dump)
        text = profile.render(summary)
        (self.out / "profile.txt").write_text(text + "\n\ntop by cumulative time:\n" + summary["top_cumulative"]
                                         + "\ntop by own time:\n" + summary["top_own"])
        print(text)
        self.results["profile"] = {"messages": len(items), "rate_under_profiler": result.rate,
                                   "problems": result.problems, **{k: v for k, v in summary.items()
                                                                   if not k.startswith("top_")}}

    def bench_latency(self, rig: Rig) -> None:
        result = latency.run(rig, self.sizes["latency"])
        self.results["latency"] = asdict(result) | {"p50": result.p50, "p95": result.p95}
        self.rows.append(("ack latency with IDLE p50", f"{result.p50:.2f} s", "", ""))
        self.rows.append(("ack latency with IDLE p95", f"{result.p95:.2f} s", "<= 1 s",
                          f"{len(result.latencies)}/{result.sent} acked"))

    def bench_memory(self, rig: Rig) -> None:
        result = memory.backlog(rig, self.sizes["backlog"])
        self.results["memory"] = asdict(result)
        self.rows.append((f"backlog of {result.messages} (soporte once): peak RSS",
                          f"{result.peak_rss / MB:.0f} MB", "< 250 MB", f"exit {result.returncode}"))
        self.rows.append((f"backlog of {result.messages}: RSS with the read-ahead worker",
                          f"{result.peak_family / MB:.0f} MB", "", "sampled, all processes"))
        self.rows.append((f"backlog of {result.messages}: throughput incl. start-up",
                          f"{result.messages / result.seconds:.0f} msg/s", "", ""))

    def bench_attachment(self, rig: Rig) -> None:
        result = memory.big_attachment(rig)
        self.results["attachment"] = asdict(result) | {"delta": result.delta, "copies": result.copies}
        self.rows.append(("25 MB attachment: peak RSS over a tiny message", f"{result.delta / MB:.0f} MB",
                          "not several copies", f"{result.copies:.1f} x attachment"))

    def bench_report(self, rig: Rig) -> None:
        result = report_speed.run(rig, OUT / "cache", self.sizes["report"])
        self.results["report"] = asdict(result)
        built = f"built in {result.build_seconds:.0f} s" if result.build_seconds else "reused"
        self.rows.append((f"report SQL floor, {result.tickets:,} tickets ({built})",
                          f"{result.floor_seconds:.1f} s", "", ""))
        if result.report_seconds is None:
            self.rows.append(("soporte report --json", "SKIPPED", "seconds", result.note))
        else:
            self.rows.append((f"soporte report --json, {result.tickets:,} tickets", f"{result.report_seconds:.1f} s",
                              "seconds, not minutes", result.note[:60]))
        if result.note:
            say(f"    note: {result.note}")

    def ratio(self, rate: float) -> str:
        base = self.floor_rate()
        return f"{rate / base:.2f}" if base else "n/a"


def meta(sizes: dict[str, int], quick: bool) -> dict[str, Any]:
    def git(*args: str) -> str:
        proc = subprocess.run(["git", *args], cwd=repo_root(), capture_output=True, text=True)
        return proc.stdout.strip()
    return {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "quick": quick, "sizes": sizes,
            "commit": git("rev-parse", "--short", "HEAD"), "tree_modified": bool(git("status", "--porcelain")),
            "python": platform.python_version(), "cores": os.cpu_count(), "load_before": os.getloadavg()}


def _ms(seconds: float, messages: int) -> str:
    return f"{1000 * seconds / messages:.2f} ms" if messages else "n/a"


def table(rows: list[tuple[str, str, str, str]]) -> str:
    header = ("figure", "value", "target", "ratio to floor / note")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(4)]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()   # noqa: E731
    return "\n".join([line(header), line(tuple("-" * w for w in widths)), *map(line, rows)])


def plain(value: Any) -> Any:
    return asdict(value) if is_dataclass(value) else str(value)


def say(text: str) -> None:
    print(text, flush=True)


def main(argv: list[str] | None = None) -> int:
    return Bench(parse_args(argv)).run()


if __name__ == "__main__":
    sys.exit(main())
