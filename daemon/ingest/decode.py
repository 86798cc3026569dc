"""Turns the bytes and header strings of untrusted mail into readable text.

In: body bytes with their declared charset, or raw header values as the stdlib parser
keeps them (8-bit bytes smuggled in as surrogates). Out: str, plus a short defect
note when a fallback was needed. Never raises on bad input: mail is decoded with
replacement characters rather than refused.
"""
from __future__ import annotations

import codecs
import re
from email.header import decode_header

_FALLBACKS = ("utf-8",)
_LAST_RESORT = "cp1252"
_SMUGGLED = re.compile("[\udc80-\udcff]")
_FOLD = re.compile(r"\r?\n[ \t]*")
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
# Adjacent encoded words are joined without the whitespace between them (RFC 2047
# §6.2); the stdlib only does this when it can decode every word at once.
_BETWEEN_WORDS = re.compile(r"(\?=)\s+(=\?)")


# Senders declare a charset and write its common superset (as browsers assume too).
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "latin-1": "cp1252", "iso8859-1": "cp1252", "euc_kr": "cp949",
              "shift_jis": "cp932", "big5": "big5hkscs", "iso8859-8-i": "iso8859-8"}


def _codec(charset: str | None) -> str | None:
    """Python codec name for a declared charset, or None when unknown."""
    if not charset:
        return None
    name = charset.strip().strip('"').lower()
    try:
        name = codecs.lookup(name).name
    except LookupError:
        return _SUPERSETS.get(name)
    return _SUPERSETS.get(name, name)


# Japanese mail is often labelled with one of its encodings and written in another.
_SIBLINGS = {"iso2022_jp": ("cp932", "euc_jp"), "cp932": ("euc_jp",), "euc_jp": ("cp932",)}


def decode_bytes(data: bytes, declared: str | None) -> tuple[str, str | None]:
    """Declared charset (or a sibling of it), then utf-8; failing those, line by line:
    utf-8 where a line is (mostly) utf-8, cp1252 elsewhere, so one bad byte or one
    pasted latin-1 line does not turn the whole text into mojibake."""
    codec = _codec(declared)
    for candidate in ((codec,) + _SIBLINGS.get(codec, ()) if codec else ()) + _FALLBACKS:
        try:
            return data.decode(candidate), _fallback_note(declared, codec, candidate)
        except UnicodeDecodeError:
            continue
    note = (f"charset {declared or 'undeclared'!s} undecodable; "
            f"read line by line as utf-8 or {_LAST_RESORT}")
    return "".join(map(_decode_line, data.splitlines(keepends=True))), note


def _decode_line(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = line.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for c in text if c > "\x7f") - bad
    return text if bad <= good else line.decode(_LAST_RESORT, errors="replace")


def _fallback_note(declared: str | None, codec: str | None, used: str) -> str | None:
    if declared and codec is None:
        return f"unknown charset {declared!r}; read as {used}"
    if declared and codec != used:
        return f"charset {declared!r} wrong; read as {used}"
    return None


def unsmuggle(value: str, hint: str | None = None) -> str:
    """Recover 8-bit header bytes that the stdlib carried as surrogate escapes:
    utf-8 first (what modern clients send raw), then the part's own charset."""
    if not _SMUGGLED.search(value):
        return value
    data = value.encode("ascii", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        text, _ = decode_bytes(data, hint)
    return text


def unfold(value: str) -> str:
    return _FOLD.sub(" ", value).strip()


def decode_header_value(value: object, hint: str | None = None) -> str:
    """Unfolded, RFC 2047-decoded text of one header value; raw text if undecodable."""
    text = unfold(unsmuggle(str(value), hint))
    if "=?" not in text:
        return text
    text = _BETWEEN_WORDS.sub(r"\1\2", text)
    # Word by word, so one broken encoded word cannot spoil the rest of the header.
    return _ENCODED_WORD.sub(lambda m: _decode_word(m.group(0)), text)


def _decode_word(word: str) -> str:
    try:
        [(chunk, charset)] = decode_header(word)
    except Exception:  # noqa: BLE001 - malformed encoded word: keep it readable as-is
        return word
    if isinstance(chunk, str):
        return chunk
    text, _ = decode_bytes(chunk, charset or "us-ascii")
    return text
