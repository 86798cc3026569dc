"""One soporte installation for an end-to-end test: a config file pointing at the test's
Dovecot mailbox and SMTP sink, and the `soporte` command run as a real subprocess, the
way an admin or cron runs it. Database: a SQLite file, or the URL in
$SOPORTE_TEST_DATABASE_URL (the PostgreSQL run of the suite)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
STAFF_TOML = """
[[staff]]
email = "ana@empresa.test"
name = "Ana"
role = "supervisor"

[[staff]]
email = "luis@empresa.test"
name = "Luis"
role = "tecnico"

[[staff]]
email = "marta@empresa.test"
name = "Marta"
role = "agente"

[[staff]]
email = "finanzas@empresa.test"
name = "Finanzas"
role = "finanzas"

[[staff]]
email = "admin@empresa.test"
name = "Admin"
role = "admin"
"""


class CommandFailed(AssertionError):
    pass


class Site:
    def __init__(self, base: Path, mailbox: Any, sink: Any, database_url: str | None = None) -> None:
        self.base = base
        self.mailbox = mailbox
        self.sink = sink
        self.database_url = database_url or os.environ.get("SOPORTE_TEST_DATABASE_URL") or "sqlite:///soporte.db"
        self.config_path = base / "soporte.toml"
        self.env = dict(os.environ, SOPORTE_IMAP_PASSWORD=mailbox.password if mailbox else "",
                        SOPORTE_SECRET="test-secret", PYTHONPATH=str(REPO))
        self.env.pop("SOPORTE_CONFIG", None)
        self.write_config()

    def base_toml(self) -> str:
        mb, sink = self.mailbox, self.sink
        mailbox = (f'host = "{mb.host}"\nport = {mb.port}\nsecurity = "none"\n'
                   f'username = "{mb.username}"\ntimeout_seconds = 10\n') if mb else 'host = ""\n'
        smtp = f'host = "{sink.host}"\nport = {sink.port}\nsecurity = "none"\ntimeout_seconds = 5\n' if sink else ""
        return (f'[support]\naddress = "soporte@example.test"\nname = "Soporte Técnico"\n\n'
                f'[mailbox]\n{mailbox}\n[smtp]\n{smtp}\n'
                f'[database]\nurl = "{self.database_url}"\n\n[storage]\ndir = "var/"\n' + STAFF_TOML)

    def write_config(self, extra: str = "", replace: str | None = None) -> Path:
        """The base config plus `extra` TOML (or exactly `replace`)."""
        self.config_path.write_text(replace if replace is not None else self.base_toml() + "\n" + extra,
                                    encoding="utf-8")
        return self.config_path

    # -- running soporte -------------------------------------------------------------
    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "daemon", "--config", str(self.config_path), *args]

    def run(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        proc = subprocess.run(self.command(*args), cwd=self.base, env=self.env, capture_output=True,
                              text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise CommandFailed(f"soporte {' '.join(args)} exited {proc.returncode}\n"
                                f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
        return proc

    def once(self, now: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        return self.run("once", *(("--now", now) if now else ()), check=check)

    def show(self, token: str) -> dict[str, Any]:
        return json.loads(self.run("tickets", "show", token, "--json").stdout)

    def tickets(self, status: str | None = None) -> list[dict[str, Any]]:
        args = ("--status", status) if status else ()
        return json.loads(self.run("tickets", "list", "--json", *args).stdout)

    def deliver(self, raw: bytes) -> None:
        self.mailbox.append(raw)

    def start(self, *extra: str) -> subprocess.Popen:
        """`soporte run` in the background; stop it with stop() or kill it by its PID."""
        with open(self.base / "daemon.log", "ab") as log:       # the child keeps its own copy
            return subprocess.Popen(self.command(*extra, "run"), cwd=self.base, env=self.env,
                                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    @staticmethod
    def stop(proc: subprocess.Popen, timeout: float = 30) -> int:
        proc.send_signal(signal.SIGTERM)
        return proc.wait(timeout=timeout)

    def daemon_log(self) -> str:
        path = self.base / "daemon.log"
        return path.read_text(errors="replace") if path.exists() else ""
