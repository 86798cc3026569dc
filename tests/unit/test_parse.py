"""The parser adapter over the `.eml` fixtures: fields, bodies, attachments, defects."""
from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from daemon.ingest.mime_parts import MAX_FILENAME, safe_filename
from daemon.ingest.parse import UnparseableMessage, parse_message

MAIL = Path(__file__).resolve().parents[1] / "data" / "mail"
CET = timezone(timedelta(hours=1))


def parse(name: str):
    return parse_message((MAIL / name).read_bytes())


@pytest.mark.parametrize("fixture", sorted(p.name for p in MAIL.glob("*.eml")))
def test_every_fixture_parses_into_consistent_fields(fixture):
    raw = (MAIL / fixture).read_bytes()
    msg = parse_message(raw)
    assert msg.raw_sha256 == hashlib.sha256(raw).hexdigest()
    assert msg.message_id and "<" not in msg.message_id and " " not in msg.message_id
    assert all(a == a.lower() for a in msg.to + msg.cc + msg.reply_to + (msg.from_addr,))
    assert all(name == name.lower() for name, _ in msg.headers)
    assert msg.date is None or msg.date.tzinfo is not None
    for att in msg.attachments:
        assert att.filename and "/" not in att.filename and "\\" not in att.filename
        assert not att.filename.startswith(".") and len(att.filename) <= MAX_FILENAME
        assert att.content_type == att.content_type.lower()


@pytest.mark.parametrize("fixture, field, expected", [
    ("plain_spanish_request.eml", "message_id", "20261123091500.4711@cliente.test"),
    ("plain_spanish_request.eml", "from_addr", "maria.lopez@cliente.test"),
    ("plain_spanish_request.eml", "from_name", "María López"),
    ("plain_spanish_request.eml", "to", ("soporte@example.test",)),
    ("plain_spanish_request.eml", "cc", ("jefe@cliente.test", "compras@cliente.test")),
    ("plain_spanish_request.eml", "date", datetime(2026, 11, 23, 9, 15, tzinfo=CET)),
    ("plain_spanish_request.eml", "content_type", "text/plain"),
    ("plain_spanish_request.eml", "html", ""),
    ("encoded_word_subject.eml", "subject", "¿Garantía del calentador? nº serie Año 2026"),
    ("encoded_word_subject.eml", "from_name", "José Pérez"),
    ("outlook_out_of_office.eml", "subject",
     "Respuesta automática: [SOP-000123] Hemos recibido su consulta"),
    ("eight_bit_headers.eml", "subject", "Avería en el termo eléctrico"),
    ("eight_bit_headers.eml", "from_name", "Íñigo Pérez"),
    ("reply_with_references.eml", "in_reply_to",
     ("soporte.reply-000123-2.2e347826@soporte.example.test",)),
    ("reply_with_references.eml", "references", (
        "20261123091500.4711@cliente.test",
        "soporte.ack-000123-1.b028e763@soporte.example.test",
        "soporte.reply-000123-2.2e347826@soporte.example.test")),
    ("bad_date_and_addresses.eml", "message_id", "bare-id@cliente.test"),
    ("bad_date_and_addresses.eml", "in_reply_to", ("bare-parent@cliente.test",)),
    ("bad_date_and_addresses.eml", "from_addr", "roto@cliente.test"),
    ("bad_date_and_addresses.eml", "to", ("buena@cliente.test",)),
    ("bad_date_and_addresses.eml", "date", None),
    ("missing_headers.eml", "from_addr", ""),
    ("missing_headers.eml", "subject", "Solo asunto"),
    ("dsn_bounce_with_token.eml", "content_type", "multipart/report"),
])
def test_header_fields(fixture, field, expected):
    assert getattr(parse(fixture), field) == expected


@pytest.mark.parametrize("fixture, has_id", [
    ("no_message_id.eml", False),
    ("missing_headers.eml", False),
    ("plain_spanish_request.eml", True),
])
def test_missing_message_id_is_synthesised_from_the_raw_hash(fixture, has_id):
    msg = parse(fixture)
    assert msg.has_message_id is has_id
    synthesised = f"{msg.raw_sha256[:32]}@missing-message-id.invalid"
    assert (msg.message_id == synthesised) is not has_id


@pytest.mark.parametrize("fixture, text_has, html_has", [
    ("plain_spanish_request.eml", "¿Pueden enviar un técnico?", None),
    ("html_only.eml", "¿cuándo pueden venir a", "<b>instalar</b>"),
    ("pdf_attachment.eml", "Les envío el ticket de compra.", "<i>ticket</i>"),
    ("invalid_charset.eml", "La señal del termóstato", None),
    ("utf8_declared_latin1_body.eml", "Mañana vuelvo", None),
    ("broken_multipart_boundary.eml", "La caldera hace un ruido extraño.", None),
    ("forwarded_rfc822_attachment.eml", "#cliente abuelo@cliente.test", None),
    # a mailer's stock line instead of the plain text: the HTML is what they wrote
    ("plain_version_only_points_to_html.eml", "Hola, el pedido 4711 llegó roto.", "pedido 4711"),
])
def test_bodies(fixture, text_has, html_has):
    msg = parse(fixture)
    assert text_has in msg.text
    assert (html_has in msg.html) if html_has else msg.html == ""


@pytest.mark.parametrize("fixture, absent", [
    ("html_only.eml", "<p>"),                              # text derived, no tags
    ("broken_multipart_boundary.eml", "--other-boundary"),  # MIME noise not in body
    ("forwarded_rfc822_attachment.eml", "pierde agua"),     # nested mail is not body
    ("dsn_bounce_with_token.eml", "Hemos recibido"),        # bounced original neither
    ("plain_version_only_points_to_html.eml", "HTML capable"),
])
def test_body_keeps_out(fixture, absent):
    assert absent not in parse(fixture).text


@pytest.mark.parametrize("fixture, expected", [
    ("pdf_attachment.eml", [("ticket.pdf", "application/pdf", "", False)]),
    ("rfc2231_filename.eml", [("factura garantía nº7.pdf", "application/pdf", "", False)]),
    ("eight_bit_headers.eml", [("garantía año.pdf", "application/pdf", "", False)]),
    ("attachment_without_name.eml", [("attachment-1.png", "image/png", "", False),
                                     ("attachment-2.bin", "application/x-unknown-thing", "", False)]),
    ("inline_image_cid.eml", [("logo.jpg", "image/jpeg", "logo123@cliente.test", True)]),
    ("path_traversal_filename.eml", [("passwd", "text/plain", "", False),
                                     ("evil.exe", "application/octet-stream", "", False),
                                     ("hidden", "application/octet-stream", "", False),
                                     ("attachment-4.bin", "application/octet-stream", "", False)]),
    ("forwarded_rfc822_attachment.eml", [("Ayuda con la caldera.eml", "message/rfc822", "", False)]),
    ("dsn_bounce_with_token.eml", [("attachment-1.txt", "message/delivery-status", "", False),
                                   ("[SOP-000123] Hemos recibido su consulta.eml", "message/rfc822", "", False)]),
    ("dsn_delayed_rfc822_headers.eml", [
        ("attachment-1.txt", "message/delivery-status", "", False),
        ("attachment-2.txt", "text/rfc822-headers", "", False)]),
    ("plain_spanish_request.eml", []),
])
def test_attachments(fixture, expected):
    got = [(a.filename, a.content_type, a.content_id, a.inline) for a in parse(fixture).attachments]
    assert got == expected


@pytest.mark.parametrize("fixture, index, payload_start", [
    ("pdf_attachment.eml", 0, b"%PDF-1.4"),
    ("attachment_without_name.eml", 0, b"\x89PNG"),
    ("path_traversal_filename.eml", 0, b"root:x:0:0"),
    ("forwarded_rfc822_attachment.eml", 0, b"From: abuelo@cliente.test"),
    ("dsn_bounce_with_token.eml", 1, b"From: Soporte <soporte@example.test>"),
])
def test_attachment_payloads_are_decoded_bytes(fixture, index, payload_start):
    assert parse(fixture).attachments[index].payload.startswith(payload_start)


def test_delivery_status_payload_keeps_the_recipient_fields():
    status = parse("dsn_bounce_with_token.eml").attachments[0].payload.decode()
    assert "Final-Recipient: rfc822; NoExiste@cliente.test" in status
    assert "Status: 5.1.1" in status


def test_long_filename_is_cut_keeping_the_extension_and_controls_are_dropped():
    names = [a.filename for a in parse("long_filename.eml").attachments]
    assert len(names[0]) == MAX_FILENAME and names[0].endswith("_muy_larg.pdf")
    assert names[1] == "oknamegnp.exe"  # BEL, TAB and the right-to-left override gone


@pytest.mark.parametrize("name, content_type, expected", [
    ("../../etc/passwd", "text/plain", "passwd"),
    ("..\\..\\boot.ini", "text/plain", "boot.ini"),
    ("/absolute/path.txt", "text/plain", "path.txt"),
    ("nul\x00byte.pdf", "application/pdf", "nulbyte.pdf"),
    ("...", "application/pdf", "attachment-3.pdf"),
    (".pdf", "application/pdf", "attachment-3.pdf"),         # only an extension: it stays one
    (".docx", "application/octet-stream", "attachment-3.docx"),
    (".hidden.txt", "text/plain", "hidden.txt"),
    ("  ", "image/jpeg", "attachment-3.jpg"),
    ("", "message/rfc822", "attachment-3.eml"),
    ("", "application/x-nothing-known", "attachment-3.bin"),
    ("trailing dots. . ", "text/plain", "trailing dots"),
    ("a" * 300, "text/plain", "a" * MAX_FILENAME),
    ("b" * 300 + ".docx", "text/plain", "b" * (MAX_FILENAME - 5) + ".docx"),
    ("CON", "text/plain", "_CON"),
    ("nul.txt", "text/plain", "_nul.txt"),
    ("com1.tar.gz", "application/gzip", "_com1.tar.gz"),
    ("console.log", "text/plain", "console.log"),
])
def test_safe_filename(name, content_type, expected):
    assert safe_filename(name, content_type, 3) == expected


@pytest.mark.parametrize("fixture, defect", [
    ("invalid_charset.eml", "charset x-charset-que-no-existe undecodable; read line by line as utf-8 or cp1252"),
    ("utf8_declared_latin1_body.eml", "charset utf-8 undecodable; read line by line as utf-8 or cp1252"),
    ("broken_multipart_boundary.eml", "multipart boundary repaired"),
    ("broken_multipart_boundary.eml", "StartBoundaryNotFoundDefect"),
    ("bad_date_and_addresses.eml", "unparseable Date header"),
])
def test_defects_are_reported(fixture, defect):
    assert defect in parse(fixture).defects


def test_clean_mail_reports_no_defects():
    assert parse("plain_spanish_request.eml").defects == ()


def test_headers_are_decoded_unfolded_and_in_order():
    msg = parse("dsn_bounce_with_token.eml")
    names = [name for name, _ in msg.headers]
    assert names[:3] == ["return-path", "from", "to"]
    assert msg.header("Content-Type") == (
        'multipart/report; report-type=delivery-status; boundary="dsn-boundary"')
    assert msg.header("return-path") == "<>"


@pytest.mark.parametrize("raw, expected_subject", [
    (b"Subject: =?utf-8?b?broken base64?=\n\nx", "=?utf-8?b?broken base64?="),
    (b"Subject: =?no-such-charset?q?caf=E9?=\n\nx", "café"),
    (b"Subject: \xff\xfe\xfd\n\nx", "ÿþý"),
    (b"no header at all, just text", ""),
    (b"Content-Type: multipart/mixed\n\nno boundary parameter", ""),
    (b"Content-Type: text/plain; charset=\"\n\nunterminated parameter", ""),
    (b"Content-Type: multipart/mixed; boundary=x\n\n--x\n" * 3, ""),
])
def test_hostile_input_never_raises(raw, expected_subject):
    assert parse_message(raw).subject == expected_subject


def _nested(depth: int) -> bytes:
    parts = [f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n' for i in range(depth)]
    return ("".join(parts) + "Content-Type: text/plain\n\nhondo\n").encode()


def test_moderate_nesting_is_read():
    assert parse_message(_nested(300)).text.strip() == "hondo"


def test_hostile_nesting_is_refused_not_crashed():
    with pytest.raises(UnparseableMessage) as caught:
        parse_message(_nested(5000))
    assert "RecursionError" in caught.value.reason or "too deep" in caught.value.reason


@pytest.mark.parametrize("raw", [b"", b"   \r\n\t\n"])
def test_empty_input_is_unparseable(raw):
    with pytest.raises(UnparseableMessage) as caught:
        parse_message(raw)
    assert caught.value.reason == "empty input"


# Odd header blocks and bodies as real clients and gateways write them
ODD_MAIL = {
    "a header name with a space in it": (
        b"Received-SPF: softfail\n receiver=mx.test\nquite Delivered-To: a@b.test\n"
        b"Received: by mx.test\nDate: Mon, 23 Nov 2026 10:00:00 +0100\n"
        b"From: \"Ana Ruiz\" <ana@cliente.test>\nMessage-ID: <m1@cliente.test>\n"
        b"Subject: Impresora rota\n\nNo imprime.\n",
        ("Ana Ruiz", "ana@cliente.test", "Impresora rota", "No imprime.")),
    "a continuation that lost its indent": (
        b"From: ana@cliente.test\nX-Diagnostics: 1;AM4PR01;6:1Y77Vdi\nP8FxVksOO2tm+LxT0A\n"
        b"MIME-Version: 1.0\nSubject: Hola\nContent-Type: multipart/alternative; boundary=\"b\"\n"
        b"\n--b\nContent-Type: text/plain\n\nTexto del cliente\n--b--\n",
        ("", "ana@cliente.test", "Hola", "Texto del cliente")),
    "a body without its blank line stays the body": (
        b"From: ana@cliente.test\nSubject: hola\nel texto empieza aqui\nNota: algo\n\nmas\n",
        ("", "ana@cliente.test", "hola", "el texto empieza aqui\nNota: algo\n\nmas")),
    "no well-known header at all": (
        b"Asunto: hola\nel texto empieza aqui\nOtra: cosa\n\nmas\n",
        ("", "", "", "el texto empieza aqui\nOtra: cosa\n\nmas")),
    "a broken header under From is dropped, not folded into it": (
        b"From: ana@cliente.test\nX-Spam Score: 5\nSubject: Impresora\n\nNo imprime.\n",
        ("", "ana@cliente.test", "Impresora", "No imprime.")),
    "a stray line under To is dropped": (
        b"From: ana@cliente.test\nTo: s@x.test\ninva@id*header\nSubject: Hola\n\nTexto\n",
        ("", "ana@cliente.test", "Hola", "Texto")),
    "an address cut across two lines at the end of the headers": (
        b"From: ana@cliente.test\nSubject: Hola\nCc: C <c@x.test>, D <d@\nx.test>\n\nTexto\n",
        ("", "ana@cliente.test", "Hola", "Texto")),
    "a space before the colon": (
        b"From: ana@cliente.test\nSubject : Impresora rota\nTo: s@x.test\n\nNo imprime.\n",
        ("", "ana@cliente.test", "Impresora rota", "No imprime.")),
    "an indented first header": (
        b" From: Ana <ana@cliente.test>\nSubject: Hola\n\nTexto\n", ("Ana", "ana@cliente.test", "Hola", "Texto")),
    "a blank line before the headers": (
        b"\r\nFrom: ana@cliente.test\r\nSubject: Hola\r\n\r\nTexto\r\n", ("", "ana@cliente.test", "Hola", "Texto")),
    "a preamble with no blank line before it": (
        b"From: ana@cliente.test\nSubject: s\nContent-Type: multipart/alternative; boundary=\"XX\"\n"
        b"This is a multi-part message in MIME format.\n--XX\nContent-Type: text/plain\n\nHola\n"
        b"--XX\nContent-Type: text/html\n\n<p>Hola html</p>\n--XX--\n", ("", "ana@cliente.test", "s", "Hola")),
    "a display name with an @": (
        b"From: ana.ruiz@cliente <ana.ruiz@cliente.example.test>\nSubject: x\n\nbody\n",
        ("ana.ruiz@cliente", "ana.ruiz@cliente.example.test", "x", "body")),
    "addresses without commas": (
        b"From: tim@p.test concierge@p.test\nSubject: x\n\nbody\n",
        ("", "tim@p.test", "x", "body")),
    "two senders keep the first": (
        b"From: a@x.test, Bob <b@y.test>\nSubject: x\n\nbody\n", ("", "a@x.test", "x", "body")),
    "a CRLF inside quoted-printable": (
        b"From: a@x.test\nSubject: x\nContent-Type: text/plain\n"
        b"Content-Transfer-Encoding: quoted-printable\n\nuno=0D=0Ados=0D\n",
        ("", "a@x.test", "x", "uno\ndos")),
    "one truncated utf-8 sequence": (
        b"From: a@x.test\nSubject: x\nContent-Type: text/plain; charset=utf-8\n"
        b"Content-Transfer-Encoding: quoted-printable\n\nAlbar=C3=A1n n=C2=BA 7 =E6\n",
        ("", "a@x.test", "x", "Albarán nº 7 \ufffd")),
    "a latin-1 line in a utf-8 body": (
        b"From: a@x.test\nSubject: x\nContent-Type: text/plain; charset=utf-8\n\n"
        + "Año nuevo\n".encode() + "> Espa\xf1a\n".encode("latin-1"),
        ("", "a@x.test", "x", "Año nuevo\n> España")),
    "shift_jis labelled iso-2022-jp": (
        b"From: a@x.test\nSubject: x\nContent-Type: text/plain; charset=iso-2022-jp\n\n"
        + "すみません。\n".encode("cp932"), ("", "a@x.test", "x", "すみません。")),
    "a Content-Type missing its semicolon": (
        b"From: a@x.test\nSubject: x\nContent-Type: text/plain charset=utf-8\n"
        b"Content-Transfer-Encoding: 8bit\n\nAlbar\xc3\xa1n firmado\n",
        ("", "a@x.test", "x", "Albarán firmado")),
    "a quoted local part is a mailbox of its domain": (
        b"From: \"ceo@victim.example\"@attacker.example\nSubject: x\n\nbody\n",
        ("", "\"ceo@victim.example\"@attacker.example", "x", "body")),
    "a needlessly quoted local part": (
        b"From: Ana <\"ana.ruiz\"@cliente.test>\nSubject: x\n\nbody\n", ("Ana", "ana.ruiz@cliente.test", "x", "body")),
    "junk after the type": (
        b"From: a@x.test\nSubject: x\nContent-Type: text/plain>\n\nhola\n", ("", "a@x.test", "x", "hola")),
    "another header run into the type": (
        b"From: a@x.test\nSubject: x\nContent-Type: text/html Content-Transfer-Encoding: 8bit\n\n"
        b"<p>Dear member: your account</p>\n", ("", "a@x.test", "x", "Dear member: your account")),
    "big5 text labelled us-ascii": (
        b"From: a@x.test\nSubject: x\nContent-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 8bit\n\n"
        + "您好，我的打印機壞了，請幫忙處理。謝謝！\n".encode("big5"),
        ("", "a@x.test", "x", "您好，我的打印機壞了，請幫忙處理。謝謝！")),
    "koi8-r text labelled us-ascii": (
        b"From: a@x.test\nSubject: x\nContent-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 8bit\n\n"
        + "Здравствуйте, мой принтер сломался. Спасибо!\n".encode("koi8-r"),
        ("", "a@x.test", "x", "Здравствуйте, мой принтер сломался. Спасибо!")),
    "latin-1 text labelled us-ascii": (
        b"From: a@x.test\nSubject: x\nContent-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 8bit\n\n"
        b"El caf\xe9 est\xe1 fr\xedo\n", ("", "a@x.test", "x", "El café está frío")),
    "base64 padded chunk by chunk": (
        b"From: a@x.test\nSubject: x\nContent-Transfer-Encoding: base64\n\nSGVsbG8=\n"
        b"IHdvcmxkLCB0aGUgcHJpbnRlciBpcyBicm9rZW4=\n", ("", "a@x.test", "x", "Hello world, the printer is broken")),
    "base64 with a stray character": (
        b"From: a@x.test\nSubject: x\nContent-Transfer-Encoding: base64\n\nSGVsbG8gV29ybGQhA\n",
        ("", "a@x.test", "x", "Hello World!")),
    "html charset in a meta tag": (
        b"From: a@x.test\nSubject: x\nContent-Type: text/html\n\n<html><head><meta charset=\"windows-1250\">"
        b"</head><body>D\xeckuji</body></html>", ("", "a@x.test", "x", "Děkuji")),
    "a name with an empty address": (b'From: "Mark Whatney" <>\nSubject: x\n\nbody\n', ("Mark Whatney", "", "x", "body")),
    "a name only in a comment": (b'From: "" (Mail Delivery System)\nSubject: x\n\nbody\n',
                                 ("Mail Delivery System", "", "x", "body")),
    "a name the address parser refuses": (b"From: Foo Bar [IT] <foo@bar.test>\nSubject: x\n\nbody\n",
                                          ("Foo Bar [IT]", "foo@bar.test", "x", "body")),
    "a name and an address without brackets": (b"From: Test test@example.test\nSubject: x\n\nbody\n",
                                               ("Test", "test@example.test", "x", "body")),
    "control characters inside encoded words": (
        b"From: =?UTF-8?B?QW5hDQpCY2M6IGV2aWxAeC5leGFtcGxl?= <ana@cliente.test>\n"
        b"Subject: =?UTF-8?B?DQrooK3pvpXkuK3lsaTnrqHnkIbogIU=?=\n\nhola\n",
        ("Ana Bcc: evil@x.example", "ana@cliente.test", "蠭龕中層管理者", "hola")),
    "a raw 8-bit subject in a multipart message": (
        b"From: a@x.test\nSubject: \xc7\xe0\xea\xe0\xe7 \xed\xe5 \xef\xf0\xe8\xf8\xb8\xeb\n"
        b"Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain; charset=windows-1251\n\n"
        b"\xe4\xee\xe1\xf0\xfb\xe9 \xe4\xe5\xed\xfc\n--x--\n", ("", "a@x.test", "Заказ не пришёл", "добрый день")),
    "a group that rewrote From": (
        b"From: 'Jane Doe' via Soporte <soporte@example.test>\nX-Original-Sender: jane@cliente.test\n"
        b"List-ID: <soporte.example.test>\nSubject: x\n\nbody\n", ("Jane Doe", "jane@cliente.test", "x", "body")),
    "comments inside the address (RFC 5322 A.5)": (
        b"From: Pete(A wonderful \\) chap) <pete(his account)@silly.test(his host)>\nSubject: x\n\nbody\n",
        ("Pete (A wonderful ) chap)", "pete@silly.test", "x", "body")),
    "a group that names the person in X-Original-From (groups.io)": (
        b"From: 'Marston, John' via Soporte <soporte@example.test>\nReply-To: Marston <jm@cliente.test>\n"
        b"X-Original-From: \"Marston, John\" <jm@cliente.test>\nList-ID: <soporte@example.test>\n"
        b"Subject: x\n\nbody\n", ("Marston, John", "jm@cliente.test", "x", "body")),
    "a named text part as the only body": (
        b"From: a@x.test\nSubject: x\nMIME-Version: 1.0\n"
        b"Content-Type: text/plain; charset=utf-8; name=\"mensaje.txt\"\n\nLa pantalla parpadea.\n",
        ("", "a@x.test", "x", "La pantalla parpadea.")),
    "format=flowed with delsp (Apple Mail)": (
        b"From: a@x.test\nSubject: x\nContent-Type: text/plain; charset=utf-8; format=flowed;\n"
        b" delsp=yes\nContent-Transfer-Encoding: quoted-printable\n\n"
        b"No arranca desde que se actualiz=C3=B3 el =20\nfirmware del ter \nminal.\n",
        ("", "a@x.test", "x", "No arranca desde que se actualizó el firmware del terminal.")),
    "a blank after quoted-printable": (
        b"From: a@x.test\nSubject: x\nContent-Type: text/plain; charset=utf-8\n"
        b"Content-Transfer-Encoding: quoted-printable \n\nAtualiza=C3=A7=C3=A3o necess=\n=C3=A1ria\n",
        ("", "a@x.test", "x", "Atualização necessária")),
    "quoted printable written with a space": (
        b"From: a@x.test\nSubject: x\nContent-Type: text/plain; charset=utf-8\n"
        b"Content-Transfer-Encoding: Quoted Printable\n\nCaf=C3=A9\n", ("", "a@x.test", "x", "Café")),
    "base64 with a semicolon": (
        b"From: a@x.test\nSubject: x\nContent-Type: text/plain; charset=utf-8\n"
        b"Content-Transfer-Encoding: base64;\n\nQ2Fmw6kgY3LDqG1lCg==\n", ("", "a@x.test", "x", "Café crème")),
    "Outlook's unicode charset": (
        b"From: a@x.test\nSubject: x\nContent-Type: text/plain; charset=\"unicode\"\n"
        b"Content-Transfer-Encoding: base64\n\nHwRABDgEMgQ1BEIELAAgAOkA\n", ("", "a@x.test", "x", "Привет, é")),
    "NUL in the subject and the body": (
        b"From: a@x.test\nSubject: fa\x00ctura\nContent-Type: text/plain; charset=utf-8\n\nhola\x00 mundo\n",
        ("", "a@x.test", "factura", "hola mundo")),
    "a surname first with an unquoted comma": (b"From: Ruiz, Ana <ana@cliente.test>\nSubject: x\n\nbody\n",
                                                 ("Ruiz, Ana", "ana@cliente.test", "x", "body")),
    "a stray angle bracket after the address": (b"From: ana@cliente.test>\nSubject: x\n\nbody\n",
                                                ("", "ana@cliente.test", "x", "body")),
    "a comma left raw inside an encoded name": (b"From: =?utf-8?Q?P=C3=A9rez,_Ana?= <ana@cliente.test>\nSubject: x\n\nbody\n",
                                                ("Pérez, Ana", "ana@cliente.test", "x", "body")),
    "a bare address and a named one after a semicolon": (
        b"From: ana@cliente.test; Bob <bob@cliente.test>\nSubject: x\n\nbody\n", ("", "ana@cliente.test", "x", "body")),
    "a dot after the domain": (b"From: Ana <ana@cliente.test.>\nSubject: x\n\nbody\n", ("Ana", "ana@cliente.test", "x", "body")),
    "utf-8 under a latin-1 label": (
        b"From: a@x.test\nSubject: =?iso-8859-1?Q?Dzie=C5=84_dobry?=\nContent-Type: text/plain; charset=iso-8859-1\n\n"
        b"A\xc3\xb1o nuevo\n", ("", "a@x.test", "Dzień dobry", "Año nuevo")),
    "a whole mailbox inside one encoded word": (
        b"From: =?utf-8?Q?Ana_P=C3=A9rez_<ana@cliente.test>?=\nSubject: x\n\nbody\n",
        ("Ana Pérez", "ana@cliente.test", "x", "body")),
    "a whole mailbox inside base64, a comma in the name": (
        b"From: =?utf-8?B?IlDDqXJleiwgQW5hIiA8YW5hQGNsaWVudGUudGVzdD4=?=\nSubject: x\n\nbody\n",
        ("Pérez, Ana", "ana@cliente.test", "x", "body")),
}


@pytest.mark.parametrize("raw, expected", ODD_MAIL.values(), ids=list(ODD_MAIL))
def test_odd_mail_is_read_as_its_sender_meant(raw, expected):
    msg = parse_message(raw)
    assert (msg.from_name, msg.from_addr, msg.subject, msg.text.strip()) == expected


def _with_part(part: bytes) -> bytes:
    return (b"From: a@x.test\nSubject: x\nMIME-Version: 1.0\n"
            b"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhola\n"
            + part + b"--b--\n")


def _multipart(kind: str, *parts: bytes) -> bytes:
    return (b"From: a@x.test\nSubject: s\nContent-Type: multipart/" + kind.encode() + b"; boundary=b\n\n"
            + b"".join(b"--b\n" + part + b"\n" for part in parts) + b"--b--\n")


@pytest.mark.parametrize("raw, text, html", [
    # an HTML body with a plain-text list or gateway footer after it
    (_multipart("mixed", b"Content-Type: text/html\n\n<p>La impresora no imprime</p>",
                b"Content-Type: text/plain\n\n-- \nlista@x.test"),
     "La impresora no imprime\n-- \nlista@x.test", "<p>La impresora no imprime</p>"),
    # two versions of one text: the plain one, not both
    (_multipart("alternative", b"Content-Type: text/plain\n\nSection one",
                b"Content-Type: text/plain\n\nSection two"), "Section one", ""),
    # a blank plain version beside the real HTML one
    (_multipart("alternative", b"Content-Type: text/plain\n\n ", b"Content-Type: text/html\n\n<p>Real</p>"),
     "Real", "<p>Real</p>"),
    (_multipart("alternative", b"Content-Type: text/plain\n\nHola", b"Content-Type: text/html\n\n<b>Hola</b>"),
     "Hola", "<b>Hola</b>"),
    # a named HTML version is still a version of the text, not an attachment
    (_multipart("alternative", b"Content-Type: text/plain\n\nplain",
                b"Content-Type: text/html; name=\"body.html\"\n\n<p>html</p>"), "plain", "<p>html</p>"),
], ids=["html then plain footer", "two plain alternatives", "blank plain alternative", "usual alternative",
        "named html alternative"])
def test_which_bodies_make_the_text(raw, text, html):
    msg = parse_message(raw)
    assert (msg.text.strip(), msg.html.strip()) == (text, html)


def test_byte_order_mark_and_calendar_and_unknown_types():
    bom = parse_message(b"From: a@x.test\nSubject: s\nContent-Type: text/plain; charset=utf-8\n\n"
                        b"\xef\xbb\xbf#estado resuelto\n")
    assert bom.text.startswith("#estado")
    invite = parse_message(_multipart("mixed", b"Content-Type: text/plain\n\nHola",
                                      b"Content-Type: text/calendar; method=REQUEST\n\nBEGIN:VCALENDAR"))
    assert [a.filename for a in invite.attachments] == ["attachment-1.ics"]
    binary = parse_message(b"From: a@x.test\nSubject: s\nContent-Type: unknown; name=test\n\n\x00\x01\n")
    assert (binary.text, [a.filename for a in binary.attachments]) == ("", ["test"])


def test_broken_part_headers_plain_text_labelled_base64_and_resource_forks():
    wrapped = parse_message(_multipart(
        "mixed", b"Content-Type: text/plain\n\nhi",
        b"Content-Type: application/zip; x-unix-mode=0600;\nname=\"foo.zip\"\n"
        b"Content-Disposition: attachment; filename=\"foo.zip\"\nContent-Transfer-Encoding: base64\n\n"
        b"PGh0bWw+Cg=="))
    assert [(a.filename, a.payload) for a in wrapped.attachments] == [("foo.zip", b"<html>\n")]
    mislabelled = parse_message(b"From: a@x.test\nSubject: s\nContent-Transfer-Encoding: base64\n\n"
                                b"Hello team, the printer is broken again.\nRegards\n")
    assert mislabelled.text.startswith("Hello team, the printer")
    padded = "\n".join(line + "   " for line in base64.encodebytes(bytes(range(256)) * 8).decode().splitlines())
    trailing = parse_message(_multipart("mixed", b"Content-Type: text/plain\n\nhi",
                                        b"Content-Type: application/octet-stream; name=x.bin\n"
                                        b"Content-Transfer-Encoding: base64\n\n" + padded.encode()))
    assert trailing.attachments[0].payload == bytes(range(256)) * 8
    appledouble = parse_message(_multipart(
        "mixed", b"Content-Type: text/plain\n\nver adjunto",
        b"Content-Type: multipart/appledouble; boundary=ad\n\n--ad\nContent-Type: application/applefile; "
        b"name=doc.pdf\nContent-Transfer-Encoding: base64\n\nAAUWBw==\n--ad\nContent-Type: application/pdf; "
        b"name=doc.pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0=\n--ad--"))
    assert [(a.filename, a.content_type) for a in appledouble.attachments] == [("doc.pdf", "application/pdf")]


@pytest.mark.parametrize("body", [b",2&5L;&\\@6F%M;6%D\n`\n", b"begin 644 a.txt\n,2&5L;&\\@6F%M;6%D\n`\nend\n",
                                  b",2&5L;&\\@6F%M;6%D\n\xc3\xa9t\xc3\xa9\n`\n"],
                         ids=["no begin line", "begin and end", "a line no encoder writes"])
def test_uuencoded_parts_are_decoded(body):
    msg = parse_message(_multipart("mixed", b"Content-Type: text/plain\n\nsee file",
                                   b"Content-Type: text/plain; name=a.txt\nContent-Disposition: attachment\n"
                                   b"Content-Transfer-Encoding: x-uuencode\n\n" + body))
    assert [(a.filename, a.payload) for a in msg.attachments] == [("a.txt", b"Hello Zammad")]


def test_a_file_uuencoded_into_the_body_text_becomes_an_attachment():
    data = bytes(range(256)) * 2 + bytes(50)     # zeros at the end: trailing blanks a server strips
    lines = b"".join(binascii.b2a_uu(data[i:i + 45]).rstrip() + b"\n" for i in range(0, len(data), 45))
    msg = parse_message(b"From: a@x.test\nSubject: x\n\nAdjunto el informe.\n\nbegin 644 informe mayo.pdf\n"
                        + lines + b"`\nend\n\nSaludos\n")
    assert [(a.filename, a.content_type, a.payload) for a in msg.attachments] == [
        ("informe mayo.pdf", "application/pdf", data)]
    assert msg.text == "Adjunto el informe.\n\n\nSaludos\n"


@pytest.mark.parametrize("body", [b"begin 644 is how the log starts\nSTATUS OK\nend\n",
                                  b"begin 644 x.txt\n,2&5L;&\\@6F%M;6%D\nno end line\n"],
                         ids=["prose between begin and end", "no end line"])
def test_text_that_only_looks_uuencoded_stays_text(body):
    msg = parse_message(b"From: a@x.test\nSubject: x\n\n" + body)
    assert (msg.text, msg.attachments) == (body.decode(), ())


def test_a_file_sent_as_an_unnamed_text_part_is_kept_as_a_file_not_shown():
    msg = parse_message(_multipart("mixed", b"Content-Type: text/plain\n\nhere is my photo",
                                   b"Content-Type: text/html; charset=windows-1251\nContent-Transfer-Encoding: base64\n"
                                   b"Content-Disposition: inline\n\nUEsDBBQAAgAIALRljkKQXQSOwoQAAADQAQAIAAAA"))
    assert msg.text.strip() == "here is my photo" and msg.html == ""
    assert [(a.filename, a.content_type, a.payload[:4]) for a in msg.attachments] == [
        ("attachment-1.bin", "application/octet-stream", b"PK\x03\x04")]


def test_a_news_article_is_kept_whole_beside_the_text():
    msg = parse_message(_multipart("mixed", b"Content-Type: text/plain\n\nSee the attached article.",
                                   b"Content-Type: message/news\n\nSubject: Original\nNewsgroups: comp.mail\n\nArticle body."))
    assert msg.text.strip() == "See the attached article."
    assert [(a.filename, a.content_type) for a in msg.attachments] == [("attachment-1.eml", "message/news")]


def test_a_header_line_ending_in_two_carriage_returns_does_not_end_the_headers():
    msg = parse_message(b"From: a@x.test\r\nSubject: Informe\r\r\nDate: Mon, 3 Jun 2019 10:00:00 +0800\r\n"
                        b"Content-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\nContent-Type: text/plain\r\n\r\n"
                        b"Hola\r\n--X\r\nContent-Type: application/pdf; name=a.pdf\r\n"
                        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--X--\r\n")
    assert (msg.subject, msg.date.isoformat(), msg.text.strip()) == ("Informe", "2019-06-03T10:00:00+08:00", "Hola")
    assert [(a.filename, a.payload) for a in msg.attachments] == [("a.pdf", b"%PDF-1.4\n")]


@pytest.mark.parametrize("raw, text, files", [
    (b"From: a@x.test\nSubject: Factura\n\nContent-Type: application/pdf\nContent-Disposition: attachment;\n"
     b" filename=\"Factura 2474.PDF\"\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n", "", ["Factura 2474.PDF"]),
    (b"From: a@x.test\nSubject: x\n\n\nContent-type: multipart/alternative; boundary=\"B\"\n\n--B\n"
     b"Content-type: text/plain\n\nHola\n--B--\n", "Hola", []),
    # prose that opens with a header name stays the text
    (b"From: a@x.test\nSubject: x\n\nContent-Type: text/html no llega bien\n\ncomo lo arreglo?\n",
     "Content-Type: text/html no llega bien\n\ncomo lo arreglo?", []),
    # a line of spaces in the gap, and the sender's headers after it too (Apple Mail, 2007)
    (b"Message-Id: <1@x.test>\n\n   \n\nContent-Type: multipart/mixed;\n\tboundary=B\nSubject: Fotos\n"
     b"From: Ana <ana@x.test>\n\n--B\nContent-Type: text/plain\n\nHola\n--B--\n", "Hola", []),
], ids=["a file's headers after the gap", "a multipart's", "prose", "a line of spaces in the gap"])
def test_a_blank_line_inside_the_header_block(raw, text, files):
    msg = parse_message(raw)
    assert (msg.text.strip(), [a.filename for a in msg.attachments]) == (text, files)
    assert msg.from_addr in ("a@x.test", "ana@x.test")


def test_the_rfc2231_file_name_wins_over_its_ascii_fallback():
    msg = parse_message(_multipart(
        "mixed", b"Content-Type: text/plain\n\nadjuntos",
        b"Content-Type: application/pdf\nContent-Disposition: attachment; filename=\"Resume.pdf\"; "
        b"filename*=utf-8''R%C3%A9sum%C3%A9.pdf\n\nx",
        b"Content-Type: application/pdf; name=\"??.pdf\"; name*=utf-8''%E5%A0%B1%E5%91%8A.pdf\n\nx"))
    assert [a.filename for a in msg.attachments] == ["Résumé.pdf", "報告.pdf"]


@pytest.mark.parametrize("charset", ["utf-8", "latin-1"])
def test_a_boundary_with_an_8bit_character(charset):
    raw = ('From: a@x.test\nSubject: s\nContent-Type: multipart/mixed; boundary="corte-µ"\n\n--corte-µ\n'
           "Content-Type: text/plain\n\nHola\n--corte-µ\nContent-Type: application/pdf; name=a.pdf\n"
           "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--corte-µ--\n").encode(charset)
    msg = parse_message(raw)
    assert (msg.text.strip(), [a.filename for a in msg.attachments]) == ("Hola", ["a.pdf"])


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_a_boundary_folded_over_two_lines(eol):
    raw = eol.join(['From: a@x.test', 'Subject: s', 'Content-Type: multipart/mixed; boundary="simple',
                    ' boundary"', '', '--simple boundary', 'Content-Type: text/plain', '', 'Hola',
                    '--simple boundary', 'Content-Type: application/pdf; name=a.pdf',
                    'Content-Transfer-Encoding: base64', '', 'JVBERi0xLjQK', '--simple boundary--', '']).encode()
    msg = parse_message(raw)
    assert (msg.text.strip(), [a.filename for a in msg.attachments]) == ("Hola", ["a.pdf"])


@pytest.mark.parametrize("declared, body", [
    ("<html>", b"Your invoice is ready.<br>\n<br>\nYour Team<br>\n</body>\n</html>\n"),
    ("unknown", b"<!DOCTYPE html><html><body><p>Your invoice is ready.</p><p>Your Team</p></body></html>\n")])
def test_html_under_a_type_that_is_no_type_is_read_as_html(declared, body):
    msg = parse_message(b"From: a@x.test\nSubject: x\nContent-Type: " + declared.encode() + b"\n\n" + body)
    assert msg.text.split() == ["Your", "invoice", "is", "ready.", "Your", "Team"]


def test_a_content_disposition_written_as_one_encoded_word_keeps_its_file_name():
    msg = parse_message(_multipart(
        "mixed", b"Content-Type: text/plain\n\nadjunto",
        b"Content-Type: text/plain\nContent-Disposition: =?utf-8?q?attachment=3B_filename=3DTel=C3=A9fonoMa?=\n"
        b" =?utf-8?q?=C3=B1ana=2Etxt?=\n\ndatos\n"))
    assert [a.filename for a in msg.attachments] == ["TeléfonoMañana.txt"]


def test_an_enclosed_message_without_a_name_is_saved_under_its_subject():
    msg = parse_message(_multipart(
        "mixed", b"Content-Type: text/plain\n\nreenvio",
        b"Content-Type: message/rfc822\n\nFrom: c@x.test\nSubject: =?utf-8?q?Re=3A_pedido_1/2_=C2=BFd=C3=B3nde=3F?=\n\nhola\n",
        b"Content-Type: message/rfc822\n\nFrom: c@x.test\n\nsin asunto\n"))
    assert [a.filename for a in msg.attachments] == ["Re_ pedido 1_2 ¿dónde.eml", "attachment-2.eml"]


def test_a_file_named_by_a_file_parameter_keeps_its_name():
    msg = parse_message(_multipart(
        "mixed", b"Content-Type: text/plain\n\nadjunto",
        b'Content-Type: application/octet-stream; file="PARTE.EXE"\nContent-Transfer-Encoding: base64\n\nTVo=\n'))
    assert [(a.filename, a.size) for a in msg.attachments] == [("PARTE.EXE", 2)]


def test_parameter_names_in_capitals_still_name_the_file():
    msg = parse_message(_multipart(
        "mixed", b"Content-Type: text/plain\n\nadjuntos",
        b'Content-Type: application/pdf; NAME="factura.pdf"\n\nx',
        b'Content-Type: application/octet-stream\nContent-Disposition: ATTACHMENT; FILENAME="datos.csv"\n\nx',
        b'Content-Type: application/octet-stream; FILE="PARTE.EXE"\n\nx'))
    assert [a.filename for a in msg.attachments] == ["factura.pdf", "datos.csv", "PARTE.EXE"]


def test_a_message_that_only_encloses_another_shows_its_text():
    msg = parse_message(b"From: a@x.test\nSubject: Fwd: pedido\nMIME-Version: 1.0\nContent-Type: message/rfc822\n\n"
                        b"From: cliente@x.test\nSubject: pedido\nContent-Type: text/plain\n\nMi pedido 1234 no llega.\n")
    assert msg.text.strip() == "Mi pedido 1234 no llega."
    assert [a.content_type for a in msg.attachments] == ["message/rfc822"]


def test_a_file_whose_content_type_is_no_type_is_typed_by_its_name():
    msg = parse_message(_multipart(
        "mixed", b"Content-Type: text/plain\n\nadjuntos",
        b'Content-Type: ; name="foto.jpg"\nContent-Disposition: attachment; filename="foto.jpg"\n\nx',
        b'Content-Type: X-ZIP; name="datos.zip"\n\nx', b'Content-Type: unknown; name="datos.xyz1"\n\nx',
        b"Content-Type: text; charset=us-ascii\n\nsin subtipo"))
    assert [(a.filename, a.content_type) for a in msg.attachments] == [
        ("foto.jpg", "image/jpeg"), ("datos.zip", "application/zip"), ("datos.xyz1", "application/octet-stream")]
    assert msg.text.split() == ["adjuntos", "sin", "subtipo"]


@pytest.mark.parametrize("charset, name, subject, text", [
    ("koi8-r", "Фёдор Достоевский", "Москва - столица России.", "Это тестовое письмо."),
    ("cp1251", "Фёдор Достоевский", "Москва - столица России.", "Это тестовое письмо."),
    # a four-byte name alone reads as Japanese too: the subject beside it tells
    ("gbk", "客户", "关于订单的问题", "您好，我的订单没有收到。请帮忙查一下。"),
    ("big5", "客戶", "訂單問題", "您好，我的訂單還沒有收到。請幫忙查一下。"),
    ("shift_jis", "田中", "注文について", "こんにちは、注文がまだ届いていません。"),
    ("euc-kr", "김민수", "주문 문의", "안녕하세요, 주문한 물건이 도착하지 않았습니다."),
    ("cp1253", "Γιώργος", "Η παραγγελία μου", "Καλημέρα, η παραγγελία μου δεν έφτασε."),
])
def test_undeclared_legacy_headers_and_text_are_told_apart_from_western(charset, name, subject, text):
    raw = (f'From: "{name}" <cliente@x.test>\nSubject: {subject}\n'
           f"Content-Type: text/plain\n\n{text}\n").encode(charset)
    msg = parse_message(raw)
    assert (msg.subject, msg.from_name, msg.from_addr, msg.text.strip()) == (subject, name, "cliente@x.test", text)
    under_utf8 = parse_message(f"Subject: {subject}\nFrom: a@x.test\nContent-Type: text/plain; "
                               "charset=utf-8\n\nx\n".encode(charset))     # the body's label is no hint
    assert under_utf8.subject == subject


@pytest.mark.parametrize("charset, subject, text", [
    ("koi8-r", "Принтер не печатает", "ТЕСТ"),       # alone, it reads as well in Greek
    ("koi8-r", "Принтер не печатает", "ок"),
    ("cp1251", "Принтер не печатает", "Да"),
])
def test_a_short_undeclared_text_is_read_in_the_charset_of_its_raw_headers(charset, subject, text):
    msg = parse_message(f"From: cliente@x.test\nSubject: {subject}\n\n{text}\n".encode(charset))
    assert (msg.subject, msg.text.strip()) == (subject, text)
    utf8_body = parse_message(f"From: cliente@x.test\nSubject: {subject}\n\n".encode(charset)
                              + f"{text}\n".encode("utf-8"))
    assert utf8_body.text.strip() == text        # a body in UTF-8 is read as UTF-8 all the same


def test_undeclared_western_text_stays_western():
    western = parse_message("From: a@x.test\nSubject: Año nuevo, canción\n\nLa facturación está mal, €30\n"
                            .encode("cp1252"))
    assert (western.subject, western.text.strip()) == ("Año nuevo, canción", "La facturación está mal, €30")


@pytest.mark.parametrize("headers, message_id, in_reply_to, references", [
    # a space or a fold inside the brackets: the same id in every header
    (b"Message-ID: <0917.0A0E08 0C0703@x.test>\nIn-Reply-To: <0917.0A0E08 0C0703@x.test>\n",
     "0917.0A0E080C0703@x.test", ("0917.0A0E080C0703@x.test",), ()),
    (b"Message-ID: <15434.1\n\t5926.5D@mail.x.test>\nReferences: <p@x.test> <15434.1\n\t5926.5D@mail.x.test>\n",
     "15434.15926.5D@mail.x.test", (), ("p@x.test", "15434.15926.5D@mail.x.test")),
    # no brackets, separated by spaces or commas, or a bare token
    (b"Message-ID: 1234567\nIn-Reply-To: 1234567\nReferences: a@x.test,b@x.test c@x.test@x.test\n",
     "1234567", ("1234567",), ("a@x.test", "b@x.test", "c@x.test@x.test")),
    # a header cut before its last ">"
    (b"Message-ID: <abc@x.test\nReferences: <a@x.test> <b@x.test\n", "abc@x.test", (), ("a@x.test", "b@x.test")),
], ids=["space inside", "folded inside", "no brackets", "cut off"])
def test_message_ids_read_the_same_in_every_header(headers, message_id, in_reply_to, references):
    msg = parse_message(b"From: a@x.test\n" + headers + b"Subject: s\n\nx\n")
    assert (msg.message_id, msg.in_reply_to, msg.references) == (message_id, in_reply_to, references)


@pytest.mark.parametrize("references", [b"a" * 200_000, b"<a " * 100_000, b"a@" * 100_000])
def test_hostile_id_headers_finish(references):
    assert parse_message(b"From: a@x.test\nReferences: " + references + b"\nSubject: s\n\nx\n").subject == "s"


def test_an_empty_message_id_is_synthesised():
    assert not parse_message(b"From: a@x.test\nMessage-ID: <>\nSubject: s\n\nx\n").has_message_id


def test_a_forwarded_message_sent_as_base64_is_stored_decoded():
    inner = b"From: Bob <bob@x.test>\nSubject: orig\n\nhello\n"
    msg = parse_message(_multipart("mixed", b"Content-Type: text/plain\n\nver adjunto",
                                   b"Content-Type: message/rfc822; name=orig.eml\nContent-Transfer-Encoding: base64\n\n"
                                   + base64.encodebytes(inner)))
    assert [(a.filename, a.payload) for a in msg.attachments] == [("orig.eml", inner)]


@pytest.mark.parametrize("value, expected", [
    ("Mon, 23 Nov 2026 10:00:00 +01:00", "2026-11-23T10:00:00+01:00"),
    ("Mon, 23 Nov 2026 10:00:00 CEST", "2026-11-23T10:00:00+02:00"),
    ("Mon, 23 Nov 2026 10:00 CET", "2026-11-23T10:00:00+01:00"),
    ("Mon, 23 Nov 2026 10:00:00 +0100 (CET)", "2026-11-23T10:00:00+01:00"),
    ("2026-11-23T10:00:00+01:00", "2026-11-23T10:00:00+01:00"),
    ("Mon, 23 Nov 2026 10:00:00 -0500 (EST)", "2026-11-23T10:00:00-05:00"),
    ("Mon, 23 Nov 2026 10:00:00 GMT+0100", "2026-11-23T10:00:00+01:00"),
    ("Mon, 23 Nov 2026 10:00:00 UTC-5", "2026-11-23T10:00:00-05:00"),
    ("23 November 2026 2:42:59 pm NZDT", "2026-11-23T14:42:59+13:00"),
    ("Mon, 23 Nov 2026 12:05 AM +0100", "2026-11-23T00:05:00+01:00"),
    # months and weekdays in other languages, dotted; zones the stdlib does not know
    ("Mi., 23 Apr. 2025 09:48:37 +0200 (MESZ)", "2025-04-23T09:48:37+02:00"),
    ("mar., 24 nov. 2026 10:00:00 +0100", "2026-11-24T10:00:00+01:00"),
    ("23 ene 2026 10:00 +0100", "2026-01-23T10:00:00+01:00"),
    ("Mi, 25 Mär 2026 10:20:30 +0100", "2026-03-25T10:20:30+01:00"),
    ("jue ago 30 13:55:12 2007", "2007-08-30T13:55:12+00:00"),
    ("Sun, 26 Jan 2014 17:14:22 NST", "2014-01-26T17:14:22-03:30"),
    ("Mon, 23 Nov 2026 10:20:30 +01", "2026-11-23T10:20:30+01:00"),
])
def test_dates_with_offsets_and_zone_names_keep_their_zone(value, expected):
    msg = parse_message(b"From: a@x.test\nDate: " + value.encode() + b"\nSubject: s\n\nx\n")
    assert msg.date.isoformat() == expected


def test_semicolon_lists_and_groups():
    msg = parse_message(b"From: a@x.test\nTo: ana@x.test; \"Ruiz; Bob\" <bob@x.test>\n"
                        b"Cc: equipo: c@x.test, d@x.test; e@x.test\nSubject: x\n\nb\n")
    assert (msg.to, msg.cc) == (("ana@x.test", "bob@x.test"), ("c@x.test", "d@x.test", "e@x.test"))


def test_recipient_lists_with_odd_names_and_no_commas():
    msg = parse_message(b"From: a@x.test\nTo: soporte@empresa <soporte@empresa.example>, Bob <b@y.test>,"
                        b" \"Ruiz, Ana\" <ana@x.test>\nCc: c@x.test d@x.test\nSubject: x\n\nb\n")
    assert (msg.to, msg.cc) == (("soporte@empresa.example", "b@y.test", "ana@x.test"), ("c@x.test", "d@x.test"))
    glued = parse_message(b"From: a@x.test\nTo: vishnu@chatwoot.test www.chatwoot.test\nSubject: x\n\nb\n")
    assert glued.to == ("vishnu@chatwoot.test",)
    cut = parse_message(b"From: a@x.test\nSubject: x\nCc: C <c@x.test>, D <d@\nx.test>\n\nb\n")
    assert cut.cc == ("c@x.test", "d@x.test")


def test_a_named_text_part_stays_an_attachment_beside_a_body_or_when_attached():
    beside_body = parse_message(_with_part(b"--b\nContent-Type: text/plain; name=log.txt\n\nerror 42\n"))
    assert (beside_body.text.strip(), [a.filename for a in beside_body.attachments]) == ("hola", ["log.txt"])
    attached = parse_message(b"From: a@x.test\nSubject: x\nContent-Type: text/plain; name=log.txt\n"
                             b"Content-Disposition: attachment\n\nerror 42\n")
    assert (attached.text, [a.filename for a in attached.attachments]) == ("", ["log.txt"])
    promoted = parse_message(b"From: a@x.test\nSubject: x\nContent-Type: multipart/mixed; boundary=b\n\n"
                             b"--b\nContent-Type: text/plain; name=body.txt\n\nno arranca\n"
                             b"--b\nContent-Type: image/png; name=a.png\nContent-Transfer-Encoding: base64\n\n"
                             b"AAAA\n--b--\n")
    assert (promoted.text.strip(), [a.filename for a in promoted.attachments]) == ("no arranca", ["a.png"])


@pytest.mark.parametrize("part, filename, payload", [
    (b"--b\nContent-Type: image/jpeg\nContent-Location: http://x.test/fotos/Foto25.jpg\n"
     b"Content-Disposition: inline\nContent-Transfer-Encoding: base64\n\nAAAA\n",
     "Foto25.jpg", b"\0\0\0"),
    (b"--b\nContent-Type: image/jpeg; filename=\"Foto25.jpg\"\nContent-Disposition: inline\n"
     b"Content-Transfer-Encoding: base64\n\nAAAA\n", "Foto25.jpg", b"\0\0\0"),
    (b"--b\nContent-Type: image/jpg\nContent-Transfer-Encoding: base64\n\nAAAA\n",
     "attachment-1.jpg", b"\0\0\0"),
    # an abuse report (ARF) is kept whole, like a delivery status
    (b"--b\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\nVersion: 1\n",
     "attachment-1.txt", b"Feedback-Type: abuse\nVersion: 1"),
], ids=["content-location", "filename on content-type", "image/jpg", "feedback report"])
def test_attachment_names_and_kept_reports(part, filename, payload):
    msg = parse_message(_with_part(part))
    [attachment] = msg.attachments
    assert (msg.text.strip(), attachment.filename) == ("hola", filename)
    assert attachment.payload.strip() == payload


_PDF = b"%PDF-1.4\n" + bytes(range(256))


@pytest.mark.parametrize("appended", [
    b"-- \nsent from my phone\n",                                   # a footer glued under the data
    b"\n_______________\nLista soporte-clientes\nhttps://x.test/listinfo\n",   # a list's footer
    b"\n--b-->\nPGh0bWw+Cg==\n",                # an epilogue under a close delimiter nobody reads
])
def test_base64_with_text_appended_under_it_is_still_decoded(appended):
    part = (b"--b\nContent-Type: application/pdf; name=\"a.pdf\"\nContent-Transfer-Encoding: base64\n\n"
            + base64.encodebytes(_PDF) + appended)
    [attachment] = parse_message(_with_part(part)).attachments
    assert attachment.payload == _PDF


def test_a_title_line_above_the_headers_is_dropped():
    msg = parse_message(b"---- Original email message ----\nReturn-Path: <ana@x.test>\nFrom: ana@x.test\n"
                        b"Subject: Contacto\nContent-Type: text/html; charset=utf-8\n\n<p>Hola <b>equipo</b></p>\n")
    assert (msg.subject, msg.from_addr, msg.text.strip()) == ("Contacto", "ana@x.test", "Hola equipo")


@pytest.mark.parametrize("sender, name", [
    (b'"your secret past" <power quadrant system@example.test>', "your secret past"),
    (b"Ana <ana perez@x.test>", "Ana"),
])
def test_a_mailbox_with_spaces_gives_no_address_rather_than_a_strangers(sender, name):
    msg = parse_message(b"From: " + sender + b"\nSubject: x\n\nhola\n")
    assert (msg.from_addr, msg.from_name) == ("", name)


@pytest.mark.parametrize("plain, html, expected", [
    # stock lines in place of the text, in the languages mailers write them
    ("This is an HTML message. Please use an HTML capable mail program to read this message.",
     "<p>La caldera no enciende.</p>", "La caldera no enciende."),
    ("Este mensaje está en formato HTML. Su programa de correo no puede mostrarlo.",
     "<p>La caldera no enciende.</p>", "La caldera no enciende."),
    # a short plain version that says what the HTML says is theirs, HTML named or not
    ("Le envío el informe HTML de la caldera.", "<p>Le envío el <b>informe HTML</b> de la caldera.</p>",
     "Le envío el informe HTML de la caldera."),
    ("Ver HTML: la caldera no enciende.", "<p>La caldera no enciende</p>", "Ver HTML: la caldera no enciende."),
    # an HTML version with no words leaves the plain one as it is
    ("Please use an HTML mail program.", "<p><img src='cid:x'></p>", "Please use an HTML mail program."),
])
def test_a_plain_version_that_only_points_to_the_html_gives_way(plain, html, expected):
    from tests.support.mail import make_mail
    msg = parse_message(make_mail("ana@cliente.test", "Caldera", plain + "\n", html=html))
    assert msg.text.strip() == expected


@pytest.mark.parametrize("header, payload, expected", [
    # other names for the standard types
    (b'Content-Type: image/jpg; name="foto.jpg"', b"\xff\xd8\xff\xe0", "image/jpeg"),
    (b'Content-Type: application/x-pdf; name="factura.pdf"', _PDF, "application/pdf"),
    # "some file": its name says what it is ...
    (b'Content-Type: application/octet-stream; name="factura.PDF"', b"x", "application/pdf"),
    (b'Content-Type: application/force-download; name="ticket.png"', b"x", "image/png"),
    # ... or, with no name that says, its first bytes
    (b"Content-Type: application/octet-stream", _PDF, "application/pdf"),
    (b'Content-Type: application/octet-stream; name="IMG_0001"', b"\0\0\0\x18ftypheic\0\0", "image/heic"),
    (b'Content-Type: application/octet-stream; name="datos.bin"', b"PK\x03\x04", "application/octet-stream"),
    # a compressed file is the archive, not what it holds
    (b'Content-Type: application/octet-stream; name="factura.pdf.gz"', b"\x1f\x8b", "application/gzip"),
    (b'Content-Type: application-x-gzip; name="document.xml.gz"', b"\x1f\x8b", "application/gzip"),
    # a declared type is kept, whatever the name
    (b'Content-Type: application/zip; name="factura.pdf"', b"PK\x03\x04", "application/zip"),
    # a pattern is no type: what the name or the bytes say, else "some file"
    (b'Content-Type: */*; name="escaneo.pdf"', b"x", "application/pdf"),
    (b"Content-Type: */*", b"PK\x03\x04", "application/octet-stream"),
], ids=["image/jpg", "x-pdf", "named", "force-download", "pdf bytes", "heic bytes", "unknown stays",
        "gz", "gz under a broken type", "declared wins", "wildcard named", "wildcard unknown"])
def test_a_file_gets_the_standard_type_of_what_it_is(header, payload, expected):
    part = header + b"\nContent-Disposition: attachment\nContent-Transfer-Encoding: base64\n\n" \
        + base64.b64encode(payload)
    msg = parse_message(_multipart("mixed", b"Content-Type: text/plain\n\nadjunto", part))
    assert [(a.content_type, a.payload) for a in msg.attachments] == [(expected, payload)]


def test_an_enclosed_message_sent_base64_shows_its_text():
    inner = b"From: cliente@x.test\nSubject: pedido\nContent-Type: text/plain\n\nMi pedido 1234 no llega.\n"
    msg = parse_message(b"From: a@x.test\nSubject: Fwd: pedido\nMIME-Version: 1.0\nContent-Type: message/rfc822\n"
                        b"Content-Transfer-Encoding: base64\n\n" + base64.encodebytes(inner))
    assert msg.text.strip() == "Mi pedido 1234 no llega."
    assert [a.payload.replace(b"\r\n", b"\n") for a in msg.attachments] == [inner]


def test_a_file_name_in_decomposed_unicode_is_composed():
    assert safe_filename("Pa\u0301gina.pdf", "application/pdf", 1) == "P\u00e1gina.pdf"


def test_apple_mails_image_placeholder_is_not_text():
    text = "Antes de la foto\n\ufffc\n\nDespués de la foto\n".encode()
    msg = parse_message(b"From: a@x.test\nSubject: foto\nMIME-Version: 1.0\n"
                        b"Content-Type: text/plain; charset=utf-8\n\n" + text)
    assert msg.text == "Antes de la foto\n\n\nDespués de la foto\n"


def _text_part(charset: str | None, data: bytes) -> bytes:
    label = f"; charset={charset}" if charset else ""
    return (f"From: ana@cliente.test\nSubject: Impresora\nContent-Type: text/plain{label}\n"
            "Content-Transfer-Encoding: base64\n\n").encode() + base64.encodebytes(data)


@pytest.mark.parametrize("charset, encoding", [
    ("BadCharset", "utf-16-be"), (None, "utf-16-le"),
    ("utf-16", "utf-16-be"), ("utf-16", "utf-16-le"),     # no byte order mark: the NULs tell
])
def test_utf16_text_without_its_byte_order_mark_is_read_as_text(charset, encoding):
    text = "Hola, la impresora no funciona. ¿Pueden ayudarme?\n"
    msg = parse_message(_text_part(charset, text.encode(encoding)))
    assert (msg.text, msg.attachments) == (text, ())


def test_a_file_sent_as_text_stays_a_file():
    data = b"".join(i.to_bytes(4, "little") for i in range(1024))   # NULs on both sides: no UTF-16
    msg = parse_message(_text_part(None, data))
    assert msg.text == "" and [a.payload for a in msg.attachments] == [data]


@pytest.mark.parametrize("header, text, files", [
    # the type misspelled or written the wrong way round (contact forms)
    (b"Content-Type: plain/text; charset=utf-8", "Mi pedido 4711 no ha llegado.", []),
    (b"Content-Type: html/text; charset=utf-8", "Mi pedido 4711 no ha llegado.", []),
    # a text subtype we do not know is plain text (RFC 2046), unless it is a named file
    (b"Content-Type: text/markdown; charset=utf-8", "Mi pedido 4711 no ha llegado.", []),
    (b"Content-Type: text/x-diff\nContent-Disposition: attachment; filename=arreglo.diff", "",
     [("arreglo.diff", "text/x-diff")]),
    # calendars and cards stay files
    (b"Content-Type: text/calendar; method=REQUEST", "", [("attachment-1.ics", "text/calendar")]),
], ids=["plain/text", "html/text", "markdown", "named diff", "calendar"])
def test_text_under_an_odd_type_is_read_as_text_and_files_stay_files(header, text, files):
    body = b"<p>Mi pedido 4711 no ha llegado.</p>" if b"html/" in header else "Mi pedido 4711 no ha llegado.".encode()
    msg = parse_message(b"From: ana@cliente.test\nSubject: Pedido\n" + header + b"\n\n" + body + b"\n")
    assert msg.text.strip() == text
    assert [(a.filename, a.content_type) for a in msg.attachments] == files


def test_a_name_written_on_the_disposition_names_the_file():
    part = (b'Content-Type: application/octet-stream\nContent-Disposition: attachment; name="factura-2024.pdf"\n'
            b"Content-Transfer-Encoding: base64\n\n" + base64.b64encode(b"%PDF-1.4 x"))
    msg = parse_message(_multipart("mixed", b"Content-Type: text/plain\n\nAdjunto la factura.", part))
    assert [(a.filename, a.content_type) for a in msg.attachments] == [("factura-2024.pdf", "application/pdf")]
