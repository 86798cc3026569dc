"""Opaque S/MIME: the signed message is read out of the signature (no key needed), the
signature stays attached; anything else (encrypted, detached, junk) is left alone."""
from __future__ import annotations

import base64
from pathlib import Path

import pytest

from daemon.ingest.parse import parse_message
from daemon.ingest.smime import signed_content

MAIL = Path(__file__).resolve().parents[1] / "data" / "mail"
SIGNED_DATA = bytes.fromhex("2a864886f70d010702")
ENVELOPED_DATA = bytes.fromhex("2a864886f70d010703")
ID_DATA = bytes.fromhex("2a864886f70d010701")


def tlv(tag: int, body: bytes) -> bytes:
    size = len(body)
    length = bytes([size]) if size < 0x80 else bytes([0x82]) + size.to_bytes(2, "big")
    return bytes([tag]) + length + body


def indefinite(tag: int, *parts: bytes) -> bytes:
    return bytes([tag, 0x80]) + b"".join(parts) + b"\x00\x00"


def streamed_signature(content: bytes, kind: bytes = SIGNED_DATA, attached: bool = True) -> bytes:
    """A SignedData as streaming signers write it (BER): indefinite lengths and the
    content in chunks. No signer infos: only the structure matters here."""
    chunks = indefinite(0x24, tlv(0x04, content[:20]), tlv(0x04, content[20:]))
    encapsulated = indefinite(0x30, tlv(0x06, ID_DATA), *([indefinite(0xA0, chunks)] if attached else []))
    signed = indefinite(0x30, tlv(0x02, b"\x01"), tlv(0x31, b""), encapsulated, tlv(0x31, b""))
    return indefinite(0x30, tlv(0x06, kind), indefinite(0xA0, signed))


def test_a_message_signed_opaquely_by_openssl_shows_its_text():
    msg = parse_message((MAIL / "opaque_signed_smime.eml").read_bytes())
    assert msg.text.strip() == "La impresora de la planta 2 no imprime desde ayer.\n\nAna"
    # read, so it is no file of the customer's: a rule or the warranty check never counts it
    assert [(a.filename, a.content_type, a.incidental) for a in msg.attachments] == [
        ("smime.p7m", "application/x-pkcs7-mime", True)]


def test_streamed_signature_with_chunked_content():
    content = b"Content-Type: text/plain; charset=utf-8\r\n\r\nHola desde Thunderbird\r\n"
    assert signed_content(streamed_signature(content)) == content


@pytest.mark.parametrize("data", [
    streamed_signature(b"Content-Type: text/plain\r\n\r\nsecreto\r\n", kind=ENVELOPED_DATA),
    streamed_signature(b"Content-Type: text/plain\r\n\r\ndetached\r\n", attached=False),
    streamed_signature(b"Content-Type: text/plain\r\n\r\ncortado\r\n")[:-9],
    b"", b"\x30", b"\x30\x80", b"\x30\x84\xff\xff\xff\xff", b"\x1f\x00", b"not a signature at all",
    b"\x30\x80" * 5000, b"\x30\x80" * 20 + b"\x04\x01a" * 300_000 + b"\x00\x00" * 20,
], ids=["encrypted", "detached", "truncated", "empty", "one byte", "open end", "huge length",
        "high tag", "text", "deep nesting", "deep and wide"])
def test_anything_but_an_attached_signature_gives_nothing(data):
    assert signed_content(data) is None


def test_an_encrypted_message_keeps_its_file_and_shows_no_text():
    body = base64.encodebytes(streamed_signature(b"Content-Type: text/plain\r\n\r\nsecreto\r\n", kind=ENVELOPED_DATA))
    msg = parse_message(b"From: a@x.test\nSubject: s\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data; "
                        b"name=smime.p7m\nContent-Transfer-Encoding: base64\n\n" + body)
    assert msg.text == "" and [(a.filename, a.incidental) for a in msg.attachments] == [("smime.p7m", False)]
