"""The composer writes MIME by hand, so every test reads its output back with the
standard library's strict parser (and with soporte's own, which meets this mail again
when a customer replies) and checks what a mail client would show.

In: an envelope, rendered parts, attachments. Out: bytes."""
from __future__ import annotations

import email.policy
from datetime import datetime, timezone
from email.message import EmailMessage
from email.parser import BytesParser

import pytest

from daemon.ingest.parse import parse_message
from daemon.outbound.compose import Envelope, FileAttachment, compose
from daemon.outbound.templates import Rendered

WHEN = datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc)
TEXT = ("Hola Ana,\n\nHemos recibido su solicitud sobre la centralita (nº 42).\n"
        "Una línea muy larga que pasa de los setenta y seis caracteres para obligar al codificador a partirla.\n"
        "a = b, 100% seguro \n.\nFrom here on\n\tcon tabulador\n")
HTML = "<p>Hola Ana,</p>\n<p>Hemos recibido su solicitud &mdash; <b>SOP-000123</b>.</p>\n"


def envelope(**changes) -> Envelope:
    values = dict(from_name="Soporte Técnico", from_addr="soporte@example.com", to=("ana@cliente.es",),
                  message_id="abc.123@example.com", date=WHEN, loop_marker="soporte@example.com",
                  in_reply_to="orig.1@cliente.es", references=("orig.1@cliente.es",))
    values.update(changes)
    return Envelope(**values)


def read(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=email.policy.strict).parsebytes(raw)
    assert isinstance(message, EmailMessage) and not message.defects, message.defects
    return message


def bodies(message: EmailMessage) -> tuple[str, str]:
    """As a client shows them: the wire's CRLF line breaks read as line breaks."""
    return tuple(message.get_body((kind,)).get_content().replace("\r\n", "\n") for kind in ("plain", "html"))


def test_text_and_html_come_back_exactly_as_rendered():
    raw = compose(envelope(), Rendered("[SOP-000123] Recibida", TEXT, HTML))
    message = read(raw)
    assert message.get_content_type() == "multipart/alternative"
    assert bodies(message) == (TEXT, HTML)
    assert message["MIME-Version"] == "1.0"


def test_plain_ascii_text_stays_readable_in_the_raw_mail():
    raw = compose(envelope(), Rendered("Recibida", "Hola Ana,\nGracias.\n", "<p>Hola</p>\n"))
    assert b"\r\nHola Ana,\r\nGracias.\r\n" in raw


def test_every_line_ends_in_crlf_and_stays_short():
    long_subject = "Hemos recibido su solicitud sobre el videoportero que no enciende " * 4
    raw = compose(envelope(references=tuple(f"id{n}.{'x' * 30}@cliente.es" for n in range(20))),
                  Rendered(long_subject, TEXT * 3, HTML * 3),
                  (FileAttachment("informe.pdf", "application/pdf", bytes(range(256)) * 300),))
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78


@pytest.mark.parametrize("subject", [
    "[SOP-000123] Recibida",
    "[SOP-000123] Recepción de su solicitud: avería en la centralita, ¿podría enviarnos la factura?",
    "[SOP-000123] " + "palabra " * 30,
    "[SOP-000123] 中文 ünïcödé " * 6,
    "",
])
def test_the_subject_reads_back_unchanged(subject):
    message = read(compose(envelope(), Rendered(subject, TEXT, HTML)))
    assert message["Subject"] == " ".join(subject.split())


def test_addresses_and_thread_headers_read_back():
    to = tuple(f"cliente{n}@empresa-con-nombre-largo.example" for n in range(6))
    references = tuple(f"ref{n}@cliente.es" for n in range(12))
    message = read(compose(envelope(to=to, references=references), Rendered("Hola", TEXT, HTML)))
    assert message["From"].addresses[0].display_name == "Soporte Técnico"
    assert message["From"].addresses[0].addr_spec == "soporte@example.com"
    assert [a.addr_spec for a in message["To"].addresses] == list(to)
    assert message["Reply-To"] == "soporte@example.com"
    assert message["Message-ID"] == "<abc.123@example.com>"
    assert message["In-Reply-To"] == "<orig.1@cliente.es>"
    assert message["References"].split() == [f"<{r}>" for r in references]
    assert message["Date"].datetime == WHEN
    assert (message["Auto-Submitted"], message["X-Auto-Response-Suppress"]) == ("auto-replied", "All")
    assert message["X-Loop"] == "soporte@example.com"


def test_a_display_name_with_specials_is_quoted():
    message = read(compose(envelope(from_name='Soporte, "Acme" S.L.'), Rendered("Hola", TEXT, HTML)))
    assert message["From"].addresses[0].display_name == 'Soporte, "Acme" S.L.'


def test_human_replies_carry_no_auto_submitted():
    message = read(compose(envelope(automatic=None, in_reply_to=None, references=()), Rendered("Hola", TEXT, HTML)))
    assert "Auto-Submitted" not in message and "In-Reply-To" not in message and "References" not in message


def test_no_value_can_add_a_header_of_its_own():
    raw = compose(envelope(in_reply_to="x@y>\r\nBcc: intruso@example.net", to=("ana@cliente.es\nCc: otro@x.es",)),
                  Rendered("Hola\r\nBcc: intruso@example.net", TEXT, HTML))
    message = read(raw)
    assert "Bcc" not in message and "Cc" not in message
    assert b"\r\nBcc:" not in raw and b"\r\nCc:" not in raw


def test_attachments_go_in_a_mixed_part_next_to_the_text():
    data = bytes(range(256)) * 100
    raw = compose(envelope(), Rendered("Albarán", TEXT, HTML),
                  (FileAttachment("albarán SOP-000123.csv", "text/csv", b"a;b\r\n1;2\r\n"),
                   FileAttachment('raro "nombre".bin', "no es un tipo", data)))
    message = read(raw)
    assert message.get_content_type() == "multipart/mixed"
    assert bodies(message) == (TEXT, HTML)
    files = list(message.iter_attachments())
    assert [(f.get_filename(), f.get_content_type()) for f in files] == [
        ("albarán SOP-000123.csv", "text/csv"), ('raro "nombre".bin', "application/octet-stream")]
    assert files[0].get_payload(decode=True) == b"a;b\r\n1;2\r\n"
    assert files[1].get_payload(decode=True) == data


def test_each_mail_gets_its_own_boundary():
    first, second = (read(compose(envelope(), Rendered("Hola", TEXT, HTML))) for _ in range(2))
    assert first.get_boundary() != second.get_boundary()
    assert first.get_boundary().startswith("=_")


def test_soporte_reads_its_own_mail_back():
    raw = compose(envelope(), Rendered("[SOP-000123] Recepción de su solicitud", TEXT, HTML))
    parsed = parse_message(raw)
    assert parsed.subject == "[SOP-000123] Recepción de su solicitud"
    assert parsed.from_addr == "soporte@example.com"
    assert parsed.text.replace("\r\n", "\n") == TEXT and parsed.html.replace("\r\n", "\n") == HTML
    assert parsed.header("x-loop") == "soporte@example.com"
