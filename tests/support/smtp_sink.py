"""A real SMTP server on loopback that records what the daemon sends.

In: SMTP transactions on 127.0.0.1:<free port> (no TLS; AUTH XOAUTH2 only when asked). Out: `messages`, each
parsed with email.policy.default, plus the transactions it was told to refuse.
Never relays anything; it can be switched to answer 451/550 or to go down and come back.
"""

import base64
import email.policy
import threading
from dataclasses import dataclass
from functools import cached_property
from email.message import EmailMessage
from email.parser import BytesParser
from types import TracebackType
from typing import Any, Callable, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from tests.support.ports import free_port

Mode = Literal["accept", "tempfail", "permfail"]
Stage = Literal["rcpt", "data"]

HOST = "127.0.0.1"
_REPLIES: dict[Mode, str] = {
    "tempfail": "451 4.3.0 Test sink: temporary failure, try again later",
    "permfail": "550 5.7.1 Test sink: message refused",
}


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @cached_property
    def message(self) -> EmailMessage:
        """Parsed when first read, not while the server answers: a real relay does not
        parse what it accepts, and the benchmark must not wait on the test's parser."""
        parsed = BytesParser(policy=email.policy.default).parsebytes(self.raw)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass(frozen=True)
class Rejected:
    """A transaction refused on purpose, so tests can count the daemon's attempts."""

    stage: Stage
    reply: str
    mail_from: str
    rcpt_tos: list[str]


class _Handler:
    """aiosmtpd hooks, named after the SMTP verbs they answer."""

    def __init__(self, sink: "SmtpSink") -> None:
        self._sink = sink

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        refusal = self._sink._refusal("rcpt", envelope.mail_from, [address])
        refusal = refusal or self._sink._recipient_refusal(envelope.mail_from, address)
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        refusal = self._sink._refusal("data", envelope.mail_from, list(envelope.rcpt_tos))
        if refusal:
            return refusal
        self._sink._record(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        return "250 2.0.0 Message accepted"


class _TokenHandler(_Handler):
    """Takes mail only after AUTH XOAUTH2 with a token `token_check(user, token)` accepts,
    as Microsoft 365's and Gmail's submission servers do."""

    def __init__(self, sink: "SmtpSink", token_check: Callable[[str, str], bool]) -> None:
        super().__init__(sink)
        self._token_check = token_check

    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> AuthResult:
        try:
            fields = base64.b64decode(args[1]).decode().split("\x01")
            user = fields[0].removeprefix("user=")
            token = fields[1].removeprefix("auth=Bearer ")
        except (IndexError, ValueError):
            return AuthResult(success=False, handled=False)
        return AuthResult(success=self._token_check(user, token), auth_data=user, handled=False)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if not session.authenticated:
            return "530 5.7.0 Authentication required"
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


class SmtpSink:
    """Records accepted mail; `set_mode` and `stop`/`start` simulate a misbehaving server."""

    def __init__(self, port: int | None = None, token_check: Callable[[str, str], bool] | None = None) -> None:
        self._token_check = token_check
        self._port = port or free_port(HOST)
        self._controller: Controller | None = None
        self._changed = threading.Condition()
        self._mode: Mode = "accept"
        self._fail_at: Stage = "rcpt"
        self._refused_recipients: dict[str, Mode] = {}
        self.messages: list[Received] = []
        self.rejected: list[Rejected] = []

    @property
    def host(self) -> str:
        return HOST

    @property
    def port(self) -> int:
        return self._port

    @property
    def mode(self) -> Mode:
        return self._mode

    @property
    def running(self) -> bool:
        return self._controller is not None

    def set_mode(self, mode: Mode, at: Stage = "rcpt") -> None:
        """accept, or refuse with 451 (tempfail) / 550 (permfail) at RCPT TO or after DATA."""
        if mode not in ("accept", "tempfail", "permfail") or at not in ("rcpt", "data"):
            raise ValueError(f"unknown mode/stage: {mode!r}/{at!r}")
        self._mode, self._fail_at = mode, at

    def refuse_recipient(self, address: str, mode: Mode) -> None:
        """Answer RCPT TO for this one address with 451 / 550 ("accept" stops refusing),
        taking the mail for the transaction's other recipients."""
        if mode == "accept":
            self._refused_recipients.pop(address, None)
        else:
            self._refused_recipients[address] = mode

    def start(self) -> None:
        """Listen (again) on the same port; a stopped Controller cannot be reused."""
        if self._controller is not None:
            return
        auth = dict(auth_require_tls=False) if self._token_check else {}
        controller = Controller(
            _TokenHandler(self, self._token_check) if self._token_check else _Handler(self),
            hostname=HOST,
            port=self._port,
            # The default hostname is socket.getfqdn(), which can stall on DNS.
            server_hostname="smtp-sink.example.test",
            data_size_limit=100 * 1024 * 1024,
            **auth,
        )
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        """Close the listener: clients now get "connection refused" until `start()`."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def clear(self) -> None:
        with self._changed:
            self.messages.clear()
            self.rejected.clear()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """All messages once at least `count` arrived; else fail showing what did arrive."""
        with self._changed:
            if self._changed.wait_for(lambda: len(self.messages) >= count, timeout):
                return list(self.messages)
        raise AssertionError(
            f"expected {count} message(s) at the SMTP sink within {timeout}s, "
            f"got {len(self.messages)}:\n{self.describe()}"
        )

    def describe(self) -> str:
        """One line per accepted and refused transaction, for failure messages."""
        with self._changed:
            lines = [
                f"  accepted from <{m.mail_from}> to {m.rcpt_tos}: {m.message['subject']!r}"
                for m in self.messages
            ]
            lines += [f"  refused at {r.stage} ({r.reply[:3]}) to {r.rcpt_tos}" for r in self.rejected]
        return "\n".join(lines) or "  (nothing)"

    def __enter__(self) -> "SmtpSink":
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _refusal(self, stage: Stage, mail_from: str, rcpt_tos: list[str]) -> str | None:
        if self._mode == "accept" or stage != self._fail_at:
            return None
        return self._refuse(stage, self._mode, mail_from, rcpt_tos)

    def _recipient_refusal(self, mail_from: str, address: str) -> str | None:
        mode = self._refused_recipients.get(address)
        return None if mode is None else self._refuse("rcpt", mode, mail_from, [address])

    def _refuse(self, stage: Stage, mode: Mode, mail_from: str, rcpt_tos: list[str]) -> str:
        reply = _REPLIES[mode]
        with self._changed:
            self.rejected.append(Rejected(stage, reply, mail_from, rcpt_tos))
            self._changed.notify_all()
        return reply

    def _record(self, mail_from: str, rcpt_tos: list[str], raw: bytes) -> None:
        with self._changed:
            self.messages.append(Received(mail_from, rcpt_tos, raw))
            self._changed.notify_all()
