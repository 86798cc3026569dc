"""Attachments that came with a mail without being sent (signature logos, images of the
quoted history, digital signatures) are told from the files and pictures a customer
sends. The HTML is written the way Outlook, Gmail and Thunderbird write it."""
from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

import pytest

from daemon.ingest.html import cid_images
from daemon.ingest.incidental import mark_incidental
from daemon.ingest.message import Attachment
from daemon.ingest.reading import read_message
from daemon.rules.conditions import facts_from_message

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 6000
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 90_000

OUTLOOK_NEW = """<html><head><meta http-equiv=Content-Type content="text/html; charset=utf-8"></head>
<body lang=ES link="#0563C1"><div class=WordSection1>
<p class=MsoNormal>Buenos días, el calentador no enciende desde ayer.<o:p></o:p></p>
<p class=MsoNormal><o:p>&nbsp;</o:p></p>
<p class=MsoNormal><a name="_MailAutoSig"><span style='color:#1F497D'>Juan Pérez<br>
Compras · Ferretería López<o:p></o:p></span></a></p>
<p class=MsoNormal><span style='color:#1F497D'><img border=0 width=151 height=48
style='width:1.5729in;height:.5in' id="Imagen_x0020_1" src="cid:image001.png@01DB3E7A.5C1B2F40"
alt="Ferretería López"></span></p></div></body></html>"""

OUTLOOK_REPLY = """<html><body lang=ES><div class=WordSection1>
<p class=MsoNormal>Adjunto foto de la factura.<o:p></o:p></p>
<p class=MsoNormal><img width=602 height=803 style='width:6.2708in;height:8.3645in'
id="Imagen_x0020_2" src="cid:image002.jpg@01DB3E7B.1A2B3C40"></p>
<p class=MsoNormal>Juan Pérez</p>
<p class=MsoNormal><img width=151 height=48 src="cid:image001.png@01DB3E7B.1A2B3C40"></p>
<div><div style='border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'>
<p class=MsoNormal><b>De:</b> Soporte &lt;soporte@example.test&gt;<br><b>Enviado el:</b> lunes, 23 de
noviembre de 2026 10:00<br><b>Asunto:</b> [SOP-000001] Garantía</p></div></div>
<p class=MsoNormal>Estimado cliente, necesitamos la factura.</p>
<p class=MsoNormal><img src="cid:image003.png@01DB3E7B.1A2B3C40"></p>
</div></body></html>"""

GMAIL = """<div dir="ltr">Os mando la nota de compra.<div><img src="cid:ii_lq1x2y3z0" alt="nota.jpg"
width="452" height="603"><br></div><br clear="all"><div><br></div><span class="gmail_signature_prefix">-- </span><br>
<div dir="ltr" class="gmail_signature" data-smartmail="gmail_signature"><div dir="ltr">Laura Gómez
<div><img src="cid:ii_logo77"><br></div></div></div></div>
<br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">El lun, 23 nov 2026 a las 10:00, Soporte
(&lt;soporte@example.test&gt;) escribió:<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px
0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">Necesitamos la factura.
<img src="cid:ii_old1" width="500" height="700"></blockquote></div>"""

THUNDERBIRD = """<html><body><p>La caldera hace ruido.</p>
<div class="moz-signature">-- <br><img src="cid:part1.Xy3vQ2aB.k9Lm0pQr@cliente.test" alt=""></div>
</body></html>"""


def mail(html: str | None, images: tuple[tuple[str, str, bytes], ...] = (), *, subject: str = "Garantía",
         files: tuple[tuple[str, str, bytes], ...] = (), text: str = "Hola.\n") -> bytes:
    """text + HTML, the HTML's images beside it in multipart/related, files after."""
    msg = EmailMessage(policy=SMTP)
    msg["From"], msg["To"], msg["Subject"] = "juan@cliente.test", "soporte@example.test", subject
    msg["Message-ID"] = "<m1@cliente.test>"
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
        for cid, name, data in images:
            maintype, subtype = ("image", "png") if name.endswith(".png") else ("image", "jpeg")
            msg.get_payload()[1].add_related(data, maintype, subtype, cid=f"<{cid}>", filename=name)
    for name, ctype, data in files:
        msg.add_attachment(data, *ctype.split("/"), filename=name)
    return msg.as_bytes()


def marked(raw: bytes) -> dict[str, bool]:
    return {a.filename: a.incidental for a in read_message(raw).parsed.attachments}


def test_an_outlook_signature_logo_is_incidental():
    raw = mail(OUTLOOK_NEW, (("image001.png@01DB3E7A.5C1B2F40", "image001.png", PNG),))
    assert marked(raw) == {"image001.png": True}
    facts = facts_from_message(read_message(raw).parsed, body="", kind="", category="", customer_has_contract=False)
    assert facts.has_attachment is False


def test_an_outlook_reply_keeps_the_pasted_photo_and_drops_the_logo_and_history():
    raw = mail(OUTLOOK_REPLY, (("image002.jpg@01DB3E7B.1A2B3C40", "image002.jpg", JPEG),
                               ("image001.png@01DB3E7B.1A2B3C40", "image001.png", PNG),
                               ("image003.png@01DB3E7B.1A2B3C40", "image003.png", PNG)))
    assert marked(raw) == {"image002.jpg": False, "image001.png": True, "image003.png": True}


def test_gmail_keeps_the_pasted_photo_and_drops_signature_and_quoted_images():
    raw = mail(GMAIL, (("ii_lq1x2y3z0", "nota.jpg", JPEG), ("ii_logo77", "logo.png", PNG),
                       ("ii_old1", "old.jpg", JPEG)))
    assert marked(raw) == {"nota.jpg": False, "logo.png": True, "old.jpg": True}


def test_a_forward_passes_on_the_images_of_the_mail_it_forwards():
    raw = mail(GMAIL, (("ii_lq1x2y3z0", "nota.jpg", JPEG), ("ii_logo77", "logo.png", PNG),
                       ("ii_old1", "old.jpg", JPEG)), subject="Fwd: compra del calentador")
    assert marked(raw) == {"nota.jpg": False, "logo.png": True, "old.jpg": False}


def test_a_thunderbird_signature_image_is_incidental():
    raw = mail(THUNDERBIRD, (("part1.Xy3vQ2aB.k9Lm0pQr@cliente.test", "firma.png", PNG),))
    assert marked(raw) == {"firma.png": True}


def test_a_photo_in_an_iphone_signature_block_counts():
    # iOS Mail often puts what was typed, and the photos taken, inside its "signature" div
    html = ('<div dir="ltr"><div id="AppleMailSignature" dir="ltr">Aquí está la nota<br><br>'
            '<img src="cid:9F1C2B7A-1D2E-4F3A-8B9C-0D1E2F3A4B5C" alt="image0.jpeg"><br><br>'
            'Enviado desde mi iPhone</div></div>')
    assert marked(mail(html, (("9F1C2B7A-1D2E-4F3A-8B9C-0D1E2F3A4B5C", "image0.jpeg", JPEG),))) == {"image0.jpeg": False}


def test_outlooks_signature_bookmark_as_a_reply_writes_it():
    html = ('<p class="x_MsoNormal">Sigue sin funcionar.</p><p class="x_MsoNormal"><a name="x__MailAutoSig">'
            'Juan</a></p><p class="x_MsoNormal"><img src="cid:image001.png@01D7"></p>')
    assert marked(mail(html, (("image001.png@01D7", "image001.png", PNG),))) == {"image001.png": True}


def test_files_attached_as_files_always_count():
    raw = mail(OUTLOOK_NEW, (("image001.png@01DB3E7A.5C1B2F40", "image001.png", PNG),),
               files=(("factura.pdf", "application/pdf", b"%PDF-1.4\n" + b"0" * 4096),
                      ("foto.jpg", "image/jpeg", JPEG)))
    assert marked(raw) == {"image001.png": True, "factura.pdf": False, "foto.jpg": False}
    facts = facts_from_message(read_message(raw).parsed, body="", kind="", category="", customer_has_contract=False)
    assert facts.has_attachment is True


def test_an_image_with_a_content_id_the_html_never_shows_counts():
    raw = mail("<p>Adjunto la factura.</p>", (("scan@cliente.test", "scan.jpg", JPEG),))
    assert marked(raw) == {"scan.jpg": False}


def test_pgp_mime_signature_and_key_are_incidental():
    msg = EmailMessage(policy=SMTP)
    msg["From"], msg["To"], msg["Subject"] = "juan@cliente.test", "soporte@example.test", "Firmado"
    msg.set_content("Hola, texto firmado.\n")
    msg.add_attachment(b"-----BEGIN PGP SIGNATURE-----\n\niQEzBAE\n=abcd\n-----END PGP SIGNATURE-----\n",
                       "application", "pgp-signature", filename="signature.asc")
    msg.add_attachment(b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBF\n-----END PGP PUBLIC KEY BLOCK-----\n",
                       "application", "pgp-keys", filename="OpenPGP_0x1A2B3C4D.asc")
    msg.add_attachment(b"\x30\x82" + b"\x00" * 3000, "application", "pkcs7-signature", filename="smime.p7s")
    assert marked(msg.as_bytes()) == {"signature.asc": True, "OpenPGP_0x1A2B3C4D.asc": True, "smime.p7s": True}


@pytest.mark.parametrize("img, size", [
    ('<img src="cid:a" width=151 height=48>', (151, 48)),
    ('<img src="cid:a" width="100%" style="width:1.5in;height:.5in">', (144, 48)),
    ('<img src="cid:a" style="max-width:600px;width:24pt;HEIGHT: 32PX !important">', (32, 32)),
    ('<img src="cid:a" width="auto" height="12cm">', (None, 12 * 96 / 2.54)),
    ('<img src="cid:a" width="600" height="400" style="width:0;height:0">', (0, 0)),
    ('<img src="cid:a">', (None, None)),
])
def test_the_size_an_image_is_shown_at(img, size):
    (image,) = cid_images(img)
    assert (image.width, image.height) == pytest.approx(size)


def test_cid_references_are_read_as_mail_clients_encode_them():
    images = cid_images('<img src="CID:Image001.PNG%4001D9"><img src="https://track.test/p.gif">'
                        '<style><img src="cid:not-shown"></style>')
    assert [i.content_id for i in images] == ["image001.png@01d9"]


def test_nothing_to_judge_returns_the_same_tuple():
    files = (Attachment("factura.pdf", "application/pdf", b"%PDF"),)
    assert mark_incidental(files, "<p>hola</p>") is files
