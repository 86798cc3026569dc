"""Turns the bytes and header strings of untrusted mail into readable text.

In: body bytes with their declared charset, or raw header values as the stdlib parser
keeps them (8-bit bytes smuggled in as surrogates). Out: str, plus a short defect
note when a fallback was needed. Never raises on bad input: mail is decoded with
replacement characters rather than refused.
"""
from __future__ import annotations

import binascii
import codecs
import re
from email.quoprimime import header_decode

from chardetng_py import detect as guess_legacy_charset

_FALLBACKS = ("utf-8",)
_LAST_RESORT = "cp1252"
_WESTERN = ("cp1252", "iso8859-15")   # iso-8859-1 is read as its superset cp1252
# Guessed legacy charsets of the Latin script: a guess between them is a guess between
# "ñ" and "ń", so unlabelled Latin text is read as Western, as it mostly is here
_LATIN_SCRIPT = _WESTERN + ("cp1250", "iso8859-2", "cp1254", "cp1257", "cp1258", "iso8859-4", "iso8859-13")
_GUESS_FROM = 64 * 1024     # bytes the charset is guessed from: plenty, and fast on huge bodies
# a UTF-8 lead byte and a continuation byte: "Ã" then a symbol, if it were Latin-1
_UTF8_PAIR = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")
_SMUGGLED = re.compile("[\udc80-\udcff]")
_FOLD = re.compile(r"\r?\n[ \t]*")
_WORD_START = re.compile(r"=\?[^?\s]+\?[bBqQ]\?")
# Q words with a raw space inside are broken but common ("=?utf-8?q?Caf=C3=A9 abierto?=")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?(?:([bB])\?([^?\s]*)|([qQ])\?([^?]*?))\?=")
ENCODED_RUN = re.compile(r"(?:=\?[^?\s]+\?(?:[bB]\?[^?\s]*|[qQ]\?[^?]*?)\?=)+")
# Adjacent encoded words are joined without the whitespace between them (RFC 2047
# §6.2); the stdlib only does this when it can decode every word at once.
_BETWEEN_WORDS = re.compile(r"(\?=)\s+(=\?)")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]+")


# Labels neither Python nor the loosening below knows ("x-sjis", "ks_c_5601-1987" and
# the like are Python aliases once loosened)
# Windows' names for UTF-16 ("unicode" is what Outlook writes for little-endian)
_ALIASES = {"windows-31j": "cp932", "gb_2312-80": "gb18030", "unicode": "utf-16-le",
            "ucs-2": "utf-16-le", "unicodefffe": "utf-16-be"}
# Senders declare a charset and write its common superset (as browsers assume too).
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "iso8859-1": "cp1252", "euc_kr": "cp949",
              "shift_jis": "cp932", "big5": "big5hkscs"}


def _codec(charset: str | None) -> str | None:
    """Python codec name for a declared charset, or None when unknown."""
    if not charset:
        return None
    name = charset.strip().strip('"').lower()
    for candidate in (name, _ALIASES.get(name), _loosened(name)):
        try:
            info = codecs.lookup(candidate) if candidate else None
        except (LookupError, ValueError):   # ValueError: a NUL inside the name
            continue
        # "quopri", "base64", "rot13": Python's byte-to-byte codecs are no charset
        if info is not None and getattr(info, "_is_text_encoding", True):
            return _SUPERSETS.get(info.name, info.name)
    return _SUPERSETS.get(name)


_META_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([\w.:-]{1,40})", re.IGNORECASE)
# Windows code page numbers whose Python codec is not called "cp<number>"
_CODE_PAGES = {65001: "utf-8", 20866: "koi8_r", 21866: "koi8_u", 50220: "iso2022_jp",
               50221: "iso2022_jp", 50222: "iso2022_jp", 51932: "euc_jp", 54936: "gb18030",
               52936: "hz", 20932: "euc_jp", 51949: "euc_kr", 20127: "ascii"}


def meta_charset(html: bytes) -> str | None:
    """The charset an HTML document names in its <meta>, when it names one."""
    found = _META_CHARSET.search(html[:4096])
    return found.group(1).decode("ascii") if found else None


def windows_codec(codepage: int) -> str:
    """The codec of a Windows code page number (RTF, TNEF), or Western European."""
    if 28591 <= codepage <= 28606:               # ISO-8859-n
        return _codec(f"iso8859-{codepage - 28590}") or "cp1252"
    return _codec(_CODE_PAGES.get(codepage, f"cp{codepage}")) or "cp1252"


def _loosened(name: str) -> str:
    """Labels mailers write that Python does not know: "x-" prefixes, "win-1251",
    "cp-1250", and the ISO "-i"/"-e" suffixes (logical and explicit Hebrew/Arabic)."""
    name = re.sub(r"^x-", "", name)
    name = re.sub(r"^(?:win|cp|windows)[-_]?(\d{3,4})$", r"cp\1", name)
    return re.sub(r"^(iso[-_]?8859[-_]\d+)[-_][ie]$", r"\1", name)


# Japanese mail is often labelled with one of its encodings and written in another;
# and Windows writes ISO-2022-JP with its own characters (㈱, ①, №), which Python's
# codec refuses: read as JIS mapped onto cp932 first.
_JIS_AS_CP932 = "iso2022_jp as cp932"
_SIBLINGS = {"iso2022_jp": (_JIS_AS_CP932, "cp932", "euc_jp"), "cp932": ("euc_jp",),
             "euc_jp": ("cp932",)}
_JIS_ESCAPE = re.compile(rb"\x1b(\$[@B]|\$\(D|\([BJI])")


def _decoded(data: bytes, codec: str) -> str:
    return _jis_as_cp932(data) if codec == _JIS_AS_CP932 else data.decode(codec)


def _jis_as_cp932(data: bytes) -> str:
    """ISO-2022-JP turned into Shift_JIS byte by byte, then read as cp932 (Microsoft's
    CP50220 in effect). Raises UnicodeDecodeError when the bytes are not such JIS."""
    if b"\x1b" not in data:
        raise UnicodeDecodeError("iso2022_jp", data, 0, 1, "no escape sequence")
    out = bytearray()
    mode = b"(B"
    pieces = _JIS_ESCAPE.split(data)
    for i, piece in enumerate(pieces):
        if i % 2:
            mode = piece
            continue
        if mode in (b"$@", b"$B", b"$(D"):
            out += _jis_pairs_as_sjis(piece.replace(b"\r", b"").replace(b"\n", b""))
        elif mode == b"(I":
            out += bytes(b + 0x80 if 0x21 <= b <= 0x5F else b for b in piece)
        else:
            out += piece
    return bytes(out).decode("cp932")


def _jis_pairs_as_sjis(piece: bytes) -> bytes:
    if len(piece) % 2:
        raise UnicodeDecodeError("iso2022_jp", piece, 0, len(piece), "odd JIS run")
    out = bytearray()
    for j1, j2 in zip(piece[::2], piece[1::2]):
        if not (0x21 <= j1 <= 0x7E and 0x21 <= j2 <= 0x7E):
            raise UnicodeDecodeError("iso2022_jp", piece, 0, len(piece), "not JIS X 0208")
        s1 = (j1 - 0x21) // 2 + 0x81
        out.append(s1 + 0x40 if s1 > 0x9F else s1)
        out.append(j2 + (0x1F if j2 < 0x60 else 0x20) if j1 % 2 else j2 + 0x7E)
    return bytes(out)


def decode_bytes(data: bytes, declared: str | None, hint: str | None = None) -> tuple[str, str | None]:
    """Declared charset (or a sibling of it), then utf-8; failing those, line by line:
    utf-8 where a line is (mostly) utf-8, cp1252 elsewhere, so one bad byte or one
    pasted latin-1 line does not turn the whole text into mojibake. `hint`: the legacy
    charset the message's raw headers were written in, surer than a guess from a
    short undeclared text ("тест" alone reads as well in Greek)."""
    codec = _codec(declared)
    if codec in _WESTERN and not data.isascii():
        # UTF-8 under a Western label (a misconfigured mailer): valid UTF-8 sequences
        # are next to impossible in real Latin-1 text, where they would read "Ã©"
        try:
            return _without_nul(data.decode("utf-8")), f"charset {declared!r} wrong; read as utf-8"
        except UnicodeDecodeError:
            mixed = _western_with_utf8_lines(data, codec)
            if mixed is not None:
                return _without_nul(mixed), f"charset {declared!r}; some lines read as utf-8"
    for candidate in ((codec,) + _SIBLINGS.get(codec, ()) if codec else ()) + _FALLBACKS:
        try:
            return _without_nul(_decoded(data, candidate)), _fallback_note(declared, codec, candidate)
        except UnicodeDecodeError:
            continue
    # a us-ascii label on 8-bit text says as little as none: mailers write it by default
    if (declared is None or codec in ("utf-8", "ascii")) and (legacy := hint or legacy_codec(data)):
        return _without_nul(data.decode(legacy, errors="replace")), \
            f"charset {declared or 'undeclared'!s} undecodable; read as {legacy}"
    note = (f"charset {declared or 'undeclared'!s} undecodable; "
            f"read line by line as utf-8 or {_LAST_RESORT}")
    return _without_nul("".join(map(_decode_line, data.splitlines(keepends=True)))), note


def _western_with_utf8_lines(data: bytes, codec: str) -> str | None:
    """Latin-1 text with lines pasted in UTF-8 (a signature, a quote from another
    program): each line in the charset it is written in. None when no line is UTF-8
    beyond ASCII, or a line is in neither."""
    if _UTF8_PAIR.search(data) is None:
        return None                 # the common case, found without a loop
    lines, utf8_found = [], False
    for line in data.splitlines(keepends=True):
        try:
            text = line.decode("utf-8")
            utf8_found = utf8_found or not line.isascii()
        except UnicodeDecodeError:
            try:
                text = line.decode(codec)
            except UnicodeDecodeError:
                return None
        lines.append(text)
    return "".join(lines) if utf8_found else None


def utf16_byte_order(data: bytes) -> str | None:
    """"utf-16-be" or "utf-16-le" when `data` reads as UTF-16 text with no byte order
    mark (under a wrong label, or none): text in a Latin script has a NUL in nearly
    every pair of bytes, on the side of its order. A file's NULs fall on both sides."""
    sample = data[:4096]
    pairs = len(sample) // 2
    if pairs < 4 or sample[:2] in (b"\xfe\xff", b"\xff\xfe"):
        return None
    high, low = sample[0:2 * pairs:2].count(0), sample[1:2 * pairs:2].count(0)
    if high >= pairs * 0.3 and low <= pairs * 0.02:
        return "utf-16-be"
    if low >= pairs * 0.3 and high <= pairs * 0.02:
        return "utf-16-le"
    return None


def legacy_codec(data: bytes) -> str | None:
    """The legacy charset of unlabelled (or falsely UTF-8 labelled) 8-bit text in
    another script: Chinese, Japanese, Korean, Cyrillic, Greek... guessed the way
    Firefox guesses an unlabelled page. None for Latin text and for text that is
    mostly UTF-8 with a few bad bytes: those are read line by line."""
    as_utf8 = data.decode("utf-8", errors="replace")
    bad = as_utf8.count("\ufffd")
    beyond_ascii = len(as_utf8) - len(as_utf8.encode("ascii", "ignore"))
    if bad <= beyond_ascii - bad:
        return None
    codec = _codec(guess_legacy_charset(data[:_GUESS_FROM]))
    return None if codec is None or codec in _LATIN_SCRIPT else codec


def _without_nul(text: str) -> str:
    """NUL is no character of any text, and PostgreSQL refuses it in a text column."""
    return text.replace("\x00", "") if "\x00" in text else text


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
    text = str(value)
    if "=?" not in text and "\n" not in text and text.isascii() and "\x00" not in text:
        return text.strip()     # the common case: nothing to unfold, recover or decode
    if "=?" in text and "\n" in text:
        text = _without_folds_inside_words(text)
    text = unfold(unsmuggle(_without_nul(text), hint))
    if "=?" not in text:
        return text
    text = _BETWEEN_WORDS.sub(r"\1\2", text)
    text = ENCODED_RUN.sub(lambda m: _decode_run(m.group(0)), text)
    # a CR, LF or other control character smuggled inside an encoded word: never part
    # of a subject or a name (and never a second header line)
    return _CONTROL.sub(" ", text).strip() if _CONTROL.search(text) else text


def _without_folds_inside_words(text: str) -> str:
    """An encoded word a mailer folded in its middle ("=?utf-8?B?Q2Fmw6kg" / " YWJp...?="):
    the fold is no part of it. A linear scan: encoded text never holds a "?"."""
    out, position = [], 0
    for start in _WORD_START.finditer(text):
        if start.start() < position:
            continue
        end = text.find("?", start.end())
        if end < 0:
            break
        if text.startswith("?=", end) and "\n" in text[start.end():end]:
            out += [text[position:start.end()], _FOLD.sub("", text[start.end():end])]
            position = end
    return "".join(out) + text[position:]


def _decode_run(run: str) -> str:
    """Adjacent words in one charset are decoded together (a character may be split
    between two of them); a broken word is kept as it is and spoils nothing else."""
    out: list[str] = []
    charset, pending = "", b""
    for found in _ENCODED_WORD.finditer(run):
        data = _word_bytes(found)
        word_charset = found.group(1).split("*", 1)[0].lower()   # RFC 2231 language dropped
        if data is None or word_charset != charset:
            if pending:
                out.append(decode_bytes(pending, charset or "us-ascii")[0])
            charset, pending = word_charset, b""
        if data is None:
            out.append(found.group(0))
        else:
            pending += data
    if pending:
        out.append(decode_bytes(pending, charset or "us-ascii")[0])
    return "".join(out)


def _word_bytes(found: re.Match) -> bytes | None:
    try:
        if found.group(2):
            payload = found.group(3)
            return binascii.a2b_base64(payload + "=" * (-len(payload) % 4))
        return header_decode(found.group(5)).encode("latin-1")
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
