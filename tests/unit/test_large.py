"""Large attachments: the parser reads a small stand-in, the attachment comes out as a
reference (sha256, size) into the raw message, and the store receives exactly the
bytes the full parse would have decoded. Odd structures fall back to the full parse."""
from __future__ import annotations

import base64
import hashlib
import random

import mailparser
import pytest

from daemon.read_ahead import fetch_groups
from daemon.ingest import large
from daemon.ingest.mailbox import Waiting
from daemon.ingest.message import Attachment
from daemon.ingest.parse import parse_message
from daemon.store import BlobStore
from tests.support.mail import make_mail

BIG = 3 * 1024 * 1024 + 17           # over large.LARGE_MESSAGE once encoded
DATA = random.Random(7).randbytes(BIG)
SMALL_PDF = b"%PDF-1.4 small"


def b64_lines(data: bytes, eol: bytes = b"\r\n") -> bytes:
    text = base64.b64encode(data)
    return eol.join(text[i:i + 76] for i in range(0, len(text), 76)) + eol


def leaf(ctype: str, filename: str, data: bytes, eol: bytes = b"\r\n") -> bytes:
    head = (f"Content-Type: {ctype}; name=\"{filename}\"\r\n"
            "Content-Transfer-Encoding: base64\r\n"
            f"Content-Disposition: attachment; filename=\"{filename}\"\r\n\r\n").encode()
    return head.replace(b"\r\n", eol) + b64_lines(data, eol)


def multipart(boundary: str, parts: list[bytes], *, quoted: bool = True, close: bool = True,
              subtype: str = "mixed", eol: bytes = b"\r\n") -> bytes:
    value = f'"{boundary}"' if quoted else boundary
    out = f"Content-Type: multipart/{subtype}; boundary={value}\r\n\r\npreamble\r\n".encode()
    for part in parts:
        out += f"--{boundary}\r\n".encode() + part + b"\r\n"
    if close:
        out += f"--{boundary}--\r\n".encode()
    return out.replace(b"\r\n", eol)


def message(body: bytes, eol: bytes = b"\r\n") -> bytes:
    head = ("From: Juan <juan@cliente.test>\r\nTo: soporte@example.test\r\n"
            "Subject: Factura\r\nMessage-ID: <big@cliente.test>\r\nMIME-Version: 1.0\r\n")
    return head.encode().replace(b"\r\n", eol) + body


def text_part(eol: bytes = b"\r\n") -> bytes:
    return b"Content-Type: text/plain; charset=utf-8\r\n\r\nAdjunto la factura.\r\n".replace(b"\r\n", eol)


def full_parse(raw: bytes, monkeypatch: pytest.MonkeyPatch):
    with monkeypatch.context() as patch:
        patch.setattr(large, "LARGE_MESSAGE", 1 << 40)
        return parse_message(raw)


def shapes() -> dict[str, bytes]:
    pdf = leaf("application/pdf", "factura.pdf", DATA)
    return {
        "made by a mail client": make_mail("juan@cliente.test", "Factura", "Adjunto.\n",
                                           attachments=(("factura.pdf", "application/pdf", DATA),)),
        "crlf, quoted boundary": message(multipart("b1", [text_part(), pdf])),
        "lf only": message(multipart("b1", [text_part(b"\n"), leaf("application/pdf", "factura.pdf",
                                                                     DATA, b"\n")], eol=b"\n"), b"\n"),
        "unquoted boundary": message(multipart("b1", [text_part(), pdf], quoted=False)),
        "missing final boundary": message(multipart("b1", [text_part(), pdf], close=False)),
        "nested multiparts": message(multipart("outer", [
            multipart("alt", [text_part(), b"Content-Type: text/html\r\n\r\n<p>Hola</p>\r\n"],
                      subtype="alternative"),
            multipart("inner", [pdf, leaf("image/png", "foto.png", DATA[:400_000])])])),
        "two large and one small": message(multipart("b1", [
            text_part(), pdf, leaf("application/zip", "datos.zip", DATA[::-1]),
            leaf("application/pdf", "ticket.pdf", SMALL_PDF)])),
        "top-level attachment": message(leaf("application/pdf", "factura.pdf", DATA)),
        "a medium attachment": message(multipart("b1", [
            text_part(), leaf("application/pdf", "factura.pdf", DATA[:40_000])])),
        # lines that start like a delimiter but are not one, before the real ones
        "boundary-like lines in the text": message(multipart("b1", [
            b"Content-Type: text/plain\r\n\r\n--b1x\r\nvia --b1--\r\n--b1 y\r\n--b1-\r\nfin\r\n",
            pdf])),
        # every parser ends the inner multipart at the first "--b1": the pdf is the outer's
        "boundary reused by a nested multipart": message(multipart("b1", [
            text_part(), multipart("b1", [pdf])])),
    }


@pytest.mark.parametrize("name", list(shapes()))
def test_large_bodies_become_references_equal_to_the_full_parse(name, monkeypatch, tmp_path):
    raw = shapes()[name]
    parsed, full = parse_message(raw), full_parse(raw, monkeypatch)
    assert any(a.body_ref is not None for a in parsed.attachments)
    assert (parsed.text, parsed.html, parsed.message_id, parsed.raw_sha256) == (
        full.text, full.html, full.message_id, full.raw_sha256)
    assert [(a.filename, a.content_type, a.size) for a in parsed.attachments] == [
        (a.filename, a.content_type, a.size) for a in full.attachments]
    store = BlobStore(tmp_path)
    for slim, whole in zip(parsed.attachments, full.attachments):
        digest = large.store_attachment(store, raw, slim)
        assert digest == hashlib.sha256(whole.payload).hexdigest()
        assert store.get(digest) == whole.payload


def test_the_parser_never_sees_the_large_payload(monkeypatch):
    seen: list[int] = []
    real = mailparser.parse_from_bytes
    monkeypatch.setattr(mailparser, "parse_from_bytes", lambda raw: seen.append(len(raw)) or real(raw))
    raw = shapes()["made by a mail client"]
    [attachment] = parse_message(raw).attachments
    assert seen and max(seen) < 4096 < len(raw)
    assert attachment.payload == b""
    assert (attachment.size, attachment.body_ref.sha256) == (BIG, hashlib.sha256(DATA).hexdigest())


def broken(body: bytes) -> bytes:
    return message(multipart("b1", [text_part(), body]))


ODD = {
    "space inside the base64": broken(leaf("application/pdf", "f.pdf", DATA).replace(b"\r\nA", b"\r\n A", 1)),
    "padding in the middle": broken(leaf("application/pdf", "f.pdf", DATA[:1000]) + b"\r\n"
                                    + b64_lines(DATA[:-1])),
    "a large text body": broken(b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                                + b64_lines(DATA)),
    "inside a forwarded message": broken(b"Content-Type: message/rfc822\r\n\r\n"
                                         + message(multipart("b2", [leaf("application/pdf", "f.pdf", DATA)]))),
    "not base64": broken(b"Content-Type: application/pdf; name=f.pdf\r\n"
                         b"Content-Transfer-Encoding: 8bit\r\n\r\n" + b"x" * BIG),
}


@pytest.mark.parametrize("name", list(ODD))
def test_odd_structures_are_parsed_as_before(name, monkeypatch):
    raw = ODD[name]
    parsed, full = parse_message(raw), full_parse(raw, monkeypatch)
    assert all(a.body_ref is None for a in parsed.attachments)
    assert parsed == full


def test_a_placeholder_the_parser_reads_differently_falls_back(monkeypatch):
    raw = shapes()["crlf, quoted boundary"]
    digest = hashlib.sha256(raw).hexdigest()
    slim = large.slim(raw, digest)
    # the stand-in, parsed with its references lost, must not be returned as is
    lost = large.Slim(slim.raw, {"other": next(iter(slim.refs.values()))})
    monkeypatch.setattr("daemon.ingest.parse.slim", lambda raw, digest: lost)
    [attachment] = parse_message(raw).attachments
    assert attachment.body_ref is None and attachment.payload == DATA


def test_a_forged_placeholder_is_only_text():
    raw = shapes()["crlf, quoted boundary"]
    digest = hashlib.sha256(raw).hexdigest()
    forged = raw + f"\r\n{digest}0000\r\n".encode()   # the digest of the message it is in changes
    assert all(a.body_ref is None or a.size == BIG for a in parse_message(forged).attachments)


@pytest.mark.parametrize("window", [4, 7, 76, 78, 1000])
def test_windows_of_any_size_decode_the_same(window, monkeypatch):
    monkeypatch.setattr(large, "WINDOW", window)
    text = b64_lines(DATA[:5000] + b"xy")
    assert b"".join(large.decoded_chunks(text, 0, len(text))) == DATA[:5000] + b"xy"


@pytest.mark.parametrize("text", [b"QUJD\r\nRA", b"QU=JD", b"QUJD!\r\n", b"QUJD\r\nRA===", b"QQ==QUJD"])
def test_bad_base64_is_refused(text):
    assert large.measure(text, 0, len(text)) is None


def test_small_messages_are_not_scanned():
    raw = make_mail("a@b.test", "x", attachments=(("f.pdf", "application/pdf",
                                                    DATA[:large.LARGE_MESSAGE // 2]),))
    assert len(raw) <= large.LARGE_MESSAGE and large.slim(raw, "0" * 64) is None


def test_put_stream_names_the_blob_by_its_digest(tmp_path):
    store = BlobStore(tmp_path)
    digest, size = store.put_stream(iter([b"ab", b"", b"cd"]))
    assert (digest, size) == (hashlib.sha256(b"abcd").hexdigest(), 4)
    assert store.get(digest) == b"abcd" and store.put_stream([b"abcd"]) == (digest, 4)
    assert not [p for p in (tmp_path / "objects").rglob(".tmp-*")]


def test_a_mismatch_between_parse_and_store_is_an_error(tmp_path):
    raw = shapes()["crlf, quoted boundary"]
    [attachment] = parse_message(raw).attachments
    other = raw.replace(b"A", b"B")          # not the bytes that were parsed
    with pytest.raises(ValueError):
        large.store_attachment(BlobStore(tmp_path), other, attachment)


def test_size_of_an_ordinary_attachment_is_its_payload():
    assert Attachment("f.pdf", "application/pdf", SMALL_PDF).size == len(SMALL_PDF)


@pytest.mark.parametrize("sizes, count, limit, groups", [
    ([], 50, 20, []),
    ([1, 1, 1], 2, 20, [[1, 2], [3]]),
    ([10, 10, 1], 50, 20, [[1, 2], [3]]),
    ([10, 11, 1], 50, 20, [[1], [2, 3]]),
    ([30, 1, 30], 50, 20, [[1], [2], [3]]),
])
def test_fetch_groups_bound_messages_and_bytes(sizes, count, limit, groups):
    waiting = [Waiting(uid, size) for uid, size in enumerate(sizes, start=1)]
    assert fetch_groups(waiting, count, limit) == groups
