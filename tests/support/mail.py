"""Builds realistic test emails (bytes) the way mail clients write them: customers'
requests, replies with quoted history, attachments. Used by end-to-end tests only."""
from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid
from datetime import datetime, timezone
from itertools import count

_ids = count(1)
SUPPORT = "soporte@example.test"


def make_mail(sender: str, subject: str, body: str = "Hola.\n", *, name: str = "",
              to: str = SUPPORT, cc: str = "", message_id: str | None = None,
              in_reply_to: str | None = None, references: tuple[str, ...] = (),
              headers: dict[str, str] | None = None, html: str | None = None,
              attachments: tuple[tuple[str, str, bytes], ...] = (),
              related: tuple[tuple[str, str, str, bytes], ...] = (),
              date: datetime | None = None) -> bytes:
    """`related`: (content id, file name, type, bytes) of images the HTML shows by cid:,
    beside it in multipart/related as Outlook and Gmail send them."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = formataddr((name, sender)) if name else sender
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date or datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc))
    msg["Message-ID"] = f"<{message_id}>" if message_id else make_msgid(f"t{next(_ids)}", "cliente.test")
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        msg["References"] = " ".join(f"<{r}>" for r in references)
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
        for content_id, filename, content_type, data in related:
            maintype, subtype = content_type.split("/")
            msg.get_payload()[1].add_related(data, maintype, subtype, cid=f"<{content_id}>", filename=filename)
    for filename, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def message_id_of(raw: bytes) -> str:
    for line in raw.splitlines():
        if line.lower().startswith(b"message-id:"):
            return line.split(b":", 1)[1].strip().strip(b"<>").decode()
    raise ValueError("no Message-ID")
