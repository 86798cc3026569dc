"""The read-ahead worker fetches a backlog over its own IMAP connection and gives exactly
what fetching and reading in this process gives, in order; a message it cannot read
is read here, and a worker that fails (killed, refused by the server) only means the
rest is fetched and read here. While it starts, this process reads the first messages
itself, and the worker takes over from the next one: none read twice, none skipped."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from daemon.config import load_config
from daemon.ingest.mailbox import Mailbox
from daemon.ingest.parse import UnparseableMessage
from daemon.ingest.reading import read_message
from daemon.read_ahead import MIN_BACKLOG, ReadAhead
from tests.support.mail import make_mail

pytestmark = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="read-ahead runs only with two cores")
REPO = Path(__file__).resolve().parents[2]


def settings(tmp_path: Path, mailbox):
    path = tmp_path / "soporte.toml"
    path.write_text(f'[support]\naddress = "soporte@example.test"\n\n[mailbox]\nhost = "{mailbox.host}"\n'
                    f'port = {mailbox.port}\nsecurity = "none"\nusername = "{mailbox.username}"\n'
                    'timeout_seconds = 10\nfetch_batch = 7\n', encoding="utf-8")
    return load_config(path).mailbox


def fill(mailbox, count: int, padding: int = 0) -> list[bytes]:
    mails = []
    for n in range(1, count + 1):
        html = f"<p>Hola <b>{n}</b><script>x()</script></p>" if n % 2 else None
        body = f"El equipo {n} no arranca.\n{'x' * padding}\n\nEl lun, 23 nov 2026 escribió:\n> antes\n"
        raw = make_mail(f"c{n}@example.com", f"Avería {n}", body, html=html, message_id=f"m{n}@example.com")
        mailbox.append(raw)
        mails.append(raw)
    return mails


def same(reading, raw: bytes) -> bool:
    local = read_message(raw)
    return (reading.parsed == local.parsed and reading.content_key == local.content_key
            and reading.reply == local.reply and reading.safe_html == local.safe_html)


def drained(tmp_path, mailbox, secret: str | None = None, stop_after: int | None = None,
            read_here_while_starting: bool = False, on_each=lambda reader: None):
    """Everything ReadAhead yields; `stop_after` messages in, the worker is killed. By
    default the worker reads from the first message on, as if it had started at once."""
    with Mailbox(settings(tmp_path, mailbox), secret=mailbox.password) as imap:
        if secret is not None:
            imap.secret = secret              # what the worker will log in with
        with ReadAhead(imap, imap.waiting(), read_here_while_starting) as reader:
            started = reader.hand_over is not None
            out = []
            for item in reader.messages():
                out.append(item)
                on_each(reader)
                if len(out) == stop_after:
                    os.kill(reader.worker.pid, signal.SIGKILL)
            return started, out


def test_a_backlog_is_fetched_and_read_by_the_worker_in_order_and_identically(tmp_path, mailbox):
    mails = fill(mailbox, MIN_BACKLOG + 5)
    started, out = drained(tmp_path, mailbox)
    assert started
    assert [raw for _, raw, _ in out] == mails
    assert [uid for uid, _, _ in out] == sorted(uid for uid, _, _ in out)
    assert all(reading is not None and same(reading, raw) for _, raw, reading in out)
    assert "<script>" not in out[0][2].safe_html and "<b>1</b>" in out[0][2].safe_html
    assert mailbox.counts()["INBOX"] == len(mails)         # only read: nothing moved or flagged
    assert all(not flags for _, flags, _ in mailbox.messages())


def test_the_first_messages_are_read_here_until_the_worker_takes_over_from_the_next(tmp_path, mailbox):
    mails = fill(mailbox, MIN_BACKLOG * 3)
    waited = []

    def slow_reader(reader):
        # this process is slow with its first message: the worker is ready before it ends
        if not waited:
            waited.append(reader.started())
            deadline = time.monotonic() + 30
            while not reader.hand_over.taken_over and time.monotonic() < deadline:
                time.sleep(0.02)

    started, out = drained(tmp_path, mailbox, read_here_while_starting=True, on_each=slow_reader)
    assert started and waited and all(waited)
    assert [raw for _, raw, _ in out] == mails                       # in order, none twice, none lost
    read_here = [reading is None for _, _, reading in out]
    assert read_here[0] and not read_here[-1]
    first_by_worker = read_here.index(False)
    assert not any(read_here[first_by_worker:])                      # one hand-over, then all by the worker
    assert all(same(reading, raw) for _, raw, reading in out[first_by_worker:])


def test_a_backlog_read_here_before_the_worker_is_ready_stops_the_worker(tmp_path, mailbox):
    mails = fill(mailbox, MIN_BACKLOG)
    with Mailbox(settings(tmp_path, mailbox), secret=mailbox.password) as imap:
        reader = ReadAhead(imap, imap.waiting())
        assert reader.hand_over.take_here(reader.waiting, len(mails)) == reader.waiting   # all read here
        assert reader.started()
        worker = reader.worker.pid
        assert list(reader.messages()) == []
        assert reader.worker is None and reader.results is None
    assert gone_within([worker], seconds=5)


def test_a_worker_killed_holding_the_hand_over_lock_leaves_the_backlog_to_this_process(tmp_path, mailbox,
                                                                                    monkeypatch):
    monkeypatch.setattr("daemon.read_ahead.STOP_SECONDS", 0.5)
    mails = fill(mailbox, MIN_BACKLOG)
    held = threading.Event()

    def hold_forever(lock):
        lock.acquire()           # as a worker killed inside take_over() leaves it
        held.set()

    with Mailbox(settings(tmp_path, mailbox), secret=mailbox.password) as imap:
        with ReadAhead(imap, imap.waiting()) as reader:
            threading.Thread(target=hold_forever, args=(reader.hand_over.shared.get_lock(),), daemon=True).start()
            assert held.wait(5) and reader.started()
            os.kill(reader.worker.pid, signal.SIGKILL)
            out = list(reader.messages())
    assert [(raw, reading) for _, raw, reading in out] == [(raw, None) for raw in mails]


def test_no_shared_memory_for_the_hand_over_means_reading_everything_here(tmp_path, mailbox, caplog,
                                                                           monkeypatch):
    def no_shared_memory(*args):
        raise FileNotFoundError(2, "No such file or directory", "/dev/shm")

    monkeypatch.setattr("daemon.read_ahead.HandOver.__init__", no_shared_memory)
    mails = fill(mailbox, MIN_BACKLOG)
    started, out = drained(tmp_path, mailbox, read_here_while_starting=True)
    assert not started
    assert [(raw, reading) for _, raw, reading in out] == [(raw, None) for raw in mails]
    assert "read-ahead worker not started" in caplog.text


def test_a_worker_that_cannot_start_leaves_the_backlog_to_this_process(tmp_path, mailbox, caplog, monkeypatch):
    def cannot_start(self):
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr("multiprocessing.process.BaseProcess.start", cannot_start)
    mails = fill(mailbox, MIN_BACKLOG)
    started, out = drained(tmp_path, mailbox, read_here_while_starting=True)
    assert started            # it was tried
    assert [(raw, reading) for _, raw, reading in out] == [(raw, None) for raw in mails]
    assert "read-ahead worker not started" in caplog.text


def test_a_few_messages_are_fetched_and_read_in_this_process(tmp_path, mailbox):
    mails = fill(mailbox, 3)
    started, out = drained(tmp_path, mailbox)
    assert not started
    assert [(raw, reading) for _, raw, reading in out] == [(raw, None) for raw in mails]


def test_a_message_the_worker_cannot_read_is_left_to_this_process(tmp_path, mailbox):
    mails = fill(mailbox, MIN_BACKLOG)
    mailbox.append(b"   \r\n")
    started, out = drained(tmp_path, mailbox)
    assert started and len(out) == len(mails) + 1
    assert out[-1][2] is None
    with pytest.raises(UnparseableMessage):
        read_message(out[-1][1])
    assert all(reading is not None for _, _, reading in out[:-1])   # one bad message does not stop it


def test_a_killed_worker_means_fetching_and_reading_here_for_the_rest(tmp_path, mailbox):
    mails = fill(mailbox, MIN_BACKLOG * 2, padding=40_000)
    started, out = drained(tmp_path, mailbox, stop_after=3)
    assert started
    assert [raw for _, raw, _ in out] == mails                       # none lost, none twice
    assert all(reading is not None for _, _, reading in out[:3])
    assert out[-1][2] is None                                       # the tail was read here
    assert all(reading is None or same(reading, raw) for _, raw, reading in out)


def test_a_worker_the_server_refuses_leaves_the_whole_backlog_to_this_process(tmp_path, mailbox, caplog):
    mails = fill(mailbox, MIN_BACKLOG)
    started, out = drained(tmp_path, mailbox, secret="not the password")
    assert started
    assert [(raw, reading) for _, raw, reading in out] == [(raw, None) for raw in mails]
    assert "read-ahead worker failed" in caplog.text and "MailboxError" in caplog.text


DAEMON_WITH_A_WORKER = """
import sys
from daemon.config import load_config
from daemon.ingest.mailbox import Mailbox
from daemon.read_ahead import ReadAhead
imap = Mailbox(load_config(sys.argv[1]).mailbox, secret=sys.argv[2]).connect()
reader = ReadAhead(imap, imap.waiting(), read_here_while_starting=False)
reader.started()
print(reader.worker.pid, flush=True)
sys.stdin.read()     # reads nothing: the worker soon waits for room in the pipe
"""


def test_a_daemon_killed_outright_takes_its_worker_and_fork_server_with_it(tmp_path, mailbox):
    """SIGKILL leaves no chance to stop the worker: it must notice by itself."""
    fill(mailbox, MIN_BACKLOG * 2, padding=40_000)       # more than the pipe holds
    settings(tmp_path, mailbox)
    with subprocess.Popen([sys.executable, "-c", DAEMON_WITH_A_WORKER, str(tmp_path / "soporte.toml"),
                           mailbox.password], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=REPO,
                          text=True) as daemon:
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
