"""The rich-text body Outlook keeps inside TNEF (tnef.py): compressed (MS-OXRTFCP) and
often only a wrapper around the HTML or plain text the customer wrote (MS-OXRTFEX).
decompress(data) undoes the compression; readable(rtf) gives back the HTML or the text,
so a message whose only body is this one still shows what was written. Pure, bounded,
never raises: anything it cannot read gives None or less text, not an error."""
from __future__ import annotations

import re
import struct

from daemon.ingest.decode import windows_codec

MAX_RAW = 16 * 1024 * 1024
MAX_DEPTH = 256           # group nesting followed; deeper groups read as their parent
_COMPRESSED, _UNCOMPRESSED = 0x75465A4C, 0x414C454D      # "LZFu", "MELA"
# The dictionary every compressed RTF starts with (MS-OXRTFCP)
_PRELOAD = (b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss "
            b"\\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier"
            b"{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx")
_WINDOW = 4096

_TOKEN = re.compile(rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?|\\'([0-9a-fA-F]{2})|\\([^a-zA-Z'])|([{}])"
                    rb"|([^\\{}\r\n]+)|[\r\n]+|\\")
# Groups that hold no text of the message: tables, document properties, pictures, fields'
# instructions (their results are kept)
_SKIPPED = frozenset(b"""fonttbl colortbl stylesheet info pict object header headerl headerr
    headerf footer footerl footerr footerf listtable listoverridetable rsidtbl generator
    xmlnstbl themedata colorschememapping latentstyles datastore filetbl revtbl pgdsctbl
    nonshppict fldinst shpinst mmathPr author operator title comment""".split())
_BREAKS = {b"par": "\n", b"line": "\n", b"sect": "\n", b"page": "\n", b"row": "\n",
           b"tab": "\t", b"cell": "\t", b"emdash": "\u2014", b"endash": "\u2013",
           b"bullet": "\u2022", b"lquote": "\u2018", b"rquote": "\u2019",
           b"ldblquote": "\u201c", b"rdblquote": "\u201d", b"emspace": "\u2003",
           b"enspace": "\u2002"}
_SYMBOLS = {b"~": "\u00a0", b"_": "\u2011", b"\\": "\\", b"{": "{", b"}": "}",
            b"\n": "\n", b"\r": "\n", b"\t": "\t"}


def decompress(data: bytes) -> bytes | None:
    """The RTF of a PR_RTF_COMPRESSED value; None when it is not one."""
    if len(data) < 16:
        return None
    size, raw_size, kind = struct.unpack_from("<III", data)
    if raw_size > MAX_RAW:
        return None
    body = data[16:4 + size] if 16 <= 4 + size <= len(data) else data[16:]
    if kind == _UNCOMPRESSED:
        return body[:raw_size]
    if kind != _COMPRESSED:
        return None
    return _lzfu(body, raw_size)


def _lzfu(body: bytes, raw_size: int) -> bytes:
    window = bytearray(_WINDOW)
    window[:len(_PRELOAD)] = _PRELOAD
    write, out, at, end = len(_PRELOAD), bytearray(), 0, len(body)
    while at < end and len(out) < raw_size:
        control, at = body[at], at + 1
        for bit in range(8):
            if at >= end:
                break
            if not control >> bit & 1:
                value, at = body[at], at + 1
                out.append(value)
                window[write] = value
                write = (write + 1) % _WINDOW
                continue
            if at + 2 > end:
                return bytes(out[:raw_size])
            token, at = body[at] << 8 | body[at + 1], at + 2
            offset, length = token >> 4, (token & 0xF) + 2
            if offset == write:
                return bytes(out[:raw_size])          # the end marker
            for step in range(length):
                value = window[(offset + step) % _WINDOW]
                out.append(value)
                window[write] = value
                write = (write + 1) % _WINDOW
    return bytes(out[:raw_size])


def readable(rtf: bytes) -> tuple[str, str]:
    """("html", the HTML Outlook wrapped) for an RTF made from HTML (\\fromhtml1), else
    ("text", its text): what the message showed, for the same readers as a MIME body."""
    from_html = b"\\fromhtml1" in rtf[:2048]
    return ("html" if from_html else "text"), _Reader(from_html).read(rtf)


class _Reader:
    """One pass over the tokens with a stack of group states, as RTF readers do."""

    def __init__(self, from_html: bool) -> None:
        self.from_html = from_html
        self.codepage = "cp1252"
        self.out: list[str] = []
        self.pending = bytearray()         # \'hh bytes, decoded together (multi-byte code pages)
        # per open group: [skipped, html tag group, \htmlrtf on, chars to skip after \u]
        self.stack: list[list] = [[False, False, False, 1]]
        self.first = False                 # the next token is the first of its group
        self.skip_chars = 0
        self.too_deep = 0                  # groups opened beyond MAX_DEPTH, not on the stack

    def read(self, rtf: bytes) -> str:
        for found in _TOKEN.finditer(rtf):
            word, number, hexa, symbol, brace, text = found.groups()
            first, self.first = self.first, False
            if brace is not None:
                self._brace(brace)
            elif word is not None:
                self._word(word, number, first)
            elif hexa is not None:
                self._bytes(bytes([int(hexa, 16)]))
            elif symbol is not None:
                self._symbol(symbol, first)
            elif text is not None:
                self._bytes(text)
        self._flush()
        return "".join(self.out).replace("\x00", "")

    def _brace(self, brace: bytes) -> None:
        self._flush()
        if brace == b"{" and len(self.stack) >= MAX_DEPTH:
            self.too_deep += 1
        elif brace == b"{":
            self.stack.append(list(self.stack[-1]))
            self.first = True
        elif self.too_deep:
            self.too_deep -= 1
        elif len(self.stack) > 1:
            self.stack.pop()

    def _word(self, word: bytes, number: bytes | None, first: bool) -> None:
        state = self.stack[-1]
        if word == b"ansicpg" and number and number.isdigit():
            self._flush()
            self.codepage = windows_codec(int(number))
        elif first and word == b"htmltag" and self.from_html:
            state[1] = True
        elif first and word in _SKIPPED:
            state[0] = True
        elif word == b"htmlrtf":
            self._flush()
            state[2] = number != b"0"
        elif word == b"uc" and number is not None:
            state[3] = max(0, int(number))
        elif word == b"u" and number is not None:
            self._flush()
            self._emit(chr(int(number) % 65536))
            self.skip_chars = state[3]
        elif word in _BREAKS:
            self._flush()
            self._emit("\r\n" if word == b"par" and state[1] else _BREAKS[word])

    def _symbol(self, symbol: bytes, first: bool) -> None:
        state = self.stack[-1]
        if symbol == b"*" and first:
            self.first = True          # the destination's name comes next
            state[0] = True
        elif symbol in _SYMBOLS:
            self._flush()
            self._emit(_SYMBOLS[symbol])

    def _bytes(self, data: bytes) -> None:
        if self.skip_chars:
            taken = min(self.skip_chars, len(data))
            self.skip_chars -= taken
            data = data[taken:]
        if data and self._visible():
            self.pending += data

    def _emit(self, text: str) -> None:
        if self.skip_chars and len(text) == 1 and text != "\n":
            self.skip_chars -= 1
        elif self._visible():
            self.out.append(text)

    def _visible(self) -> bool:
        skipped, html_tag, htmlrtf, _ = self.stack[-1]
        if self.from_html:
            return html_tag or (not skipped and not htmlrtf)
        return not skipped

    def _flush(self) -> None:
        if self.pending:
            self.out.append(bytes(self.pending).decode(self.codepage, "replace"))
            self.pending.clear()
