"""Opaque S/MIME signatures (application/pkcs7-mime; smime-type=signed-data): Outlook
and other clients set to sign "opaquely" put the whole message inside the signature,
where a reader without S/MIME sees nothing. The signed content needs no key:
signed_content(der) reads it out of the CMS structure (RFC 5652), so the ticket shows
what the customer wrote. The signature itself is not verified. Pure, bounded.
"""
from __future__ import annotations

_SEQUENCE, _OID, _OCTETS, _CHUNKED_OCTETS, _EXPLICIT_0 = 0x30, 0x06, 0x04, 0x24, 0xA0
_SIGNED_DATA = bytes.fromhex("2a864886f70d010702")    # 1.2.840.113549.1.7.2
_MAX_CHUNK_DEPTH = 8
_MAX_DEPTH = 32           # nesting of indefinite lengths: CMS needs about ten

# (tag, content start, content end, position after the element)
Element = tuple[int, int, int, int]


class _Malformed(Exception):
    pass


def signed_content(data: bytes) -> bytes | None:
    """The encapsulated content of a CMS SignedData, or None when `data` is not one
    (an encrypted message, a detached signature, junk)."""
    try:
        top = _element(data, 0, len(data))
        info = _children(data, top, _SEQUENCE)
        if len(info) < 2 or info[0][0] != _OID or _value(data, info[0]) != _SIGNED_DATA:
            return None
        signed = _children(data, _only_child(data, info[1], _EXPLICIT_0), _SEQUENCE)
        # version, digest algorithms, then the encapsulated content
        encapsulated = _children(data, signed[2], _SEQUENCE) if len(signed) > 2 else []
        if len(encapsulated) < 2 or encapsulated[1][0] != _EXPLICIT_0:
            return None     # a detached signature: the content travels beside it
        return _octets(data, _only_child(data, encapsulated[1], _EXPLICIT_0), 0)
    except (_Malformed, IndexError):
        return None


def _element(data: bytes, position: int, limit: int, depth: int = 0) -> Element:
    tag = data[position]
    if tag & 0x1F == 0x1F or depth > _MAX_DEPTH:
        raise _Malformed                          # high tag numbers: never in CMS
    length, start = data[position + 1], position + 2
    if length == 0x80:                            # indefinite: up to its end marker 00 00
        end = start
        while data[end:end + 2] != b"\x00\x00":
            end = _element(data, end, limit, depth + 1)[3]
            if end + 2 > limit:
                raise _Malformed
        return tag, start, end, end + 2
    if length & 0x80:
        size = length & 0x7F
        if not 0 < size <= 4:
            raise _Malformed
        length, start = int.from_bytes(data[start:start + size], "big"), start + size
    if start + length > limit:
        raise _Malformed
    return tag, start, start + length, start + length


def _children(data: bytes, element: Element, expected: int | None = None) -> list[Element]:
    if expected is not None and element[0] != expected:
        raise _Malformed
    found, position, end = [], element[1], element[2]
    while position < end:
        child = _element(data, position, end)
        found.append(child)
        position = child[3]
    return found


def _only_child(data: bytes, element: Element, tag: int) -> Element:
    """What an explicit tag ([0]) wraps."""
    children = _children(data, element, tag)
    if not children:
        raise _Malformed
    return children[0]


def _value(data: bytes, element: Element) -> bytes:
    return data[element[1]:element[2]]


def _octets(data: bytes, element: Element, depth: int) -> bytes:
    """An OCTET STRING, whole or in chunks (BER, as streaming signers write it)."""
    if element[0] == _OCTETS:
        return _value(data, element)
    if element[0] != _CHUNKED_OCTETS or depth >= _MAX_CHUNK_DEPTH:
        raise _Malformed
    return b"".join(_octets(data, chunk, depth + 1) for chunk in _children(data, element))
