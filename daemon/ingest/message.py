"""The parsed form of one inbound email: what every pure stage (guards, threading,
rules, commands) reads. Produced only by ingest/parse.py; never touches I/O."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class BodyRef:
    """A large base64 body left where it is in the raw message (raw[start:end]) and
    never decoded whole; sha256 and size describe its decoded bytes."""
    sha256: str
    size: int
    start: int
    end: int


@dataclass(frozen=True)
class Attachment:
    filename: str          # already made safe: no directories, no control characters
    content_type: str      # lower-case, e.g. "application/pdf"
    payload: bytes         # empty when body_ref is set: read the bytes from the raw message
    content_id: str = ""
    inline: bool = False
    body_ref: BodyRef | None = None
    # came with the mail without being sent: a signature logo, an image of the quoted
    # history, a digital signature (see ingest/incidental.py)
    incidental: bool = False

    @property
    def size(self) -> int:
        return self.body_ref.size if self.body_ref is not None else len(self.payload)


@dataclass(frozen=True)
class ParsedMessage:
    message_id: str                        # without <>; synthesized from raw hash if missing
    has_message_id: bool
    raw_sha256: str
    subject: str
    from_addr: str                         # lower-case address, "" if none
    from_name: str
    to: tuple[str, ...] = ()               # lower-case addresses
    cc: tuple[str, ...] = ()
    reply_to: tuple[str, ...] = ()
    in_reply_to: tuple[str, ...] = ()      # Message-IDs without <>
    references: tuple[str, ...] = ()
    date: datetime | None = None
    content_type: str = "text/plain"       # of the top-level part, lower-case
    headers: tuple[tuple[str, str], ...] = ()   # (lower-case name, decoded value), in order
    text: str = ""                         # full plain text (derived from HTML if no text part)
    html: str = ""                         # raw HTML part, unsanitised ("" if none)
    attachments: tuple[Attachment, ...] = ()
    defects: tuple[str, ...] = field(default=())

    def header(self, name: str) -> str | None:
        """First value of a header, case-insensitive; None when absent."""
        wanted = name.lower()
        for key, value in self.headers:
            if key == wanted:
                return value
        return None

    def header_all(self, name: str) -> tuple[str, ...]:
        wanted = name.lower()
        return tuple(value for key, value in self.headers if key == wanted)

    @property
    def recipients(self) -> tuple[str, ...]:
        return self.to + self.cc
