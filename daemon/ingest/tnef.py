"""Outlook's TNEF part (winmail.dat, application/ms-tnef). Outlook and Exchange wrap a
rich-text message's files, and sometimes its whole body, in this one binary part that
no other mail reader opens: a customer's invoice would reach the ticket as
"winmail.dat", and no warranty rule would ever see the PDF. read_tnef(data) takes out
the files and the body (MS-OXTNEF). Pure, bounded, never raises: a stream it cannot
read, or reads only in part, gives None or what it read."""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

from daemon.ingest import rtf
from daemon.ingest.decode import decode_bytes, meta_charset, windows_codec

SIGNATURE = 0x223E9F78
MAX_ATTRIBUTES = 100_000
MAX_FILES = 1000
MAX_PROPERTIES = 10_000
_ATTACHMENT_LEVEL = 2
# attributes, by their id (the low word; the high word repeats their type)
_BODY, _MESSAGE_PROPERTIES, _CODEPAGE = 0x800C, 0x9003, 0x9007
_FILE_START, _FILE_TITLE, _FILE_DATA, _FILE_PROPERTIES = 0x9002, 0x8010, 0x800F, 0x9005
# MAPI properties
_PR_BODY, _PR_RTF_COMPRESSED, _PR_HTML = 0x1000, 0x1009, 0x1013
_PR_DISPLAY_NAME, _PR_ATTACH_DATA, _PR_ATTACH_FILENAME = 0x3001, 0x3701, 0x3704
_PR_ATTACH_LONG_FILENAME, _PR_ATTACH_MIME_TAG = 0x3707, 0x370E
_PR_ATTACH_CONTENT_ID, _PR_INTERNET_CPID, _PR_ATTACHMENT_HIDDEN = 0x3712, 0x3FDE, 0x7FFE
# value types: bytes each fixed-size value takes in the stream; the others carry a length
_FIXED = {0x0001: 4, 0x0002: 4, 0x0003: 4, 0x0004: 4, 0x0005: 8, 0x0006: 8, 0x0007: 8,
          0x000A: 4, 0x000B: 4, 0x0014: 8, 0x0040: 8, 0x0048: 16}
_STRING8, _UNICODE, _OBJECT = 0x001E, 0x001F, 0x000D
_BINARY = 0x0102
_VARIABLE = (_STRING8, _UNICODE, _BINARY, _OBJECT)
_MULTIPLE = 0x1000


@dataclass(frozen=True)
class TnefFile:
    name: str              # as Outlook gave it (long name first); not yet made safe
    content_type: str      # "" when Outlook gave none
    data: bytes
    content_id: str = ""
    hidden: bool = False   # an image the rich-text body shows in place


@dataclass(frozen=True)
class Tnef:
    files: tuple[TnefFile, ...]
    body: tuple[str, str] | None     # ("text" | "html", what it says), None when it has none


@dataclass
class _File:
    title: bytes = b""
    data: bytes | None = None
    properties: dict[int, tuple[int, bytes]] = field(default_factory=dict)


def is_tnef(data: bytes) -> bool:
    return len(data) >= 6 and struct.unpack_from("<I", data)[0] == SIGNATURE


def read_tnef(data: bytes) -> Tnef | None:
    """The files and body of a TNEF stream; None when `data` is not one or holds
    neither (a stream of only a message class: nothing to show instead of it)."""
    if not is_tnef(data):
        return None
    codepage, body_text, message = "cp1252", b"", {}
    files: list[_File] = []
    for level, ident, value in _attributes(data):
        if ident == _CODEPAGE and len(value) >= 4:
            codepage = windows_codec(struct.unpack_from("<I", value)[0])
        elif level != _ATTACHMENT_LEVEL:
            if ident == _BODY:
                body_text = value
            elif ident == _MESSAGE_PROPERTIES:
                message = _properties(value)
        else:
            if ident == _FILE_START or not files:
                if len(files) >= MAX_FILES:
                    break
                files.append(_File())
            _add_to_file(files[-1], ident, value)
    found = tuple(f for f in (_file(item, codepage) for item in files) if f is not None)
    body = _body(body_text, message, codepage)
    return Tnef(found, body) if found or body else None


def _attributes(data: bytes):
    """(level, id, value) of each attribute, up to the first that does not fit."""
    at, end = 6, len(data)
    for _ in range(MAX_ATTRIBUTES):
        if at + 9 > end:
            return
        level, ident, length = struct.unpack_from("<BII", data, at)
        start = at + 9
        if start + length > end:
            return                   # cut short: what came before is kept
        yield level, ident & 0xFFFF, data[start:start + length]
        at = start + length + 2      # the checksum after each value is not checked


def _add_to_file(item: _File, ident: int, value: bytes) -> None:
    if ident == _FILE_TITLE:
        item.title = value
    elif ident == _FILE_DATA:
        item.data = value
    elif ident == _FILE_PROPERTIES:
        item.properties = _properties(value)


def _file(item: _File, codepage: str) -> TnefFile | None:
    props = item.properties
    data = item.data
    if data is None and _PR_ATTACH_DATA in props:
        kind, data = props[_PR_ATTACH_DATA]
        if kind == _OBJECT:
            data = data[16:]         # after the interface id
    if data is None:
        return None                  # a file's name with no file (a rendering only)
    name = next((n for n in (_text(props.get(p), codepage) for p in
                             (_PR_ATTACH_LONG_FILENAME, _PR_ATTACH_FILENAME, _PR_DISPLAY_NAME)) if n),
                _string(item.title, codepage))
    return TnefFile(name=name, content_type=_text(props.get(_PR_ATTACH_MIME_TAG), codepage).lower(),
                    data=data, content_id=_text(props.get(_PR_ATTACH_CONTENT_ID), codepage),
                    hidden=bool(_number(props.get(_PR_ATTACHMENT_HIDDEN))))


def _body(body_text: bytes, message: dict[int, tuple[int, bytes]], codepage: str) -> tuple[str, str] | None:
    if text := _text(message.get(_PR_BODY), codepage) or _string(body_text, codepage):
        return "text", _lines(text)
    if html := _html(message.get(_PR_HTML), message.get(_PR_INTERNET_CPID), codepage):
        return "html", html
    compressed = message.get(_PR_RTF_COMPRESSED)
    if compressed is not None and (source := rtf.decompress(compressed[1])):
        kind, content = rtf.readable(source)
        if content.strip():
            return kind, _lines(content)
    return None


def _html(prop: tuple[int, bytes] | None, cpid: tuple[int, bytes] | None, codepage: str) -> str:
    """Outlook keeps the HTML as bytes in the message's internet code page, which its
    <meta> usually names too."""
    if prop is None or prop[0] != _BINARY:
        return _text(prop, codepage)
    declared = meta_charset(prop[1]) or (windows_codec(_number(cpid)) if cpid else codepage)
    return decode_bytes(prop[1].split(b"\x00", 1)[0], declared)[0].strip()


def _properties(data: bytes) -> dict[int, tuple[int, bytes]]:
    """MAPI properties by id: (type, first value's bytes). Stops at a type it does not
    know, whose length it cannot tell, keeping what came before."""
    found: dict[int, tuple[int, bytes]] = {}
    try:
        count, at = struct.unpack_from("<I", data)[0], 4
        for _ in range(min(count, MAX_PROPERTIES)):
            kind, ident = struct.unpack_from("<HH", data, at)
            at += 4
            if ident >= 0x8000:                      # named: a GUID, then a number or a name
                at += 16
                named_by_string = struct.unpack_from("<I", data, at)[0]
                at += 4
                at += 4 if not named_by_string else 4 + _padded(struct.unpack_from("<I", data, at)[0])
            base = kind & ~_MULTIPLE
            if base not in _FIXED and base not in _VARIABLE:
                break
            values = struct.unpack_from("<I", data, at)[0] if kind & _MULTIPLE or base in _VARIABLE else 1
            at += 4 if kind & _MULTIPLE or base in _VARIABLE else 0
            first = None
            for _ in range(min(values, MAX_PROPERTIES)):
                if base in _VARIABLE:
                    size = struct.unpack_from("<I", data, at)[0]
                    value, at = data[at + 4:at + 4 + size], at + 4 + _padded(size)
                else:
                    value, at = data[at:at + _FIXED[base]], at + _FIXED[base]
                first = value if first is None else first
            if at > len(data):
                break
            if first is not None:
                found.setdefault(ident, (base, first))
    except struct.error:
        pass                                          # cut short: keep what was read
    return found


def _padded(size: int) -> int:
    return (size + 3) // 4 * 4


def _text(prop: tuple[int, bytes] | None, codepage: str) -> str:
    if prop is None:
        return ""
    kind, value = prop
    if kind == _UNICODE:
        return value.decode("utf-16-le", "replace").split("\x00", 1)[0].strip()
    if kind in (_STRING8, _BINARY):
        return _string(value, codepage)
    return ""


def _string(value: bytes, codepage: str) -> str:
    return value.split(b"\x00", 1)[0].decode(codepage, "replace").strip()


def _number(prop: tuple[int, bytes] | None) -> int:
    if prop is None or len(prop[1]) < 4:
        return 0
    return struct.unpack_from("<I", prop[1])[0]


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
