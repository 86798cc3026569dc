"""The mail parser adapter: raw RFC 5322 bytes in, one `ParsedMessage` out.

The only module importing mail-parser. Survives malformed mail: when mail-parser fails
the stdlib parser is tried, and problems become `defects`, not exceptions; only input
with nothing to parse raises `UnparseableMessage`. Large base64 attachments come out as
references into `raw`, never decoded here (large.py). No network, disk or database.
"""
from __future__ import annotations

import email
import hashlib
import logging
import re
from datetime import datetime, timezone
from email.errors import FirstHeaderLineIsContinuationDefect, MissingHeaderBodySeparatorDefect
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from typing import Mapping

import mailparser

from daemon.ingest.decode import ENCODED_RUN, decode_header_value, legacy_codec, unfold
from daemon.ingest.identity import body_start
from daemon.ingest.large import slim
from daemon.ingest.message import BodyRef, ParsedMessage
from daemon.ingest.mime_parts import Parts, mend_header_block, repair_headers, split_parts

# mail-parser logs every part it does not render (DSN status parts, rfc822 headers)
# at WARNING; we report parse problems ourselves, as defects on the message.
logging.getLogger("mailparser").setLevel(logging.ERROR)

MISSING_ID_DOMAIN = "missing-message-id.invalid"
# A message id as written: in angle brackets (a fold or a space inside them is no part
# of it), cut off before its ">" at the end of the header, or bare with its "@"
_MSGID = re.compile(r"<([^<>]*)>|<([^<>\s]+)\s*$|([^\s<>,;]+)")
_WHITESPACE = re.compile(r"\s+")
_SPACED_MAILBOX = re.compile(r"<\s*[^<>@\s]+\s+[^<>@]*@[^<>]*>")
_PLAIN_ADDRESS = re.compile(r"[^\s<>\"(),;:@]+@[^\s<>\"(),;:@]+")
_TAGS = re.compile(r"<[^>]*>")
_AROUND_DOTS = re.compile(r"\s*([@.])\s*")
_COMMENT = re.compile(r"\(([^()]{1,200})\)")
# "ceo@victim.example"@attacker.example is a mailbox at attacker.example, whatever its
# quoted local part says: kept whole, never cut down to the address inside the quotes
_QUOTED_LOCAL = re.compile(r'"[^"\r\n]{1,64}"@[^\s<>"(),;:@]+')
_ATOM = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
# "+01:00" and zone names the stdlib reads as UTC without a word (it knows only the
# American ones)
_COLON_OFFSET = re.compile(r"([+-]\d{2}):(\d{2})(?=\s*(?:\(.*\))?\s*$)")
_ZONES = {"CET": "+0100", "CEST": "+0200", "MET": "+0100", "MEST": "+0200", "WET": "+0000",
          "WEST": "+0100", "BST": "+0100", "EET": "+0200", "EEST": "+0300", "MSK": "+0300",
          "IST": "+0530", "SGT": "+0800", "HKT": "+0800", "JST": "+0900", "KST": "+0900",
          "AEST": "+1000", "AEDT": "+1100", "NZST": "+1200", "NZDT": "+1300", "ART": "-0300",
          "BRT": "-0300", "CLT": "-0400", "COT": "-0500", "PET": "-0500", "VET": "-0400",
          "UYT": "-0300", "MEZ": "+0100", "MESZ": "+0200", "NST": "-0330", "NDT": "-0230",
          "HST": "-1000", "AKST": "-0900", "AKDT": "-0800", "NZT": "+1200", "WIB": "+0700",
          "ICT": "+0700", "PHT": "+0800", "SAST": "+0200", "EAT": "+0300", "AWST": "+0800",
          "ACST": "+0930", "ACDT": "+1030", "BRST": "-0200", "CLST": "-0300", "PKT": "+0500"}
# Months as mailers in other languages write them ("23 ene 2026", "Mi., 23 Apr. 2025",
# "jue ago 30 13:55:12 2007"); the stdlib knows only the English abbreviations
_MONTHS = {"ene": "Jan", "janv": "Jan", "gen": "Jan", "jän": "Jan", "fév": "Feb", "févr": "Feb",
           "fev": "Feb", "mär": "Mar", "mrz": "Mar", "mars": "Mar", "abr": "Apr", "avr": "Apr",
           "mai": "May", "mei": "May", "mag": "May", "juin": "Jun", "giu": "Jun", "juil": "Jul",
           "lug": "Jul", "ago": "Aug", "août": "Aug", "set": "Sep", "sept": "Sep", "okt": "Oct",
           "ott": "Oct", "out": "Oct", "dic": "Dec", "déc": "Dec", "dez": "Dec"}
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_MONTH_WORD = re.compile(r"(?<![\w.])(" + _MONTH_NAMES + r"|[A-Za-z]{3})\.(?=\s)|"
                         r"(?<![\w.])(" + _MONTH_NAMES + r")(?=\s)", re.IGNORECASE)
_ASCTIME_WEEKDAY = re.compile(r"^\s*[^\W\d_]{2,4}\.?\s+(?=[A-Za-z]{3}\s+\d{1,2}\s+\d{1,2}:)")
_SHORT_OFFSET = re.compile(r"([+-]\d{2})(?=\s*(?:\(.*\))?\s*$)")
_MERIDIEM = re.compile(r"\b(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap])\.?m\.?(?![a-z])", re.IGNORECASE)
_GMT_OFFSET = re.compile(r"\b(?:GMT|UTC)\s*([+-])(\d{1,2})(?::?(\d{2}))?\s*$", re.IGNORECASE)
_ZONE_NAME = re.compile(r"(\d\d:\d\d(?::\d\d)?)\s+(" + "|".join(_ZONES) + r")\b", re.IGNORECASE)
_HEADER_BLOCK_DEFECTS = (MissingHeaderBodySeparatorDefect, FirstHeaderLineIsContinuationDefect)
_BLANK_LINE = re.compile(rb"\n\r?\n")
_BLANK_LINES = re.compile(rb"\A(?:[ \t]*\r?\n)+")      # a line of spaces is blank too
_DOUBLED_CR = re.compile(rb"\r\r+\n")
_HEADER_LINE = re.compile(rb"[ \t]|[!-9;-~]+[ \t]*:")
_BOUNDARY = re.compile(rb'boundary\s*=\s*"?([^"\s;]+)', re.IGNORECASE)
_MIME_FIELD = re.compile(rb"(?:content-(?:type|transfer-encoding|disposition)|mime-version)[ \t]*:", re.IGNORECASE)
_AT_NAME = re.compile(r'(^|,)(\s*)([^,"<>()]*@[^,"<>()]*?)(\s*<[^<>@\s]+@[^<>\s]+>)')
_SPECIALS = re.compile(r'[,;:<>@"]')
_ANGLE_WITH_COMMENT = re.compile(r"<[^<>()]*\([^<>]*>")
_COMMENT_RUN = re.compile(r"\((?:[^()\\]|\\.)*\)")
_ANGLE_ADDRESS = re.compile(r"<\s*([^<>@\s]+@[^<>\s]+?)\s*>")


class UnparseableMessage(Exception):
    """Nothing usable could be read from the input; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_message(raw: bytes) -> ParsedMessage:
    # isspace() rather than strip(): no copy of a large message
    if not raw or raw.isspace():
        raise UnparseableMessage("empty input")
    digest = hashlib.sha256(raw).hexdigest()
    slimmed = slim(raw, digest)
    if slimmed is not None:
        parsed = _parse(slimmed.raw, digest, slimmed.refs)
        placed = [a.body_ref for a in parsed.attachments if a.body_ref is not None]
        if len(placed) == len(slimmed.refs) and set(placed) == set(slimmed.refs.values()):
            return parsed
        # The parser read the structure differently from the scan: a placeholder did not
        # become an attachment of its own, so read the original instead.
    return _parse(raw, digest, {})


def _parse(raw: bytes, digest: str, refs: Mapping[str, BodyRef]) -> ParsedMessage:
    if b"\r\r\n" in raw:
        raw = _single_cr_in_headers(raw)
    raw, header_codec = _legacy_headers_as_utf8(raw)
    message, mp_date, defects = _load(raw)
    if _broken_header_block(message, raw):
        mended = mend_header_block(raw)
        if mended is not None:
            message, mp_date, defects = _load(mended)
            defects = defects + ["a broken header block was mended"]
    elif message.get("content-type") is None and (joined := _headers_after_gap(raw)) is not None:
        message, mp_date, defects = _load(joined)
        defects = defects + ["a blank line inside the header block was removed"]
    try:
        repair_headers(message)
        parts = split_parts(message, refs, header_codec)
    except RecursionError:
        raise UnparseableMessage("MIME nesting too deep") from None
    headers = _headers(message)
    message_id = _first_id(_header(headers, "message-id"))
    date, date_note = _date(_header(headers, "date"), mp_date)
    from_name, from_addr = _group_sender(message, *_first_address(message, "from"))
    return ParsedMessage(
        message_id=message_id or f"{digest[:32]}@{MISSING_ID_DOMAIN}",
        has_message_id=bool(message_id),
        raw_sha256=digest,
        subject=_header(headers, "subject"),
        from_addr=from_addr,
        from_name=from_name,
        to=_addresses(message, "to"),
        cc=_addresses(message, "cc"),
        reply_to=_addresses(message, "reply-to"),
        in_reply_to=_ids(_header(headers, "in-reply-to")),
        references=_ids(" ".join(v for k, v in headers if k == "references")),
        date=date,
        content_type=message.get_content_type(),
        headers=headers,
        text=_text(parts),
        html=parts.html,
        attachments=parts.attachments,
        defects=tuple(dict.fromkeys(defects + list(parts.defects) + date_note)),
    )


def _legacy_headers_as_utf8(raw: bytes) -> tuple[bytes, str | None]:
    """Headers written raw in a legacy charset (GBK, Shift_JIS, KOI8-R...) instead of
    encoded words: one guess over all of them, since a four-byte name alone is too
    little to tell Chinese from Japanese, and the header block re-written in UTF-8.
    The charset found is returned too: an undeclared body is likely in the same."""
    end = _header_end(raw)
    block = raw[:end]
    if block.isascii():
        return raw, None
    codec = legacy_codec(block)
    if codec is None:       # UTF-8 or Western: each value is read on its own, as before
        return raw, None
    return block.decode(codec, errors="replace").encode("utf-8") + raw[end:], codec


def _single_cr_in_headers(raw: bytes) -> bytes:
    """A header line ending in CR CR LF (Tencent's mail) reads as a line and a blank
    one: the headers would end there and the rest of them become the text."""
    end = _header_end(raw)
    return _DOUBLED_CR.sub(b"\r\n", raw[:end]) + raw[end:]


def _header_end(raw: bytes) -> int:
    """Where the header block ends: at its blank line, or at the end of a message that has none."""
    blank = _BLANK_LINE.search(raw)
    return blank.start() if blank else len(raw)


def _headers_after_gap(raw: bytes) -> bytes | None:
    """A blank line inside the header block, with the MIME headers after it (some
    invoice and Notes gateways): the body opens with them, the message has none."""
    start = body_start(raw)
    rest = _BLANK_LINES.sub(b"", raw[start:], count=1)
    if not _MIME_FIELD.match(rest):
        return None
    block = rest[:body_start(rest)].rstrip(b"\r\n").split(b"\n")
    if not all(_HEADER_LINE.match(line) for line in block):
        return None       # prose that opens with "Content-Type:"
    boundary = _BOUNDARY.search(b"\n".join(block))
    if sum(1 for line in block if _MIME_FIELD.match(line)) < 2 and \
            not (boundary and b"\n--" + boundary.group(1) in rest):
        return None
    head = raw[:start].rstrip(b"\r\n")
    return head + (b"\r\n" if b"\r\n" in head else b"\n") + rest


def _broken_header_block(message: Message, raw: bytes) -> bool:
    """The stdlib stopped reading headers early (a stray line, "Subject : x"), read an
    indented first header as a continuation, or found none after a leading blank line."""
    if any(isinstance(d, _HEADER_BLOCK_DEFECTS) for d in message.defects):
        return True
    return raw[:1] in (b"\n", b"\r") and not message.keys()


def _load(raw: bytes) -> tuple[Message, datetime | None, list[str]]:
    """mail-parser first; the stdlib parser when it fails on hostile input."""
    try:
        parsed = mailparser.parse_from_bytes(raw)
        message = parsed.message
        if isinstance(message, Message):
            return message, _mp_date(parsed), []
        failure = "mail-parser returned no message"
    except Exception as exc:  # noqa: BLE001 - any library failure means: try stdlib
        failure = f"mail-parser failed: {type(exc).__name__}"
    try:
        message = email.message_from_bytes(raw, policy=compat32)
    except Exception as exc:  # noqa: BLE001 - includes RecursionError on deep nesting
        raise UnparseableMessage(f"{failure}; stdlib parser failed: {type(exc).__name__}")
    return message, None, [failure]


def _mp_date(parsed: object) -> datetime | None:
    try:
        value = parsed.date  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - mail-parser's date is only a fallback
        return None
    return value if isinstance(value, datetime) else None


def _headers(message: Message) -> tuple[tuple[str, str], ...]:
    # The raw list, not items(): compat32 turns 8-bit values into Header objects.
    raw = getattr(message, "_headers", None) or message.items()
    return tuple((str(k).strip().lower(), decode_header_value(v)) for k, v in raw)


def _header(headers: tuple[tuple[str, str], ...], name: str) -> str:
    return next((value for key, value in headers if key == name), "")


def _raw_values(message: Message, name: str) -> list[str]:
    """Undecoded values: encoded words are decoded per display name, after splitting,
    so a comma inside a decoded name cannot split one address into two."""
    return [_quoted_at_names(_semicolons_as_commas(_address_out_of_encoding(unfold(str(v)))))
            for v in message.get_all(name, [])]


def _semicolons_as_commas(value: str) -> str:
    """Outlook users type "a@x; Bob <b@x>": a list, not the end of a group (which only
    a "name:" opens)."""
    if ";" not in value:
        return value
    out, quoted, angle = [], False, 0
    for char in value:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "<>":
            angle += 1 if char == "<" else -1
        elif not quoted and angle <= 0 and char == ":":
            return value                  # a group: its ";" is its end
        out.append("," if char == ";" and not quoted and angle <= 0 else char)
    return "".join(out)


def _address_out_of_encoding(value: str) -> str:
    """`=?utf-8?Q?Ana_P=C3=A9rez_<ana@x>?=`: a mailer that encoded the whole mailbox,
    angle address included, hides the address inside what reads as a name. And
    `=?utf-8?Q?P=C3=A9rez,_Ana?=`, a comma (or ";", "@", "<") left raw inside an
    encoded word, would split the name: the word is quoted as the phrase it is."""
    if "=?" not in value:
        return value

    def unwrap(found: re.Match) -> str:
        word = found.group(0)
        decoded = decode_header_value(word)
        address = _ANGLE_ADDRESS.search(decoded)
        if address is None:
            quoted = value[found.start() - 1:found.start()] == '"'
            return f'"{word}"' if _SPECIALS.search(word) and not quoted else word
        name = decoded[:address.start()].strip().strip('"').replace("\\", "").replace('"', "")
        return (f'"{name}" ' if name else "") + f"<{address.group(1)}>"
    return ENCODED_RUN.sub(unwrap, value)


def _quoted_at_names(value: str) -> str:
    """`ana@cliente <ana@cliente.example>` with the display name quoted: unquoted, the
    stdlib splits a name with an "@" into an address of its own."""
    return _AT_NAME.sub(lambda m: f'{m[1]}{m[2]}"{m[3]}"{m[4]}', value)


def _parsed_addresses(values: list[str]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for value in values:
        if "<" in value and "(" in value:
            value = _ANGLE_WITH_COMMENT.sub(_drop_comments, value)
        if "<" in value and _SPACED_MAILBOX.search(value):
            # "<power quadrant system@x>": no address, rather than the stranger system@x
            value = _SPACED_MAILBOX.sub("<>", value)
        try:
            pairs = [(decode_header_value(n), _clean_address(a)) for n, a in getaddresses([value])]
        except Exception:  # noqa: BLE001 - hostile address syntax: no address, not a crash
            pairs = []
        # an address the parser glued together from pieces ("a@x.com www.x.com" gives
        # "a@x.comwww.x.com") is not in the header as written
        written = _AROUND_DOTS.sub(r"\1", value.lower()).replace('"', "")   # "d@ example.com" is folded, not glued
        pairs = [(n.strip().strip('"').strip(), a) for n, a in pairs if a and a.replace('"', "") in written]
        # addresses with no commas between them ("a@x b@x") read as one broken address
        found.extend(pairs or [("", _clean_address(a)) for a in _PLAIN_ADDRESS.findall(value)])
    return found


def _drop_comments(angle: re.Match) -> str:
    """RFC 5322 lets comments sit inside an address ("<pete(his account)@silly.test>");
    nested ones go one level per pass."""
    text = angle.group(0)
    for _ in range(3):
        text, found = _COMMENT_RUN.subn("", text)
        if not found:
            break
    return text


def _clean_address(value: str) -> str:
    """Lower-case address; from a mangled one (stray quote or bracket), the part that
    looks like an address."""
    value = value.strip().lower().rstrip(".")     # "ana@x.com." is ana@x.com: one customer
    if not value or _PLAIN_ADDRESS.fullmatch(value):
        return value
    if _QUOTED_LOCAL.fullmatch(value):
        local, _, domain = value.rpartition("@")
        return local[1:-1] + "@" + domain if _ATOM.fullmatch(local[1:-1]) else value
    found = _PLAIN_ADDRESS.search(value)
    return found.group(0) if found else ""


def _addresses(message: Message, name: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(addr for _, addr in _parsed_addresses(_raw_values(message, name))))


def _first_address(message: Message, name: str) -> tuple[str, str]:
    values = _raw_values(message, name)
    pairs = _parsed_addresses(values)
    if pairs:
        name, address = pairs[0]
        if len(pairs) == 1 and (not name or "," in values[0].split("<", 1)[0]):
            # "Doe, John <john@x>" unquoted: the parser keeps "John" and drops "Doe"
            written = _display_name(values[0], address)
            name = written if not name or (name in written and "," in written) else name
        return name, address
    return (_display_name(values[0], "") if values else ""), ""


def _display_name(value: str, address: str) -> str:
    """The name of a sender whose address part is empty or odd ('"Ana" <>', '""
    (Mail Delivery System)', 'Foo [x] <a@x>', 'Ana ana@x'): the words before the angle
    bracket, or the comment."""
    before = value.split("<", 1)[0]
    if address and (at := before.lower().find(address)) >= 0:   # the address is lower case
        before = before[:at] + " " + before[at + len(address):]
    before = _COMMENT.sub(" ", before).strip().strip('"<> ').strip()
    if before and "@" not in before:
        return decode_header_value(before)
    comment = _COMMENT.search(value)
    return decode_header_value(comment.group(1)).strip() if comment else ""


def _group_sender(message: Message, name: str, address: str) -> tuple[str, str]:
    """A group that rewrites From to its own address ("'Ana' via Soporte <soporte@...>",
    Google Groups, groups.io, for DMARC) names the person in X-Original-Sender or
    X-Original-From: the customer is them, not the group (and, when the group is the
    support address, not us)."""
    if " via " not in name and message.get("list-id") is None:
        return name, address
    original = (_parsed_addresses(_raw_values(message, "x-original-sender"))
                or _parsed_addresses(_raw_values(message, "x-original-from")))
    if not original or original[0][1] == address:
        return name, address
    shown = name.rsplit(" via ", 1)[0].strip().strip("'\"").strip() if " via " in name else ""
    return shown or original[0][0], original[0][1]


def _ids(value: str) -> tuple[str, ...]:
    """The same id whichever header holds it (threading compares them): brackets, folds
    and spaces dropped; bare ids ("a@x b@x", "a@x,b@x") and a bare token kept."""
    found = []
    for bracketed, cut, bare in _MSGID.findall(value):
        if bracketed or cut:
            found.append(_WHITESPACE.sub("", bracketed or cut))
        elif "@" in bare:
            found.append(bare.strip('"()'))
    found = [i for i in found if i]
    if not found and len(value.split()) == 1 and value.strip("<> \t"):
        found = [value.strip("<> \t")]  # an id with no "@" and no brackets ("1234567")
    return tuple(dict.fromkeys(found))


def _first_id(value: str) -> str:
    ids = _ids(value)
    return ids[0] if ids else value.strip().strip("<>").strip()


def _date(value: str, fallback: datetime | None) -> tuple[datetime | None, list[str]]:
    if not value:
        return None, []
    try:
        parsed = parsedate_to_datetime(_normal_date(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        parsed = _iso_date(value) or fallback
    if parsed is None:
        return None, ["unparseable Date header"]
    if parsed.tzinfo is None:  # "-0000" means UTC with no local zone known
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed, []


def _normal_date(value: str) -> str:
    """What the stdlib reads: "+01:00" and "GMT+1" as "+0100", zone names as offsets,
    "2:42:59 pm" as "14:42:59"."""
    value = _MONTH_WORD.sub(lambda m: _MONTHS.get((m[1] or m[2]).lower(), m[1] or m[2]), value)
    value = _ASCTIME_WEEKDAY.sub("", value)        # "jue Aug 30 13:55:12 2007": the weekday is no help
    value = _SHORT_OFFSET.sub(r"\g<1>00", value)    # "+01" is an hour, not a minute
    value = _MERIDIEM.sub(_twenty_four_hours, value)
    value = _GMT_OFFSET.sub(lambda m: f"{m[1]}{int(m[2]):02d}{m[3] or '00'}", value)
    return _ZONE_NAME.sub(_zone_offset, _COLON_OFFSET.sub(r"\1\2", value))


def _twenty_four_hours(found: re.Match) -> str:
    hour = int(found[1]) % 12 + (12 if found[4].lower() == "p" else 0)
    return f"{hour:02d}:{found[2]}" + (f":{found[3]}" if found[3] else "")


def _zone_offset(found: re.Match) -> str:
    return f"{found.group(1)} {_ZONES[found.group(2).upper()]}"


def _iso_date(value: str) -> datetime | None:
    """ISO 8601, as some web forms and scripts write the Date header."""
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def _text(parts: Parts) -> str:
    if all(kind == "text" for kind, _ in parts.body):
        return parts.text
    return "\n".join(text if kind == "text" else html_text(text) for kind, text in parts.body)


def html_text(html: str) -> str:
    """Plain text of an HTML-only message, via the shared HTML converter."""
    try:
        from daemon.ingest.html import html_to_text
    except ImportError:
        # The converter is optional at this seam: a crude tag strip keeps words.
        return re.sub(r"[ \t]+", " ", _TAGS.sub(" ", html)).strip()
    return html_to_text(html)
