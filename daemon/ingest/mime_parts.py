"""Splits a parsed MIME tree into body text, body HTML and attachments.

In: an `email.message.Message` (compat32, as mail-parser and the stdlib build it).
Out: `Parts` with decoded text/html and `Attachment`s carrying safe file names (a
placeholder for a large body left in the raw message becomes a reference, see large.py).
A nested message (message/rfc822), DSN status parts and rfc822-headers are kept whole
as attachments, never mixed into the body. Never raises on a malformed tree.
"""
from __future__ import annotations

import binascii
import mimetypes
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Mapping
from email import message_from_bytes
from email.errors import MissingHeaderBodySeparatorDefect
from email.message import Message
from email.policy import compat32
from email.utils import collapse_rfc2231_value

from daemon.ingest.data_images import inline_data_images
from daemon.ingest.decode import decode_bytes, decode_header_value, meta_charset, unsmuggle, utf16_byte_order
from daemon.ingest.enriched import ENRICHED_TYPES, enriched_to_text
from daemon.ingest.flowed import unflow
from daemon.ingest.identity import body_start
from daemon.ingest.message import Attachment, BodyRef
from daemon.ingest.pgp import signed_text
from daemon.ingest.smime import signed_content
from daemon.ingest.tnef import Tnef, read_tnef

MAX_FILENAME = 150
_BODY_TYPES = ("text/plain", "text/html") + ENRICHED_TYPES
# Text types that are files, not the body: invitations, contact cards, tables, a returned
# message's headers (Zoho writes text/rfc822)
_TEXT_FILES = ("text/calendar", "text/x-vcalendar", "text/vcard", "text/x-vcard", "text/directory", "text/csv",
               "text/tab-separated-values", "text/rfc822-headers", "text/rfc822", "text/xml", "text/css",
               "text/javascript", "text/x-vcf")
# The type written the wrong way round or misspelled (contact forms)
_TEXT_TYPOS = {"plain/text": "text/plain", "html/text": "text/html", "txt/plain": "text/plain",
               "text/txt": "text/plain", "text/htm": "text/html", "text/plaintext": "text/plain"}
_WHOLE_PARTS = ("message/rfc822", "message/global", "message/delivery-status",
                "message/global-delivery-status", "message/disposition-notification",
                "message/feedback-report", "message/news", "message/partial")
_EXTENSIONS = {"message/rfc822": ".eml", "message/global": ".eml", "message/news": ".eml",
               "text/rfc822-headers": ".txt", "message/delivery-status": ".txt",
               "message/global-delivery-status": ".txt", "text/plain": ".txt",
               "message/disposition-notification": ".txt", "message/feedback-report": ".txt",
               "text/enriched": ".txt", "image/jpg": ".jpg", "image/pjpeg": ".jpg",
               "text/calendar": ".ics", "application/ics": ".ics"}
_LOCATION_NAME = re.compile(r"[^/\\?#]{1,100}\.[A-Za-z0-9]{1,8}$")
_MAY_NAME = re.compile(r"name|file", re.IGNORECASE)     # the parameters a file name is read from
# Built-in table only: the system's mime.types would make names differ per machine.
_MIME = mimetypes.MimeTypes()
_DELIMITER = re.compile(r"^--([^\s\"]{1,70}?)[ \t]*\r?$", re.MULTILINE)
_WINDOWS_DEVICE = re.compile(r"(?:con|prn|aux|nul|com[0-9]|lpt[0-9])(?:\.|$)", re.IGNORECASE)
_MISSING_SEMICOLON = re.compile(r"^(\s*[\w.+-]+/[\w.+-]+)(?:\s*,\s*|\s+)(?=[\w*-]+\s*=)")
_TYPE_OK = re.compile(r"\s*[\w.+-]+/[\w.+-]+\s*(?:;|$)")
_TYPE_JUNK = re.compile(r"^(\s*[\w.+-]+/[\w.+-]+)[>\"'\]),.]+(?=\s*(?:;|$))")
# words after the type that are no parameter: another header run into this one
# ("text/html Content-Transfer-Encoding: 8bit", a broken generator)
_TYPE_THEN_WORDS = re.compile(r"^(\s*[\w.+-]+/[\w.+-]+)\s+(?![\w*-]+\s*=)[^;]*")
# a Content-Type's or Content-Disposition's own start: "text/plain;", "attachment;"
_PARAMETERS_START = re.compile(r"\s*[\w.+-]+(?:/[\w.+-]+)?\s*(?:;|$)")
# what a subject may hold that a file name may not, on some system staff save it to
_PATH_CHARACTERS = re.compile(r'[\\/:*?"<>|]+')
_SUBJECT_NAME_MAX = 100
_UUENCODINGS = ("x-uuencode", "uuencode", "x-uue", "uue")
_UU_BEGIN = re.compile(r"^begin [0-7]{3,4} ", re.MULTILINE)
_UU_BEGIN_LINE = re.compile(r"begin [0-7]{3,4} +(\S.{0,254}?)\s*$")
_UU_LINE = re.compile(r"[ -`]{1,85}")
_UNORDERED_UTF16 = ("utf-16", "utf16", "unicode", "ucs-2", "ucs2")
_WIDE_CHARSET = re.compile(r"utf-?(?:16|32)|ucs|unicode", re.IGNORECASE)   # NUL bytes are text there
_BINARY = "application/octet-stream"
# Other names mailers give the same type (PHP forms and Android write image/jpg): one
# name, so a rule or the warranty's accepted_types need list only the standard one
_TYPE_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png",
                 "application/x-pdf": "application/pdf", "application/acrobat": "application/pdf",
                 "application/vnd.pdf": "application/pdf", "text/pdf": "application/pdf",
                 "text/x-pdf": "application/pdf"}
# "some file": what the file is, its name says (or, nameless, its first bytes)
_UNTYPED = {_BINARY, "binary/octet-stream", "application/unknown", "application/binary",
            "application/x-download", "application/force-download", "application/download"}
_SIGNATURES = ((b"%PDF-", "application/pdf"), (b"\xff\xd8\xff", "image/jpeg"),
               (b"\x89PNG\r\n\x1a\n", "image/png"), (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"))
_HEIF_BRANDS = (b"ftypheic", b"ftypheix", b"ftyphevc", b"ftypmif1", b"ftypmsf1")
# a compressed file is the archive, whatever it holds: "factura.pdf.gz" is no PDF
_COMPRESSED = {"gzip": "application/gzip", "bzip2": "application/x-bzip2", "xz": "application/x-xz",
               "compress": "application/x-compress", "br": "application/x-brotli"}
_STUB_MAX_CHARS = 400    # a longer plain version is text someone wrote
_WORD = re.compile(r"\w+")
_PKCS7 = ("application/pkcs7-mime", "application/x-pkcs7-mime")
_TNEF = ("application/ms-tnef", "application/vnd.ms-tnef")
_ENCODING_TOKEN = re.compile(r"[a-z0-9-]*")
_ENCODING_WORD = re.compile(r"[a-z0-9-]+")
_NOT_BASE64 = re.compile(r"[^A-Za-z0-9+/=]+")
_NOT_BASE64_LINE = re.compile(r"[^A-Za-z0-9+/=\s]|(?<=\S)[ \t]+(?=\S)")   # trailing blanks do not count
_BASE64_CHUNK = re.compile(r"[A-Za-z0-9+/]+=*")
_EXT_OK = re.compile(r"^\.[A-Za-z0-9_-]{1,12}$")
_FIELD = re.compile(rb"[!-9;-~]+[ \t]*:")     # a header line: printable name, colon
# the end of an address or list value, never a sentence: no blanks, no colon
_VALUE_TAIL = re.compile(rb"[^\s:]{0,100}(?:@[^\s:]{0,100}|[>,;])\r?$")
_SPACED_COLON = re.compile(rb"([!-9;-~]+)[ \t]+(:)")
_ADDRESS_FIELD = re.compile(rb"(?:from|sender|reply-to|to|cc|bcc)[ \t]*:", re.IGNORECASE)
_KNOWN_FIELD = re.compile(rb"(?:from|to|cc|subject|date|message-id|mime-version|"
                          rb"content-[a-z-]+|received|return-path|reply-to|x-[!-9;-~]+)[ \t]*:",
                          re.IGNORECASE)


@dataclass(frozen=True)
class Parts:
    text: str               # the plain-text bodies, joined
    html: str               # the HTML bodies, joined
    attachments: tuple[Attachment, ...]
    defects: tuple[str, ...]
    # what the customer wrote, in order: ("text", ...) or ("html", ...) where a part
    # exists only as HTML (an HTML body with a plain-text list footer after it)
    body: tuple[tuple[str, str], ...] = ()


@dataclass
class _Collector:
    htmls: list[str]                     # every HTML body, for display
    attachments: list[Attachment]
    defects: list[str]
    refs: Mapping[str, BodyRef]
    named_texts: list[tuple[Message, Attachment]] = field(default_factory=list)
    body: list[tuple[str, str]] = field(default_factory=list)    # Parts.body
    wrapped: list[tuple[str, str]] = field(default_factory=list)  # bodies inside winmail.dat
    charset_hint: str | None = None      # the legacy charset the raw headers were written in

    def sharing_attachments(self) -> "_Collector":
        """A collector for one alternative: its own bodies, the shared attachments."""
        return _Collector([], self.attachments, self.defects, self.refs, self.named_texts,
                          wrapped=self.wrapped, charset_hint=self.charset_hint)


def mend_header_block(raw: bytes) -> bytes | None:
    """The raw message with its header block mended so that every header is read as
    one; None when there is nothing to mend. Blank lines, an indent or a title line
    ("---- Original email message ----") before the first header go; "Subject : x"
    loses the space before its colon; a stray line (a continuation that lost its
    indent) is folded into the header above it, or dropped where folding would corrupt
    an address (From, To ...) and where it is a broken header itself ("X-Spam Score:
    5"). Only lines above a well-known header are touched, and none after a MIME
    delimiter: lines after them may be a body that came without its blank separator
    line."""
    head = raw.lstrip(b"\r\n \t")
    skipped = len(raw) - len(head)
    end = body_start(head)
    lines = head[:end].split(b"\n")
    # a first line of dashes and words is a title a forwarder put on, not a MIME delimiter
    titled = b" " in lines[0].strip()
    delimiter = next((i for i, line in enumerate(lines) if line.startswith(b"--") and (i or not titled)),
                     len(lines))
    last_known = max((i for i, line in enumerate(lines[:delimiter]) if _KNOWN_FIELD.match(line)), default=-1)
    tail = last_known + 1
    while last_known >= 0 and tail < len(lines) and _VALUE_TAIL.match(lines[tail]):
        tail += 1      # the broken end of the last header's value ("d@\nexample.com>")
    if tail > last_known + 1 and tail < len(lines) and not lines[tail].strip(b"\r"):
        last_known = tail - 1
    mended: list[bytes] = []
    changed, current = bool(skipped), b""
    for i, line in enumerate(lines):
        if i > last_known or not line.strip(b"\r") or line[:1] in b" \t":
            mended.append(line)
            continue
        spaced = _SPACED_COLON.match(line)
        if spaced:
            line, changed = spaced.group(1) + line[spaced.start(2):], True
        if i == 0 and not _FIELD.match(line) and not line.startswith(b"From "):
            changed = True           # a stray first line ("---- Original email message ----")
            continue
        if i == 0 or _FIELD.match(line):
            mended.append(line)
            current = line
        elif b":" in line[:80] or (_ADDRESS_FIELD.match(current) and not _cut_mid_address(current)):
            changed = True           # a broken header, or a stray line under a whole address
        else:
            mended.append(b" " + line)
            current += b" " + line
            changed = True
    if not changed:
        return None
    return b"\n".join(mended) + head[end:]


def _cut_mid_address(header: bytes) -> bool:
    """An address header that stops inside an address ("D <d@"): its next line ends it."""
    value = header.rstrip(b"\r \t")
    return value.endswith((b"@", b"<", b",", b".", b"-")) or value.count(b"<") > value.count(b">")


def repair_headers(message: Message) -> None:
    """Rewrite raw 8-bit header values as text, in every part, in place: compat32
    would otherwise hand them out as Header objects full of replacement characters."""
    for part in message.walk():
        raw = getattr(part, "_headers", None)
        if not isinstance(raw, list):
            continue
        # the part's charset only when a value needs it: reading parameters is costly;
        # a multipart declares none, so its headers take the first its text parts declare
        smuggled = any(isinstance(v, str) and not v.isascii() for _, v in raw)
        hint = (_declared_charset(part) or _text_charset(message)) if smuggled else None
        part._headers = [(k, _mended_value(k, unsmuggle(v, hint) if smuggled else v))
                         if isinstance(v, str) else (k, v) for k, v in raw]


def _text_charset(message: Message) -> str | None:
    return next((found for part in message.walk() if part.get_content_maintype() == "text"
                 and (found := _declared_charset(part))), None)


def _mended_value(name: str, value: str) -> str:
    """A Content-Type missing the ";" before its parameters ("text/plain charset=utf-8")
    or with junk after its type ("text/plain>", "text/html Content-Transfer-Encoding:
    8bit") read as one unknown type, so the body became an attachment."""
    low = name.lower()
    if low == "content-disposition":
        return _decoded_whole(value)
    if low != "content-type" or _TYPE_OK.match(value):
        return value
    value = _decoded_whole(value)
    value = _MISSING_SEMICOLON.sub(r"\1; ", _TYPE_JUNK.sub(r"\1", value, count=1), count=1)
    return value if _TYPE_OK.match(value) else _TYPE_THEN_WORDS.sub(r"\1", value, count=1)


def _decoded_whole(value: str) -> str:
    """A Content-Type or Content-Disposition written as one encoded word, parameters and
    all ("=?utf-8?q?attachment=3B_filename=3DTel=C3=A9fono?="; Python's compat32 does
    it to a non-ASCII name): the value inside, or the file's name is lost."""
    if not value.lstrip().startswith("=?"):
        return value
    decoded = decode_header_value(value)
    return decoded if _PARAMETERS_START.match(decoded) else value


def _declared_charset(part: Message) -> str | None:
    return _param(part, "charset") or None


def _param(part: Message, name: str) -> str:
    """A Content-Type parameter, lower-case; "" when absent or unparseable."""
    return _parameter(lambda: part.get_param(name)).strip().lower()


def split_parts(message: Message, refs: Mapping[str, BodyRef] | None = None,
                charset_hint: str | None = None) -> Parts:
    """`refs`: placeholders that stand for large bodies left in the raw message;
    `charset_hint`: the legacy charset the raw headers were found in (see decode_bytes)."""
    out = _Collector([], [], [], refs or {}, charset_hint=charset_hint)
    _visit(message, out)
    if not out.body and not out.htmls and out.named_texts:
        _promote_named_text(out)
    if not out.body and not out.htmls and out.wrapped:
        _add_text(*out.wrapped[0], out)
    if not out.body and not out.htmls and message.get_content_type() in ("message/rfc822", "message/global"):
        _read_enclosed(message, out)
    return Parts("\n".join(text for kind, text in out.body if kind == "text"), "\n".join(out.htmls),
                 tuple(out.attachments), tuple(out.defects), tuple(out.body))


def _visit(part: Message, out: _Collector, alternative: bool = False) -> None:
    """`alternative`: the part is one version of a multipart/alternative, where a text
    part is a version of the text even with a name on it."""
    out.defects.extend(type(d).__name__ for d in getattr(part, "defects", ()))
    ctype = part.get_content_type()
    if ctype == "application/applefile":
        return   # the Mac resource fork of the file beside it in multipart/appledouble
    if part.defects and not part.is_multipart() and (mended := _mended_part(part)):
        part, ctype = mended, mended.get_content_type()
    if ctype == "text/plain" and "/" not in _declared_type(part) and part.get("content-type") is not None:
        ctype = _type_from_name(part) or _html_by_look(part) or ctype
    ctype = _TEXT_TYPOS.get(ctype) or _unknown_text_as_plain(part, ctype)
    if ctype in _WHOLE_PARTS:
        out.attachments.append(_whole_attachment(part, ctype, len(out.attachments) + 1))
    elif part.is_multipart() and ctype == "multipart/alternative":
        _visit_alternatives([c for c in part.get_payload() if isinstance(c, Message)], out)
        _visit_epilogue(part, out)
    elif part.is_multipart():
        for child in part.get_payload():
            if isinstance(child, Message):
                _visit(child, out)
        _visit_epilogue(part, out)
    elif part.get_content_maintype() == "multipart" and (fixed := _reboundaried(part)):
        out.defects.append("multipart boundary repaired")
        _visit(fixed, out)
    elif is_body(part, ctype) or (alternative and ctype in _BODY_TYPES
                                  and _disposition(part) != "attachment"):
        _add_body(part, ctype, out)
    else:
        attachment = _leaf_attachment(part, ctype, len(out.attachments) + 1, out.refs)
        if is_tnef_part(part) and (opened := read_tnef(attachment.payload)) is not None:
            _add_tnef(opened, out)
            return
        if ctype in _PKCS7 and (signed := signed_content(attachment.payload)) is not None:
            out.attachments.append(replace(attachment, incidental=True))   # its content is read too
            _visit(message_from_bytes(signed, policy=compat32), out)
            return
        out.attachments.append(attachment)
        if _declared_type(part) in _BODY_TYPES and _disposition(part) != "attachment" \
                and attachment.body_ref is None:
            out.named_texts.append((part, attachment))


def _read_enclosed(message: Message, out: _Collector) -> None:
    """A message that is nothing but another message (a forward some gateways send
    bare): the enclosed one's text is what the ticket shows; the .eml stays attached."""
    enclosed = message.get_payload()
    if transfer_encoding(message) in ("base64", "quoted-printable"):
        # against RFC 2046, but sent: the stdlib parsed the still-encoded text as the message
        data = _whole_attachment(message, message.get_content_type(), 1).payload
        enclosed = [message_from_bytes(data, policy=compat32)]
    if isinstance(enclosed, list) and enclosed and isinstance(enclosed[0], Message):
        inner = _Collector([], [], out.defects, out.refs, charset_hint=out.charset_hint)
        _visit(enclosed[0], inner)
        out.body.extend(inner.body)
        out.htmls.extend(inner.htmls)


def is_tnef_part(part: Message) -> bool:
    """Outlook's winmail.dat, whatever type a gateway on the way gave it."""
    return part.get_content_type() in _TNEF or _raw_filename(part).lower() == "winmail.dat"


def _add_tnef(opened: Tnef, out: _Collector) -> None:
    """The files inside in place of winmail.dat (the raw message keeps it); the body
    inside counts only when the message has no other, as with an Exchange-to-Exchange
    message that is nothing but TNEF."""
    for item in opened.files:
        ctype = _file_type(item.content_type if _TYPE_OK.fullmatch(item.content_type) else _BINARY,
                           item.name, item.data)
        out.attachments.append(Attachment(safe_filename(item.name, ctype, len(out.attachments) + 1),
                                          ctype, item.data, item.content_id, item.hidden))
    if opened.body is not None:
        out.wrapped.append(opened.body)


def _type_from_name(part: Message) -> str | None:
    """A file whose Content-Type is no type ("X-ZIP", "; name=x.jpg", "unknown"): what
    its name says, not the text/plain the stdlib assumes."""
    name = _raw_filename(part)
    return _type_of_name(name) if name else None


def _html_by_look(part: Message) -> str | None:
    """A body whose Content-Type is no type ("<html>", "html") but says or shows it is
    HTML: read as HTML, not shown to staff as its source."""
    body = part._payload[:200].lstrip().lower() if isinstance(part._payload, str) else ""
    html = "html" in _declared_type(part) or body.startswith(("<html", "<!doctype html"))
    return "text/html" if html else None


def _type_of_name(name: str) -> str:
    guessed, compression = _MIME.guess_type(name, strict=False)
    if compression:
        return _COMPRESSED.get(compression, _BINARY)
    return guessed or _BINARY


def _unknown_text_as_plain(part: Message, ctype: str) -> str:
    """An unnamed text part of a subtype we do not know (text/markdown, text/x-diff, a
    PHP form's text/x-anything) is read as plain text (RFC 2046 §4.1.4), not stored as a
    nameless file; calendars, cards and tables stay files."""
    if not ctype.startswith("text/") or ctype in _BODY_TYPES or ctype in _TEXT_FILES or ctype in _TYPE_ALIASES:
        return ctype
    return "text/plain" if not _raw_filename(part) and _disposition(part) != "attachment" else ctype


def _declared_type(part: Message) -> str:
    """The type as written: get_content_type() says text/plain for an invalid one."""
    return str(part.get("content-type", "")).split(";", 1)[0].strip().lower()


def _promote_named_text(out: _Collector) -> None:
    """No body but a named text part not marked as an attachment (some gateways and
    phone clients name the body): that part is the body, or the ticket would show
    nothing the customer wrote."""
    part, attachment = out.named_texts[0]
    out.attachments[:] = [a for a in out.attachments if a is not attachment]
    _add_body(part, part.get_content_type(), out)


def _mended_part(part: Message) -> Message | None:
    """A part whose header block broke (a parameter line that lost its indent): read
    again with its headers mended, so the rest of them are not taken for its body."""
    if not any(isinstance(d, MissingHeaderBodySeparatorDefect) for d in part.defects):
        return None
    raw = part._payload if isinstance(part._payload, str) else ""
    text = "".join(f"{k}: {v}\n" for k, v in part._headers) + raw
    mended = mend_header_block(text.encode("utf-8", "surrogateescape"))
    return message_from_bytes(mended, policy=compat32) if mended is not None else None


def _visit_alternatives(children: list[Message], out: _Collector) -> None:
    """One version of the same text, not the sum of them: the first with plain text
    (the plainest, RFC 2046), the last with HTML (the richest). A blank plain version
    beside a real HTML one does not count: the HTML is what the customer wrote."""
    versions = []
    for child in children:
        version = out.sharing_attachments()
        _visit(child, version, alternative=True)
        versions.append(version)
    plain = next((v for v in versions if any(k == "text" and t.strip() for k, t in v.body)), None)
    rich = next((v for v in reversed(versions) if v.htmls), None)
    if plain is not None and rich is not None and _stands_in_for_html(plain, rich):
        out.defects.append("the plain-text version only points to the HTML one")
        plain = None
    if plain is not None:
        out.body.extend(s for s in plain.body if s[0] == "text")
    elif rich is not None:
        out.body.extend(s for s in rich.body if s[0] == "html")
    if rich is not None:
        out.htmls.extend(rich.htmls)


def _stands_in_for_html(plain: _Collector, rich: _Collector) -> bool:
    """A stock line some mailers put where the plain text should be ("This is an HTML
    message. Please use an HTML capable mail program to read it"): short, about HTML,
    and not what the HTML version says. The HTML is read only for such a line."""
    text = "\n".join(t for kind, t in plain.body if kind == "text")
    if len(text) > _STUB_MAX_CHARS or "html" not in text.lower():
        return False
    from daemon.ingest.parse import html_text as text_of     # the one HTML-to-text seam
    words = _WORD.findall(text.lower())
    html_text = "\n".join(text_of(h) for kind, h in rich.body if kind == "html")
    shown = set(_WORD.findall(html_text.lower()))
    return bool(shown) and 2 * sum(w in shown for w in words) < len(words)


def _visit_epilogue(part: Message, out: _Collector) -> None:
    """Parts after a premature close delimiter (or a boundary reused by a nested
    multipart) land in the epilogue; read them rather than lose an attachment."""
    boundary, epilogue = part.get_boundary(), part.epilogue
    if not boundary or not epilogue or f"--{boundary}" not in epilogue:
        return
    for chunk in re.split(rf"^--{re.escape(boundary)}(?:--)?[ \t]*\r?$", epilogue,
                          flags=re.MULTILINE):
        chunk = chunk.lstrip("\r\n")
        if ":" in chunk.split("\n", 1)[0]:  # starts with a header: a real part
            out.defects.append("parts recovered from the epilogue")
            _visit(_reparse(chunk), out)


def _reboundaried(part: Message) -> Message | None:
    """A multipart whose declared boundary never appears, re-read with the delimiter
    its body actually uses; None when no delimiter line is found."""
    # The stored payload, not get_payload(): that replaces 8-bit octets with U+FFFD.
    body = part._payload if isinstance(part._payload, str) else ""
    boundary = _unfolded_boundary(part, body)
    if boundary is None:
        found = _DELIMITER.search(body)
        if not found:
            return None
        boundary = found.group(1)
    if not boundary.isascii():    # 8-bit octets in it: the stdlib reads the header's copy as U+FFFD
        ascii_only = "".join(c if c.isascii() else "_" for c in boundary)
        body, boundary = body.replace("--" + boundary, "--" + ascii_only), ascii_only
    head = f'Content-Type: multipart/mixed; boundary="{boundary}"\n\n'
    repaired = _reparse(head + body)
    return repaired if repaired.is_multipart() else None


def _unfolded_boundary(part: Message, body: str) -> str | None:
    """A boundary parameter folded over two lines ('boundary="simple<CRLF> boundary"'):
    the delimiter lines carry it unfolded, with or without the space."""
    declared = part.get_boundary() or ""
    if "\n" not in declared:
        return None
    for candidate in (re.sub(r"\r?\n", "", declared), re.sub(r"\r?\n[ \t]*", "", declared)):
        if re.search(rf"^--{re.escape(candidate)}[ \t]*\r?$", body, re.MULTILINE):
            return candidate
    return None


def _reparse(text: str) -> Message:
    # Back to bytes first: the 8-bit octets ride in the text as surrogate escapes.
    return message_from_bytes(text.encode("utf-8", "surrogateescape"), policy=compat32)


def is_body(part: Message, ctype: str) -> bool:
    """Unnamed, non-attached text is the body; a multipart beyond repair arrives
    here as one string and is read as text rather than lost."""
    if part.get_content_maintype() == "multipart":
        return True
    if ctype not in _BODY_TYPES:
        return False
    return _disposition(part) != "attachment" and not _raw_filename(part)


def _add_body(part: Message, ctype: str, out: _Collector) -> None:
    payload = _payload_bytes(part)
    declared = _declared_charset(part)
    wide = utf16_byte_order(payload) if b"\x00" in payload[:4096] else None
    if wide and not _WIDE_CHARSET.search(declared or ""):
        out.defects.append(f"charset {declared!r} wrong; read as {wide}" if declared
                           else f"charset undeclared; read as {wide}")
        declared = wide
    elif wide and declared and declared.lower() in _UNORDERED_UTF16:
        declared = wide       # "utf-16" with no byte order mark: the NULs tell the order
    if _binary(payload) and not _WIDE_CHARSET.search(declared or ""):
        # a file sent as an unnamed text part (a zip labelled text/html): kept, not shown
        out.attachments.append(Attachment(safe_filename(_raw_filename(part), _BINARY, len(out.attachments) + 1),
                                          _BINARY, payload, _content_id(part), _is_inline(part)))
        out.defects.append(f"binary data in a {ctype} part kept as an attachment")
        return
    if declared is None and ctype == "text/html":
        declared = meta_charset(payload)
    text, note = decode_bytes(payload, declared, out.charset_hint)
    if note:
        out.defects.append(note)
    if "\r" in text:   # a CRLF encoded inside quoted-printable or base64
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if ctype == "text/plain" and "flowed" in str(part.get("content-type", "")).lower() \
            and _param(part, "format") == "flowed":
        text = unflow(text, delsp=_param(part, "delsp") == "yes")
    if text.startswith("\ufeff"):   # a byte order mark would hide a first-line #command
        text = text[1:]
    if "\ufffc" in text:   # Apple Mail's "an image stood here": the image is an attachment
        text = text.replace("\ufffc", "")
    if ctype in ENRICHED_TYPES:
        text = enriched_to_text(text, richtext=ctype == "text/richtext")
    if ctype == "text/plain" and _UU_BEGIN.search(text):
        text = _without_uuencoded_files(text, out)
    if ctype == "text/plain":
        text = signed_text(text)
    if ctype == "text/html":
        text, images = inline_data_images(text, len(out.attachments))
        out.attachments.extend(images)
    _add_text("html" if ctype == "text/html" else "text", text, out)


def _add_text(kind: str, text: str, out: _Collector) -> None:
    if kind == "html":
        out.htmls.append(text)
        out.body.append(("html", text))
    elif text:
        out.body.append(("text", text))


def _binary(payload: bytes) -> bool:
    """Many NUL bytes: a file's; a stray one in a mailer's text is only dropped."""
    sample = payload[:4096]
    return sample.count(b"\x00") > max(2, len(sample) // 200)


def _leaf_attachment(part: Message, ctype: str, index: int,
                     refs: Mapping[str, BodyRef]) -> Attachment:
    ref = _body_ref(part, refs)
    name = _raw_filename(part) or _location_name(part)
    payload = b"" if ref is not None else _payload_bytes(part)
    ctype = _file_type(ctype, name, payload)
    return Attachment(
        filename=safe_filename(name, ctype, index),
        content_type=ctype,
        payload=payload,
        content_id=_content_id(part),
        inline=_is_inline(part),
        body_ref=ref,
    )


def _file_type(declared: str, name: str, head: bytes) -> str:
    """The standard name of the declared type; for "some file" (octet-stream and its
    kin, or no type at all: a file in winmail.dat or uuencoded) what the file's name
    says, else what its first bytes say (`head` is empty for a large file read later
    from the raw message), else as declared."""
    if "*" in declared:         # "*/*": a pattern, no type (a scanner's, an Odoo user's)
        declared = _BINARY
    if declared in _TYPE_ALIASES:
        return _TYPE_ALIASES[declared]
    if declared not in _UNTYPED:
        return declared
    named = _type_of_name(name) if name else _BINARY
    if named != _BINARY:
        return _TYPE_ALIASES.get(named, named)
    if head[4:12] in _HEIF_BRANDS:
        return "image/heic"
    return next((kind for signature, kind in _SIGNATURES if head.startswith(signature)), declared)


def _body_ref(part: Message, refs: Mapping[str, BodyRef]) -> BodyRef | None:
    """The large body a placeholder stands for, when the whole payload is one."""
    raw = part._payload
    if not refs or not isinstance(raw, str):
        return None
    if transfer_encoding(part) != "base64":
        return None
    return refs.get(raw.strip())


def _whole_attachment(part: Message, ctype: str, index: int) -> Attachment:
    payload = part._payload   # not get_payload(): it decodes with a charset that may be broken
    if isinstance(payload, list):
        # The stdlib splits these into sub-messages; their serialisation is the body.
        data = "\n".join(_as_text(m) for m in payload if isinstance(m, Message))
        body = data.encode("utf-8", "surrogateescape")
        encoding = transfer_encoding(part)
        if encoding == "base64":     # the stdlib parsed the still-encoded text as a message
            body = _base64_bytes(data)
        elif encoding == "quoted-printable":
            body = binascii.a2b_qp(body)
    else:
        body = _payload_bytes(part)
    name = _raw_filename(part) or _enclosed_subject(part, ctype)
    return Attachment(safe_filename(name, ctype, index), ctype, body, _content_id(part), _is_inline(part))


def _enclosed_subject(part: Message, ctype: str) -> str:
    """An enclosed message with no file name is saved under its subject, as mail
    clients do ("Pedido 1234.eml"), rather than as attachment-1.eml."""
    payload = part._payload
    if ctype not in ("message/rfc822", "message/global") or not isinstance(payload, list) or not payload \
            or not isinstance(payload[0], Message):
        return ""
    subject = _PATH_CHARACTERS.sub("_", decode_header_value(payload[0].get("subject", ""))).strip(" _")
    return f"{subject[:_SUBJECT_NAME_MAX].rstrip()}.eml" if subject else ""


def _as_text(message: Message) -> str:
    try:
        text = message.as_string()
    except Exception:  # noqa: BLE001 - a broken nested message is kept as its headers
        return "".join(f"{k}: {v}\n" for k, v in message.items())
    if any(isinstance(d, MissingHeaderBodySeparatorDefect) for d in message.defects):
        # the stdlib ended the headers at a line that is no header (in a quoted-printable
        # copy, the rest of a header broken by a soft line break) and writes a blank
        # line there that the mail does not have
        head, _, rest = text.partition("\n\n")
        text = head + "\n" + rest
    return text


def _payload_bytes(part: Message) -> bytes:
    raw = part._payload
    encoding = transfer_encoding(part) if isinstance(raw, str) else ""
    if encoding == "base64":
        if _NOT_BASE64_LINE.search(raw) is None:
            return _base64_bytes(raw)
        encoded = _without_appended_text(raw)
        return raw.encode("utf-8", "surrogateescape") if _plain_text(encoded) else _base64_bytes(encoded)
    if encoding in _UUENCODINGS and not _UU_BEGIN.search(raw):
        return _uu_bytes(raw)   # the stdlib decodes uuencode only after a "begin" line
    if encoding == "quoted-printable" and _written_encoding(part) != encoding:
        return binascii.a2b_qp(raw.encode("utf-8", "surrogateescape"))   # the stdlib wants the exact token
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - undecodable transfer encoding: keep the raw text
        data = None
    if isinstance(data, bytes):
        return data
    raw = part._payload  # get_payload() would already have replaced 8-bit octets
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def _base64_bytes(text: str) -> bytes:
    """Base64 as encoders really write it: chunks padded one by one and concatenated
    ("SGVsbG8=IHdvcmxk..."), a stray character at the end, junk between lines. The
    stdlib stops at the first padding or gives the encoded text back."""
    compact = _NOT_BASE64.sub("", text)
    chunks = _BASE64_CHUNK.findall(compact) if "=" in compact.rstrip("=") else [compact]
    out = []
    for chunk in chunks:
        body = chunk.rstrip("=")
        body = body[:-1] if len(body) % 4 == 1 else body   # a lone sextet holds no byte
        try:
            out.append(binascii.a2b_base64(body + "=" * (-len(body) % 4)))
        except binascii.Error:
            continue
    return b"".join(out)


def _without_appended_text(text: str) -> str:
    """The base64 lines without what was appended under them: a list footer, a
    signature, an epilogue whose delimiter was not recognised. Appended text starts
    after a blank line or after the padding that ends the data, or is a line no
    encoder writes (words and spaces)."""
    lines = text.splitlines()
    encoded = False
    for i, line in enumerate(lines):
        word = line.strip()
        if not word:
            continue
        if _NOT_BASE64_LINE.search(word) is None:
            encoded = True
            continue
        if encoded and (not lines[i - 1].strip() or lines[i - 1].rstrip().endswith("=") or " " in word):
            return "\n".join(lines[:i])
    return text


def _uu_bytes(text: str) -> bytes:
    """uuencoded lines with no "begin" and "end" around them, as some mailers send a
    part they label x-uuencode."""
    out = []
    for line in text.splitlines():
        line = line.rstrip("\r")
        if not line or line in ("`", "end") or line.startswith("begin "):
            continue
        if not line.isascii():
            continue            # no uuencoded line holds such a character
        try:
            out.append(binascii.a2b_uu(line))
        except binascii.Error:   # padding some encoders leave off or add
            length = (((ord(line[0]) - 32) & 63) * 4 + 5) // 3
            try:
                out.append(binascii.a2b_uu(line[:length]))
            except binascii.Error:
                continue
    return b"".join(out)


def _without_uuencoded_files(text: str, out: _Collector) -> str:
    """Files uuencoded into the body text ("begin 644 informe.pdf" ... "end"), as older
    clients and report generators still send them, become attachments; the body keeps
    only what was written around them."""
    lines, kept, i = text.split("\n"), [], 0
    while i < len(lines):
        begin = _UU_BEGIN_LINE.match(lines[i])
        end = _uu_block_end(lines, i + 1) if begin else None
        if begin is None or end is None:
            kept.append(lines[i])
            i += 1
            continue
        name, data = begin.group(1), _uu_bytes("\n".join(lines[i + 1:end]))
        ctype = _file_type(_BINARY, name, data)
        out.attachments.append(Attachment(safe_filename(name, ctype, len(out.attachments) + 1), ctype, data))
        i = end + 1
    return "\n".join(kept)


def _uu_block_end(lines: list[str], start: int) -> int | None:
    """The "end" line closing the uuencoded lines from `start`; None when a line
    before it is not uuencoded, as in prose that happens to start with "begin 644"."""
    for j in range(start, len(lines)):
        line = lines[j].rstrip()
        if line == "end":   # after the zero-length line every encoder writes
            return j if j > start + 1 and lines[j - 1].rstrip() in ("`", "") else None
        if line and not _uu_length_ok(line):
            return None
    return None


def _uu_length_ok(line: str) -> bool:
    """A uuencoded line: its first character gives the byte count, which fixes the
    length; shorter is fine, as mail servers strip the trailing blanks that encode zeros."""
    return _UU_LINE.fullmatch(line) is not None and \
        len(line) <= 2 + ((((ord(line[0]) - 32) & 63) + 2) // 3) * 4


def _plain_text(text: str) -> bool:
    """Text labelled base64 that is not (spaces and punctuation inside its lines):
    read as it is, not decoded into garbage."""
    return len(_NOT_BASE64_LINE.findall(text)) > max(2, len(text) // 50)


def transfer_encoding(part: Message) -> str:
    """Content-Transfer-Encoding, lower case, its first word only ("base64;",
    "quoted-printable (x)", "Quoted Printable"); "" when absent."""
    value = _written_encoding(part).strip()
    if _ENCODING_TOKEN.fullmatch(value):
        return value
    word = _ENCODING_WORD.match(value)
    return "quoted-printable" if value.startswith("quoted") else (word.group(0) if word else "")


def _written_encoding(part: Message) -> str:
    """As the stdlib reads it: a blank after the token is enough to leave the body undecoded."""
    return str(part.get("content-transfer-encoding", "")).lower()


def _disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:  # noqa: BLE001 - unparseable header parameters
        return ""


def _raw_filename(part: Message) -> str:
    if not _MAY_NAME.search(f"{part.get('content-type', '')}\n{part.get('content-disposition', '')}"):
        return ""       # no parameter that could name it: most parts, and read at once
    return _parameter(lambda: _extended(part, "filename", "content-disposition")
                      or _extended(part, "name", "content-type") or part.get_filename() or part.get_param("name")
                      # non-standard names some generators write: "file=", and "name=" on the disposition
                      or part.get_param("file") or part.get_param("name", header="content-disposition"))


def _extended(part: Message, name: str, header: str) -> str | None:
    """The RFC 2231 form (filename*=utf-8''R%C3%A9sum%C3%A9.pdf), which wins over the
    ASCII fallback written beside it; the stdlib returns whichever comes first."""
    if "*" not in str(part.get(header, "")):
        return None      # no extended parameter at all: the common case, cheaply
    value = next((value for key, value in part.get_params(header=header) or ()
                  if key.lower() == name and isinstance(value, tuple)), None)
    return collapse_rfc2231_value(value) if value else None


def _location_name(part: Message) -> str:
    """The file name at the end of Content-Location (or a filename parameter put on
    Content-Type), which some clients give an attachment instead of a name."""
    named = _parameter(lambda: part.get_param("filename"))
    if named.strip():
        return named
    location = decode_header_value(part.get("Content-Location", "")).strip()
    found = _LOCATION_NAME.search(location)
    return found.group(0).strip() if found else ""


def _parameter(read) -> str:
    """A header parameter's value, decoded; "" when absent or beyond repair."""
    try:
        name = read() or ""
    except Exception:  # noqa: BLE001 - broken RFC 2231 parameters
        return ""
    if isinstance(name, tuple):  # RFC 2231 value the stdlib could not collapse
        name = name[2] or ""
    return decode_header_value(name)


def _content_id(part: Message) -> str:
    return decode_header_value(part.get("Content-ID", "")).strip().strip("<>").strip()


def _is_inline(part: Message) -> bool:
    disposition = _disposition(part)
    return disposition == "inline" or (not disposition and bool(_content_id(part)))


def safe_filename(name: str, content_type: str, index: int) -> str:
    """Basename only, composed (NFC): no directories, control characters or leading
    dots, at most MAX_FILENAME characters with the extension kept; a default when
    nothing is left. A name Windows reserves for a device (CON, NUL.txt, COM1 ...) gets
    a leading "_", so staff can save the file."""
    base = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])   # macOS: "i" + accent
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    if _EXT_OK.match(base):       # only an extension (".pdf", as Exchange sends it): keep it
        return f"attachment-{index}{base}"
    base = base.lstrip(".").rstrip(". ").strip()
    if not base:
        return f"attachment-{index}{_default_extension(content_type)}"
    if _WINDOWS_DEVICE.match(base):
        base = "_" + base
    return _shorten(base)


def _shorten(name: str) -> str:
    if len(name) <= MAX_FILENAME:
        return name
    stem, dot, ext = name.rpartition(".")
    if dot and stem and _EXT_OK.match("." + ext):
        return stem[: MAX_FILENAME - len(ext) - 1].rstrip() + "." + ext
    return name[:MAX_FILENAME]


def _default_extension(content_type: str) -> str:
    return _EXTENSIONS.get(content_type) or _MIME.guess_extension(content_type) or ".bin"
