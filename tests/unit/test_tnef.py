"""Outlook's winmail.dat: the files inside become the message's attachments, and the
body inside shows when the message has no other (Exchange-to-Exchange mail); a stream
that cannot be read stays attached as it came."""
from __future__ import annotations

import base64

import pytest

from daemon.ingest.parse import parse_message
from daemon.ingest.tnef import read_tnef
from tests.support.tnef import (PR_BODY, PR_HTML, PR_INTERNET_CPID, PR_RTF_COMPRESSED, PT_BINARY,
                                PT_LONG, PT_UNICODE, tnef, tnef_file, uncompressed_rtf)

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 8
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 500
HTML_RTF = (b"{\\rtf1\\ansi\\ansicpg1252\\fromhtml1 {\\*\\htmltag19 <html>}{\\*\\htmltag50 <body>}"
            b"{\\*\\htmltag64 <p>}\\htmlrtf {\\htmlrtf0 La lavadora pierde agua por debajo."
            b"{\\*\\htmltag72 </p>}\\htmlrtf }\\htmlrtf0 {\\*\\htmltag84 <img src=\"cid:foto@01D9\">}"
            b"{\\*\\htmltag58 </body>}{\\*\\htmltag27 </html>}}")


def mime(*parts: tuple[str, bytes], top: str = "multipart/mixed") -> bytes:
    """A message as Outlook sends it: its parts in base64 under the given types."""
    head = b"From: Ana <ana@cliente.test>\nTo: soporte@example.test\nSubject: Factura\nMessage-ID: <t@x>\n"
    if top != "multipart/mixed":
        ctype, data = parts[0]
        return head + f"Content-Type: {top}\nContent-Transfer-Encoding: base64\n\n".encode() + base64.encodebytes(data)
    body = b"".join(b"--b\n" + ctype.encode() + b"\nContent-Transfer-Encoding: base64\n\n"
                    + base64.encodebytes(data) for ctype, data in parts)
    return head + b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n" + body + b"--b--\n"


def test_files_with_their_long_names_types_and_data():
    opened = read_tnef(tnef(tnef_file(PDF, title="FACTUR~1.PDF", long_name="Factura 2026-0117.pdf",
                                      mime="application/pdf"),
                            tnef_file(JPEG, title="FOTO.JPG", data_first=True)))
    assert [(f.name, f.content_type, f.data) for f in opened.files] == [
        ("Factura 2026-0117.pdf", "application/pdf", PDF), ("FOTO.JPG", "", JPEG)]
    assert opened.body is None


def test_an_old_title_is_read_in_the_streams_code_page():
    opened = read_tnef(tnef(tnef_file(b"x", title="Año.txt"), codepage=1252))
    assert opened.files[0].name == "A\u00f1o.txt"


@pytest.mark.parametrize("props, body, expected", [
    (((PT_UNICODE, PR_BODY, "Texto plano \u20ac"),), "", ("text", "Texto plano \u20ac")),
    ((), "Cuerpo\r\nantiguo", ("text", "Cuerpo\nantiguo")),
    (((PT_BINARY, PR_HTML, "<p>Se\u00f1al d\u00e9bil</p>".encode("utf-8")), (PT_LONG, PR_INTERNET_CPID, 65001)),
     "", ("html", "<p>Se\u00f1al d\u00e9bil</p>")),
    (((PT_BINARY, PR_RTF_COMPRESSED, uncompressed_rtf(b"{\\rtf1\\ansi\\fromtext hola\\par}")),), "",
     ("text", "hola\n")),
], ids=["unicode body", "legacy body attribute", "html in its internet code page", "rtf"])
def test_the_body_in_whichever_form_outlook_kept(props, body, expected):
    assert read_tnef(tnef(message_props=props, body=body)).body == expected


@pytest.mark.parametrize("data", [
    b"", b"\x78\x9f\x3e", b"not tnef at all", tnef(), tnef()[:8] + b"\xff" * 40,
], ids=["empty", "short", "text", "nothing inside", "garbage after the signature"])
def test_a_stream_with_nothing_to_show_gives_none(data):
    assert read_tnef(data) is None


def test_a_cut_stream_keeps_the_files_before_the_cut():
    data = tnef(tnef_file(PDF, long_name="uno.pdf"), tnef_file(JPEG, long_name="dos.jpg"))
    assert [f.name for f in read_tnef(data[:-300]).files] == ["uno.pdf"]


def test_outlooks_message_shows_the_files_not_winmail_dat():
    stream = tnef(tnef_file(PDF, title="FACTUR~1.PDF", long_name="Factura 2026-0117.pdf"),
                  message_props=((PT_UNICODE, PR_BODY, "Adjunto la factura."),))
    msg = parse_message(mime(("Content-Type: text/plain; charset=utf-8", "Adjunto la factura.\r\n".encode()),
                             ('Content-Type: application/ms-tnef; name="winmail.dat"', stream)))
    assert msg.text.strip() == "Adjunto la factura."          # the body inside is not read twice
    assert [(a.filename, a.content_type, a.payload) for a in msg.attachments] == [
        ("Factura 2026-0117.pdf", "application/pdf", PDF)]


def test_a_message_that_is_only_tnef_shows_its_body_and_inline_image():
    stream = tnef(tnef_file(JPEG, long_name="image001.jpg", mime="image/jpeg", content_id="foto@01D9", hidden=True),
                  message_props=((PT_BINARY, PR_RTF_COMPRESSED, uncompressed_rtf(HTML_RTF)),))
    msg = parse_message(mime(("", stream), top="application/ms-tnef"))
    assert msg.text.strip() == "La lavadora pierde agua por debajo."
    assert '<img src="cid:foto@01D9">' in msg.html
    assert [(a.filename, a.content_type, a.content_id, a.inline) for a in msg.attachments] == [
        ("image001.jpg", "image/jpeg", "foto@01D9", True)]


def test_winmail_dat_under_another_type_is_opened_too():
    stream = tnef(tnef_file(PDF, long_name="garantia.pdf"))
    msg = parse_message(mime(("Content-Type: text/plain", b"Hola\r\n"),
                             ('Content-Type: application/octet-stream; name="WINMAIL.DAT"', stream)))
    assert [a.filename for a in msg.attachments] == ["garantia.pdf"]


def test_an_unreadable_winmail_dat_stays_attached():
    msg = parse_message(mime(("Content-Type: text/plain", b"Hola\r\n"),
                             ('Content-Type: application/ms-tnef; name="winmail.dat"', b"\x78\x9f\x3e\x22junk")))
    assert [(a.filename, a.payload) for a in msg.attachments] == [("winmail.dat", b"\x78\x9f\x3e\x22junk")]


def test_a_large_winmail_dat_is_opened_not_left_in_the_raw_message():
    big = bytes(range(256)) * 2000                       # past the size left where it lies
    stream = tnef(tnef_file(big, long_name="manual.pdf", mime="application/pdf"))
    msg = parse_message(mime(("Content-Type: text/plain", b"Hola\r\n"),
                             ('Content-Type: application/ms-tnef; name="winmail.dat"', stream)))
    assert [(a.filename, a.payload == big, a.body_ref) for a in msg.attachments] == [("manual.pdf", True, None)]


def test_file_names_are_made_safe():
    msg = parse_message(mime(("Content-Type: text/plain", b"Hola\r\n"),
                             ("Content-Type: application/ms-tnef", tnef(tnef_file(b"x", long_name="..\\..\\CON.txt"),
                                                                        tnef_file(b"y")))))
    assert [(a.filename, a.content_type) for a in msg.attachments] == [
        ("_CON.txt", "text/plain"), ("attachment-2.bin", "application/octet-stream")]
