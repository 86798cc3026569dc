"""The read-ahead worker gives exactly what reading in this process gives, in order; a
message it cannot read, or a dead worker, only means the message is read here again."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from daemon.ingest.parse import UnparseableMessage
from daemon.ingest.reading import read_message
from daemon.read_ahead import MIN_BACKLOG, WINDOW, ReadAhead
from tests.support.mail import make_mail

pytestmark = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="read-ahead runs only with two cores")


def backlog(count: int) -> list[tuple[int, bytes]]:
    mails = []
    for uid in range(1, count + 1):
        html = f"<p>Hola <b>{uid}</b><script>x()</script></p>" if uid % 2 else None
        body = f"El equipo {uid} no arranca.\n\nEl lun, 23 nov 2026 escribió:\n> antes\n"
        mails.append((uid, make_mail(f"c{uid}@example.com", f"Avería {uid}", body, html=html,
                                     message_id=f"m{uid}@example.com")))
    return mails


def same(reading, raw: bytes) -> bool:
    local = read_message(raw)
    return (reading.parsed == local.parsed and reading.content_key == local.content_key
            and reading.reply == local.reply and reading.safe_html == local.safe_html)


def test_a_backlog_is_read_by_the_worker_in_order_and_identically():
    mails = backlog(MIN_BACKLOG + 5)
    with ReadAhead(len(mails)) as reader:
        assert reader.pool is not None
        out = list(reader.readings(mails))
    assert [uid for uid, _, _ in out] == [uid for uid, _ in mails]
    assert all(reading is not None and same(reading, raw) for _, raw, reading in out)
    assert "<script>" not in out[0][2].safe_html and "<b>1</b>" in out[0][2].safe_html


def test_a_few_messages_are_read_in_this_process():
    mails = backlog(3)
    with ReadAhead(len(mails)) as reader:
        assert reader.pool is None
        assert [reading for _, _, reading in reader.readings(mails)] == [None, None, None]


def test_a_message_the_worker_cannot_read_is_left_to_this_process():
    mails = backlog(MIN_BACKLOG)
    mails[3] = (4, b"   \r\n")
    with ReadAhead(len(mails)) as reader:
        out = list(reader.readings(mails))
        assert reader.pool is not None          # one bad message does not stop the worker
    assert out[3][2] is None
    with pytest.raises(UnparseableMessage):
        read_message(out[3][1])
    assert all(reading is not None for i, (_, _, reading) in enumerate(out) if i != 3)


def test_a_killed_worker_means_reading_here_for_the_rest():
    mails = backlog(MIN_BACKLOG + WINDOW * 2)
    with ReadAhead(len(mails)) as reader:
        readings = reader.readings(mails)
        first = [next(readings) for _ in range(3)]
        for pid in list(reader.pool._processes):     # noqa: SLF001 - the worker we started
            os.kill(pid, signal.SIGKILL)
        rest = list(readings)
        assert reader.pool is None
    out = first + rest
    assert [uid for uid, _, _ in out] == [uid for uid, _ in mails]
    assert all(reading is not None for _, _, reading in first)
    assert rest[-1][2] is None
    assert all(reading is None or same(reading, raw) for _, raw, reading in out)


DAEMON_WITH_A_WORKER = """
import sys
from daemon.read_ahead import MIN_BACKLOG, ReadAhead
reader = ReadAhead(MIN_BACKLOG)
reader.pool.submit(len, b"warm up").result()
print(*reader.pool._processes, flush=True)
sys.stdin.read()
"""


def test_a_daemon_killed_outright_takes_its_worker_and_fork_server_with_it():
    """SIGKILL leaves no chance to shut the pool down: the worker must notice by itself."""
    with subprocess.Popen([sys.executable, "-c", DAEMON_WITH_A_WORKER], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, cwd=Path(__file__).resolve().parents[2], text=True) as daemon:
        try:
            worker = int(daemon.stdout.readline())
            fork_server = parent_of(worker)
            assert fork_server not in (daemon.pid, 1) and alive(worker) and alive(fork_server)
        finally:
            daemon.kill()
    assert gone_within([worker, fork_server], seconds=15)


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def gone_within(pids: list[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while any(alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
