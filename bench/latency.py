"""Acknowledgement latency with IDLE: `soporte run` as a subprocess, then messages
appended one at a time; for each, the time from its APPEND completing to the sink
accepting its acknowledgement (matched by the unique subject). Returns p50/p95.
A warm-up message is sent and acknowledged first, so start-up is not counted.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from tests.support.mail import make_mail

from bench.servers import Rig, connect

WARMUP_TIMEOUT = 60.0
SETTLE_TIMEOUT = 30.0


@dataclass
class LatencyResult:
    sent: int
    received: int
    latencies: list[float] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return percentile(self.latencies, 50)

    @property
    def p95(self) -> float:
        return percentile(self.latencies, 95)


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def probe(index: int, run_id: str) -> tuple[str, bytes]:
    subject = f"Latency probe {run_id}-{index:03d}: the door entry panel beeps"
    raw = make_mail(f"probe{index}@latency.example", subject, "Hola,\n\nEl videoportero pita.\n\nUn saludo\n",
                    message_id=f"latency-{run_id}-{index}@latency.example")
    return subject, raw


def run(rig: Rig, count: int = 50, spacing: float = 0.3) -> LatencyResult:
    mailbox = rig.mailbox()
    site = rig.site("latency", mailbox)
    rig.sink.reset()
    run_id = f"{int(time.time())}"
    process = site.start()
    appended: dict[str, float] = {}
    client = connect(mailbox)
    try:
        subject, raw = probe(0, run_id)
        client.append("INBOX", raw)
        if not rig.sink.wait_count(1, WARMUP_TIMEOUT):
            raise RuntimeError(f"no acknowledgement for the warm-up message; see {site.base / 'daemon.log'}")
        for index in range(1, count + 1):
            subject, raw = probe(index, run_id)
            client.append("INBOX", raw)
            appended[subject] = time.monotonic()
            time.sleep(spacing)
        rig.sink.wait_count(count + 1, SETTLE_TIMEOUT)
    finally:
        client.logout()
        site.stop(process)
    return LatencyResult(sent=count, received=len(rig.sink.messages) - 1,
                         latencies=match(rig, appended))


def match(rig: Rig, appended: dict[str, float]) -> list[float]:
    latencies = []
    for message, at in zip(list(rig.sink.messages), list(rig.sink.accepted_at)):
        subject = str(message.message["subject"] or "")
        for sent_subject, sent_at in appended.items():
            if sent_subject in subject:
                latencies.append(at - sent_at)
                break
    return latencies
