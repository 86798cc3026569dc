"""Writes TNEF streams (winmail.dat) the way Outlook and Exchange lay them out, for the
tests of the reader: attributes with their checksums, MAPI property lists, files with
an 8.3 title and a long name, bodies as text, HTML or (uncompressed) RTF."""
from __future__ import annotations

import struct

SIGNATURE = 0x223E9F78
MESSAGE, ATTACHMENT = 1, 2
# attribute ids with their types in the high word, as Outlook writes them
TNEF_VERSION, CODEPAGE, MESSAGE_CLASS, BODY = 0x00089006, 0x00069007, 0x00078008, 0x0002800C
MESSAGE_PROPERTIES = 0x00069003
FILE_START, FILE_TITLE, FILE_DATA, FILE_PROPERTIES = 0x00069002, 0x00018010, 0x0006800F, 0x00069005
PT_LONG, PT_BOOLEAN, PT_STRING8, PT_UNICODE, PT_BINARY = 0x0003, 0x000B, 0x001E, 0x001F, 0x0102
PR_BODY, PR_RTF_COMPRESSED, PR_HTML, PR_INTERNET_CPID = 0x1000, 0x1009, 0x1013, 0x3FDE
PR_DISPLAY_NAME, PR_ATTACH_LONG_FILENAME, PR_ATTACH_MIME_TAG = 0x3001, 0x3707, 0x370E
PR_ATTACH_CONTENT_ID, PR_ATTACHMENT_HIDDEN = 0x3712, 0x7FFE


def attribute(level: int, ident: int, value: bytes) -> bytes:
    checksum = sum(value) & 0xFFFF
    return struct.pack("<BII", level, ident, len(value)) + value + struct.pack("<H", checksum)


def properties(*props: tuple[int, int, object]) -> bytes:
    """(type, id, value) each: an int for PT_LONG/PT_BOOLEAN, str or bytes otherwise."""
    out = [struct.pack("<I", len(props))]
    for kind, ident, value in props:
        out.append(struct.pack("<HH", kind, ident))
        if kind in (PT_LONG, PT_BOOLEAN):
            out.append(struct.pack("<I", int(value)))
            continue
        data = value.encode("utf-16-le") + b"\x00\x00" if kind == PT_UNICODE else \
            value.encode("cp1252") + b"\x00" if kind == PT_STRING8 else value
        out.append(struct.pack("<II", 1, len(data)) + data + b"\x00" * (-len(data) % 4))
    return b"".join(out)


def uncompressed_rtf(rtf: bytes) -> bytes:
    """A PR_RTF_COMPRESSED value in its stored ("MELA") form."""
    return struct.pack("<IIII", len(rtf) + 12, len(rtf), 0x414C454D, 0) + rtf


def tnef_file(data: bytes, title: str = "", long_name: str = "", mime: str = "",
              content_id: str = "", hidden: bool = False, data_first: bool = False) -> bytes:
    props = [(PT_UNICODE, PR_ATTACH_LONG_FILENAME, long_name)] if long_name else []
    props += [(PT_STRING8, PR_ATTACH_MIME_TAG, mime)] if mime else []
    props += [(PT_STRING8, PR_ATTACH_CONTENT_ID, content_id)] if content_id else []
    props += [(PT_BOOLEAN, PR_ATTACHMENT_HIDDEN, 1)] if hidden else []
    title_attr = attribute(ATTACHMENT, FILE_TITLE, title.encode("cp1252") + b"\x00") if title else b""
    data_attr = attribute(ATTACHMENT, FILE_DATA, data)
    pieces = [data_attr, title_attr] if data_first else [title_attr, data_attr]
    return (attribute(ATTACHMENT, FILE_START, b"\x01\x00\xff\xff\xff\xff" + b"\x00" * 8) + b"".join(pieces)
            + (attribute(ATTACHMENT, FILE_PROPERTIES, properties(*props)) if props else b""))


def tnef(*files: bytes, message_props: tuple = (), body: str = "", codepage: int = 1252) -> bytes:
    out = [struct.pack("<IH", SIGNATURE, 0x0AB1),
           attribute(MESSAGE, TNEF_VERSION, struct.pack("<I", 0x00010000)),
           attribute(MESSAGE, CODEPAGE, struct.pack("<II", codepage, 0)),
           attribute(MESSAGE, MESSAGE_CLASS, b"IPM.Microsoft Mail.Note\x00")]
    if body:
        out.append(attribute(MESSAGE, BODY, body.encode(f"cp{codepage}")))
    if message_props:
        out.append(attribute(MESSAGE, MESSAGE_PROPERTIES, properties(*message_props)))
    return b"".join(out + list(files))
