"""Everything the pipeline learns from a message's bytes alone, in one pure call: the
parsed message, its content key, the reply split from its quoted history and the
sanitised HTML. Pure and picklable, so it can also run in a worker process ahead of the
database work (daemon/read_ahead.py)."""
from __future__ import annotations

from dataclasses import dataclass, replace

from daemon.ingest.html import sanitize_html
from daemon.ingest.identity import content_key
from daemon.ingest.incidental import mark_incidental
from daemon.ingest.message import ParsedMessage
from daemon.ingest.parse import parse_message
from daemon.ingest.quotes import Reply, split_reply
from daemon.ingest.subjects import is_forward


@dataclass(frozen=True)
class Reading:
    parsed: ParsedMessage
    content_key: str
    reply: Reply
    safe_html: str          # parsed.html through the sanitiser ("" when there is none)


def read_message(raw: bytes) -> Reading:
    """Raises UnparseableMessage when nothing usable can be read (the caller quarantines)."""
    parsed = parse_message(raw)
    forwarded = is_forward(parsed.subject)
    marked = mark_incidental(parsed.attachments, parsed.html, forwarded=forwarded)
    if marked is not parsed.attachments:
        parsed = replace(parsed, attachments=marked)
    return Reading(parsed=parsed, content_key=content_key(raw, parsed),
                   reply=split_reply(parsed.text, forwarded=forwarded),
                   safe_html=sanitize_html(parsed.html) if parsed.html else "")
