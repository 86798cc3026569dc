"""A screenshot pasted into the HTML as a data: URI is kept as an inline attachment the
HTML points to by cid:, not dropped with the remote images."""
from __future__ import annotations

import base64

from daemon.ingest.data_images import MAX_IMAGES, inline_data_images
from daemon.ingest.reading import read_message
from tests.support.mail import make_mail

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(40))
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(range(60))


def _uri(kind: str, data: bytes) -> str:
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


def test_a_pasted_image_becomes_an_inline_attachment_the_html_points_to():
    html, images = inline_data_images(f'<p>Mire el error:</p><img alt="x" src="{_uri("image/png", PNG)}"><p>Gracias</p>', 2)
    assert [(a.filename, a.content_type, a.payload, a.inline) for a in images] == [("image-3.png", "image/png", PNG, True)]
    assert html == f'<p>Mire el error:</p><img alt="x" src="cid:{images[0].content_id}"><p>Gracias</p>'


def test_the_same_picture_twice_is_one_attachment_and_each_kind_keeps_its_type():
    html, images = inline_data_images(
        f"<img src='{_uri('image/png', PNG)}'><img src={_uri('image/jpg', JPEG)}>"
        f"<img src=\"{_uri('image/png', PNG)}\">", 0)
    assert [(a.filename, a.content_type) for a in images] == [("image-1.png", "image/png"), ("image-2.jpg", "image/jpeg")]
    assert html.count(f"cid:{images[0].content_id}") == 2 and f"src=cid:{images[1].content_id}>" in html


def test_what_is_not_a_raster_image_in_clean_base64_is_left_as_written():
    svg = f'<img src="{_uri("image/svg+xml", b"<svg onload=alert(1)></svg>")}">'
    broken = '<img src="data:image/png;base64,no es base64!">'
    text = "<p>data: uno, dos</p>"
    for html in (svg, broken, text):
        assert inline_data_images(html, 0) == (html, [])


def test_images_beyond_the_limit_stay_as_written():
    html = "".join(f'<img src="{_uri("image/png", PNG + bytes([i]))}">' for i in range(MAX_IMAGES + 2))
    out, images = inline_data_images(html, 0)
    assert len(images) == MAX_IMAGES and out.count("cid:") == MAX_IMAGES and out.count("data:") == 2


def test_a_mail_with_a_pasted_screenshot_keeps_it_on_the_ticket():
    raw = make_mail("ana@cliente.test", "La caldera", "Mire el error\n",
                    html=f'<p>Mire el error:</p><img src="{_uri("image/png", PNG)}" width="800" height="600">')
    reading = read_message(raw)
    [image] = reading.parsed.attachments
    assert (image.content_type, image.payload, image.inline, image.incidental) == ("image/png", PNG, True, False)
    assert f'src="cid:{image.content_id}"' in reading.safe_html
