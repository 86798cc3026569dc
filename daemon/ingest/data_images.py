"""Images written into the HTML itself (`<img src="data:image/png;base64,...">`): what
web forms, some webmail and phone clients send when a customer pastes a screenshot.
The sanitiser keeps only cid: images, so such a picture would vanish from the ticket.
Each becomes an inline attachment of its own, and its `src` a cid: reference to it,
so it is stored, shown and judged (incidental or not) like any pasted image. Pure,
linear in the HTML's length, bounded in how many images it takes."""
from __future__ import annotations

import base64
import binascii
import hashlib
import re

from daemon.ingest.message import Attachment

MAX_IMAGES = 50                      # per HTML body; the rest stay as written (and are dropped)
MAX_IMAGE_BYTES = 20 * 1024 * 1024   # decoded; a larger one is left as written
# Raster images only: an SVG can carry scripts, and is nobody's screenshot
_DATA_IMAGE = re.compile(r"""(\bsrc\s*=\s*)(["']?)data:(image/(?:png|jpe?g|gif|webp|bmp|heic|heif))\s*;\s*base64\s*,""",
                         re.IGNORECASE)
_TYPES = {"image/jpg": "image/jpeg"}
_EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
               "image/bmp": ".bmp", "image/heic": ".heic", "image/heif": ".heif"}
_WHITESPACE = re.compile(rb"\s+")


def inline_data_images(html: str, first_index: int) -> tuple[str, list[Attachment]]:
    """(the HTML with each data: image pointing to its attachment, those attachments);
    `first_index`: how many attachments the message has so far (for their names).
    The same picture pasted twice is one attachment."""
    if "data:" not in html:
        return html, []
    pieces: list[str] = []
    found: dict[str, Attachment] = {}
    position = 0
    for match in _DATA_IMAGE.finditer(html):
        if len(found) >= MAX_IMAGES:
            break
        quote, start = match.group(2), match.end()
        end = html.find(quote, start) if quote else _unquoted_end(html, start)
        payload = _decoded(html[start:end if end >= 0 else len(html)])
        if payload is None:
            continue
        kind = match.group(3).lower()
        kind = _TYPES.get(kind, kind)
        content_id = f"data-{hashlib.sha256(payload).hexdigest()[:24]}@inline"
        if content_id not in found:
            found[content_id] = Attachment(
                filename=f"image-{first_index + len(found) + 1}{_EXTENSIONS[kind]}", content_type=kind,
                payload=payload, content_id=content_id, inline=True)
        pieces += [html[position:match.start()], f"{match.group(1)}{quote}cid:{content_id}"]
        position = end if end >= 0 else len(html)
    if not found:
        return html, []
    pieces.append(html[position:])
    return "".join(pieces), list(found.values())


def _unquoted_end(html: str, start: int) -> int:
    """An unquoted attribute ends at white space or the tag's end."""
    ends = [i for i in (html.find(c, start) for c in " \t\r\n>") if i >= 0]
    return min(ends) if ends else len(html)


def _decoded(text: str) -> bytes | None:
    if len(text) > MAX_IMAGE_BYTES * 4 // 3 + 4096:
        return None
    try:
        data = base64.b64decode(_WHITESPACE.sub(b"", text.encode("ascii")), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    return data or None
