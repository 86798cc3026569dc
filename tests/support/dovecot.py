"""A throw-away Dovecot IMAP server on loopback for integration tests and the demo.

In: a base directory. Out: `dovecot -F` on 127.0.0.1:<free port> with plain IMAP (no TLS),
passwd-file users, Maildir, IDLE, and the folders INBOX, Processed and Quarantine.
Never reads /etc/dovecot, never listens beyond loopback, never kills what it did not start.
"""

import atexit
import grp
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from types import TracebackType

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from tests.support.ports import free_port

HOST = "127.0.0.1"
PROBE_USER = "harness-probe@example.test"
_SEARCH_PATH = ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot", "/opt/homebrew/sbin/dovecot")
_APPENDUID = re.compile(rb"APPENDUID \d+ (\d+)")

_CONFIG = """\
# Generated for one test run; the whole server is thrown away afterwards.
base_dir = {run}
state_dir = {state}
instance_name = soporte-test
protocols = imap
listen = {host}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login{oauth_mechanisms}
auth_verbose = yes
# Tests try wrong passwords on purpose; the default 2 s penalty only slows them down.
auth_failure_delay = 0
log_path = {log}
{accounts}first_valid_uid = {mail_uid}
first_valid_gid = {mail_gid}
mail_location = maildir:~/Maildir
# One passwd-file per user: Dovecot re-checks an open file at most once a second, so a
# user appended to a shared file could be refused right after being added.
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {users}/%u
  mechanisms = plain login
}}
{oauth_passdb}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={mail}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  # Unreachable penalty socket = no auth penalty: a test that tries a wrong password must
  # not slow every later login from 127.0.0.1 by up to 15 s.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
protocol imap {{
  # The daemon keeps an IDLE connection and a worker connection; tests add their own.
  mail_max_userip_connections = 100
}}
namespace inbox {{
  inbox = yes
  mailbox Processed {{
    auto = subscribe
  }}
  mailbox Quarantine {{
    auto = subscribe
  }}
}}
"""

# Only root may chroot(); unprivileged, every service that would chroot must not.
_NO_CHROOT = "".join(
    f"service {name} {{\n  chroot =\n}}\n"
    for name in ("anvil", "ipc", "old-stats", "aggregator", "imap-login", "imap-urlauth-login")
)


class DovecotError(RuntimeError):
    """Dovecot could not be started or did not answer; the message holds the log tail."""


def binary() -> str | None:
    """Where the dovecot binary is, or None (sbin is often missing from a user's PATH)."""
    found = shutil.which("dovecot")
    return found or next((p for p in _SEARCH_PATH if os.access(p, os.X_OK)), None)


def available() -> bool:
    return binary() is not None


def _accounts() -> tuple[str, int, int]:
    """Config lines naming Dovecot's process accounts, and the uid/gid mail is stored as."""
    if os.geteuid() == 0:
        # Dovecot refuses mail access as uid 0; its own defaults (dovecot, dovenull) stay.
        nobody = pwd.getpwnam("nobody")
        return "", nobody.pw_uid, nobody.pw_gid
    me = pwd.getpwuid(os.geteuid())
    group = grp.getgrgid(me.pw_gid).gr_name
    lines = (
        f"default_internal_user = {me.pw_name}\ndefault_internal_group = {group}\n"
        f"default_login_user = {me.pw_name}\n{_NO_CHROOT}"
    )
    return lines, me.pw_uid, me.pw_gid


class DovecotServer:
    """One Dovecot instance: config and logs in base_dir, sockets and mail in a short /tmp dir."""

    binary = staticmethod(binary)
    available = staticmethod(available)

    def __init__(self, base_dir: Path, start_timeout: float = 15.0, introspection_url: str = "") -> None:
        """`introspection_url`: also accept OAuth access tokens (XOAUTH2, OAUTHBEARER) that
        this URL vouches for when asked with the token as a Bearer header."""
        self.base_dir = Path(base_dir)
        self.start_timeout = start_timeout
        self.introspection_url = introspection_url
        self._port = free_port(HOST)
        self._started_once = False
        self._process: subprocess.Popen[bytes] | None = None
        self._accounts, self._mail_uid, self._mail_gid = _accounts()
        self._user_numbers = count(1)
        # Unix sockets live in the run dir and their paths are limited to ~108 bytes, and
        # unprivileged Dovecot processes cannot traverse pytest's 0700 tmp dirs: so the
        # runtime part goes to a short private dir, linked from base_dir for inspection.
        # /tmp rather than TMPDIR, which can be long (macOS).
        short = "/tmp" if os.path.isdir("/tmp") else None
        self.runtime_dir = Path(tempfile.mkdtemp(prefix="dv-", dir=short))
        self._make_layout()
        self.add_user(PROBE_USER, "probe")

    @property
    def host(self) -> str:
        return HOST

    @property
    def port(self) -> int:
        return self._port

    @property
    def config_path(self) -> Path:
        return self.base_dir / "etc" / "dovecot.conf"

    @property
    def log_path(self) -> Path:
        return self.base_dir / "log" / "dovecot.log"

    def add_user(self, name: str, password: str) -> None:
        """Add a login, usable at once (running or not); Dovecot lower-cases user names."""
        if not name or any(c in name + password for c in ":/\n\r"):
            raise ValueError(f"user name/password must be non-empty, without ':/' or newlines: {name!r}")
        entry = self.runtime_dir / "users" / name.lower()
        entry.write_text(f"{name.lower()}:{{PLAIN}}{password}\n", encoding="utf-8")
        entry.chmod(0o644)

    def new_mailbox(self, prefix: str = "soporte") -> "Mailbox":
        """A fresh user like `soporte-7@example.test`, so tests never share a mailbox."""
        mailbox = Mailbox(self, f"{prefix}-{next(self._user_numbers)}@example.test", "secret")
        self.add_user(mailbox.username, mailbox.password)
        return mailbox

    def start(self) -> None:
        if self._process is not None:
            return
        deadline = time.monotonic() + self.start_timeout
        while True:
            self._write_config()
            self._launch()
            try:
                self._wait_ready(deadline)
                break
            except DovecotError as error:
                if not self._port_clash(error, deadline):
                    raise
        self._started_once = True
        atexit.register(self.stop)

    def stop(self) -> None:
        """Stop the master we started (SIGTERM makes it end its children first)."""
        process, self._process = self._process, None
        if process is None:
            return
        atexit.unregister(self.stop)
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        """Stop and delete the runtime dir (mail included); base_dir keeps config and logs."""
        self.stop()
        shutil.rmtree(self.runtime_dir, ignore_errors=True)

    def __enter__(self) -> "DovecotServer":
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @contextmanager
    def client(self, user: str, password: str, timeout: float = 10.0) -> Iterator[IMAPClient]:
        """A logged-in IMAPClient, logged out on exit."""
        with IMAPClient(self.host, port=self.port, ssl=False, timeout=timeout) as imap:
            imap.login(user, password)
            yield imap

    def append(
        self, user: str, password: str, raw: bytes, folder: str = "INBOX", flags: Iterable[str] = ()
    ) -> int | None:
        """Deliver raw bytes into a folder; returns the new UID (from UIDPLUS) when known."""
        with self.client(user, password) as imap:
            reply = imap.append(folder, raw, flags=tuple(flags))
        found = _APPENDUID.search(reply)
        return int(found.group(1)) if found else None

    def list_messages(
        self, user: str, password: str, folder: str = "INBOX"
    ) -> list[tuple[int, set[str], bytes]]:
        """(uid, flags, raw) per message, by UID; read-only, so flags are left untouched."""
        with self.client(user, password) as imap:
            imap.select_folder(folder, readonly=True)
            uids = imap.search("ALL")
            fetched = imap.fetch(uids, ["FLAGS", "BODY.PEEK[]"]) if uids else {}
        # \Recent belongs to whichever session saw the message first: meaningless to a test.
        return [
            (uid, {f.decode() for f in data[b"FLAGS"]} - {"\\Recent"}, data[b"BODY[]"])
            for uid, data in sorted(fetched.items())
        ]

    def folder_counts(self, user: str, password: str) -> dict[str, int]:
        with self.client(user, password) as imap:
            names = [name for flags, _, name in imap.list_folders() if b"\\Noselect" not in flags]
            return {name: imap.folder_status(name, [b"MESSAGES"])[b"MESSAGES"] for name in names}

    def log_tail(self, lines: int = 30) -> str:
        parts = []
        for path in (self.base_dir / "log" / "master.out", self.log_path):
            if path.exists():
                text = path.read_text(encoding="utf-8", errors="replace").splitlines()
                parts.append(f"--- {path.name} ---\n" + "\n".join(text[-lines:]))
        return "\n".join(parts) or "(no log written)"

    def _make_layout(self) -> None:
        for sub in ("etc", "log"):
            (self.base_dir / sub).mkdir(parents=True, exist_ok=True)
        for sub in ("run", "state", "mail", "users"):
            (self.runtime_dir / sub).mkdir()
            link = self.base_dir / sub
            if link.is_symlink():
                link.unlink()
            if not link.exists():
                link.symlink_to(self.runtime_dir / sub)
        self.runtime_dir.chmod(0o711)
        os.chown(self.runtime_dir / "mail", self._mail_uid, self._mail_gid)

    def _write_config(self) -> None:
        oauth_passdb = ""
        if self.introspection_url:
            settings = self.base_dir / "etc" / "oauth2.conf.ext"
            settings.write_text(f"introspection_mode = auth\nintrospection_url = {self.introspection_url}\n"
                                "username_attribute = email\nactive_attribute = active\nactive_value = true\n"
                                "force_introspection = yes\n", encoding="utf-8")
            oauth_passdb = f"passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = {settings}\n}}\n"
        self.config_path.write_text(
            _CONFIG.format(
                host=HOST,
                port=self._port,
                run=self.runtime_dir / "run",
                state=self.runtime_dir / "state",
                mail=self.runtime_dir / "mail",
                users=self.runtime_dir / "users",
                log=self.log_path,
                accounts=self._accounts,
                mail_uid=self._mail_uid,
                mail_gid=self._mail_gid,
                oauth_mechanisms=" xoauth2 oauthbearer" if self.introspection_url else "",
                oauth_passdb=oauth_passdb,
            ),
            encoding="utf-8",
        )

    def _launch(self) -> None:
        program = binary()
        if program is None:
            raise DovecotError("dovecot is not installed; run scripts/ensure-dovecot.sh")
        with (self.base_dir / "log" / "master.out").open("ab") as out:
            self._process = subprocess.Popen(
                [program, "-F", "-c", str(self.config_path)],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            )

    def _wait_ready(self, deadline: float) -> None:
        """Poll until a LOGIN succeeds: a listening port alone does not mean auth is up."""
        assert self._process is not None
        while True:
            if self._process.poll() is not None:
                code, self._process = self._process.returncode, None
                raise DovecotError(f"dovecot exited with status {code}\n{self.log_tail()}")
            try:
                with self.client(PROBE_USER, "probe", timeout=2.0):
                    return
            except (OSError, IMAPClientError) as error:
                last = error
            if time.monotonic() > deadline:
                self.stop()
                raise DovecotError(
                    f"dovecot on {HOST}:{self._port} not ready ({last!r})\n{self.log_tail()}"
                )
            time.sleep(0.02)

    def _port_clash(self, error: DovecotError, deadline: float) -> bool:
        """True if start should try again: someone grabbed our port between probe and bind."""
        if "Address already in use" not in str(error) or time.monotonic() > deadline:
            return False
        if self._started_once:
            time.sleep(0.1)  # restart keeps its port: wait for the old listener to go
        else:
            self._port = free_port(HOST)
        return True


@dataclass(frozen=True)
class Mailbox:
    """One user's mailbox on a DovecotServer, as handed to a test."""

    server: DovecotServer
    username: str
    password: str

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    def append(self, raw: bytes, folder: str = "INBOX", flags: Iterable[str] = ()) -> int | None:
        return self.server.append(self.username, self.password, raw, folder, flags)

    def messages(self, folder: str = "INBOX") -> list[tuple[int, set[str], bytes]]:
        return self.server.list_messages(self.username, self.password, folder)

    def counts(self) -> dict[str, int]:
        return self.server.folder_counts(self.username, self.password)

    def wait_for_counts(self, expected: Mapping[str, int], timeout: float = 10.0) -> dict[str, int]:
        """Poll the server until these folders hold these many messages; fail with what was there."""
        deadline = time.monotonic() + timeout
        while True:
            counts = self.counts()
            if all(counts.get(name) == n for name, n in expected.items()):
                return counts
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.username}: wanted {dict(expected)}, server has {counts}")
            time.sleep(0.05)
